// The wasm's linear memory grows while the host passes strings in and out: huge tokens and
// many token rotations must come through intact (no detached buffers, no reuse of live blocks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manager, record } from './helpers/util.mjs';

test('a 3 MB token (the wasm memory grows while the host writes it) is delivered intact, non-ASCII included', async (t) => {
  const big = 'é'.repeat(1_500_000) + '-tail-😀';
  const m = manager(t, { fetchToken: async () => ({ authToken: big, expiresIn: 3600, refreshToken: 'r'.repeat(70_000) }) });
  const info = await m.start();
  assert.equal(info.token.length, big.length);
  assert.ok(info.token === big, 'token intact');
  assert.equal(info.refreshToken.length, 70_000);
  assert.ok((await m.handleUnauthorized('stale-' + big.slice(0, 10))).token === big, 'a stale token is passed in intact');
});

test('200 token rotations of varying sizes: every token comes back exactly as fetched', async (t) => {
  let n = 0;
  const minted = [];
  const m = manager(t, {
    fetchToken: async () => {
      n++;
      const token = `tok-${n}-` + 'x'.repeat((n * 7919) % 5000);
      minted.push(token);
      return { authToken: token, expiresIn: 3600, wsToken: `ws-${n}` };
    },
  });
  const log = record(m);
  for (let i = 0; i < 200; i++) {
    const info = await m.refresh();
    assert.equal(info.token, minted[i]);
    assert.equal(info.wsToken, `ws-${i + 1}`);
    assert.equal(await m.getToken(), minted[i]);
  }
  assert.deepEqual(log.token.map((i) => i.token), minted);
});
