// No request may leave after logout() or dispose(), even when they come in the same tick as the
// call that asked for the token, or while the app's async `endpoint.headers` is running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTokenServer } from './helpers/token-server.mjs';
import { manager, server, sleep } from './helpers/util.mjs';

for (const stop of ['logout', 'dispose']) {
  test(`start() then ${stop}() in the same tick → fetchToken is never called`, async (t) => {
    let calls = 0;
    const m = manager(t, {
      fetchToken: async () => {
        calls++;
        return { authToken: 'tok-never', expiresIn: 3600 };
      },
    });
    const pending = m.start().then(
      () => 'resolved',
      (e) => e.code,
    );
    if (stop === 'logout') m.logout();
    else m.dispose();
    assert.equal(await pending, stop === 'logout' ? 'discarded' : 'disposed');
    await sleep(50);
    assert.equal(calls, 0, `fetchToken was called after ${stop}()`);
  });
}

test('logout() while the async endpoint.headers function runs → no request reaches the endpoint', async (t) => {
  const srv = await server(t, startTokenServer);
  let release;
  const gate = new Promise((resolve) => (release = resolve));
  const m = manager(t, {
    endpoint: {
      url: srv.url,
      headers: async () => {
        await gate;
        return { authorization: 'Bearer app-session' };
      },
    },
  });
  const pending = m.start().then(
    () => 'resolved',
    (e) => e.code,
  );
  await sleep(20);
  await m.logout();
  release();
  assert.equal(await pending, 'discarded');
  await sleep(100);
  assert.equal(srv.requests.length, 0, 'a token request went out after logout()');
});

test('an async storage read that answers after logout() is not applied to the next session (user switch)', async (t) => {
  const data = new Map();
  // Like SecureStore/AsyncStorage: the read sees the value at call time and answers later.
  const storage = {
    getItem: (k) => {
      const v = data.get(k) ?? null;
      return new Promise((resolve) => setTimeout(() => resolve(v), 50));
    },
    setItem: async (k, v) => void data.set(k, v),
    removeItem: async (k) => void data.delete(k),
  };
  let user = 'alice';
  const fetchToken = async () => ({ authToken: `token-of-${user}`, expiresIn: 3600 });
  const first = manager(t, { storage, fetchToken });
  await first.start(); // persists alice's token
  first.dispose();

  const logins = [];
  const m = manager(t, { storage, fetchToken, login: async (token) => void logins.push(token) });
  const restoring = m.start().then(
    () => 'resolved',
    (e) => e.code,
  );
  await m.logout(); // alice signs out before her stored token was read back
  user = 'bob';
  const info = await m.start();
  assert.equal(await restoring, 'discarded');
  assert.equal(info.token, 'token-of-bob');
  assert.equal(info.source, 'network');
  assert.deepEqual(logins, ['token-of-bob']);
});
