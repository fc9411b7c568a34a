// Token texts come through the module intact: huge tokens, non-ASCII text and many token
// rotations, with their refresh and WebSocket tokens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manager, record } from './helpers/util.mjs';

test('a 3 MB token is delivered intact, non-ASCII included, and a stale one is told apart from it', async (t) => {
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

test('after 40 rotations with a login step, every token, refresh token and ctx.previous is the right one', async (t) => {
  let n = 0;
  const previous = [];
  const logins = [];
  const m = manager(t, {
    login: async (token, info) => void logins.push([token, info.wsToken]),
    fetchToken: async (ctx) => {
      previous.push(ctx.previous && [ctx.previous.token, ctx.previous.refreshToken]);
      n++;
      return { authToken: `tok-${n}`, refreshToken: n % 3 ? `r-${n}` : undefined, wsToken: `ws-${n}`, expiresIn: 3600 };
    },
  });
  for (let i = 1; i <= 40; i++) {
    const info = await m.refresh();
    assert.deepEqual([info.token, info.refreshToken, info.wsToken], [`tok-${i}`, i % 3 ? `r-${i}` : undefined, `ws-${i}`]);
    assert.deepEqual(logins.at(-1), [`tok-${i}`, `ws-${i}`]);
  }
  assert.deepEqual(previous[0], null);
  for (let i = 2; i <= 40; i++) assert.deepEqual(previous[i - 1], [`tok-${i - 1}`, (i - 1) % 3 ? `r-${i - 1}` : undefined]);
});
