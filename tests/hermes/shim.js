// Host shim for running the package under the Hermes CLI (tests/hermes/run.mjs puts this first,
// then pkg/index.native.js, then one scenario). It plays the parts a React Native app's host
// provides and the Hermes CLI lacks, and nothing of the package itself:
//   - a virtual clock: Date.now, setTimeout, clearTimeout, setInterval, clearInterval that the
//     scenario advances, so hours take no real time (the real CLI timers are kept for settling);
//   - fetch: a deterministic in-process fake token endpoint, at the network boundary only
//     (Response-like objects with status, headers, json(), text(); scripted per scenario);
//   - AbortController and console, which React Native provides and the Hermes CLI does not;
//   - a tiny assertion kit and the result line the runner reads.
// Written for Hermes 0.12: no classes, no modules. Not strict at file level: the package that
// follows must run in whatever mode it chose itself.
var __hermesTest = (function (global) {
  'use strict';
  var realSetTimeout = setTimeout;
  var print = global.print;

  // ---- React Native's own globals, for scenarios that ask for them (see run.mjs) ------------
  // React Native's InitializeCore sets window and self to the global object and a navigator
  // without onLine; there is still no document, localStorage, BroadcastChannel or locks.
  if (global.__RN_GLOBALS__) {
    global.window = global;
    global.self = global;
    global.navigator = { product: 'ReactNative' };
    global.process = { env: { NODE_ENV: 'production' } };
  }

  // ---- virtual clock -----------------------------------------------------------------------
  var clock = {
    now: Date.UTC(2026, 10, 21, 12, 0, 0),
    timers: [], // { id, at, seq, fn, args, interval }
    net: [], // { at, seq, fn }: the fake network's own events (not counted as wake-ups)
    seq: 0,
    nextId: 1,
    fired: 0, // timer callbacks run (the package's wake-ups)
    scheduled: 0, // timers the package armed
  };
  var realDateNow = Date.now;
  Date.now = function () {
    return clock.now;
  };
  function addTimer(fn, ms, args, interval) {
    var delay = Number(ms) || 0;
    if (delay < 0) delay = 0;
    var id = clock.nextId++;
    clock.scheduled++;
    clock.timers.push({ id: id, at: clock.now + delay, seq: clock.seq++, fn: fn, args: args, interval: interval ? Math.max(1, delay) : 0 });
    return id;
  }
  function removeTimer(id) {
    for (var i = 0; i < clock.timers.length; i++) {
      if (clock.timers[i].id === id) {
        clock.timers.splice(i, 1);
        return;
      }
    }
  }
  global.setTimeout = function (fn, ms) {
    return addTimer(fn, ms, Array.prototype.slice.call(arguments, 2), false);
  };
  // As strict as Hermes' own timers ("Argument to clearTimeout must be a number"): the host
  // must only clear a timer it holds.
  global.clearTimeout = function (id) {
    if (typeof id !== 'number') throw new TypeError('Argument to clearTimeout must be a number');
    removeTimer(id);
  };
  global.setInterval = function (fn, ms) {
    return addTimer(fn, ms, Array.prototype.slice.call(arguments, 2), true);
  };
  global.clearInterval = function (id) {
    removeTimer(id);
  };

  // Lets every queued promise job run: one real macrotask turn comes after the microtask queue
  // has drained (the CLI runs with -Xmicrotask-queue, as React Native does).
  function settle() {
    return new Promise(function (resolve) {
      realSetTimeout(resolve, 0);
    }).then(function () {
      return new Promise(function (resolve) {
        realSetTimeout(resolve, 0);
      });
    });
  }
  function earliest(list) {
    var best = null;
    for (var i = 0; i < list.length; i++) {
      var e = list[i];
      if (best === null || e.at < best.at || (e.at === best.at && e.seq < best.seq)) best = e;
    }
    return best;
  }
  function fireNext(target) {
    var t = earliest(clock.timers);
    var n = earliest(clock.net);
    var next = t && n ? (n.at < t.at || (n.at === t.at && n.seq < t.seq) ? n : t) : t || n;
    if (!next || next.at > target) return false;
    if (next.at > clock.now) clock.now = next.at;
    if (next === n) {
      clock.net.splice(clock.net.indexOf(n), 1);
      n.fn();
    } else {
      if (t.interval) {
        t.at = clock.now + t.interval;
        t.seq = clock.seq++;
      } else {
        clock.timers.splice(clock.timers.indexOf(t), 1);
      }
      clock.fired++;
      t.fn.apply(null, t.args);
    }
    return true;
  }
  /** Moves the clock forward by `ms`, running every timer and network event due on the way. */
  function advance(ms) {
    var target = clock.now + ms;
    function step() {
      return settle().then(function () {
        if (fireNext(target)) return step();
        clock.now = target;
        return settle();
      });
    }
    return step();
  }

  // ---- AbortController (React Native ships one; the Hermes CLI has none) --------------------
  function AbortSignal() {
    this.aborted = false;
    this.reason = undefined;
    this.onabort = null;
    this._listeners = [];
  }
  AbortSignal.prototype.addEventListener = function (type, fn) {
    if (type === 'abort') this._listeners.push(fn);
  };
  AbortSignal.prototype.removeEventListener = function (type, fn) {
    var i = this._listeners.indexOf(fn);
    if (type === 'abort' && i >= 0) this._listeners.splice(i, 1);
  };
  AbortSignal.prototype.throwIfAborted = function () {
    if (this.aborted) throw this.reason;
  };
  function AbortController() {
    this.signal = new AbortSignal();
  }
  AbortController.prototype.abort = function (reason) {
    var s = this.signal;
    if (s.aborted) return;
    s.aborted = true;
    if (reason === undefined) {
      reason = new Error('Aborted');
      reason.name = 'AbortError';
    }
    s.reason = reason;
    var ev = { type: 'abort', target: s };
    if (typeof s.onabort === 'function') s.onabort(ev);
    var ls = s._listeners.slice();
    for (var i = 0; i < ls.length; i++) ls[i].call(s, ev);
  };
  // React Native has had AbortController since 0.60; a bare Hermes embedding has none, and a
  // scenario marked `// hermes-test: no-abort-controller` runs without it.
  if (!global.__NO_ABORT_CONTROLLER__) {
    global.AbortController = AbortController;
    global.AbortSignal = AbortSignal;
  }

  // ---- console (React Native routes it to the device log) -----------------------------------
  var logs = [];
  function logger(level) {
    return function () {
      var parts = [];
      for (var i = 0; i < arguments.length; i++) {
        var a = arguments[i];
        parts.push(a instanceof Error ? a.name + ': ' + a.message + '\n' + a.stack : typeof a === 'string' ? a : safeJson(a));
      }
      logs.push(level + ' ' + parts.join(' '));
    };
  }
  function safeJson(v) {
    try {
      return JSON.stringify(v);
    } catch (e) {
      return String(v);
    }
  }
  global.console = { log: logger('log'), info: logger('info'), warn: logger('warn'), error: logger('error'), debug: logger('debug') };

  // ---- the fake token endpoint, behind fetch -----------------------------------------------
  var server = {
    requests: [],
    expiresIn: 3600, // seconds, in each minted response
    delayMs: 0, // answer delay of the default response
    ignoreAbort: false, // answer even after the request was aborted (a late result)
    script: [], // queued responses, used before the default: { status, headers, body, delayMs } or fn(req)
    minted: [],
    tokenPrefix: 'hermes-tok-',
    mint: function () {
      var token = server.tokenPrefix + (server.minted.length + 1);
      server.minted.push(token);
      return { status: 200, body: { authToken: token, expiresIn: server.expiresIn }, delayMs: server.delayMs };
    },
  };
  function Headers(obj) {
    this._h = {};
    for (var k in obj || {}) this._h[k.toLowerCase()] = String(obj[k]);
  }
  Headers.prototype.get = function (name) {
    var v = this._h[String(name).toLowerCase()];
    return v === undefined ? null : v;
  };
  Headers.prototype.has = function (name) {
    return this.get(name) !== null;
  };
  Headers.prototype.forEach = function (fn, thisArg) {
    for (var k in this._h) fn.call(thisArg, this._h[k], k, this);
  };
  function Response(status, headers, text) {
    this.status = status;
    this.ok = status >= 200 && status < 300;
    this.statusText = '';
    this.headers = new Headers(headers);
    this._text = text;
    this.bodyUsed = false;
  }
  Response.prototype.text = function () {
    this.bodyUsed = true;
    return Promise.resolve(this._text);
  };
  Response.prototype.json = function () {
    this.bodyUsed = true;
    var t = this._text;
    return new Promise(function (resolve) {
      resolve(JSON.parse(t));
    });
  };
  global.Headers = Headers;
  global.Response = Response;
  function plainHeaders(h) {
    var out = {};
    if (!h) return out;
    if (typeof h.forEach === 'function' && !Array.isArray(h)) {
      h.forEach(function (v, k) {
        out[String(k).toLowerCase()] = String(v);
      });
      return out;
    }
    for (var k in h) out[k.toLowerCase()] = String(h[k]);
    return out;
  }
  global.fetch = function (input, init) {
    init = init || {};
    var req = {
      index: server.requests.length + 1,
      url: String(typeof input === 'string' ? input : input && input.url),
      method: (init.method || 'GET').toUpperCase(),
      headers: plainHeaders(init.headers),
      body: init.body === undefined ? undefined : String(init.body),
      credentials: init.credentials,
      at: clock.now,
      signal: init.signal || null,
      aborted: false,
    };
    server.requests.push(req);
    var planned = server.script.length ? server.script.shift() : null;
    if (typeof planned === 'function') planned = planned(req);
    if (!planned) planned = server.mint();
    var text = typeof planned.body === 'string' ? planned.body : JSON.stringify(planned.body === undefined ? {} : planned.body);
    var delay = planned.delayMs === undefined ? 0 : planned.delayMs;
    return new Promise(function (resolve, reject) {
      var settled = false;
      function abortError() {
        var e = new Error('Aborted');
        e.name = 'AbortError';
        return e;
      }
      if (req.signal) {
        if (req.signal.aborted) {
          req.aborted = true;
          return reject(abortError());
        }
        req.signal.addEventListener('abort', function () {
          req.aborted = true;
          if (!server.ignoreAbort && !settled) {
            settled = true;
            reject(abortError());
          }
        });
      }
      function answer() {
        if (settled) return;
        settled = true;
        req.answeredAt = clock.now;
        resolve(new Response(planned.status || 200, planned.headers || {}, text));
      }
      if (delay > 0) clock.net.push({ at: clock.now + delay, seq: clock.seq++, fn: answer });
      else answer();
    });
  };

  // ---- assertions and the result line -------------------------------------------------------
  function fail(msg) {
    throw new Error(msg);
  }
  var assert = {
    ok: function (v, msg) {
      if (!v) fail(msg || 'expected a truthy value, got ' + safeJson(v));
    },
    equal: function (a, b, msg) {
      if (a !== b) fail((msg ? msg + ': ' : '') + 'expected ' + safeJson(b) + ', got ' + safeJson(a));
    },
    deepEqual: function (a, b, msg) {
      if (safeJson(a) !== safeJson(b)) fail((msg ? msg + ': ' : '') + 'expected ' + safeJson(b) + ', got ' + safeJson(a));
    },
    /** Resolves with the rejection of `p`, failing if it fulfils. */
    rejects: function (p, msg) {
      return p.then(
        function () {
          fail((msg || 'promise') + ': expected a rejection, it resolved');
        },
        function (e) {
          return e;
        },
      );
    },
  };

  /**
   * No minted token may appear in a log line, an error message or stack, or the snapshot.
   * `extra` are further strings produced by the package (error messages and the like).
   */
  function noLeaks(manager, extra) {
    var hay = logs.join('\n') + '\n' + (extra || []).join('\n');
    if (manager && typeof manager.snapshot === 'function') hay += '\n' + safeJson(manager.snapshot());
    for (var i = 0; i < server.minted.length; i++) {
      if (hay.indexOf(server.minted[i]) >= 0) fail('a token leaked into logs, errors or the snapshot');
    }
  }

  var done = false;
  function report(ok, message) {
    if (done) return;
    done = true;
    print('__HERMES_RESULT__ ' + JSON.stringify({ ok: ok, message: message, requests: server.requests.length, virtualMs: clock.now - start }));
  }
  var start = clock.now;
  /** Runs the scenario body (an async function taking the kit) and prints the result line. */
  function scenario(name, body) {
    var kit = {
      clock: clock,
      advance: advance,
      settle: settle,
      server: server,
      logs: logs,
      assert: assert,
      noLeaks: noLeaks,
      pkg: global.__chatTokenManager,
    };
    Promise.resolve()
      .then(function () {
        if (!kit.pkg || typeof kit.pkg.TokenManager !== 'function') fail('the package did not load: no TokenManager export');
        return body(kit);
      })
      .then(
        function () {
          report(true, name);
        },
        function (e) {
          report(false, name + ': ' + (e && e.stack ? e.stack : String(e)));
        },
      );
  }

  return { scenario: scenario, clock: clock, server: server, realDateNow: realDateNow };
})(globalThis);
var scenario = __hermesTest.scenario;
