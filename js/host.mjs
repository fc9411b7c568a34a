// The JavaScript host of chat-token-manager's browser entry: every I/O and platform call
// (fetch, timers, storage, cross-tab, lifecycle events, the app's callbacks) around the Rust
// core compiled to a tiny numeric wasm ABI (crates/abi). The core decides; this file only
// carries out its actions. The Node and React Native entries run the wasm-bindgen
// TokenManager (src/) instead; this host goes when the browser entry moves to it (issue 13).
// The core's functions are exported under one-letter names (crates/abi, `export_name`):
// o out, n new, g get, s start, r refresh, u unauthorized, l logout, d dispose, f field,
// k fetch_ok, F fetch_failed, L login_result, t timeout, m resume, O online, S stored,
// T tab_token, p poll, D deadline, U ready_until, a state, z snapshot, c current, h hello,
// P peer_newer, M fetch_timeout, H held.
//
// Portability: no class syntax, no private fields, no top-level await; every platform API
// (document, navigator.locks, BroadcastChannel, localStorage) is feature-detected.
// Properties starting with `_` are internal (renamed by the minifier).
//
// No token text enters the wasm: each manager keeps the token texts it read (`_tt`, handle →
// text, interned: one handle per distinct text) and hands the core their handles (see crates/abi).
// The only texts out of the wasm are static ASCII (log lines, the parts of error messages).

import { decimal, httpDate, jwtExp, retryAfter, trim } from './decode.mjs';
import { formatEntry, parseEntry } from './entry.mjs';

const CODES = 'invalid_options network timeout http rate_limited unauthorized invalid_response login_failed discarded disposed failed logged_out'.split(' ');
const MESSAGES = [
  '',
  'network error while fetching the chat token',
  'the token request timed out and was aborted',
  'the token endpoint answered with an HTTP error status',
  'the token endpoint is rate limiting requests',
  '',
  '',
  '',
  'the result was discarded because the session ended',
  'the token manager is disposed',
  'token refresh stopped after repeated permanent failures; call start() or refresh() to try again',
  'logged out; call start() to begin a new session',
];
const REASONS = 'initial scheduled unauthorized manual resume'.split(' ');
const SOURCES = 'network storage tab'.split(' ');
const STATES = 'idle fetching ready refreshing backoff error failed loggedOut disposed'.split(' ');
const EVENTS = 'token error state expired loggedOut'.split(' ');
const LEVELS = 'debug info warn error'.split(' ');
/** The token response fields the core reads, in the order of `parse::FIELDS` in crates/core/src/parse.rs. */
const PATHS = 'authToken token accessToken data.authToken expiresIn data.expiresIn expiresAt data.expiresAt refreshToken data.refreshToken wsToken data.wsToken'.split(' ');
const MAX_TIME = 9007199254740991;
/** The longest single sleep: every wake-up re-checks against the wall clock. */
const WATCHDOG_MS = 30000;
/** How long a starting tab waits for its peers' token before fetching its own. */
const PEER_WAIT_MS = 250;
const PREFIX = '[chat-token-manager]';
const G = typeof globalThis === 'object' ? globalThis : {};
const noop = () => {};

// ----- errors -------------------------------------------------------------------------------

/**
 * A `TokenError` (arguments in the order the core writes an error out): `code` indexes CODES;
 * `status` and `retryAfterMs` are set when not negative.
 * The message: an invalid option's (`a` the field, `b` what was expected), an invalid
 * response's (`a` the field, `b` the problem), else `a` as given or the code's own message.
 */
export function tokenError(code, status, retryAfterMs, retryable, a, b) {
  const e = new Error(
    code === 0 ? 'invalid option `' + a + '`: expected ' + b : code === 6 ? 'invalid token response: `' + a + '` ' + b : a === undefined ? MESSAGES[code] : a,
  );
  e.name = 'TokenError';
  e.code = CODES[code];
  if (status >= 0) e.status = status;
  if (retryAfterMs >= 0) e.retryAfterMs = retryAfterMs;
  e.retryable = retryable;
  return e;
}

function invalid(field, expected) {
  return tokenError(0, -1, -1, false, field, expected);
}

// ----- small JS helpers -----------------------------------------------------------------------

const isObject = (v) => v !== null && typeof v === 'object';
const isFunction = (v) => typeof v === 'function';
const isString = (v) => typeof v === 'string';
const isNumber = (v) => typeof v === 'number';

/** `obj[key]`, or undefined when `obj` is not an object or the read throws. */
function get(obj, key) {
  try {
    // Objects and functions only (`Object(v) === v`): a primitive's properties are not read.
    if (Object(obj) === obj) return obj[key];
  } catch {}
}

/** `obj[method](...args)`; throws when it is missing or throws. */
function call(obj, method, ...args) {
  const f = get(obj, method);
  if (!isFunction(f)) throw noop;
  return f.apply(obj, args);
}

/** `obj[method](...args)`, or undefined when it is missing or throws. */
function safe(obj, method, ...args) {
  try {
    return call(obj, method, ...args);
  } catch {}
}

/** `headers.get(name)` as a string, or undefined. */
function header(headers, name) {
  const v = safe(headers, 'get', name);
  return isString(v) ? v : undefined;
}

/** `localStorage` or `sessionStorage` where it exists and may be used, else null. */
function webStorage(name) {
  try {
    const s = G[name];
    return isObject(s) ? s : null;
  } catch {
    return null;
  }
}

const localStore = () => webStorage('localStorage');

function visible() {
  const v = get(get(G, 'document'), 'visibilityState');
  return !isString(v) || v === 'visible';
}

/** Listens with `target.addEventListener`; returns the remover (a no-op where there is none). */
function listen(target, event, f) {
  try {
    call(target, 'addEventListener', event, f);
  } catch {
    return noop;
  }
  return () => safe(target, 'removeEventListener', event, f);
}

// ----- options ----------------------------------------------------------------------------------

/**
 * `o[key]`: `fallback` when it is undefined, else the value if `ok(value)`; otherwise an
 * `invalid_options` error naming `prefix + key` and what was `expected`.
 */
function opt(o, key, ok, expected, fallback, prefix = '') {
  const v = get(o, key);
  if (v === undefined) return fallback;
  if (!ok(v)) throw invalid(prefix + key, expected);
  return v;
}

const fn = (o, key) => opt(o, key, isFunction, 'a function');
const str = (o, key, fallback, prefix) => opt(o, key, (v) => isString(v) && v !== '', 'a non-empty string', fallback, prefix);
/** A whole number of milliseconds (floored). */
const millis = (o, key, fallback, prefix) =>
  Math.floor(opt(o, key, (v) => isNumber(v) && v >= 0 && v <= MAX_TIME, 'a non-negative, finite number of milliseconds', fallback, prefix));

const ENDPOINT = '{ url, method, headers, credentials, body }';

function readEndpoint(v) {
  if (isString(v)) {
    if (v === '') throw invalid('endpoint', 'a non-empty URL string or ' + ENDPOINT);
    v = { url: v }; // the defaults for the rest
  }
  if (!isObject(v)) throw invalid('endpoint', 'a URL string or ' + ENDPOINT);
  const url = str(v, 'url', undefined, 'endpoint.');
  if (url === undefined) throw invalid('endpoint.url', 'a non-empty URL string');
  const headers = opt(v, 'headers', (h) => isObject(h) || isFunction(h), 'an object, or a function returning one (sync or async)', undefined, 'endpoint.');
  const credentials = str(v, 'credentials', 'include', 'endpoint.');
  if (credentials !== 'include' && credentials !== 'same-origin' && credentials !== 'omit') {
    throw invalid('endpoint.credentials', "'include', 'same-origin' or 'omit'");
  }
  const body = opt(v, 'body', (b) => isString(b) || isObject(b), 'a string, or an object to send as JSON', undefined, 'endpoint.');
  return { url, method: str(v, 'method', 'POST', 'endpoint.'), headers, credentials, body };
}

function readStorage(v, warnings) {
  const expected = "'memory', 'session', 'local', or { getItem, setItem, removeItem } (sync or async)";
  let backend;
  if (v === undefined || v === 'memory') return null;
  if (v === 'session') backend = webStorage('sessionStorage');
  else if (v === 'local') {
    warnings.push("storage 'local': tokens in localStorage are readable by any script on this origin; prefer 'session' or memory");
    backend = localStore();
  } else if (!isString(v) && ['getItem', 'setItem', 'removeItem'].every((m) => isFunction(get(v, m)))) backend = v;
  else throw invalid('storage', expected);
  if (!backend) warnings.push('the requested web storage is not available here; tokens stay in memory');
  return backend;
}

/** Reads and validates the options field by field (the same order and messages as ever). */
function readOptions(options) {
  if (!isObject(options)) throw invalid('options', 'an object with fetchToken or endpoint');
  const fetchToken = fn(options, 'fetchToken');
  const ep = get(options, 'endpoint');
  if (fetchToken && ep !== undefined) throw invalid('endpoint', 'to be absent when fetchToken is given (use one token source)');
  if (!fetchToken && ep === undefined) throw invalid('fetchToken', 'a function returning the token response, or an endpoint option');
  const endpoint = fetchToken ? null : readEndpoint(ep);
  const margin = millis(options, 'refreshMarginMs', -1);
  const jitter = opt(options, 'jitterRatio', (v) => isNumber(v) && v >= 0 && v <= 1, 'a number between 0 and 1', 0.1);
  const ttl = millis(options, 'defaultTtlMs', 86400000);
  const fetchTimeout = millis(options, 'fetchTimeoutMs', 10000);
  const loginTimeout = millis(options, 'loginTimeoutMs', 30000);
  const retry = opt(options, 'retry', isObject, 'an object { baseDelayMs, maxDelayMs, maxAttempts }', {});
  const attempts = opt(retry, 'maxAttempts', (v) => isNumber(v) && v >= 1 && v <= 1000 && v % 1 === 0, 'an integer from 1 to 1000', 6, 'retry.');
  const base = millis(retry, 'baseDelayMs', 1000, 'retry.');
  const max = millis(retry, 'maxDelayMs', 60000, 'retry.');
  const storageKey = str(options, 'storageKey', 'chat-token-manager');
  const warnings = [];
  const storage = readStorage(get(options, 'storage'), warnings);
  const crossTab = opt(options, 'crossTab', (v) => typeof v === 'boolean', 'a boolean', get(G, 'document') !== undefined);
  const login = fn(options, 'login');
  const logger = opt(options, 'logger', (v) => v === null || isObject(v), 'a console-like object or null');
  // The validated options (internal names: the minifier shortens them).
  const o = {
    _fetchToken: fetchToken,
    _endpoint: endpoint,
    _loginFn: login,
    _logoutFn: fn(options, 'logout'),
    _onTokenRefresh: fn(options, 'onTokenRefresh'),
    _onRefreshError: fn(options, 'onRefreshError'),
    _logger: logger,
    _clock: fn(options, 'now'),
    _st: storage,
    _storageKey: storageKey,
    _crossTab: crossTab,
    _warnings: warnings,
  };
  o._appState = opt(options, 'appState', (v) => isFunction(get(v, 'addEventListener')), "React Native's AppState: { currentState, addEventListener('change', listener) }");
  // The core's own checks (Config::validate), done here so a manager can be built before the
  // wasm is ready.
  const zero = [ttl, fetchTimeout, loginTimeout].indexOf(0);
  if (zero >= 0) throw invalid(['defaultTtlMs', 'fetchTimeoutMs', 'loginTimeoutMs'][zero], 'a positive number of milliseconds');
  if (max < base) throw invalid('retry.maxDelayMs', 'a number of milliseconds not below retry.baseDelayMs');
  o._cfg = [margin, jitter, ttl, fetchTimeout, loginTimeout, base, max, attempts, login ? 1 : 0, Math.floor(Math.random() * 9007199254740992), storage ? 1 : 0];
  return o;
}

/** The built-in fetch's `RequestInit`; `headers` already resolved. */
function requestInit(e, headers, signal) {
  const init = { method: e.method, credentials: e.credentials, signal };
  const hdrs = { accept: 'application/json' };
  if (isString(e.body)) init.body = e.body;
  else if (isObject(e.body)) {
    try {
      init.body = JSON.stringify(e.body);
      hdrs['content-type'] = 'application/json';
    } catch {}
  }
  // The app's headers win over the defaults above.
  // A plain object, [name, value] pairs, or a Headers instance (its own entries aren't properties).
  if (Array.isArray(headers)) for (const pair of headers) hdrs[pair[0]] = pair[1];
  else if (isObject(headers) && isFunction(headers.forEach)) headers.forEach((v, k) => (hdrs[k] = v));
  else if (isObject(headers)) Object.assign(hdrs, headers);
  init.headers = hdrs;
  return init;
}

// ----- the cross-tab bus: a BroadcastChannel, or `storage` events where that is missing -------

function parseMessage(v) {
  const type = get(v, 'type');
  if (type === 'token') {
    const entry = get(v, 'entry');
    return isString(entry) ? { type, entry } : null;
  }
  return type === 'hello' || type === 'logout' ? { type } : null;
}

/** The cross-tab bus named `name`: `{ _listen(f) → remover, _post(message), _close() }`, or null. */
function openBus(name) {
  const BC = G.BroadcastChannel;
  if (isFunction(BC)) {
    try {
      const ch = new BC(name);
      return {
        _listen: (f) => listen(ch, 'message', (ev) => {
          const m = parseMessage(get(ev, 'data'));
          if (m) f(m);
        }),
        _post: (m) => safe(ch, 'postMessage', m),
        _close: () => safe(ch, 'close'),
      };
    } catch {}
  }
  const ls = localStore();
  if (!ls) return null;
  const key = name + ':bus';
  return {
    _listen: (f) => listen(G, 'storage', (ev) => {
      if (get(ev, 'key') !== key) return;
      const v = get(ev, 'newValue');
      let m = null;
      try {
        m = parseMessage(isString(v) ? JSON.parse(v) : null);
      } catch {}
      if (m) f(m);
    }),
    // Set then remove at once: other tabs get the `storage` event; nothing stays.
    _post: (m) => {
      safe(ls, 'setItem', key, JSON.stringify({ ...m, nonce: Math.random() }));
      safe(ls, 'removeItem', key);
    },
    _close: noop,
  };
}

// ----- the host -----------------------------------------------------------------------------

/**
 * Builds the SDK around a wasm `exports` object. `load(input)` returns the exports (or a
 * promise of them); it runs on the first `init()` or the first call that needs the core.
 * `provide(exports)` makes them available synchronously (Node CommonJS, wasm2js).
 */
export function createHost(load) {
  let X = null;
  let pending = null;
  // The out-stream of the last call: numbers and bytes, and read positions.
  let nums;
  let bytes;
  let ni = 0;
  let bi = 0;

  function provide(exports) {
    X = exports;
  }

  function init(input) {
    if (X) return Promise.resolve();
    if (!pending) {
      pending = Promise.resolve(input)
        .then(load)
        .then(provide, (err) => {
          pending = null;
          throw err;
        });
    }
    return pending;
  }

  function out() {
    const p = X.o();
    const buffer = X.memory.buffer;
    const h = new Uint32Array(buffer, p, 4);
    nums = new Float64Array(buffer, h[0], h[1]);
    bytes = new Uint8Array(buffer, h[2], h[3]);
    ni = 0;
    bi = 0;
  }
  const N = () => nums[ni++];
  /** A static ASCII text (a log line, an error's parts), or undefined. */
  function S() {
    const len = N();
    // From the read position to the new one (arguments are evaluated left to right).
    return len < 0 ? undefined : String.fromCharCode.apply(null, bytes.subarray(bi, (bi += len)));
  }
  /** The text of the next handle in `texts` (a manager's `_tt`): '' for 0, undefined for none. */
  function T(texts) {
    const h = N();
    return h ? texts.get(h) : h < 0 ? undefined : '';
  }
  function readInfo(texts) {
    // Read in stream order; `token` comes first among the keys but after the numbers.
    const info = { token: '', expiresAt: N(), refreshAt: N(), issuedAt: N(), reason: REASONS[N()], source: SOURCES[N()] };
    info.token = T(texts);
    const refreshToken = T(texts);
    const wsToken = T(texts);
    if (refreshToken !== undefined) info.refreshToken = refreshToken;
    if (wsToken !== undefined) info.wsToken = wsToken;
    return info;
  }
  /** An entry written out by the core: `[text or undefined, issuedAt, expiresAt]`. */
  function readEntry(texts) {
    const issued = N();
    const expires = N();
    return [formatEntry(issued, expires, T(texts), T(texts), T(texts)), issued, expires];
  }
  function readError() {
    // code, status, retryAfterMs, retryable, then the message's parts: in stream order.
    return tokenError(N(), N(), N(), N() === 1, S(), S());
  }

  /**
   * Keeps a chat auth token alive: fetches it, logs the chat SDK in, refreshes it before
   * expiry, dedupes concurrent callers and retries transient failures.
   */
  function TokenManager(options) {
    if (!(this instanceof TokenManager)) throw new TypeError("TokenManager must be called with 'new'");
    // The validated options become the manager's own (internal) fields: _fetchToken,
    // _endpoint, _loginFn, _logoutFn, _onTokenRefresh, _onRefreshError, _logger, _clock (the
    // `now` option, or undefined), _st (the storage backend, null for memory), _storageKey,
    // _crossTab, _warnings, _appState and _cfg.
    // Then: _h (the core's machine handle, -1 until the wasm has loaded), _lg (the storage
    // read generation), _ls (event listeners), _w (callers waiting, by id), _f (fetches in
    // flight: their AbortControllers, by op), _hooks (removers of platform listeners), _tt
    // (token texts by handle) and _tn (the last handle given).
    // Unset until they are first needed: _dead (disposed), _bg (in the background), _t and
    // _ta (the timer and its deadline), _tok and _p (the current token, and a promise of it
    // for getToken's hot path), _until (until when _p is handed out as is), _pres (releases
    // the presence lock).
    const o = Object.assign(this, readOptions(options), { _h: -1, _lg: 0, _ls: [], _w: new Map(), _f: new Map(), _hooks: [], _tt: new Map(), _tn: 0 });
    // Managers share tokens across tabs only with the same storageKey and endpoint.
    this._scope = 'chat-token-manager:' + o._storageKey + '|' + (o._endpoint ? o._endpoint.url : '');
    this._bus = o._crossTab ? openBus(this._scope) : null;
    // Web Locks, used (and looked up) only with a bus.
    const locks = this._bus && get(get(G, 'navigator'), 'locks');
    this._locks = this._bus && isFunction(get(locks, 'request')) ? locks : null;
    for (const w of o._warnings) this._log(2, w);
    if (o._appState) {
      this._bg = get(o._appState, 'currentState') === 'background';
      const sub = safe(o._appState, 'addEventListener', 'change', (s) => {
        if (s === 'active' || s === 'background') this.setAppState(s);
      });
      this._hooks.push(() => safe(sub, 'remove'));
    }
    if (X) this._boot();
    else init().then(() => this._boot(), noop);
  }

  const P = TokenManager.prototype;

  // The methods (enumerable, as plain assignments to the prototype would make them).
  Object.assign(P, {
    _boot() {
      if (this._h >= 0) return;
      // The core's Config, in the order of ctm_new's arguments (see readOptions).
      this._h = X.n(...this._cfg);
      if (this._dead) {
        X.d(this._h);
        return this._drive();
      }
      this._install();
    },

    /** Runs `f` once the core is ready (now, or queued behind loading it). */
    _ready(f) {
      // Booted here too: a first load that failed leaves the constructor's boot undone, and a
      // later call's successful init() must still find a machine.
      const go = () => {
        this._boot();
        return f();
      };
      return X ? go() : init().then(go);
    },

    /** The manager's clock: the `now` option, else `Date.now()`. */
    _now() {
      const f = this._clock;
      if (!f) return Date.now();
      let t;
      try {
        t = f();
      } catch {}
      if (!isNumber(t) || !(t >= 0 && t < Infinity)) t = Date.now();
      return Math.floor(Math.min(t, MAX_TIME));
    },

    /** Calls the core at the current time: `X[name](handle, now, ...args)`. */
    _x(name, ...args) {
      return X[name](this._h, this._now(), ...args);
    },

    /** Feeds one input to the core at the current time, then drives; returns the core's answer. */
    _in(...args) {
      const r = this._x(...args);
      this._drive();
      return r;
    },

    /** The handle of the token text `s` (the same for the same text; 0 for ''). */
    _id(s) {
      if (s === '') return 0;
      for (const [h, t] of this._tt) if (t === s) return h;
      this._tt.set(++this._tn, s);
      return this._tn;
    },

    /** Hands an entry (`parseEntry`'s) to the core: `X[name](handle, now, ...args, times, tokens)`. */
    _entry(name, e, ...args) {
      return this._in(name, ...args, e[0], e[1], this._id(e[2]), this._id(e[3]), this._id(e[4]));
    },

    /** Carries out the core's actions, then re-arms the one timer. */
    _drive() {
      const h = this._h;
      let kind;
      while ((kind = X.p(h))) this._act(kind);
      // The one timer: cleared, kept (same deadline), or re-armed.
      const deadline = X.D(h);
      if (deadline < 0 || this._bg) this._clear();
      else if (this._t == null || this._ta !== deadline) {
        this._clear();
        this._ta = deadline;
        this._t = setTimeout(() => {
          this._t = null;
          this._in('t');
        }, Math.min(Math.max(deadline - this._now(), 0), WATCHDOG_MS));
      }
      this._until = X.U(h);
      // Forgets the token texts the core no longer holds (it holds at most six).
      if (this._tt.size > 9) {
        X.H(h);
        out();
        for (const t of this._tt.keys()) if (!nums.includes(t)) this._tt.delete(t);
      }
    },

    _clear() {
      // Only a timer it holds: Hermes' own clearTimeout throws on anything but a number.
      if (this._t != null) clearTimeout(this._t);
      this._t = null;
    },

    _act(kind) {
      out();
      switch (kind) {
        // Arguments are evaluated left to right: each N() reads the next number in order.
        case 1:
          return this._fetch(N(), REASONS[N()], N());
        case 2: {
          const op = N();
          const c = this._f.get(op);
          if (c) {
            this._f.delete(op);
            c.abort();
          }
          return;
        }
        case 3:
          return this._login(N(), readInfo(this._tt));
        case 4:
          return this._appLogout();
        case 5:
          return this._load();
        case 6: {
          const text = readEntry(this._tt)[0];
          return text && this._write('setItem', text);
        }
        case 7:
          return this._write('removeItem');
        case 8: {
          const [entry, issued, expires] = readEntry(this._tt);
          if (this._bus && entry) {
            this._marker(issued + ':' + expires);
            this._bus._post({ type: 'token', entry });
          }
          return;
        }
        case 9: {
          const ids = [];
          for (let i = N(); i > 0; i--) ids.push(N());
          const ok = N() === 1;
          const value = ok ? readInfo(this._tt) : readError();
          for (const id of ids) {
            const settle = this._w.get(id);
            this._w.delete(id);
            if (settle) settle(ok, value);
          }
          return;
        }
        case 10: {
          const info = readInfo(this._tt);
          this._tok = info.token;
          this._p = Promise.resolve(info.token);
          return this._emit(0, info, this._onTokenRefresh);
        }
        case 11:
          return this._emit(1, readError(), this._onRefreshError);
        case 12:
          return this._emit(2, STATES[N()]);
        case 13:
          return this._emit(3);
        case 14:
          this._tok = undefined;
          this._p = null;
          return this._emit(4);
        case 15: {
          // The code: an index into CODES (0–11) or, from 12, into REASONS; -1 none.
          const level = N();
          const msg = S();
          const c = N();
          return this._log(level, msg, c < 0 ? undefined : c < 12 ? CODES[c] : REASONS[c - 12]);
        }
      }
    },

    _emit(idx, payload, callback) {
      const targets = this._ls.filter((l) => l.e === idx).map((l) => l.f);
      if (callback) targets.unshift(callback);
      for (const f of targets) {
        try {
          f(payload);
        } catch {
          this._log(3, 'an event listener threw; the manager carries on', EVENTS[idx]);
        }
      }
    },

    _log(level, msg, code) {
      const logger = this._logger;
      // No logger option: warnings and errors go to the console.
      if (logger === null || (logger === undefined && (level < 2 || typeof console === 'undefined'))) return;
      // A line without a code has no third argument (console would print `undefined`).
      safe(logger === undefined ? console : logger, LEVELS[level], PREFIX, msg, ...(code === undefined ? [] : [code]));
    },

    /** Turns a core answer into the promise a method returns, then drives. */
    _answer(r, want) {
      let p;
      if (r === -1) {
        p = Promise.resolve(want && X.c(this._h) ? (out(), readInfo(this._tt)) : this._tok);
      } else if (r === -2) {
        out();
        p = Promise.reject(readError());
      } else {
        // Settled by the core's answer (case 9 of _act): the TokenInfo, or only its token.
        p = new Promise((resolve, reject) => this._w.set(r, (ok, v) => (ok ? resolve(want ? v : v.token) : reject(v))));
      }
      this._drive();
      return p;
    },

    /** Fetches a token and logs in. Idempotent; concurrent calls share one fetch. */
    start() {
      return this._ready(() => this._answer(this._x('s'), 1));
    },

    /** A valid token, fetching one if needed. Concurrent calls share one fetch. */
    getToken() {
      // The hot path: the core said until when the current token is handed out as is.
      const p = this._p;
      if (p && this._now() < this._until) return p;
      return this._ready(() => {
        const r = this._x('g');
        return r === -1 && this._p ? this._p : this._answer(r, 0);
      });
    },

    /** Forces a refresh (joins one in flight). */
    refresh() {
      return this._ready(() => this._answer(this._x('r'), 1));
    },

    /** The chat service rejected a token; with that token as `staleToken`, a rotated one costs no request. */
    handleUnauthorized(staleToken) {
      return this._ready(() => {
        return this._answer(this._x('u', isString(staleToken) ? this._id(staleToken) : -1), 1);
      });
    },

    /** Ends the session: cancels in-flight work, rejects waiting callers, calls the `logout` option. */
    logout() {
      return this._ready(() => {
        this._lg++;
        const r = this._x('l');
        let err;
        if (r === -2) {
          out();
          err = readError();
        }
        this._drive();
        if (r === 1 && this._bus) {
          this._marker(null);
          this._bus._post({ type: 'logout' });
        }
        if (err) return Promise.reject(err);
        const f = this._logoutFn;
        if (r !== 1 || !f) return Promise.resolve();
        try {
          return Promise.resolve(f()).then(noop);
        } catch (e) {
          return Promise.reject(e);
        }
      });
    },

    /** Stops everything for good. Idempotent; later calls reject with `disposed`. */
    dispose() {
      this._dead = true;
      // Before the wasm has loaded there is no machine yet, but the channel, the presence lock and
      // the AppState subscription are already open: close them all the same.
      if (this._h >= 0) {
        X.d(this._h);
        this._drive();
      }
      this._clear();
      this._ls = [];
      const hooks = this._hooks;
      this._hooks = [];
      for (const off of hooks) off();
      if (this._bus) this._bus._close();
      const release = this._pres;
      this._pres = null;
      if (release) release();
    },

    /** Subscribes to an event; returns the unsubscribe function. */
    on(event, listener) {
      const e = EVENTS.indexOf(event);
      if (e < 0) throw invalid('event', "'token', 'error', 'state', 'expired' or 'loggedOut'");
      if (!isFunction(listener)) throw invalid('listener', 'a function');
      const l = { e, f: listener };
      this._ls.push(l);
      return () => {
        this._ls = this._ls.filter((x) => x !== l);
      };
    },

    /**
     * React Native's app state: 'background' stops the timer (no wake-ups); 'active' resumes at
     * once (re-check, refresh with reason 'resume' if inside the margin).
     */
    setAppState(state) {
      if (state !== 'active' && state !== 'background') throw invalid('appState', "'active' or 'background'");
      this._bg = state === 'background';
      if (this._h < 0 || this._dead) return;
      if (this._bg) this._clear();
      else this._in('m');
    },

    /** A token-free view for diagnostics and UIs. */
    snapshot() {
      // Before the wasm has loaded: the same shape, nothing known yet (times -1, counts 0).
      const idle = this._h < 0;
      if (!idle) {
        X.z(this._h);
        out();
      }
      const next = (v) => (idle ? v : N());
      const nul = (v) => (v < 0 ? null : v);
      // In stream order (lastError, a key before offline, is read after it).
      const snap = {
        state: idle ? this.state : STATES[N()],
        expiresAt: nul(next(-1)),
        refreshAt: nul(next(-1)),
        generation: next(0),
        consecutiveFailures: next(0),
        lastError: null,
        offline: next(0) === 1,
      };
      if (next(0) === 1) {
        const e = readError();
        snap.lastError = { code: e.code, message: e.message, status: e.status ?? null, retryable: e.retryable };
      }
      return snap;
    },

    // ----- platform -------------------------------------------------------------------------

    /** Wake-up, network and cross-tab listeners (only those the platform has). */
    _install() {
      const resume = () => this._in('m');
      this._hooks.push(
        listen(G, 'online', () => this._in('O', 1)),
        listen(G, 'offline', () => this._in('O', 0)),
        listen(G, 'focus', resume),
        listen(G, 'pageshow', resume),
        listen(get(G, 'document'), 'visibilitychange', () => {
          if (visible()) resume();
        }),
      );
      if (this._bus) this._hooks.push(this._bus._listen((m) => this._onTab(m)));
      const locks = this._locks;
      if (locks) {
        // A presence lock, held while this manager lives, so starting tabs can tell whether any
        // peer could answer them.
        const own = this._scope + ':tab:' + Math.floor(Math.random() * 1e15);
        try {
          Promise.resolve(
            locks.request(own, () => new Promise((resolve) => {
              if (!this._dead) this._pres = resolve;
            })),
          ).catch(noop);
        } catch {}
      }
      if (get(get(G, 'navigator'), 'onLine') === false) this._in('O', 0);
    },

    _onTab(m) {
      if (this._dead) return;
      if (m.type === 'token') {
        const e = parseEntry(m.entry);
        if (e) this._entry('T', e);
      } else if (m.type === 'hello') {
        if (this._x('h')) {
          out();
          const entry = readEntry(this._tt)[0];
          if (entry) this._bus._post({ type: 'token', entry });
        }
      } else {
        if (this._in('l') === 1) this._appLogout();
      }
    },

    /** Calls the app's `logout` without waiting for it (another tab's logout, or undoing a late login). */
    _appLogout() {
      const f = this._logoutFn;
      if (!f) return;
      try {
        Promise.resolve(f()).catch(noop);
      } catch {}
    },

    /** The cross-tab marker: `issuedAt:expiresAt` of the newest token any tab fetched (never the token). */
    _marker(value) {
      // (No localStorage: safe() does nothing.)
      const ls = localStore();
      const key = this._scope + ':cycle';
      if (value === null) safe(ls, 'removeItem', key);
      else safe(ls, 'setItem', key, value);
    },

    /** Whether another tab fetched a usable token newer than this tab's. */
    _peerNewer() {
      const v = safe(localStore(), 'getItem', this._scope + ':cycle');
      // `issuedAt:expiresAt`, both as stored::parse reads times.
      const m = isString(v) && /^(\d{1,16}):(\d{1,16})$/.exec(v);
      return !!m && this._x('P', +m[1], +m[2]) === 1;
    },

    /** Whether another live manager of this scope holds its presence lock (true without Web Locks). */
    async _peersAlive() {
      const locks = this._locks;
      if (!locks) return true;
      let state;
      try {
        state = await call(locks, 'query');
      } catch {
        return true;
      }
      const prefix = this._scope + ':tab:';
      let count = 0;
      try {
        for (const l of Array.from(get(state, 'held'))) {
          const name = get(l, 'name');
          if (isString(name) && name.startsWith(prefix)) count++;
        }
      } catch {}
      return count > (this._pres ? 1 : 0);
    },

    _fetch(op, reason, attempt) {
      // (Only the browser entry uses this host: every browser it supports has AbortController.)
      const controller = new AbortController();
      const signal = controller.signal;
      this._f.set(op, controller);
      const locks = this._locks;
      // No Web Locks (or no cross-tab): no election, but a tab still asks its peers first.
      if (!locks) return this._askThenFetch(op, reason, attempt, signal);
      // Cross-tab: fetch only while holding the origin-wide lock. The lock is held until the
      // fetch settles or its signal aborts (fetch timeout, logout, dispose), never longer; a
      // retry steals the lock from a frozen holder.
      const granted = () => {
        if (!this._f.has(op)) return undefined;
        const aborted = new Promise((resolve) => {
          safe(signal, 'addEventListener', 'abort', resolve);
        });
        return Promise.race([this._askThenFetch(op, reason, attempt, signal), aborted]);
      };
      try {
        // An aborted wait rejects; the core already moved on.
        Promise.resolve(locks.request(this._scope, attempt > 1 ? { steal: true } : { signal }, granted)).catch(noop);
      } catch {}
    },

    /**
     * Fetches a token. If another tab fetched a newer usable token, asks the tabs for it first:
     * an answer arrives as a tab token and supersedes this fetch. Nobody answering costs a short
     * wait.
     */
    async _askThenFetch(op, reason, attempt, signal) {
      await null;
      if (attempt === 1 && this._bus && !this._dead) {
        if (this._peerNewer() && (await this._peersAlive())) {
          this._bus._post({ type: 'hello' });
          const wait = Math.min(Math.floor(X.M(this._h) / 4), PEER_WAIT_MS);
          await new Promise((resolve) => setTimeout(resolve, wait));
        }
      }
      // A logout or dispose since the fetch was asked for: no request at all.
      if (!this._f.has(op)) return;
      // Then `fetchToken` (or the built-in fetch), and the outcome reported to the core.
      let ok = true;
      let v;
      try {
        const f = this._fetchToken;
        if (f) {
          const previous = X.c(this._h) ? (out(), readInfo(this._tt)) : null;
          v = await f({ reason, attempt, signal, previous });
        } else {
          const e = this._endpoint;
          let headers = e.headers;
          if (isFunction(headers)) headers = await headers();
          if (!this._f.has(op)) return; // logged out while the app's headers were computed
          v = await fetch(e.url, requestInit(e, headers, signal));
        }
      } catch (thrown) {
        ok = false;
        v = thrown;
      }
      this._f.delete(op);
      const fail = (status, retryAfter) => this._in('F', op, status, retryAfter);
      const wait = (headers) => {
        const value = header(headers, 'retry-after');
        return value === undefined ? -1 : retryAfter(value, this._now());
      };
      if (!ok) {
        // Classified by a numeric `status` (with `retryAfterMs` or a Retry-After header); else network.
        const status = get(v, 'status');
        if (!isNumber(status) || !(status >= 100 && status < 600)) return fail(0, -1);
        const ms = get(v, 'retryAfterMs');
        return fail(Math.floor(status), isNumber(ms) && ms >= 0 && ms < Infinity ? ms : wait(get(v, 'headers')));
      }
      let date = -1;
      if (isNumber(get(v, 'status')) && isFunction(get(v, 'json'))) {
        // A fetch Response: status, Retry-After, the Date header (clock skew) and the JSON body.
        const s = v.status;
        const status = s >= 65535 ? 65535 : s > 0 ? Math.floor(s) : 0;
        const headers = get(v, 'headers');
        if (status < 200 || status >= 300) return fail(status, status ? wait(headers) : -1);
        const d = header(headers, 'date');
        if (d !== undefined) date = httpDate(d) ?? -1;
        try {
          v = await v.json();
        } catch {
          return fail(-1, -1);
        }
      }
      const object = isObject(v) && !Array.isArray(v);
      if (object) {
        // What the core would otherwise decode itself (see `Prepared` in crates/abi/src/lib.rs): numeric
        // strings become numbers, a blank token is sent as '', and slot 12 is the chosen
        // token's JWT `exp`.
        let token;
        PATHS.forEach((path, i) => {
          let x = v;
          for (const key of path.split('.')) x = isObject(x) ? get(x, key) : undefined;
          if (x === undefined) return;
          if (i < 4 && token === undefined && x !== null) token = x;
          if (x === null) X.f(i, 1);
          else if (isString(x) && i > 3 && i < 8) X.f(i, 3, decimal(x));
          else if (isString(x)) X.f(i, 2, this._id(i < 4 && trim(x) === '' ? '' : x));
          else if (isNumber(x)) X.f(i, 3, x);
          else X.f(i, 4);
        });
        const exp = isString(token) ? jwtExp(token) : undefined;
        if (exp !== undefined) X.f(12, exp === null ? 4 : 3, exp);
      }
      this._in('k', op, object ? 1 : 0, date);
    },

    _login(op, info) {
      const login = this._loginFn;
      if (!login) return;
      let call;
      let threw = false;
      try {
        call = login(info.token, info);
      } catch (e) {
        threw = true;
        call = e;
      }
      (async () => {
        let result = 0;
        try {
          await null;
          if (threw) throw call;
          await call;
        } catch (e) {
          // CometChat rejects a second concurrent login with LOGIN_IN_PROGRESS.
          result = get(e, 'name') === 'LOGIN_IN_PROGRESS' || get(e, 'code') === 'LOGIN_IN_PROGRESS' ? 1 : 2;
        }
        this._in('L', op, result);
      })();
    },

    // ----- storage ----------------------------------------------------------------------------

    _storage(method, value) {
      const b = this._st;
      if (!b) return null;
      try {
        const key = this._storageKey;
        return Promise.resolve(value === undefined ? call(b, method, key) : call(b, method, key, value));
      } catch {
        this._degrade();
        return null;
      }
    },

    /** A storage that throws or rejects is replaced by memory, with one warning. */
    _degrade() {
      if (!this._st) return;
      this._st = null;
      this._log(2, 'token storage failed; keeping tokens in memory from now on');
    },

    _write(method, value) {
      const p = this._storage(method, value);
      if (p) p.catch(() => this._degrade());
    },

    _load() {
      // A read that answers after a logout (or a newer read) belongs to the old session: dropped.
      const id = ++this._lg;
      const p = this._storage('getItem');
      (async () => {
        let entry;
        await null;
        if (p) {
          try {
            const v = await p;
            if (isString(v)) entry = v;
          } catch {
            this._degrade();
          }
        }
        if (id !== this._lg || this._dead) return;
        const e = entry && parseEntry(entry);
        this._entry('S', e || [0, 0, '', '', ''], entry === undefined ? -1 : e ? 1 : 0);
      })();
    },
  });

  // `using manager = new TokenManager(…)` disposes it like dispose().
  if (typeof Symbol === 'function' && typeof Symbol.dispose === 'symbol') P[Symbol.dispose] = P.dispose;

  /** The state's name: 'idle' until the wasm has loaded ('disposed' if disposed before). */
  Object.defineProperty(P, 'state', {
    get() {
      return this._h < 0 ? (this._dead ? 'disposed' : 'idle') : STATES[X.a(this._h)];
    },
    configurable: true,
  });

  return { TokenManager, init, provide };
}
