// Browser version of tests/js/helpers/token-server.mjs (same API, same recorded fields, same
// default minting). The import map of the browser suite substitutes it for the Node one.
//
// Instead of a socket it intercepts `fetch` in the page: `globalThis.fetch` is wrapped once, and a
// request whose origin belongs to a started server is answered in-page by that server's handler
// with a real `Response`; every other request goes to the browser's own fetch. The SDK's
// built-in endpoint fetch calls the global `fetch` at call time, so it is intercepted too.
//   - the request is normalised through `new Request(input, init)` (so method/header/body rules,
//     forbidden headers and the default content-type are the browser's), recorded after a task;
//   - `signal` aborts before the answer reject the fetch with `signal.reason` (an AbortError
//     DOMException for a plain `abort()`), like Chromium's fetch, and record `aborted: true`;
//   - `close()` fails still-unanswered requests with a network error (`TypeError: Failed to
//     fetch`, marked aborted, as a destroyed socket would be) and later requests to that origin
//     fail the same way (a port nobody listens on).
// Server URLs look like the Node ones: http://127.0.0.1:<port>/chat/token (port never opened).

import { tokenLedger } from '../../js/helpers/token-ledger.mjs';

const servers = new Map(); // origin → { dispatch(request, signal) } | 'closed'
const realFetch = globalThis.fetch.bind(globalThis);
let nextPort = 20_000 + Math.floor(Math.random() * 20_000);

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

function networkError() {
  return new TypeError('Failed to fetch');
}
function abortReason(signal) {
  return signal.reason ?? new DOMException('signal is aborted without reason', 'AbortError');
}

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
    return target.dispatch(request, request.signal);
  };
  intercepting.__tokenServerIntercept = true;
  globalThis.fetch = intercepting;
}

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/**
 * @param {Function | { handler?: Function, expiresIn?: number, tokenPrefix?: string }} [arg]
 */
export async function startTokenServer(arg = {}) {
  const ledger = tokenLedger(arg);
  const { srv } = ledger;
  const pending = new Set(); // { entry, fail(err) } of requests not answered yet
  let closed = false;

  let port;
  do port = nextPort++;
  while (String(port) === location.port || servers.has(`http://127.0.0.1:${port}`));
  const origin = `http://127.0.0.1:${port}`;

  srv.close = async () => {
    if (closed) return;
    closed = true;
    servers.set(origin, 'closed');
    ledger.stop();
    for (const p of [...pending]) p.fail(networkError());
    pending.clear();
    await nextTask();
  };

  async function dispatch(request, signal) {
    const body = await request.text();
    await nextTask(); // the request travels
    if (signal.aborted) throw abortReason(signal);
    if (closed) throw networkError();

    const url = new URL(request.url);
    const headers = { host: url.host };
    for (const [k, v] of request.headers) headers[k] = v; // lower-case names, like node's req.headers
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

      const send = (spec) => {
        if (closed || entry.aborted || entry.answered) return;
        const h = new Headers(spec.headers ?? {});
        // Like node's http server: every answer carries a Date header.
        if (!h.has('date')) h.set('date', new Date().toUTCString());
        let payload = null;
        if (spec.body !== undefined && spec.body !== null) {
          if (typeof spec.body === 'string') {
            payload = spec.body;
          } else {
            payload = JSON.stringify(spec.body);
            if (!h.has('content-type')) h.set('content-type', 'application/json');
          }
        }
        const status = spec.status ?? 200;
        entry.answered = true;
        pending.delete(slot);
        signal.removeEventListener('abort', onAbort);
        let response;
        try {
          response = new Response(NULL_BODY_STATUS.has(status) ? null : payload ?? '', { status, headers: h });
          Object.defineProperty(response, 'url', { value: request.url });
        } catch (err) {
          reject(networkError()); // a status a real server cannot send
          console.error('token server: cannot build a Response', err);
          return;
        }
        resolve(response);
      };

      // `hang`: never answer; an abort or close() ends it.
      ledger.answer(entry, send);
    });
  }

  servers.set(origin, { dispatch });
  srv.url = `${origin}/chat/token`;
  return srv;
}
