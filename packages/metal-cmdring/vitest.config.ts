import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.js';

export default mergeConfig(
  sharedTestConfig,
  defineConfig({
    test: {
      // Builds the C++ test executable three ways (plain, ThreadSanitizer, ASan+UBSan) and runs each.
      testTimeout: 600_000,
      hookTimeout: 600_000,
    },
  }),
);
