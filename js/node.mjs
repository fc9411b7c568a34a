// Source of pkg/index.cjs (Node CommonJS, also what Jest loads): the wasm-bindgen TokenManager
// (src/). The wasm next to this file is read and instantiated synchronously on first use — the
// first `new TokenManager()` (or `init()`) — not at require time, so code that only imports
// the package never touches the file system: e.g. Next.js's server render of a client
// component bundled by Turbopack, where `__dirname` is a virtual path and the provider creates
// its manager only in the browser.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { instantiate, TokenManager as WasmTokenManager } from './wasm.mjs';

let loaded = false;
function load() {
  if (!loaded) {
    instantiate(new WebAssembly.Module(readFileSync(join(__dirname, 'chat_token_manager.wasm'))));
    loaded = true;
  }
}

export class TokenManager extends WasmTokenManager {
  constructor(options) {
    load();
    super(options);
  }
}

/** Loads the wasm now (it is otherwise loaded by the first `new TokenManager()`). */
export async function init() {
  load();
}
