// The package entries (issue 5). The default entry (pkg/index.mjs, browsers and bundlers) loads
// the wasm lazily: a TokenManager needs no init call, calls made before the module is ready
// wait for it, snapshot() answers at once, and init(input?) preloads or takes the wasm
// explicitly. Runs in Node (where index.mjs reads the wasm from its file: URL, as under
// Vitest/jsdom) and in Chromium (where it fetches it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTokenError } from './helpers/util.mjs';

const IN_NODE = typeof process === 'object' && typeof process.versions?.node === 'string';
const ENTRY = new URL('../../pkg/index.mjs', import.meta.url).href;
/** A fresh instance of the browser entry, whose wasm is not loaded yet. */
const freshEntry = () => import(`${ENTRY}?fresh=${Math.random()}`);
const fetchToken = async () => ({ authToken: 'entry-tok', expiresIn: 3600 });

test('default entry: a manager built before the wasm is ready needs no init; its calls wait and snapshot() answers at once', async () => {
  const { TokenManager } = await freshEntry();
  const m = new TokenManager({ fetchToken, logger: null });
  assert.deepEqual(m.snapshot(), { state: 'idle', expiresAt: null, refreshAt: null, generation: 0, consecutiveFailures: 0, lastError: null, offline: false });
  assert.equal(m.state, 'idle');
  const [token, info] = await Promise.all([m.getToken(), m.start()]);
  assert.equal(token, 'entry-tok');
  assert.equal(info.reason, 'initial');
  assert.equal(m.snapshot().state, 'ready');
  m.dispose();
  assert.equal(m.state, 'disposed');
});

test('default entry: dispose() before the wasm is ready; later calls reject disposed', async () => {
  const { TokenManager } = await freshEntry();
  const m = new TokenManager({ fetchToken, logger: null });
  m.dispose();
  assert.equal(m.state, 'disposed');
  let err;
  await m.getToken().catch((e) => (err = e));
  checkTokenError(err, { code: 'disposed' });
});

test('default entry: init() with a wasm that cannot be loaded rejects with a TokenError naming the URL; init() then still works', async () => {
  const { TokenManager, init } = await freshEntry();
  const url = '/no/such/chat_token_manager.wasm';
  let err;
  await init(url).catch((e) => (err = e));
  checkTokenError(err, { code: 'network', retryable: true, message: /no\/such\/chat_token_manager\.wasm/ });
  await init();
  await init(); // memoised
  const m = new TokenManager({ fetchToken, logger: null });
  assert.equal(await m.getToken(), 'entry-tok');
  m.dispose();
});

test('default entry: init() takes the wasm as bytes or a compiled WebAssembly.Module', async () => {
  const wasmUrl = new URL('../../pkg/chat_token_manager.wasm', import.meta.url);
  const bytes = IN_NODE ? await (await import('node:fs/promises')).readFile(wasmUrl) : new Uint8Array(await (await fetch(wasmUrl)).arrayBuffer());
  for (const input of [bytes, await WebAssembly.compile(bytes)]) {
    const { TokenManager, init } = await freshEntry();
    await init(input);
    const m = new TokenManager({ fetchToken, logger: null });
    assert.equal(await m.getToken(), 'entry-tok');
    m.dispose();
  }
});

test('Node: the CommonJS and ESM entries share one module instance', { skip: !IN_NODE && 'Node only' }, async () => {
  const { createRequire } = await import('node:module');
  const cjs = createRequire(import.meta.url)('chat-token-manager');
  const esm = await import('chat-token-manager');
  assert.equal(cjs.TokenManager, esm.TokenManager);
  assert.equal(typeof esm.init, 'function');
  await esm.init(); // ready at import: resolves at once
});

test('default entry: a manager made while the first wasm load fails works once a later call loads it', async () => {
  const { TokenManager, init } = await freshEntry();
  // The first load (which the constructor joins) fails, as on a flaky network, so the
  // constructor's own boot never happens.
  const failing = init('/no/such/chat_token_manager.wasm').catch(() => 'failed');
  const m = new TokenManager({ fetchToken, logger: null });
  assert.equal(await failing, 'failed');
  assert.equal(await m.getToken(), 'entry-tok', 'the call that loads the wasm also boots the manager');
  assert.equal(m.state, 'ready');
  m.dispose();
});

test('default entry: dispose() before the wasm is ready also removes the appState subscription', async () => {
  const { TokenManager } = await freshEntry();
  let subscriptions = 0;
  const appState = {
    currentState: 'active',
    addEventListener: () => {
      subscriptions++;
      return { remove: () => void subscriptions-- };
    },
  };
  const m = new TokenManager({ fetchToken, logger: null, appState });
  assert.equal(subscriptions, 1);
  m.dispose();
  assert.equal(subscriptions, 0, 'the AppState subscription outlived dispose()');
});
