// The browser platform in real headless Chromium (Debian's, driven by playwright-core):
// cross-tab single refresh, a fetching tab closed mid-refresh, logout everywhere, wake-up
// after sleep, offline gating and every storage mode. The token endpoint is a real HTTP
// route on 127.0.0.1 (same origin as the page) that counts requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { startStaticServer, CHROMIUM } from './lib/server.mjs';

let browser;
let server;
const api = { requests: [], refreshes: [], expiresIn: 8, hold: null, refreshTokens: false };

function resetApi({ expiresIn = 8, hold = null, refreshTokens = false } = {}) {
  api.requests = [];
  api.refreshes = [];
  api.expiresIn = expiresIn;
  api.hold = hold;
  api.refreshTokens = refreshTokens;
}

const bodyOf = (req) =>
  new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });

before(async () => {
  server = await startStaticServer({
    routes: {
      '/tests/browser/platform/page': async (req, res) => {
        const { readFile } = await import('node:fs/promises');
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(await readFile(new URL('./platform/page.html', import.meta.url)));
      },
      '/api/token': async (req, res) => {
        const n = api.requests.push({ at: Date.now(), tab: req.headers['x-tab'], method: req.method });
        if (api.hold?.(n)) {
          await new Promise((resolve) => req.on('close', resolve)); // hangs until the client goes away
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        const refreshToken = api.refreshTokens ? { refreshToken: `rt-${n}` } : {};
        res.end(JSON.stringify({ authToken: `tok-${n}`, expiresIn: api.expiresIn, ...refreshToken }));
      },
      // The refresh grant (seed 004's POST /auth/refresh { refreshToken }): rotates the pair.
      '/api/refresh': async (req, res) => {
        const { refreshToken } = JSON.parse((await bodyOf(req)) || '{}');
        const n = api.refreshes.push({ at: Date.now(), tab: req.headers['x-tab'], refreshToken });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ accessToken: `rtok-${n}`, refreshToken: `rt-r${n}`, expiresIn: api.expiresIn }));
      },
    },
  });
  browser = await chromium.launch(CHROMIUM);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function openTabs(t, count, { context, init } = {}) {
  const ctx = context ?? (await browser.newContext());
  if (init) await ctx.addInitScript(init);
  if (!context) t.after(() => ctx.close());
  const pages = [];
  for (let i = 1; i <= count; i++) {
    const page = await ctx.newPage();
    await page.goto(`${server.url}/tests/browser/platform/page?tab=${i}`);
    await page.waitForFunction(() => window.ready === true);
    pages.push(page);
  }
  return { ctx, pages };
}

const tokenOf = (page) => page.evaluate(() => window.m.getToken());
const events = (page) => page.evaluate(() => window.events);

async function waitUntil(what, fn, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

test('8 tabs with tokens due for refresh → exactly 1 backend fetch; all 8 hold the new token', async (t) => {
  resetApi({ expiresIn: 8 });
  const { pages } = await openTabs(t, 8);
  for (const p of pages) await p.evaluate(() => window.make({ refreshMarginMs: 4000, jitterRatio: 0.5 }));
  await pages[0].evaluate(() => window.m.start());
  for (const p of pages.slice(1)) await p.evaluate(() => window.m.start());
  assert.equal(api.requests.length, 1, 'tabs 2–8 got the first token from tab 1, not from the backend');
  for (const p of pages) assert.equal(await tokenOf(p), 'tok-1');
  assert.deepEqual((await events(pages[5])).find((e) => e[0] === 'token').slice(0, 3), ['token', 'initial', 'tab']);

  // Every tab's refresh comes due 2–4 s after start: one fetch for all of them.
  await waitUntil('all 8 tabs to hold tok-2', async () => {
    const tokens = await Promise.all(pages.map((p) => p.evaluate(() => window.events.filter((e) => e[0] === 'token').at(-1)?.[3])));
    return tokens.every((tok) => tok === 'tok-2');
  }, 10_000);
  await sleep(500);
  assert.equal(api.requests.length, 2, 'one backend fetch for the refresh cycle across 8 tabs');
  for (const p of pages) {
    assert.equal(await tokenOf(p), 'tok-2');
    assert.deepEqual(await p.evaluate(() => window.logins), ['tok-1', 'tok-2'], 'each tab logs its own chat SDK in once per token');
  }
});

test('refresh grant across 2 tabs → 1 refresh request per cycle; the rotated refresh token reaches both tabs and is used once', async (t) => {
  resetApi({ expiresIn: 8, refreshTokens: true });
  const { pages } = await openTabs(t, 2);
  for (const p of pages) {
    await p.evaluate(() =>
      window.make({ refreshEndpoint: { url: '/api/refresh', headers: () => ({ 'x-tab': window.tabId }) }, refreshMarginMs: 4000, jitterRatio: 0.5 }),
    );
  }
  await pages[0].evaluate(() => window.m.start());
  await pages[1].evaluate(() => window.m.start());
  assert.equal(api.requests.length, 1, 'tab 2 got the first token from tab 1');

  const holding = (token) => async () => {
    const tokens = await Promise.all(pages.map((p) => p.evaluate(() => window.events.filter((e) => e[0] === 'token').at(-1)?.[3])));
    return tokens.every((tok) => tok === token);
  };
  await waitUntil('both tabs to hold rtok-1', holding('rtok-1'), 10_000);
  await sleep(300);
  assert.equal(api.refreshes.length, 1, 'one refresh request for the first cycle across 2 tabs');
  assert.deepEqual(api.refreshes.map((r) => r.refreshToken), ['rt-1']);
  for (const p of pages) assert.equal((await p.evaluate(() => window.m.start())).refreshToken, 'rt-r1', 'the rotated refresh token reached this tab');

  await waitUntil('both tabs to hold rtok-2', holding('rtok-2'), 10_000);
  await sleep(300);
  assert.deepEqual(api.refreshes.map((r) => r.refreshToken), ['rt-1', 'rt-r1'], 'the second cycle used the rotated refresh token, once');
  assert.equal(api.requests.length, 1, 'no full re-mint from the endpoint');
});

test('the fetching tab is closed mid-refresh → another tab completes the refresh within fetchTimeoutMs + 5 s, no deadlock', async (t) => {
  const fetchTimeoutMs = 3000;
  resetApi({ expiresIn: 8, hold: (n) => n === 2 });
  const { pages } = await openTabs(t, 3);
  for (const p of pages) await p.evaluate((ms) => window.make({ refreshMarginMs: 4000, jitterRatio: 0.5, fetchTimeoutMs: ms }), fetchTimeoutMs);
  for (const p of pages) await p.evaluate(() => window.m.start());
  assert.equal(api.requests.length, 1);

  await waitUntil('the refresh request', async () => api.requests.length >= 2, 10_000);
  const fetcher = api.requests[1].tab;
  const closedAt = Date.now();
  await pages[Number(fetcher) - 1].close();
  const rest = pages.filter((_, i) => String(i + 1) !== fetcher);

  await waitUntil('the other tabs to hold a refreshed token', async () => {
    const tokens = await Promise.all(rest.map((p) => tokenOf(p)));
    return tokens.every((tok) => tok !== 'tok-1' && tok === tokens[0]);
  }, fetchTimeoutMs + 5000);
  assert.ok(Date.now() - closedAt <= fetchTimeoutMs + 5000);
  assert.ok(api.requests.length <= 3, `one replacement fetch (${api.requests.length} requests in all)`);
});

test('the fetching tab is frozen mid-refresh → another tab completes the refresh within fetchTimeoutMs + 5 s', async (t) => {
  const fetchTimeoutMs = 3000;
  resetApi({ expiresIn: 8, hold: (n) => n === 2 });
  const { ctx, pages } = await openTabs(t, 3);
  for (const p of pages) await p.evaluate((ms) => window.make({ refreshMarginMs: 4000, jitterRatio: 0.5, fetchTimeoutMs: ms }), fetchTimeoutMs);
  for (const p of pages) await p.evaluate(() => window.m.start());

  await waitUntil('the refresh request', async () => api.requests.length >= 2, 10_000);
  const fetcher = pages[Number(api.requests[1].tab) - 1];
  const cdp = await ctx.newCDPSession(fetcher);
  await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
  const frozenAt = Date.now();
  const rest = pages.filter((p) => p !== fetcher);
  await waitUntil('the other tabs to hold a refreshed token', async () => {
    const tokens = await Promise.all(rest.map((p) => tokenOf(p)));
    return tokens.every((tok) => tok !== 'tok-1' && tok === tokens[0]);
  }, fetchTimeoutMs + 5000);
  assert.ok(Date.now() - frozenAt <= fetchTimeoutMs + 5000, `took ${Date.now() - frozenAt} ms`);
  await cdp.send('Page.setWebLifecycleState', { state: 'active' });
});

test('a tab opened after the other tabs closed fetches after a short wait for peers, not after fetchTimeoutMs', async (t) => {
  resetApi({ expiresIn: 3600 });
  const { ctx, pages: [first] } = await openTabs(t, 1);
  await first.evaluate(() => window.make());
  await first.evaluate(() => window.m.start());
  await first.close();
  const { pages: [second] } = await openTabs(t, 1, { context: ctx });
  await second.evaluate(() => window.make({ fetchTimeoutMs: 10_000 }));
  const started = Date.now();
  assert.equal(await second.evaluate(() => window.m.start().then((i) => i.token)), 'tok-2');
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
});

test('logout in tab 1 → every tab reports loggedOut and the endpoint gets 0 requests over the next refresh window', async (t) => {
  resetApi({ expiresIn: 6 });
  const { pages } = await openTabs(t, 4);
  for (const p of pages) await p.evaluate(() => window.make({ refreshMarginMs: 3000 }));
  for (const p of pages) await p.evaluate(() => window.m.start());
  const before = api.requests.length;
  await pages[0].evaluate(() => window.m.logout());
  await waitUntil('every tab to report loggedOut', async () => {
    const states = await Promise.all(pages.map((p) => p.evaluate(() => window.m.state)));
    return states.every((s) => s === 'loggedOut');
  }, 2000);
  for (const p of pages) {
    const ev = await events(p);
    assert.ok(ev.some((e) => e[0] === 'loggedOut'), 'loggedOut event');
    assert.ok(ev.some((e) => e[0] === 'appLogout'), "the tab's own chat SDK is logged out");
  }
  await sleep(7000); // longer than the tokens' whole lifetime
  assert.equal(api.requests.length, before, 'no request from any tab after logout');
});

test('without Web Locks and BroadcastChannel (storage-event fallback): tabs share the token and the logout', async (t) => {
  resetApi({ expiresIn: 3600 });
  const { pages } = await openTabs(t, 3, {
    init: () => {
      delete window.BroadcastChannel;
      Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined });
    },
  });
  assert.equal(await pages[0].evaluate(() => typeof BroadcastChannel + typeof navigator.locks), 'undefinedundefined');
  for (const p of pages) await p.evaluate(() => window.make());
  await pages[0].evaluate(() => window.m.start());
  for (const p of pages.slice(1)) await p.evaluate(() => window.m.start());
  assert.equal(api.requests.length, 1, 'tabs 2 and 3 got the token over storage events');
  for (const p of pages) assert.equal(await tokenOf(p), 'tok-1');
  assert.equal(await pages[0].evaluate(() => Object.keys(localStorage).filter((k) => k.endsWith(':bus')).length), 0, 'no message left in storage');
  await pages[2].evaluate(() => window.m.logout());
  await waitUntil('every tab to report loggedOut', async () => {
    const states = await Promise.all(pages.map((p) => p.evaluate(() => window.m.state)));
    return states.every((s) => s === 'loggedOut');
  }, 2000);
});

test("visibilitychange and pageshow after a simulated sleep past expiry → refresh with reason 'resume' within 2 s", async (t) => {
  resetApi({ expiresIn: 3600 });
  const { pages: [page] } = await openTabs(t, 1);
  await page.evaluate(() => window.make({ crossTab: false }));
  await page.evaluate(() => window.m.start());
  for (const [i, fire] of [
    () => document.dispatchEvent(new Event('visibilitychange')),
    () => window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true })),
  ].entries()) {
    // The laptop slept for two hours: the page's clock jumps, no timer has fired.
    await page.evaluate(() => { window.clockOffset += 2 * 3600 * 1000; });
    const sent = Date.now();
    await page.evaluate(`(${fire})()`);
    await waitUntil('a resume refresh', async () => (await events(page)).filter((e) => e[0] === 'token' && e[1] === 'resume').length === i + 1, 2000);
    assert.ok(Date.now() - sent <= 2000);
    assert.equal(await tokenOf(page), `tok-${i + 2}`);
  }
  assert.equal(api.requests.length, 3);
});

test('offline during a due refresh → 0 requests while offline; 1 immediate request after going online', async (t) => {
  resetApi({ expiresIn: 6 });
  const { ctx, pages: [page] } = await openTabs(t, 1);
  await page.evaluate(() => window.make({ crossTab: false, refreshMarginMs: 3000, jitterRatio: 0 }));
  await page.evaluate(() => window.m.start());
  await ctx.setOffline(true);
  await sleep(4500); // the refresh came due at 3 s
  assert.equal(api.requests.length, 1, 'no request while offline');
  assert.equal(await page.evaluate(() => window.m.snapshot().offline), true);
  const online = Date.now();
  await ctx.setOffline(false);
  await waitUntil('the request after going online', async () => api.requests.length === 2, 2000);
  assert.ok(api.requests[1].at - online < 1000, 'immediate');
  await waitUntil('the new token', async () => (await tokenOf(page)) === 'tok-2', 2000);
  await sleep(300);
  assert.equal(api.requests.length, 2, 'exactly one request, no burst of retries');
});

test("storage 'session': a reloaded page uses the stored token without a fetch; logout removes it", async (t) => {
  resetApi({ expiresIn: 3600 });
  const { pages: [page] } = await openTabs(t, 1);
  await page.evaluate(() => window.make({ crossTab: false, storage: 'session' }));
  await page.evaluate(() => window.m.start());
  assert.equal(await page.evaluate(() => sessionStorage.getItem('chat-token-manager') !== null), true);
  await page.reload();
  await page.waitForFunction(() => window.ready === true);
  await page.evaluate(() => window.make({ crossTab: false, storage: 'session' }));
  const info = await page.evaluate(() => window.m.start().then((i) => [i.token, i.source]));
  assert.deepEqual(info, ['tok-1', 'storage']);
  assert.equal(api.requests.length, 1, 'no network fetch');
  assert.deepEqual(await page.evaluate(() => window.logins), ['tok-1'], 'the stored token is logged in');
  await page.evaluate(() => window.m.logout());
  assert.equal(await page.evaluate(() => sessionStorage.getItem('chat-token-manager')), null);
});

test("storage 'local': shared by a second page, and one warning that any script can read it", async (t) => {
  resetApi({ expiresIn: 3600 });
  const { pages: [a, b] } = await openTabs(t, 2);
  await a.evaluate(() => window.make({ crossTab: false, storage: 'local' }));
  await a.evaluate(() => window.m.start());
  await b.evaluate(() => window.make({ crossTab: false, storage: 'local' }));
  assert.deepEqual(await b.evaluate(() => window.m.start().then((i) => i.source)), 'storage');
  assert.equal(api.requests.length, 1);
  const warns = await a.evaluate(() => window.logs.filter(([level, msg]) => level === 'warn' && msg.includes('localStorage')));
  assert.equal(warns.length, 1);
  await a.evaluate(() => window.m.logout());
  assert.equal(await a.evaluate(() => localStorage.getItem('chat-token-manager')), null);
});

test('storage adapters: sync and async adapters persist; a throwing adapter degrades to memory with one warning; a corrupted entry is discarded', async (t) => {
  resetApi({ expiresIn: 3600 });
  const { pages: [page] } = await openTabs(t, 1);
  const run = (kind) => page.evaluate(async (kind) => {
    window.store ??= new Map();
    const store = window.store;
    const adapters = {
      sync: { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => { store.set(k, v); }, removeItem: (k) => { store.delete(k); } },
      async: {
        getItem: async (k) => store.get(k) ?? null,
        setItem: async (k, v) => { store.set(k, v); },
        removeItem: async (k) => { store.delete(k); },
      },
      throwing: { getItem: () => { throw new Error('keychain locked'); }, setItem: () => { throw new Error('no'); }, removeItem: () => {} },
      rejecting: { getItem: () => Promise.reject(new Error('no')), setItem: () => Promise.reject(new Error('no')), removeItem: async () => {} },
    };
    window.logs = [];
    window.make({ crossTab: false, storage: adapters[kind], storageKey: `k-${kind}` });
    const first = await window.m.start();
    window.m.dispose();
    window.make({ crossTab: false, storage: adapters[kind], storageKey: `k-${kind}` });
    const second = await window.m.start();
    window.m.dispose();
    return { first: first.source, second: second.source, warnings: window.logs.filter((l) => l[0] === 'warn').length };
  }, kind);

  assert.deepEqual(await run('sync'), { first: 'network', second: 'storage', warnings: 0 });
  assert.deepEqual(await run('async'), { first: 'network', second: 'storage', warnings: 0 });
  const requestsBefore = api.requests.length;
  assert.deepEqual(await run('throwing'), { first: 'network', second: 'network', warnings: 2 }, 'one warning per manager, token still delivered');
  assert.deepEqual(await run('rejecting'), { first: 'network', second: 'network', warnings: 2 });
  assert.equal(api.requests.length, requestsBefore + 4);

  // A corrupted entry: discarded (never thrown at the user) and a fresh token fetched.
  const corrupted = await page.evaluate(async () => {
    sessionStorage.setItem('chat-token-manager', '{"not":"an entry"');
    window.make({ crossTab: false, storage: 'session' });
    const info = await window.m.start();
    return [info.source, sessionStorage.getItem('chat-token-manager').includes(info.token)];
  });
  assert.deepEqual(corrupted, ['network', true]);
});
