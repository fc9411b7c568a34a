// Browser entry (ES module, `--target web` glue): instantiates the wasm once, at import, so
// `import { TokenManager } from …` is ready to use. Wires `[Symbol.dispose]` to `dispose()`
// (the generated glue points it at `free()`, after which every call throws).
import init, { TokenManager } from './chat_token_manager.js';

await init();

if (typeof Symbol.dispose === 'symbol') {
  Object.defineProperty(TokenManager.prototype, Symbol.dispose, {
    value: function dispose() { this.dispose(); },
    writable: true,
    configurable: true,
  });
}

export * from './chat_token_manager.js';
