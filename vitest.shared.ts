import { defineConfig } from 'vitest/config';

/**
 * What every package's vitest.config.ts starts from: the default reporter for
 * people, plus a JSON report that .ci/run sums into one closing line.
 */
export const sharedTestConfig = defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest/results.json' },
  },
});
