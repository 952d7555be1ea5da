import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Engine tests start real worker-thread ranks and run whole (small) experiments.
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
