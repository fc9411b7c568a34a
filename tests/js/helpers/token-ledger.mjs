// The bookkeeping both fake token servers share: the Node HTTP server
// (tests/js/helpers/token-server.mjs) and the in-page fetch interception the browser suite
// uses in its place (tests/browser/suite/token-server.mjs). Recorded requests, the default
// minting, the replaceable handler, waiting for requests, and delayed answers. Standard
// JavaScript only, so it loads in Node and in a page.

/**
 * @param {Function | { handler?: Function, expiresIn?: number, tokenPrefix?: string }} [arg]
 */
export function tokenLedger(arg = {}) {
  const opts = typeof arg === 'function' ? { handler: arg } : arg;
  let handler = opts.handler ?? null;
  let expiresIn = opts.expiresIn ?? 3600;
  const tokenPrefix = opts.tokenPrefix ?? 'tok-';
  let minted = 0;
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
  };

  return {
    srv,
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
     * Asks the handler how to answer `entry` (null → the default mint; a throw → 500) and
     * calls `send(spec)` then, after `delayMs`, or never for `hang`.
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
      if (spec.delayMs > 0) {
        const t = setTimeout(() => {
          timers.delete(t);
          send(spec);
        }, spec.delayMs);
        timers.add(t);
      } else {
        send(spec);
      }
    },
    /** Cancels delayed answers. */
    stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
