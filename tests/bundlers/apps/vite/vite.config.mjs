// An ordinary React + Vite config: nothing here is about wasm or chat-token-manager.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({ plugins: [react()] });
