// The defaults are the same through every host: the core's Config::default() (Rust, printed by
// crates/ffi/examples/core_defaults.rs), the JavaScript manager built into pkg/ with no option
// but its token source, and the native bridge's `ManagerOptions()` through uniffi's Python
// bindings (tests/ffi/defaults_probe.py). Both managers run the same scenarios on a fake clock
// that fires each timer at its deadline, with the same jitter seed, and what they do is
// compared with the core's numbers and with each other. Run by scripts/ffi.sh:
//   CHAT_TOKEN_CORE_DEFAULTS=<core_defaults binary> CHAT_TOKEN_FFI_BINDINGS=<dir> node --test tests/ffi/defaults.test.mjs
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TokenManager } from 'chat-token-manager';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = (file, args = []) => JSON.parse(execFileSync(file, args, { cwd: root, encoding: 'utf8' }));

const T0 = 1_700_000_000_000;
// Math.random() during `new TokenManager()` → the jitter seed 0.5 × 2^53, the Python probe's seed.
const RANDOM = 0.5;
// Fired timers after which a scenario gives up (a default that never ends it).
const MAX_STEPS = 50;

/** The global timers replaced by a fake clock: `fireNext()` runs the earliest timer at its deadline. */
class FakeTimers {
  now = T0;
  #queue = [];
  #id = 0;
  #real = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout };

  install() {
    globalThis.setTimeout = (fn, ms = 0, ...args) => {
      const id = ++this.#id;
      this.#queue.push({ id, at: this.now + Math.max(0, Number(ms) || 0), run: () => fn(...args) });
      return id;
    };
    globalThis.clearTimeout = (id) => {
      this.#queue = this.#queue.filter((t) => t.id !== id);
    };
  }

  uninstall() {
    Object.assign(globalThis, this.#real);
  }

  async fireNext() {
    if (this.#queue.length === 0) throw new Error('no timer armed');
    this.#queue.sort((a, b) => a.at - b.at || a.id - b.id);
    const timer = this.#queue.shift();
    this.now = Math.max(this.now, timer.at);
    timer.run();
    await settle();
  }

  async runUntil(done) {
    for (let i = 0; i < MAX_STEPS && !done(); i++) await this.fireNext();
    if (!done()) throw new Error('the scenario did not end');
  }
}

/** Lets promise reactions (the manager's fetch and login results) run. */
async function settle() {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A JavaScript manager on the fake clock, with the options of the scenario only. */
async function probe(scenario) {
  const timers = new FakeTimers();
  timers.install();
  const random = Math.random;
  const managers = [];
  const make = (options) => {
    Math.random = () => RANDOM;
    try {
      const m = new TokenManager({ logger: null, now: () => timers.now, ...options });
      managers.push(m);
      return m;
    } finally {
      Math.random = random;
    }
  };
  try {
    return await scenario(make, timers);
  } finally {
    for (const m of managers) m.dispose();
    timers.uninstall();
  }
}

/** Settles a promise into an inspectable state. */
function track(promise) {
  const state = { done: false, value: undefined, error: undefined };
  promise.then((v) => Object.assign(state, { done: true, value: v }), (e) => Object.assign(state, { done: true, error: e }));
  return state;
}

const unavailable = () => Promise.reject(Object.assign(new Error('unavailable'), { status: 503 }));

/** The times between the token requests of one cycle in which every request gets 503. */
const failingFetches = (options = {}) => probe(async (make, timers) => {
  const times = [];
  const m = make({ fetchToken: () => (times.push(timers.now), unavailable()), ...options });
  const started = track(m.start());
  await settle();
  await timers.runUntil(() => started.done);
  assert.equal(started.error?.code, 'http', 'the cycle gives up with the 503');
  return times.slice(1).map((t, i) => t - times[i]);
});

async function javascriptProfile() {
  const token = await probe(async (make) => {
    const m = make({ fetchToken: async () => ({ authToken: 'a' }) });
    const info = await m.start();
    return { lifetime: info.expiresAt - info.issuedAt, refreshLead: info.expiresAt - info.refreshAt };
  });
  const fetchTimeout = await probe(async (make, timers) => {
    let askedAt, abortedAt;
    const m = make({
      fetchToken: ({ signal }) => {
        askedAt = timers.now;
        signal.addEventListener('abort', () => (abortedAt ??= timers.now));
        return new Promise(() => {});
      },
    });
    track(m.start());
    await settle();
    await timers.runUntil(() => abortedAt !== undefined);
    return abortedAt - askedAt;
  });
  const loginTimeout = await probe(async (make, timers) => {
    let loginAt;
    const m = make({ fetchToken: async () => ({ authToken: 'a' }), login: () => ((loginAt = timers.now), new Promise(() => {})) });
    const started = track(m.start());
    await settle();
    await timers.runUntil(() => started.done);
    assert.equal(started.error?.code, 'login_failed');
    return timers.now - loginAt;
  });
  const backoffs = await failingFetches();
  return {
    ...token,
    fetchTimeout,
    attempts: backoffs.length + 1,
    backoffs,
    backoffsOf10Attempts: await failingFetches({ retry: { maxAttempts: 10 } }),
    loginTimeout,
  };
}

const core = run(process.env.CHAT_TOKEN_CORE_DEFAULTS ?? path.join(root, 'target/ffi/debug/examples/core_defaults'));
const hosts = {
  javascript: await javascriptProfile(),
  python: run('python3', [path.join(root, 'tests/ffi/defaults_probe.py')]),
};

for (const [host, seen] of Object.entries(hosts)) {
  test(`${host}: defaultTtlMs, fetchTimeoutMs, loginTimeoutMs and retry.maxAttempts are Config::default()'s`, () => {
    assert.equal(seen.lifetime, core.defaultTtlMs, 'the lifetime of a token with no expiry');
    assert.equal(seen.fetchTimeout, core.fetchTimeoutMs, 'an unanswered token request is aborted after');
    assert.equal(seen.loginTimeout, core.loginTimeoutMs, 'an unanswered login fails after');
    assert.equal(seen.attempts, core.retry.maxAttempts, 'token requests in a cycle that keeps failing');
  });

  test(`${host}: the refresh margin and jitterRatio are Config::default()'s`, () => {
    const margin = core.marginOfDefaultTtl;
    assert.ok(seen.refreshLead >= margin && seen.refreshLead <= margin + core.jitterRatio * margin,
      `a token with no expiry is refreshed ${seen.refreshLead} ms before it expires: not within its margin ${margin} ms + jitterRatio ${core.jitterRatio}`);
  });

  test(`${host}: retry.baseDelayMs and retry.maxDelayMs are Config::default()'s`, () => {
    seen.backoffsOf10Attempts.forEach((delay, i) => {
      assert.ok(delay <= core.backoffCeilings[i], `backoff ${delay} ms after attempt ${i + 1}: above its ceiling ${core.backoffCeilings[i]} ms`);
    });
    assert.deepEqual(seen.backoffs, seen.backoffsOf10Attempts.slice(0, seen.backoffs.length), 'the first backoffs do not depend on maxAttempts');
  });
}

test("python: login and persist are Config::default()'s (the JavaScript manager's are the absence of a login callback and the memory store)", () => {
  assert.equal(hosts.python.login, core.login, 'the default options log the chat SDK in');
  assert.equal(hosts.python.persist, core.persist, 'the default options persist tokens');
});

test('the JavaScript manager and the Python binding do the same with the same jitter seed (jitterRatio, retry delays exactly)', () => {
  const { login, persist, ...python } = hosts.python;
  assert.deepEqual(hosts.javascript, python);
});
