// A programmable fake app backend (the token endpoint) at http://127.0.0.1:<port>/chat/token.
// This is the only fake the JavaScript tests use: it sits on the network boundary,
// so the SDK under test runs its real fetch, timers and classification code.
//
//   const srv = await startTokenServer();                      // mints tok-1, tok-2, … (expiresIn 3600)
//   const srv = await startTokenServer({ expiresIn: 2 });
//   const srv = await startTokenServer((req, srv) => ({ status: 429, headers: { 'retry-after': '1' } }));
//
// A handler gets `(req, srv)` where `req` is the recorded request ({ method, path, headers,
// body, json, at, wallAt, index, aborted, answered }) and returns (or resolves to) a response
// description:
//   { status = 200, headers = {}, body, delayMs = 0, hang = false }
// `body` may be an object (sent as JSON), a string (sent raw) or undefined (empty body).
// Returning null/undefined answers with `srv.mint()` — the default token response; a throw
// answers 500.
//
// One module for Node and the browser suite's page; only the transport differs, chosen at load:
//   - Node: a real `node:http` server on 127.0.0.1 (imported dynamically, so a page never loads it);
//   - a page: `fetch` interception, no socket (see pageTransport below).

const IN_NODE = typeof process === 'object' && typeof process.versions?.node === 'string';

/**
 * @param {Function | { handler?: Function, expiresIn?: number, tokenPrefix?: string }} [arg]
 */
export async function startTokenServer(arg = {}) {
  const ledger = tokenLedger(arg);
  const { srv } = ledger;
  const transport = await (IN_NODE ? nodeTransport : pageTransport)(ledger);
  srv.url = `${transport.origin}/chat/token`;
  srv.close = async () => {
    if (ledger.closed) return;
    ledger.close();
    await transport.close();
  };
  return srv;
}

// The shared part: the `srv` API, recorded requests, default minting, the replaceable handler,
// waiting for requests and delayed answers. Standard JavaScript only.
function tokenLedger(arg) {
  const opts = typeof arg === 'function' ? { handler: arg } : arg;
  let handler = opts.handler ?? null;
  let expiresIn = opts.expiresIn ?? 3600;
  const tokenPrefix = opts.tokenPrefix ?? 'tok-';
  let minted = 0;
  let closed = false;
  const requests = [];
  const listeners = new Set();
  const timers = new Set();

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
          listeners.delete(onReq);
          reject(new Error(`token server: expected ${n} request(s) within ${timeoutMs} ms, got ${requests.length}`));
        }, timeoutMs);
        const onReq = () => {
          if (requests.length >= n) {
            clearTimeout(t);
            listeners.delete(onReq);
            resolve(requests.slice());
          }
        };
        listeners.add(onReq);
      });
    },
    /** Gaps in ms between consecutive request arrivals (monotonic clock). */
    gaps() {
      return requests.slice(1).map((r, i) => r.at - requests[i].at);
    },
    // close() is set by startTokenServer.
  };

  return {
    srv,
    get closed() {
      return closed;
    },
    /** Records an arrived request; returns its entry (what handlers receive as `req`). */
    record({ method, path, headers, body }) {
      let json;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const entry = {
        index: requests.length + 1,
        method,
        path,
        headers,
        body,
        json,
        at: performance.now(), // monotonic ms, for measuring gaps
        wallAt: Date.now(), // epoch ms, for comparing with TokenInfo times
        aborted: false, // becomes true if the client went away before we answered
        answered: false,
      };
      requests.push(entry);
      return entry;
    },
    /** Wakes `waitForRequests` for a recorded entry. */
    notify(entry) {
      for (const fn of [...listeners]) fn(entry);
    },
    /**
     * Asks the handler how to answer `entry` and calls `send(spec)` then, after `delayMs`, or
     * never for `hang` or once closed.
     */
    async answer(entry, send) {
      let spec;
      try {
        spec = handler ? await handler(entry, srv) : null;
        if (spec == null) spec = srv.mint();
      } catch (err) {
        spec = { status: 500, body: { error: String(err?.message ?? err) } };
      }
      entry.response = spec;
      if (spec.hang) return;
      const deliver = () => closed || send(spec);
      if (spec.delayMs > 0) {
        const t = setTimeout(() => {
          timers.delete(t);
          deliver();
        }, spec.delayMs);
        timers.add(t);
      } else {
        deliver();
      }
    },
    /** Marks the server closed and cancels delayed answers. */
    close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}

/** The body text of an answer ('' for none) and whether it is JSON (content-type defaults). */
function payloadOf(spec) {
  if (spec.body === undefined || spec.body === null) return { text: '', json: false };
  if (typeof spec.body === 'string') return { text: spec.body, json: false };
  return { text: JSON.stringify(spec.body), json: true };
}

// Node: a `node:http` server on an ephemeral port. A client that goes away before the answer
// marks the entry aborted; `hang` never answers; close() destroys open sockets.
async function nodeTransport(ledger) {
  const { createServer } = await import('node:http');
  const sockets = new Set();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const entry = ledger.record({ method: req.method, path: req.url, headers: req.headers, body });
      res.on('close', () => {
        if (!res.writableFinished) entry.aborted = true;
      });
      ledger.notify(entry);
      await ledger.answer(entry, (spec) => {
        if (res.destroyed || res.writableEnded) return;
        const headers = { ...(spec.headers ?? {}) };
        const { text, json } = payloadOf(spec);
        if (json && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
          headers['content-type'] = 'application/json';
        }
        entry.answered = true;
        res.writeHead(spec.status ?? 200, headers);
        res.end(text);
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close() {
      const done = new Promise((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      for (const s of sockets) s.destroy();
      return done;
    },
  };
}

// A page: `globalThis.fetch` is wrapped once, and a request whose origin belongs to a started
// server is answered in-page by that server with a real `Response`; every other request goes to
// the browser's own fetch. The SDK's built-in endpoint fetch calls the global `fetch` at call
// time, so it is intercepted too. Ports are never opened.
//   - the request is normalised through `new Request(input, init)` (so method/header/body rules,
//     forbidden headers and the default content-type are the browser's), recorded after a task,
//     with lower-case header names plus host and content-length, like node's req.headers;
//   - `signal` aborts before the answer reject the fetch with `signal.reason` (an AbortError
//     DOMException for a plain `abort()`), like Chromium's fetch, and record `aborted: true`;
//   - `close()` fails still-unanswered requests with a network error (`TypeError: Failed to
//     fetch`, marked aborted, as a destroyed socket would be) and later requests to that origin
//     fail the same way (a port nobody listens on);
//   - every answer carries a Date header, like node's.
let page; // shared by the servers of this page, set up by the first one

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
const networkError = () => new TypeError('Failed to fetch');
const abortReason = (signal) => signal.reason ?? new DOMException('signal is aborted without reason', 'AbortError');

function setUpPage() {
  const servers = new Map(); // origin → { dispatch(request) } | 'closed'
  const realFetch = globalThis.fetch.bind(globalThis);

  // A macrotask hop without setTimeout's nested-timer clamping (a request never reaches a server
  // synchronously).
  const channel = new MessageChannel();
  const hops = [];
  channel.port1.onmessage = () => hops.shift()?.();
  const nextTask = () =>
    new Promise((resolve) => {
      hops.push(resolve);
      channel.port2.postMessage(0);
    });

  if (!globalThis.fetch.__tokenServerIntercept) {
    const intercepting = async function fetch(input, init) {
      const request = new Request(input, init); // throws TypeError like fetch does (e.g. GET with a body)
      const target = servers.get(new URL(request.url).origin);
      if (target === undefined) return realFetch(input, init);
      if (request.signal.aborted) throw abortReason(request.signal);
      if (target === 'closed') {
        await nextTask();
        throw networkError();
      }
      return target.dispatch(request);
    };
    intercepting.__tokenServerIntercept = true;
    globalThis.fetch = intercepting;
  }
  return { servers, nextTask, nextPort: 20_000 + Math.floor(Math.random() * 20_000) };
}

async function pageTransport(ledger) {
  page ??= setUpPage();
  const { servers, nextTask } = page;
  const pending = new Set(); // { entry, fail(err) } of requests not answered yet

  let port;
  do port = page.nextPort++;
  while (String(port) === location.port || servers.has(`http://127.0.0.1:${port}`));
  const origin = `http://127.0.0.1:${port}`;

  async function dispatch(request) {
    const { signal } = request;
    const body = await request.text();
    await nextTask(); // the request travels
    if (signal.aborted) throw abortReason(signal);
    if (ledger.closed) throw networkError();

    const url = new URL(request.url);
    const headers = { host: url.host };
    for (const [k, v] of request.headers) headers[k] = v;
    if (body) headers['content-length'] = String(new TextEncoder().encode(body).length);
    const entry = ledger.record({ method: request.method, path: url.pathname + url.search, headers, body });

    return new Promise((resolve, reject) => {
      const slot = {
        entry,
        fail(err) {
          if (entry.answered || entry.aborted) return;
          entry.aborted = true;
          pending.delete(slot);
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      const onAbort = () => slot.fail(abortReason(signal));
      pending.add(slot);
      signal.addEventListener('abort', onAbort, { once: true });
      ledger.notify(entry);

      // `hang`: never answer; an abort or close() ends it.
      ledger.answer(entry, (spec) => {
        if (entry.aborted || entry.answered) return;
        const h = new Headers(spec.headers ?? {});
        if (!h.has('date')) h.set('date', new Date().toUTCString());
        const { text, json } = payloadOf(spec);
        if (json && !h.has('content-type')) h.set('content-type', 'application/json');
        const status = spec.status ?? 200;
        entry.answered = true;
        pending.delete(slot);
        signal.removeEventListener('abort', onAbort);
        let response;
        try {
          response = new Response(NULL_BODY_STATUS.has(status) ? null : text, { status, headers: h });
          Object.defineProperty(response, 'url', { value: request.url });
        } catch (err) {
          reject(networkError()); // a status a real server cannot send
          console.error('token server: cannot build a Response', err);
          return;
        }
        resolve(response);
      });
    });
  }

  servers.set(origin, { dispatch });
  return {
    origin,
    async close() {
      servers.set(origin, 'closed');
      for (const p of [...pending]) p.fail(networkError());
      pending.clear();
      await nextTask();
    },
  };
}
