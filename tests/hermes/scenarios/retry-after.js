// 429 + Retry-After: the endpoint answers 429 with Retry-After: 7; the manager waits those 7 s
// (not its own shorter backoff), then retries once and delivers the token.
scenario('429 + Retry-After honoured', async function (t) {
  t.server.script.push({ status: 429, headers: { 'Retry-After': '7' }, body: { error: 'slow down' } });
  var errors = [];
  var m = new t.pkg.TokenManager({
    endpoint: 'https://app.example/api/chat-token',
    retry: { baseDelayMs: 100, maxDelayMs: 200, maxAttempts: 4 },
  });
  m.on('error', function (e) {
    errors.push(e.code);
  });
  var p = m.start();
  await t.advance(100);
  t.assert.equal(t.server.requests.length, 1, 'the first request');
  t.assert.equal(m.state, 'backoff', 'state while waiting');
  await t.advance(6800); // 6.9 s after the 429
  t.assert.equal(t.server.requests.length, 1, 'no retry before Retry-After');
  await t.advance(200);
  t.assert.equal(t.server.requests.length, 2, 'one retry after Retry-After');
  var gap = t.server.requests[1].at - t.server.requests[0].at;
  t.assert.ok(gap >= 7000 && gap < 7100, 'retry 7 s after the 429, was ' + gap + ' ms');
  var info = await p;
  t.assert.equal(info.token, 'hermes-tok-1', 'token after the retry');
  t.assert.equal(m.state, 'ready', 'state');
  t.assert.deepEqual(errors, [], 'no error event for a recovered cycle');
  t.noLeaks(m);
  m.dispose();
});
