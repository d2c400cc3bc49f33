import { defineConfig } from 'vitest/config';

// Kept apart from the main config: `npm test` must pass on machines that cannot have Electron at all.
export default defineConfig({
  root: new URL('..', import.meta.url).pathname,
  test: {
    include: ['e2e/electron.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
