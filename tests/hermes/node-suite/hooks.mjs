// Module hooks for register.mjs: `chat-token-manager` → a .cjs copy of the native entry
// (pkg/package.json says "type": "module", so Node would read the .js itself as ESM).
export async function resolve(specifier, context, next) {
  if (specifier === 'chat-token-manager') return { url: process.env.NATIVE_ENTRY_URL, format: 'commonjs', shortCircuit: true };
  return next(specifier, context);
}
