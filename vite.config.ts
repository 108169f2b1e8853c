import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The renderer is served from dist/renderer by the loopback host and by Electron's app://
// protocol; relative asset paths keep both working.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  worker: { format: 'es' },
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    sourcemap: false,
  },
});
