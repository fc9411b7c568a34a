// A real redis-server (Debian's `redis-server`, installed by scripts/setup.sh) for the tests, on a
// free port of 127.0.0.1 with a temporary directory and no persistence; and a round-robin HTTP
// proxy that puts several backend instances behind one port.
import { spawn, spawnSync } from 'node:child_process';
import { createServer, request as httpRequest } from 'node:http';
import { connect, createServer as createTcpServer } from 'node:net';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = 'redis-server';

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
async function freePort() {
  const s = createTcpServer();
  await new Promise((r, j) => { s.once('error', j); s.listen(0, '127.0.0.1', r); });
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/** Sends one inline command and resolves with the first reply line (e.g. '+PONG'). */
export function redisCommand(port, line, timeoutMs = 1000) {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let buf = '';
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`redis ${line}: no answer in ${timeoutMs} ms`)); }, timeoutMs);
    sock.on('connect', () => sock.write(`${line}\r\n`));
    sock.on('data', (d) => {
      buf += d;
      if (buf.includes('\r\n')) { clearTimeout(timer); sock.destroy(); resolve(buf); }
    });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

/**
 * Starts redis-server. Throws (never skips) when the binary is missing.
 * @returns {Promise<{ url: string, port: number, command(line: string): Promise<string>,
 *   stop(): Promise<void>, restart(): Promise<void>, pause(): void, resume(): void }>}
 *   stop() kills it (nothing persists); restart() starts an empty one on the same port;
 *   pause()/resume() freeze and thaw the process (SIGSTOP/SIGCONT: connected but silent).
 */
export async function startRedis() {
  const probe = spawnSync(BIN, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(`${BIN} not found: run \`bash scripts/setup.sh\` (it installs Debian's redis-server)`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'ctm-redis-'));
  const port = await freePort();
  let child;
  let stderr = '';

  async function launch() {
    child = spawn(BIN, [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
      '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise((r) => child.once('exit', (code) => r(code)));
    const t0 = Date.now();
    for (;;) {
      const gone = await Promise.race([exited, new Promise((r) => setTimeout(() => r(undefined), 50))]);
      if (gone !== undefined) throw new Error(`redis-server exited (${gone}): ${stderr.slice(-500)}`);
      if ((await redisCommand(port, 'PING', 500).catch(() => '')).startsWith('+PONG')) return;
      if (Date.now() - t0 > 10_000) throw new Error(`redis-server did not answer PING in 10 s: ${stderr.slice(-500)}`);
    }
  }
  async function kill() {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGCONT');
    c.kill('SIGKILL');
    await gone;
  }

  // A test file that crashes or exits early must not leave its redis-server behind.
  const onExit = () => {
    try { child?.kill('SIGKILL'); } catch { /* gone already */ }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    command: (line) => redisCommand(port, line),
    stop: kill,
    async restart() { await kill(); await launch(); },
    pause() { child.kill('SIGSTOP'); },
    resume() { child.kill('SIGCONT'); },
    async close() { process.off('exit', onExit); await kill(); await rm(dir, { recursive: true, force: true }); },
  };
}

/**
 * A round-robin HTTP proxy on a free port of 127.0.0.1: request i goes to upstream i mod n, and
 * the answer carries `x-upstream: <index>`.
 * @param {string[]} upstreams origins such as http://127.0.0.1:1234
 */
export async function startRoundRobinProxy(upstreams) {
  let next = 0;
  const server = createServer((req, res) => {
    const i = next++ % upstreams.length;
    const target = new URL(req.url, upstreams[i]);
    const up = httpRequest(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (r) => {
      res.writeHead(r.statusCode, { ...r.headers, 'x-upstream': String(i) });
      r.pipe(res);
    });
    up.on('error', () => { res.writeHead(502); res.end(); });
    req.pipe(up);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}
