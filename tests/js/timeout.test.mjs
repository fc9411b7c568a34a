// fetchTimeoutMs: a hanging endpoint is aborted and reported as `timeout`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { startTokenServer } from './helpers/token-server.mjs';
import { manager, server, countingLogin, expectTokenError, waitFor, sleep } from './helpers/util.mjs';

test('hanging endpoint (fetchToken + fetch with ctx.signal) → timeout after fetchTimeoutMs and the signal is aborted', async (t) => {
  const srv = await server(t, startTokenServer, () => ({ hang: true }));
  const contexts = [];
  const login = countingLogin();
  const m = manager(t, {
    fetchToken: (ctx) => {
      contexts.push(ctx);
      return fetch(srv.url, { method: 'POST', signal: ctx.signal });
    },
    login,
    fetchTimeoutMs: 200,
    retry: { baseDelayMs: 10, maxDelayMs: 20, maxAttempts: 1 },
  });

  const started = performance.now();
  await expectTokenError(m.getToken(), { code: 'timeout', retryable: true });
  const elapsed = performance.now() - started;

  assert.ok(elapsed >= 195, `timed out after ${elapsed.toFixed(0)} ms, before fetchTimeoutMs (200)`);
  assert.ok(elapsed < 2000, `timed out after ${elapsed.toFixed(0)} ms, long after fetchTimeoutMs (200)`);
  assert.equal(contexts.length, 1);
  const ctx = contexts[0];
  assert.ok(ctx.signal && typeof ctx.signal.aborted === 'boolean', 'ctx.signal is an AbortSignal');
  assert.equal(ctx.signal.aborted, true, 'the signal handed to fetchToken was aborted');
  await waitFor(() => srv.requests[0]?.aborted, { timeoutMs: 1000, what: 'the server to see the aborted connection' });
  assert.equal(srv.count, 1);
  assert.equal(login.calls.length, 0);
});

test('hanging endpoint (built-in endpoint fetch) → timeout, connection aborted, retried up to maxAttempts', async (t) => {
  const srv = await server(t, startTokenServer, () => ({ hang: true }));
  const m = manager(t, {
    endpoint: { url: srv.url },
    fetchTimeoutMs: 150,
    retry: { baseDelayMs: 10, maxDelayMs: 20, maxAttempts: 2 },
  });

  const started = performance.now();
  await expectTokenError(m.getToken(), { code: 'timeout', retryable: true });
  const elapsed = performance.now() - started;
  assert.equal(srv.count, 2, 'a timeout is transient: retried once with maxAttempts 2');
  assert.ok(elapsed >= 2 * 150 - 10, `two 150 ms timeouts took only ${elapsed.toFixed(0)} ms`);
  await waitFor(() => srv.requests.every((r) => r.aborted), { timeoutMs: 1000, what: 'both connections to be aborted' });
});

test('a fetchToken that ignores the signal still times out (the manager does not wait for it)', async (t) => {
  let resolveLate;
  const login = countingLogin();
  const m = manager(t, {
    fetchToken: () => new Promise((r) => (resolveLate = r)),
    login,
    fetchTimeoutMs: 100,
    retry: { baseDelayMs: 10, maxDelayMs: 20, maxAttempts: 1 },
  });
  await expectTokenError(m.getToken(), { code: 'timeout' });
  resolveLate({ authToken: 'too-late', expiresIn: 3600 }); // a late result must not be applied
  await sleep(30);
  assert.equal(login.calls.length, 0, 'a result that arrives after its timeout is not logged in');
});
