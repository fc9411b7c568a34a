// The login step: once per new token, LOGIN_IN_PROGRESS retried, bounded by loginTimeoutMs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { startTokenServer } from './helpers/token-server.mjs';
import { manager, server, record, expectTokenError, sleep } from './helpers/util.mjs';

function loginInProgressError() {
  // What CometChat's loginWithAuthToken rejects with while a previous login is still running.
  const err = new Error('Please wait until the previous login request ends.');
  err.name = 'LOGIN_IN_PROGRESS';
  err.code = 'LOGIN_IN_PROGRESS';
  return err;
}

test('login rejecting with name LOGIN_IN_PROGRESS → retried, exactly one successful login', async (t) => {
  const srv = await server(t, startTokenServer);
  const attempts = [];
  let successes = 0;
  const login = async (token, info) => {
    attempts.push({ token, info, at: performance.now() });
    if (attempts.length <= 2) throw loginInProgressError();
    successes += 1;
  };
  const m = manager(t, { endpoint: srv.url, login, loginTimeoutMs: 10_000 });
  const events = record(m);

  const token = await m.getToken();
  assert.equal(token, 'tok-1');
  assert.equal(attempts.length, 3, 'two LOGIN_IN_PROGRESS rejections, then the successful login');
  assert.equal(successes, 1, 'exactly one successful login');
  assert.ok(attempts.every((a) => a.token === 'tok-1'), 'every login attempt used the same fetched token');
  assert.equal(attempts[0].info?.token, 'tok-1', 'login(token, info) gets the TokenInfo');
  assert.equal(srv.count, 1, 'retrying the login does not refetch the token');
  assert.equal(events.token.length, 1, 'one token event, after the successful login');
  assert.equal(events.error.length, 0);
  const gap = attempts[1].at - attempts[0].at;
  assert.ok(gap >= 20, `LOGIN_IN_PROGRESS retries are spaced by a backoff (gap ${gap.toFixed(1)} ms), not a busy loop`);
  await sleep(50);
  assert.equal(attempts.length, 3, 'no login after success');
});

test('login that never settles → login_failed (retryable) after loginTimeoutMs', async (t) => {
  const srv = await server(t, startTokenServer);
  let calls = 0;
  const m = manager(t, {
    endpoint: srv.url,
    login: () => {
      calls += 1;
      return new Promise(() => {});
    },
    loginTimeoutMs: 300,
    retry: { baseDelayMs: 10, maxDelayMs: 20, maxAttempts: 1 },
  });
  const started = performance.now();
  await expectTokenError(m.getToken(), { code: 'login_failed', retryable: true, notInMessage: ['tok-1'] });
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 290, `gave up after ${elapsed.toFixed(0)} ms, before loginTimeoutMs (300)`);
  assert.ok(elapsed < 3000, `gave up after ${elapsed.toFixed(0)} ms, long after loginTimeoutMs (300)`);
  assert.equal(calls, 1);
});

test('LOGIN_IN_PROGRESS forever → login_failed bounded by loginTimeoutMs', async (t) => {
  const srv = await server(t, startTokenServer);
  let calls = 0;
  const m = manager(t, {
    endpoint: srv.url,
    login: async () => {
      calls += 1;
      throw loginInProgressError();
    },
    loginTimeoutMs: 600,
    retry: { baseDelayMs: 10, maxDelayMs: 20, maxAttempts: 1 },
  });
  const started = performance.now();
  await expectTokenError(m.getToken(), { code: 'login_failed' });
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 550 && elapsed < 3000, `gave up after ${elapsed.toFixed(0)} ms (loginTimeoutMs 600)`);
  assert.ok(calls >= 2, 'retried at least once');
  assert.ok(calls <= 12, `${calls} login calls in 600 ms is a busy loop`);
});

test('login rejecting with another error → login_failed, message without the token', async (t) => {
  const srv = await server(t, startTokenServer);
  const m = manager(t, {
    endpoint: srv.url,
    login: async (token) => {
      throw new Error(`chat SDK refused ${token}`); // a careless SDK may echo the token
    },
    retry: { baseDelayMs: 10, maxDelayMs: 20, maxAttempts: 1 },
  });
  await expectTokenError(m.getToken(), { code: 'login_failed', notInMessage: ['tok-1'] });
});
