// The refresh grant (seed 004): the first token comes from the endpoint with a refresh token;
// the proactive refresh posts { refreshToken } to refreshEndpoint, whose answer rotates it; the
// next refresh posts the rotated one; a 401 from refreshEndpoint falls back to the endpoint in
// the same cycle, without an error event. No token or refresh token in logs or the snapshot.
scenario('refresh grant: refresh token posted, rotated, and a 401 falls back to the endpoint', async function (t) {
  t.server.expiresIn = 120;
  var REFRESH_URL = 'https://app.example/auth/refresh';
  var refreshes = 0;
  function route(req) {
    if (req.url !== REFRESH_URL) {
      var minted = t.server.mint();
      minted.body.refreshToken = 'hermes-rt-' + t.server.minted.length;
      return minted;
    }
    refreshes += 1;
    if (refreshes === 3) return { status: 401, body: { error: 'refresh token reused' } };
    var token = 'hermes-rtok-' + refreshes;
    t.server.minted.push(token);
    return { status: 200, body: { accessToken: token, refreshToken: 'hermes-rt-r' + refreshes, expiresIn: 120 } };
  }
  var errors = [];
  var logins = [];
  var m = new t.pkg.TokenManager({
    endpoint: 'https://app.example/api/chat-token',
    refreshEndpoint: REFRESH_URL,
    login: function (token) {
      logins.push(token);
    },
  });
  m.on('error', function (e) {
    errors.push(e.code);
  });
  for (var i = 0; i < 4; i++) t.server.script.push(route);

  var p = m.start();
  await t.advance(0);
  t.assert.equal((await p).refreshToken, 'hermes-rt-1', 'the first refresh token');

  await t.advance(90000); // the proactive refresh is due (margin 30 s)
  t.assert.equal(t.server.requests.length, 2, 'one proactive refresh');
  t.assert.equal(t.server.requests[1].url, REFRESH_URL, 'posted to refreshEndpoint');
  t.assert.deepEqual(JSON.parse(t.server.requests[1].body), { refreshToken: 'hermes-rt-1' }, 'the refresh body');
  t.assert.equal(await m.getToken(), 'hermes-rtok-1');

  await t.advance(90000);
  t.assert.deepEqual(JSON.parse(t.server.requests[2].body), { refreshToken: 'hermes-rt-r1' }, 'the rotated refresh token');

  // The third refresh is refused: the endpoint mints in the same cycle.
  await t.advance(90000);
  t.assert.equal(t.server.requests.length, 5, 'the refused refresh and one re-mint');
  t.assert.equal(t.server.requests[3].url, REFRESH_URL);
  t.assert.equal(t.server.requests[4].url, 'https://app.example/api/chat-token', 'the fallback asks the endpoint');
  var reminted = t.server.minted[t.server.minted.length - 1];
  t.assert.ok(reminted.indexOf('hermes-tok-') === 0, 'the last token is a re-mint: ' + reminted);
  t.assert.equal(await m.getToken(), reminted);
  t.assert.deepEqual(errors, [], 'no error event');
  t.assert.equal(logins.length, 4, 'each new token logged in');
  t.noLeaks(m);
  var seen = t.logs.join('\n') + JSON.stringify(m.snapshot());
  t.assert.ok(seen.indexOf('hermes-rt') < 0, 'no refresh token in the logs or the snapshot');
  m.dispose();
});
