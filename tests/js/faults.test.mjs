// The fault matrix: one row per named way the network, the backend, the clock or the app
// misbehaves. Each row asserts what a user would notice (token delivered or typed error,
// backend requests, login calls, final state) and then the leak scan runs over everything
// the manager produced: every log line, every error message and stack, every event payload
// except the one that delivers the token, snapshot(), stored values under other keys, and
// (in a browser) web storage. Any occurrence of a token, a refresh token or the user id fails.
//
// Runs in Node (node --test) and, unchanged, in headless Chromium (tests/browser/suite).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTokenServer } from './helpers/token-server.mjs';
import { TokenManager, sleep, waitFor, makeJwt } from './helpers/util.mjs';

const HOUR = 3_600_000;
const USER_ID = 'user-4711';
const FAST = { baseDelayMs: 10, maxDelayMs: 40, maxAttempts: 3 };

/** Everything a row needs: a token server whose tokens are easy to find, and a recording manager. */
async function harness(t) {
  const secret = `SECRET${Math.random().toString(36).slice(2, 10)}`;
  const srv = await startTokenServer({ tokenPrefix: `${secret}-tok-` });
  t.after(() => srv.close());
  const h = {
    srv,
    secret,
    /** Sets the endpoint's behaviour: `fn(req, srv, h)` returns a response description (null → mint). */
    handle(fn) {
      srv.setHandler((req, s) => (fn ?? OK)(req, s, h));
    },
    /** A default token response that also carries a refresh token and the user id. */
    mint: (extra = {}) =>
      srv.mint({ refreshToken: `${secret}-refresh-${srv.minted + 1}`, data: { uid: USER_ID }, ...extra }),
    logs: [],
    events: [],
    rejections: [],
    stored: new Map(),
    logins: [],
    appLogouts: 0,
    managers: [],
    clock: 0,
    make(options = {}) {
      const m = new TokenManager({
        endpoint: srv.url,
        retry: FAST,
        fetchTimeoutMs: 2000,
        jitterRatio: 0,
        crossTab: false,
        now: () => Date.now() + h.clock,
        login: async (token) => { h.logins.push(token); },
        logout: () => { h.appLogouts += 1; },
        logger: Object.fromEntries(['debug', 'info', 'warn', 'error'].map((level) => [level, (...args) => h.logs.push([level, args.map(String).join(' ')])])),
        ...options,
      });
      for (const name of ['token', 'error', 'state', 'expired', 'loggedOut']) m.on(name, (payload) => h.events.push({ name, payload }));
      h.managers.push(m);
      t.after(() => m.dispose());
      return m;
    },
    /** Awaits `p`, recording a rejection; returns the value or the error. */
    async settle(p) {
      try {
        return await p;
      } catch (e) {
        h.rejections.push(e);
        return e;
      }
    },
    /** A storage adapter that records every key it is given. */
    storage() {
      return {
        getItem: (k) => h.stored.get(k) ?? null,
        setItem: (k, v) => { h.stored.set(k, v); },
        removeItem: (k) => { h.stored.delete(k); },
      };
    },
  };
  h.handle(null);
  return h;
}

function expectError(err, code, { retryable, field } = {}) {
  assert.ok(err instanceof Error, `expected a TokenError '${code}', got ${typeof err === 'string' ? err : JSON.stringify(err)}`);
  assert.equal(err.name, 'TokenError');
  assert.equal(err.code, code, err.message);
  if (retryable !== undefined) assert.equal(err.retryable, retryable);
  if (field) assert.match(err.message, new RegExp(field));
}

/** The leak scan: nothing the app can see, other than the token's own delivery, holds a secret. */
function scanForLeaks(h) {
  const secrets = [h.secret, USER_ID];
  const seen = [];
  const stringify = (v) => {
    if (v instanceof Error) return `${v.name} ${v.message} ${v.stack ?? ''} ${JSON.stringify({ ...v })}`;
    try {
      return JSON.stringify(v) ?? String(v);
    } catch {
      return String(v);
    }
  };
  for (const [level, line] of h.logs) seen.push([`log.${level}`, line]);
  for (const e of h.rejections) seen.push(['rejection', stringify(e)]);
  for (const { name, payload } of h.events) if (name !== 'token') seen.push([`event.${name}`, stringify(payload)]);
  for (const m of h.managers) {
    seen.push(['snapshot', stringify(m.snapshot())]);
    seen.push(['state', stringify(m.state)]);
  }
  for (const [key, value] of h.stored) if (key !== 'chat-token-manager') seen.push([`storage[${key}]`, value]);
  for (const area of ['localStorage', 'sessionStorage']) {
    const store = globalThis[area];
    if (!store) continue;
    for (let i = 0; i < store.length; i++) {
      const key = store.key(i);
      if (key !== 'chat-token-manager') seen.push([`${area}[${key}]`, store.getItem(key)]);
    }
  }
  for (const [where, text] of seen) {
    for (const secret of secrets) assert.ok(!String(text).includes(secret), `${where} leaks ${secret === USER_ID ? 'the user id' : 'a token'}: ${text}`);
  }
  // The user id never reaches token events either (TokenInfo carries no user data).
  for (const { name, payload } of h.events) if (name === 'token') assert.ok(!stringify(payload).includes(USER_ID));
}

/** Checks the common expectations of a row. */
function expectOutcome(h, m, { requests, logins, state }) {
  if (requests !== undefined) assert.equal(h.srv.count, requests, 'backend requests');
  if (logins !== undefined) assert.equal(h.logins.length, logins, 'login calls');
  if (state !== undefined) assert.equal(m.state, state, 'final state');
}

/** Answers request n with step n (the last step repeats); a step is a description or `h => description`. */
const seq = (...steps) => (req, srv, h) => {
  const step = steps[Math.min(req.index - 1, steps.length - 1)];
  return typeof step === 'function' ? step(h) : step;
};
const OK = (req, srv, h) => h.mint();
const MINT = (h) => h.mint();

const ROWS = [
  ['429 with Retry-After in seconds → waits, then delivers', async (h) => {
    h.handle(seq({ status: 429, headers: { 'retry-after': '1' } }, MINT));
    const m = h.make();
    assert.match(await m.getToken(), new RegExp(`^${h.secret}-tok-1$`));
    const [a, b] = h.srv.requests;
    assert.ok(b.at - a.at >= 990, `retried after ${b.at - a.at} ms`);
    expectOutcome(h, m, { requests: 2, logins: 1, state: 'ready' });
  }],
  ['429 with an HTTP-date Retry-After → waits until then (at least 1 s)', async (h) => {
    h.handle(seq(() => ({ status: 429, headers: { 'retry-after': new Date(Date.now() + 1500).toUTCString() } }), MINT));
    const m = h.make();
    await m.getToken();
    const [a, b] = h.srv.requests;
    assert.ok(b.at - a.at >= 990, `retried after ${b.at - a.at} ms`);
    expectOutcome(h, m, { requests: 2, logins: 1, state: 'ready' });
  }],
  ['503 twice then 200 → delivered after two retries, no error event', async (h) => {
    h.handle(seq({ status: 503 }, { status: 503 }, MINT));
    const m = h.make();
    await m.getToken();
    assert.equal(h.events.filter((e) => e.name === 'error').length, 0);
    expectOutcome(h, m, { requests: 3, logins: 1, state: 'ready' });
  }],
  ['500 until attempts run out → old token still served, state error, then recovery', async (h) => {
    const m = h.make();
    const first = await m.getToken();
    h.handle(() => ({ status: 500 }));
    expectError(await h.settle(m.refresh()), 'http', { retryable: true });
    assert.equal(await m.getToken(), first, 'the old, still valid token is served');
    assert.equal(m.snapshot().lastError.code, 'http');
    expectOutcome(h, m, { requests: 4, logins: 1, state: 'error' });
    assert.equal(h.events.filter((e) => e.name === 'error').length, 1, 'one error event for the cycle');
    h.handle(null);
    await m.refresh();
    assert.equal(m.snapshot().lastError, null);
    expectOutcome(h, m, { requests: 5, logins: 2, state: 'ready' });
  }],
  ['network error (connection refused) → retried, then a retryable network error', async (h) => {
    const dead = await startTokenServer();
    const url = dead.url;
    await dead.close();
    const m = h.make({ endpoint: url });
    expectError(await h.settle(m.getToken()), 'network', { retryable: true });
    expectOutcome(h, m, { requests: 0, logins: 0, state: 'error' });
  }],
  ['endpoint hangs → timeout after fetchTimeoutMs, each request aborted', async (h) => {
    h.handle(() => ({ hang: true }));
    const m = h.make({ fetchTimeoutMs: 150, retry: { ...FAST, maxAttempts: 2 } });
    expectError(await h.settle(m.getToken()), 'timeout', { retryable: true });
    await waitFor(() => h.srv.requests.every((r) => r.aborted), { what: 'the requests to be aborted' });
    expectOutcome(h, m, { requests: 2, logins: 0, state: 'error' });
  }],
  ...[[400, 'http'], [401, 'unauthorized'], [403, 'unauthorized'], [404, 'http']].map(([status, code]) => [
    `${status} → ${code}, exactly one request`,
    async (h) => {
      h.handle(() => ({ status, body: { error: `no token for ${USER_ID}` } }));
      const m = h.make();
      const err = await h.settle(m.getToken());
      expectError(err, code, { retryable: false });
      assert.equal(err.status, status);
      expectOutcome(h, m, { requests: 1, logins: 0, state: 'error' });
    },
  ]),
  ['200 with invalid JSON → invalid_response naming the body', async (h) => {
    h.handle(() => ({ body: `{"authToken":"${h.secret}-half` }));
    const m = h.make();
    expectError(await h.settle(m.getToken()), 'invalid_response', { retryable: false, field: 'body' });
    expectOutcome(h, m, { requests: 1, logins: 0, state: 'error' });
  }],
  ['200 with no token field → invalid_response naming authToken', async (h) => {
    h.handle(() => ({ body: { data: { uid: USER_ID }, expiresIn: 60 } }));
    const m = h.make();
    expectError(await h.settle(m.getToken()), 'invalid_response', { field: 'authToken' });
    expectOutcome(h, m, { requests: 1, logins: 0 });
  }],
  ['a token that is already expired → invalid_response naming expiresAt', async (h) => {
    h.handle(() => h.mint({ expiresIn: undefined, expiresAt: Date.now() - 1000 }));
    const m = h.make();
    expectError(await h.settle(m.getToken()), 'invalid_response', { field: 'expiresAt' });
    expectOutcome(h, m, { requests: 1, logins: 0 });
  }],
  ...[['negative', -5], ['NaN', 'NaN'], ['huge', 1e300]].map(([label, value]) => [
    `expiresIn ${label} → invalid_response naming expiresIn`,
    async (h) => {
      h.handle(() => h.mint({ expiresIn: value }));
      const m = h.make();
      expectError(await h.settle(m.getToken()), 'invalid_response', { field: 'expiresIn' });
      expectOutcome(h, m, { requests: 1, logins: 0 });
    },
  ]),
  ['expiresAt in seconds and in milliseconds → the same expiry', async (h) => {
    const at = Math.floor(Date.now() / 1000) * 1000 + HOUR;
    h.handle(seq(() => h.mint({ expiresIn: undefined, expiresAt: at / 1000 }), () => h.mint({ expiresIn: undefined, expiresAt: at })));
    const m = h.make();
    const a = await m.start();
    const b = await m.refresh();
    assert.equal(a.expiresAt, at);
    assert.equal(b.expiresAt, at);
    expectOutcome(h, m, { requests: 2, logins: 2, state: 'ready' });
  }],
  ['JWT without exp → the default lifetime', async (h) => {
    h.handle(() => ({ body: { token: makeJwt({ sub: USER_ID, iat: 1 }) } }));
    const m = h.make({ defaultTtlMs: 1_234_567 });
    const info = await m.start();
    assert.equal(info.expiresAt - info.issuedAt, 1_234_567);
    expectOutcome(h, m, { requests: 1, logins: 1, state: 'ready' });
    h.secret = 'eyJ'; // the JWT itself is the token: scan for it (its payload carries the user id)
  }],
  ...[['ahead of', HOUR], ['behind', -HOUR]].map(([label, skew]) => [
    `client clock 1 h ${label} the server → a one-hour token lasts one hour on the client`,
    async (h) => {
      h.clock = skew;
      h.handle(seq(() => h.mint({ expiresIn: undefined, expiresAt: Date.now() + HOUR }), () => h.mint({ expiresIn: 3600 })));
      const m = h.make();
      const byDate = await m.start(); // expiresAt, corrected with the response's Date header
      assert.ok(Math.abs(byDate.expiresAt - byDate.issuedAt - HOUR) <= 2000, `lifetime ${byDate.expiresAt - byDate.issuedAt}`);
      const byIn = await m.refresh(); // expiresIn is measured on receipt
      assert.ok(Math.abs(byIn.expiresAt - byIn.issuedAt - HOUR) <= 10);
      expectOutcome(h, m, { requests: 2, logins: 2, state: 'ready' });
    },
  ]),
  ['the machine slept past expiry → the expired token is never handed out; a fresh one is', async (h) => {
    const m = h.make();
    const old = await m.getToken();
    h.clock += 2 * HOUR;
    const fresh = await m.getToken();
    assert.notEqual(fresh, old);
    expectOutcome(h, m, { requests: 2, logins: 2, state: 'ready' });
  }],
  ['logout during the fetch → pending call rejects discarded, nothing logged in', async (h) => {
    h.handle(() => ({ ...h.mint(), delayMs: 200 }));
    const m = h.make();
    const pending = h.settle(m.getToken());
    await h.srv.waitForRequests(1);
    await m.logout();
    expectError(await pending, 'discarded');
    await sleep(300);
    expectError(await h.settle(m.getToken()), 'logged_out');
    expectOutcome(h, m, { requests: 1, logins: 0, state: 'loggedOut' });
    assert.equal(h.appLogouts, 1);
  }],
  ['logout during the login call → discarded, no token event, the late login is undone', async (h) => {
    const m = h.make({ login: async (token) => { h.logins.push(token); await sleep(200); } });
    const pending = h.settle(m.getToken());
    await waitFor(() => h.logins.length === 1, { what: 'the login call' });
    await m.logout();
    expectError(await pending, 'discarded');
    await sleep(300);
    assert.equal(h.events.filter((e) => e.name === 'token').length, 0);
    assert.equal(h.appLogouts, 2, 'logout, then again after the late login succeeded');
    expectOutcome(h, m, { requests: 1, logins: 1, state: 'loggedOut' });
  }],
  ['dispose during backoff → pending call rejects disposed, no further request', async (h) => {
    h.handle(() => ({ status: 503, headers: { 'retry-after': '1' } }));
    const m = h.make();
    const pending = h.settle(m.getToken());
    await h.srv.waitForRequests(1);
    await sleep(50);
    assert.equal(m.state, 'backoff');
    m.dispose();
    expectError(await pending, 'disposed');
    await sleep(1300);
    expectOutcome(h, m, { requests: 1, logins: 0, state: 'disposed' });
  }],
  ["user switch while the old user's fetch is in flight → the old token is never logged in", async (h) => {
    h.handle(seq((x) => ({ ...x.mint({ authToken: `${x.secret}-alice` }), delayMs: 300 }), (x) => x.mint({ authToken: `${x.secret}-bob` })));
    const m = h.make();
    const alice = h.settle(m.getToken());
    await h.srv.waitForRequests(1);
    await m.logout();
    const bob = await m.start();
    expectError(await alice, 'discarded');
    await sleep(400);
    assert.equal(bob.token, `${h.secret}-bob`);
    assert.deepEqual(h.logins, [`${h.secret}-bob`]);
    assert.equal(await m.getToken(), `${h.secret}-bob`);
    expectOutcome(h, m, { requests: 2, logins: 1, state: 'ready' });
  }],
  ['login rejects LOGIN_IN_PROGRESS three times, then succeeds → one token, four login calls', async (h) => {
    const m = h.make({
      login: async (token) => {
        h.logins.push(token);
        if (h.logins.length <= 3) throw Object.assign(new Error('Please wait until the previous login request ends.'), { name: 'LOGIN_IN_PROGRESS' });
      },
    });
    await m.getToken();
    assert.equal(h.events.filter((e) => e.name === 'token').length, 1);
    expectOutcome(h, m, { requests: 1, logins: 4, state: 'ready' });
  }],
  ['login throws synchronously → login_failed, permanent', async (h) => {
    const m = h.make({ login: (token) => { h.logins.push(token); throw new Error(`chat SDK refused ${token}`); } });
    expectError(await h.settle(m.getToken()), 'login_failed', { retryable: false });
    expectOutcome(h, m, { requests: 1, logins: 1, state: 'error' });
  }],
  ['login never resolves → login_failed (retryable) after loginTimeoutMs', async (h) => {
    const m = h.make({ loginTimeoutMs: 200, login: (token) => { h.logins.push(token); return new Promise(() => {}); } });
    expectError(await h.settle(m.getToken()), 'login_failed', { retryable: true });
    expectOutcome(h, m, { requests: 1, logins: 1, state: 'error' });
  }],
  ['fetchToken returns a non-object → invalid_response; throws a string → network, retried', async (h) => {
    let calls = 0;
    const a = h.make({ endpoint: undefined, fetchToken: () => `${h.secret}-bare-string` });
    expectError(await h.settle(a.getToken()), 'invalid_response', { field: 'response' });
    const b = h.make({ endpoint: undefined, fetchToken: () => { calls += 1; throw `${h.secret} exploded`; } });
    expectError(await h.settle(b.getToken()), 'network', { retryable: true });
    assert.equal(calls, FAST.maxAttempts);
    assert.equal(h.logins.length, 0);
  }],
  ['1000 concurrent handleUnauthorized() → at most one refresh', async (h) => {
    const m = h.make();
    const first = await m.getToken();
    h.clock += 10_000; // older than the 5 s fresh-token guard
    const all = await Promise.all(Array.from({ length: 1000 }, () => m.handleUnauthorized(first)));
    assert.equal(new Set(all.map((i) => i.token)).size, 1);
    assert.notEqual(all[0].token, first);
    expectOutcome(h, m, { requests: 2, logins: 2, state: 'ready' });
  }],
  ['handleUnauthorized(staleToken) after a rotation → 0 requests', async (h) => {
    const m = h.make();
    const stale = await m.getToken();
    const rotated = await m.refresh();
    const info = await m.handleUnauthorized(stale);
    assert.equal(info.token, rotated.token);
    expectOutcome(h, m, { requests: 2, logins: 2, state: 'ready' });
  }],
  ['three consecutive permanent failures → failed, 0 requests until start()', async (h) => {
    h.handle(() => ({ status: 403 }));
    const m = h.make();
    for (let i = 0; i < 3; i++) expectError(await h.settle(m.getToken()), 'unauthorized');
    assert.equal(m.state, 'failed');
    expectError(await h.settle(m.getToken()), 'failed');
    await sleep(200);
    assert.equal(h.srv.count, 3, 'no request while failed');
    h.handle(null);
    await m.start();
    expectOutcome(h, m, { requests: 4, logins: 1, state: 'ready' });
  }],
  ['an event listener that throws does not break delivery', async (h) => {
    const m = h.make();
    m.on('token', () => { throw new Error('listener bug'); });
    m.on('state', () => { throw new Error('listener bug'); });
    assert.match(await m.getToken(), new RegExp(h.secret));
    assert.ok(h.logs.some(([level, line]) => level === 'error' && line.includes('listener')));
    expectOutcome(h, m, { requests: 1, logins: 1, state: 'ready' });
  }],
  ['a storage adapter that throws → memory, one warning, token delivered', async (h) => {
    const m = h.make({ storage: { getItem: () => { throw new Error('keychain locked'); }, setItem: () => { throw new Error('full'); }, removeItem() {} } });
    await m.getToken();
    assert.equal(h.logs.filter(([level]) => level === 'warn').length, 1);
    expectOutcome(h, m, { requests: 1, logins: 1, state: 'ready' });
  }],
  ['persisted token: stored only under storageKey, removed on logout', async (h) => {
    const storage = h.storage();
    const m = h.make({ storage });
    await m.getToken();
    assert.deepEqual([...h.stored.keys()], ['chat-token-manager']);
    await m.logout();
    assert.equal(h.stored.size, 0);
    expectOutcome(h, m, { requests: 1, logins: 1, state: 'loggedOut' });
  }],
  ['refresh grant with storage: refresh tokens posted, rotated and persisted, none in logs, errors, events or snapshots', async (h) => {
    const refreshUrl = h.srv.url.replace('/chat/token', '/auth/refresh');
    // Both routes answer the default: a new token with a new refresh token.
    const m = h.make({ refreshEndpoint: refreshUrl, storage: h.storage() });
    await m.start();
    await m.refresh();
    const refreshes = h.srv.requests.filter((r) => r.path === '/auth/refresh');
    assert.deepEqual(refreshes.map((r) => r.json.refreshToken), [`${h.secret}-refresh-1`]);
    assert.ok(h.stored.get('chat-token-manager').includes(`${h.secret}-refresh-2`), 'the rotated refresh token is persisted in the chosen storage');
    expectOutcome(h, m, { requests: 2, logins: 2, state: 'ready' });
  }],
  ['refresh grant refused (401 naming the refresh token) → the endpoint re-mints, no error, nothing leaks', async (h) => {
    const refreshUrl = h.srv.url.replace('/chat/token', '/auth/refresh');
    h.handle((req, srv, h) =>
      req.path === '/auth/refresh' ? { status: 401, body: { error: `reused ${req.json?.refreshToken}` } } : h.mint(),
    );
    const m = h.make({ refreshEndpoint: refreshUrl });
    await m.start();
    await m.refresh();
    assert.equal(h.events.filter((e) => e.name === 'error').length, 0);
    expectOutcome(h, m, { requests: 3, logins: 2, state: 'ready' });
  }],
  ['a stored token the chat login refuses (revoked since it was saved) → cleared, one fetch, the fresh token logged in, no error', async (h) => {
    const storage = h.storage();
    const first = h.make({ storage });
    await first.start();
    first.dispose();
    const revoked = h.logins[0];
    const m = h.make({
      storage,
      login: async (token) => {
        h.logins.push(token);
        if (token === revoked) throw Object.assign(new Error('auth token not found'), { code: 'AUTH_ERR_AUTH_TOKEN_NOT_FOUND' });
      },
    });
    const info = await m.start();
    assert.equal(info.source, 'network');
    assert.notEqual(info.token, revoked);
    assert.equal(h.events.filter((e) => e.name === 'error').length, 0);
    assert.ok(!h.stored.get('chat-token-manager').includes(revoked), 'the refused token is no longer stored');
    expectOutcome(h, m, { requests: 2, logins: 3, state: 'ready' });
  }],
  ['200 with an HTML error page → invalid_response naming the body', async (h) => {
    h.handle(() => ({ headers: { 'content-type': 'text/html' }, body: `<html>hello ${USER_ID}</html>` }));
    const m = h.make();
    expectError(await h.settle(m.getToken()), 'invalid_response', { field: 'body' });
    expectOutcome(h, m, { requests: 1, logins: 0 });
  }],
];

for (const [i, [name, run]] of ROWS.entries()) {
  test(`fault ${String(i + 1).padStart(2, '0')}: ${name}`, async (t) => {
    const h = await harness(t);
    await run(h);
    scanForLeaks(h);
  });
}

test('the leak scan fails on a token or user id in a log line, an error, an event, a snapshot or another storage key', async (t) => {
  const plant = [
    (h) => h.logs.push(['debug', `refreshing ${h.secret}-tok-1`]),
    (h) => h.rejections.push(new Error(`bad token ${h.secret}-tok-1`)),
    (h) => h.events.push({ name: 'error', payload: { detail: USER_ID } }),
    (h) => h.stored.set('other-key', `${h.secret}-refresh-1`),
  ];
  for (const leak of plant) {
    const h = await harness(t);
    leak(h);
    assert.throws(() => scanForLeaks(h), /leaks/);
  }
});
