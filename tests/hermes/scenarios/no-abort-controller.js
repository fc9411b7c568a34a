// hermes-test: no-abort-controller
// Hermes embedded without React Native's polyfills has no AbortController. The manager must
// still work: a fetchToken option gets a token, and logout still discards a late result.
scenario('no AbortController (bare Hermes): fetchToken works and logout still discards', async function (t) {
  t.assert.equal(typeof AbortController, 'undefined', 'typeof AbortController');
  var calls = 0;
  var logins = [];
  var m = new t.pkg.TokenManager({
    fetchToken: function (ctx) {
      calls++;
      t.assert.ok(ctx.signal && typeof ctx.signal.aborted === 'boolean', 'ctx.signal has `aborted`');
      var n = calls;
      return new Promise(function (resolve) {
        setTimeout(function () {
          resolve({ authToken: 'hermes-tok-' + n, expiresIn: 3600 });
        }, n === 1 ? 10 : 1000);
      });
    },
    login: function (token) {
      logins.push(token);
    },
  });
  t.server.minted.push('hermes-tok-1', 'hermes-tok-2');
  var p = m.start();
  await t.advance(20);
  t.assert.equal((await p).token, 'hermes-tok-1', 'token from fetchToken');
  t.assert.equal(calls, 1, 'fetchToken calls');
  var r = m.refresh().then(
    function () {
      throw new Error('refresh() resolved after logout');
    },
    function (e) {
      return e;
    },
  );
  await t.advance(100);
  await m.logout();
  await t.advance(2000);
  t.assert.equal((await r).code, 'discarded', 'the refresh waiting at logout');
  t.assert.deepEqual(logins, ['hermes-tok-1'], 'the late token was never logged in');
  t.noLeaks(m);
  m.dispose();
});
