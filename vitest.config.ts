import { defineConfig } from 'vitest/config';

// AURORA_LOCAL_REMOTE=1: the SDK suites whose expectations hold on real AWS run against it
// (see sdk-tests/helpers.ts); the others depend on emulator-only controls (lowered quotas,
// lifecycle delays, admin routes, the local data plane or a local AWS CLI).
const remoteSuites = ['sdk-tests/errors.test.ts', 'sdk-tests/lifecycle.test.ts', 'sdk-tests/tags.test.ts', 'sdk-tests/snapshots.test.ts', 'sdk-tests/custom-endpoints.test.ts'];

export default defineConfig({
  test: {
    include: process.env.AURORA_LOCAL_REMOTE ? remoteSuites : ['test/**/*.test.ts', 'sdk-tests/**/*.test.ts'],
    testTimeout: process.env.AURORA_LOCAL_REMOTE ? 3_600_000 : 60_000,
    hookTimeout: process.env.AURORA_LOCAL_REMOTE ? 3_600_000 : 120_000,
    pool: 'forks',
    // Two cores on CI: keep process-heavy suites from starving each other.
    maxWorkers: 2,
    // The control-plane suites run without PostgreSQL unless told otherwise
    // (`AURORA_LOCAL_DATA_PLANE=postgres npx vitest run sdk-tests` runs them against real servers).
    env: { AURORA_LOCAL_DATA_PLANE: process.env.AURORA_LOCAL_DATA_PLANE ?? 'none' },
  },
});
