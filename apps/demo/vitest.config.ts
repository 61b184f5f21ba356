import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.js';

export default mergeConfig(
  sharedTestConfig,
  defineConfig({
    test: {
      // The tests run the built demo (workers need JavaScript): build it once first.
      globalSetup: ['test/build-once.ts'],
      // Whole runs of the demo: 10 s headless plus start-up and shutdown.
      testTimeout: 120_000,
      hookTimeout: 120_000,
      // Each run attaches a system-wide BPF program and starts native threads: one at a time.
      fileParallelism: false,
    },
  }),
);
