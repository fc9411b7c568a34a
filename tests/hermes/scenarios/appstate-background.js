// AppState background: setAppState('background') stops the watchdog timer, so a backgrounded
// app gets no wake-ups and makes no requests (in the foreground the same 10 minutes wake it up).
scenario('AppState: background stops the timer (no wake-ups while backgrounded)', async function (t) {
  var m = new t.pkg.TokenManager({ endpoint: 'https://app.example/api/chat-token' });
  var p = m.start();
  await t.advance(0);
  await p;
  var fired = t.clock.fired;
  await t.advance(10 * 60 * 1000);
  var foreground = t.clock.fired - fired;
  t.assert.ok(foreground > 0, 'the foreground watchdog wakes up (control), woke ' + foreground + ' times');
  m.setAppState('background');
  fired = t.clock.fired;
  await t.advance(50 * 60 * 1000); // 50 min backgrounded; the 1 h token's refresh would be due by now
  t.assert.equal(t.clock.fired - fired, 0, 'wake-ups while backgrounded');
  t.assert.equal(t.server.requests.length, 1, 'requests while backgrounded');
  var bad = await t.assert.rejects(
    new Promise(function (resolve) {
      resolve(m.setAppState('inactive-ish'));
    }),
    'setAppState with a bad value',
  );
  t.assert.equal(bad.code, 'invalid_options', 'bad setAppState value code');
  t.noLeaks(m, [bad.message]);
  m.dispose();
});
