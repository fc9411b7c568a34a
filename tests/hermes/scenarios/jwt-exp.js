// A JWT without expiresIn/expiresAt: its `exp` claim sets the expiry. Hermes has no `atob`, so
// the host's own base64 decoder reads the payload (url-safe `-` and `_`, no padding, a
// non-ASCII name in it); a payload that is not base64 makes it an opaque token (default TTL).
scenario('JWT exp sets the expiry without atob (the hand-written base64 decoder)', async function (t) {
  t.assert.equal(typeof atob, 'undefined', 'typeof atob');
  // {"sub":"u1","name":"Zoë ~?>0~~?>","exp":1795269600}: two hours after the clock's start.
  var jwt = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1MSIsIm5hbWUiOiJab8OrIH4_PjB-fj8-IiwiZXhwIjoxNzk1MjY5NjAwfQ.c2ln';
  var answers = [{ token: jwt }, { token: 'abc.not*base64.sig' }];
  var m = new t.pkg.TokenManager({
    fetchToken: function () {
      return Promise.resolve(answers.shift());
    },
    defaultTtlMs: 600000,
  });
  var p = m.start();
  await t.advance(0);
  var info = await p;
  t.assert.equal(info.token, jwt, 'token');
  t.assert.equal(info.expiresAt, 1795269600000, 'expiresAt from exp');
  var r = m.refresh();
  await t.advance(0);
  var opaque = await r;
  t.assert.equal(opaque.expiresAt, opaque.issuedAt + 600000, 'not base64: the default TTL');
  m.dispose();
});
