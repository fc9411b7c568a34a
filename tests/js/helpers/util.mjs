// Small shared helpers for the JavaScript tests (no dependencies).
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import * as sdk from 'chat-token-manager';

export { sleep, sdk };
export const { TokenManager } = sdk;

/** A fixed epoch (a whole second, so "expiresAt in seconds" is exact). */
export const T0 = 1_700_000_000_000;

/** Fast retry settings so tests never wait on the 1 s default base delay. */
export const FAST_RETRY = Object.freeze({ baseDelayMs: 10, maxDelayMs: 50, maxAttempts: 3 });

/** Options every test manager gets unless it overrides them. */
export const QUIET = Object.freeze({ logger: null, jitterRatio: 0 });

/**
 * Create a manager and register it for disposal at the end of the test.
 * `t` is the node:test context.
 */
export function manager(t, options) {
  const m = new TokenManager({ ...QUIET, ...options });
  t.after(() => m.dispose());
  return m;
}

/** A token server that is closed at the end of the test. */
export async function server(t, startTokenServer, arg) {
  const srv = await startTokenServer(arg);
  t.after(() => srv.close());
  return srv;
}

/** Await a promise that must reject with a TokenError; check its shape; return the error. */
export async function expectTokenError(promise, expected = {}) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err !== undefined, `expected a TokenError${expected.code ? ` with code '${expected.code}'` : ''}, but it resolved`);
  checkTokenError(err, expected);
  return err;
}

/** Call `fn`, which must throw a TokenError synchronously; check it; return the error. */
export function expectThrowsTokenError(fn, expected = {}) {
  let err;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err !== undefined, `expected a thrown TokenError${expected.code ? ` with code '${expected.code}'` : ''}`);
  checkTokenError(err, expected);
  return err;
}

export function checkTokenError(err, { code, retryable, status, message, notInMessage = [] } = {}) {
  assert.ok(err instanceof Error, `expected an Error instance, got ${describe(err)}`);
  assert.equal(err.name, 'TokenError', `error.name (message: ${err.message})`);
  if (typeof sdk.TokenError === 'function') assert.ok(err instanceof sdk.TokenError, 'instanceof TokenError');
  if (code !== undefined) assert.equal(err.code, code, `error.code (message: ${err.message})`);
  assert.equal(typeof err.retryable, 'boolean', 'error.retryable is a boolean');
  if (retryable !== undefined) assert.equal(err.retryable, retryable, `error.retryable for code ${err.code}`);
  if (status !== undefined) assert.equal(err.status, status, 'error.status');
  assert.equal(typeof err.message, 'string');
  if (message !== undefined) assert.match(err.message, message);
  for (const secret of notInMessage) {
    assert.ok(!err.message.includes(secret), `error message must not contain the token (${JSON.stringify(err.message)})`);
    assert.ok(!String(err.stack ?? '').includes(secret), 'error stack must not contain the token');
  }
}

function describe(v) {
  try {
    return `${typeof v}: ${v instanceof Error ? `${v.name}: ${v.message}` : JSON.stringify(v)}`;
  } catch {
    return typeof v;
  }
}

/** Poll `predicate` until it is truthy (or fail after `timeoutMs`). */
export async function waitFor(predicate, { timeoutMs = 5000, intervalMs = 5, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await predicate();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Record every event a manager emits: `{ token: [], error: [], state: [], expired: [], loggedOut: [] }`. */
export function record(m) {
  const log = { token: [], error: [], state: [], expired: [], loggedOut: [], all: [] };
  for (const name of ['token', 'error', 'state', 'expired', 'loggedOut']) {
    m.on(name, (payload) => {
      log[name].push(payload);
      log.all.push({ name, payload });
    });
  }
  return log;
}

/** A state event payload may be the state string or an object carrying it. */
export function stateName(payload) {
  if (typeof payload === 'string') return payload;
  return payload?.state ?? payload?.to ?? payload?.current;
}

/** A counting login that resolves after `delayMs`. */
export function countingLogin({ delayMs = 0 } = {}) {
  const calls = [];
  const fn = async (token, info) => {
    calls.push({ token, info });
    if (delayMs) await sleep(delayMs);
  };
  fn.calls = calls;
  return fn;
}

// base64url without padding, via standard APIs (same output as Buffer's 'base64url'; also runs in browsers).
const b64url = (obj) => {
  let bin = '';
  for (const byte of new TextEncoder().encode(JSON.stringify(obj))) bin += String.fromCharCode(byte);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

/** An unsigned-looking JWT (header.payload.signature) with the given claims. */
export function makeJwt(claims) {
  return `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(claims)}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk`;
}
