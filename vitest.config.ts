import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/support/summaryReporter.ts'],
    // One Temporal dev server for the whole suite, started once (see test/support/globalSetup.ts).
    globalSetup: ['test/support/globalSetup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: integration files each run a worker; keep them from starving each other.
    maxWorkers: 2,
  },
});
