// The app backend past one machine: with a Redis URL, sessions and the per-user token rate limit
// live in Redis, so two backend instances (behind one proxy, or side by side) share them. Against
// a real redis-server started here (Debian's package; the test fails if it is missing).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { TokenManager } from 'chat-token-manager';
import { startDemo } from './helpers/demo.mjs';
import { startRedis, startRoundRobinProxy } from './helpers/redis.mjs';

const { Redis } = createRequire(fileURLToPath(new URL('../../www/package.json', import.meta.url)))('ioredis');

let redis;
/** A client of the test's own, to look at what the backend stored. */
let inspect;
before(async () => {
  redis = await startRedis();
  inspect = new Redis(redis.url, { maxRetriesPerRequest: 1 });
});
after(async () => {
  inspect?.disconnect();
  await redis?.close();
});

let pairs = 0;
/**
 * Two backend instances on one Redis (a key prefix of their own per call): A with the emulator,
 * B talking to A's emulator as its CometChat, so both mint from one service.
 * @param {object} [opts] startServer options for both (tokenRateLimit, redis: { commandTimeoutMs }, …)
 * @param {{ memory?: boolean }} [how] memory: no Redis (the control)
 */
async function twoInstances(opts = {}, { memory = false } = {}) {
  const keyPrefix = `t${++pairs}:`;
  const logs = [];
  const log = (msg, fields) => logs.push(`${msg} ${JSON.stringify(fields ?? {})}`);
  const shared = { distDir: null, log, ...(memory ? {} : { redisUrl: redis.url }), ...opts, redis: { keyPrefix, ...opts.redis } };
  const a = await startDemo(shared);
  const b = await startDemo({
    ...shared,
    cometchat: { appId: a.emulator.appId, region: a.emulator.region, apiKey: a.restApiKey, baseUrl: `${a.origin}/emu/api/v3` },
  });
  return {
    a, b, logs, keyPrefix,
    async close() { await b.close(); await a.close(); },
  };
}

/** One request with an explicit cookie; `{ status, headers, text, json, cookie }` (cookie: a new one, if set). */
async function call(origin, method, path, { cookie, body } = {}) {
  const res = await fetch(`${origin}${path}`, {
    method,
    headers: { ...(body ? { 'Content-Type': 'application/json' } : {}), ...(cookie ? { Cookie: cookie } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  const set = res.headers.getSetCookie().map((c) => c.split(';')[0]).find((p) => !p.endsWith('='));
  return { status: res.status, headers: res.headers, text, json, cookie: set };
}
const signIn = async (origin, userId) => {
  const r = await call(origin, 'POST', '/api/session', { body: { userId } });
  assert.equal(r.status, 200, `sign in: ${r.text}`);
  assert.ok(r.cookie, 'a session cookie');
  return r.cookie;
};

/** Which user an auth token belongs to, asked of the emulator the way the SDK asks (PUT /me). */
async function tokenOwner(demo, token) {
  const res = await fetch(`${demo.origin}/emu/client/v3.0/me`, {
    method: 'PUT', headers: { appId: demo.emulator.appId, authToken: token, 'Content-Type': 'application/json' }, body: '{}',
  });
  const body = await res.json();
  return body.data?.uid ?? body.error?.code;
}

/** Every key the backend stored under a prefix, with its value(s). */
async function dump(prefix) {
  const keys = await inspect.keys(`${prefix}*`);
  const out = [];
  for (const k of keys) {
    const type = await inspect.type(k);
    const v = type === 'string' ? await inspect.get(k)
      : type === 'set' ? await inspect.smembers(k)
        : type === 'hash' ? await inspect.hgetall(k)
          : await inspect.zrange(k, 0, -1, 'WITHSCORES');
    out.push(`${k} ${JSON.stringify(v)}`);
  }
  return out.join('\n');
}

test('two instances, one Redis: a session cookie from instance A works on B (session, token for that user), and signing out on B ends it on A', async () => {
  const { a, b, keyPrefix, close } = await twoInstances();
  try {
    assert.equal(a.store, 'redis');
    const cookie = await signIn(a.origin, 'alice');
    const onB = await call(b.origin, 'GET', '/api/session', { cookie });
    assert.equal(onB.status, 200);
    assert.equal(onB.json.user.id, 'alice');
    const t = await call(b.origin, 'POST', '/api/cometchat-token', { cookie, body: { uid: 'bob' } });
    assert.equal(t.status, 200);
    assert.equal(await tokenOwner(a, t.json.token), 'alice');

    // Redis holds a hash of the session id, never the id itself.
    const sid = cookie.split('=')[1];
    const stored = await dump(keyPrefix);
    assert.match(stored, /session:/);
    assert.ok(!stored.includes(sid), 'the session id is not stored');

    assert.equal((await call(b.origin, 'DELETE', '/api/session', { cookie })).status, 204);
    assert.equal((await call(a.origin, 'GET', '/api/session', { cookie })).status, 401);
    assert.equal((await call(a.origin, 'POST', '/api/cometchat-token', { cookie })).status, 401);
  } finally {
    await close();
  }
});

test('two instances, one Redis: a user who signs up on A is signed in on B, a profile change on B shows on A, deleting the account on B ends every session of theirs on A', async () => {
  const { a, b, close } = await twoInstances();
  try {
    const s = await call(a.origin, 'POST', '/api/signup', { body: { userId: 'dave', name: 'Dave Bowman' } });
    assert.equal(s.status, 201);
    const cookie = s.cookie;
    assert.equal((await call(b.origin, 'POST', '/api/signup', { body: { userId: 'dave', name: 'Mallory' } })).status, 409, 'the id is taken on B too');
    assert.equal((await call(b.origin, 'GET', '/api/session', { cookie })).json.user.name, 'Dave Bowman');
    const t = await call(b.origin, 'POST', '/api/cometchat-token', { cookie });
    assert.equal(await tokenOwner(a, t.json.token), 'dave');

    assert.equal((await call(b.origin, 'PATCH', '/api/profile', { cookie, body: { name: 'David Bowman' } })).status, 200);
    const config = await call(a.origin, 'GET', '/api/config');
    assert.deepEqual(config.json.users.map((u) => u.id), ['alice', 'bob', 'carol', 'dave']);
    assert.equal(config.json.users[3].name, 'David Bowman');

    const second = await signIn(a.origin, 'dave');
    assert.equal((await call(b.origin, 'DELETE', '/api/account', { cookie })).status, 204);
    for (const c of [cookie, second]) assert.equal((await call(a.origin, 'GET', '/api/session', { cookie: c })).status, 401);
    assert.equal((await call(a.origin, 'POST', '/api/session', { body: { userId: 'dave' } })).status, 404);
    assert.equal(await tokenOwner(a, t.json.token), 'AUTH_ERR_AUTH_TOKEN_NOT_FOUND');
  } finally {
    await close();
  }
});

test('the control: without a Redis URL each instance keeps its own sessions (B refuses A\'s cookie) and its own limit', async () => {
  const { a, b, close } = await twoInstances({ tokenRateLimit: { limit: 2, windowMs: 60_000 } }, { memory: true });
  try {
    assert.equal(a.store, 'memory');
    const cookie = await signIn(a.origin, 'alice');
    assert.equal((await call(b.origin, 'GET', '/api/session', { cookie })).status, 401);
    const cookieB = await signIn(b.origin, 'alice');
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await call(a.origin, 'POST', '/api/cometchat-token', { cookie })).status);
      statuses.push((await call(b.origin, 'POST', '/api/cometchat-token', { cookie: cookieB })).status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429], 'two per instance: four in total');
  } finally {
    await close();
  }
});

test('two instances behind one round-robin proxy enforce one per-user limit: 5 tokens in total, the 6th and later get 429 + Retry-After, another user is unaffected', async () => {
  const { a, b, close } = await twoInstances({ tokenRateLimit: { limit: 5, windowMs: 60_000 } });
  const proxy = await startRoundRobinProxy([a.origin, b.origin]);
  try {
    await a.control.resetStats();
    const cookie = await signIn(proxy.origin, 'bob');
    const seen = [];
    let last;
    for (let i = 0; i < 8; i++) {
      last = await call(proxy.origin, 'POST', '/api/cometchat-token', { cookie });
      seen.push(`${last.status}@${last.headers.get('x-upstream')}`);
    }
    assert.deepEqual(seen.map((s) => Number(s.split('@')[0])), [200, 200, 200, 200, 200, 429, 429, 429], seen.join(' '));
    assert.ok(seen.includes('200@0') && seen.includes('200@1') && seen.includes('429@0') && seen.includes('429@1'), `both instances minted and refused: ${seen.join(' ')}`);
    const ra = Number(last.headers.get('retry-after'));
    assert.ok(Number.isInteger(ra) && ra >= 1 && ra <= 60, `Retry-After ${ra}`);
    assert.equal(last.json.error, 'rate_limited');
    assert.equal(last.json.token, undefined);
    assert.equal((await a.control.stats()).calls.authTokens, 5, 'refused requests never reach CometChat');

    const carol = await signIn(proxy.origin, 'carol');
    assert.equal((await call(proxy.origin, 'POST', '/api/cometchat-token', { cookie: carol })).status, 200);
  } finally {
    await proxy.close();
    await close();
  }
});

test('concurrent token requests split across both instances: exactly the limit (4 of 16) get a token, the rest 429 (no read-then-write race)', async () => {
  const { a, b, close } = await twoInstances({ tokenRateLimit: { limit: 4, windowMs: 60_000 } });
  try {
    await a.control.resetStats();
    const cookie = await signIn(a.origin, 'alice');
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => call(i % 2 ? b.origin : a.origin, 'POST', '/api/cometchat-token', { cookie })));
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 200).length, 4, statuses.join(' '));
    assert.equal(statuses.filter((s) => s === 429).length, 12, statuses.join(' '));
    assert.equal((await a.control.stats()).calls.authTokens, 4);
  } finally {
    await close();
  }
});

test('Redis stopped mid-run → the token endpoint answers 503 + Retry-After at once, no token, no CometChat call; sessions answer 503 (not 500); the backend recovers when Redis is back', async () => {
  const { a, b, logs, close } = await twoInstances();
  try {
    const cookie = await signIn(a.origin, 'alice');
    const ok = await call(b.origin, 'POST', '/api/cometchat-token', { cookie });
    assert.equal(ok.status, 200);
    await a.control.resetStats();

    await redis.stop();
    for (const inst of [a, b]) {
      const t0 = performance.now();
      const r = await call(inst.origin, 'POST', '/api/cometchat-token', { cookie });
      const ms = performance.now() - t0;
      assert.equal(r.status, 503, r.text);
      assert.equal(r.headers.get('retry-after'), '2');
      assert.equal(r.json.error, 'store_unavailable');
      assert.equal(r.json.token, undefined);
      assert.doesNotMatch(r.text, /authToken|token":|\bat .*\.mjs/);
      assert.ok(ms < 1500, `answered in ${ms.toFixed(0)} ms`);
      console.log(`# token endpoint, Redis stopped: 503 in ${ms.toFixed(1)} ms`);
    }
    assert.equal((await a.control.stats()).calls.authTokens ?? 0, 0, 'no token minted without the rate-limit check');
    for (const [method, body] of [['GET'], ['POST', { userId: 'bob' }], ['DELETE']]) {
      const r = await call(a.origin, method, '/api/session', { cookie, body });
      assert.equal(r.status, 503, `${method} /api/session: ${r.text}`);
      assert.equal(r.headers.get('retry-after'), '2');
      assert.equal(r.json.error, 'store_unavailable');
    }

    await redis.restart();
    // Back within a second or so (the client reconnects at most 1 s apart).
    let again;
    for (let i = 0; i < 40; i++) {
      again = await call(b.origin, 'POST', '/api/session', { body: { userId: 'bob' } });
      if (again.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(again.status, 200, 'signing in works again');
    assert.equal((await call(a.origin, 'POST', '/api/cometchat-token', { cookie: again.cookie })).status, 200);
    // Nothing persisted: the old session went with the old Redis.
    assert.equal((await call(a.origin, 'GET', '/api/session', { cookie })).status, 401);

    const text = logs.join('\n');
    assert.match(text, /redis unavailable/);
    assert.match(text, /session store unavailable/);
    for (const secret of [cookie.split('=')[1], again.cookie.split('=')[1], ok.json.token]) assert.ok(!text.includes(secret), 'no session id or token in a log line');
  } finally {
    await close();
  }
});

test('Redis answering with an error (a WRONGTYPE rate-limit key: a bug, not an outage) → the token endpoint answers 500, not 503 + Retry-After, and no token', async () => {
  const { a, keyPrefix, logs, close } = await twoInstances();
  try {
    const cookie = await signIn(a.origin, 'bob');
    await inspect.set(`${keyPrefix}token-hits:bob`, 'not a sorted set');
    const logged = [];
    const error = console.error;
    console.error = (...args) => logged.push(args.map(String).join(' '));
    let r;
    try {
      r = await call(a.origin, 'POST', '/api/cometchat-token', { cookie });
    } finally {
      console.error = error;
    }
    assert.equal(r.status, 500, r.text);
    assert.equal(r.headers.get('retry-after'), null, 'not a blip to retry');
    assert.ok(!/authToken|token"/.test(r.text), 'no token');
    assert.ok(logged.some((l) => /redis replied with an error: WRONGTYPE/.test(l)), `the bug is logged: ${logged.join(' | ')}`);
    assert.ok(!logged.join(' ').includes('token-hits'), 'the log names no key');
    assert.ok(!logs.some((l) => /unavailable/.test(l)), 'not reported as an outage');
    await inspect.del(`${keyPrefix}token-hits:bob`);
    assert.equal((await call(a.origin, 'POST', '/api/cometchat-token', { cookie })).status, 200, 'fine once the key is right');
  } finally {
    await close();
  }
});

test('Redis frozen (connected but silent) → 503 + Retry-After after the command timeout, not a hang; the SDK retries the 503 and gets its token once Redis answers', async () => {
  const { a, b, close } = await twoInstances({ redis: { commandTimeoutMs: 300 } });
  let resumed = false;
  try {
    const cookie = await signIn(a.origin, 'carol');
    redis.pause();
    const t0 = performance.now();
    const r = await call(b.origin, 'POST', '/api/cometchat-token', { cookie });
    const ms = performance.now() - t0;
    assert.equal(r.status, 503);
    assert.equal(r.headers.get('retry-after'), '2');
    assert.equal(r.json.token, undefined);
    assert.ok(ms >= 250 && ms < 1500, `answered in ${ms.toFixed(0)} ms (command timeout 300 ms)`);
    console.log(`# token endpoint, Redis frozen: 503 in ${ms.toFixed(1)} ms (command timeout 300 ms)`);

    const requests = [];
    const manager = new TokenManager({
      fetchToken: async ({ signal }) => {
        requests.push(performance.now());
        return fetch(`${b.origin}/api/cometchat-token`, { method: 'POST', headers: { Cookie: cookie }, signal });
      },
      retry: { baseDelayMs: 100, maxDelayMs: 5000, maxAttempts: 6 },
    });
    try {
      const got = manager.getToken();
      setTimeout(() => { redis.resume(); resumed = true; }, 1000);
      const token = await got;
      assert.equal(await tokenOwner(a, token), 'carol');
      assert.ok(requests.length >= 2, `${requests.length} requests`);
      assert.ok(requests[1] - requests[0] >= 1900, `the retry waited for Retry-After: ${(requests[1] - requests[0]).toFixed(0)} ms`);
    } finally {
      manager.dispose();
    }
  } finally {
    if (!resumed) redis.resume();
    await close();
  }
});

test('main.mjs with REDIS_URL keeps sessions in that Redis; an unreachable REDIS_URL answers 503 + Retry-After; a malformed one is refused at start-up', async () => {
  const main = fileURLToPath(new URL('../../www/server/main.mjs', import.meta.url));
  /** Starts main.mjs and resolves with its URL and the process. */
  const start = (env) => new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main], { env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; const m = out.match(/demo: (http:\/\/\S+)\//); if (m) resolve({ child, origin: m[1], out: () => out, err: () => err }); });
    child.stderr.on('data', (d) => { err += d; });
    child.once('exit', (code) => reject(new Error(`main.mjs exited ${code}: ${err}`)));
  });
  const stop = (child) => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); });

  const before = new Set(await inspect.keys('ctm:session:*'));
  const up = await start({ REDIS_URL: redis.url });
  try {
    assert.match(up.out(), /sessions and token rate limit: Redis/);
    const cookie = await signIn(up.origin, 'alice');
    const added = (await inspect.keys('ctm:session:*')).filter((k) => !before.has(k));
    assert.equal(added.length, 1, 'one session key in Redis');
    assert.equal(await inspect.get(added[0]), 'alice');
    assert.ok((await inspect.pttl(added[0])) > 0, 'the session expires');
    assert.equal((await call(up.origin, 'POST', '/api/cometchat-token', { cookie })).status, 200);
    assert.ok(!up.err().includes(cookie.split('=')[1]));
  } finally {
    await stop(up.child);
  }

  const { createServer } = await import('node:net');
  const probe = createServer();
  await new Promise((r) => probe.listen(0, '127.0.0.1', r));
  const closedPort = probe.address().port;
  await new Promise((r) => probe.close(r));
  const down = await start({ REDIS_URL: `redis://127.0.0.1:${closedPort}` });
  try {
    const r = await call(down.origin, 'POST', '/api/session', { body: { userId: 'alice' } });
    assert.equal(r.status, 503);
    assert.equal(r.headers.get('retry-after'), '2');
    assert.equal(r.cookie, undefined, 'no session cookie');
    assert.match(down.err(), /redis unavailable/);
    assert.ok(!down.err().includes(String(closedPort)), 'the Redis URL is not logged');
  } finally {
    await stop(down.child);
  }

  await assert.rejects(start({ REDIS_URL: 'localhost:6379' }), /REDIS_URL: expected a redis:\/\/ or rediss:\/\/ URL/);
});

test('the backend\'s security tests (backend.test.mjs) pass with every backend on Redis', async () => {
  const file = fileURLToPath(new URL('./backend.test.mjs', import.meta.url));
  // Run directly (not under this runner: no NODE_TEST_CONTEXT), so its pid names its keys.
  const { NODE_TEST_CONTEXT, ...env } = process.env;
  const child = spawn(process.execPath, ['--test-reporter=tap', file], {
    env: { ...env, BACKEND_TEST_REDIS_URL: redis.url }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const code = await new Promise((r) => child.once('exit', r));
  const count = (name) => Number(out.match(new RegExp(`^# ${name} (\\d+)$`, 'm'))?.[1]);
  assert.equal(code, 0, out.split('\n').filter((l) => /^not ok|error:|Error/.test(l)).join('\n'));
  assert.equal(count('fail'), 0);
  assert.ok(count('pass') >= 20, `${count('pass')} passed`);
  assert.equal(count('skipped'), 0);
  assert.ok((await inspect.keys(`backend-${child.pid}-*`)).length > 0, 'the backends stored their sessions in this Redis');
});
