// The package's default entry (browsers and bundlers: Vite, webpack 5, Next.js client). The
// wasm is loaded lazily on first use and memoised: constructing a TokenManager needs no init
// call and no top-level await; calls made before the module is ready wait for it.
// `init(input?)` preloads it, or takes the wasm as a URL, a Response (or a promise of one),
// bytes or a WebAssembly.Module.
import { createHost, tokenError } from './host.mjs';

async function load(input) {
  if (input === undefined) input = new URL('./chat_token_manager.wasm', import.meta.url);
  const where = typeof input === 'string' || input instanceof URL ? String(input) : typeof Response === 'function' && input instanceof Response ? input.url : '';
  try {
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
    const module = input instanceof WebAssembly.Module ? input : await WebAssembly.compile(input);
    return (await WebAssembly.instantiate(module, {})).exports;
  } catch (e) {
    // A retryable `network` TokenError.
    throw tokenError(1, -1, -1, true, 'could not load the chat-token-manager WebAssembly module' + (where ? ' from ' + where : '') + ': ' + (e && e.message));
  }
}

export const { TokenManager, init } = createHost(load);
