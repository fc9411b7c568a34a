// Single-flight: concurrent callers share one fetch and one login.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTokenServer } from './helpers/token-server.mjs';
import { manager, server, countingLogin, record, sleep } from './helpers/util.mjs';

test('10 000 concurrent getToken() on a cold manager → exactly 1 fetch and 1 login, all resolve with the same token', async (t) => {
  const srv = await server(t, startTokenServer, { handler: (_req, s) => ({ ...s.mint(), delayMs: 50 }) });
  const login = countingLogin({ delayMs: 20 });
  const m = manager(t, { endpoint: srv.url, login });
  const events = record(m);

  const tokens = await Promise.all(Array.from({ length: 10_000 }, () => m.getToken()));

  assert.equal(tokens.length, 10_000);
  assert.equal(new Set(tokens).size, 1, 'all callers got the same token');
  assert.equal(tokens[0], 'tok-1');
  assert.equal(srv.count, 1, 'exactly one request to the token endpoint');
  assert.equal(login.calls.length, 1, 'exactly one login');
  assert.equal(login.calls[0].token, 'tok-1', 'login got the fetched token');
  assert.equal(events.token.length, 1, 'one token event');
  await sleep(50);
  assert.equal(srv.count, 1, 'no stray request afterwards');
});

test('getToken() on a warm manager returns the cached token without a request', async (t) => {
  const srv = await server(t, startTokenServer);
  const login = countingLogin();
  const m = manager(t, { endpoint: srv.url, login });

  const info = await m.start();
  const again = await Promise.all(Array.from({ length: 100 }, () => m.getToken()));
  assert.ok(again.every((tok) => tok === info.token));
  assert.equal(srv.count, 1);
  assert.equal(login.calls.length, 1);
});

test('concurrent start() calls share one fetch and are idempotent once ready', async (t) => {
  const srv = await server(t, startTokenServer, { handler: (_req, s) => ({ ...s.mint(), delayMs: 50 }) });
  const login = countingLogin();
  const m = manager(t, { endpoint: srv.url, login });

  const [a, b, c] = await Promise.all([m.start(), m.start(), m.getToken()]);
  assert.equal(a.token, 'tok-1');
  assert.equal(b.token, 'tok-1');
  assert.equal(c, 'tok-1');
  const d = await m.start();
  assert.equal(d.token, 'tok-1', 'start() when ready does not fetch again');
  assert.equal(srv.count, 1);
  assert.equal(login.calls.length, 1);
});

test('refresh() joins one in flight: two refresh() calls and a getToken() → 1 request, same new token', async (t) => {
  const srv = await server(t, startTokenServer, { handler: (_req, s) => ({ ...s.mint(), delayMs: 100 }) });
  const login = countingLogin();
  const m = manager(t, { endpoint: srv.url, login });

  const first = await m.start();
  assert.equal(first.token, 'tok-1');

  const p1 = m.refresh();
  const p2 = m.refresh();
  const [r1, r2] = await Promise.all([p1, p2]);
  assert.equal(r1.token, 'tok-2');
  assert.equal(r2.token, 'tok-2');
  assert.equal(r1.reason, 'manual');
  assert.equal(srv.count, 2, 'one request for start, one shared by both refresh() calls');
  assert.equal(login.calls.length, 2, 'one login per new token');
  assert.equal(await m.getToken(), 'tok-2');
});

test('refresh() while the initial fetch is in flight joins it', async (t) => {
  const srv = await server(t, startTokenServer, { handler: (_req, s) => ({ ...s.mint(), delayMs: 100 }) });
  const login = countingLogin();
  const m = manager(t, { endpoint: srv.url, login });

  const [tok, info] = await Promise.all([m.getToken(), m.refresh()]);
  assert.equal(tok, 'tok-1');
  assert.equal(info.token, 'tok-1');
  assert.equal(srv.count, 1);
  assert.equal(login.calls.length, 1);
});
