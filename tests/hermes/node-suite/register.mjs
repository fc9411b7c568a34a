// `node --import ./tests/hermes/node-suite/register.mjs --test tests/js/`: the JS suite, with
// `chat-token-manager` resolved to pkg/index.native.js (the wasm2js translation, loaded as the
// CommonJS module Metro makes of it) instead of the WebAssembly entry. It checks the
// translated core against the same expectations as the real module, in Node.
// NATIVE_ENTRY overrides the file (for trying other builds).
import Module, { register } from 'node:module';
import { copyFileSync, mkdirSync, renameSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const src = process.env.NATIVE_ENTRY || fileURLToPath(new URL('../../../pkg/index.native.js', import.meta.url));
const dir = fileURLToPath(new URL('../../../target/native/', import.meta.url));
mkdirSync(dir, { recursive: true });
const dest = `${dir}index.native.cjs`;
const tmp = `${dest}.${process.pid}`;
copyFileSync(src, tmp);
renameSync(tmp, dest); // atomic: test files start in parallel
process.env.NATIVE_ENTRY_URL = pathToFileURL(dest).href;
register('./hooks.mjs', import.meta.url);
// And `require('chat-token-manager')` (CommonJS, which the hooks above do not see) to the same
// file, so both share one instance as with the real Node entries.
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'chat-token-manager' ? dest : resolveFilename.call(this, request, ...rest);
};
