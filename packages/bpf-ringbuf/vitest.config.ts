import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.js';

export default mergeConfig(
  sharedTestConfig,
  defineConfig({
    test: {
      // Tests attach real BPF programs and drive syscalls through native threads.
      testTimeout: 180_000,
      // Programs attach system-wide and the load threads pin CPUs: one file at a time.
      fileParallelism: false,
      hookTimeout: 60_000,
    },
  }),
);
