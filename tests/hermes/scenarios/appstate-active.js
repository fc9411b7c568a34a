// AppState active: coming back to the foreground re-checks at once. Outside the refresh margin
// nothing is fetched; inside it (timers froze while backgrounded, as on iOS) the token is
// refreshed immediately with reason 'resume' and the chat SDK logged in again.
scenario('AppState: active re-checks at once and refreshes inside the margin', async function (t) {
  t.server.expiresIn = 120; // margin 30 s: refresh due 87-90 s after issue
  var logins = [];
  var reasons = [];
  var m = new t.pkg.TokenManager({
    endpoint: 'https://app.example/api/chat-token',
    login: function (token) {
      logins.push(token);
    },
  });
  m.on('token', function (info) {
    reasons.push(info.reason);
  });
  var p = m.start();
  await t.advance(0);
  await p;
  m.setAppState('background');
  await t.advance(20000);
  m.setAppState('active'); // 20 s in: well outside the margin
  await t.advance(0);
  t.assert.equal(t.server.requests.length, 1, 'no request when active outside the margin');
  m.setAppState('background');
  await t.advance(80000); // 100 s after issue: inside the margin, 20 s before expiry
  t.assert.equal(t.server.requests.length, 1, 'nothing fetched while backgrounded');
  m.setAppState('active');
  await t.advance(0);
  t.assert.equal(t.server.requests.length, 2, 'one request at once on active');
  t.assert.equal(t.server.requests[1].at, t.clock.now, 'the request came without waiting');
  t.assert.deepEqual(reasons, ['initial', 'resume'], 'token reasons');
  t.assert.deepEqual(logins, ['hermes-tok-1', 'hermes-tok-2'], 'logins');
  t.assert.equal(await m.getToken(), 'hermes-tok-2', 'getToken() after resume');
  t.noLeaks(m);
  m.dispose();
});
