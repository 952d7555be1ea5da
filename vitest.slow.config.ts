import { defineConfig } from 'vitest/config';

// `npm run test:slow`: full-length checks that train for minutes (not part of `npm test`).
export default defineConfig({
  test: {
    include: ['test/slow/**/*.slow.test.ts'],
    testTimeout: 0,
    pool: 'forks',
  },
});
