import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.js';

export default mergeConfig(
  sharedTestConfig,
  defineConfig({
    test: {
      // The CLI and whole-process tests spawn node; give a loaded 2-core CI room.
      testTimeout: 60_000,
    },
  }),
);
