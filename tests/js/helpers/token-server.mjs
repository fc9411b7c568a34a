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
import { once } from 'node:events';
import { tokenLedger } from './token-ledger.mjs';

/**
 * @param {Function | { handler?: Function, expiresIn?: number, tokenPrefix?: string }} [arg]
 */
export async function startTokenServer(arg = {}) {
  const ledger = tokenLedger(arg);
  const { srv } = ledger;
  const sockets = new Set();
  let closed = false;

  srv.close = async () => {
    if (closed) return;
    closed = true;
    ledger.stop();
    const done = new Promise((resolve) => server.close(() => resolve()));
    server.closeAllConnections?.();
    for (const s of sockets) s.destroy();
    await done;
  };

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const entry = ledger.record({ method: req.method, path: req.url, headers: req.headers, body });
      res.on('close', () => {
        if (!res.writableFinished) entry.aborted = true;
      });
      ledger.notify(entry);
      // `hang`: never answer; close() destroys the socket.
      await ledger.answer(entry, (spec) => {
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
      });
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
