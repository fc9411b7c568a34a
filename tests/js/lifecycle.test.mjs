// Lifecycle: states, events, snapshot, proactive refresh, 401 handling, logout and dispose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTokenServer } from './helpers/token-server.mjs';
import {
  manager,
  server,
  countingLogin,
  record,
  stateName,
  expectTokenError,
  waitFor,
  sleep,
  T0,
  TokenManager,
} from './helpers/util.mjs';

test('logout() during an in-flight fetch → no login afterwards, pending getToken() rejects discarded, then logged_out', async (t) => {
  const srv = await server(t, startTokenServer, (_req, s) => ({ ...s.mint(), delayMs: 300 }));
  const login = countingLogin();
  let logoutCalls = 0;
  const m = manager(t, { endpoint: srv.url, login, logout: () => void logoutCalls++ });
  const events = record(m);

  const pending = m.getToken();
  const pending2 = m.getToken();
  await srv.waitForRequests(1);
  await m.logout();

  await expectTokenError(pending, { code: 'discarded' });
  await expectTokenError(pending2, { code: 'discarded' });
  await sleep(400); // the delayed response (if the fetch was not aborted) has had time to arrive
  assert.equal(login.calls.length, 0, 'no login after logout');
  assert.equal(events.token.length, 0, 'no token event after logout');
  assert.equal(logoutCalls, 1, 'the logout option was called once');
  assert.equal(m.state, 'loggedOut');
  assert.equal(events.loggedOut.length, 1, 'loggedOut event');

  await expectTokenError(m.getToken(), { code: 'logged_out' });
  await expectTokenError(m.refresh(), { code: 'logged_out' });
  await expectTokenError(m.handleUnauthorized(), { code: 'logged_out' });
  assert.equal(srv.count, 1, 'nothing is fetched implicitly after logout');
  assert.equal(m.state, 'loggedOut');
});

test('logout() while fetchToken ignores the signal → its late result is discarded, never logged in', async (t) => {
  let resolveFetch;
  const login = countingLogin();
  const m = manager(t, { fetchToken: () => new Promise((r) => (resolveFetch = r)), login });
  const pending = m.getToken();
  await waitFor(() => resolveFetch, { what: 'fetchToken to be called' });
  await m.logout();
  resolveFetch({ authToken: 'late-token', expiresIn: 3600 });
  await expectTokenError(pending, { code: 'discarded' });
  await sleep(30);
  assert.equal(login.calls.length, 0);
  assert.equal(m.state, 'loggedOut');
});

test('logout() while login is in flight → the pending getToken() rejects discarded, no token event', async (t) => {
  const srv = await server(t, startTokenServer);
  let releaseLogin;
  const m = manager(t, { endpoint: srv.url, login: () => new Promise((r) => (releaseLogin = r)) });
  const events = record(m);
  const pending = m.getToken();
  await waitFor(() => releaseLogin, { what: 'login to be called' });
  await m.logout();
  releaseLogin();
  await expectTokenError(pending, { code: 'discarded' });
  await sleep(20);
  assert.equal(events.token.length, 0);
  assert.equal(m.state, 'loggedOut');
});

test('start() after logout begins a new session (new generation) and fetches again', async (t) => {
  const srv = await server(t, startTokenServer);
  const login = countingLogin();
  const m = manager(t, { endpoint: srv.url, login });
  const g0 = (await m.start(), m.snapshot().generation);
  await m.logout();
  const info = await m.start();
  assert.equal(info.token, 'tok-2');
  assert.equal(m.state, 'ready');
  assert.ok(m.snapshot().generation > g0, 'generation bumped');
  assert.equal(login.calls.length, 2);
});

test('dispose() → state disposed, later calls reject disposed, pending callers reject disposed, idempotent', async (t) => {
  const srv = await server(t, startTokenServer, (_req, s) => ({ ...s.mint(), delayMs: 200 }));
  const login = countingLogin();
  const m = manager(t, { endpoint: srv.url, login });
  assert.equal(typeof m[Symbol.dispose], 'function', 'supports `using` via Symbol.dispose');

  const pending = m.getToken();
  await srv.waitForRequests(1);
  m.dispose();
  await expectTokenError(pending, { code: 'disposed' });
  assert.equal(m.state, 'disposed');
  m.dispose(); // idempotent
  await expectTokenError(m.getToken(), { code: 'disposed' });
  await expectTokenError(m.start(), { code: 'disposed' });
  await expectTokenError(m.refresh(), { code: 'disposed' });
  await expectTokenError(m.handleUnauthorized(), { code: 'disposed' });
  await sleep(250);
  assert.equal(login.calls.length, 0, 'a result arriving after dispose is not logged in');
  assert.equal(srv.count, 1);
});

test('[Symbol.dispose]() disposes like dispose(): later calls reject disposed (no synchronous throw), dispose() still safe', async (t) => {
  const srv = await server(t, startTokenServer);
  const m = new TokenManager({ endpoint: srv.url, logger: null });
  await m.start();
  m[Symbol.dispose](); // what `using manager = new TokenManager(...)` calls at scope exit
  assert.equal(m.state, 'disposed');
  // Wrapped in an async function so a synchronous throw is caught and reported as such.
  await expectTokenError((async () => m.getToken())(), { code: 'disposed' });
  await expectTokenError((async () => m.refresh())(), { code: 'disposed' });
  assert.doesNotThrow(() => m.dispose(), 'dispose() after [Symbol.dispose]() is a no-op');
  assert.equal(srv.count, 1);
});

test('state transitions idle → fetching → ready, with a state event for each', async (t) => {
  const srv = await server(t, startTokenServer, (_req, s) => ({ ...s.mint(), delayMs: 50 }));
  const m = manager(t, { endpoint: srv.url, login: countingLogin() });
  const events = record(m);
  assert.equal(m.state, 'idle');

  const p = m.getToken();
  await waitFor(() => m.state === 'fetching', { what: "state 'fetching'" });
  await p;
  assert.equal(m.state, 'ready');

  const seen = events.state.map(stateName);
  const iF = seen.indexOf('fetching');
  const iR = seen.indexOf('ready');
  assert.ok(iF >= 0 && iR > iF, `state events in order fetching → ready, got ${JSON.stringify(seen)}`);
  for (let i = 1; i < seen.length; i++) assert.notEqual(seen[i], seen[i - 1], 'no duplicate consecutive state events');

  m.dispose();
  assert.equal(m.state, 'disposed');
});

test('token event and onTokenRefresh fire once per new token, with the TokenInfo', async (t) => {
  const srv = await server(t, startTokenServer);
  const refreshed = [];
  const m = manager(t, { endpoint: srv.url, login: countingLogin(), onTokenRefresh: (info) => refreshed.push(info) });
  const events = record(m);
  let unsubscribedCalls = 0;
  const off = m.on('token', () => void unsubscribedCalls++);
  assert.equal(typeof off, 'function', 'on() returns an unsubscribe function');

  await Promise.all([m.getToken(), m.getToken(), m.start()]);
  assert.equal(events.token.length, 1);
  assert.equal(refreshed.length, 1);
  assert.equal(events.token[0].token, 'tok-1');
  assert.equal(events.token[0].reason, 'initial');
  assert.equal(events.token[0].source, 'network');
  assert.equal(refreshed[0].token, 'tok-1');
  assert.equal(unsubscribedCalls, 1);

  off();
  await m.getToken();
  assert.equal(events.token.length, 1, 'a cached token is not a new token');

  await m.refresh();
  assert.equal(events.token.length, 2);
  assert.equal(refreshed.length, 2);
  assert.equal(events.token[1].token, 'tok-2');
  assert.equal(events.token[1].reason, 'manual');
  assert.equal(unsubscribedCalls, 1, 'an unsubscribed listener is not called');
});

test('a throwing event listener does not break the manager', async (t) => {
  const srv = await server(t, startTokenServer);
  const m = manager(t, { endpoint: srv.url });
  m.on('token', () => {
    throw new Error('listener bug');
  });
  m.on('state', () => {
    throw new Error('listener bug');
  });
  assert.equal(await m.getToken(), 'tok-1');
  assert.equal(m.state, 'ready');
});

test('snapshot() never contains the token (nor the refresh/ws token) and has the documented fields', async (t) => {
  const secret = 'sEcReT-tOkEn-9f8e7d6c5b4a';
  const m = manager(t, {
    fetchToken: async () => ({ authToken: secret, refreshToken: `${secret}-refresh`, wsToken: `${secret}-ws`, expiresIn: 3600 }),
    now: () => T0,
  });
  const before = m.snapshot();
  assert.equal(before.state, 'idle');
  await m.start();
  const snap = m.snapshot();
  for (const key of ['state', 'expiresAt', 'refreshAt', 'generation', 'consecutiveFailures', 'lastError']) {
    assert.ok(key in snap, `snapshot has ${key}`);
  }
  assert.equal(snap.state, 'ready');
  assert.equal(snap.expiresAt, T0 + 3_600_000);
  assert.ok(snap.refreshAt > T0 && snap.refreshAt < snap.expiresAt);
  assert.equal(snap.consecutiveFailures, 0);
  const json = JSON.stringify(snap);
  assert.ok(!json.includes(secret), `snapshot leaks the token: ${json}`);
  assert.ok(!JSON.stringify(before).includes(secret));
});

test('snapshot().lastError describes a failure without the token and clears on success', async (t) => {
  const srv = await server(t, startTokenServer, () => ({ status: 400 }));
  const m = manager(t, { endpoint: srv.url, retry: { baseDelayMs: 10, maxDelayMs: 20, maxAttempts: 1 } });
  await expectTokenError(m.getToken(), { code: 'http' });
  const snap = m.snapshot();
  const le = snap.lastError;
  assert.ok(le, 'lastError is set after a failure');
  const desc = typeof le === 'string' ? le : `${le.code} ${le.status} ${le.message}`;
  assert.match(desc, /http|400/, `lastError describes the failure: ${desc}`);
  srv.setHandler(null);
  await m.getToken();
  assert.equal(m.snapshot().lastError ?? null, null);
});

test('fetchToken ctx carries reason, attempt, signal and previous', async (t) => {
  const contexts = [];
  let n = 0;
  const m = manager(t, {
    fetchToken: async (ctx) => {
      contexts.push(ctx);
      n += 1;
      if (n === 2) throw new TypeError('fetch failed'); // one transient failure on the manual refresh
      return { authToken: `ctx-${n}`, expiresIn: 3600 };
    },
    retry: { baseDelayMs: 5, maxDelayMs: 10, maxAttempts: 3 },
  });
  await m.start();
  await m.refresh();
  assert.equal(contexts.length, 3);
  assert.equal(contexts[0].reason, 'initial');
  assert.equal(contexts[0].attempt, 1, 'attempts count from 1');
  assert.equal(contexts[0].previous, null);
  assert.ok(contexts[0].signal instanceof AbortSignal);
  assert.equal(contexts[1].reason, 'manual');
  assert.equal(contexts[1].attempt, 1);
  assert.equal(contexts[2].reason, 'manual');
  assert.equal(contexts[2].attempt, 2, 'attempt increments on retry');
  assert.equal(contexts[2].previous?.token, 'ctx-1', 'previous is the last TokenInfo');
  assert.equal(contexts[0].signal.aborted, false, 'a completed fetch is not aborted');
});

test('proactive refresh: expiresIn 2 s, refreshMarginMs 1000 → a scheduled fetch before expiry, without any caller', async (t) => {
  const srv = await server(t, startTokenServer, { expiresIn: 2 });
  const contexts = [];
  const login = countingLogin();
  const m = manager(t, {
    fetchToken: (ctx) => {
      contexts.push(ctx);
      return fetch(srv.url, { method: 'POST', signal: ctx.signal });
    },
    login,
    refreshMarginMs: 1000,
    jitterRatio: 0,
  });
  const events = record(m);

  const first = await m.start();
  assert.equal(first.token, 'tok-1');
  assert.ok(first.refreshAt <= first.expiresAt - 1000, `refreshAt ${first.refreshAt - first.issuedAt} ms after issue, expiresAt ${first.expiresAt - first.issuedAt} ms`);
  assert.ok(first.refreshAt >= first.issuedAt);

  await waitFor(() => events.token.length >= 2, { timeoutMs: 3000, what: 'a scheduled refresh' });
  const second = events.token[1];
  const req2 = srv.requests[1];
  assert.equal(srv.count, 2);
  assert.equal(contexts[1].reason, 'scheduled');
  assert.equal(contexts[1].previous?.token, 'tok-1');
  assert.equal(second.reason, 'scheduled');
  assert.equal(second.token, 'tok-2');
  assert.ok(req2.wallAt < first.expiresAt, `the scheduled fetch happened ${req2.wallAt - first.expiresAt} ms after expiry`);
  assert.ok(req2.wallAt >= first.refreshAt - 20, `the scheduled fetch happened ${first.refreshAt - req2.wallAt} ms before refreshAt`);
  assert.equal(login.calls.length, 2, 'the new token was logged in');
  assert.equal(await m.getToken(), 'tok-2');
});

test('a token near expiry is not handed out: getToken() fetches a fresh one', async (t) => {
  let now = T0;
  let n = 0;
  const m = manager(t, {
    fetchToken: async () => ({ authToken: `near-${++n}`, expiresIn: 3600 }),
    now: () => now,
  });
  assert.equal(await m.getToken(), 'near-1');
  now = T0 + 3_600_000 - 29_000; // 29 s before expiry (< 30 s)
  assert.equal(await m.getToken(), 'near-2');
  assert.equal(n, 2);
});

test('handleUnauthorized(staleToken) after a rotation → resolves with the current token, 0 extra requests', async (t) => {
  const srv = await server(t, startTokenServer);
  const m = manager(t, { endpoint: srv.url, login: countingLogin() });
  const first = await m.start();
  const second = await m.refresh();
  assert.equal(second.token, 'tok-2');
  assert.equal(srv.count, 2);

  const info = await m.handleUnauthorized(first.token);
  assert.equal(info.token, 'tok-2');
  assert.equal(srv.count, 2, 'a stale 401 does not trigger a fetch');
});

test('handleUnauthorized(currentToken) → one forced refresh shared by concurrent callers, reason unauthorized', async (t) => {
  let now = T0;
  const srv = await server(t, startTokenServer);
  const login = countingLogin();
  const m = manager(t, { endpoint: srv.url, login, now: () => now });
  const first = await m.start();
  now += 6000; // the token is older than 5 s

  const [a, b] = await Promise.all([m.handleUnauthorized(first.token), m.handleUnauthorized(first.token)]);
  assert.equal(a.token, 'tok-2');
  assert.equal(b.token, 'tok-2');
  assert.equal(a.reason, 'unauthorized');
  assert.equal(srv.count, 2, 'one forced refresh for both callers');
  assert.equal(login.calls.length, 2);

  const again = await m.handleUnauthorized(first.token);
  assert.equal(again.token, 'tok-2');
  assert.equal(srv.count, 2);
});

test('handleUnauthorized() on a token minted less than 5 s ago → permanent unauthorized error, no refresh loop', async (t) => {
  const srv = await server(t, startTokenServer);
  const m = manager(t, { endpoint: srv.url, now: () => T0 });
  const info = await m.start();
  await expectTokenError(m.handleUnauthorized(info.token), { code: 'unauthorized', retryable: false, notInMessage: [info.token] });
  await sleep(30);
  assert.equal(srv.count, 1);
});

test('the manager works without a login option (fetch only)', async (t) => {
  const srv = await server(t, startTokenServer);
  const m = manager(t, { endpoint: srv.url });
  const info = await m.start();
  assert.equal(info.token, 'tok-1');
  assert.equal(m.state, 'ready');
});

test('an unused manager can be disposed without ever starting', () => {
  const m = new TokenManager({ fetchToken: async () => ({ authToken: 'x' }), logger: null });
  assert.equal(m.state, 'idle');
  m.dispose();
  assert.equal(m.state, 'disposed');
});
