// Node ESM entry: the same module instance as the CommonJS entry (one wasm instance per process).
import { createRequire } from 'node:module';

const cjs = createRequire(import.meta.url)('./index.cjs');
export const TokenManager = cjs.TokenManager;
export const init = cjs.init;
