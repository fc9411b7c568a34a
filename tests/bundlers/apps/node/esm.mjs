// Node ESM: `node esm.mjs <endpoint>` prints one JSON line (never the token).
import { TokenManager } from 'chat-token-manager';

const manager = new TokenManager({ endpoint: process.argv[2], logger: null });
const info = await manager.start();
console.log(JSON.stringify({ entry: 'esm', state: manager.state, tokenLength: info.token.length, source: info.source }));
manager.dispose();
