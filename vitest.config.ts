import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs nothing running (it includes the workspace packages' tests, e.g. the
// emulator's); `temporal` shares one real Temporal dev server, started once by test/support/globalSetup.ts.
// `npx vitest run --project unit` skips the server.
const temporalTests = ['test/workflow/**/*.test.ts', 'test/cli/cliRuns.test.ts', 'test/cli/cliHistory.test.ts', 'test/cli/cliQuerySource.test.ts', 'test/cli/cliProgress.test.ts', 'test/console/**/*.e2e.test.ts'];

export default defineConfig({
  test: {
    reporters: ['default', './test/support/summaryReporter.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: integration files each run a worker; keep them from starving each other.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'], exclude: temporalTests } },
      { extends: true, test: { name: 'temporal', include: temporalTests, globalSetup: ['test/support/globalSetup.ts'] } },
    ],
  },
});
