// Constructor validation (invalid_options naming the field) and the built-in endpoint fetch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTokenServer } from './helpers/token-server.mjs';
import { manager, server, expectThrowsTokenError, TokenManager } from './helpers/util.mjs';

const fetchToken = async () => ({ authToken: 'x', expiresIn: 60 });

test('new TokenManager({}) → throws TokenError invalid_options naming the missing token source', () => {
  expectThrowsTokenError(() => new TokenManager({}), { code: 'invalid_options', retryable: false, message: /fetchToken|endpoint/ });
});

test('new TokenManager() without options → throws TokenError invalid_options', () => {
  expectThrowsTokenError(() => new TokenManager(), { code: 'invalid_options' });
});

const badOptions = [
  ['fetchToken is not a function', { fetchToken: 42 }, /fetchToken/],
  ['endpoint is a number', { endpoint: 42 }, /endpoint/],
  ['endpoint object without url', { endpoint: { method: 'POST' } }, /url/],
  ['endpoint.url is not a string', { endpoint: { url: 7 } }, /url/],
  ['endpoint.method is not a string', { endpoint: { url: 'http://127.0.0.1:1/t', method: 5 } }, /method/],
  ['endpoint.headers is a number', { endpoint: { url: 'http://127.0.0.1:1/t', headers: 5 } }, /headers/],
  ['login is not a function', { fetchToken, login: 'yes' }, /login/],
  ['logout is not a function', { fetchToken, logout: 1 }, /logout/],
  ['retry.maxAttempts is a string', { fetchToken, retry: { maxAttempts: 'three' } }, /retry\.maxAttempts/],
  ['retry.maxAttempts is 0', { fetchToken, retry: { maxAttempts: 0 } }, /retry\.maxAttempts/],
  ['retry.baseDelayMs is negative', { fetchToken, retry: { baseDelayMs: -1 } }, /retry\.baseDelayMs/],
  ['retry.maxDelayMs is NaN', { fetchToken, retry: { maxDelayMs: NaN } }, /retry\.maxDelayMs/],
  ['retry is a number', { fetchToken, retry: 3 }, /retry/],
  ['fetchTimeoutMs is negative', { fetchToken, fetchTimeoutMs: -1 }, /fetchTimeoutMs/],
  ['fetchTimeoutMs is a string', { fetchToken, fetchTimeoutMs: '10s' }, /fetchTimeoutMs/],
  ['loginTimeoutMs is a string', { fetchToken, loginTimeoutMs: 'soon' }, /loginTimeoutMs/],
  ['refreshMarginMs is a string', { fetchToken, refreshMarginMs: '1m' }, /refreshMarginMs/],
  ['defaultTtlMs is 0', { fetchToken, defaultTtlMs: 0 }, /defaultTtlMs/],
  ['jitterRatio is a string', { fetchToken, jitterRatio: 'lots' }, /jitterRatio/],
  ['jitterRatio is negative', { fetchToken, jitterRatio: -0.5 }, /jitterRatio/],
  ['storageKey is a number', { fetchToken, storageKey: 5 }, /storageKey/],
  ['onTokenRefresh is not a function', { fetchToken, onTokenRefresh: {} }, /onTokenRefresh/],
  ['onRefreshError is not a function', { fetchToken, onRefreshError: 'log' }, /onRefreshError/],
  ['now is not a function', { fetchToken, now: 5 }, /now/],
  ['logger is a string', { fetchToken, logger: 'console' }, /logger/],
];

for (const [name, options, field] of badOptions) {
  test(`bad option type → invalid_options naming the field: ${name}`, () => {
    expectThrowsTokenError(() => new TokenManager(options), { code: 'invalid_options', retryable: false, message: field });
  });
}

test('valid options of every kind are accepted', () => {
  const m = new TokenManager({
    endpoint: { url: 'http://127.0.0.1:1/token', method: 'GET', headers: async () => ({ a: 'b' }), credentials: 'same-origin' },
    login: async () => {},
    logout: async () => {},
    refreshMarginMs: 1000,
    jitterRatio: 0.2,
    defaultTtlMs: 60_000,
    fetchTimeoutMs: 500,
    loginTimeoutMs: 500,
    retry: { baseDelayMs: 10, maxDelayMs: 100, maxAttempts: 2 },
    storageKey: 'my-app-chat-token',
    onTokenRefresh: () => {},
    onRefreshError: () => {},
    logger: null,
    now: () => Date.now(),
  });
  assert.equal(m.state, 'idle');
  m.dispose();
  const m2 = new TokenManager({ fetchToken, logger: console });
  m2.dispose();
});

test('endpoint as a string → POST to that URL', async (t) => {
  const srv = await server(t, startTokenServer);
  const m = manager(t, { endpoint: srv.url });
  assert.equal(await m.getToken(), 'tok-1');
  assert.equal(srv.requests[0].method, 'POST');
  assert.equal(srv.requests[0].path, '/chat/token');
});

test('endpoint object → method, static headers and body are sent', async (t) => {
  const srv = await server(t, startTokenServer);
  const body = JSON.stringify({ uid: 'user-42' });
  const m = manager(t, {
    endpoint: { url: srv.url, method: 'PUT', headers: { 'x-app-session': 'sess-1', 'content-type': 'application/json' }, body },
  });
  assert.equal(await m.getToken(), 'tok-1');
  const req = srv.requests[0];
  assert.equal(req.method, 'PUT');
  assert.equal(req.headers['x-app-session'], 'sess-1');
  assert.equal(req.body, body);
});

test('endpoint.headers as an async function → called per request, its headers are sent', async (t) => {
  const srv = await server(t, startTokenServer);
  let n = 0;
  const m = manager(t, {
    endpoint: { url: srv.url, method: 'GET', headers: async () => ({ authorization: `Bearer app-session-${++n}` }) },
  });
  await m.getToken();
  await m.refresh();
  assert.equal(srv.requests[0].method, 'GET');
  assert.equal(srv.requests[0].headers.authorization, 'Bearer app-session-1');
  assert.equal(srv.requests[1].headers.authorization, 'Bearer app-session-2');
});

test('endpoint.headers as a sync function → its headers are sent', async (t) => {
  const srv = await server(t, startTokenServer);
  const m = manager(t, { endpoint: { url: srv.url, headers: () => ({ 'x-csrf': 'abc' }) } });
  await m.getToken();
  assert.equal(srv.requests[0].headers['x-csrf'], 'abc');
});

test('endpoint.headers as [name, value] pairs or a Headers instance reach the request (not only plain objects)', async (t) => {
  const srv = await server(t, startTokenServer);
  const shapes = [[['authorization', 'Bearer pairs']], new Headers({ authorization: 'Bearer headers-instance' }), async () => new Headers({ authorization: 'Bearer async' })];
  for (const headers of shapes) {
    const m = manager(t, { endpoint: { url: srv.url, headers } });
    await m.start();
    m.dispose();
  }
  assert.deepEqual(
    srv.requests.map((r) => r.headers.authorization),
    ['Bearer pairs', 'Bearer headers-instance', 'Bearer async'],
  );
});

test('the default logger (console) prints a warning without a code as prefix and message only, never a literal "undefined"', async (t) => {
  const lines = [];
  const warn = console.warn;
  console.warn = (...args) => lines.push(args);
  let m;
  try {
    // 'local' storage warns at construction; the warning has no error code.
    m = new TokenManager({ fetchToken, storage: 'local', crossTab: false });
  } finally {
    console.warn = warn;
  }
  t.after(() => m.dispose());
  assert.ok(lines.length >= 1, 'a warning was printed');
  for (const args of lines) {
    assert.ok(!args.some((a) => a === undefined), `no undefined argument: ${JSON.stringify(args.map(String))}`);
    assert.equal(args[0], '[chat-token-manager]');
  }
});
