// chat-token-manager — the token lifecycle, live, in Node.
//
//   node examples/node/lifecycle.mjs
//
// Starts a local token endpoint on 127.0.0.1 (20 s tokens; answers the first refresh with
// 429 + Retry-After: 2), points a TokenManager at it and prints what happens:
// initial fetch + login, 5 concurrent callers deduped into one request, the proactive
// refresh before expiry, the honoured Retry-After, logout and dispose.
// Exits 0 when the lifecycle happened as expected, 1 otherwise. Tokens are never printed.
import http from 'node:http';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { TokenManager } from 'chat-token-manager';

const TOKEN_LIFETIME_S = 20;
const RETRY_AFTER_S = 2;
const DEADLINE_MS = 45_000;

// ---- output --------------------------------------------------------------------------------
const t0 = performance.now();
const stamp = () => `[+${((performance.now() - t0) / 1000).toFixed(3).padStart(6)}s]`;
const log = (msg) => console.log(`${stamp()} ${msg}`);
/** A printable fingerprint of a token: its length and a hash prefix, never the value. */
const fp = (token) => `len ${token.length}, sha256 ${createHash('sha256').update(token).digest('hex').slice(0, 8)}…`;
const inS = (epochMs) => `${((epochMs - Date.now()) / 1000).toFixed(1)} s`;

const failures = [];
const check = (ok, what) => {
  if (!ok) failures.push(what);
  log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
};

// ---- the app backend's token endpoint --------------------------------------------------------
const requests = []; // { n, at (monotonic ms), wallAt, status }
let rateLimitedOnce = false;
const sockets = new Set();
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const n = requests.length + 1;
    const entry = { n, at: performance.now(), wallAt: Date.now(), status: 200 };
    requests.push(entry);
    // The first request after the initial token (the first scheduled refresh) is rate limited.
    if (n >= 2 && !rateLimitedOnce) {
      rateLimitedOnce = true;
      entry.status = 429;
      log(`endpoint: ${req.method} #${n} → 429 Too Many Requests, Retry-After: ${RETRY_AFTER_S}`);
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(RETRY_AFTER_S) });
      res.end(JSON.stringify({ error: 'rate limited' }));
      return;
    }
    const prev = requests[n - 2];
    const gap = prev ? `, ${((entry.at - prev.at) / 1000).toFixed(2)} s after #${prev.n}` : '';
    log(`endpoint: ${req.method} #${n} → 200, new token valid ${TOKEN_LIFETIME_S} s${gap}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ authToken: `demo_${randomBytes(16).toString('hex')}`, expiresIn: TOKEN_LIFETIME_S }));
  });
});
server.on('connection', (s) => {
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const url = `http://127.0.0.1:${server.address().port}/api/chat/token`;
log(`token endpoint listening on ${url} (tokens live ${TOKEN_LIFETIME_S} s)`);

async function closeServer() {
  const closed = new Promise((r) => server.close(r));
  server.closeAllConnections?.();
  for (const s of sockets) s.destroy();
  await closed;
}

// ---- the manager -------------------------------------------------------------------------------
let logins = 0;
let logoutCalls = 0;
const tokens = []; // TokenInfo from 'token' events (only fingerprints are printed)
const errors = [];
const states = [];
let loggedOutEvents = 0;
let nextToken = null; // resolves on the next 'token' event

const manager = new TokenManager({
  endpoint: { url },
  // Simulates a chat SDK login, e.g. `t => CometChatUIKit.loginWithAuthToken(t)`.
  login: async (token) => {
    await sleep(40 + Math.random() * 160);
    logins += 1;
    log(`chat login ok (${fp(token)})`);
  },
  logout: async () => {
    logoutCalls += 1;
    log('chat logout (app callback)');
  },
  logger: {
    debug() {},
    info() {},
    log() {},
    warn: (...args) => log(`sdk warn: ${args.map(String).join(' ')}`),
    error: (...args) => log(`sdk error: ${args.map(String).join(' ')}`),
  },
});

let lastState = manager.state;
log(`manager created, state ${lastState}`);
manager.on('state', (s) => {
  const name = typeof s === 'string' ? s : (s?.state ?? String(s));
  states.push(name);
  log(`state: ${lastState} → ${name}`);
  lastState = name;
});
manager.on('token', (info) => {
  const { token, expiresAt, refreshAt, issuedAt, reason, source } = info;
  const entry = { token, expiresAt, refreshAt, issuedAt, reason, source, seenAt: Date.now() };
  tokens.push(entry);
  log(
    `token #${tokens.length} (${info.reason}, from ${info.source}): ${fp(info.token)}; ` +
      `expires in ${inS(info.expiresAt)}, refresh scheduled in ${inS(info.refreshAt)}`,
  );
  nextToken?.resolve(entry);
});
manager.on('error', (err) => {
  errors.push(err);
  log(`error event: ${err.code}${err.status ? ` (HTTP ${err.status})` : ''} — ${err.message}`);
});
manager.on('expired', () => log('expired event'));
manager.on('loggedOut', () => {
  loggedOutEvents += 1;
  log('loggedOut event');
});

/** Resolves with the next 'token' event's TokenInfo (plus `seenAt`, epoch ms). */
function waitForToken() {
  let resolve;
  const p = new Promise((r) => (resolve = r));
  nextToken = { resolve };
  return p.then((info) => {
    nextToken = null;
    return info;
  });
}

const deadline = setTimeout(() => {
  console.error(`${stamp()} FAIL the lifecycle did not complete within ${DEADLINE_MS / 1000} s`);
  console.error(`${stamp()}      requests ${requests.length}, logins ${logins}, token events ${tokens.length}, states ${states.join(' → ')}`);
  process.exit(1);
}, DEADLINE_MS);

try {
  // 1. Cold start: five callers at once share one fetch and one login.
  log('5 concurrent getToken() calls on a cold manager…');
  const five = await Promise.all(Array.from({ length: 5 }, () => manager.getToken()));
  log(`5 callers resolved: ${new Set(five).size} distinct token(s), ${requests.length} request(s), ${logins} login(s)`);
  check(new Set(five).size === 1 && requests.length === 1 && logins === 1, '5 concurrent callers deduped into 1 request and 1 login');
  check(tokens[0]?.reason === 'initial', "the first token event has reason 'initial'");
  const first = tokens[0];
  const snap = manager.snapshot();
  log(`snapshot: state ${snap.state}, expires in ${inS(snap.expiresAt)}, refresh in ${inS(snap.refreshAt)}, generation ${snap.generation}`);
  check(!JSON.stringify(snap).includes(first.token), 'snapshot() does not contain the token');

  // 2. Nobody calls anything: the manager refreshes proactively; the endpoint answers 429 first.
  log(`waiting for the proactive refresh (no caller)…`);
  const second = await waitForToken();
  const r429 = requests.find((r) => r.status === 429);
  const retry = r429 && requests[r429.n]; // the request right after the 429
  check(second.reason === 'scheduled', `the refresh was scheduled (reason '${second.reason}')`);
  check(!!r429 && r429.wallAt < first.expiresAt, 'the scheduled refresh started before the first token expired');
  const gap = retry ? retry.at - r429.at : NaN;
  log(`retry came ${(gap / 1000).toFixed(3)} s after the 429 (Retry-After: ${RETRY_AFTER_S})`);
  check(gap >= RETRY_AFTER_S * 1000 - 5, `Retry-After: ${RETRY_AFTER_S} honoured`);
  check(second.seenAt < first.expiresAt, `the new token was logged in ${((first.expiresAt - second.seenAt) / 1000).toFixed(1)} s before the old one expired`);

  // 3. The next refresh happens on schedule too, this time without a 429.
  log('waiting for the next proactive refresh…');
  const third = await waitForToken();
  check(third.reason === 'scheduled' && third.seenAt < second.expiresAt, 'second scheduled refresh before expiry');

  // 4. Warm manager: concurrent callers are served from memory.
  const before = requests.length;
  const warm = await Promise.all(Array.from({ length: 5 }, () => manager.getToken()));
  check(new Set(warm).size === 1 && warm[0] === third.token && requests.length === before, '5 concurrent callers on a warm manager → 0 requests');
  log('idle: the token is valid, nothing to do…');
  await sleep(3000);

  // 5. Logout, dispose, close.
  log('logout()…');
  await manager.logout();
  check(manager.state === 'loggedOut' && loggedOutEvents === 1 && logoutCalls === 1, "logout(): state 'loggedOut', event fired, logout callback called");
  let code = null;
  try {
    await manager.getToken();
  } catch (e) {
    code = e.code;
  }
  check(code === 'logged_out', `getToken() after logout rejects (code ${code})`);
  manager.dispose();
  log(`dispose(): state ${manager.state}`);
  check(manager.state === 'disposed', "dispose(): state 'disposed'");
  check(errors.length === 0, `no error event (a 429 that is retried is not an error): ${errors.length}`);
} catch (err) {
  failures.push(`unexpected exception: ${err?.code ?? ''} ${err?.message ?? err}`);
  log(`FAIL unexpected exception: ${err?.name} ${err?.code ?? ''} ${err?.message ?? err}`);
  try {
    manager.dispose();
  } catch {}
} finally {
  clearTimeout(deadline);
  await closeServer();
  log('token endpoint closed');
}

log(
  `summary: ${requests.length} requests (${requests.filter((r) => r.status === 429).length} rate limited), ` +
    `${logins} logins, ${tokens.length} tokens, ${errors.length} errors — ${failures.length ? `${failures.length} check(s) FAILED` : 'lifecycle OK'}`,
);
for (const f of failures) console.error(`  failed: ${f}`);
process.exitCode = failures.length ? 1 : 0;

// Everything is disposed and closed, so the process should now exit by itself. If a handle
// leaked (e.g. a timer the manager did not cancel), say so and fail.
setTimeout(() => {
  console.error(`${stamp()} FAIL process still alive 5 s after dispose() — a timer or socket leaked`);
  process.exit(1);
}, 5000).unref();
