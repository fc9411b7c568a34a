// Shared by the browser and Node entries: the wasm-bindgen glue of the TokenManager (src/) and
// the one way its wasm is instantiated. The wasm's imports are the glue's functions, under the
// module name wasm-bindgen's bundler target gives them.
import * as glue from '../target/wasm-pack/bundler/chat_token_manager_bg.js';

export const { TokenManager } = glue;
// `using manager = new TokenManager(…)` disposes it (wasm-bindgen's own Symbol.dispose only frees).
if (typeof Symbol.dispose === 'symbol') TokenManager.prototype[Symbol.dispose] = TokenManager.prototype.dispose;

/**
 * Instantiates the compiled module and makes it the glue's. (Built without reference types, the
 * module has no externref table for a `__wbindgen_start` to set up: scripts/build.sh.)
 */
export function instantiate(module) {
  const { exports } = new WebAssembly.Instance(module, { './chat_token_manager_bg.js': glue });
  glue.__wbg_set_wasm(exports);
}

/** Until a module is instantiated, every use of the glue throws `error`. */
export function unavailable(error) {
  glue.__wbg_set_wasm(
    new Proxy({}, {
      get() {
        throw error;
      },
    }),
  );
}
