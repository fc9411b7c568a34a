// Start/stop helpers for the demo server (backend + CometChat emulator + built page) on a free
// port of 127.0.0.1, and small HTTP clients for tests. Used by tests/www/*.test.mjs and the
// page's end-to-end test.
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { startServer } from '../../../www/server/server.mjs';

export { CHROMIUM } from '../../browser/lib/server.mjs';

/** The real SDK's UMD bundle (sets window.CometChat). */
export const COMETCHAT_SDK_PATH = createRequire(fileURLToPath(new URL('../../../www/package.json', import.meta.url)))
  .resolve('@cometchat/chat-sdk-javascript');

/**
 * Starts the demo on a free port with the emulator. Test defaults: a quick backend retry
 * (baseDelayMs 20), everything else as the demo. Options: see www/server/server.mjs
 * (`emulator: { tokenTtlMs, rateLimitPerMinute }`, `tokenRateLimit: { limit, windowMs }`,
 * `retry`, `distDir` (null = no page), `extraOrigins`).
 * @returns {Promise<{ url: string, origin: string, port: number, restApiKey: string,
 *   emulator: object, control: EmulatorControl, close(): Promise<void> }>}
 */
export async function startDemo(opts = {}) {
  const server = await startServer({ port: 0, retry: { baseDelayMs: 20, maxDelayMs: 2000 }, ...opts });
  return { ...server, control: emulatorControl(server.origin) };
}

/**
 * The emulator's control API: stats(), revoke(uid), advance(ms), config({ tokenTtlMs,
 * rateLimitPerMinute }), failNext({ status, count, retryAfter }), resetStats().
 * @typedef {ReturnType<typeof emulatorControl>} EmulatorControl
 */
export function emulatorControl(origin) {
  const call = async (method, path, body) => {
    const res = await fetch(`${origin}/emu/control/${path}`, {
      method, headers: body ? { 'Content-Type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) throw new Error(`emulator control ${path}: HTTP ${res.status}`);
    return res.json();
  };
  return {
    stats: () => call('GET', 'stats'),
    revoke: (uid) => call('POST', 'revoke', { uid }),
    advance: (ms) => call('POST', 'advance', { ms }),
    config: (c) => call('POST', 'config', c),
    failNext: (f) => call('POST', 'fail-next', f),
    resetStats: () => call('POST', 'reset-stats', {}),
  };
}

/**
 * A tiny cookie-keeping HTTP client for the backend. Every response (status, headers, body
 * text) is recorded in `responses` so tests can scan them.
 */
export function client(origin, { originHeader } = {}) {
  let cookie = '';
  const responses = [];
  async function request(method, path, body, headers = {}) {
    const res = await fetch(`${origin}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(cookie ? { Cookie: cookie } : {}),
        ...(originHeader ? { Origin: originHeader } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const setCookie = res.headers.getSetCookie();
    for (const c of setCookie) {
      const [pair] = c.split(';');
      cookie = /=$/.test(pair) || /Max-Age=0/i.test(c) ? '' : pair;
    }
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    const r = { status: res.status, headers: res.headers, text, json };
    responses.push(r);
    return r;
  }
  return { request, responses, get cookie() { return cookie; } };
}
