// Helpers for bundlers.test.mjs: the fake token endpoint, a static server for built apps,
// child processes (run to completion, or long-running servers killed by process group).
import http from 'node:http';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

/**
 * The app backend's token endpoint on 127.0.0.1: `POST|GET /token` answers a fresh opaque token
 * with `expiresIn: 3600` and records the request; CORS for any page origin, with credentials
 * (the manager's endpoint default is `credentials: 'include'`). Preflights are not counted.
 */
export async function startTokenServer() {
  const requests = [];
  const tokens = [];
  const server = http.createServer((req, res) => {
    const origin = req.headers.origin;
    const cors = origin
      ? {
          'access-control-allow-origin': origin,
          'access-control-allow-credentials': 'true',
          'access-control-allow-methods': 'GET, POST',
          'access-control-allow-headers': req.headers['access-control-request-headers'] ?? 'content-type',
          vary: 'origin',
        }
      : {};
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors).end();
      return;
    }
    const { pathname } = new URL(req.url, 'http://127.0.0.1');
    if (pathname !== '/token') {
      res.writeHead(404, cors).end();
      return;
    }
    req.resume();
    req.on('end', () => {
      const token = `bundler-token-${requests.length + 1}-${Math.random().toString(36).slice(2, 12)}`;
      requests.push({ method: req.method, origin: origin ?? null, userAgent: req.headers['user-agent'] ?? '' });
      tokens.push(token);
      res.writeHead(200, { ...cors, 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ authToken: token, expiresIn: 3600 }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    endpoint: `${url}/token`,
    requests,
    tokens,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

/** Serves the files under `dir` on 127.0.0.1 (`/` → index.html), like any static host. */
export async function startStaticServer(dir) {
  const root = normalize(dir + '/');
  const served = [];
  const server = http.createServer(async (req, res) => {
    let { pathname } = new URL(req.url, 'http://127.0.0.1');
    if (pathname.endsWith('/')) pathname += 'index.html';
    const file = normalize(join(root, decodeURIComponent(pathname)));
    if (!file.startsWith(root)) return res.writeHead(403).end();
    try {
      const body = await readFile(file);
      served.push(pathname);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    served,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A free TCP port on 127.0.0.1 (for tools that want `--port`). */
export async function freePort() {
  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const BASE_ENV = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NO_COLOR: '1', FORCE_COLOR: '0', CI: '1' };

/**
 * Runs a command to completion. Resolves `{ code, stdout, stderr, ms }` (never rejects on a
 * non-zero exit; the test asserts on it). Killed after `timeoutMs`.
 */
export function run(cmd, args, { cwd, env = {}, timeoutMs = 240_000 } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(cmd, args, { cwd, env: { ...BASE_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch {} }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/**
 * Starts a long-running server command and resolves once `url` answers HTTP (any status).
 * `stop()` kills its whole process group.
 */
export async function serve(cmd, args, { cwd, env = {}, url, timeoutMs = 120_000 }) {
  const child = spawn(cmd, args, { cwd, env: { ...BASE_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (c) => { output += c; });
  child.stderr.on('data', (c) => { output += c; });
  let exited = null;
  child.on('close', (code) => { exited = code ?? 'signal'; });
  const stop = async () => {
    if (exited !== null) return;
    const closed = new Promise((resolve) => child.on('close', resolve));
    try { process.kill(-child.pid, 'SIGTERM'); } catch {}
    const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch {} }, 5000);
    await closed;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  const started = Date.now();
  for (;;) {
    if (exited !== null) throw new Error(`${cmd} ${args.join(' ')} exited (${exited}) before serving:\n${output}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`${cmd} did not serve ${url} within ${timeoutMs} ms:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return { stop, output: () => output, readyMs: Date.now() - started };
}
