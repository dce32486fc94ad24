import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Marks every process the suite starts and fails the run if one is still running at the end.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Spawned servers and browsers compete for two cores; a few files at a time keeps them honest.
    maxWorkers: 2,
  },
});
