import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.js';

export default mergeConfig(
  sharedTestConfig,
  defineConfig({
    test: {
      // The Prometheus and OTLP tests start a real server and two exporting processes, and wait
      // for several scrapes at a 1 s interval on a loaded 2-core machine.
      testTimeout: 90_000,
      hookTimeout: 60_000,
    },
  }),
);
