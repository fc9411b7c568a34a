// The demo's app backend (seed 000 §3, §5, §7, §8; seed 001 §9):
// - session cookie login for a few demo users (HttpOnly, SameSite=Lax);
// - POST /api/cometchat-token: the UID comes from the session, never the body; 401 without a
//   session; per-user rate limit → 429 + Retry-After; CometChat REST `POST /v3/users/{uid}/auth_tokens`
//   with `appId`/`apiKey` headers and retry with backoff + full jitter + Retry-After;
// - CORS only for the page's own origin; state-changing requests from another origin → 403;
// - user hooks: signup creates, profile updates, account deletion deletes the CometChat user;
// - the REST key lives only in this process (never in a response, a log line or an error);
// - the user table, sessions and the rate limit live in a store (www/server/store.mjs: this
//   process's memory, or Redis shared by several instances); a store that can't be reached →
//   503 + Retry-After, and no token is minted without its rate-limit check.
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { Hono } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import { memoryStore, StoreUnavailableError } from './store.mjs';

export const DEMO_USERS = [
  { id: 'alice', name: 'Alice Liddell' },
  { id: 'bob', name: 'Bob Builder' },
  { id: 'carol', name: 'Carol Danvers' },
];

const SESSION_COOKIE = 'demo_session';
const UID_RE = /^[A-Za-z0-9_-]{1,100}$/;
/** Seconds a client should wait before trying again when the store is unreachable. */
export const STORE_RETRY_AFTER_S = 2;

/** Error body: `{ error: <code>, field?, message }`. Never echoes a token or a key. */
const fail = (c, status, error, message, extra = {}, headers = {}) => c.json({ error, message, ...extra }, status, headers);

/**
 * The seed's retry: up to `maxAttempts`, retry 429 and 5xx except 501/505 and network errors;
 * Retry-After (seconds) wins over exponential backoff, both capped at `maxDelayMs`, plus up to
 * 30 % jitter. Returns the last response (or throws the last network error).
 */
export async function fetchWithRetry(fetchImpl, url, init, { maxAttempts = 3, baseDelayMs = 500, maxDelayMs = 4000, log = () => {} } = {}) {
  let lastError;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    try {
      const res = await fetchImpl(url, init);
      if (res.status === 429 || (res.status >= 500 && res.status !== 501 && res.status !== 505)) {
        if (attempt === maxAttempts) return res;
        const ra = Number.parseInt(res.headers.get('Retry-After') ?? '', 10);
        const delay = Number.isFinite(ra) && ra >= 0 ? Math.min(ra * 1000, maxDelayMs) : Math.min(baseDelayMs * 2 ** (attempt - 1), maxDelayMs);
        log('cometchat retry', { path: redact(url), status: res.status, attempt, retryAfter: res.headers.get('Retry-After') });
        await res.body?.cancel();
        await sleep(delay + Math.random() * delay * 0.3);
        continue;
      }
      return res;
    } catch (e) {
      lastError = e;
      if (attempt === maxAttempts) throw e;
      log('cometchat network error', { path: redact(url), attempt });
      await sleep(Math.min(baseDelayMs * 2 ** (attempt - 1), maxDelayMs));
    }
  }
  throw lastError;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** A URL for logs: no user id. */
const redact = (url) => new URL(url).pathname.replace(/\/users\/[^/]+/, '/users/<uid>');

/**
 * Creates the backend.
 * @param {object} o
 * @param {{ baseUrl: string, appId: string, apiKey: string, region: string }} o.cometchat REST admin
 *   base (`https://{appId}.api-{region}.cometchat.io/v3`, or the emulator's) and credentials.
 * @param {(req: Request) => object} o.clientConfig what GET /api/config tells the page (given the request).
 * @param {(origin: string|undefined, req: Request) => boolean} [o.isAllowedOrigin] default: the origin the request came to.
 * @param {{ limit: number, windowMs: number }} [o.tokenRateLimit] per user; default 30 per minute.
 * @param {{ maxAttempts?: number, baseDelayMs?: number, maxDelayMs?: number }} [o.retry]
 * @param {number} [o.realTokenTtlS] expiry reported for tokens of real CometChat (they carry none); default 24 h.
 * @param {string} [o.distDir] the built page (served at /).
 * @param {(uid: string) => Promise<number>} [o.revokeTokens] the demo's "simulate a 401" (emulator only).
 * @param {import('./store.mjs').Store} [o.store] users, sessions, rate limit; default memoryStore().
 * @param {typeof fetch} [o.fetch]
 * @param {(msg: string, fields?: object) => void} [o.log]
 */
export function createApp(o) {
  const cc = o.cometchat;
  const fetchImpl = o.fetch ?? fetch;
  const log = o.log ?? (() => {});
  const rate = o.tokenRateLimit ?? { limit: 30, windowMs: 60_000 };
  if (!(rate.limit >= 1 && rate.windowMs > 0)) throw new TypeError('tokenRateLimit: expected { limit ≥ 1, windowMs > 0 }');
  const retry = { ...o.retry, log };
  const realTtlS = o.realTokenTtlS ?? 24 * 3600;
  const store = o.store ?? memoryStore();
  // The app's own user table ({ id, name, avatar? }) is in the store, with the demo users in it.
  // Added on first use, so a store that is down at start-up delays them instead of failing.
  let seeded;
  const seed = () => (seeded ??= store.ensureUsers(DEMO_USERS).catch((e) => { seeded = undefined; throw e; }));
  store.onReconnect(() => { seeded = undefined; }); // a Redis that restarted empty gets them again
  const getUser = async (uid) => { await seed(); return store.getUser(uid); };
  const listUsers = async () => { await seed(); return store.listUsers(); };

  const ccFetch = (method, path, body) => fetchWithRetry(fetchImpl, `${cc.baseUrl}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', appId: cc.appId, apiKey: cc.apiKey },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  }, retry);

  /**
   * Creates the CometChat user. An existing one (409) is fine only when seeding the demo users:
   * a signup must not take over a chat user that exists already.
   */
  async function createChatUser(uid, name, avatar, { existingOk = false } = {}) {
    const res = await ccFetch('POST', '/users', { uid, name, ...(avatar ? { avatar } : {}) });
    if (res.ok || (existingOk && res.status === 409)) return { ok: true };
    log('cometchat createUser failed', { status: res.status });
    return { ok: false, status: res.status };
  }

  const app = new Hono();

  // The store is down or unreachable: 503 + Retry-After (the SDK retries it), never a 500.
  app.onError((err, c) => {
    if (!(err instanceof StoreUnavailableError)) {
      // Hono's own default for everything else.
      if ('getResponse' in err) { const res = err.getResponse(); return c.newResponse(res.body, res); }
      console.error(err);
      return c.text('Internal Server Error', 500);
    }
    log('session store unavailable', { path: c.req.path, reason: err.reason });
    return fail(c, 503, 'store_unavailable', 'Sessions are unavailable for a moment; try again.', { retryAfter: STORE_RETRY_AFTER_S }, { 'Retry-After': String(STORE_RETRY_AFTER_S) });
  });

  const ownOrigin = (c) => new URL(c.req.url).origin;
  const allowed = (c, origin) => (o.isAllowedOrigin ? o.isAllowedOrigin(origin, c.req.raw) : origin === ownOrigin(c));

  // CORS for the API: only the page's own origin gets Access-Control-Allow-Origin; a request
  // that changes something from another origin is refused.
  app.use('/api/*', async (c, next) => {
    const origin = c.req.header('Origin');
    const ok = origin !== undefined && allowed(c, origin);
    if (ok) {
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Access-Control-Allow-Credentials', 'true');
      c.header('Vary', 'Origin');
    }
    if (c.req.method === 'OPTIONS') {
      if (!ok) return c.body(null, 403);
      c.header('Access-Control-Allow-Methods', 'GET,POST,PATCH,DELETE');
      c.header('Access-Control-Allow-Headers', 'Content-Type');
      c.header('Access-Control-Max-Age', '600');
      return c.body(null, 204);
    }
    if (origin !== undefined && !ok && c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      return fail(c, 403, 'forbidden_origin', 'Requests from this origin are not allowed.');
    }
    c.header('Cache-Control', 'no-store');
    await next();
  });

  /** The signed-in user ({ id, name, avatar? }) or undefined. */
  const sessionUser = async (c) => {
    const sid = getCookie(c, SESSION_COOKIE);
    const uid = sid ? await store.getSession(sid) : undefined;
    return uid ? getUser(uid) : undefined;
  };
  const startSession = async (c, uid) => {
    const sid = randomBytes(24).toString('base64url');
    await store.setSession(sid, uid);
    // Secure on https, also behind a TLS-terminating proxy that says so (X-Forwarded-Proto).
    const https = new URL(c.req.url).protocol === 'https:' || (c.req.header('X-Forwarded-Proto') ?? '').split(',')[0].trim() === 'https';
    setCookie(c, SESSION_COOKIE, sid, { httpOnly: true, sameSite: 'Lax', path: '/', secure: https });
  };
  const endSession = async (c) => {
    const sid = getCookie(c, SESSION_COOKIE);
    if (sid) await store.deleteSession(sid);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
  };
  const readJson = async (c) => {
    try { const b = await c.req.json(); return b && typeof b === 'object' && !Array.isArray(b) ? b : null; } catch { return null; }
  };
  const userView = (u) => ({ id: u.id, name: u.name, ...(u.avatar ? { avatar: u.avatar } : {}) });

  app.get('/api/config', async (c) => c.json(o.clientConfig(c.req.raw, (await listUsers()).map(userView))));

  app.post('/api/session', async (c) => {
    const b = await readJson(c);
    if (!b || typeof b.userId !== 'string') return fail(c, 400, 'invalid_request', 'userId: expected a string.', { field: 'userId' });
    const u = await getUser(b.userId);
    if (!u) return fail(c, 404, 'unknown_user', 'userId: no such user.', { field: 'userId' });
    await endSession(c);
    await startSession(c, u.id);
    return c.json({ user: userView(u) });
  });
  app.get('/api/session', async (c) => {
    const u = await sessionUser(c);
    return u ? c.json({ user: userView(u) }) : fail(c, 401, 'no_session', 'Not signed in.');
  });
  app.delete('/api/session', async (c) => { await endSession(c); return c.body(null, 204); });

  app.post('/api/cometchat-token', async (c) => {
    const uid = (await sessionUser(c))?.id; // never from the body
    if (!uid) return fail(c, 401, 'no_session', 'Not signed in.');
    // Counted before the upstream call; a store failure throws (→ 503) and nothing is minted.
    const hit = await store.hitTokenLimit(uid, rate.limit, rate.windowMs);
    if (!hit.allowed) {
      const retryAfter = Math.max(1, Math.ceil(hit.retryAfterMs / 1000));
      return fail(c, 429, 'rate_limited', 'Too many token requests.', { retryAfter }, { 'Retry-After': String(retryAfter) });
    }
    let res;
    try {
      res = await ccFetch('POST', `/users/${encodeURIComponent(uid)}/auth_tokens`, {});
    } catch {
      return fail(c, 502, 'upstream_unreachable', 'The chat service could not be reached.');
    }
    if (!res.ok) {
      log('cometchat auth_tokens failed', { status: res.status });
      await res.body?.cancel();
      if (res.status === 429) {
        const ra = res.headers.get('Retry-After');
        return fail(c, 429, 'upstream_rate_limited', 'The chat service is rate limiting.', {}, ra ? { 'Retry-After': ra } : {});
      }
      if (res.status === 404) return fail(c, 409, 'chat_user_missing', 'The chat user does not exist.');
      return fail(c, 502, 'upstream_failed', 'The chat service failed to issue a token.', { upstreamStatus: res.status });
    }
    const data = (await res.json().catch(() => null))?.data;
    if (!data || typeof data.authToken !== 'string') return fail(c, 502, 'upstream_invalid', 'The chat service answered without a token.');
    const issued = Date.now();
    // The emulator reports expiresAt (epoch s); real CometChat tokens carry none.
    const expiresIn = Number.isFinite(data.expiresAt) && Number.isFinite(data.createdAt) ? Math.max(1, data.expiresAt - data.createdAt) : realTtlS;
    return c.json({ token: data.authToken, expiresIn, expiresAt: issued + expiresIn * 1000 });
  });

  // User hooks (seed 000 §5). Authenticated by the session: a user manages only themselves.
  app.post('/api/signup', async (c) => {
    const b = await readJson(c);
    if (!b || typeof b.userId !== 'string' || !UID_RE.test(b.userId)) return fail(c, 400, 'invalid_request', 'userId: expected 1-100 letters, digits, _ or -.', { field: 'userId' });
    if (typeof b.name !== 'string' || !b.name.trim() || b.name.length > 100) return fail(c, 400, 'invalid_request', 'name: expected a non-empty string (at most 100 characters).', { field: 'name' });
    if (await getUser(b.userId)) return fail(c, 409, 'user_exists', 'userId: already taken.', { field: 'userId' });
    const r = await createChatUser(b.userId, b.name.trim()).catch(() => ({ ok: false }));
    if (r.status === 409) return fail(c, 409, 'user_exists', 'userId: already taken.', { field: 'userId' });
    if (!r.ok) return fail(c, 502, 'upstream_failed', 'Could not create the chat user.');
    const u = { id: b.userId, name: b.name.trim() };
    // Another instance may have taken the id meanwhile (its chat user then exists: 409 above).
    if (!(await store.createUser(u))) return fail(c, 409, 'user_exists', 'userId: already taken.', { field: 'userId' });
    await endSession(c);
    await startSession(c, u.id);
    return c.json({ user: userView(u) }, 201);
  });
  app.patch('/api/profile', async (c) => {
    const uid = (await sessionUser(c))?.id;
    if (!uid) return fail(c, 401, 'no_session', 'Not signed in.');
    const b = await readJson(c);
    if (!b) return fail(c, 400, 'invalid_request', 'body: expected a JSON object.', { field: 'body' });
    if (b.name !== undefined && (typeof b.name !== 'string' || !b.name.trim() || b.name.length > 100)) return fail(c, 400, 'invalid_request', 'name: expected a non-empty string (at most 100 characters).', { field: 'name' });
    if (b.avatar !== undefined && (typeof b.avatar !== 'string' || !/^https?:\/\//.test(b.avatar))) return fail(c, 400, 'invalid_request', 'avatar: expected an http(s) URL.', { field: 'avatar' });
    const updates = {};
    if (b.name !== undefined) updates.name = b.name.trim();
    if (b.avatar !== undefined) updates.avatar = b.avatar;
    const res = await ccFetch('PUT', `/users/${encodeURIComponent(uid)}`, updates).catch(() => null);
    if (!res || !res.ok) { await res?.body?.cancel(); return fail(c, 502, 'upstream_failed', 'Could not update the chat user.'); }
    await res.body?.cancel();
    const u = await store.updateUser(uid, updates);
    return u ? c.json({ user: userView(u) }) : fail(c, 401, 'no_session', 'Not signed in.');
  });
  app.delete('/api/account', async (c) => {
    const uid = (await sessionUser(c))?.id;
    if (!uid) return fail(c, 401, 'no_session', 'Not signed in.');
    const res = await ccFetch('DELETE', `/users/${encodeURIComponent(uid)}`, { permanent: true }).catch(() => null);
    if (!res || (!res.ok && res.status !== 404)) { await res?.body?.cancel(); return fail(c, 502, 'upstream_failed', 'Could not delete the chat user.'); }
    await res.body?.cancel();
    await store.deleteUser(uid);
    await store.deleteUserSessions(uid);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.body(null, 204);
  });

  // Demo only: revoke the signed-in user's chat tokens so the next chat call answers 401.
  app.post('/api/demo/revoke-chat-tokens', async (c) => {
    const uid = (await sessionUser(c))?.id;
    if (!uid) return fail(c, 401, 'no_session', 'Not signed in.');
    if (!o.revokeTokens) return fail(c, 404, 'not_available', 'Only with the emulator.');
    return c.json({ revoked: await o.revokeTokens(uid) });
  });

  app.all('/api/*', (c) => fail(c, 404, 'not_found', 'No such API route.'));

  // The built page.
  if (o.distDir) app.get('*', (c) => serveDist(c, o.distDir));

  /** Ensures the chat users for the demo users exist (startup). */
  app.seedChatUsers = async () => {
    for (const u of DEMO_USERS) await createChatUser(u.id, u.name, undefined, { existingOk: true });
  };
  return app;
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.wasm': 'application/wasm', '.ico': 'image/x-icon', '.map': 'application/json' };

async function serveDist(c, dir) {
  let rel;
  try {
    rel = decodeURIComponent(new URL(c.req.url).pathname);
  } catch {
    return c.text('Bad request: malformed percent-encoding in the path', 400);
  }
  let file = normalize(join(dir, rel));
  if (!file.startsWith(normalize(dir + sep)) && file !== normalize(dir)) return c.text('Not found', 404);
  let s = await stat(file).catch(() => null);
  if (!s || s.isDirectory() || !extname(file)) {
    file = join(dir, 'index.html');
    s = await stat(file).catch(() => null);
    if (!s) return c.html('<!doctype html><title>chat-token-manager demo</title><p>The page is not built yet: run <code>npm run build --prefix www</code>.</p>', 200);
  }
  const body = await readFile(file);
  const type = TYPES[extname(file)] ?? 'application/octet-stream';
  const cache = file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache';
  return c.body(body, 200, { 'Content-Type': type, 'Cache-Control': cache });
}
