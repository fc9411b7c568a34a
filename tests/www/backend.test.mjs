// The demo's app backend over real HTTP on 127.0.0.1, against the embedded CometChat emulator
// (seed 000 §3, §5, §7, §8; seed 001 §9). With BACKEND_TEST_REDIS_URL set, every backend here
// keeps its users, sessions and rate limit in that Redis (redis.test.mjs runs this file so).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TokenManager } from 'chat-token-manager';
import { startDemo as startDemoIn, client } from './helpers/demo.mjs';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const redisUrl = process.env.BACKEND_TEST_REDIS_URL;
let servers = 0;
/** startDemo, on the Redis store when asked for (a key prefix per server: nothing shared). */
const startDemo = (opts) => startDemoIn(redisUrl ? { redisUrl, redis: { keyPrefix: `backend-${process.pid}-${++servers}:` }, ...opts } : opts);

let demo;
/** Every client made in this file, so the key scan sees every response. */
const clients = [];
const newClient = (opts) => { const c = client(demo.origin, opts); clients.push(c); return c; };

before(async () => {
  demo = await startDemo({ distDir: null, tokenRateLimit: { limit: 1000, windowMs: 60_000 } });
  assert.equal(demo.store, redisUrl ? 'redis' : 'memory');
});
after(async () => { await demo?.close(); });

/** Which user an auth token belongs to, asked the way the SDK asks (client API, PUT /me). */
async function tokenOwner(token) {
  const res = await fetch(`${demo.origin}/emu/client/v3.0/me`, {
    method: 'PUT', headers: { appId: demo.emulator.appId, authToken: token, 'Content-Type': 'application/json' }, body: '{}',
  });
  const body = await res.json();
  return body.data?.uid ?? body.error?.code;
}

async function signedIn(userId) {
  const c = newClient();
  const r = await c.request('POST', '/api/session', { userId });
  assert.equal(r.status, 200);
  return c;
}

test('session: sign in sets an HttpOnly SameSite=Lax cookie; GET shows the user; DELETE signs out', async () => {
  const c = newClient();
  assert.equal((await c.request('GET', '/api/session')).status, 401);
  const r = await c.request('POST', '/api/session', { userId: 'alice' });
  assert.equal(r.status, 200);
  const cookie = r.headers.get('set-cookie');
  assert.match(cookie, /HttpOnly/i);
  assert.match(cookie, /SameSite=Lax/i);
  assert.deepEqual((await c.request('GET', '/api/session')).json.user, { id: 'alice', name: 'Alice Liddell' });
  assert.equal((await c.request('DELETE', '/api/session')).status, 204);
  assert.equal((await c.request('GET', '/api/session')).status, 401);
  assert.equal((await c.request('POST', '/api/cometchat-token')).status, 401);
});

test('bad input gets a typed error naming the field', async () => {
  const c = newClient();
  const r = await c.request('POST', '/api/session', { userId: 42 });
  assert.equal(r.status, 400);
  assert.equal(r.json.field, 'userId');
  const s = await c.request('POST', '/api/signup', { userId: 'has space', name: 'X' });
  assert.equal(s.status, 400);
  assert.equal(s.json.field, 'userId');
  const n = await c.request('POST', '/api/session', 'not json');
  assert.equal(n.status, 400);
});

test('token endpoint without a session → 401 and no upstream call', async () => {
  await demo.control.resetStats();
  const c = newClient();
  const r = await c.request('POST', '/api/cometchat-token', { uid: 'alice' });
  assert.equal(r.status, 401);
  assert.equal(r.json.error, 'no_session');
  assert.equal((await demo.control.stats()).calls.authTokens ?? 0, 0);
});

test('token endpoint returns a token the package parses ({ token, expiresIn, expiresAt }) for the session user', async () => {
  const c = await signedIn('alice');
  const r = await c.request('POST', '/api/cometchat-token');
  assert.equal(r.status, 200);
  assert.equal(typeof r.json.token, 'string');
  assert.equal(r.json.expiresIn, demo.emulator.config.tokenTtlMs / 1000);
  assert.ok(Math.abs(r.json.expiresAt - (Date.now() + r.json.expiresIn * 1000)) < 5000);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(await tokenOwner(r.json.token), 'alice');
});

test('the chat-token-manager package accepts the token response as is (endpoint option, login with the token)', async () => {
  const c = await signedIn('bob');
  const logins = [];
  const manager = new TokenManager({
    endpoint: { url: `${demo.origin}/api/cometchat-token`, headers: { Cookie: c.cookie } },
    login: async (token) => { logins.push(await tokenOwner(token)); },
  });
  try {
    const before = Date.now();
    const info = await manager.start();
    assert.deepEqual(logins, ['bob']);
    const ttl = demo.emulator.config.tokenTtlMs;
    assert.ok(info.expiresAt >= before + ttl - 2000 && info.expiresAt <= Date.now() + ttl + 2000, 'expiry from the response, not a default');
    assert.ok(info.refreshAt < info.expiresAt);
  } finally {
    manager.dispose();
  }
});

test('a body uid for another user is ignored: the token is for the session user', async () => {
  const c = await signedIn('alice');
  for (const body of [{ uid: 'bob' }, { userId: 'bob' }, { uid: 'bob', userId: 'bob', data: { uid: 'bob' } }]) {
    const r = await c.request('POST', '/api/cometchat-token', body);
    assert.equal(r.status, 200);
    assert.equal(await tokenOwner(r.json.token), 'alice');
  }
  const q = await c.request('POST', '/api/cometchat-token?uid=bob');
  assert.equal(await tokenOwner(q.json.token), 'alice');
});

test('per-user rate limit → 429 with Retry-After; another user is not affected', async () => {
  // Its own server with a low limit (5 per minute per user).
  const limited = await startDemo({ distDir: null, tokenRateLimit: { limit: 5, windowMs: 60_000 } });
  try {
    const c = client(limited.origin);
    await c.request('POST', '/api/session', { userId: 'bob' });
    const statuses = [];
    let last;
    for (let i = 0; i < 7; i++) {
      last = await c.request('POST', '/api/cometchat-token');
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
    const ra = Number(last.headers.get('retry-after'));
    assert.ok(Number.isInteger(ra) && ra >= 1 && ra <= 60, `Retry-After ${ra}`);
    assert.equal(last.json.error, 'rate_limited');
    assert.equal(last.json.token, undefined);
    assert.equal((await limited.control.stats()).calls.authTokens, 5, 'limited requests never reach CometChat');
    const other = client(limited.origin);
    await other.request('POST', '/api/session', { userId: 'carol' });
    assert.equal((await other.request('POST', '/api/cometchat-token')).status, 200);
    for (const r of [...c.responses, ...other.responses]) assert.ok(!r.text.includes(limited.restApiKey));
  } finally {
    await limited.close();
  }
});

test('CORS: the page\'s own origin is allowed; another origin gets no Access-Control-Allow-Origin and cannot POST', async () => {
  const own = demo.origin;
  const pre = await fetch(`${demo.origin}/api/cometchat-token`, { method: 'OPTIONS', headers: { Origin: own, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' } });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), own);
  assert.equal(pre.headers.get('access-control-allow-credentials'), 'true');

  const evil = 'http://evil.example';
  const pre2 = await fetch(`${demo.origin}/api/cometchat-token`, { method: 'OPTIONS', headers: { Origin: evil, 'Access-Control-Request-Method': 'POST' } });
  assert.equal(pre2.headers.get('access-control-allow-origin'), null);
  assert.notEqual(pre2.status, 204);

  const alice = await signedIn('alice');
  const ok = await alice.request('POST', '/api/cometchat-token', undefined, { Origin: own });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('access-control-allow-origin'), own);

  const bad = await alice.request('POST', '/api/cometchat-token', undefined, { Origin: evil });
  assert.equal(bad.status, 403);
  assert.equal(bad.headers.get('access-control-allow-origin'), null);
  assert.equal(bad.json.token, undefined);
  const get = await alice.request('GET', '/api/session', undefined, { Origin: evil });
  assert.equal(get.headers.get('access-control-allow-origin'), null);
});

test('upstream CometChat 5xx is retried with backoff and the token still arrives', async () => {
  const c = await signedIn('alice');
  await demo.control.resetStats();
  await demo.control.failNext({ status: 503, count: 2 });
  const r = await c.request('POST', '/api/cometchat-token');
  assert.equal(r.status, 200);
  assert.equal(await tokenOwner(r.json.token), 'alice');
  const { authTokenAttempts } = await demo.control.stats();
  assert.equal(authTokenAttempts.length, 3);
});

test('upstream 429 with Retry-After is honoured before the retry', async () => {
  const c = await signedIn('alice');
  await demo.control.resetStats();
  await demo.control.failNext({ status: 429, count: 1, retryAfter: 1 });
  const r = await c.request('POST', '/api/cometchat-token');
  assert.equal(r.status, 200);
  const { authTokenAttempts: [first, second] } = await demo.control.stats();
  assert.ok(second - first >= 1000, `retried after ${second - first} ms, Retry-After was 1 s`);
});

test('the emulator\'s own rate limit (429 + Retry-After) is retried, then passed on as 429 with Retry-After', async () => {
  const server = await startDemo({ distDir: null, retry: { baseDelayMs: 10, maxDelayMs: 50 } });
  try {
    const c = client(server.origin);
    await c.request('POST', '/api/session', { userId: 'alice' });
    await server.control.resetStats();
    await server.control.config({ rateLimitPerMinute: 2 });
    const ok1 = await c.request('POST', '/api/cometchat-token');
    const ok2 = await c.request('POST', '/api/cometchat-token');
    assert.deepEqual([ok1.status, ok2.status], [200, 200]);
    const r = await c.request('POST', '/api/cometchat-token');
    assert.equal(r.status, 429);
    assert.equal(r.json.error, 'upstream_rate_limited');
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    const stats = await server.control.stats();
    assert.equal(stats.calls.rateLimited, 3, 'three attempts, each answered 429');
  } finally {
    await server.close();
  }
});

test('upstream failures that persist give up after 3 attempts with a 502; a 501 is not retried', async () => {
  const c = await signedIn('carol');
  await demo.control.resetStats();
  await demo.control.failNext({ status: 500, count: 5 });
  const r = await c.request('POST', '/api/cometchat-token');
  assert.equal(r.status, 502);
  assert.equal(r.json.error, 'upstream_failed');
  assert.equal((await demo.control.stats()).authTokenAttempts.length, 3);

  await demo.control.resetStats();
  await demo.control.failNext({ status: 501, count: 1 });
  assert.equal((await c.request('POST', '/api/cometchat-token')).status, 502);
  assert.equal((await demo.control.stats()).authTokenAttempts.length, 1);
});

test('user hooks: signup creates, profile updates, account deletion deletes the CometChat user', async () => {
  const chatUser = async (uid) => (await demo.control.stats()).users.find((u) => u.uid === uid);
  const c = newClient();
  assert.equal(await chatUser('dave'), undefined);
  const s = await c.request('POST', '/api/signup', { userId: 'dave', name: 'Dave Bowman' });
  assert.equal(s.status, 201);
  assert.equal((await chatUser('dave')).name, 'Dave Bowman');
  assert.equal((await c.request('POST', '/api/signup', { userId: 'dave', name: 'Again' })).status, 409);
  // The new user is signed in and can get a token for themselves.
  const t = await c.request('POST', '/api/cometchat-token');
  assert.equal(await tokenOwner(t.json.token), 'dave');

  const p = await c.request('PATCH', '/api/profile', { name: 'David Bowman', avatar: 'https://example.com/d.png' });
  assert.equal(p.status, 200);
  const updated = await chatUser('dave');
  assert.equal(updated.name, 'David Bowman');
  assert.equal(updated.avatar, 'https://example.com/d.png');
  assert.equal((await c.request('PATCH', '/api/profile', { avatar: 'javascript:alert(1)' })).json.field, 'avatar');

  const d = await c.request('DELETE', '/api/account');
  assert.equal(d.status, 204);
  assert.equal(await chatUser('dave'), undefined);
  assert.equal(await tokenOwner(t.json.token), 'AUTH_ERR_AUTH_TOKEN_NOT_FOUND', 'the deleted user\'s tokens no longer work');
  assert.equal((await c.request('POST', '/api/cometchat-token')).status, 401);
  assert.equal((await c.request('GET', '/api/session')).status, 401);
  // Hooks need a session.
  assert.equal((await newClient().request('PATCH', '/api/profile', { name: 'X' })).status, 401);
  assert.equal((await newClient().request('DELETE', '/api/account')).status, 401);
});

test('GET /api/config tells the page how to init the SDK against the emulator, and nothing secret', async () => {
  const r = await newClient().request('GET', '/api/config');
  assert.equal(r.status, 200);
  assert.equal(r.json.appId, demo.emulator.appId);
  assert.equal(r.json.emulator, true);
  assert.equal(r.json.clientHost, `127.0.0.1:${demo.port}/emu/client/v3.0`);
  assert.deepEqual(r.json.users.map((u) => u.id).slice(0, 3), ['alice', 'bob', 'carol']);
});

// Last: scans everything this file received.
test('the REST API key never appears in any response body or header across the session of calls', async () => {
  const key = demo.restApiKey;
  assert.ok(key.length >= 20);
  // A few more, incl. errors and the emulator's stats.
  const c = await signedIn('alice');
  await c.request('GET', '/api/config');
  await c.request('POST', '/api/cometchat-token');
  await c.request('GET', '/api/nope');
  await c.request('PATCH', '/api/profile', 'garbage');
  await demo.control.failNext({ status: 500, count: 3 });
  await c.request('POST', '/api/cometchat-token');
  const stats = await fetch(`${demo.origin}/emu/control/stats`);
  const statsText = await stats.text();
  const all = clients.flatMap((x) => x.responses);
  assert.ok(all.length > 40, `scanned ${all.length} responses`);
  let scanned = 0;
  for (const r of [...all, { text: statsText, headers: stats.headers }]) {
    const headers = [...r.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
    assert.ok(!r.text.includes(key), 'key in a body');
    assert.ok(!headers.includes(key), 'key in a header');
    scanned++;
  }
  // The scan can fail: the key is what the emulator requires.
  const withKey = await fetch(`${demo.origin}/emu/api/v3/users/alice`, { headers: { appId: demo.emulator.appId, apiKey: key } });
  assert.equal(withKey.status, 200);
  const without = await fetch(`${demo.origin}/emu/api/v3/users/alice`, { headers: { appId: demo.emulator.appId, apiKey: 'wrong' } });
  assert.equal(without.status, 401);
  assert.ok(scanned > 40);
});

test('signup cannot take over a chat user that exists already (CometChat 409 → 409 user_exists, no session, no token)', async () => {
  // A chat user that the app's own user table doesn't know (e.g. created before a restart).
  const res = await fetch(`${demo.origin}/emu/api/v3/users`, {
    method: 'POST',
    headers: { appId: demo.emulator.appId, apiKey: demo.restApiKey, 'Content-Type': 'application/json' },
    body: JSON.stringify({ uid: 'superhero1', name: 'Iron Man' }),
  });
  assert.ok(res.ok, `admin create: ${res.status}`);
  const c = newClient();
  const r = await c.request('POST', '/api/signup', { userId: 'superhero1', name: 'Mallory' });
  assert.equal(r.status, 409);
  assert.equal(r.json.error, 'user_exists');
  assert.equal((await c.request('POST', '/api/cometchat-token')).status, 401, 'no session was started');
});

test('emulator control API: another origin or a non-JSON POST gets 403; an absurd fail-next count gets 400', async () => {
  const post = (path, body, headers) => fetch(`${demo.origin}/emu/control/${path}`, { method: 'POST', headers, body });
  const evil = await post('revoke', JSON.stringify({ uid: 'alice' }), { 'Content-Type': 'application/json', Origin: 'https://evil.example' });
  assert.equal(evil.status, 403);
  const simple = await post('advance', JSON.stringify({ ms: 1 }), { 'Content-Type': 'text/plain' });
  assert.equal(simple.status, 403, 'a CORS-simple POST (text/plain) must not be accepted');
  const huge = await post('fail-next', JSON.stringify({ status: 500, count: 1e9 }), { 'Content-Type': 'application/json' });
  assert.equal(huge.status, 400);
  assert.match((await huge.json()).error.message, /count/);
  const own = await post('advance', JSON.stringify({ ms: 0 }), { 'Content-Type': 'application/json', Origin: demo.origin });
  assert.equal(own.status, 200);
});

test('the session cookie is Secure on https and behind a TLS-terminating proxy (X-Forwarded-Proto: https), not on plain http', async () => {
  const signIn = (headers) => fetch(`${demo.origin}/api/session`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ userId: 'alice' }),
  });
  assert.doesNotMatch((await signIn({})).headers.get('set-cookie'), /;\s*Secure/i);
  assert.match((await signIn({ 'X-Forwarded-Proto': 'https' })).headers.get('set-cookie'), /;\s*Secure/i);
});

test('a page path with a malformed percent-escape gets 400, not a server error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ctm-dist-'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>page</title>');
  const withPage = await startDemo({ distDir: dir });
  try {
    assert.equal((await fetch(`${withPage.origin}/assets/%E0%A4%A.js`)).status, 400);
    assert.equal((await fetch(`${withPage.origin}/some/route`)).status, 200, 'the page for an app route');
  } finally {
    await withPage.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a token rate limit below 1 is refused at start-up with a message naming it (TOKEN_RATE_LIMIT=0), never Retry-After: NaN', async () => {
  await assert.rejects(startDemo({ distDir: null, tokenRateLimit: { limit: 0, windowMs: 60_000 } }), /tokenRateLimit/);
  const main = fileURLToPath(new URL('../../www/server/main.mjs', import.meta.url));
  const r = spawnSync(process.execPath, [main], { env: { ...process.env, PORT: '0', TOKEN_RATE_LIMIT: '0' }, encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /TOKEN_RATE_LIMIT: expected a number of at least 1/);
});
