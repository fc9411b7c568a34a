// Module hooks for register.mjs. NATIVE_ENTRY overrides the file (for trying other builds).
import { pathToFileURL } from 'node:url';

const TARGET = process.env.NATIVE_ENTRY
  ? pathToFileURL(process.env.NATIVE_ENTRY).href
  : new URL('../../../pkg/index.native.js', import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (specifier === 'chat-token-manager') return { url: TARGET, format: 'commonjs', shortCircuit: true };
  return next(specifier, context);
}

export async function load(url, context, next) {
  // pkg/package.json says "type": "module"; the native entry is CommonJS all the same.
  if (url === TARGET) return next(url, { ...context, format: 'commonjs' });
  return next(url, context);
}
