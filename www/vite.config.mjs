// Builds the demo page into www/dist/ (served by www/server/main.mjs on one port with the API).
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  resolve: {
    // chat-token-manager is linked from ../pkg (file:../pkg): React must still come from
    // www/node_modules, once. An app that installs the package from npm needs none of this.
    dedupe: ['react', 'react-dom', 'chat-token-manager'],
  },
  build: { target: 'es2022', chunkSizeWarningLimit: 2000 },
});
