// The demo end to end, in real headless Chromium: the built page (www/dist, Vite), the app
// backend and the embedded CometChat emulator (www/server, one port on 127.0.0.1), the real
// @cometchat/chat-sdk-javascript in the page, and chat-token-manager from pkg/.
// One user's session, in order: sign in → token fetched → the SDK logged in → a forced 401 →
// proactive refresh before expiry with the SDK re-logged → offline and back → a second tab shares
// the token → logout clears everything, in both tabs. Tokens live 30 s here (the demo's default is 2 min).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM, startDemo } from './helpers/demo.mjs';

const ROOT = new URL('../../', import.meta.url);
const SHOT = new URL('target/e2e/signed-in.png', ROOT);
const TOKEN_TTL_S = 30;

let demo;
let browser;
let context;
let page;
const tokensSeen = new Set(); // every token the page held, to scan storage for afterwards
const responses = []; // every response body the page received, to scan for the REST key

before(async () => {
  // The page as the demo command builds it.
  await promisify(execFile)(new URL('www/node_modules/.bin/vite', ROOT).pathname, ['build', '--logLevel', 'error'], { cwd: new URL('www/', ROOT).pathname });
  const server = await startDemo({ emulator: { tokenTtlMs: TOKEN_TTL_S * 1000 }, log: () => {} });
  demo = {
    ...server,
    /** Tokens the backend had the emulator mint (one per token request that reached CometChat). */
    tokenRequests: async () => (await server.control.stats()).calls.authTokens ?? 0,
  };
  browser = await chromium.launch(CHROMIUM);
  context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  page = await context.newPage();
  page.on('response', async (r) => {
    try { responses.push({ url: r.url(), headers: JSON.stringify(r.headers()), body: await r.text() }); } catch { /* redirects, aborted */ }
  });
});

after(async () => {
  await browser?.close();
  await demo?.close();
});

const text = (id) => page.textContent(`#${id}`);
/** What the manager and the SDK in the page hold right now (the test may see tokens; the page never shows them). */
const inPage = () => page.evaluate(async () => {
  const { manager, CometChat } = window.demo;
  const user = await CometChat.getLoggedinUser();
  const token = manager.state === 'ready' ? await manager.getToken() : null;
  return { state: manager.state, token, snapshot: manager.snapshot(), sdkUid: user ? user.getUid() : null, sdkToken: user ? user.getAuthToken() : null };
});

test('sign in → token fetched → the real CometChat SDK logged in (getLoggedinUser() is the user); screenshot shows it', async () => {
  await page.goto(demo.url);
  await page.click('button[data-user="alice"]');
  await page.waitForFunction(() => document.querySelector('#state')?.textContent === 'ready'
    && document.querySelector('#chat-user')?.textContent === 'logged in as alice', null, { timeout: 20_000 });
  const now = await inPage();
  tokensSeen.add(now.token);
  assert.equal(now.sdkUid, 'alice', 'CometChat.getLoggedinUser() in the page');
  assert.equal(now.sdkToken, now.token, 'the SDK holds the manager\'s token');
  assert.equal(await demo.tokenRequests(), 1, 'one token request');

  await mkdir(new URL('.', SHOT), { recursive: true });
  const body = await page.textContent('body');
  await page.screenshot({ path: SHOT.pathname, fullPage: true });
  for (const shown of ['signed in as', 'Alice', 'ready', 'logged in as alice', 'Force refresh', 'Simulate a 401']) {
    assert.ok(body.includes(shown), `the page shows "${shown}" at screenshot time`);
  }
  assert.ok(!body.includes(now.token), 'the page never shows the token');
  const png = await readFile(SHOT);
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG');
  assert.ok((await stat(SHOT)).size > 20_000, `screenshot is ${png.length} bytes`);
});

test('a forced 401: the token is revoked, the SDK gets AUTH_ERR_AUTH_TOKEN_NOT_FOUND, the manager fetches a new one and re-logs the SDK', async () => {
  const before401 = await inPage();
  // handleUnauthorized() refuses a token minted less than 5 s ago (it would loop): wait past that.
  await page.waitForFunction((t) => Date.now() - t > 5_500, before401.snapshot.expiresAt - TOKEN_TTL_S * 1000, { timeout: 10_000, polling: 250 });
  await page.click('#simulate-401');
  await page.waitForFunction(() => /unauthorized/.test(document.querySelector('#token')?.textContent ?? ''), null, { timeout: 15_000 });
  await page.waitForFunction(() => document.querySelector('#chat-user')?.textContent === 'logged in as alice');
  const after401 = await inPage();
  tokensSeen.add(after401.token);
  assert.notEqual(after401.token, before401.token);
  assert.equal(after401.sdkToken, after401.token, 'the SDK is logged in with the new token');
  assert.match(await page.textContent('#events'), /AUTH_ERR_AUTH_TOKEN_NOT_FOUND/);
  assert.equal(await demo.tokenRequests(), 2);
});

test('proactive refresh happens before expiry and the SDK is re-logged with the new token', async () => {
  const old = await inPage();
  await page.waitForFunction(() => /scheduled/.test(document.querySelector('#token')?.textContent ?? ''), null, { timeout: TOKEN_TTL_S * 1000 });
  const refreshedAt = Date.now();
  assert.ok(refreshedAt < old.snapshot.expiresAt, 'refreshed before the old token expired');
  await page.waitForFunction(() => document.querySelector('#chat-user')?.textContent === 'logged in as alice');
  const now = await inPage();
  tokensSeen.add(now.token);
  assert.notEqual(now.token, old.token);
  assert.equal(now.sdkToken, now.token, 'the SDK is logged in with the refreshed token');
  assert.equal(now.state, 'ready');
});

test('offline: a forced refresh waits without a request; back online it fetches and the SDK is re-logged', async () => {
  const old = await inPage();
  const requests = await demo.tokenRequests();
  await page.click('#network'); // go offline
  await page.click('#refresh');
  await page.waitForFunction(() => window.demo.manager.snapshot().offline === true);
  assert.equal(await text('state'), 'refreshing');
  assert.equal(await demo.tokenRequests(), requests, 'no token request while offline');
  const shown = await text('token');
  await page.click('#network'); // back online
  await page.waitForFunction((t) => window.demo.manager.state === 'ready' && /from network/.test(document.querySelector('#token').textContent)
    && !window.demo.manager.snapshot().offline && document.querySelector('#token').textContent !== t, shown);
  const now = await inPage();
  tokensSeen.add(now.token);
  assert.notEqual(now.token, old.token);
  assert.equal(now.sdkToken, now.token, 'the SDK is logged in with the new token');
  assert.equal(await demo.tokenRequests(), requests + 1);
});

let second;
test('a second tab gets the token from the first (no token request) and its SDK logs in', async () => {
  const requests = await demo.tokenRequests();
  second = await context.newPage();
  await second.goto(demo.url);
  await second.waitForFunction(() => document.querySelector('#state')?.textContent === 'ready'
    && document.querySelector('#chat-user')?.textContent === 'logged in as alice', null, { timeout: 20_000 });
  assert.match(await second.textContent('#token'), /from tab/);
  assert.equal(await demo.tokenRequests(), requests, 'no token request for the second tab');
});

test('logout clears everything: SDK logged out, no token in storage, session gone, sign-in shown in both tabs', async () => {
  const manager = await page.evaluateHandle(() => window.demo.manager);
  await page.click('#logout');
  await page.waitForSelector('button[data-user="alice"]');
  assert.equal(await page.evaluate(async () => (await window.demo.CometChat.getLoggedinUser()) === null), true, 'CometChat.getLoggedinUser() is null');
  assert.ok(['loggedOut', 'disposed'].includes(await manager.evaluate((m) => m.state)));
  const stored = await page.evaluate(() => {
    const all = [];
    for (const s of [localStorage, sessionStorage]) for (let i = 0; i < s.length; i++) all.push(s.getItem(s.key(i)));
    return all.join('\n');
  });
  for (const token of tokensSeen) assert.ok(!stored.includes(token), 'no token left in localStorage or sessionStorage');
  const session = await page.evaluate(() => fetch('/api/cometchat-token', { method: 'POST' }).then((r) => r.status));
  assert.equal(session, 401, 'the token endpoint refuses without a session');
  await second.waitForSelector('button[data-user="alice"]'); // the other tab was logged out too
  assert.equal(await second.evaluate(async () => (await window.demo.CometChat.getLoggedinUser()) === null), true);
});

test('the CometChat REST key is in no built client file and in no response the page received', async () => {
  const key = demo.restApiKey;
  assert.ok(key && key.length >= 16, 'the server has a REST key');
  const dist = new URL('www/dist/', ROOT);
  const files = await readdir(dist, { recursive: true });
  let scanned = 0;
  for (const f of files) {
    const s = await stat(new URL(f, dist));
    if (!s.isFile()) continue;
    scanned++;
    assert.ok(!(await readFile(new URL(f, dist), 'utf8')).includes(key), `www/dist/${f}`);
  }
  assert.ok(scanned >= 3, `scanned ${scanned} files`);
  assert.ok(responses.length > 5);
  for (const r of responses) assert.ok(!r.body.includes(key) && !r.headers.includes(key), r.url);
});
