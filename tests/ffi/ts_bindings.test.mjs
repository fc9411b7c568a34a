// The TypeScript API that uniffi-bindgen-react-native generates for crates/ffi — the API a
// React Native app calls — run by Node against the native library. React Native reaches the
// library through JSI; here the generator's N-API flavour of the same API layer goes through
// @ubjs/node (libffi). Built by crates/ffi/react-native/check.sh; run by scripts/ffi.sh:
//   node --test tests/ffi/ts_bindings.test.mjs
// Times are bigint epoch ms passed in; the token backend is the only fake (answers handed
// to fetchFinished).
import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bindings = process.env.CHAT_TOKEN_FFI_NAPI ?? path.join(root, 'target/ffi/napi/out/index.js');
const {
  TokenManager, ManagerOptions, RetryOptions, FetchOutcome, LoginOutcome, TokenEvent, TokenManagerError, Reason, ManagerState,
} = await import(pathToFileURL(bindings).href);

const T0 = 1_700_000_000_000n;

class Host {
  pending = [];
  fetchLog = [];
  aborted = [];
  logins = [];
  logouts = 0;
  events = [];
  logs = [];
  fetchToken(request) { this.pending.push(request); this.fetchLog.push(request); }
  abortFetch(op) { this.aborted.push(op); this.pending = this.pending.filter((r) => r.op !== op); }
  login(op, token) { this.logins.push([op, token]); }
  logout() { this.logouts += 1; }
  loadStored() {}
  saveStored() {}
  clearStored() {}
  onEvent(event) { this.events.push(event); }
  log(level, message, code) { this.logs.push([level, message, code]); }
  tokens() { return this.events.filter((e) => TokenEvent.Token.instanceOf(e)).map((e) => e.inner[0]); }
}

/** A manager whose host logs the chat SDK in (login: true) unless told otherwise. */
function make(options = {}) {
  const host = new Host();
  const m = new TokenManager(ManagerOptions.create({ seed: 7n, login: true, ...options }), host);
  return { m, host };
}

const tick = async () => { for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r)); };
const json = (body) => FetchOutcome.Http.new({ status: 200, body: JSON.stringify(body), retryAfter: undefined, date: undefined });
function answer(m, host, now, outcome) {
  assert.equal(host.pending.length, 1, 'one fetch in flight');
  m.fetchFinished(now, host.pending.shift().op, outcome);
}
function loginOk(m, host, now) {
  const [op] = host.logins.shift();
  m.loginFinished(now, op, LoginOutcome.Ok);
}

test('fetch callback and login callback: the initial token through the generated TypeScript API', async () => {
  const { m, host } = make();
  const waiting = m.getToken(T0);
  await tick();
  assert.equal(host.fetchLog.length, 1);
  assert.equal(host.pending[0].reason, Reason.Initial);
  assert.equal(host.pending[0].attempt, 1);
  answer(m, host, T0 + 40n, json({ authToken: 'ts-secret', expiresIn: 3600 }));
  assert.equal(host.logins.length, 1);
  assert.equal(host.logins[0][1].token, 'ts-secret');
  loginOk(m, host, T0 + 50n);
  const info = await waiting;
  assert.equal(info.token, 'ts-secret');
  assert.equal(info.expiresAt, T0 + 40n + 3_600_000n);
  assert.equal(m.snapshot().state, ManagerState.Ready);
  assert.deepEqual(host.tokens().map((t) => t.token), ['ts-secret']);
  for (const [, message] of host.logs) assert.ok(!message.includes('ts-secret'));
});

test('dedupe: 100 concurrent getToken promises share one fetch and one login', async () => {
  const { m, host } = make();
  const callers = Array.from({ length: 100 }, () => m.getToken(T0));
  await tick();
  assert.equal(host.fetchLog.length, 1);
  answer(m, host, T0, json({ token: 'shared', expiresIn: 600 }));
  assert.equal(host.logins.length, 1);
  loginOk(m, host, T0);
  const results = await Promise.all(callers);
  assert.deepEqual(new Set(results.map((r) => r.token)), new Set(['shared']));
});

test('refresh scheduling with time passed in: the deadline is inside the margin and the fetch goes out at it', async () => {
  const { m, host } = make({ login: false });
  const waiting = m.start(T0);
  await tick();
  answer(m, host, T0, json({ authToken: 't0', expiresIn: 3600 }));
  const first = await waiting;
  const deadline = m.nextDeadlineMs();
  assert.equal(deadline, first.refreshAt);
  assert.ok(deadline >= first.expiresAt - 330_000n && deadline <= first.expiresAt - 300_000n);
  m.handleTimeout(deadline - 1n);
  assert.equal(host.fetchLog.length, 1, 'nothing before the deadline');
  m.handleTimeout(deadline);
  assert.equal(host.pending.length, 1);
  assert.equal(host.pending[0].reason, Reason.Scheduled);
  assert.equal((await m.getToken(deadline)).token, 't0', 'the old token is served while refreshing');
});

test('429 + Retry-After: no request before the delay the server asked for', async () => {
  const { m, host } = make({ login: false });
  const waiting = m.getToken(T0);
  await tick();
  answer(m, host, T0, FetchOutcome.Http.new({ status: 429, body: '', retryAfter: '3', date: undefined }));
  assert.equal(m.snapshot().state, ManagerState.Backoff);
  assert.equal(m.nextDeadlineMs(), T0 + 3000n);
  m.handleTimeout(T0 + 2999n);
  assert.equal(host.fetchLog.length, 1);
  m.handleTimeout(T0 + 3000n);
  assert.equal(host.fetchLog.length, 2);
  assert.equal(host.pending[0].attempt, 2);
  answer(m, host, T0 + 3000n, json({ authToken: 'after-429', expiresIn: 60 }));
  assert.equal((await waiting).token, 'after-429');
});

test('logout discards a late fetch result; waiting callers reject with a typed Discarded error', async () => {
  const { m, host } = make();
  const waiting = m.getToken(T0);
  await tick();
  const req = host.pending[0];
  m.logout(T0 + 10n);
  assert.deepEqual(host.aborted, [req.op]);
  await assert.rejects(waiting, (e) => TokenManagerError.Discarded.instanceOf(e));
  assert.equal(host.logouts, 1);
  m.fetchFinished(T0 + 500n, req.op, json({ authToken: 'late', expiresIn: 3600 }));
  assert.deepEqual(host.tokens(), []);
  assert.equal(host.logins.length, 0);
  assert.equal(m.currentToken(T0 + 500n), undefined);
  await assert.rejects(m.getToken(T0 + 600n), (e) => TokenManagerError.LoggedOut.instanceOf(e));
});

test('bad options: a typed InvalidOptions error whose message names the field', () => {
  const cases = [
    [{ jitterRatio: 2 }, 'jitterRatio'],
    [{ fetchTimeoutMs: 0n }, 'fetchTimeoutMs'],
    [{ retry: RetryOptions.create({ maxAttempts: 0 }) }, 'retry.maxAttempts'],
  ];
  for (const [options, field] of cases) {
    assert.throws(() => new TokenManager(ManagerOptions.create(options), new Host()), (e) => {
      assert.ok(TokenManagerError.InvalidOptions.instanceOf(e), String(e));
      assert.ok(e.message.includes(`invalid option \`${field}\`: expected `), e.message);
      return true;
    });
  }
});
