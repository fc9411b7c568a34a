// chat-token-manager/cometchat against the REAL @cometchat/chat-sdk-javascript and
// @cometchat/chat-uikit-react (from npm, unmodified) in headless Chromium. The page is bundled
// with esbuild from the built package and served by the demo server, so the SDK talks to the
// embedded CometChat emulator and the manager to the demo backend over real HTTP/WebSocket on
// 127.0.0.1; nothing is faked but the CometChat service at the network boundary. What a CometChat
// developer would notice: one kit login per token despite StrictMode, one refresh and one re-login
// when the SDK loses its session, a real logout, and nothing at all once the manager is disposed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { startDemo, CHROMIUM } from './helpers/demo.mjs';
import { buildPage } from './helpers/page.mjs';

const ROOT = new URL('../../', import.meta.url);
const OUT = new URL('target/www-cometchat/', ROOT);

// The page. window.t drives it; window.log counts what the tests assert on.
const PAGE = `
import { StrictMode, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { CometChat } from '@cometchat/chat-sdk-javascript';
import { CometChatUIKit, UIKitSettingsBuilder } from '@cometchat/chat-uikit-react';
import { TokenManager } from 'chat-token-manager';
import { TokenManagerProvider, useChatToken } from 'chat-token-manager/react';
import { cometChat } from 'chat-token-manager/cometchat';

const log = (window.log = { kitLogins: 0, sdkLogins: 0, kitLogouts: 0, unauthorized: [], managers: [], states: [], sockets: [], expired: 0 });
// Counts the real kit's and SDK's logins (the kit's loginWithAuthToken calls CometChat.login).
const { loginWithAuthToken, logout } = CometChatUIKit;
CometChatUIKit.loginWithAuthToken = (token) => { log.kitLogins++; return loginWithAuthToken.call(CometChatUIKit, token); };
CometChatUIKit.logout = () => { log.kitLogouts++; return logout.call(CometChatUIKit); };
const sdkLogin = CometChat.login;
CometChat.login = (...args) => { log.sdkLogins++; return sdkLogin.apply(CometChat, args); };
// The SDK listeners that are registered now, by kind and name (the kit registers its own too).
log.listeners = new Set();
for (const kind of ['Login', 'Connection']) {
  const add = CometChat['add' + kind + 'Listener'];
  const remove = CometChat['remove' + kind + 'Listener'];
  CometChat['add' + kind + 'Listener'] = (name, listener) => { log.listeners.add(kind + ':' + name); return add.call(CometChat, name, listener); };
  CometChat['remove' + kind + 'Listener'] = (name) => { log.listeners.delete(kind + ':' + name); return remove.call(CometChat, name); };
}
const { handleUnauthorized } = TokenManager.prototype;
TokenManager.prototype.handleUnauthorized = function (stale) {
  log.unauthorized.push(stale === (log.current ?? null) ? 'current token' : 'other token');
  return handleUnauthorized.call(this, stale);
};

const chat = cometChat({ sdk: CometChat, uiKit: CometChatUIKit });
const options = {
  endpoint: '/api/cometchat-token',
  login: chat.login,
  logout: chat.logout,
  crossTab: false,
  logger: null,
  onTokenRefresh: (info) => { log.current = info.token; },
};

/** What an app renders: the provider makes the manager, a child attaches the integration to it. */
function Chat() {
  const { manager, state } = useChatToken();
  useEffect(() => (manager ? chat.attach(manager) : undefined), [manager]);
  if (manager && !log.managers.includes(manager)) log.managers.push(manager);
  if (log.states[log.states.length - 1] !== state) log.states.push(state);
  return <p id="state">{state}</p>;
}

let root = null;
window.t = {
  /** Signs in to the demo backend and initialises the UI kit from /api/config (the emulator). */
  async init(userId) {
    const s = await fetch('/api/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ userId }) });
    if (!s.ok) throw new Error('session ' + s.status);
    const config = await (await fetch('/api/config')).json();
    const { installEmulatorShim } = await import(config.shim);
    installEmulatorShim(config.emulatorHosts);
    // The chat sockets the SDK opens (through the shim), so a test can drop one as a network would.
    const Socket = window.WebSocket;
    window.WebSocket = class extends Socket {
      constructor(...args) { super(...args); log.sockets.push(this); }
    };
    await CometChatUIKit.init(new UIKitSettingsBuilder().setAppId(config.appId).setRegion(config.region)
      .setClientHost(config.clientHost).setAdminHost(config.adminHost).subscribePresenceForAllUsers().build());
  },
  mount() {
    root = createRoot(document.getElementById('root'));
    root.render(<StrictMode><TokenManagerProvider options={options}><Chat /></TokenManagerProvider></StrictMode>);
  },
  unmount() { root.unmount(); root = null; },
  manager: () => log.managers[log.managers.length - 1],
  /** The integration's SDK listeners that are registered now. */
  ours: () => [...log.listeners].filter((l) => l.includes(':chat-token-manager.')).map((l) => l.split(':')[0]).sort(),
  /** A manager without React, attached by hand; resolves with its state once started. */
  plain(extra = {}, integration = chat) {
    const manager = new TokenManager({ ...options, login: integration.login, logout: integration.logout, ...extra });
    log.managers.push(manager);
    manager.on('expired', () => { log.expired++; });
    log.detach = integration.attach(manager);
    return manager.start().then(() => manager.state);
  },
  async session() {
    const sdk = await CometChat.getLoggedinUser();
    return { sdk: sdk ? sdk.getUid() : null, kit: CometChatUIKit.getLoggedInUser()?.getUid() ?? null };
  },
  /** An SDK call that needs a valid token: { ok } or the error code. */
  async probe(n = 1) {
    const codes = await Promise.all(Array.from({ length: n }, () => CometChat.getUser('bob').then(() => 'ok', (e) => e?.code ?? 'error')));
    return codes;
  },
  /** The same with the SDK alone: cometChat({ sdk }) logs in with CometChat.login. */
  sdkOnly: () => window.t.plain({}, cometChat({ sdk: CometChat })),
  connection: () => CometChat.getConnectionStatus(),
  /** Closes the SDK's open chat socket, as a network drop would; returns how many were open. */
  dropSocket() {
    const open = log.sockets.filter((s) => s.readyState === WebSocket.OPEN);
    for (const s of open) s.close();
    return open.length;
  },
  revoke: async () => (await (await fetch('/api/demo/revoke-chat-tokens', { method: 'POST' })).json()).revoked,
};
window.ready = true;
`;

let demo;
let browser;

before(async () => {
  await buildPage(PAGE, OUT, {
    // The kit loads the calls SDK only when calling is enabled (it is not here).
    external: ['@cometchat/calls-sdk-javascript'],
    loader: { '.svg': 'dataurl', '.png': 'dataurl', '.wav': 'dataurl', '.mp3': 'dataurl', '.woff2': 'dataurl', '.ttf': 'dataurl' },
  });
  await writeFile(new URL('index.html', OUT), '<!doctype html><meta charset="utf-8"><title>cometchat integration</title><link rel="stylesheet" href="/app.css"><div id="root"></div><script type="module" src="/app.js"></script>');
  demo = await startDemo({ distDir: OUT.pathname });
  browser = await chromium.launch(CHROMIUM);
});

after(async () => {
  await browser?.close();
  await demo?.close();
});

/**
 * A fresh context (own cookies and storage) with the page open and the kit initialised for
 * `userId`. Records the page's token requests and errors, and refuses (and records) any request
 * that would leave 127.0.0.1.
 */
async function openPage(t, userId) {
  const context = await browser.newContext();
  t.after(() => context.close());
  const outside = [];
  await context.route((url) => url.hostname !== '127.0.0.1', (route) => { outside.push(route.request().url()); return route.abort(); });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const tokenRequests = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname === '/api/cometchat-token') tokenRequests.push(r.method()); });
  await page.goto(demo.url);
  await page.waitForFunction(() => window.ready === true);
  await page.evaluate((u) => window.t.init(u), userId);
  return { page, errors, tokenRequests, outside };
}

const counts = (page) => page.evaluate(() => ({
  kitLogins: window.log.kitLogins, sdkLogins: window.log.sdkLogins, kitLogouts: window.log.kitLogouts, unauthorized: window.log.unauthorized.length,
}));
const state = (page) => page.evaluate(() => window.t.manager()?.state);

test('StrictMode double mount → one loginWithAuthToken', async (t) => {
  const { page, errors, tokenRequests, outside } = await openPage(t, 'alice');
  const me = (await demo.control.stats()).calls.me ?? 0;
  await page.evaluate(() => window.t.mount());
  await page.waitForFunction(() => document.querySelector('#state')?.textContent === 'ready');
  await sleep(500); // a second manager or a second login would have happened by now
  assert.deepEqual(await counts(page), { kitLogins: 1, sdkLogins: 1, kitLogouts: 0, unauthorized: 0 });
  assert.equal(tokenRequests.length, 1, 'token requests');
  assert.equal((await demo.control.stats()).calls.me - me, 1, "the emulator saw one SDK login (PUT /me)");
  assert.deepEqual(await page.evaluate(() => window.t.session()), { sdk: 'alice', kit: 'alice' }, 'the SDK and the kit hold the user');
  assert.equal(await page.evaluate(() => window.log.managers.length), 1, 'managers');
  assert.deepEqual(await page.evaluate(() => window.t.ours()), ['Connection', 'Login'], "one login and one connection listener after StrictMode's attach, detach, attach");
  assert.deepEqual(errors, []);
  assert.deepEqual(outside, [], 'no request left 127.0.0.1');
});

test('the SDK losing its session → exactly one refresh and one re-login', async (t) => {
  const { page, errors, tokenRequests, outside } = await openPage(t, 'bob');
  await page.evaluate(() => window.t.mount());
  await page.waitForFunction(() => document.querySelector('#state')?.textContent === 'ready');
  assert.deepEqual(await page.evaluate(() => window.t.probe()), ['ok']);
  // The manager refuses to refresh for a token minted less than 5 s ago (the backend just issued
  // it: a refresh would loop), so the session is lost later than that.
  await sleep(5200);
  // The backend revokes bob's CometChat tokens (the demo's "Simulate a 401"): the emulator closes
  // the socket, and the SDK's next API calls answer AUTH_ERR_AUTH_TOKEN_NOT_FOUND, after which the
  // SDK logs itself out — three times here, from three concurrent calls.
  assert.ok((await page.evaluate(() => window.t.revoke())) >= 1);
  assert.deepEqual(await page.evaluate(() => window.t.probe(3)), Array(3).fill('AUTH_ERR_AUTH_TOKEN_NOT_FOUND'));
  await page.waitForFunction(() => window.log.kitLogins === 2 && window.t.manager().state === 'ready');
  await sleep(1000); // a second refresh or login would have happened by now
  assert.deepEqual(await counts(page), { kitLogins: 2, sdkLogins: 2, kitLogouts: 0, unauthorized: 1 });
  assert.deepEqual(await page.evaluate(() => window.log.unauthorized), ['current token'], 'handleUnauthorized got the token the SDK lost');
  assert.equal(tokenRequests.length, 2, 'token requests: the first and one refresh');
  assert.equal(await page.evaluate(() => window.t.manager().snapshot().lastError), null);
  // The SDK works again with the new token.
  assert.deepEqual(await page.evaluate(() => window.t.session()), { sdk: 'bob', kit: 'bob' });
  assert.deepEqual(await page.evaluate(() => window.t.probe()), ['ok']);
  assert.deepEqual(errors, []);
  assert.deepEqual(outside, []);
});

test('logout → kit logged out, no token request follows', async (t) => {
  const { page, errors, tokenRequests, outside } = await openPage(t, 'carol');
  await page.evaluate(() => window.t.mount());
  await page.waitForFunction(() => document.querySelector('#state')?.textContent === 'ready');
  const sdkLogouts = (await demo.control.stats()).calls.logout ?? 0;
  await page.evaluate(() => window.t.manager().logout());
  await page.waitForFunction(() => document.querySelector('#state')?.textContent === 'loggedOut');
  assert.deepEqual(await page.evaluate(() => window.t.session()), { sdk: null, kit: null }, 'the kit and the SDK are logged out');
  assert.equal(await page.evaluate(() => window.log.kitLogouts), 1, "the kit's logout ran once");
  assert.equal((await demo.control.stats()).calls.logout - sdkLogouts, 1, 'the emulator saw the SDK log out (DELETE /me)');
  // What the SDK does after a logout (an API call without a session is refused and the SDK logs
  // itself out again) is not a lost session.
  await page.evaluate(() => window.t.probe());
  await sleep(1500);
  assert.equal(tokenRequests.length, 1, 'no token request after the logout');
  assert.deepEqual(await counts(page), { kitLogins: 1, sdkLogins: 1, kitLogouts: 1, unauthorized: 0 });
  assert.equal(await state(page), 'loggedOut');
  assert.deepEqual(errors, []);
  assert.deepEqual(outside, []);
});

test('dispose removes the listeners (a later SDK event causes nothing)', async (t) => {
  const { page, errors, tokenRequests, outside } = await openPage(t, 'alice');
  assert.equal(await page.evaluate(() => window.t.plain()), 'ready');
  assert.deepEqual(await page.evaluate(() => window.t.ours()), ['Connection', 'Login']);
  await page.evaluate(() => window.t.manager().dispose());
  assert.deepEqual(await page.evaluate(() => window.t.ours()), [], "the integration's SDK listeners are removed");
  // The SDK, still logged in, loses its session: nobody is told.
  assert.ok((await page.evaluate(() => window.t.revoke())) >= 1);
  assert.deepEqual(await page.evaluate(() => window.t.probe(2)), Array(2).fill('AUTH_ERR_AUTH_TOKEN_NOT_FOUND'));
  await sleep(1500);
  assert.deepEqual(await counts(page), { kitLogins: 1, sdkLogins: 1, kitLogouts: 0, unauthorized: 0 });
  assert.equal(tokenRequests.length, 1);

  // The same for the function attach() returns: a new manager, attached, then detached by hand.
  assert.equal(await page.evaluate(() => window.t.plain()), 'ready');
  assert.deepEqual(await page.evaluate(() => window.t.session()), { sdk: 'alice', kit: 'alice' });
  await page.evaluate(() => window.log.detach());
  assert.deepEqual(await page.evaluate(() => window.t.ours()), []);
  assert.ok((await page.evaluate(() => window.t.revoke())) >= 1);
  assert.deepEqual(await page.evaluate(() => window.t.probe()), ['AUTH_ERR_AUTH_TOKEN_NOT_FOUND']);
  await sleep(1500);
  assert.deepEqual(await counts(page), { kitLogins: 2, sdkLogins: 2, kitLogouts: 0, unauthorized: 0 });
  assert.equal(tokenRequests.length, 2);
  assert.equal(await state(page), 'ready', 'the detached manager carries on by itself');

  // And a provider's unmount: the attaching effect's cleanup detaches before the manager goes.
  await page.evaluate(() => window.t.mount());
  await page.waitForFunction(() => document.querySelector('#state')?.textContent === 'ready');
  assert.deepEqual(await page.evaluate(() => window.t.ours()), ['Connection', 'Login']);
  await page.evaluate(() => window.t.unmount());
  await page.waitForFunction(() => window.t.manager().state === 'disposed');
  assert.deepEqual(await page.evaluate(() => window.t.ours()), []);
  assert.deepEqual(errors, []);
  assert.deepEqual(outside, []);
});

test('without a UI kit, CometChat.login and CometChat.logout are used', async (t) => {
  const { page, errors, tokenRequests, outside } = await openPage(t, 'carol');
  assert.equal(await page.evaluate(() => window.t.sdkOnly()), 'ready');
  assert.deepEqual(await counts(page), { kitLogins: 0, sdkLogins: 1, kitLogouts: 0, unauthorized: 0 });
  assert.equal((await page.evaluate(() => window.t.session())).sdk, 'carol');
  const sdkLogouts = (await demo.control.stats()).calls.logout ?? 0;
  await page.evaluate(() => window.t.manager().logout());
  assert.equal((await page.evaluate(() => window.t.session())).sdk, null);
  assert.equal((await demo.control.stats()).calls.logout - sdkLogouts, 1, 'DELETE /me');
  assert.equal(await page.evaluate(() => window.log.kitLogouts), 0);
  assert.equal(tokenRequests.length, 1);
  assert.deepEqual(errors, []);
  assert.deepEqual(outside, []);
});

test('a socket drop while the token is valid → no refresh (the SDK reconnects by itself)', async (t) => {
  const { page, errors, tokenRequests, outside } = await openPage(t, 'bob');
  assert.equal(await page.evaluate(() => window.t.plain()), 'ready');
  await page.waitForFunction(() => window.t.connection() === 'connected');
  const wsAuth = (await demo.control.stats()).wsAuthOk;
  assert.equal(await page.evaluate(() => window.t.dropSocket()), 1);
  await page.waitForFunction(() => window.t.connection() !== 'connected');
  // The SDK reconnects on its own timer (5 s) with the same session.
  await page.waitForFunction(() => window.t.connection() === 'connected', null, { timeout: 20_000 });
  assert.ok((await demo.control.stats()).wsAuthOk > wsAuth, 'the socket authenticated again');
  assert.deepEqual(await counts(page), { kitLogins: 1, sdkLogins: 1, kitLogouts: 0, unauthorized: 0 });
  assert.equal(tokenRequests.length, 1, 'no token request');
  assert.deepEqual(errors, []);
  assert.deepEqual(outside, []);
});

test('the socket down after the token expired → exactly one refresh and one re-login', async (t) => {
  const ttl = (await demo.control.stats()).config.tokenTtlMs;
  await demo.control.config({ tokenTtlMs: 8000 });
  t.after(() => demo.control.config({ tokenTtlMs: ttl }));
  const { page, errors, tokenRequests, outside } = await openPage(t, 'carol');
  // Short backoff and no give-up, so the manager is still retrying when the mints work again.
  assert.equal(await page.evaluate(() => window.t.plain({ retry: { baseDelayMs: 400, maxDelayMs: 800, maxAttempts: 1000 } })), 'ready');
  await page.waitForFunction(() => window.t.connection() === 'connected');
  // Every mint fails from now on (the emulator answers 500): the manager's refresh (at half the
  // 8 s lifetime) keeps failing while the token runs out.
  for (let i = 0; i < 3; i++) await demo.control.failNext({ status: 500, count: 100 });
  await page.waitForFunction(() => window.log.expired === 1, null, { timeout: 20_000 });
  await sleep(300);
  assert.equal(await page.evaluate(() => window.log.unauthorized.length), 0, 'an expired token with the socket up is not a lost session');
  // Then the socket goes down: the SDK cannot reconnect with an expired session.
  assert.equal(await page.evaluate(() => window.t.dropSocket()), 1);
  await page.waitForFunction(() => window.log.unauthorized.length === 1);
  await demo.control.resetStats(); // the mints work again
  await page.waitForFunction(() => window.log.kitLogins === 2 && window.t.manager().state === 'ready', null, { timeout: 20_000 });
  await sleep(1000);
  assert.deepEqual(await counts(page), { kitLogins: 2, sdkLogins: 2, kitLogouts: 0, unauthorized: 1 });
  assert.deepEqual(await page.evaluate(() => window.log.unauthorized), ['current token']);
  assert.ok(tokenRequests.length >= 2, 'the first token, then the failing refresh attempts and the one that worked');
  assert.deepEqual(await page.evaluate(() => window.t.session()), { sdk: 'carol', kit: 'carol' });
  await page.waitForFunction(() => window.t.connection() === 'connected', null, { timeout: 20_000 });
  assert.deepEqual(await page.evaluate(() => window.t.probe()), ['ok']);
  assert.deepEqual(errors, []);
  assert.deepEqual(outside, []);
});

test('two tabs: the SDK losing its session → one token request for both, and both log in again', async (t) => {
  const { page, errors, tokenRequests, outside } = await openPage(t, 'alice');
  const second = await page.context().newPage();
  second.on('pageerror', (e) => errors.push(e.message));
  second.on('request', (r) => { if (new URL(r.url()).pathname === '/api/cometchat-token') tokenRequests.push(r.method()); });
  await second.goto(demo.url);
  await second.waitForFunction(() => window.ready === true);
  await second.evaluate(() => window.t.init('alice'));
  // Headless Chromium reports every page focused; a real background tab is not, and only there
  // does the SDK follow another tab's logout (its storage event), as it does here.
  await second.evaluate(() => { document.hasFocus = () => false; });
  const crossTab = { crossTab: true, storageKey: 'two-tabs' };
  assert.equal(await page.evaluate((o) => window.t.plain(o), crossTab), 'ready');
  assert.equal(await second.evaluate((o) => window.t.plain(o), crossTab), 'ready');
  const token = (p) => p.evaluate(() => window.log.current);
  assert.equal(await token(second), await token(page), 'the second tab took the first tab\'s token');
  const before = { requests: tokenRequests.length, first: await counts(page), second: await counts(second) };
  await sleep(5200); // past the manager's 5 s rule for a just-minted token
  assert.ok((await page.evaluate(() => window.t.revoke())) >= 1);
  assert.deepEqual(await page.evaluate(() => window.t.probe()), ['AUTH_ERR_AUTH_TOKEN_NOT_FOUND']);
  for (const [p, was] of [[page, before.first], [second, before.second]]) {
    await p.waitForFunction((n) => window.log.kitLogins === n + 1 && window.t.manager().state === 'ready', was.kitLogins);
  }
  await sleep(1000);
  assert.equal(tokenRequests.length - before.requests, 1, 'one refresh for both tabs');
  assert.equal(await token(second), await token(page), 'both tabs hold the new token');
  for (const [p, was] of [[page, before.first], [second, before.second]]) {
    const now = await counts(p);
    assert.equal(now.kitLogins - was.kitLogins, 1, 'one login per tab');
    assert.ok(now.unauthorized - was.unauthorized <= 1, 'at most one handleUnauthorized per tab');
    assert.deepEqual(await p.evaluate(() => window.t.session()), { sdk: 'alice', kit: 'alice' });
    assert.deepEqual(await p.evaluate(() => window.t.probe()), ['ok']);
  }
  assert.deepEqual(errors, []);
  assert.deepEqual(outside, []);
});

test('in Node, require() (cometchat.cjs) and import (cometchat.mjs) both load cometChat, which names what is missing from its options', async () => {
  const www = createRequire(new URL('www/package.json', ROOT));
  const { cometChat: required } = www('chat-token-manager/cometchat');
  assert.match(www.resolve('chat-token-manager/cometchat'), /pkg\/cometchat\.cjs$/);
  const { cometChat: imported } = await import(new URL('pkg/cometchat.mjs', ROOT));
  for (const cometChat of [required, imported]) {
    assert.throws(() => cometChat({}), { name: 'TypeError', message: /`sdk\.login` is missing/ });
    const sdk = { ...Object.fromEntries(['login', 'logout', 'getLoggedinUser', 'getConnectionStatus', 'addLoginListener', 'removeLoginListener', 'addConnectionListener', 'removeConnectionListener'].map((k) => [k, () => {}])), LoginListener: class {}, ConnectionListener: class {} };
    assert.throws(() => cometChat({ sdk: { ...sdk, ConnectionListener: undefined } }), /`sdk\.ConnectionListener` is missing/);
    assert.throws(() => cometChat({ sdk, uiKit: { logout() {} } }), /`uiKit` has no `loginWithAuthToken`/);
    assert.deepEqual(Object.keys(cometChat({ sdk })).sort(), ['attach', 'login', 'logout']);
  }
});

test('cometchat.d.ts accepts the real SDK and UI kit types and rejects misuse (tsc --strict)', async () => {
  const tsc = new URL('node_modules/typescript/bin/tsc', ROOT).pathname;
  const project = new URL('tests/www/cometchat-types/', ROOT).pathname;
  const result = await new Promise((resolve) => {
    execFile(process.execPath, [tsc, '-p', project], (error, stdout, stderr) => resolve({ code: error ? error.code : 0, out: stdout + stderr }));
  });
  assert.equal(result.code, 0, result.out);
});
