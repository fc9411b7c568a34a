// The chat SDK reports an auth error: handleUnauthorized(staleToken) refreshes once, the SDK is
// logged in with the new token, and concurrent or later reports of the same stale token cost
// no further request.
scenario('handleUnauthorized: one refresh per rejected token', async function (t) {
  var logins = [];
  var m = new t.pkg.TokenManager({
    endpoint: 'https://app.example/api/chat-token',
    login: function (token) {
      logins.push(token);
    },
  });
  var p = m.start();
  await t.advance(0);
  var stale = (await p).token;
  await t.advance(60000); // past the 5 s guard for a just-minted token
  t.server.delayMs = 200;
  var a = m.handleUnauthorized(stale);
  var b = m.handleUnauthorized(stale);
  await t.advance(500);
  var ia = await a;
  var ib = await b;
  t.assert.equal(ia.token, 'hermes-tok-2', 'new token');
  t.assert.equal(ib.token, 'hermes-tok-2', 'the concurrent report shares it');
  t.assert.equal(ia.reason, 'unauthorized', 'reason');
  var c = await m.handleUnauthorized(stale);
  t.assert.equal(c.token, 'hermes-tok-2', 'a late report of the old token gets the current one');
  t.assert.equal(t.server.requests.length, 2, 'requests');
  t.assert.deepEqual(logins, ['hermes-tok-1', 'hermes-tok-2'], 'logins');
  t.noLeaks(m);
  m.dispose();
});
