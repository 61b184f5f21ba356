import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.js';

export default mergeConfig(
  sharedTestConfig,
  defineConfig({
    test: {
      // The stress test moves ≥ 10⁶ buffers through workers on a 2-core machine.
      testTimeout: 180_000,
      hookTimeout: 60_000,
    },
  }),
);
