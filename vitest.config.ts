import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The CLI the tests spawn is the built one (dist/cli), as users run it: build it once up front.
    globalSetup: ['./test/support/build-cli.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: keep git/sqlite heavy integration files from starving each other.
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
    // Workspaces and QA checkouts go to a per-file temp cache folder, never the user's ~/.cache.
    setupFiles: ['./test/support/cache-home.ts'],
  },
});
