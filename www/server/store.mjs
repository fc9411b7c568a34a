// Where the app backend keeps its user table, sessions and the per-user token rate limit:
// - memoryStore(): in this process (one backend instance; the default);
// - redisStore(url): in Redis, so several instances behind one port or proxy share one session
//   user table and session table and enforce one limit per user.
// Both have the same async interface. A Redis that is down, unreachable or not answering makes
// every call reject with a StoreUnavailableError within `commandTimeoutMs` (no queueing while
// disconnected, no resend after a reconnect); the app answers 503 + Retry-After for it.
import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The session/rate-limit store could not be reached. Its message never holds a key or a session id. */
export class StoreUnavailableError extends Error {
  constructor(reason) {
    super(`session store unavailable (${reason})`);
    this.name = 'StoreUnavailableError';
    this.reason = reason;
  }
}

/**
 * @typedef {{ id: string, name: string, avatar?: string }} User
 * @typedef {object} Store
 * @property {string} kind 'memory' or 'redis'
 * @property {() => Promise<void>} open resolves once the first connection attempt is over, made or
 *   failed (a store that is down doesn't hold up start-up; commands before it would fail)
 * @property {(users: User[]) => Promise<void>} ensureUsers creates those that don't exist (the demo
 *   users), once per store: not again after they were deleted, unless the store lost its data
 * @property {(fn: () => void) => void} onReconnect calls `fn` after each reconnection (Redis only),
 *   when the store may have lost its data
 * @property {() => Promise<User[]>} listUsers in the order they were created
 * @property {(uid: string) => Promise<User|undefined>} getUser
 * @property {(user: User) => Promise<boolean>} createUser false if that id exists
 * @property {(uid: string, updates: { name?: string, avatar?: string }) => Promise<User|undefined>} updateUser
 *   undefined if there is no such user
 * @property {(uid: string) => Promise<void>} deleteUser
 * @property {(sid: string) => Promise<string|undefined>} getSession the session's uid
 * @property {(sid: string, uid: string) => Promise<void>} setSession
 * @property {(sid: string) => Promise<void>} deleteSession
 * @property {(uid: string) => Promise<void>} deleteUserSessions every session of that user
 * @property {(uid: string, limit: number, windowMs: number) => Promise<{ allowed: boolean, retryAfterMs: number }>} hitTokenLimit
 *   counts one token request of `uid` in a sliding window of `windowMs` unless `limit` are
 *   already in it (a refused request is not counted); `retryAfterMs` says when the oldest leaves.
 * @property {() => Promise<void>} close
 */

/** @returns {Store} users, sessions and rate-limit windows in this process. */
export function memoryStore() {
  /** id → user */
  const users = new Map();
  /** session id → uid */
  const sessions = new Map();
  /** uid → request times within the window */
  const hits = new Map();
  return {
    kind: 'memory',
    async open() {},
    async ensureUsers(list) { for (const u of list) if (!users.has(u.id)) users.set(u.id, { ...u }); },
    onReconnect() {},
    async listUsers() { return [...users.values()].map((u) => ({ ...u })); },
    async getUser(uid) { const u = users.get(uid); return u && { ...u }; },
    async createUser(u) { if (users.has(u.id)) return false; users.set(u.id, { ...u }); return true; },
    async updateUser(uid, updates) { const u = users.get(uid); if (!u) return undefined; Object.assign(u, updates); return { ...u }; },
    async deleteUser(uid) { users.delete(uid); },
    async getSession(sid) { return sessions.get(sid); },
    async setSession(sid, uid) { sessions.set(sid, uid); },
    async deleteSession(sid) { sessions.delete(sid); },
    async deleteUserSessions(uid) { for (const [sid, u] of sessions) if (u === uid) sessions.delete(sid); },
    async hitTokenLimit(uid, limit, windowMs) {
      const t = Date.now();
      const recent = (hits.get(uid) ?? []).filter((x) => t - x < windowMs);
      hits.set(uid, recent);
      if (recent.length >= limit) return { allowed: false, retryAfterMs: recent[0] + windowMs - t };
      recent.push(t);
      return { allowed: true, retryAfterMs: 0 };
    },
    async close() {},
  };
}

// A sliding window log per user, checked and added to in one step on Redis's own clock (so
// instances with skewed clocks agree). KEYS[1]: the user's sorted set of request times (ms);
// ARGV: limit, window (ms), a unique member. Returns { allowed (1/0), retry-after ms }.
const TOKEN_LIMIT_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tonumber(oldest[2]) + window - now}
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return {1, 0}
`;

// KEYS[1]: the user's set of session keys. Deletes them and the set, in one step (a session
// started meanwhile can't slip between reading the set and deleting it).
const DELETE_USER_SESSIONS_LUA = `
local keys = redis.call('SMEMBERS', KEYS[1])
for _, k in ipairs(keys) do redis.call('DEL', k) end
redis.call('DEL', KEYS[1])
return #keys
`;

// KEYS: the users sorted set, the user's hash, the creation counter; ARGV: uid, then the user's
// fields and values. Creates the user unless the id exists; 1 if created.
const CREATE_USER_LUA = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('HSET', KEYS[2], unpack(ARGV, 2))
redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[3]), ARGV[1])
return 1
`;

// KEYS[1]: the user's hash; ARGV: fields and values. Sets them if the user exists; 1 if so.
const UPDATE_USER_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
`;

/**
 * Users, sessions and rate-limit windows in Redis. Keys: `<prefix>users` (sorted set of user ids
 * in creation order), `<prefix>user:<uid>` (hash: id, name, avatar), `<prefix>session:<sha256(sid)>`
 * → uid (the session id itself is never stored or logged), `<prefix>user-sessions:<uid>` (set of
 * that user's session keys), `<prefix>token-hits:<uid>` (sorted set of request times).
 * @param {string} url `redis://[[user]:password@]host[:port][/db]` (or `rediss://`)
 * @param {object} [o]
 * @param {string} [o.keyPrefix] default 'ctm:'
 * @param {number} [o.sessionTtlMs] a session lasts this long after sign-in; default 7 days
 * @param {number} [o.commandTimeoutMs] a command that gets no answer fails after this; default 1000
 * @param {number} [o.connectTimeoutMs] default 1000
 * @param {(msg: string, fields?: object) => void} [o.log] state changes only (never the URL, a key or an id)
 * @returns {Store}
 */
export function redisStore(url, o = {}) {
  const prefix = o.keyPrefix ?? 'ctm:';
  const sessionTtlMs = o.sessionTtlMs ?? 7 * 24 * 3600 * 1000;
  const log = o.log ?? (() => {});
  const redis = new Redis(url, {
    // Fail fast instead of waiting for Redis: no queue while disconnected, pending commands
    // rejected at the first disconnect (a retry of 0), not resent after a reconnect (a
    // request may have been counted already), and a command with no answer rejected after
    // commandTimeoutMs.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: o.commandTimeoutMs ?? 1000,
    connectTimeout: o.connectTimeoutMs ?? 1000,
    // Keep reconnecting in the background (100 ms, 200 ms, … at most 1 s apart).
    retryStrategy: (times) => Math.min(times * 100, 1000),
    scripts: {
      ctmTokenLimit: { numberOfKeys: 1, lua: TOKEN_LIMIT_LUA },
      ctmDeleteUserSessions: { numberOfKeys: 1, lua: DELETE_USER_SESSIONS_LUA },
      ctmCreateUser: { numberOfKeys: 3, lua: CREATE_USER_LUA },
      ctmUpdateUser: { numberOfKeys: 1, lua: UPDATE_USER_LUA },
    },
  });
  // One line per change between reachable and not, not one per reconnect attempt.
  let up;
  let connections = 0;
  const reconnected = new Set();
  redis.on('ready', () => {
    if (up !== true) log('redis ready');
    up = true;
    if (connections++ > 0) for (const fn of reconnected) fn();
  });
  const opened = new Promise((resolve) => { for (const e of ['ready', 'error', 'close']) redis.once(e, () => resolve()); });
  const down = (reason) => { if (up !== false) log('redis unavailable', { reason }); up = false; };
  redis.on('error', (e) => down(reasonOf(e)));
  redis.on('close', () => down('connection closed'));

  const sessionKey = (sid) => `${prefix}session:${createHash('sha256').update(sid).digest('base64url')}`;
  const userSessionsKey = (uid) => `${prefix}user-sessions:${uid}`;
  const usersKey = `${prefix}users`;
  const userKey = (uid) => `${prefix}user:${uid}`;
  const fieldsOf = (u) => Object.entries(u).filter(([, v]) => typeof v === 'string').flat();
  const userOf = (h) => (h && h.id ? { id: h.id, name: h.name, ...(h.avatar ? { avatar: h.avatar } : {}) } : undefined);
  // Redis answering with an error (a script error, WRONGTYPE, OOM…) is a bug or a misconfigured
  // server, not an outage: it stays itself (a 500), so it is not retried forever as a blip.
  const answered = (e) => e?.name === 'ReplyError';
  // Its first line only: ioredis attaches the command and its arguments (keys, user ids).
  const replyError = (e) => new Error(`redis replied with an error: ${String(e.message).split('\n')[0]}`);
  /** Fails the whole call if any command of a MULTI or pipeline failed. */
  const all = (res) => {
    const failed = res?.find(([err]) => err);
    if (failed && answered(failed[0])) throw replyError(failed[0]);
    if (!res || failed) throw new StoreUnavailableError(failed ? reasonOf(failed[0]) : 'transaction aborted');
    return res.map(([, v]) => v);
  };
  /** Runs a command; a failure to reach Redis (closed, offline, timed out) becomes a StoreUnavailableError. */
  const call = async (fn) => {
    try {
      return await fn();
    } catch (e) {
      if (answered(e)) throw replyError(e);
      if (e instanceof StoreUnavailableError) throw e;
      throw new StoreUnavailableError(reasonOf(e));
    }
  };

  return {
    kind: 'redis',
    open: () => opened,
    async ensureUsers(list) {
      // Marked once done, so a user deleted later isn't created again (unless Redis lost it all).
      const done = `${prefix}users-seeded`;
      if (await call(() => redis.exists(done))) return;
      for (const u of list) await call(() => redis.ctmCreateUser(usersKey, userKey(u.id), `${prefix}user-seq`, u.id, ...fieldsOf(u)));
      await call(() => redis.set(done, '1'));
    },
    onReconnect(fn) { reconnected.add(fn); },
    async listUsers() {
      const ids = await call(() => redis.zrange(usersKey, 0, -1));
      if (!ids.length) return [];
      const hashes = all(await call(() => ids.reduce((p, id) => p.hgetall(userKey(id)), redis.pipeline()).exec()));
      return hashes.map(userOf).filter(Boolean);
    },
    async getUser(uid) {
      return userOf(await call(() => redis.hgetall(userKey(uid))));
    },
    async createUser(u) {
      return (await call(() => redis.ctmCreateUser(usersKey, userKey(u.id), `${prefix}user-seq`, u.id, ...fieldsOf(u)))) === 1;
    },
    async updateUser(uid, updates) {
      const fields = fieldsOf(updates);
      if (fields.length && (await call(() => redis.ctmUpdateUser(userKey(uid), ...fields))) !== 1) return undefined;
      return this.getUser(uid);
    },
    async deleteUser(uid) {
      all(await call(() => redis.multi().zrem(usersKey, uid).del(userKey(uid)).exec()));
    },
    async getSession(sid) {
      return (await call(() => redis.get(sessionKey(sid)))) ?? undefined;
    },
    async setSession(sid, uid) {
      const key = sessionKey(sid);
      all(await call(() => redis.multi()
        .set(key, uid, 'PX', sessionTtlMs)
        .sadd(userSessionsKey(uid), key)
        .pexpire(userSessionsKey(uid), sessionTtlMs)
        .exec()));
    },
    async deleteSession(sid) {
      await call(() => redis.del(sessionKey(sid)));
    },
    async deleteUserSessions(uid) {
      await call(() => redis.ctmDeleteUserSessions(userSessionsKey(uid)));
    },
    async hitTokenLimit(uid, limit, windowMs) {
      const member = randomBytes(9).toString('base64url');
      const [allowed, retryAfterMs] = await call(() => redis.ctmTokenLimit(`${prefix}token-hits:${uid}`, limit, windowMs, member));
      return { allowed: allowed === 1, retryAfterMs: Number(retryAfterMs) };
    },
    async close() {
      redis.disconnect();
    },
  };
}

/** A short reason for logs and errors: an error code or ioredis's fixed message, never arguments. */
function reasonOf(e) {
  if (e?.code && typeof e.code === 'string') return e.code;
  const m = String(e?.message ?? e);
  if (/timed out/i.test(m)) return 'timeout';
  if (/enableOfflineQueue|Connection is closed|MaxRetriesPerRequest|max retries/i.test(m)) return 'disconnected';
  return e?.name ?? 'error';
}
