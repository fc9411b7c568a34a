// `chat-token-manager/react` in real headless Chromium: a page bundled with esbuild renders
// <TokenManagerProvider> inside <StrictMode> against a token endpoint on 127.0.0.1 (same origin)
// that counts requests. What a React developer would notice: one manager, one fetch and one
// login despite StrictMode's double mount; state changes reach the hook; unmount disposes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { startStaticServer, CHROMIUM } from '../browser/lib/server.mjs';
import { buildPage } from './helpers/page.mjs';

const ROOT = new URL('../../', import.meta.url);
const OUT = new URL('target/www-react/', ROOT);

// The page. Every render records what the hook returned; window.t drives it.
const PAGE = `
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import { TokenManagerProvider, useChatToken } from 'chat-token-manager/react';
import { TokenManager } from 'chat-token-manager';

const log = (window.log = { states: [], logins: [], logouts: 0, managers: new Set(), reasons: [], renders: 0, loginRenders: [], started: new Set(), disposed: 0 });
// Counts the managers that were started and disposed, whoever made them.
const { start, dispose } = TokenManager.prototype;
TokenManager.prototype.start = function (...args) { log.started.add(this); return start.apply(this, args); };
TokenManager.prototype.dispose = function (...args) { log.disposed++; return dispose.apply(this, args); };

function Status() {
  const { token, info, state, error, snapshot, manager, logout } = useChatToken();
  log.renders++;
  if (manager) log.managers.add(manager);
  if (log.states[log.states.length - 1] !== state) log.states.push(state);
  if (info && log.reasons[log.reasons.length - 1] !== info.reason + ':' + token) log.reasons.push(info.reason + ':' + token);
  return (
    <div>
      <p id="state">{state}</p>
      <p id="token">{token ? 'token held' : 'no token'}</p>
      <p id="reason">{info ? info.reason : ''}</p>
      <p id="expires">{snapshot && snapshot.expiresAt ? 'expires set' : ''}</p>
      <p id="error">{error ? error.code : ''}</p>
      <button id="logout" onClick={() => logout()}>log out</button>
    </div>
  );
}

function App({ userKey, ttl, storage, autoStart }) {
  const [n, setN] = useState(0);
  const [hidden, setHidden] = useState(false);
  window.t.rerender = () => setN((n) => n + 1);
  window.t.hideStatus = (h) => setHidden(h);
  // A new options object on every render, as inline props are.
  const options = {
    endpoint: { url: '/token?ttl=' + ttl, body: { user: userKey } },
    login: (token) => { log.logins.push(token); log.loginRenders.push(n); },
    logout: () => { log.logouts++; },
    crossTab: false,
    logger: null,
    ...(storage ? { storage } : {}),
  };
  return (
    <TokenManagerProvider options={options} userKey={userKey} autoStart={autoStart}>
      {hidden ? null : <Status />}
    </TokenManagerProvider>
  );
}

let root = null;
window.t = {
  mount(userKey = 'alice', ttl = 60, storage, autoStart) {
    root ??= createRoot(document.getElementById('root'));
    root.render(<StrictMode><App userKey={userKey} ttl={ttl} storage={storage} autoStart={autoStart} /></StrictMode>);
  },
  unmount() { root.unmount(); root = null; },
  managerStates: () => [...log.managers].map((m) => m.state),
  ssr: () => renderToString(
    <TokenManagerProvider options={{ endpoint: '/token?ttl=60', crossTab: false, logger: null }}><Status /></TokenManagerProvider>,
  ),
  outside() {
    try { renderToString(<Status />); return 'rendered'; } catch (e) { return e.message; }
  },
};
window.ready = true;
`;

let browser;
let server;
const api = { requests: [] };

before(async () => {
  await buildPage(PAGE, OUT);
  server = await startStaticServer({
    routes: {
      '/page': (req, res) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<!doctype html><meta charset="utf-8"><div id="root"></div><script type="module" src="/target/www-react/app.js"></script>');
      },
      '/token': async (req, res) => {
        let body = '';
        for await (const chunk of req) body += chunk;
        const ttl = Number(new URL(req.url, 'http://x').searchParams.get('ttl'));
        const n = api.requests.push({ body: body ? JSON.parse(body) : null });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ token: `tok-${n}`, expiresIn: ttl }));
      },
    },
  });
  browser = await chromium.launch(CHROMIUM);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function openPage(t) {
  api.requests = [];
  const context = await browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}/page`);
  await page.waitForFunction(() => window.ready === true);
  return { page, errors };
}

const text = (page, id) => page.textContent(`#${id}`);

test('StrictMode double mount: one manager, one token request, one login', async (t) => {
  const { page, errors } = await openPage(t);
  await page.evaluate(() => window.t.mount('alice'));
  await page.waitForFunction(() => document.querySelector('#token')?.textContent === 'token held');
  await sleep(300); // a second manager would have fetched by now
  assert.equal(api.requests.length, 1, 'token requests');
  assert.deepEqual(await page.evaluate(() => window.log.logins), ['tok-1']);
  assert.equal(await page.evaluate(() => window.log.managers.size), 1, 'managers seen by the hook');
  assert.equal(await page.evaluate(() => window.log.started.size), 1, 'managers started');
  assert.equal(await page.evaluate(() => window.log.disposed), 0, 'managers disposed while mounted');
  assert.equal(await text(page, 'state'), 'ready');
  assert.equal(await text(page, 'expires'), 'expires set');
  assert.deepEqual(errors, []);
});

test('autoStart false holds the manager idle; switching it to true on the mounted provider starts that same manager once', async (t) => {
  const { page, errors } = await openPage(t);
  await page.evaluate(() => window.t.mount('alice', 60, undefined, false));
  await sleep(300);
  assert.equal(await text(page, 'state'), 'idle');
  assert.equal(api.requests.length, 0, 'no token request while autoStart is false');
  await page.evaluate(() => window.t.mount('alice', 60, undefined, true));
  await page.waitForFunction(() => document.querySelector('#token')?.textContent === 'token held');
  await sleep(300);
  assert.equal(api.requests.length, 1, 'token requests');
  assert.equal(await page.evaluate(() => window.log.managers.size), 1, 'the same manager');
  assert.equal(await page.evaluate(() => window.log.disposed), 0, 'nothing disposed');
  assert.deepEqual(errors, []);
});

test('state transitions reach the hook: idle → fetching → ready, then logout → loggedOut with the token cleared', async (t) => {
  const { page } = await openPage(t);
  await page.evaluate(() => window.t.mount('alice'));
  await page.waitForFunction(() => document.querySelector('#state')?.textContent === 'ready');
  assert.deepEqual(await page.evaluate(() => window.log.states), ['idle', 'fetching', 'ready']);
  await page.click('#logout');
  await page.waitForFunction(() => document.querySelector('#state')?.textContent === 'loggedOut');
  assert.equal(await text(page, 'token'), 'no token');
  assert.equal(await page.evaluate(() => window.log.logouts), 1, 'the logout option ran once');
});

test('a new options object on re-render keeps the manager; a new userKey disposes it and makes a new one', async (t) => {
  const { page } = await openPage(t);
  await page.evaluate(() => window.t.mount('alice'));
  await page.waitForFunction(() => document.querySelector('#state')?.textContent === 'ready');
  const rendersBefore = await page.evaluate(() => window.log.renders);
  await page.evaluate(() => { window.t.rerender(); window.t.rerender(); });
  await page.waitForFunction((n) => window.log.renders > n, rendersBefore);
  await sleep(300);
  assert.equal(api.requests.length, 1, 'no refetch for a new options object');
  assert.equal(await page.evaluate(() => window.log.managers.size), 1);
  // The manager calls the latest render's callbacks.
  await page.evaluate(() => [...window.log.managers][0].refresh());
  assert.deepEqual(await page.evaluate(() => window.log.loginRenders), [0, 2], 'login from the first render, then from the latest');

  await page.evaluate(() => window.t.mount('bob'));
  await page.waitForFunction(() => window.log.logins.length === 3 && document.querySelector('#state')?.textContent === 'ready');
  assert.equal(api.requests.length, 3);
  assert.deepEqual(api.requests.map((r) => r.body.user), ['alice', 'alice', 'bob'], 'the new manager uses the current options');
  assert.deepEqual(await page.evaluate(() => window.t.managerStates()), ['disposed', 'ready']);
});

test("switching userKey never hands the new user the old user's stored token (one storage key per user)", async (t) => {
  const { page } = await openPage(t);
  await page.evaluate(() => window.t.mount('alice', 60, 'session'));
  await page.waitForFunction(() => window.log.logins.length === 1 && document.querySelector('#state')?.textContent === 'ready');
  // Alice's manager is disposed without a logout (the README allows it); bob signs in.
  await page.evaluate(() => window.t.mount('bob', 60, 'session'));
  await page.waitForFunction(() => window.log.logins.length === 2 && document.querySelector('#state')?.textContent === 'ready');
  assert.deepEqual(api.requests.map((r) => r.body.user), ['alice', 'bob'], "bob's token comes from the network, for bob");
  assert.deepEqual(await page.evaluate(() => window.log.logins), ['tok-1', 'tok-2'], "bob's chat SDK is logged in with bob's token");
  assert.deepEqual(
    await page.evaluate(() => Object.keys(sessionStorage).sort()),
    ['chat-token-manager.alice', 'chat-token-manager.bob'],
    'one stored entry per user',
  );
  // Back to alice: her own stored token, no request.
  await page.evaluate(() => window.t.mount('alice', 60, 'session'));
  await page.waitForFunction(() => window.log.logins.length === 3 && document.querySelector('#state')?.textContent === 'ready');
  assert.equal(api.requests.length, 2);
  assert.equal(await page.evaluate(() => window.log.logins[2]), 'tok-1');
});

test('a remount after a logout that happened while unmounted shows no token (the view is re-read)', async (t) => {
  const { page } = await openPage(t);
  await page.evaluate(() => window.t.mount('alice'));
  await page.waitForFunction(() => document.querySelector('#token')?.textContent === 'token held');
  const manager = await page.evaluateHandle(() => [...window.log.managers][0]);
  // The consumer goes away (the provider stays), the session ends, the consumer comes back.
  await page.evaluate(() => window.t.hideStatus(true));
  await page.waitForFunction(() => !document.querySelector('#state'));
  await page.evaluate((m) => m.logout(), manager);
  await page.evaluate(() => window.t.hideStatus(false));
  await page.waitForFunction(() => document.querySelector('#state')?.textContent === 'loggedOut');
  assert.equal(await text(page, 'token'), 'no token');
});

test('unmount disposes the manager: state ends, no more requests (the refresh timer is gone)', async (t) => {
  const { page } = await openPage(t);
  // 2 s tokens: the manager refreshes at about half the lifetime.
  await page.evaluate(() => window.t.mount('alice', 2));
  await page.waitForFunction(() => document.querySelector('#reason')?.textContent === 'scheduled', null, { timeout: 10_000 });
  assert.ok(api.requests.length >= 2, 'a scheduled refresh happened while mounted');
  await page.evaluate(() => window.t.unmount());
  await page.waitForFunction(() => window.t.managerStates().every((s) => s === 'disposed'));
  const count = api.requests.length;
  await sleep(3000); // more than one refresh period
  assert.equal(api.requests.length, count, 'no request after unmount');
  assert.equal(await page.evaluate(() => window.log.managers.size), 1);
});

test('server render creates no manager and makes no request; the hook reports idle', async (t) => {
  const { page } = await openPage(t);
  const html = await page.evaluate(() => window.t.ssr());
  assert.match(html, /<p id="state">idle<\/p>/);
  assert.match(html, /no token/);
  await sleep(300);
  assert.equal(api.requests.length, 0);
  assert.equal(await page.evaluate(() => window.log.managers.size), 0);
  assert.equal(await page.evaluate(() => window.log.started.size), 0);
});

test('useChatToken() outside a provider throws an error that says so', async (t) => {
  const { page } = await openPage(t);
  assert.match(await page.evaluate(() => window.t.outside()), /useChatToken\(\) must be used inside <TokenManagerProvider>/);
});

test('react.d.ts: a strict consumer compiles and each misuse fails to compile (tsc --strict)', async () => {
  const { execFile } = await import('node:child_process');
  const tsc = new URL('node_modules/.bin/tsc', ROOT).pathname;
  const result = await new Promise((resolve) => {
    execFile(tsc, ['-p', new URL('www/types-check', ROOT).pathname], (error, stdout, stderr) => resolve({ code: error ? error.code : 0, out: stdout + stderr }));
  });
  assert.equal(result.code, 0, result.out);
});

test('CommonJS entry in Node: require("chat-token-manager/react") server-renders idle and makes no manager', async () => {
  const { execFile } = await import('node:child_process');
  const script = `
    const { createElement: h } = require('react');
    const { renderToString } = require('react-dom/server');
    const { TokenManagerProvider, useChatToken } = require('chat-token-manager/react');
    const { TokenManager } = require('chat-token-manager');
    let started = 0;
    const start = TokenManager.prototype.start;
    TokenManager.prototype.start = function () { started++; return start.call(this); };
    function Status() { const { state, token, manager } = useChatToken(); return h('p', null, state + '|' + token + '|' + manager); }
    const html = renderToString(h(TokenManagerProvider, { options: { endpoint: 'http://127.0.0.1:9/token' } }, h(Status)));
    console.log(JSON.stringify({ html, started, entry: require.resolve('chat-token-manager/react') }));`;
  const www = new URL('www/', ROOT).pathname;
  // pkg/ is linked into www/node_modules; NODE_PATH lets pkg/react.cjs find www's React, as an
  // installed package finds the app's.
  const out = await new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { cwd: www, env: { ...process.env, NODE_PATH: `${www}node_modules` } },
      (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(JSON.parse(stdout))));
  });
  assert.match(out.entry, /react\.cjs$/);
  assert.equal(out.html, '<p>idle|null|null</p>');
  assert.equal(out.started, 0);
});
