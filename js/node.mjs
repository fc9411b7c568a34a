// Source of pkg/index.cjs (Node CommonJS, also what Jest loads): reads the wasm next to this
// file and instantiates it synchronously, so the module is ready at require time.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHost } from './host.mjs';

const sdk = createHost();
sdk.provide(new WebAssembly.Instance(new WebAssembly.Module(readFileSync(join(__dirname, 'chat_token_manager.wasm'))), {}).exports);
export const TokenManager = sdk.TokenManager;
/** The module is ready at require time; `init()` exists for symmetry with the browser entry. */
export const init = sdk.init;
