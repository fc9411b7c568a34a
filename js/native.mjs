// Source of pkg/index.native.js, the React Native (Hermes) entry: the same wasm-bindgen module
// as the other entries, translated to JavaScript by Binaryen's wasm2js (Hermes has no
// WebAssembly), so the manager is ready at import. scripts/build-native.mjs writes the two
// generated files this imports, and bundles them with native-globals.mjs injected.
import * as wasm from '../target/native/wbg/wasm2js.mjs';
import { __wbg_set_wasm, TokenManager } from '../target/native/wbg/chat_token_manager_bg.js';

__wbg_set_wasm(wasm);
// `using manager = new TokenManager(…)` disposes it (wasm-bindgen's own Symbol.dispose only frees).
if (typeof Symbol === 'function' && typeof Symbol.dispose === 'symbol') TokenManager.prototype[Symbol.dispose] = TokenManager.prototype.dispose;

export { TokenManager };

/** For parity with the other entries: the module is ready at import. */
export function init() {
  return Promise.resolve();
}
