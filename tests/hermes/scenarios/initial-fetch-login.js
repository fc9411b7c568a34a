// Initial fetch + login: start() fetches one token from the endpoint and logs the chat SDK in
// with it once; getToken() then answers from it with no further request.
scenario('initial fetch + login', async function (t) {
  var logins = [];
  var events = [];
  var m = new t.pkg.TokenManager({
    endpoint: 'https://app.example/api/chat-token',
    login: function (token) {
      logins.push(token);
      return Promise.resolve();
    },
  });
  m.on('token', function (info) {
    events.push(info.reason + '/' + info.source);
  });
  var p = m.start();
  await t.advance(10);
  var info = await p;
  t.assert.equal(t.server.requests.length, 1, 'token requests');
  t.assert.equal(t.server.requests[0].method, 'POST', 'method');
  t.assert.equal(t.server.requests[0].url, 'https://app.example/api/chat-token', 'url');
  t.assert.equal(info.token, 'hermes-tok-1', 'the token start() resolved with');
  t.assert.equal(info.reason, 'initial', 'reason');
  t.assert.equal(info.source, 'network', 'source');
  t.assert.equal(info.expiresAt, t.server.requests[0].at + 3600 * 1000, 'expiresAt from expiresIn');
  t.assert.deepEqual(logins, ['hermes-tok-1'], 'login calls');
  t.assert.deepEqual(events, ['initial/network'], 'token events');
  t.assert.equal(m.state, 'ready', 'state');
  t.assert.equal(await m.getToken(), 'hermes-tok-1', 'getToken()');
  t.assert.equal(t.server.requests.length, 1, 'no second request for getToken()');
  t.noLeaks(m);
  m.dispose();
});
