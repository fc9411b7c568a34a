// The package entries (issue 5; issue 13). The default entry (pkg/index.mjs, browsers and
// bundlers) loads the wasm next to it at import: a TokenManager needs no init call, and
// init(input) takes the wasm from elsewhere. Runs in Node (where index.mjs reads the wasm from
// its file: URL, as under Vitest/jsdom) and in Chromium (where it fetches it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTokenError } from './helpers/util.mjs';

const IN_NODE = typeof process === 'object' && typeof process.versions?.node === 'string';
const ENTRY = new URL('../../pkg/index.mjs', import.meta.url).href;
/** A fresh instance of the browser entry, whose wasm is not loaded yet. */
const freshEntry = () => import(`${ENTRY}?fresh=${Math.random()}`);
/**
 * The browser entry where no wasm is beside it (as when the wasm is served from a CDN): its
 * text imported from a data: URL, against which the entry's own wasm URL does not resolve.
 */
async function entryWithoutWasm() {
  const text = IN_NODE ? await (await import('node:fs/promises')).readFile(new URL(ENTRY), 'utf8') : await (await fetch(ENTRY)).text();
  // A fresh instance each time: the same data: URL would be the same module.
  return import('data:text/javascript;charset=utf-8,' + encodeURIComponent(`${text}\n// ${Math.random()}`));
}
const wasmBytes = async () => {
  const url = new URL('../../pkg/chat_token_manager.wasm', import.meta.url);
  return IN_NODE ? (await import('node:fs/promises')).readFile(url) : new Uint8Array(await (await fetch(url)).arrayBuffer());
};
const fetchToken = async () => ({ authToken: 'entry-tok', expiresIn: 3600 });

test('default entry: a manager needs no init call (the wasm is ready at import) and snapshot() answers at once', async () => {
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

test('default entry: dispose() before any call; later calls reject disposed', async () => {
  const { TokenManager } = await freshEntry();
  const m = new TokenManager({ fetchToken, logger: null });
  m.dispose();
  assert.equal(m.state, 'disposed');
  let err;
  await m.getToken().catch((e) => (err = e));
  checkTokenError(err, { code: 'disposed' });
});

test('default entry: init() with a wasm that cannot be loaded rejects with a TokenError naming the URL; init(bytes) then still works', async () => {
  const { TokenManager, init } = await entryWithoutWasm();
  const url = '/no/such/chat_token_manager.wasm';
  let err;
  await init(url).catch((e) => (err = e));
  checkTokenError(err, { code: 'network', retryable: true, message: /no\/such\/chat_token_manager\.wasm/ });
  await init(await wasmBytes());
  await init(url); // memoised: the module is loaded
  const m = new TokenManager({ fetchToken, logger: null });
  assert.equal(await m.getToken(), 'entry-tok');
  m.dispose();
});

test('default entry: init() takes the wasm as bytes or a compiled WebAssembly.Module', async () => {
  const bytes = await wasmBytes();
  for (const input of [bytes, await WebAssembly.compile(bytes)]) {
    const { TokenManager, init } = await entryWithoutWasm();
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

test('default entry: without its wasm the import succeeds, new TokenManager() throws the load error, and works once init() loads one', async () => {
  const { TokenManager, init } = await entryWithoutWasm();
  let err;
  try {
    new TokenManager({ fetchToken, logger: null });
  } catch (e) {
    err = e;
  }
  checkTokenError(err, { code: 'network', retryable: true, message: /chat_token_manager\.wasm/ });
  await init(await wasmBytes());
  const m = new TokenManager({ fetchToken, logger: null });
  assert.equal(await m.getToken(), 'entry-tok');
  assert.equal(m.state, 'ready');
  m.dispose();
});

test('default entry: dispose() removes the appState subscription made at construction', async () => {
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
