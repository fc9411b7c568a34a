// Entry point of the npm package (Node / CommonJS). The generated glue wires
// `[Symbol.dispose]` to `free()`, which releases the wasm object at once so later calls
// throw; `using manager = new TokenManager(…)` should behave like `dispose()` instead:
// stop everything and make later calls reject with `disposed`.
'use strict';
const glue = require('./chat_token_manager.js');

if (typeof Symbol.dispose === 'symbol') {
  Object.defineProperty(glue.TokenManager.prototype, Symbol.dispose, {
    value: function dispose() { this.dispose(); },
    writable: true,
    configurable: true,
  });
}

// Re-exported by `require` (not a variable) so Node's ESM loader sees the named exports.
module.exports = require('./chat_token_manager.js');
