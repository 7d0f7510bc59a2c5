// Runs only the emulator tests, without the suite-wide Temporal dev server:
//   npx vitest run -c test/emulator/vitest.config.mts
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { root: '.', include: ['test/emulator/**/*.test.ts'], testTimeout: 30_000, pool: 'forks', maxWorkers: 2 },
});
