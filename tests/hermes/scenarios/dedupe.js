// Dedupe: 10 concurrent getToken() calls and a start() on a cold manager make one request and
// one login, and all get the same token.
scenario('dedupe of concurrent callers (one fetch, one login)', async function (t) {
  t.server.delayMs = 300;
  var logins = 0;
  var m = new t.pkg.TokenManager({
    endpoint: 'https://app.example/api/chat-token',
    login: function () {
      logins++;
      return new Promise(function (resolve) {
        setTimeout(resolve, 50);
      });
    },
  });
  var calls = [];
  for (var i = 0; i < 10; i++) calls.push(m.getToken());
  calls.push(m.start().then(function (info) {
    return info.token;
  }));
  await t.advance(100);
  t.assert.equal(t.server.requests.length, 1, 'requests while in flight');
  await t.advance(1000);
  var tokens = await Promise.all(calls);
  for (var j = 0; j < tokens.length; j++) t.assert.equal(tokens[j], 'hermes-tok-1', 'caller ' + j);
  t.assert.equal(t.server.requests.length, 1, 'token requests');
  t.assert.equal(logins, 1, 'login calls');
  t.noLeaks(m);
  m.dispose();
});
