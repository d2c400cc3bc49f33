import { join } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Named apart from vite.config.ts so vitest (which reads vitest.config.ts) never mistakes this for its own.
const root = import.meta.dirname;

export default defineConfig({
  root: join(root, 'renderer'),
  // Relative asset URLs: the same build is served by the headless host and loaded from disk by Electron.
  base: './',
  plugins: [react()],
  // Nothing in the renderer reads env files; keep vite from looking for them next to the sources.
  envDir: false,
  build: {
    outDir: join(root, 'dist', 'renderer'),
    emptyOutDir: true,
    assetsDir: 'assets',
    // Chromium (Electron's and the browsers the host serves) preloads modules natively; skip the polyfill.
    modulePreload: { polyfill: false },
    sourcemap: false,
    rollupOptions: {
      onwarn(warning, warn) {
        // zod ships `@__PURE__` comments in places rollup cannot use; it drops them harmlessly, so say nothing.
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('/node_modules/zod/')) return;
        warn(warning);
      },
    },
  },
  server: { host: '127.0.0.1' },
});
