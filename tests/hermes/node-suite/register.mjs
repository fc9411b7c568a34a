// `node --import ./tests/hermes/node-suite/register.mjs --test tests/js/`: the JS suite, with
// `chat-token-manager` resolved to pkg/index.native.js (the wasm2js translation, loaded as the
// CommonJS module Metro makes of it) instead of the WebAssembly entry. It checks the
// translated core against the same 148+ expectations as the real module, in Node.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
