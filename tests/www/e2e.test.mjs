// The demo end to end, in real headless Chromium: the built page (www/dist, Vite), the app
// backend and the embedded CometChat emulator (www/server, one port on 127.0.0.1), the real
// @cometchat/chat-uikit-react (on the real @cometchat/chat-sdk-javascript) in the page, connected
// by chat-token-manager/cometchat, and chat-token-manager from pkg/.
// Alice and Bob, each in their own browser context (own cookies and storage), in order: both
// sign in and the kit logs in → Alice's message reaches Bob's message view live → a forced 401
// (the integration calls handleUnauthorized once, the kit logs in again, messages flow) →
// proactive refresh before expiry (a message sent after it arrives) → offline and back (messages
// still arrive) → the kit losing its user under its views (a waiting notice, not a blank page) →
// a failed token request retried (the timeline marks both) → a second tab of Alice's shares the token → a screenshot of each window shows
// the messages and the timeline → logout (the kit logged out, no token request follows, both of
// Alice's tabs). No request may leave 127.0.0.1 (the kit's CDN sounds are off). Tokens live 30 s
// here (the demo's default is 2 min).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM, startDemo } from './helpers/demo.mjs';
import { keepOnMachine, send, waitForMessage } from './helpers/kit.mjs';

const ROOT = new URL('../../', import.meta.url);
const SHOTS = new URL('target/e2e/', ROOT);
const TOKEN_TTL_S = 30;

let demo;
let browser;
const tokensSeen = new Set(); // every token a page held, to scan storage and the DOM for afterwards
const responses = []; // every response body the pages received, to scan for the REST key
const outside = {}; // per user: requests to anything but 127.0.0.1 (aborted)
const pageErrors = []; // uncaught exceptions in any page
/** @type {Record<string, { context: import('playwright-core').BrowserContext, page: import('playwright-core').Page }>} */
const users = {};

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
  for (const uid of ['alice', 'bob']) {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    outside[uid] = await keepOnMachine(context);
    context.on('page', (page) => watch(page, uid));
    users[uid] = { context, page: await context.newPage() };
  }
});

after(async () => {
  await browser?.close();
  await demo?.close();
});

function watch(page, uid) {
  page.on('pageerror', (e) => pageErrors.push(`${uid}: ${e.message} ${e.stack ?? ''}`.trim()));
  page.on('response', async (r) => {
    try { responses.push({ url: r.url(), headers: JSON.stringify(r.headers()), body: await r.text() }); } catch { /* redirects, aborted */ }
  });
}

const alice = () => users.alice.page;
const bob = () => users.bob.page;
const text = (page, id) => page.textContent(`#${id}`);

/** What the manager and the kit in a page hold right now (the test may see tokens; the page never shows them). */
const inPage = (page) => page.evaluate(async () => {
  const { manager, CometChat, CometChatUIKit } = window.demo;
  const user = await CometChat.getLoggedinUser();
  const token = manager.state === 'ready' ? await manager.getToken() : null;
  return {
    state: manager.state, token, snapshot: manager.snapshot(), sdkUid: user ? user.getUid() : null,
    sdkToken: user ? user.getAuthToken() : null, kitUid: CometChatUIKit.getLoggedInUser()?.getUid() ?? null,
  };
});

/** Counts the manager's handleUnauthorized() calls from now on (whoever makes them: the integration). */
const countUnauthorized = (page) => page.evaluate(() => {
  const m = window.demo.manager;
  window.unauthorizedCalls = 0;
  const original = Object.getPrototypeOf(m).handleUnauthorized;
  m.handleUnauthorized = function (...args) { window.unauthorizedCalls++; return original.apply(this, args); };
});

async function signIn(page, uid) {
  await page.goto(demo.url);
  await page.click(`button[data-user="${uid}"]`);
  await page.waitForFunction((uid) => document.querySelector('#state')?.textContent === 'ready'
    && document.querySelector('#chat-user')?.textContent === `logged in as ${uid}`, uid, { timeout: 20_000 });
}

/** Both kits logged in with their manager's current token, message views open on each other. */
async function bothChatting() {
  for (const [uid, page] of [['alice', alice()], ['bob', bob()]]) {
    await page.waitForFunction((uid) => window.demo.CometChatUIKit.getLoggedInUser()?.getUid() === uid
      && document.querySelector('#kit-messages [role="textbox"]'), uid, { timeout: 20_000 });
    const now = await inPage(page);
    tokensSeen.add(now.token);
    assert.equal(now.sdkToken, now.token, `${uid}: the kit's SDK holds the manager's token`);
  }
}

test('two users sign in in two browser contexts → each manager fetches one token and the real UI Kit logs in with it (loginWithAuthToken); the conversation list, message view and composer render', async () => {
  await signIn(alice(), 'alice');
  await signIn(bob(), 'bob');
  await bothChatting();
  for (const [uid, page, peer] of [['alice', alice(), 'bob'], ['bob', bob(), 'alice']]) {
    const now = await inPage(page);
    assert.equal(now.kitUid, uid, 'CometChatUIKit.getLoggedInUser()');
    assert.equal(now.sdkUid, uid, 'CometChat.getLoggedinUser()');
    assert.equal(await page.getAttribute('#kit-messages', 'data-peer'), peer, 'the message view is open on the other user');
    assert.ok(await page.locator('#kit-conversations').isVisible(), 'the kit\'s conversation list');
    assert.match(await page.textContent('#events'), /CometChatUIKit\.loginWithAuthToken\(token #1\)/);
  }
  assert.equal(await demo.tokenRequests(), 2, 'one token request per user');
});

test('Alice sends with the kit\'s composer → the message arrives live in Bob\'s message view over the socket; Bob\'s reply reaches Alice; both conversation lists show it', async () => {
  const pushed = (await demo.control.stats()).pushed;
  await send(alice(), 'Hi Bob, it is Alice');
  await waitForMessage(bob(), 'Hi Bob, it is Alice');
  assert.ok((await demo.control.stats()).pushed > pushed, 'the emulator pushed it to Bob\'s socket');
  await send(bob(), 'Hello Alice');
  await waitForMessage(alice(), 'Hello Alice');
  await alice().locator('#kit-conversations').getByText('Bob Builder').waitFor();
  await bob().locator('#kit-conversations').getByText('Alice Liddell').waitFor();
});

test('Simulate a 401: the token is revoked, the SDK gets AUTH_ERR_AUTH_TOKEN_NOT_FOUND, the integration calls handleUnauthorized once, the kit logs in again with the new token, and messages flow both ways', async () => {
  const before401 = await inPage(alice());
  const requests = await demo.tokenRequests();
  // handleUnauthorized() refuses a token minted less than 5 s ago (it would loop): wait past that.
  await alice().waitForFunction((t) => Date.now() - t > 5_500, before401.snapshot.expiresAt - TOKEN_TTL_S * 1000, { timeout: 10_000, polling: 250 });
  await countUnauthorized(alice());
  await alice().click('#simulate-401');
  await alice().waitForFunction(() => /unauthorized/.test(document.querySelector('#token')?.textContent ?? ''), null, { timeout: 15_000 });
  await bothChatting();
  const after401 = await inPage(alice());
  assert.notEqual(after401.token, before401.token);
  assert.equal(after401.kitUid, 'alice', 'the kit has its user again');
  assert.match(await alice().textContent('#events'), /AUTH_ERR_AUTH_TOKEN_NOT_FOUND/);
  assert.equal(await alice().evaluate(() => window.unauthorizedCalls), 1, 'handleUnauthorized calls');
  assert.equal(await demo.tokenRequests(), requests + 1, 'one token request for the 401');
  // The kit's views came back after the re-login, with the history, and live messages flow.
  await waitForMessage(alice(), 'Hi Bob, it is Alice');
  await send(bob(), 'Still there after your 401?');
  await waitForMessage(alice(), 'Still there after your 401?');
  await send(alice(), 'Yes, after the 401');
  await waitForMessage(bob(), 'Yes, after the 401');
});

test('proactive refresh: each manager refreshes before expiry, the kit is logged in with the new token, and a message sent after the refresh arrives', async () => {
  // Bob's next token, whenever it comes, is a scheduled one (nothing else touches his manager).
  const old = await inPage(bob());
  await bob().waitForFunction((t) => window.demo.manager.snapshot().expiresAt !== t
    && /scheduled/.test(document.querySelector('#token')?.textContent ?? ''), old.snapshot.expiresAt, { timeout: TOKEN_TTL_S * 1000 });
  assert.ok(Date.now() < old.snapshot.expiresAt, 'refreshed before the old token expired');
  await bothChatting();
  const now = await inPage(bob());
  assert.notEqual(now.token, old.token);
  assert.equal(now.state, 'ready');
  await send(bob(), 'Sent after my refresh');
  await waitForMessage(alice(), 'Sent after my refresh');
  await send(alice(), 'Got it, after mine too');
  await waitForMessage(bob(), 'Got it, after mine too');
});

test('offline → online: a forced refresh waits without a request; back online it fetches, the kit is logged in again, and messages still arrive', async () => {
  const old = await inPage(alice());
  const requests = await demo.tokenRequests();
  await alice().click('#network'); // go offline
  await alice().click('#refresh');
  await alice().waitForFunction(() => window.demo.manager.snapshot().offline === true);
  assert.equal(await text(alice(), 'state'), 'refreshing');
  assert.equal(await demo.tokenRequests(), requests, 'no token request while offline');
  const shown = await text(alice(), 'token');
  await sleep(1000); // an offline span you can see on the timeline
  await alice().click('#network'); // back online
  await alice().waitForFunction((t) => window.demo.manager.state === 'ready' && /from network/.test(document.querySelector('#token').textContent)
    && !window.demo.manager.snapshot().offline && document.querySelector('#token').textContent !== t, shown);
  await bothChatting();
  const now = await inPage(alice());
  assert.notEqual(now.token, old.token);
  assert.equal(await demo.tokenRequests(), requests + 1);
  await send(bob(), 'Welcome back online');
  await waitForMessage(alice(), 'Welcome back online');
  await send(alice(), 'Online again');
  await waitForMessage(bob(), 'Online again');
});

test('the kit losing its user while its views are up ("requires a logged-in user" from the message list) leaves a waiting notice, not a blank page; the views come back after the next login', async () => {
  const errorsBefore = pageErrors.length;
  // The kit's own state as after a session it lost, then a re-render of the message list.
  await alice().evaluate(() => { window.demo.CometChatUIKit._loggedInUser = null; });
  await alice().click('button[data-peer="carol"]');
  await alice().waitForSelector('#chat-waiting', { timeout: 5000 });
  assert.match(await alice().textContent('#chat-waiting'), /waiting for the chat login/i);
  assert.match(await alice().textContent('#events'), /requires a logged-in user/);
  assert.ok(await alice().locator('#timeline').isVisible(), 'the rest of the page is still there');
  assert.equal(await text(alice(), 'state'), 'ready');
  await alice().click('#refresh'); // a new token → the kit logs in again → the views are back
  await alice().waitForSelector('#kit-messages [role="textbox"]', { timeout: 15_000 });
  await alice().click('button[data-peer="bob"]');
  await waitForMessage(alice(), 'Online again');
  assert.equal(pageErrors.length, errorsBefore, 'nothing uncaught');
});

test('a token request that fails (503) is retried after a backoff: the timeline marks the failure, the delay and the retry, and the kit logs in with the token it fetched', async () => {
  let calls = 0;
  const inject = (route) => (calls++ === 0
    ? route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":{"code":"injected"}}' })
    : route.fallback());
  await users.bob.context.route('**/api/cometchat-token', inject);
  try {
    const old = await inPage(bob());
    await bob().click('#refresh');
    await bob().waitForFunction((t) => window.demo.manager.snapshot().expiresAt !== t && window.demo.manager.state === 'ready', old.snapshot.expiresAt, { timeout: 15_000 });
    assert.equal(calls, 2, 'one failed request, one retry');
  } finally {
    await users.bob.context.unroute('**/api/cometchat-token', inject);
  }
  for (const kind of ['fetch-failed', 'retry', 'retry-delay']) {
    assert.equal(await bob().locator(`#timeline [data-kind="${kind}"]`).count(), 1, `a ${kind} mark`);
  }
  await bothChatting();
  await send(alice(), 'After your retry');
  await waitForMessage(bob(), 'After your retry');
});

let second;
test('a second tab gets the token from the first (no token request, a tab handoff on its timeline) and its kit logs in', async () => {
  const requests = await demo.tokenRequests();
  second = await users.alice.context.newPage();
  await second.goto(demo.url);
  await second.waitForFunction(() => document.querySelector('#state')?.textContent === 'ready'
    && document.querySelector('#chat-user')?.textContent === 'logged in as alice', null, { timeout: 20_000 });
  assert.match(await second.textContent('#token'), /from tab/);
  assert.equal(await demo.tokenRequests(), requests, 'no token request for the second tab');
  assert.equal(await second.locator('#timeline [data-kind="tab"]').count(), 1, 'the timeline marks the tab handoff');
  assert.equal(await second.locator('#timeline [data-kind="fetch"]').count(), 0, 'and no token request');
  await waitForMessage(second, 'Online again');
});

test('a screenshot of each window shows the messages and the token timeline (bars for each token, marks for requests, logins, the 401 and the offline span); no token text in the page', async () => {
  await mkdir(SHOTS, { recursive: true });
  const expected = {
    // Alice: initial, after the 401, after offline (at least); Bob: initial, scheduled, retried.
    alice: { bars: 3, messages: ['Hi Bob, it is Alice', 'Still there after your 401?', 'Online again'], marks: ['fetch', 'login', '401', 'offline'] },
    bob: { bars: 3, messages: ['Hello Alice', 'Yes, after the 401', 'Welcome back online', 'After your retry'], marks: ['fetch', 'login', 'fetch-failed', 'retry', 'retry-delay'] },
  };
  for (const [uid, want] of Object.entries(expected)) {
    const page = users[uid].page;
    await page.bringToFront();
    for (const m of want.messages) await waitForMessage(page, m);
    // The timeline: one bar per token this page held, drawn with a width.
    const bars = page.locator('#timeline [data-kind="token"] rect.token-bar');
    const count = await bars.count();
    assert.ok(count >= want.bars, `${uid}: ${count} token bars`);
    for (let i = 0; i < count; i++) assert.ok((await bars.nth(i).boundingBox())?.width > 1, `${uid}: bar ${i} has a width`);
    assert.match(await page.getAttribute('#timeline', 'aria-label'), /token bar/);
    for (const kind of want.marks) assert.ok(await page.locator(`#timeline [data-kind="${kind}"]`).count() >= 1, `${uid}: a ${kind} mark`);
    const shot = new URL(`${uid}.png`, SHOTS);
    await page.screenshot({ path: shot.pathname, fullPage: true });
    const png = await readFile(shot);
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG');
    assert.ok(png.length > 60_000, `screenshot is ${png.length} bytes`);
    // At screenshot time: the state, the message text and the timeline are on the page; no token is.
    const body = await page.textContent('body');
    for (const shown of ['signed in as', 'ready', `logged in as ${uid}`, 'Token timeline', ...want.messages]) {
      assert.ok(body.includes(shown), `${uid}: the page shows "${shown}" at screenshot time`);
    }
    const html = await page.content();
    for (const token of tokensSeen) assert.ok(!html.includes(token), `${uid}: no token in the page's DOM (text, titles, labels)`);
  }
});

test('logout: the kit is logged out, no token request follows, the session is gone, sign-in shown in both of Alice\'s tabs', async () => {
  const manager = await alice().evaluateHandle(() => window.demo.manager);
  await alice().click('#logout');
  await alice().waitForSelector('button[data-user="alice"]');
  const requests = await demo.tokenRequests();
  assert.equal(await alice().evaluate(async () => (await window.demo.CometChat.getLoggedinUser()) === null), true, 'CometChat.getLoggedinUser() is null');
  assert.equal(await alice().evaluate(() => window.demo.CometChatUIKit.getLoggedInUser()), null, 'CometChatUIKit.getLoggedInUser() is null');
  assert.ok(['loggedOut', 'disposed'].includes(await manager.evaluate((m) => m.state)));
  await second.waitForSelector('button[data-user="alice"]'); // the other tab was logged out too
  assert.equal(await second.evaluate(async () => (await window.demo.CometChat.getLoggedinUser()) === null), true);
  const stored = await alice().evaluate(() => {
    const all = [];
    for (const s of [localStorage, sessionStorage]) for (let i = 0; i < s.length; i++) all.push(s.getItem(s.key(i)));
    return all.join('\n');
  });
  for (const token of tokensSeen) assert.ok(!stored.includes(token), 'no token left in localStorage or sessionStorage');
  await sleep(3000); // a timer or a listener that still asked for a token would have by now
  assert.equal(await demo.tokenRequests(), requests, 'no token request after the logout');
  const session = await alice().evaluate(() => fetch('/api/cometchat-token', { method: 'POST' }).then((r) => r.status));
  assert.equal(session, 401, 'the token endpoint refuses without a session');
  // Bob is untouched.
  assert.equal((await inPage(bob())).kitUid, 'bob');
});

test('nothing left the machine: every request of both contexts went to 127.0.0.1 (the kit\'s CDN sounds are off), every call the kit made has a route in the emulator, and no page threw', async () => {
  assert.deepEqual(outside, { alice: [], bob: [] });
  assert.deepEqual((await demo.control.stats()).unhandled, [], 'client calls the emulator answered only with its catch-all');
  assert.deepEqual(pageErrors, []);
});

test('the CometChat REST key is in no built client file and in no response the pages received', async () => {
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
