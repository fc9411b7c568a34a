// Token responses: every accepted shape, every malformed body, and fetch Response handling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { startTokenServer } from './helpers/token-server.mjs';
import { manager, server, expectTokenError, makeJwt, sleep, T0 } from './helpers/util.mjs';

const H = 3_600_000;
const SEC = Math.floor(T0 / 1000);

/** Start a manager on a fixed clock whose fetchToken returns `body`; return its TokenInfo. */
async function infoFor(t, body, options = {}) {
  const m = manager(t, { fetchToken: async () => body, now: () => T0, ...options });
  return m.start();
}

function checkInfo(info, { token, expiresAt, refreshToken, wsToken }) {
  assert.equal(info.token, token);
  assert.equal(info.expiresAt, expiresAt, `expiresAt is ${info.expiresAt - T0} ms after now, expected ${expiresAt - T0}`);
  assert.equal(info.issuedAt, T0);
  assert.equal(info.reason, 'initial');
  assert.equal(info.source, 'network');
  assert.ok(info.refreshAt >= T0 && info.refreshAt < info.expiresAt, `refreshAt ${info.refreshAt - T0} ms after now`);
  if (refreshToken !== undefined) assert.equal(info.refreshToken, refreshToken);
  else assert.equal(info.refreshToken ?? undefined, undefined);
  if (wsToken !== undefined) assert.equal(info.wsToken, wsToken);
  else assert.equal(info.wsToken ?? undefined, undefined);
}

const accepted = [
  ['{ authToken, expiresIn }', { authToken: 'a-1', expiresIn: 3600 }, { token: 'a-1', expiresAt: T0 + H }],
  ['{ token, expiresIn }', { token: 'a-2', expiresIn: 1800 }, { token: 'a-2', expiresAt: T0 + H / 2 }],
  [
    '{ accessToken, refreshToken, expiresIn }',
    { accessToken: 'a-3', refreshToken: 'r-3', expiresIn: 3600 },
    { token: 'a-3', expiresAt: T0 + H, refreshToken: 'r-3' },
  ],
  [
    '{ data: { authToken, expiresAt } } (CometChat REST passthrough)',
    { data: { uid: 'cometchat-uid-1', authToken: 'a-4', createdAt: SEC, expiresAt: T0 + 2 * H } },
    { token: 'a-4', expiresAt: T0 + 2 * H },
  ],
  ['{ data: { authToken, expiresIn } }', { data: { authToken: 'a-4b', expiresIn: 600 } }, { token: 'a-4b', expiresAt: T0 + 600_000 }],
  ['{ data: { authToken } } without expiry → defaultTtlMs 24 h', { data: { uid: 'u', authToken: 'a-4c' } }, { token: 'a-4c', expiresAt: T0 + 24 * H }],
  ['expiresIn as a numeric string', { authToken: 'a-5', expiresIn: '3600' }, { token: 'a-5', expiresAt: T0 + H }],
  ['expiresAt in epoch milliseconds', { authToken: 'a-6', expiresAt: T0 + 90 * 60_000 }, { token: 'a-6', expiresAt: T0 + 90 * 60_000 }],
  ['expiresAt in epoch seconds (< 1e12)', { authToken: 'a-7', expiresAt: SEC + 5400 }, { token: 'a-7', expiresAt: T0 + 5_400_000 }],
  ['expiresIn wins over expiresAt', { authToken: 'a-8', expiresIn: 60, expiresAt: T0 + 5 * H }, { token: 'a-8', expiresAt: T0 + 60_000 }],
  ['JWT with an exp claim', { token: makeJwt({ sub: 'u1', exp: SEC + 1800 }) }, { token: makeJwt({ sub: 'u1', exp: SEC + 1800 }), expiresAt: T0 + 1_800_000 }],
  [
    'expiresIn wins over the JWT exp',
    { accessToken: makeJwt({ sub: 'u1', exp: SEC + 1800 }), expiresIn: 120 },
    { token: makeJwt({ sub: 'u1', exp: SEC + 1800 }), expiresAt: T0 + 120_000 },
  ],
  ['opaque token, no expiry → defaultTtlMs (24 h)', { authToken: 'cometchat_opaque_1a2b3c' }, { token: 'cometchat_opaque_1a2b3c', expiresAt: T0 + 24 * H }],
  [
    'wsToken and refreshToken are carried into TokenInfo',
    { authToken: 'a-9', wsToken: 'ws-9', refreshToken: 'r-9', expiresIn: 3600 },
    { token: 'a-9', expiresAt: T0 + H, refreshToken: 'r-9', wsToken: 'ws-9' },
  ],
];

for (const [name, body, expected] of accepted) {
  test(`accepted response shape: ${name}`, async (t) => {
    checkInfo(await infoFor(t, body), expected);
  });
}

test('accepted response shape: no expiry with a custom defaultTtlMs', async (t) => {
  checkInfo(await infoFor(t, { authToken: 'a-10' }, { defaultTtlMs: 600_000 }), { token: 'a-10', expiresAt: T0 + 600_000 });
});

test('accepted response shape: JSON from the endpoint ({ accessToken, refreshToken, expiresIn })', async (t) => {
  const srv = await server(t, startTokenServer, () => ({ body: { accessToken: 'e-1', refreshToken: 'er-1', expiresIn: 3600, user: { id: 'u' } } }));
  const m = manager(t, { endpoint: srv.url, now: () => T0 });
  checkInfo(await m.start(), { token: 'e-1', expiresAt: T0 + H, refreshToken: 'er-1' });
});

// ---------------------------------------------------------------------------------------------
// Malformed bodies → invalid_response, not retryable, message names the field, never the token.

const SECRET = 'sekrit-token-value-5e6f';
const malformed = [
  ['empty token', { authToken: '', expiresIn: 3600 }, /authToken|token/],
  ['numeric token', { authToken: 12345678, expiresIn: 3600 }, /authToken|token/, ['12345678']],
  ['missing token', { expiresIn: 3600, user: 'u1' }, /token/i],
  ['expiresIn: 0', { authToken: SECRET, expiresIn: 0 }, /expiresIn/],
  ['expiresIn: -5', { authToken: SECRET, expiresIn: -5 }, /expiresIn/],
  ['expiresIn: "abc"', { authToken: SECRET, expiresIn: 'abc' }, /expiresIn/],
  ['expiresIn: NaN', { authToken: SECRET, expiresIn: NaN }, /expiresIn/],
  ['expiresIn: Infinity', { authToken: SECRET, expiresIn: Infinity }, /expiresIn/],
  ['expiresAt in the past', { authToken: SECRET, expiresAt: T0 - 1000 }, /expiresAt/],
  ['expiresAt in the past (epoch seconds)', { authToken: SECRET, expiresAt: SEC - 60 }, /expiresAt/],
  ['data.expiresAt in the past', { data: { authToken: SECRET, expiresAt: T0 - 1000 } }, /expiresAt/],
  ['JWT whose exp is in the past', { token: makeJwt({ exp: SEC - 60 }) }, /exp/, [makeJwt({ exp: SEC - 60 })]],
  ['null body', null, /./],
];

for (const [name, body, field, extraSecrets = []] of malformed) {
  test(`malformed body → invalid_response naming the field: ${name}`, async (t) => {
    let calls = 0;
    const m = manager(t, {
      fetchToken: async () => {
        calls += 1;
        return body;
      },
      now: () => T0,
      retry: { baseDelayMs: 5, maxDelayMs: 10, maxAttempts: 3 },
    });
    await expectTokenError(m.getToken(), {
      code: 'invalid_response',
      retryable: false,
      message: field,
      notInMessage: [SECRET, ...extraSecrets],
    });
    await sleep(20);
    assert.equal(calls, 1, 'an invalid response is never retried');
  });
}

test('malformed body → invalid_response: invalid JSON from the endpoint', async (t) => {
  const srv = await server(t, startTokenServer, () => ({ headers: { 'content-type': 'application/json' }, body: `{"authToken":"${SECRET}",` }));
  const m = manager(t, { endpoint: srv.url, retry: { baseDelayMs: 5, maxDelayMs: 10, maxAttempts: 3 } });
  await expectTokenError(m.getToken(), { code: 'invalid_response', retryable: false, message: /json|body/i, notInMessage: [SECRET] });
  await sleep(20);
  assert.equal(srv.count, 1);
});

test('malformed body → invalid_response: expiresIn "abc" from the endpoint names expiresIn', async (t) => {
  const srv = await server(t, startTokenServer, () => ({ body: { authToken: SECRET, expiresIn: 'abc' } }));
  const m = manager(t, { endpoint: srv.url });
  await expectTokenError(m.getToken(), { code: 'invalid_response', retryable: false, message: /expiresIn/, notInMessage: [SECRET] });
  assert.equal(srv.count, 1);
});

// ---------------------------------------------------------------------------------------------
// fetchToken returning a fetch Response is read like the endpoint.

test('fetchToken returning a Response: 200 JSON body is parsed like the endpoint', async (t) => {
  const m = manager(t, {
    fetchToken: async () =>
      new Response(JSON.stringify({ authToken: 'resp-1', expiresIn: 3600, wsToken: 'ws-r' }), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      }),
    now: () => T0,
  });
  checkInfo(await m.start(), { token: 'resp-1', expiresAt: T0 + H, wsToken: 'ws-r' });
});

test('fetchToken returning a Response: 429 + Retry-After: 1 → waits ≥ 1 s, then reads the next 200', async (t) => {
  const calls = [];
  const m = manager(t, {
    fetchToken: async () => {
      calls.push(performance.now());
      if (calls.length === 1) return new Response('{"error":"slow down"}', { status: 429, headers: { 'Retry-After': '1' } });
      return Response.json({ token: 'resp-2', expiresIn: 60 });
    },
    retry: { baseDelayMs: 10, maxDelayMs: 50, maxAttempts: 3 },
  });
  assert.equal(await m.getToken(), 'resp-2');
  assert.equal(calls.length, 2);
  const gap = calls[1] - calls[0];
  assert.ok(gap >= 995, `retry after ${gap.toFixed(1)} ms; Retry-After asked for 1000 ms`);
});

test('fetchToken returning a Response: 401 → unauthorized, status 401, not retried', async (t) => {
  let calls = 0;
  const m = manager(t, {
    fetchToken: async () => {
      calls += 1;
      return new Response('{"error":"Unauthorized"}', { status: 401 });
    },
    retry: { baseDelayMs: 5, maxDelayMs: 10, maxAttempts: 3 },
  });
  await expectTokenError(m.getToken(), { code: 'unauthorized', status: 401, retryable: false });
  await sleep(20);
  assert.equal(calls, 1);
});

test('fetchToken returning a Response: 500 is retried, then a 200 is accepted', async (t) => {
  let calls = 0;
  const m = manager(t, {
    fetchToken: async () => {
      calls += 1;
      return calls === 1 ? new Response('oops', { status: 500 }) : Response.json({ accessToken: 'resp-3', expiresIn: 60 });
    },
    retry: { baseDelayMs: 5, maxDelayMs: 10, maxAttempts: 3 },
  });
  assert.equal(await m.getToken(), 'resp-3');
  assert.equal(calls, 2);
});

test('fetchToken returning a Response: invalid JSON body → invalid_response', async (t) => {
  const m = manager(t, {
    fetchToken: async () => new Response(`not json ${SECRET}`, { status: 200, headers: { 'content-type': 'application/json' } }),
  });
  await expectTokenError(m.getToken(), { code: 'invalid_response', retryable: false, notInMessage: [SECRET] });
});
