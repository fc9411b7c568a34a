// Node CommonJS: `node cjs.cjs <endpoint>` prints one JSON line (never the token).
'use strict';
const { TokenManager } = require('chat-token-manager');

const manager = new TokenManager({ endpoint: process.argv[2], logger: null });
manager.start().then((info) => {
  console.log(JSON.stringify({ entry: 'cjs', state: manager.state, tokenLength: info.token.length, source: info.source }));
  manager.dispose();
});
