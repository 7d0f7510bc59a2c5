// Runs only the audience tests, without the suite-wide Temporal dev server:
//   npx vitest run -c test/audience/vitest.config.mts
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { root: '.', include: ['test/audience/**/*.test.ts'], testTimeout: 60_000, pool: 'forks', maxWorkers: 2 },
});
