// hermes-test: react-native-globals
// With React Native's globals (window and self are the global object, navigator has no onLine,
// no document): the package takes none of them for a browser, warns about nothing, fetches,
// refreshes before expiry, and stops waking up in the background.
scenario('React Native globals (window === global, navigator.product): no DOM paths taken', async function (t) {
  t.assert.ok(window === globalThis && self === globalThis, 'window and self are the global object');
  t.assert.equal(navigator.product, 'ReactNative', 'navigator.product');
  t.assert.equal(typeof document, 'undefined', 'typeof document');
  t.server.expiresIn = 120;
  var logins = [];
  var m = new t.pkg.TokenManager({
    endpoint: 'https://app.example/api/chat-token',
    login: function (token) {
      logins.push(token);
    },
  });
  var p = m.start();
  await t.advance(0);
  await p;
  await t.advance(95000);
  t.assert.equal(t.server.requests.length, 2, 'initial fetch and one proactive refresh');
  t.assert.deepEqual(logins, ['hermes-tok-1', 'hermes-tok-2'], 'logins');
  t.assert.equal(m.snapshot().offline, false, 'not offline (navigator.onLine is undefined in React Native)');
  m.setAppState('background');
  var fired = t.clock.fired;
  await t.advance(10 * 60 * 1000);
  t.assert.equal(t.clock.fired - fired, 0, 'wake-ups while backgrounded');
  var noisy = t.logs.filter(function (l) {
    return l.indexOf('warn ') === 0 || l.indexOf('error ') === 0;
  });
  t.assert.deepEqual(noisy, [], 'warnings or errors logged');
  t.noLeaks(m);
  m.dispose();
});
