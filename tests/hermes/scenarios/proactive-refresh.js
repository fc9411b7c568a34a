// Proactive refresh: a 120 s token (margin 30 s, jitter up to 10 % of it) is refreshed before
// it expires, with reason 'scheduled', and the chat SDK is logged in with the new token.
scenario('proactive refresh before expiry', async function (t) {
  t.server.expiresIn = 120;
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
  var first = await p;
  var issued = t.server.requests[0].at;
  t.assert.equal(first.expiresAt, issued + 120000, 'expiresAt');
  await t.advance(80000); // before margin - jitter (120 - 30 - 3 = 87 s)
  t.assert.equal(t.server.requests.length, 1, 'no refresh before the margin');
  t.assert.equal(await m.getToken(), 'hermes-tok-1', 'old token still served');
  await t.advance(10000); // now 90 s after issue: the refresh is due
  t.assert.equal(t.server.requests.length, 2, 'one proactive refresh');
  var at = t.server.requests[1].at - issued;
  t.assert.ok(at >= 87000 && at <= 90000, 'refresh between 87 s and 90 s after issue, was ' + at);
  t.assert.deepEqual(logins, ['hermes-tok-1', 'hermes-tok-2'], 'logins');
  t.assert.deepEqual(reasons, ['initial', 'scheduled'], 'token reasons');
  t.assert.equal(await m.getToken(), 'hermes-tok-2', 'getToken() after the refresh');
  t.assert.ok(m.snapshot().expiresAt > t.clock.now + 60000, 'new expiry in the future');
  t.noLeaks(m);
  m.dispose();
});
