// An embedded CometChat emulator: the subset of CometChat's REST admin API the app backend uses,
// and the client API + WebSocket the REAL `@cometchat/chat-sdk-javascript` (4.2.0) uses when it
// logs in with an auth token and when the REAL `@cometchat/chat-uikit-react` (7.2.1) runs its
// conversation list, message header, message list and composer on it (one-to-one text chat; no
// groups, media, reactions, threads or calls). Not a fake of our own code: it stands in for the
// network service at the boundary.
//
// Verified 2026-12-07 with UI Kit 7.2.1 on SDK 4.2.0 in headless Chromium (the demo page, two
// users; every client request logged, none left to the catch-all; tests/www/emulator.test.mjs
// and e2e.test.mjs), and by reading the SDK's CometChat.js and the kit's dist/:
// - `CometChatUIKit.init(UIKitSettings)` → `CometChat.init` (settings below) and, with a user
//   kept in localStorage, its post-login steps. `loginWithAuthToken(token)` → `CometChat.login`
//   (`PUT /me`), then `getConversationUpdateSettings()` and the pin/save feature flags (read
//   from the cached settings: no request). `logout()` → `DELETE /me`.
// - Conversation list: `GET /conversations?per_page=30&page=N` → `{ data: [conversation],
//   meta: { pagination: { total, count, per_page, current_page, total_pages } } }`, a
//   conversation being `{ conversationId, conversationType: "user", conversationWith: user,
//   lastMessage: message, unreadMessageCount, unreadMentionsCount, latestMessageId, updatedAt,
//   tags }` (the SDK's ConversationController.trasformJSONConversation reads these).
// - Message header: `GET /users/{uid}` (the page also calls it for presence).
// - Message list: `GET /users/{uid}/conversation` (a conversation, or an error when the two
//   never wrote: the emulator answers 404 `ERR_CONVERSATION_NOT_ACCESSIBLE`; the kit then shows
//   an empty list), then `GET /users/{uid}/messages?per_page=30&hideReplies=true&hideDeleted=1&
//   affix=prepend&categories=…&types=…&withThreadSubscribed=true` (older pages add `id`; after a
//   socket reconnect `affix=append&id=<last>` fetches what was missed) → `{ data: [message] }`,
//   oldest first; then `POST /users/{uid}/conversation/read`. A message is `{ id, muid?,
//   conversationId ("a_user_b", uids sorted), sender, receiver, receiverType: "user", category:
//   "message", type: "text", data: { text, metadata?, entities: { sender: { entity: user,
//   entityType: "user" }, receiver: { … } } }, sentAt, updatedAt, deliveredAt?, readAt? }`
//   (TextMessage.getSender()/getReceiver() read data.entities).
// - Composer: `POST /messages` `{ receiver, receiverType, category, type, data: { text }, muid,
//   sentAt, sender, … }` → `{ data: message }`; typing goes over the socket.
// - `GET /users?per_page=…&page=…` (UsersRequest; the composer's mentions) → users and pagination.
// - Socket frames the SDK sends besides auth and ping: `typing_indicator` and `receipts`
//   (`{ appId, type, receiver, receiverType, sender, deviceId, body }`; receipts' body carries
//   the action "delivered"/"read" and the messageId). The emulator relays them to the receiver's
//   sockets. It pushes `{ appId, type: "message", receiver, receiverType, sender, deviceId, body:
//   message }` for each new message to the receiver's sockets and the sender's other sessions
//   (the SDK drops a frame whose deviceId is its own session), and `{ type: "presence", sender,
//   body: { action: "online"|"offline", user, timestamp } }` when a user's first socket opens or
//   last one closes (the SDK's UserListener).
// - `POST /user_sessions` after each login (device details) → `{ data: {} }`. The SDK sends it
//   a few seconds later without handling a failure: after a logout it rejects unhandled with
//   `USER_NOT_LOGED_IN` (the page logs and ignores that).
// - Sound: the kit's message list plays https://assets.cc-cluster-2.io/…/incomingmessage.wav for
//   each incoming message unless `disableSoundForMessages` is set on the list itself; the
//   conversation list has its own prop (and CometChatProvider's config). Fonts (Roboto, from the
//   system or the fallback), avatars (initials without an `avatar` URL), stickers and the
//   extensions (none in the settings) fetch nothing.
// Every chat endpoint checks the `authToken` header first: an expired, revoked or unknown token
// answers `AUTH_ERR_AUTH_TOKEN_NOT_FOUND` on each of them, and a socket whose token has lapsed
// is closed when it next sends a typing or receipt frame.
//
// What the real SDK 4.2.0 does (read from its bundled CometChat.js):
// - Hosts. Client calls go to `https://{appId}.apiclient-{region}.cometchat.io/v3.0/<endpoint>`,
//   or `https://<clientHost>/<endpoint>` with `overrideClientHost(clientHost)` (so the override
//   carries the version: `<host>/…/v3.0`). Admin calls (createUser, updateUser, authToken — only
//   used when the app hands the SDK an apiKey) go to `https://{appId}.api-{region}.cometchat.io/v3.0/…`
//   or `https://<adminHost>/…`. Once app settings are cached (localStorage `app_settings`) every
//   call goes to `https://<CLIENT_API_HOST>/<CHAT_API_VERSION>/<endpoint>` from those settings.
//   The scheme is hard-coded: `https://` for REST and `wss://` for the socket. The emulator speaks
//   plain HTTP/WS on 127.0.0.1, so the page installs `emulator-shim.js` (served at
//   `/emu/shim.js`), which rewrites `https://<emulator host>` → `http://` and `wss://` → `ws://`
//   for the emulator's own host only. The SDK itself is unmodified.
// - Headers on client calls: `appId`, `authToken`, `resource` (session id), `sdk`
//   (`javascript@4.2.0`), `Accept`, `Content-Type: application/json`. Admin calls carry `apiKey`.
// - `CometChat.login(authToken)`: sets the token, then `PUT /me` with body
//   `{ platform: "WEB", deviceId, appInfo: { version, apiVersion: "v3.0", userAgent } }`.
//   It expects `{ data: { uid, name, avatar?, status, role, authToken, jwt, settings } }`:
//   `data.authToken` must equal the token it sent; `data.settings` is cached as the app settings
//   (keys CHAT_HOST, CHAT_WSS_PORT, CHAT_API_VERSION, CLIENT_API_HOST, ADMIN_API_HOST, MODE,
//   ANALYTICS_PING_DISABLED, …); `data.jwt` is what the socket authenticates with.
//   An error answer is `{ error: { code, message, details } }`; with code
//   `AUTH_ERR_AUTH_TOKEN_NOT_FOUND` the SDK rejects the login with a CometChatException of that
//   code and runs its internal logout. (The SDK reads only the JSON, not the HTTP status; the
//   real service answers 401.)
// - After a login: `POST /user_sessions` (device details, answer `{ data: {} }`), and, unless
//   ANALYTICS_PING_DISABLED, a ping to `https://<ANALYTICS_HOST>/<ANALYTICS_VERSION>/ping` (the
//   emulator disables it so nothing leaves the machine). `GET /settings` (`appSettings`) is only
//   called when no settings are cached.
// - `getLoggedinUser()`: reads the cached user from localStorage, no request.
// - `logout()`: `DELETE /me`, then clears its storage and closes the socket.
// - `getUser(uid)`: `GET /users/{uid}` with the authToken header.
// - WebSocket: URL `wss://` + (CHAT_HOST_OVERRIDE || CHAT_HOST_APP_SPECIFIC || CHAT_HOST) + `:` +
//   CHAT_WSS_PORT. On open it sends
//   `{ appId, receiver, receiverType, deviceId: <sessionId>, type: "auth", sender: <uid>,
//      body: { auth: <jwt>, deviceId, presenceSubscription, params: { appInfo, userAgent, deviceId, platform } } }`
//   and expects `{ type: "auth", body: { status: "OK", code: "200" } }`, after which it sends
//   `{ action: "ping", ack: "true" }` every 15 s and wants `{ action: "pong" }` within 3 s (or it
//   reconnects).
//
// REST admin API (CometChat docs, https://www.cometchat.com/docs/rest-api): base
// `https://{appId}.api-{region}.cometchat.io/v3`, headers `appId`, `apiKey` (a REST API key).
// - `POST /users` `{ uid, name, avatar?, metadata?, withAuthToken? }` → `{ data: user }`; an
//   existing uid → 409 `ERR_UID_ALREADY_EXISTS`.
// - `GET|PUT /users/{uid}` (`{ name?, avatar?, metadata? }`) → `{ data: user }`; missing → 404
//   `ERR_UID_NOT_FOUND`. `DELETE /users/{uid}` `{ permanent: true }` → `{ data: { success: true } }`.
// - `POST /users/{uid}/auth_tokens` `{ force? }` → `{ data: { uid, authToken, createdAt } }`
//   (createdAt in epoch s; real tokens do not expire by default). The emulator adds
//   `expiresAt` (epoch s) because its tokens do expire (configurable lifetime, 120 s default).
// - `DELETE /users/{uid}/auth_tokens` (flush) and `DELETE /users/{uid}/auth_tokens/{token}`.
// - Errors: `{ error: { code, message, details } }`; a wrong key → 401 `AUTH_ERR_APIKEY_NOT_FOUND`;
//   rate limit → 429 with `Retry-After` (seconds).
//
// Emulator-only control API (for tests and the demo's "simulate a 401"), under /emu/control:
//   GET  /stats               counts of calls by kind (socket frames as `ws:<type>`), users, live
//                             sockets, messages stored, frames pushed and relayed, `unhandled`
//                             (client calls only the catch-all answered) — never a token or key
//   POST /revoke   {uid}      revoke every token of a user (the next use answers
//                             AUTH_ERR_AUTH_TOKEN_NOT_FOUND; its open sockets are closed)
//   POST /advance  {ms}       move the emulator's clock forward (expire tokens without waiting)
//   POST /config   {tokenTtlMs?, rateLimitPerMinute?}
//   POST /fail-next {status, count?, retryAfter?}  the next admin auth_tokens calls answer `status`
//   POST /reset-stats         zero the counters, the rate-limit window and queued failures
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { WebSocketServer } from 'ws';

const json = (c, status, body, headers = {}) => c.json(body, status, headers);
const err = (c, status, code, message, headers) => json(c, status, { error: { code, message, details: {} } }, headers);
const hex = (n) => randomBytes(n).toString('hex');

function sameSecret(a, b) {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Creates an emulator. Mount `emulator.app` at `/emu` and pass upgrade requests to
 * `emulator.handleUpgrade(req, socket, head)`.
 * @param {object} [opts]
 * @param {string} [opts.appId] default `emulator-app`
 * @param {string} [opts.region] default `us`
 * @param {string} [opts.apiKey] the REST API key; default: random per process
 * @param {number} [opts.tokenTtlMs] auth token lifetime, default 120 000
 * @param {number} [opts.rateLimitPerMinute] admin calls per minute before 429, default 600
 */
export function createEmulator(opts = {}) {
  const appId = opts.appId ?? 'emulator-app';
  const region = opts.region ?? 'us';
  const apiKey = opts.apiKey ?? `emu_rest_${hex(20)}`;
  const config = {
    tokenTtlMs: opts.tokenTtlMs ?? 120_000,
    rateLimitPerMinute: opts.rateLimitPerMinute ?? 600,
  };
  let clockOffset = 0;
  const now = () => Date.now() + clockOffset;

  /** uid → user */
  const users = new Map();
  /** token → { uid, createdAt, expiresAt, revoked, jwt } */
  const tokens = new Map();
  /** jwt → token */
  const jwts = new Map();
  /** token → Set<WebSocket> */
  const sockets = new Map();
  /** Text messages between users, oldest first. */
  const messages = [];
  let lastMessageId = 0;
  let failNext = [];
  let adminCalls = [];
  let stats;
  const resetStats = () => {
    stats = { calls: {}, authTokenAttempts: [], wsAuthOk: 0, wsAuthFailed: 0, rejected: { expired: 0, revoked: 0, unknown: 0 }, unhandled: [], pushed: 0, relayed: 0 };
  };
  resetStats();
  const count = (kind) => { stats.calls[kind] = (stats.calls[kind] ?? 0) + 1; };

  const publicUser = (u) => ({
    uid: u.uid, name: u.name, ...(u.avatar ? { avatar: u.avatar } : {}), ...(u.metadata ? { metadata: u.metadata } : {}),
    status: u.status, role: 'default', createdAt: u.createdAt, ...(u.updatedAt ? { updatedAt: u.updatedAt } : {}),
  });

  function mint(uid) {
    const createdAt = now();
    const token = `${uid}_${Math.floor(createdAt / 1000)}${hex(20)}`;
    const jwt = `emujwt.${hex(24)}`;
    tokens.set(token, { uid, createdAt, expiresAt: createdAt + config.tokenTtlMs, revoked: false, jwt });
    jwts.set(jwt, token);
    return { uid, authToken: token, createdAt: Math.floor(createdAt / 1000), expiresAt: Math.floor((createdAt + config.tokenTtlMs) / 1000) };
  }

  /** The token's record when usable, else the reason it is not. */
  function check(token) {
    const t = typeof token === 'string' ? tokens.get(token) : undefined;
    if (!t || !users.has(t.uid)) return { reason: 'unknown' };
    if (t.revoked) return { reason: 'revoked' };
    if (now() >= t.expiresAt) return { reason: 'expired' };
    return { t };
  }

  function closeSockets(token) {
    for (const ws of sockets.get(token) ?? []) ws.close(4001, 'AUTH_ERR_AUTH_TOKEN_NOT_FOUND');
    sockets.delete(token);
  }

  function revokeUser(uid) {
    let n = 0;
    for (const [token, t] of tokens) {
      if (t.uid === uid && !t.revoked) { t.revoked = true; n++; closeSockets(token); }
    }
    return n;
  }

  const conversationId = (a, b) => (a < b ? `${a}_user_${b}` : `${b}_user_${a}`);
  const entity = (uid) => ({ entity: publicUser(users.get(uid) ?? { uid, name: uid, status: 'offline' }), entityType: 'user' });
  /** A message as the REST API and the socket carry it (sender and receiver inside data.entities). */
  const messageFor = (m) => ({
    id: m.id, ...(m.muid ? { muid: m.muid } : {}), conversationId: m.conversationId, sender: m.sender, receiverType: m.receiverType,
    receiver: m.receiver, category: m.category, type: m.type,
    data: { text: m.text, ...(m.metadata ? { metadata: m.metadata } : {}), entities: { sender: entity(m.sender), receiver: entity(m.receiver) } },
    ...(m.tags ? { tags: m.tags } : {}), sentAt: m.sentAt, updatedAt: m.updatedAt,
    ...(m.deliveredAt ? { deliveredAt: m.deliveredAt } : {}), ...(m.readAt ? { readAt: m.readAt } : {}),
  });
  const conversationPeers = (me) => new Set(messages.filter((m) => m.sender === me || m.receiver === me).map((m) => (m.sender === me ? m.receiver : m.sender)));
  /** The user `me`'s conversation with `peer`, or null when they never wrote to each other. */
  function conversationFor(me, peer) {
    const id = conversationId(me, peer);
    const list = messages.filter((m) => m.conversationId === id);
    if (!list.length || !users.has(peer)) return null;
    const last = list[list.length - 1];
    return {
      conversationId: id, conversationType: 'user', conversationWith: publicUser(users.get(peer)), lastMessage: messageFor(last, me),
      unreadMessageCount: list.filter((m) => m.receiver === me && !m.readAt).length, unreadMentionsCount: 0,
      latestMessageId: last.id, updatedAt: last.updatedAt, tags: [],
    };
  }
  /** One page of a list in CometChat's shape (`page`, `per_page` → `meta.pagination`). */
  function page(list, q) {
    const perPage = Math.min(100, Math.max(1, Number(q.get('per_page')) || 30));
    const current = Math.max(1, Number(q.get('page')) || 1);
    const data = list.slice((current - 1) * perPage, current * perPage);
    return { data, meta: { pagination: { total: list.length, count: data.length, per_page: perPage, current_page: current, total_pages: Math.max(1, Math.ceil(list.length / perPage)) } } };
  }
  const listParam = (q, name) => [...q.getAll(name), ...q.getAll(`${name}[]`)].flatMap((v) => v.split(',')).filter(Boolean);
  /** Sends a frame to every live, authenticated socket of `uid` (except the session `skipDevice`); how many got it. */
  function push(uid, frame, skipDevice) {
    let n = 0;
    for (const [token, set] of sockets) {
      if (check(token).t?.uid !== uid) continue;
      for (const ws of set) if (ws.readyState === 1 && (!skipDevice || ws.deviceId !== skipDevice)) { ws.send(frame); n++; }
    }
    return n;
  }

  /** Open sockets of `uid`, whatever their token's state now. */
  const socketsOf = (uid) => [...sockets].filter(([token]) => tokens.get(token)?.uid === uid).reduce((n, [, set]) => n + set.size, 0);
  /** Tells everyone else's sockets that `uid` came online or went offline (the SDK's user listener). */
  function presence(uid, action) {
    const u = users.get(uid);
    if (!u) return;
    u.status = action;
    const frame = JSON.stringify({ appId, type: 'presence', sender: uid, deviceId: 'emulator', body: { action, user: publicUser(u), timestamp: Math.floor(now() / 1000) } });
    for (const other of users.keys()) if (other !== uid) push(other, frame);
  }

  /** Host names the settings hand the SDK, from the Host the client reached us on. */
  function settingsFor(host) {
    const [hostname, port = '80'] = host.split(':');
    return {
      CHAT_HOST: hostname, CHAT_USE_SSL: false, CHAT_WSS_PORT: port, CHAT_WS_PORT: port,
      CHAT_API_VERSION: 'v3.0', WS_API_VERSION: 'v3.0', APP_VERSION: 4, MODE: 'DEFAULT', REGION: region,
      CLIENT_API_HOST: `${host}/emu/client`, ADMIN_API_HOST: `${host}/emu/api`,
      ANALYTICS_PING_DISABLED: true, POLLING_ENABLED: false, DENY_FALLBACK_TO_POLLING: true,
      extensions: [], parameters: {},
    };
  }

  const app = new Hono();

  // --- REST admin API (`/emu/api/v3/...`, `/emu/api/v3.0/...`) ---
  const admin = new Hono();
  admin.use('*', async (c, next) => {
    count('admin');
    if (c.req.header('appId') !== appId) return err(c, 401, 'AUTH_ERR_INVALID_APPID', 'The appId header is missing or unknown.');
    if (!sameSecret(c.req.header('apiKey'), apiKey)) return err(c, 401, 'AUTH_ERR_APIKEY_NOT_FOUND', 'The apiKey header is missing or wrong.');
    const t = now();
    adminCalls = adminCalls.filter((x) => t - x < 60_000);
    if (adminCalls.length >= config.rateLimitPerMinute) {
      count('rateLimited');
      const retry = Math.max(1, Math.ceil((adminCalls[0] + 60_000 - t) / 1000));
      return err(c, 429, 'ERR_TOO_MANY_REQUESTS', 'Rate limit exceeded.', { 'Retry-After': String(retry) });
    }
    adminCalls.push(t);
    await next();
  });
  admin.post('/users', async (c) => {
    count('createUser');
    const body = await c.req.json().catch(() => null);
    if (!body || typeof body.uid !== 'string' || !/^[A-Za-z0-9_-]{1,100}$/.test(body.uid)) return err(c, 400, 'ERR_BAD_REQUEST', 'uid: expected 1-100 letters, digits, _ or -.');
    if (typeof body.name !== 'string' || !body.name) return err(c, 400, 'ERR_BAD_REQUEST', 'name: expected a non-empty string.');
    if (users.has(body.uid)) return err(c, 409, 'ERR_UID_ALREADY_EXISTS', 'The UID already exists.');
    const u = { uid: body.uid, name: body.name, avatar: body.avatar, metadata: body.metadata, status: 'offline', createdAt: Math.floor(now() / 1000) };
    users.set(u.uid, u);
    const data = publicUser(u);
    if (body.withAuthToken) data.authToken = mint(u.uid).authToken;
    return json(c, 200, { data });
  });
  admin.get('/users/:uid', (c) => {
    const u = users.get(c.req.param('uid'));
    return u ? json(c, 200, { data: publicUser(u) }) : err(c, 404, 'ERR_UID_NOT_FOUND', 'The UID does not exist.');
  });
  admin.put('/users/:uid', async (c) => {
    count('updateUser');
    const u = users.get(c.req.param('uid'));
    if (!u) return err(c, 404, 'ERR_UID_NOT_FOUND', 'The UID does not exist.');
    const body = await c.req.json().catch(() => null);
    if (!body || typeof body !== 'object') return err(c, 400, 'ERR_BAD_REQUEST', 'body: expected a JSON object.');
    for (const k of ['name', 'avatar', 'metadata']) if (body[k] !== undefined) u[k] = body[k];
    u.updatedAt = Math.floor(now() / 1000);
    return json(c, 200, { data: publicUser(u) });
  });
  admin.delete('/users/:uid', (c) => {
    count('deleteUser');
    const uid = c.req.param('uid');
    if (!users.delete(uid)) return err(c, 404, 'ERR_UID_NOT_FOUND', 'The UID does not exist.');
    revokeUser(uid);
    return json(c, 200, { data: { success: true, message: `User with uid ${uid} has been deleted successfully.` } });
  });
  admin.post('/users/:uid/auth_tokens', (c) => {
    count('authTokens');
    stats.authTokenAttempts.push(now());
    const f = failNext.shift();
    if (f) {
      return err(c, f.status, f.status === 429 ? 'ERR_TOO_MANY_REQUESTS' : 'ERR_INTERNAL', 'Injected failure.',
        f.retryAfter !== undefined ? { 'Retry-After': String(f.retryAfter) } : {});
    }
    const uid = c.req.param('uid');
    if (!users.has(uid)) return err(c, 404, 'ERR_UID_NOT_FOUND', 'The UID does not exist.');
    return json(c, 200, { data: mint(uid) });
  });
  admin.delete('/users/:uid/auth_tokens', (c) => json(c, 200, { data: { success: true, revoked: revokeUser(c.req.param('uid')) } }));
  admin.delete('/users/:uid/auth_tokens/:token', (c) => {
    const t = tokens.get(c.req.param('token'));
    if (!t || t.uid !== c.req.param('uid')) return err(c, 404, 'ERR_AUTH_TOKEN_NOT_FOUND', 'The auth token does not exist.');
    t.revoked = true;
    closeSockets(c.req.param('token'));
    return json(c, 200, { data: { success: true } });
  });
  app.route('/api/v3', admin);
  app.route('/api/v3.0', admin);

  // --- client API the SDK calls (`/emu/client/v3.0/...`) ---
  const client = new Hono();
  client.use('*', async (c, next) => {
    c.header('Access-Control-Allow-Origin', '*');
    if (c.req.method === 'OPTIONS') {
      c.header('Access-Control-Allow-Methods', 'GET,POST,PUT,DELETE');
      c.header('Access-Control-Allow-Headers', c.req.header('Access-Control-Request-Headers') ?? '*');
      return c.body(null, 204);
    }
    if (c.req.header('appId') !== appId) return err(c, 401, 'AUTH_ERR_INVALID_APPID', 'The appId header is missing or unknown.');
    await next();
  });
  client.get('/settings', (c) => { count('settings'); return json(c, 200, { data: settingsFor(c.req.header('host')) }); });
  // Every other client call needs a live auth token.
  client.use('*', async (c, next) => {
    const { t, reason } = check(c.req.header('authToken'));
    if (!t) {
      count('authRejected');
      stats.rejected[reason]++;
      return err(c, 401, 'AUTH_ERR_AUTH_TOKEN_NOT_FOUND', 'The auth token does not exist. Please make sure you are logged in and have a valid auth token.');
    }
    c.set('token', t);
    await next();
  });
  const me = (c) => {
    const t = c.get('token');
    const u = users.get(t.uid);
    u.status = 'online';
    return json(c, 200, { data: { ...publicUser(u), authToken: c.req.header('authToken'), jwt: t.jwt, settings: settingsFor(c.req.header('host')) } });
  };
  client.put('/me', (c) => { count('me'); return me(c); });
  client.get('/me', (c) => { count('me'); return me(c); });
  client.delete('/me', (c) => { count('logout'); users.get(c.get('token').uid).status = 'offline'; return json(c, 200, { data: { success: true } }); });
  // The SDK's report of the session after a login (device details); nothing to keep.
  client.post('/user_sessions', (c) => { count('userSessions'); return json(c, 200, { data: {} }); });
  client.get('/users/:uid', (c) => {
    count('getUser');
    const u = users.get(c.req.param('uid'));
    return u ? json(c, 200, { data: publicUser(u) }) : err(c, 404, 'ERR_UID_NOT_FOUND', 'The UID does not exist.');
  });
  // --- The chat itself: what the UI Kit's conversation list, message header, message list and
  // composer call once logged in (one-to-one conversations between users; no groups). ---
  client.get('/users', (c) => {
    count('listUsers');
    const me = c.get('token').uid;
    const q = new URL(c.req.url).searchParams;
    const search = (q.get('searchKey') ?? '').toLowerCase();
    const all = [...users.values()].filter((u) => u.uid !== me && (!search || `${u.uid} ${u.name}`.toLowerCase().includes(search)))
      .sort((a, b) => a.name.localeCompare(b.name)).map(publicUser);
    return json(c, 200, page(all, q));
  });
  client.get('/conversations', (c) => {
    count('listConversations');
    const me = c.get('token').uid;
    const list = [...conversationPeers(me)].map((peer) => conversationFor(me, peer)).filter(Boolean)
      .sort((a, b) => b.updatedAt - a.updatedAt);
    return json(c, 200, page(list, new URL(c.req.url).searchParams));
  });
  client.get('/users/:uid/conversation', (c) => {
    count('getConversation');
    const conversation = users.has(c.req.param('uid')) ? conversationFor(c.get('token').uid, c.req.param('uid')) : null;
    return conversation ? json(c, 200, { data: conversation })
      : err(c, 404, 'ERR_CONVERSATION_NOT_ACCESSIBLE', `The conversation with ${c.req.param('uid')} does not exist.`);
  });
  client.get('/users/:uid/messages', (c) => {
    count('listMessages');
    const me = c.get('token').uid;
    const peer = c.req.param('uid');
    const q = new URL(c.req.url).searchParams;
    if (q.get('count') === '1') return json(c, 200, { data: [] }); // unread counts: none asked for by the kit's views
    const limit = Math.min(100, Math.max(1, Number(q.get('per_page')) || 30));
    const categories = listParam(q, 'categories');
    const types = listParam(q, 'types');
    const append = q.get('affix') === 'append';
    const id = q.has('id') ? Number(q.get('id')) : null;
    const sentAt = q.has('sentAt') ? Number(q.get('sentAt')) : null;
    let list = messages.filter((m) => m.conversationId === conversationId(me, peer)
      && (!categories.length || categories.includes(m.category)) && (!types.length || types.includes(m.type)));
    if (id != null) list = list.filter((m) => (append ? Number(m.id) > id : Number(m.id) < id));
    else if (sentAt != null) list = list.filter((m) => (append ? m.sentAt >= sentAt : m.sentAt <= sentAt));
    list = append ? list.slice(0, limit) : list.slice(-limit);
    return json(c, 200, { data: list.map((m) => messageFor(m, me)), meta: { current: { limit, count: list.length } } });
  });
  client.post('/messages', async (c) => {
    count('sendMessage');
    const me = c.get('token').uid;
    const b = await c.req.json().catch(() => null);
    if (!b || b.receiverType !== 'user' || typeof b.receiver !== 'string' || !users.has(b.receiver)) {
      return err(c, 400, 'ERR_BAD_REQUEST', 'receiver: expected the uid of an existing user (receiverType "user"; the emulator has no groups).');
    }
    if ((b.category ?? 'message') !== 'message' || (b.type ?? 'text') !== 'text' || typeof b.data?.text !== 'string') {
      return err(c, 400, 'ERR_BAD_REQUEST', 'The emulator takes text messages only: category "message", type "text", data.text a string.');
    }
    const at = Math.floor(now() / 1000);
    const m = {
      id: String(++lastMessageId), muid: typeof b.muid === 'string' ? b.muid : undefined, conversationId: conversationId(me, b.receiver),
      sender: me, receiverType: 'user', receiver: b.receiver, category: 'message', type: 'text',
      text: b.data.text, metadata: b.data.metadata, tags: Array.isArray(b.tags) ? b.tags : undefined, sentAt: at, updatedAt: at,
    };
    messages.push(m);
    // Live to the recipient's sessions and the sender's other ones (the SDK ignores a frame
    // whose deviceId is its own session).
    const frame = (uid) => JSON.stringify({ appId, type: 'message', receiver: m.receiver, receiverType: 'user', sender: me, deviceId: c.req.header('resource') ?? 'emulator', body: messageFor(m, uid) });
    stats.pushed += push(b.receiver, frame(b.receiver));
    push(me, frame(me), c.req.header('resource'));
    return json(c, 200, { data: messageFor(m, me) });
  });
  const receipt = (field) => (c) => {
    count(field === 'readAt' ? 'markRead' : 'markDelivered');
    const me = c.get('token').uid;
    const at = Math.floor(now() / 1000);
    for (const m of messages) if (m.receiver === me && m.sender === c.req.param('uid') && !m[field]) m[field] = at;
    return json(c, 200, { data: { success: true } });
  };
  for (const method of ['post', 'put']) {
    client[method]('/users/:uid/conversation/read', receipt('readAt'));
    client[method]('/users/:uid/conversation/delivered', receipt('deliveredAt'));
  }
  client.all('*', (c) => {
    count('otherClient');
    // What a kit or SDK upgrade calls that the emulator does not know yet (the e2e test wants none).
    if (stats.unhandled.length < 100) stats.unhandled.push(`${c.req.method} ${new URL(c.req.url).pathname.replace(/^.*?\/client\/v3(\.0)?/, '')}`);
    return json(c, 200, { data: {} });
  });
  app.route('/client/v3.0', client);
  app.route('/client/v3', client);

  // --- control API (emulator only) ---
  const control = new Hono();
  // Only the emulator's own origin (or a non-browser client, which sends no Origin) may drive it,
  // and a POST must be JSON: a page on another site can't send one without a CORS preflight,
  // which gets no Access-Control-Allow-Origin.
  control.use('*', async (c, next) => {
    const origin = c.req.header('origin');
    if (origin && origin !== new URL(c.req.url).origin) return err(c, 403, 'ERR_FORBIDDEN', 'Origin: the emulator control API answers its own origin only.');
    if (c.req.method !== 'GET' && !/^application\/json\b/i.test(c.req.header('content-type') ?? '')) {
      return err(c, 403, 'ERR_FORBIDDEN', 'Content-Type: expected application/json.');
    }
    await next();
  });
  const body = async (c) => (await c.req.json().catch(() => null)) ?? {};
  control.get('/stats', (c) => json(c, 200, {
    calls: { ...stats.calls }, authTokenAttempts: [...stats.authTokenAttempts], wsAuthOk: stats.wsAuthOk, wsAuthFailed: stats.wsAuthFailed, pushed: stats.pushed, relayed: stats.relayed, messages: messages.length,
    rejected: { ...stats.rejected }, unhandled: [...stats.unhandled], users: [...users.values()].map(publicUser),
    liveSockets: [...sockets.values()].reduce((n, s) => n + s.size, 0), config: { ...config }, clockOffsetMs: clockOffset,
  }));
  control.post('/revoke', async (c) => {
    const { uid } = await body(c);
    if (typeof uid !== 'string') return err(c, 400, 'ERR_BAD_REQUEST', 'uid: expected a string.');
    return json(c, 200, { revoked: revokeUser(uid) });
  });
  control.post('/advance', async (c) => {
    const { ms } = await body(c);
    if (!Number.isFinite(ms) || ms < 0) return err(c, 400, 'ERR_BAD_REQUEST', 'ms: expected a non-negative number.');
    clockOffset += ms;
    return json(c, 200, { clockOffsetMs: clockOffset });
  });
  control.post('/config', async (c) => {
    const b = await body(c);
    for (const k of ['tokenTtlMs', 'rateLimitPerMinute']) {
      if (b[k] === undefined) continue;
      if (!Number.isFinite(b[k]) || b[k] <= 0) return err(c, 400, 'ERR_BAD_REQUEST', `${k}: expected a positive number.`);
      config[k] = b[k];
    }
    return json(c, 200, { config: { ...config } });
  });
  control.post('/fail-next', async (c) => {
    const { status, count: n = 1, retryAfter } = await body(c);
    if (!Number.isInteger(status) || status < 400 || status > 599) return err(c, 400, 'ERR_BAD_REQUEST', 'status: expected an HTTP error status.');
    if (!Number.isInteger(n) || n < 1 || n > 100) return err(c, 400, 'ERR_BAD_REQUEST', 'count: expected an integer from 1 to 100.');
    for (let i = 0; i < n; i++) failNext.push({ status, retryAfter });
    return json(c, 200, { queued: failNext.length });
  });
  control.post('/reset-stats', (c) => { resetStats(); failNext = []; adminCalls = []; return json(c, 200, { ok: true }); });
  app.route('/control', control);

  app.get('/shim.js', (c) => c.body(SHIM_SOURCE, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));

  // --- WebSocket (the SDK connects to wss://CHAT_HOST:CHAT_WSS_PORT, any path) ---
  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (ws) => {
    count('wsConnect');
    let token = null;
    ws.on('message', (raw) => {
      let msg;
      try { msg = JSON.parse(String(raw)); } catch { return; }
      if (msg && msg.action === 'ping') { ws.send(JSON.stringify({ action: 'pong' })); return; }
      if (msg?.type) count(`ws:${msg.type}`);
      if (msg && msg.type === 'auth') {
        const tok = jwts.get(msg.body?.auth);
        const { t } = check(tok);
        if (!t || msg.appId !== appId) {
          stats.wsAuthFailed++;
          ws.send(JSON.stringify({ appId: msg.appId, type: 'auth', body: { status: 'ERROR', code: '401', message: 'AUTH_ERR_AUTH_TOKEN_NOT_FOUND' } }));
          ws.close(4001, 'AUTH_ERR_AUTH_TOKEN_NOT_FOUND');
          return;
        }
        stats.wsAuthOk++;
        token = tok;
        ws.deviceId = msg.deviceId ?? msg.body?.deviceId;
        const first = socketsOf(t.uid) === 0;
        if (!sockets.has(tok)) sockets.set(tok, new Set());
        sockets.get(tok).add(ws);
        ws.send(JSON.stringify({ appId, type: 'auth', sender: t.uid, deviceId: 'emulator', body: { status: 'OK', code: '200' } }));
        if (first) presence(t.uid, 'online');
        return;
      }
      // Typing indicators and delivery/read receipts go over the socket: relayed to the other
      // user's sessions while this socket's token is still good (else the socket is closed).
      if (msg && (msg.type === 'typing_indicator' || msg.type === 'receipts') && token) {
        const { t } = check(token);
        if (!t) { closeSockets(token); return; }
        if (msg.receiverType !== 'user' || typeof msg.receiver !== 'string' || msg.receiver === t.uid) return;
        if (msg.type === 'receipts') {
          const field = msg.body?.action === 'read' ? 'readAt' : 'deliveredAt';
          const target = messages.find((m) => m.id === String(msg.body?.messageId));
          if (target && target.receiver === t.uid && !target[field]) target[field] = Math.floor(now() / 1000);
        }
        stats.relayed += push(msg.receiver, JSON.stringify({ ...msg, sender: t.uid }));
      }
    });
    ws.on('close', () => {
      if (!token) return;
      sockets.get(token)?.delete(ws);
      const uid = tokens.get(token)?.uid;
      if (uid && socketsOf(uid) === 0) presence(uid, 'offline');
    });
  });

  return {
    app, appId, region, apiKey, config,
    /** Accepts a WebSocket upgrade (any path) as the chat socket. */
    handleUpgrade(req, socket, head) { wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)); },
    /** Creates a user directly (startup seeding). */
    seedUser(uid, name) { if (!users.has(uid)) users.set(uid, { uid, name, status: 'offline', createdAt: Math.floor(now() / 1000) }); },
    close() { for (const ws of wss.clients) ws.terminate(); wss.close(); },
  };
}

/** The page-side shim (served at /emu/shim.js): the SDK hard-codes https:// and wss://. */
export const SHIM_SOURCE = `// Rewrites the real CometChat SDK's https:// and wss:// URLs for the local emulator's hosts to
// http:// and ws:// (the emulator has no TLS). Other URLs are untouched.
export function installEmulatorShim(hosts) {
  if (window.__cometchatEmulatorShim) return;
  window.__cometchatEmulatorShim = true;
  const rewrite = (url) => {
    for (const h of hosts) {
      if (url.startsWith('https://' + h + '/') || url === 'https://' + h) return 'http://' + url.slice(8);
      if (url.startsWith('wss://' + h)) return 'ws://' + url.slice(6);
    }
    return url;
  };
  const realFetch = window.fetch;
  window.fetch = function (input, init) {
    if (typeof input === 'string') input = rewrite(input);
    else if (input instanceof URL) input = rewrite(input.href);
    else if (input instanceof Request && rewrite(input.url) !== input.url) input = new Request(rewrite(input.url), input);
    return realFetch.call(this, input, init);
  };
  const RealWebSocket = window.WebSocket;
  window.WebSocket = class extends RealWebSocket {
    constructor(url, protocols) { super(rewrite(String(url)), protocols); }
  };
}
`;
