// Only says where this app's project root is (tests/bundlers, which holds its node_modules and
// lockfile), as in a standalone app; nothing here is about wasm or chat-token-manager.
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export default { outputFileTracingRoot: root, turbopack: { root } };
