import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The admin cockpit: served by `web` under /cockpit (src/http/cockpit/routes.ts), so every asset URL
 * carries that base. Hashed file names let the server cache assets forever and index.html never.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/cockpit/',
  plugins: [react()],
  logLevel: 'warn',
  // `npx vite --config cockpit/vite.config.ts`: the dev server forwards API calls to a running `tandem web` (or `npm run demo`).
  server: { proxy: { '/api': process.env.TANDEM_URL ?? 'http://127.0.0.1:8080' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 4096,
    sourcemap: false,
  },
});
