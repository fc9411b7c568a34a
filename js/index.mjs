// The package's default entry (browsers and bundlers: Vite, webpack 5, Next.js client): the
// wasm-bindgen TokenManager (src/). The wasm next to this file is loaded at import, by a
// top-level await, so a TokenManager needs no init call and checks its options at once.
// `init(input)` takes the wasm from elsewhere (a CDN, an inlined copy): a URL, a Response (or a
// promise of one), bytes or a WebAssembly.Module. If the wasm next to the entry cannot be
// loaded, the import still succeeds and `new TokenManager()` throws that load's TokenError
// until an `init(input)` succeeds.
import { instantiate, unavailable } from './wasm.mjs';

export { TokenManager } from './wasm.mjs';

let loading;

/** Loads the wasm (memoised: once a load succeeds, later calls resolve at once). */
export function init(input) {
  loading ??= load(input).catch((error) => {
    loading = undefined;
    unavailable(error);
    throw error;
  });
  return loading;
}

async function load(input) {
  const where = input === undefined ? './chat_token_manager.wasm' : typeof input === 'string' || input instanceof URL ? String(input) : typeof Response === 'function' && input instanceof Response ? input.url : '';
  try {
    // Written exactly so, bundlers see the wasm (and ship it beside the bundle).
    if (input === undefined) input = new URL('./chat_token_manager.wasm', import.meta.url);
    input = await input;
    if (typeof input === 'string' || input instanceof URL) {
      const url = new URL(input, typeof location === 'object' ? location.href : undefined);
      if (url.protocol === 'file:') {
        // Node running the browser entry (Vitest, jsdom): read the file. Hidden from bundlers.
        const fs = 'node:fs/promises';
        input = await (await import(/* webpackIgnore: true */ /* @vite-ignore */ fs)).readFile(url);
      } else input = await fetch(url);
    }
    if (typeof input.arrayBuffer === 'function') {
      if (!input.ok) throw new Error('HTTP ' + input.status);
      input = await input.arrayBuffer();
    }
    instantiate(input instanceof WebAssembly.Module ? input : await WebAssembly.compile(input));
  } catch (cause) {
    // What every failure of the manager is: a TokenError, here a retryable `network` one (the
    // wasm, which makes the others, is what did not load).
    const error = new Error('could not load the chat-token-manager WebAssembly module' + (where ? ' from ' + where : '') + ': ' + (cause && cause.message));
    error.name = 'TokenError';
    error.code = 'network';
    error.retryable = true;
    throw error;
  }
}

await init().catch(() => {});
