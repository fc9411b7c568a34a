// Puts the backend, the emulator (unless real CometChat credentials are given) and the built page
// on one HTTP server. Used by main.mjs and by the tests (tests/www/helpers/).
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { getRequestListener } from '@hono/node-server';
import { createApp } from './app.mjs';
import { createEmulator } from './emulator.mjs';
import { memoryStore, redisStore } from './store.mjs';

export const DIST_DIR = fileURLToPath(new URL('../dist/', import.meta.url));

/**
 * Starts the demo server.
 * @param {object} [opts]
 * @param {number} [opts.port] 0 = any free port
 * @param {string} [opts.host] default 127.0.0.1
 * @param {{ appId: string, region: string, apiKey: string, baseUrl?: string }} [opts.cometchat] real CometChat
 *   (baseUrl: another CometChat-compatible REST base, e.g. another instance's `/emu/api/v3`); omit for the emulator
 * @param {object} [opts.emulator] createEmulator options (tokenTtlMs, rateLimitPerMinute, …)
 * @param {{ limit: number, windowMs: number }} [opts.tokenRateLimit]
 * @param {{ maxAttempts?: number, baseDelayMs?: number, maxDelayMs?: number }} [opts.retry]
 * @param {string[]} [opts.extraOrigins] more origins allowed by CORS (e.g. a Vite dev server)
 * @param {string|null} [opts.distDir] default www/dist; null to serve no page
 * @param {string} [opts.redisUrl] sessions + rate limit in this Redis (shared by instances); default in memory
 * @param {object} [opts.redis] redisStore options (keyPrefix, sessionTtlMs, commandTimeoutMs, connectTimeoutMs)
 * @param {(msg: string, fields?: object) => void} [opts.log]
 */
export async function startServer(opts = {}) {
  const host = opts.host ?? '127.0.0.1';
  const emulator = opts.cometchat ? null : createEmulator(opts.emulator);
  let origins = [];
  let base = '';
  const cometchat = opts.cometchat
    ? { ...opts.cometchat, baseUrl: opts.cometchat.baseUrl ?? `https://${opts.cometchat.appId}.api-${opts.cometchat.region}.cometchat.io/v3` }
    : { appId: emulator.appId, region: emulator.region, apiKey: emulator.apiKey, get baseUrl() { return `${base}/emu/api/v3`; } };

  const store = opts.redisUrl ? redisStore(opts.redisUrl, { ...opts.redis, log: opts.log }) : memoryStore();
  /** Undoes what was started when start-up fails (a bad option, a port in use). */
  const abandon = async (e) => { emulator?.close(); await store.close(); throw e; };
  await store.open();
  const backend = await (async () => createApp({
    cometchat,
    store,
    tokenRateLimit: opts.tokenRateLimit,
    retry: opts.retry,
    distDir: opts.distDir === undefined ? DIST_DIR : opts.distDir ?? undefined,
    log: opts.log,
    isAllowedOrigin: (origin) => origins.includes(origin),
    revokeTokens: emulator ? async (uid) => {
      const res = await fetch(`${base}/emu/control/revoke`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ uid }) });
      return (await res.json()).revoked;
    } : undefined,
    clientConfig: (req, users) => {
      const reqHost = req.headers.get('host');
      return emulator
        ? {
          appId: emulator.appId, region: emulator.region, emulator: true,
          clientHost: `${reqHost}/emu/client/v3.0`, adminHost: `${reqHost}/emu/api/v3.0`,
          emulatorHosts: [reqHost], shim: '/emu/shim.js', tokenTtlMs: emulator.config.tokenTtlMs, users,
        }
        : { appId: cometchat.appId, region: cometchat.region, emulator: false, users };
    },
  }))().catch(abandon);

  const root = new Hono();
  if (emulator) root.route('/emu', emulator.app);
  root.route('/', backend);

  const server = createServer(getRequestListener(root.fetch));
  const sockets = new Set();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  server.on('upgrade', (req, socket, head) => {
    if (emulator) emulator.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, resolve);
  }).catch(abandon);
  const { port } = server.address();
  base = `http://${host}:${port}`;
  origins = [`http://127.0.0.1:${port}`, `http://localhost:${port}`, ...(opts.extraOrigins ?? [])];
  // The demo users must exist as chat users (seed 000 §5: create on signup; 409 is fine).
  if (emulator) await backend.seedChatUsers();
  else backend.seedChatUsers().catch(() => opts.log?.('could not create the demo users in CometChat'));

  return {
    url: `${base}/`,
    origin: base,
    port,
    emulator,
    /** 'memory' or 'redis': where sessions and the rate limit live. */
    store: store.kind,
    /** The REST key in use (tests scan responses for it). Never sent to a client. */
    restApiKey: cometchat.apiKey,
    async close() {
      emulator?.close();
      await store.close();
      await new Promise((r) => { server.close(r); for (const s of sockets) s.destroy(); });
    },
  };
}
