// Retry policy: transient failures back off (honouring Retry-After), permanent ones never retry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTokenServer } from './helpers/token-server.mjs';
import { manager, server, countingLogin, record, expectTokenError, sleep, FAST_RETRY } from './helpers/util.mjs';

// Node timers may fire up to ~1 ms before the nominal delay relative to the monotonic clock.
const TIMER_SLACK_MS = 5;

test('429 with Retry-After: 1 → waits at least 1 s before the retry (base delay is 10 ms)', async (t) => {
  const srv = await server(t, startTokenServer, (req, s) =>
    req.index === 1 ? { status: 429, headers: { 'retry-after': '1' }, body: { error: 'slow down' } } : s.mint(),
  );
  const login = countingLogin();
  const m = manager(t, { endpoint: srv.url, login, retry: FAST_RETRY });
  const events = record(m);

  const token = await m.getToken();
  assert.equal(token, 'tok-1');
  assert.equal(srv.count, 2, 'one 429, one successful retry');
  const [gap] = srv.gaps();
  assert.ok(gap >= 1000 - TIMER_SLACK_MS, `retry came ${gap.toFixed(1)} ms after the 429; Retry-After asked for 1000 ms`);
  assert.ok(gap < 3000, `retry came ${gap.toFixed(1)} ms after the 429 (far more than Retry-After)`);
  assert.equal(login.calls.length, 1);
  assert.equal(events.error.length, 0, 'no error event: the cycle did not give up');
});

test('503 with Retry-After as an HTTP-date → honoured (≥ 1 s), then success', async (t) => {
  const srv = await server(t, startTokenServer, (req, s) =>
    req.index === 1
      ? { status: 503, headers: { 'retry-after': new Date(Date.now() + 2000).toUTCString() } }
      : s.mint(),
  );
  const m = manager(t, { endpoint: srv.url, retry: FAST_RETRY });
  assert.equal(await m.getToken(), 'tok-1');
  assert.equal(srv.count, 2);
  const [gap] = srv.gaps();
  // An HTTP-date has 1 s resolution, so the wait is between 1 s (the clamp) and ~2 s.
  assert.ok(gap >= 1000 - TIMER_SLACK_MS, `retry came ${gap.toFixed(1)} ms after the 503 with an HTTP-date Retry-After`);
  assert.ok(gap < 3500, `retry came ${gap.toFixed(1)} ms after the 503`);
});

test('429 on the last attempt → rate_limited error with retryAfterMs, retryable, status 429', async (t) => {
  const srv = await server(t, startTokenServer, () => ({ status: 429, headers: { 'retry-after': '7' } }));
  const m = manager(t, { endpoint: srv.url, retry: { ...FAST_RETRY, maxAttempts: 1 } });
  const err = await expectTokenError(m.getToken(), { code: 'rate_limited', retryable: true, status: 429 });
  assert.equal(err.retryAfterMs, 7000);
  assert.equal(srv.count, 1);
});

for (const [status, code] of [
  [400, 'http'],
  [401, 'unauthorized'],
  [403, 'unauthorized'],
  [404, 'http'],
]) {
  test(`${status} → exactly 1 request, typed error code '${code}', not retryable`, async (t) => {
    const srv = await server(t, startTokenServer, () => ({ status, body: { error: `nope ${status}` } }));
    const login = countingLogin();
    const onRefreshError = [];
    const m = manager(t, {
      endpoint: srv.url,
      login,
      retry: { baseDelayMs: 10, maxDelayMs: 20, maxAttempts: 6 },
      onRefreshError: (e) => onRefreshError.push(e),
    });
    const events = record(m);

    const err = await expectTokenError(m.getToken(), { code, retryable: false, status });
    await sleep(150); // room for a (wrong) retry with a 10 ms base delay
    assert.equal(srv.count, 1, `a ${status} must never be retried`);
    assert.equal(login.calls.length, 0);
    assert.equal(events.error.length, 1, 'one error event for the cycle');
    assert.equal(onRefreshError.length, 1, 'onRefreshError once for the cycle');
    assert.equal(events.error[0].code, err.code);
  });
}

test('422, 501 and 505 are permanent too (1 request each)', async (t) => {
  for (const status of [422, 501, 505]) {
    const srv = await startTokenServer(() => ({ status }));
    const m = manager(t, { endpoint: srv.url, retry: { baseDelayMs: 10, maxDelayMs: 20, maxAttempts: 6 } });
    try {
      await expectTokenError(m.getToken(), { retryable: false, status });
      await sleep(60);
      assert.equal(srv.count, 1, `status ${status} retried`);
    } finally {
      m.dispose();
      await srv.close();
    }
  }
});

test('transient 503 every time → exactly retry.maxAttempts requests, then one error event', async (t) => {
  const srv = await server(t, startTokenServer, () => ({ status: 503 }));
  const errors = [];
  const m = manager(t, { endpoint: srv.url, retry: { baseDelayMs: 10, maxDelayMs: 40, maxAttempts: 3 }, onRefreshError: (e) => errors.push(e) });
  const events = record(m);

  await expectTokenError(m.getToken(), { status: 503, retryable: true });
  assert.equal(srv.count, 3, 'maxAttempts requests in the cycle');
  await sleep(150);
  assert.equal(srv.count, 3, 'no request after the cycle gave up (cooldown is 60 s)');
  assert.equal(events.error.length, 1, 'error event once per cycle, not once per attempt');
  assert.equal(errors.length, 1, 'onRefreshError once per cycle');
});

test('transient 500, 502, 504, 408 and a network error are retried until success', async (t) => {
  const seq = [500, 502, 504, 408];
  const srv = await server(t, startTokenServer, (req, s) => (req.index <= seq.length ? { status: seq[req.index - 1] } : s.mint()));
  const m = manager(t, { endpoint: srv.url, retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 6 } });
  assert.equal(await m.getToken(), 'tok-1');
  assert.equal(srv.count, 5);

  // A network error: a port nobody listens on (closed server) → code network, retried.
  const dead = await startTokenServer();
  const deadUrl = dead.url;
  await dead.close();
  const m2 = manager(t, { endpoint: deadUrl, retry: { baseDelayMs: 5, maxDelayMs: 10, maxAttempts: 2 } });
  await expectTokenError(m2.getToken(), { code: 'network', retryable: true });
});

test('fetchToken throwing: numeric status is classified like HTTP, anything else is a retried network error', async (t) => {
  let calls = 0;
  const m = manager(t, {
    fetchToken: async () => {
      calls += 1;
      throw Object.assign(new Error('backend says 404'), { status: 404 });
    },
    retry: FAST_RETRY,
  });
  await expectTokenError(m.getToken(), { code: 'http', status: 404, retryable: false });
  assert.equal(calls, 1);

  let calls2 = 0;
  const m2 = manager(t, {
    fetchToken: async () => {
      calls2 += 1;
      if (calls2 < 3) throw new TypeError('fetch failed');
      return { authToken: 'after-network-errors', expiresIn: 3600 };
    },
    retry: FAST_RETRY,
  });
  assert.equal(await m2.getToken(), 'after-network-errors');
  assert.equal(calls2, 3);
});

test('3 consecutive permanent failures → state failed, no more requests until refresh()', async (t) => {
  const srv = await server(t, startTokenServer, () => ({ status: 400 }));
  const m = manager(t, { endpoint: srv.url, retry: FAST_RETRY });

  for (let i = 1; i <= 3; i++) {
    await expectTokenError(m.getToken(), { code: 'http', status: 400 });
  }
  assert.equal(srv.count, 3);
  assert.equal(m.state, 'failed');
  assert.equal(m.snapshot().consecutiveFailures, 3);
  await expectTokenError(m.getToken(), { code: 'failed' });
  assert.equal(srv.count, 3, 'no request while failed');

  srv.setHandler(null); // the backend recovers
  const info = await m.refresh();
  assert.equal(info.token, 'tok-1');
  assert.equal(srv.count, 4);
  assert.equal(m.state, 'ready');
  assert.equal(m.snapshot().consecutiveFailures, 0);
  assert.equal(m.snapshot().lastError ?? null, null, 'lastError clears on success');
});
