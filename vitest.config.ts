import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Full-length checks that train for minutes: `npm run test:slow` (vitest.slow.config.ts).
    exclude: ['test/slow/**', '**/node_modules/**'],
    // Engine tests start real worker-thread ranks and run whole (small) experiments. The limit is
    // a net for a hang, not a speed check: generous enough for a machine loaded many times over.
    testTimeout: 900_000,
    hookTimeout: 600_000,
    pool: 'forks',
  },
});
