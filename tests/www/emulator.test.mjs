// The REAL @cometchat/chat-sdk-javascript (from npm, unmodified) logs in to the embedded emulator
// in headless Chromium with tokens minted through the demo backend. The test page is the SDK's
// UMD bundle plus the emulator shim; every API call goes over real HTTP/WebSocket to 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, copyFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startDemo, CHROMIUM, COMETCHAT_SDK_PATH } from './helpers/demo.mjs';

const PAGE = `<!doctype html><meta charset="utf-8"><title>sdk test</title>
<script src="/CometChat.js"></script>
<script type="module">
  import { installEmulatorShim } from '/emu/shim.js';
  window.installEmulatorShim = installEmulatorShim;
  window.shimReady = true;
</script>`;

let demo;
let browser;
let pageDir;

// The test page is served by the demo server itself (as the built page would be), so the SDK's
// requests and socket are same-origin loopback traffic like in the real demo.
before(async () => {
  pageDir = await mkdtemp(join(tmpdir(), 'ctm-sdk-page-'));
  await writeFile(join(pageDir, 'index.html'), PAGE);
  await copyFile(COMETCHAT_SDK_PATH, join(pageDir, 'CometChat.js'));
  demo = await startDemo({ distDir: pageDir });
  browser = await chromium.launch(CHROMIUM);
});
after(async () => {
  await browser?.close();
  await demo?.close();
  if (pageDir) await rm(pageDir, { recursive: true, force: true });
});



/** A fresh browser context (own cookies and storage) with the test page open on the demo origin. */
async function openPage() {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(demo.url);
  await page.waitForFunction(() => window.shimReady && window.CometChat);
  return { context, page };
}

/** Signs in to the demo backend, inits the SDK from /api/config, returns a fresh token. */
async function signInAndInit(page, userId) {
  return page.evaluate(async (userId) => {
    const s = await fetch('/api/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ userId }) });
    if (!s.ok) throw new Error(`session ${s.status}`);
    const config = await (await fetch('/api/config')).json();
    window.installEmulatorShim(config.emulatorHosts);
    const { CometChat } = window;
    const settings = new CometChat.AppSettingsBuilder().setRegion(config.region)
      .overrideClientHost(config.clientHost).overrideAdminHost(config.adminHost)
      .autoEstablishSocketConnection(true).build();
    await CometChat.init(config.appId, settings);
    window.connected = new Promise((resolve) => {
      CometChat.addConnectionListener('test', new CometChat.ConnectionListener({ onConnected: () => resolve('connected') }));
    });
    return true;
  }, userId);
}

const mintToken = (page) => page.evaluate(async () => {
  const r = await fetch('/api/cometchat-token', { method: 'POST' });
  if (!r.ok) throw new Error(`token ${r.status}`);
  return (await r.json()).token;
});

/** CometChat.login(token) in the page: { uid } or { code }. */
const sdkLogin = (page, token) => page.evaluate(async (token) => {
  try {
    const user = await window.CometChat.login(token);
    return { uid: user.getUid() };
  } catch (e) {
    return { code: e.code };
  }
}, token);

test('the real CometChat SDK logs in with a backend-minted token: getLoggedinUser() returns the user and the socket authenticates', async () => {
  const { context, page } = await openPage();
  try {
    await signInAndInit(page, 'alice');
    const token = await mintToken(page);
    const login = await sdkLogin(page, token);
    assert.deepEqual(login, { uid: 'alice' });
    const loggedIn = await page.evaluate(async () => {
      const u = await window.CometChat.getLoggedinUser();
      return u && { uid: u.getUid(), name: u.getName() };
    });
    assert.deepEqual(loggedIn, { uid: 'alice', name: 'Alice Liddell' });
    // The SDK's own WebSocket handshake reaches the emulator and is accepted.
    assert.equal(await page.evaluate(() => window.connected), 'connected');
    await page.waitForFunction(() => window.CometChat.getConnectionStatus() === 'connected');
    const stats = await demo.control.stats();
    assert.ok(stats.calls.me >= 1, 'PUT /me was called');
    assert.ok(stats.wsAuthOk >= 1, 'the socket auth handshake succeeded');
    // A new token re-logs the SDK in (what the token manager does on every refresh).
    const token2 = await mintToken(page);
    assert.notEqual(token2, token);
    await page.evaluate(() => window.CometChat.logout());
    assert.deepEqual(await sdkLogin(page, token2), { uid: 'alice' });
    assert.equal(await page.evaluate(async () => (await window.CometChat.getLoggedinUser())?.getUid()), 'alice');
    // logout clears the SDK's user.
    await page.evaluate(() => window.CometChat.logout());
    assert.equal(await page.evaluate(() => window.CometChat.getLoggedinUser()), null);
  } finally {
    await context.close();
  }
});

test('an expired token is rejected by the real SDK login with AUTH_ERR_AUTH_TOKEN_NOT_FOUND', async () => {
  const { context, page } = await openPage();
  try {
    await signInAndInit(page, 'bob');
    const token = await mintToken(page);
    await demo.control.advance(demo.emulator.config.tokenTtlMs + 1000); // the emulator's clock, no waiting
    const before = (await demo.control.stats()).rejected.expired;
    assert.deepEqual(await sdkLogin(page, token), { code: 'AUTH_ERR_AUTH_TOKEN_NOT_FOUND' });
    assert.equal(await page.evaluate(() => window.CometChat.getLoggedinUser()), null);
    assert.equal((await demo.control.stats()).rejected.expired, before + 1);
    // A fresh token works again.
    assert.deepEqual(await sdkLogin(page, await mintToken(page)), { uid: 'bob' });
  } finally {
    await context.close();
  }
});

test('a revoked token is rejected by the real SDK login with AUTH_ERR_AUTH_TOKEN_NOT_FOUND', async () => {
  const { context, page } = await openPage();
  try {
    await signInAndInit(page, 'carol');
    const token = await mintToken(page);
    assert.ok((await demo.control.revoke('carol')).revoked >= 1);
    assert.deepEqual(await sdkLogin(page, token), { code: 'AUTH_ERR_AUTH_TOKEN_NOT_FOUND' });
    assert.equal(await page.evaluate(() => window.CometChat.getLoggedinUser()), null);
    assert.deepEqual(await sdkLogin(page, await mintToken(page)), { uid: 'carol' });
  } finally {
    await context.close();
  }
});

test('simulate a 401: revoking a logged-in user\'s tokens makes the next SDK call fail with AUTH_ERR_AUTH_TOKEN_NOT_FOUND', async () => {
  const { context, page } = await openPage();
  try {
    await signInAndInit(page, 'alice');
    assert.deepEqual(await sdkLogin(page, await mintToken(page)), { uid: 'alice' });
    await page.waitForFunction(() => window.CometChat.getConnectionStatus() === 'connected');
    assert.ok((await demo.control.stats()).liveSockets >= 1);
    const revoked = await page.evaluate(async () => (await (await fetch('/api/demo/revoke-chat-tokens', { method: 'POST' })).json()).revoked);
    assert.ok(revoked >= 1);
    const code = await page.evaluate(async () => {
      try { await window.CometChat.getUser('bob'); return 'ok'; } catch (e) { return e.code; }
    });
    assert.equal(code, 'AUTH_ERR_AUTH_TOKEN_NOT_FOUND');
    // The emulator closed the revoked token's socket, as the real service drops the session.
    assert.equal((await demo.control.stats()).liveSockets, 0);
  } finally {
    await context.close();
  }
});
