// React Native app state (issue 5): `setAppState('background' | 'active')` and the `appState`
// option (an object shaped like React Native's AppState). Background stops the timer, so a
// backgrounded app neither wakes up nor refreshes; active re-checks at once and refreshes with
// reason 'resume' when the token is inside its refresh margin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manager, record, sleep, waitFor, expectThrowsTokenError } from './helpers/util.mjs';

/** A fetchToken that mints `tok-N` tokens living `lifetimeS` seconds, counting requests. */
function minting(lifetimeS) {
  const requests = [];
  const fetchToken = async (ctx) => {
    requests.push(ctx.reason);
    return { authToken: `tok-${requests.length}`, expiresIn: lifetimeS };
  };
  return { requests, fetchToken };
}

/** A fake React Native AppState: `change(state)` notifies the subscribers. */
function fakeAppState(currentState = 'active') {
  const listeners = [];
  const appState = {
    currentState,
    removed: 0,
    addEventListener(type, fn) {
      assert.equal(type, 'change');
      listeners.push(fn);
      return { remove: () => { appState.removed++; listeners.splice(listeners.indexOf(fn), 1); } };
    },
    change(state) {
      appState.currentState = state;
      for (const fn of listeners.slice()) fn(state);
    },
    listeners,
  };
  return appState;
}

// A 0.6 s token: handed out and refreshed at 0.3 s (half its lifetime).
const SHORT_S = 0.6;

test('AppState control: in the foreground a short token is refreshed by the timer (reason scheduled)', async (t) => {
  const src = minting(SHORT_S);
  const m = manager(t, { fetchToken: src.fetchToken });
  const log = record(m);
  await m.start();
  await waitFor(() => src.requests.length === 2, { what: 'the scheduled refresh' });
  assert.deepEqual(src.requests, ['initial', 'scheduled']);
  assert.deepEqual(log.token.map((i) => i.reason), ['initial', 'scheduled']);
});

test("AppState background: setAppState('background') stops the timer: no refresh and no expired event while backgrounded", async (t) => {
  const src = minting(SHORT_S);
  const m = manager(t, { fetchToken: src.fetchToken });
  const log = record(m);
  await m.start();
  m.setAppState('background');
  await sleep(900); // past the refresh (0.3 s) and the expiry (0.6 s)
  assert.deepEqual(src.requests, ['initial'], 'no request while backgrounded');
  assert.equal(log.expired.length, 0, 'no timer woke up to report the expiry');
  assert.equal(m.state, 'ready');
});

test("AppState active: setAppState('active') inside the margin refreshes at once with reason 'resume'", async (t) => {
  const src = minting(SHORT_S);
  const m = manager(t, { fetchToken: src.fetchToken });
  const log = record(m);
  await m.start();
  m.setAppState('background');
  await sleep(450); // inside the margin, before expiry
  assert.equal(src.requests.length, 1);
  m.setAppState('active');
  await waitFor(() => src.requests.length === 2, { what: 'the request on active' });
  assert.deepEqual(src.requests, ['initial', 'resume']);
  await waitFor(() => log.token.length === 2, { what: 'the resumed token' });
  assert.equal(log.token[1].reason, 'resume');
  assert.equal(await m.getToken(), 'tok-2');
});

test("AppState active outside the margin: nothing is fetched", async (t) => {
  const src = minting(3600);
  const m = manager(t, { fetchToken: src.fetchToken });
  const log = record(m);
  await m.start();
  m.setAppState('background');
  await sleep(20);
  m.setAppState('active');
  await sleep(20);
  assert.deepEqual(src.requests, ['initial']);
  assert.equal(log.token.length, 1);
  assert.equal(await m.getToken(), 'tok-1');
});

test('AppState option: change events drive the manager, other states are ignored, dispose() removes the subscription', async (t) => {
  const src = minting(SHORT_S);
  const appState = fakeAppState('active');
  const m = manager(t, { fetchToken: src.fetchToken, appState });
  const log = record(m);
  assert.equal(appState.listeners.length, 1, 'one subscription');
  await m.start();
  appState.change('background');
  appState.change('inactive'); // iOS's transitional state: ignored
  await sleep(450);
  assert.deepEqual(src.requests, ['initial'], 'backgrounded: no refresh');
  appState.change('active');
  await waitFor(() => src.requests.length === 2, { what: 'the request on active' });
  assert.deepEqual(src.requests, ['initial', 'resume']);
  await waitFor(() => log.token.length === 2, { what: 'the resumed token' });
  m.dispose();
  assert.equal(appState.removed, 1, 'dispose() removed the AppState subscription');
  assert.equal(appState.listeners.length, 0);
});

test("AppState option: a manager created while the app is in the background ('currentState') starts without a timer", async (t) => {
  const src = minting(SHORT_S);
  const appState = fakeAppState('background');
  const m = manager(t, { fetchToken: src.fetchToken, appState });
  await m.start(); // an explicit call still fetches
  await sleep(450);
  assert.deepEqual(src.requests, ['initial'], 'no timer while backgrounded');
  appState.change('active');
  await waitFor(() => src.requests.length === 2, { what: 'the request on active' });
  assert.deepEqual(src.requests, ['initial', 'resume']);
});

test('AppState misuse: an unknown state or an appState without addEventListener is invalid_options naming appState', (t) => {
  const m = manager(t, { fetchToken: async () => ({ authToken: 'x' }) });
  expectThrowsTokenError(() => m.setAppState('inactive'), { code: 'invalid_options', message: /appState/ });
  expectThrowsTokenError(() => m.setAppState(), { code: 'invalid_options', message: /appState/ });
  expectThrowsTokenError(() => manager(t, { fetchToken: async () => ({ authToken: 'x' }), appState: { currentState: 'active' } }), {
    code: 'invalid_options',
    message: /appState/,
  });
});
