// The `appState` option takes React Native's AppState (currentState, addEventListener('change')
// returning { remove }): its changes drive the same lifecycle, and dispose() unsubscribes.
scenario('AppState option (React Native AppState object)', async function (t) {
  t.server.expiresIn = 120;
  var listeners = [];
  var removed = 0;
  var AppState = {
    currentState: 'active',
    addEventListener: function (type, fn) {
      t.assert.equal(type, 'change', 'subscribed event');
      listeners.push(fn);
      return {
        remove: function () {
          removed++;
          listeners.splice(listeners.indexOf(fn), 1);
        },
      };
    },
  };
  function change(state) {
    AppState.currentState = state;
    listeners.slice().forEach(function (fn) {
      fn(state);
    });
  }
  var reasons = [];
  var m = new t.pkg.TokenManager({ endpoint: 'https://app.example/api/chat-token', appState: AppState });
  m.on('token', function (info) {
    reasons.push(info.reason);
  });
  t.assert.equal(listeners.length, 1, 'one AppState subscription');
  var p = m.start();
  await t.advance(0);
  await p;
  change('background');
  var fired = t.clock.fired;
  await t.advance(100000);
  t.assert.equal(t.clock.fired - fired, 0, 'wake-ups while backgrounded');
  t.assert.equal(t.server.requests.length, 1, 'requests while backgrounded');
  change('active');
  await t.advance(0);
  t.assert.equal(t.server.requests.length, 2, 'refreshed at once on active');
  t.assert.deepEqual(reasons, ['initial', 'resume'], 'token reasons');
  m.dispose();
  t.assert.equal(removed, 1, 'dispose() removed the AppState subscription');
  t.noLeaks(m);
});
