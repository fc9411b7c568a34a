// Browser stand-in for `node:test`: collects top-level `test(name, [options], fn)` registrations
// while a test file is imported; `runRegistered()` (called by the page harness) then runs them
// one at a time like node's runner: `t.after` hooks in registration order (also when the test
// failed), a per-test timeout, `{ skip }` / `t.skip()` / `{ todo }`, and uncaught errors or
// unhandled rejections while a test runs fail that test.

const registered = [];
let current = null; // the running test's record, for uncaught errors

function normalize(name, options, fn) {
  if (typeof name === 'function') [name, options, fn] = [name.name || '<anonymous>', {}, name];
  if (typeof options === 'function') [options, fn] = [{}, options];
  return { name: String(name), options: options ?? {}, fn: fn ?? (() => {}) };
}

export function test(name, options, fn) {
  registered.push(normalize(name, options, fn));
  return Promise.resolve();
}
test.skip = (name, options, fn) => {
  const t = normalize(name, options, fn);
  return test(t.name, { ...t.options, skip: true }, t.fn);
};
test.todo = (name, options, fn) => {
  const t = normalize(name, options, fn);
  return test(t.name, { ...t.options, todo: true }, t.fn);
};
test.only = test;
test.test = test;
export const it = test;
export default test;

function unsupported(what) {
  return () => {
    throw new Error(`node:test browser shim: ${what} is not supported`);
  };
}
export const describe = unsupported('describe()');
export const suite = describe;
export const before = unsupported('before()');
export const after = unsupported('top-level after()');
export const beforeEach = unsupported('beforeEach()');
export const afterEach = unsupported('afterEach()');
export const mock = new Proxy({}, { get: (_, k) => unsupported(`mock.${String(k)}`) });

/** Called by the harness when an uncaught error / unhandled rejection happens in the page. */
export function reportUncaught(err) {
  if (current) {
    current.uncaught.push(err);
    current.failNow?.(err);
    return true;
  }
  return false;
}

class TestContext {
  #rec;
  constructor(rec) {
    this.#rec = rec;
  }
  get name() {
    return this.#rec.name;
  }
  get signal() {
    return this.#rec.controller.signal;
  }
  after(fn) {
    this.#rec.afters.push(fn);
  }
  skip(message) {
    this.#rec.skip = message ?? true;
  }
  todo(message) {
    this.#rec.todo = message ?? true;
  }
  diagnostic(message) {
    this.#rec.diagnostics.push(String(message));
  }
  plan() {}
  test = unsupported('subtests (t.test)');
  before = unsupported('t.before()');
  beforeEach = unsupported('t.beforeEach()');
  afterEach = unsupported('t.afterEach()');
  get mock() {
    return unsupported('t.mock')();
  }
}

/**
 * Runs every registered test in order.
 * @param {{ timeoutMs: number, skips: Record<string,string>, onResult: (r) => Promise<void>|void }} cfg
 */
export async function runRegistered({ timeoutMs = 60_000, skips = {}, onResult }) {
  const list = registered.splice(0);
  for (const { name, options, fn } of list) {
    const rec = {
      name,
      afters: [],
      diagnostics: [],
      uncaught: [],
      skip: options.skip ?? false,
      todo: options.todo ?? false,
      controller: new AbortController(),
      failNow: null,
    };
    const started = performance.now();
    if (Object.hasOwn(skips, name)) {
      await onResult({ name, status: 'skip', reason: `browser: ${skips[name]}`, durationMs: 0 });
      continue;
    }
    if (rec.skip) {
      await onResult({ name, status: 'skip', reason: typeof rec.skip === 'string' ? rec.skip : '', durationMs: 0 });
      continue;
    }
    let error = null;
    current = rec;
    const limit = options.timeout ?? timeoutMs;
    let timer;
    try {
      const ctx = new TestContext(rec);
      const body = new Promise((resolve, reject) => {
        if (fn.length >= 2) {
          fn.call(ctx, ctx, (err) => (err ? reject(err) : resolve()));
        } else {
          Promise.resolve(fn.call(ctx, ctx)).then(resolve, reject);
        }
      });
      const stop = new Promise((_, reject) => {
        rec.failNow = reject;
        if (Number.isFinite(limit)) timer = setTimeout(() => reject(new Error(`test timed out after ${limit}ms`)), limit);
      });
      await Promise.race([body, stop]);
    } catch (err) {
      error = err;
    } finally {
      clearTimeout(timer);
      rec.failNow = null;
      rec.controller.abort();
    }
    for (const hook of rec.afters) {
      try {
        await hook.call(null, new TestContext(rec));
      } catch (err) {
        error ??= err;
      }
    }
    // Let rejections that nobody handled surface (the browser reports them after a task).
    await new Promise((r) => setTimeout(r, 0));
    if (!error && rec.uncaught.length) error = rec.uncaught[0];
    current = null;
    const durationMs = performance.now() - started;
    let status = error ? 'fail' : 'pass';
    if (rec.todo) status = 'todo';
    else if (rec.skip) status = 'skip';
    await onResult({ name, status, error: error && serializeError(error), durationMs, diagnostics: rec.diagnostics });
  }
  return list.length;
}

export function serializeError(err) {
  if (err instanceof Error) {
    const out = { name: err.name, message: err.message, stack: String(err.stack ?? '') };
    for (const k of ['code', 'operator', 'generatedMessage']) if (err[k] !== undefined) out[k] = err[k];
    return out;
  }
  let message;
  try {
    message = typeof err === 'string' ? err : JSON.stringify(err);
  } catch {
    message = String(err);
  }
  return { name: 'non-Error thrown', message: String(message), stack: '' };
}
