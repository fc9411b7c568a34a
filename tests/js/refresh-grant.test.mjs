// The refresh grant (seed 004): a token that came with a refresh token is refreshed by posting
// it to `refreshEndpoint`; the answer may rotate it; a refused refresh token (400/401/403)
// falls back to the token source in the same cycle.
//
// Runs in Node (node --test) and, unchanged, in headless Chromium (tests/browser/suite).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTokenServer } from './helpers/token-server.mjs';
import { manager, server, countingLogin, record, expectThrowsTokenError, waitFor, FAST_RETRY } from './helpers/util.mjs';

const REFRESH_PATH = '/auth/refresh';

/**
 * One app backend with two routes: `/chat/token` mints `tok-<n>` with refresh token `rt-<n>`
 * (seed 004's `{ accessToken, refreshToken, expiresAt }` shape, as `accessToken`), and
 * `/auth/refresh` answers what `refresh(req, n)` says (default: a rotated pair `rtok-<n>` /
 * `rt-r<n>`, passed to `refresh` as `rotated`).
 */
async function backend(t, { expiresIn = 3600, refresh } = {}) {
  let refreshes = 0;
  const srv = await server(t, startTokenServer, { expiresIn });
  srv.setHandler((req, s) => {
    if (req.path !== REFRESH_PATH) return s.mint({ refreshToken: `rt-${s.minted + 1}` });
    refreshes += 1;
    const rotated = { status: 200, body: { accessToken: `rtok-${refreshes}`, refreshToken: `rt-r${refreshes}`, expiresIn: s.expiresIn } };
    return refresh?.(req, refreshes, rotated) ?? rotated;
  });
  const origin = new URL(srv.url).origin;
  return {
    srv,
    refreshUrl: `${origin}${REFRESH_PATH}`,
    tokenRequests: () => srv.requests.filter((r) => r.path !== REFRESH_PATH),
    refreshRequests: () => srv.requests.filter((r) => r.path === REFRESH_PATH),
  };
}

test('refresh grant: a proactive refresh before expiry posts { refreshToken } to refreshEndpoint (1 request there, 0 more to the endpoint)', async (t) => {
  const b = await backend(t, { expiresIn: 2 });
  const login = countingLogin();
  const m = manager(t, { endpoint: b.srv.url, refreshEndpoint: b.refreshUrl, login, refreshMarginMs: 1000 });
  const events = record(m);

  const first = await m.start();
  assert.equal(first.token, 'tok-1');
  await waitFor(() => events.token.length >= 2, { timeoutMs: 3000, what: 'a scheduled refresh' });

  assert.equal(b.tokenRequests().length, 1, 'the endpoint minted the first token only');
  const [refresh] = b.refreshRequests();
  assert.equal(b.refreshRequests().length, 1);
  assert.equal(refresh.method, 'POST');
  assert.deepEqual(refresh.json, { refreshToken: 'rt-1' });
  assert.match(refresh.headers['content-type'], /^application\/json/);
  assert.ok(refresh.wallAt < first.expiresAt, 'the refresh happened before expiry');
  const second = events.token[1];
  assert.equal(second.token, 'rtok-1');
  assert.equal(second.reason, 'scheduled');
  assert.equal(second.refreshToken, 'rt-r1', 'the rotated refresh token is delivered with the token');
  assert.equal(login.calls.length, 2, 'the refreshed token was logged in');
  assert.equal(await m.getToken(), 'rtok-1');
});

test('refresh grant: rotation — the second refresh posts the refresh token the first one returned', async (t) => {
  const b = await backend(t);
  const m = manager(t, { endpoint: b.srv.url, refreshEndpoint: b.refreshUrl });
  await m.start();
  assert.equal((await m.refresh()).token, 'rtok-1');
  assert.equal((await m.refresh()).token, 'rtok-2');
  assert.deepEqual(b.refreshRequests().map((r) => r.json.refreshToken), ['rt-1', 'rt-r1'], 'each refresh token is used once');
  assert.equal(b.tokenRequests().length, 1);
});

test('refresh grant: an answer without a refreshToken keeps the refresh token it used', async (t) => {
  const b = await backend(t, { refresh: (req, n) => ({ status: 200, body: { accessToken: `rtok-${n}`, expiresIn: 3600 } }) });
  const m = manager(t, { endpoint: b.srv.url, refreshEndpoint: b.refreshUrl });
  await m.start();
  const info = await m.refresh();
  assert.equal(info.refreshToken, 'rt-1');
  await m.refresh();
  assert.deepEqual(b.refreshRequests().map((r) => r.json.refreshToken), ['rt-1', 'rt-1']);
});

test('refresh grant: refreshEndpoint answers 401 → 1 request to the endpoint in the same cycle, no error event', async (t) => {
  const b = await backend(t, { refresh: () => ({ status: 401, body: { error: 'refresh token reused' } }) });
  const m = manager(t, { endpoint: b.srv.url, refreshEndpoint: b.refreshUrl, retry: FAST_RETRY });
  const events = record(m);
  await m.start();

  const info = await m.refresh();
  assert.equal(info.token, 'tok-2', 'a full re-mint from the endpoint');
  assert.equal(info.reason, 'manual');
  assert.equal(info.refreshToken, 'rt-2');
  assert.equal(b.refreshRequests().length, 1, 'the refused refresh token is not retried');
  assert.equal(b.tokenRequests().length, 2, 'one request to the endpoint for the fallback');
  assert.equal(events.error.length, 0, 'no error event: the cycle succeeded');
  assert.equal(m.snapshot().lastError, null);
  assert.equal(m.snapshot().consecutiveFailures, 0);
  assert.equal(m.state, 'ready');
});

for (const status of [400, 403]) {
  test(`refresh grant: refreshEndpoint answers ${status} → falls back to the endpoint once`, async (t) => {
    const b = await backend(t, { refresh: () => ({ status }) });
    const m = manager(t, { endpoint: b.srv.url, refreshEndpoint: b.refreshUrl });
    await m.start();
    assert.equal((await m.refresh()).token, 'tok-2');
    assert.equal(b.srv.count, 3, 'mint, refused refresh, re-mint');
  });
}

test('refresh grant: a 503 from refreshEndpoint retries the refresh grant (not the endpoint)', async (t) => {
  const b = await backend(t, { refresh: (req, n) => (n === 1 ? { status: 503 } : undefined) });
  const m = manager(t, { endpoint: b.srv.url, refreshEndpoint: b.refreshUrl, retry: FAST_RETRY });
  await m.start();
  assert.equal((await m.refresh()).token, 'rtok-2');
  assert.deepEqual(b.refreshRequests().map((r) => r.json.refreshToken), ['rt-1', 'rt-1']);
  assert.equal(b.tokenRequests().length, 1);
});

test('refresh grant: 20 concurrent refresh() → 1 refresh request, 1 login', async (t) => {
  const b = await backend(t, { refresh: (req, n, rotated) => ({ ...rotated, delayMs: 30 }) });
  const login = countingLogin();
  const m = manager(t, { endpoint: b.srv.url, refreshEndpoint: b.refreshUrl, login });
  await m.start();
  const results = await Promise.all(Array.from({ length: 20 }, () => m.refresh()));
  assert.ok(results.every((r) => r.token === results[0].token));
  assert.equal(b.refreshRequests().length, 1);
  assert.equal(b.tokenRequests().length, 1);
  assert.equal(login.calls.length, 2, 'the first token and the refreshed one');
});

test('refresh grant: refreshEndpoint.body shapes the request (e.g. an OAuth-style form)', async (t) => {
  const b = await backend(t);
  const m = manager(t, {
    endpoint: b.srv.url,
    refreshEndpoint: {
      url: b.refreshUrl,
      headers: { 'x-app': 'demo' },
      body: (refreshToken) => ({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    },
  });
  await m.start();
  await m.refresh();
  const [req] = b.refreshRequests();
  assert.deepEqual(req.json, { grant_type: 'refresh_token', refresh_token: 'rt-1' });
  assert.equal(req.headers['x-app'], 'demo');
});

test('refresh grant: a token that came without a refreshToken is refreshed from the token source', async (t) => {
  const b = await backend(t);
  b.srv.setHandler((req, s) => s.mint()); // no refresh token at all
  const m = manager(t, { endpoint: b.srv.url, refreshEndpoint: b.refreshUrl });
  await m.start();
  assert.equal((await m.refresh()).token, 'tok-2');
  assert.equal(b.refreshRequests().length, 0);
});

test('refresh grant: with fetchToken as the token source, refreshes post to refreshEndpoint and 401 falls back to fetchToken', async (t) => {
  const b = await backend(t, { refresh: (req, n) => (n === 2 ? { status: 401 } : undefined) });
  let calls = 0;
  const m = manager(t, {
    fetchToken: async () => {
      calls += 1;
      return { authToken: `app-${calls}`, refreshToken: `app-rt-${calls}`, expiresIn: 3600 };
    },
    refreshEndpoint: b.refreshUrl,
  });
  await m.start();
  assert.equal((await m.refresh()).token, 'rtok-1');
  assert.equal((await m.refresh()).token, 'app-2', 'the refused refresh token falls back to fetchToken');
  assert.equal(calls, 2);
  assert.deepEqual(b.refreshRequests().map((r) => r.json.refreshToken), ['app-rt-1', 'rt-r1']);
});

test('refresh grant: logout during a refresh post → the post is aborted, the caller gets discarded, no token event or login follows', async (t) => {
  const b = await backend(t, { refresh: (req, n, rotated) => ({ ...rotated, delayMs: 80 }) });
  const login = countingLogin();
  const m = manager(t, { endpoint: b.srv.url, refreshEndpoint: b.refreshUrl, login });
  const events = record(m);
  await m.start();
  const pending = m.refresh().catch((e) => e);
  await b.srv.waitForRequests(2);
  await m.logout();
  const err = await pending;
  assert.equal(err.code, 'discarded');
  await waitFor(() => b.refreshRequests()[0].aborted, { what: 'the refresh post to be aborted' });
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(events.token.length, 1, 'only the first token was delivered');
  assert.equal(login.calls.length, 1);
  assert.equal(m.state, 'loggedOut');
});

test('refresh grant: refreshEndpoint.body that is not a function → invalid_options naming refreshEndpoint.body', () => {
  const err = expectThrowsTokenError(
    () => manager({ after() {} }, { endpoint: 'http://127.0.0.1:9/chat/token', refreshEndpoint: { url: 'http://127.0.0.1:9/r', body: { refreshToken: 'x' } } }),
    { code: 'invalid_options' },
  );
  assert.match(err.message, /refreshEndpoint\.body/);
  expectThrowsTokenError(() => manager({ after() {} }, { endpoint: 'http://127.0.0.1:9/chat/token', refreshEndpoint: '' }), { code: 'invalid_options', message: /refreshEndpoint/ });
  expectThrowsTokenError(() => manager({ after() {} }, { endpoint: 'http://127.0.0.1:9/chat/token', refreshEndpoint: { method: 'POST' } }), { code: 'invalid_options', message: /refreshEndpoint\.url/ });
});
