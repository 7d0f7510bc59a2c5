// Runs only the Klaviyo client tests, without the suite-wide Temporal dev server:
//   npx vitest run -c test/klaviyo/vitest.config.mts
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { root: '.', include: ['test/klaviyo/**/*.test.ts'], testTimeout: 120_000, pool: 'forks', maxWorkers: 2 },
});
