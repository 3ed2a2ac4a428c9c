import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'sdk-tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores on CI: keep process-heavy suites from starving each other.
    maxWorkers: 2,
    // The control-plane suites run without PostgreSQL unless told otherwise
    // (`AURORA_LOCAL_DATA_PLANE=postgres npx vitest run sdk-tests` runs them against real servers).
    env: { AURORA_LOCAL_DATA_PLANE: process.env.AURORA_LOCAL_DATA_PLANE ?? 'none' },
  },
});
