// The REAL @cometchat/chat-sdk-javascript (from npm, unmodified) logs in to the embedded emulator
// in headless Chromium with tokens minted through the demo backend. The test page is the SDK's
// UMD bundle plus the emulator shim; every API call goes over real HTTP/WebSocket to 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, copyFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { startDemo, client, CHROMIUM, COMETCHAT_SDK_PATH } from './helpers/demo.mjs';

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

// --- What the UI Kit calls after login: users, conversations, history, sending, live delivery,
// typing and receipts (the kit's own views run on these in tests/www/e2e.test.mjs). ---

/** Alice and Bob logged in with the real SDK in two contexts, each socket connected; listeners record what arrives. */
async function twoUsers() {
  const pages = {};
  for (const uid of ['alice', 'bob']) {
    const { context, page } = await openPage();
    await signInAndInit(page, uid);
    assert.deepEqual(await sdkLogin(page, await mintToken(page)), { uid });
    await page.evaluate(() => window.connected);
    await page.evaluate(() => {
      const { CometChat } = window;
      window.got = { texts: [], typing: [], read: [], delivered: [], online: [], offline: [] };
      CometChat.addUserListener('test', new CometChat.UserListener({
        onUserOnline: (u) => window.got.online.push(u.getUid()),
        onUserOffline: (u) => window.got.offline.push(u.getUid()),
      }));
      CometChat.addMessageListener('test', new CometChat.MessageListener({
        onTextMessageReceived: (m) => window.got.texts.push({ id: m.getId(), text: m.getText(), from: m.getSender().getUid() }),
        onTypingStarted: (t) => window.got.typing.push(t.getSender().getUid()),
        onMessagesRead: (r) => window.got.read.push(String(r.getMessageId())),
        onMessagesDelivered: (r) => window.got.delivered.push(String(r.getMessageId())),
      }));
    });
    pages[uid] = { context, page };
  }
  return pages;
}

test('after login the real SDK lists users, sends a text message (POST messages) that reaches the other user live over the socket, and reads it back as history and as a conversation', async () => {
  const { alice, bob } = await twoUsers();
  try {
    const listed = await alice.page.evaluate(async () => (await new window.CometChat.UsersRequestBuilder().setLimit(30).build().fetchNext()).map((u) => u.getUid()));
    assert.ok(listed.includes('bob') && listed.includes('carol') && !listed.includes('alice'), `users: ${listed}`);
    const sent = await alice.page.evaluate(async () => {
      const { CometChat } = window;
      const m = await CometChat.sendMessage(new CometChat.TextMessage('bob', 'hello from the SDK', CometChat.RECEIVER_TYPE.USER));
      return { id: m.getId(), text: m.getText(), sender: m.getSender().getUid(), receiver: m.getReceiverId(), conversationId: m.getConversationId() };
    });
    assert.equal(sent.text, 'hello from the SDK');
    assert.equal(sent.sender, 'alice');
    assert.equal(sent.receiver, 'bob');
    await bob.page.waitForFunction((id) => window.got.texts.some((m) => m.id === id), sent.id, { timeout: 5000 });
    assert.deepEqual(await bob.page.evaluate(() => window.got.texts), [{ id: sent.id, text: 'hello from the SDK', from: 'alice' }]);
    assert.deepEqual(await alice.page.evaluate(() => window.got.texts), [], 'the sender\'s own session does not get its message back');
    const history = await bob.page.evaluate(async () => (await new window.CometChat.MessagesRequestBuilder().setUID('alice').setLimit(30).build().fetchPrevious())
      .map((m) => ({ text: m.getText(), from: m.getSender().getUid() })));
    assert.deepEqual(history.slice(-1), [{ text: 'hello from the SDK', from: 'alice' }]);
    const conversations = await bob.page.evaluate(async () => (await new window.CometChat.ConversationsRequestBuilder().setLimit(30).build().fetchNext())
      .map((c) => ({ with: c.getConversationWith().getUid(), last: c.getLastMessage()?.getText(), unread: c.getUnreadMessageCount() })));
    const withAlice = conversations.find((c) => c.with === 'alice');
    assert.equal(withAlice?.last, 'hello from the SDK');
    assert.ok(withAlice.unread >= 1, 'unread for Bob');
    const one = await bob.page.evaluate(async () => (await window.CometChat.getConversation('alice', 'user')).getConversationWith().getUid());
    assert.equal(one, 'alice');
    const none = await bob.page.evaluate(async () => window.CometChat.getConversation('carol', 'user').then(() => 'found', (e) => e.code));
    assert.notEqual(none, 'found', 'no conversation with a user never written to');
  } finally {
    await alice.context.close();
    await bob.context.close();
  }
});

test('typing indicators and read receipts sent by the real SDK over its socket reach the other user; presence: Bob online, then offline when his socket closes', async () => {
  const { alice, bob } = await twoUsers();
  try {
    await alice.page.waitForFunction(() => window.got.online.includes('bob'), null, { timeout: 5000 });
    await alice.page.evaluate(() => window.CometChat.startTyping(new window.CometChat.TypingIndicator('bob', window.CometChat.RECEIVER_TYPE.USER)));
    await bob.page.waitForFunction(() => window.got.typing.includes('alice'), null, { timeout: 5000 });
    const id = await alice.page.evaluate(async () => (await window.CometChat.sendMessage(new window.CometChat.TextMessage('bob', 'read me', 'user'))).getId());
    await bob.page.waitForFunction((id) => window.got.texts.some((m) => m.id === id), id, { timeout: 5000 });
    await bob.page.evaluate(async (id) => {
      const m = (await new window.CometChat.MessagesRequestBuilder().setUID('alice').setLimit(30).build().fetchPrevious()).find((x) => x.getId() === id);
      await window.CometChat.markAsDelivered(m);
      await window.CometChat.markAsRead(m);
    }, id);
    await alice.page.waitForFunction((id) => window.got.read.includes(String(id)) && window.got.delivered.includes(String(id)), id, { timeout: 5000 });
    const stats = await demo.control.stats();
    assert.ok(stats.relayed >= 3, `socket frames relayed: ${stats.relayed}`);
    await bob.context.close();
    await alice.page.waitForFunction(() => window.got.offline.includes('bob'), null, { timeout: 5000 });
  } finally {
    await alice.context.close();
    await bob.context.close();
  }
});

test('expired and revoked tokens get AUTH_ERR_AUTH_TOKEN_NOT_FOUND on every chat endpoint (users, conversations, history, send, receipts)', async () => {
  const base = `${demo.origin}/emu/client/v3.0`;
  const mint = async (uid) => {
    const c = client(demo.origin);
    assert.equal((await c.request('POST', '/api/session', { userId: uid })).status, 200);
    return (await c.request('POST', '/api/cometchat-token')).json.token;
  };
  const calls = [
    ['GET', '/users?per_page=30&page=1'], ['GET', '/conversations?per_page=30&page=1'], ['GET', '/users/bob/conversation'],
    ['GET', '/users/bob/messages?per_page=30&affix=prepend'], ['POST', '/messages', { receiver: 'bob', receiverType: 'user', category: 'message', type: 'text', data: { text: 'x' } }],
    ['POST', '/users/bob/conversation/read', {}], ['POST', '/users/bob/conversation/delivered', {}], ['POST', '/user_sessions', {}], ['GET', '/users/bob'],
  ];
  const codes = async (token) => Promise.all(calls.map(async ([method, path, body]) => {
    const res = await fetch(`${base}${path}`, {
      method, headers: { appId: demo.emulator.appId, authToken: token, 'Content-Type': 'application/json' }, body: body ? JSON.stringify(body) : undefined,
    });
    return `${method} ${path.split('?')[0]} → ${(await res.json()).error?.code ?? res.status}`;
  }));
  const live = await mint('alice');
  for (const line of await codes(live)) assert.match(line, /→ 200$/, line);
  const messages = (await demo.control.stats()).messages;
  const revoked = await mint('carol');
  await demo.control.revoke('carol');
  for (const line of await codes(revoked)) assert.match(line, /→ AUTH_ERR_AUTH_TOKEN_NOT_FOUND$/, `revoked: ${line}`);
  const expired = await mint('alice');
  await demo.control.advance(demo.emulator.config.tokenTtlMs + 1000);
  for (const line of await codes(expired)) assert.match(line, /→ AUTH_ERR_AUTH_TOKEN_NOT_FOUND$/, `expired: ${line}`);
  assert.equal((await demo.control.stats()).messages, messages, 'no message stored from a dead token');
});

test('a re-login with a new token (what the manager does on a refresh) moves the SDK\'s socket to it: messages keep arriving after the old token has expired', async () => {
  const { alice, bob } = await twoUsers();
  const ttl = demo.emulator.config.tokenTtlMs;
  try {
    const authed = (await demo.control.stats()).wsAuthOk;
    await demo.control.config({ tokenTtlMs: ttl * 10 });
    assert.deepEqual(await sdkLogin(alice.page, await mintToken(alice.page)), { uid: 'alice' }); // no logout in between
    // The SDK opens a socket for the new token and authenticates it (its jwt is the new token's).
    for (let waited = 0; (await demo.control.stats()).wsAuthOk === authed; waited += 50) {
      assert.ok(waited < 5000, 'the SDK authenticated a socket with the new token');
      await sleep(50);
    }
    await demo.control.config({ tokenTtlMs: ttl });
    await demo.control.advance(ttl + 1000); // Alice's first token (and Bob's) expire; her second lives on
    // Bob needs a live token to send: a fresh login.
    assert.deepEqual(await sdkLogin(bob.page, await mintToken(bob.page)), { uid: 'bob' });
    const id = await bob.page.evaluate(async () => (await window.CometChat.sendMessage(new window.CometChat.TextMessage('alice', 'after your old token expired', 'user'))).getId());
    await alice.page.waitForFunction((id) => window.got.texts.some((m) => m.id === id), id, { timeout: 5000 });
  } finally {
    await demo.control.config({ tokenTtlMs: ttl });
    await alice.context.close();
    await bob.context.close();
  }
});
