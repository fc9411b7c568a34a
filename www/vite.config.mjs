// Builds the demo page into www/dist/ (served by www/server/main.mjs on one port with the API).
// `vite` (dev server) proxies /api to the backend at DEMO_API (default http://127.0.0.1:5173).
import { existsSync } from 'node:fs';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = new URL('../', import.meta.url);
// Until pkg/ has the package layout (index.mjs + react.mjs), use the sources and the old web build.
const pkgReady = existsSync(new URL('node_modules/chat-token-manager/react.mjs', import.meta.url));
const alias = pkgReady ? [] : [
  { find: /^chat-token-manager\/react$/, replacement: new URL('js/react.mjs', root).pathname },
  { find: /^chat-token-manager$/, replacement: new URL('target/pkg-web/web.mjs', root).pathname },
];

export default defineConfig({
  plugins: [react()],
  resolve: {
    alias,
    // The package is linked from ../pkg: React must still come from www/node_modules, once.
    dedupe: ['react', 'react-dom', 'chat-token-manager'],
  },
  build: { target: 'es2022', chunkSizeWarningLimit: 2000 },
  server: { proxy: { '/api': process.env.DEMO_API ?? 'http://127.0.0.1:5173' } },
});
