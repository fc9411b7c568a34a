// A programmable fake app backend (the token endpoint) on 127.0.0.1.
// This is the only fake the JavaScript tests use: it sits on the network boundary,
// so the SDK under test runs its real fetch, timers and classification code.
//
//   const srv = await startTokenServer();                      // mints tok-1, tok-2, … (expiresIn 3600)
//   const srv = await startTokenServer({ expiresIn: 2 });
//   const srv = await startTokenServer((req, srv) => ({ status: 429, headers: { 'retry-after': '1' } }));
//
// A handler gets `(req, srv)` where `req` is the recorded request ({ method, path, headers,
// body, json, at, wallAt, index }) and returns (or resolves to) a response description:
//   { status = 200, headers = {}, body, delayMs = 0, hang = false }
// `body` may be an object (sent as JSON), a string (sent raw) or undefined (empty body).
// Returning null/undefined answers with `srv.mint()` — the default token response.
import http from 'node:http';
import { once, EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';

/**
 * @param {Function | { handler?: Function, expiresIn?: number, tokenPrefix?: string }} [arg]
 */
export async function startTokenServer(arg = {}) {
  const opts = typeof arg === 'function' ? { handler: arg } : arg;
  let handler = opts.handler ?? null;
  let expiresIn = opts.expiresIn ?? 3600;
  const tokenPrefix = opts.tokenPrefix ?? 'tok-';
  let minted = 0;

  const requests = [];
  const sockets = new Set();
  const timers = new Set();
  const events = new EventEmitter();
  let closed = false;

  const srv = {
    url: '',
    requests,
    get count() {
      return requests.length;
    },
    /** Number of tokens minted by the default response so far. */
    get minted() {
      return minted;
    },
    set expiresIn(v) {
      expiresIn = v;
    },
    get expiresIn() {
      return expiresIn;
    },
    /** The default response: a fresh `tok-<n>` with `expiresIn` seconds. */
    mint(extra = {}) {
      minted += 1;
      return { status: 200, body: { authToken: `${tokenPrefix}${minted}`, expiresIn, ...extra } };
    },
    /** Replace the handler (null → default minting). */
    setHandler(fn) {
      handler = fn ?? null;
    },
    /** Resolve once at least `n` requests have arrived (rejects after `timeoutMs`). */
    waitForRequests(n, timeoutMs = 5000) {
      if (requests.length >= n) return Promise.resolve(requests.slice());
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          events.off('request', onReq);
          reject(new Error(`token server: expected ${n} request(s) within ${timeoutMs} ms, got ${requests.length}`));
        }, timeoutMs);
        const onReq = () => {
          if (requests.length >= n) {
            clearTimeout(t);
            events.off('request', onReq);
            resolve(requests.slice());
          }
        };
        events.on('request', onReq);
      });
    },
    /** Gaps in ms between consecutive request arrivals (monotonic clock). */
    gaps() {
      return requests.slice(1).map((r, i) => r.at - requests[i].at);
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const done = new Promise((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      for (const s of sockets) s.destroy();
      await done;
    },
  };

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const entry = {
        index: requests.length + 1,
        method: req.method,
        path: req.url,
        headers: req.headers,
        body,
        json,
        at: performance.now(), // monotonic ms, for measuring gaps
        wallAt: Date.now(), // epoch ms, for comparing with TokenInfo times
        aborted: false, // becomes true if the client closed the connection before we answered
        answered: false,
      };
      requests.push(entry);
      res.on('close', () => {
        if (!res.writableFinished) entry.aborted = true;
      });
      events.emit('request', entry);

      let spec;
      try {
        spec = handler ? await handler(entry, srv) : null;
        if (spec == null) spec = srv.mint();
      } catch (err) {
        spec = { status: 500, body: { error: String(err?.message ?? err) } };
      }
      entry.response = spec;
      if (spec.hang) return; // never answer; close() destroys the socket

      const send = () => {
        if (closed || res.destroyed || res.writableEnded) return;
        const headers = { ...(spec.headers ?? {}) };
        let payload = '';
        if (spec.body !== undefined && spec.body !== null) {
          if (typeof spec.body === 'string') {
            payload = spec.body;
          } else {
            payload = JSON.stringify(spec.body);
            if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
              headers['content-type'] = 'application/json';
            }
          }
        }
        entry.answered = true;
        res.writeHead(spec.status ?? 200, headers);
        res.end(payload);
      };
      if (spec.delayMs > 0) {
        const t = setTimeout(() => {
          timers.delete(t);
          send();
        }, spec.delayMs);
        timers.add(t);
      } else {
        send();
      }
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  srv.url = `http://127.0.0.1:${port}/chat/token`;
  return srv;
}
