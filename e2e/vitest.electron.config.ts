import { defineConfig } from 'vitest/config';

// Kept apart from the main config: `npm test` must pass on machines that cannot have Electron at all.
// The same UI test files as `npm test`; e2e/electron.ts sets GOVERNOR_E2E_TRANSPORTS=electron for them.
export default defineConfig({
  root: new URL('..', import.meta.url).pathname,
  test: {
    include: ['test/e2e-*.test.ts'],
    testTimeout: 240_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // One Electron at a time: each holds its own single-instance lock and window.
    maxWorkers: 1,
  },
});
