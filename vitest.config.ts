import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // postgresGlobalSetup first: its folder must be outside the run's TMPDIR (see the file).
    globalSetup: ['test/support/postgresGlobalSetup.ts', 'test/support/tempRoot.ts'],
  },
});
