// Logout mid-refresh: logout() while a refresh's request is in flight. The request is aborted;
// even though this endpoint answers anyway, the late token is never logged in or handed out,
// the waiting caller rejects with `discarded`, and nothing is fetched afterwards.
scenario('logout mid-refresh discards the late result', async function (t) {
  var logins = [];
  var appLogouts = 0;
  var tokens = [];
  var m = new t.pkg.TokenManager({
    endpoint: 'https://app.example/api/chat-token',
    login: function (token) {
      logins.push(token);
    },
    logout: function () {
      appLogouts++;
    },
  });
  m.on('token', function (info) {
    tokens.push(info.token);
  });
  var p = m.start();
  await t.advance(0);
  await p;
  t.server.delayMs = 2000;
  t.server.ignoreAbort = true; // the late answer still arrives
  var refreshing = m.refresh();
  var outcome = assertRejects(refreshing);
  await t.advance(500);
  t.assert.equal(t.server.requests.length, 2, 'the refresh request is in flight');
  await m.logout();
  t.assert.ok(t.server.requests[1].aborted, 'the in-flight request was aborted');
  await t.advance(5000); // the late answer (hermes-tok-2) arrives now
  t.assert.ok(t.server.requests[1].answeredAt !== undefined, 'the endpoint did answer late');
  var err = await outcome;
  t.assert.equal(err.name, 'TokenError', 'error name');
  t.assert.equal(err.code, 'discarded', 'the waiting refresh');
  t.assert.deepEqual(logins, ['hermes-tok-1'], 'the late token was never logged in');
  t.assert.deepEqual(tokens, ['hermes-tok-1'], 'no token event for the late token');
  t.assert.equal(appLogouts, 1, 'the app logout option called once');
  t.assert.equal(m.state, 'loggedOut', 'state');
  var after = await t.assert.rejects(m.getToken(), 'getToken() after logout');
  t.assert.equal(after.code, 'logged_out', 'getToken() after logout');
  await t.advance(30 * 60 * 1000);
  t.assert.equal(t.server.requests.length, 2, 'no request after logout');
  t.noLeaks(m, [err.message, err.stack, after.message, after.stack]);
  m.dispose();

  function assertRejects(promise) {
    return promise.then(
      function () {
        throw new Error('refresh() resolved after logout');
      },
      function (e) {
        return e;
      },
    );
  }
});
