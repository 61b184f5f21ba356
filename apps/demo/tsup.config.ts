import { defineConfig } from 'tsup';

// The demo runs built JavaScript: workers cannot load TypeScript, and node starts
// a bundle faster than a TypeScript loader would. Each worker is its own entry.
export default defineConfig({
  entry: {
    main: 'src/main.ts',
    'synthetic-syscalls-worker': 'src/workers/synthetic-syscalls-worker.ts',
    'device-lane-worker': 'src/workers/device-lane-worker.ts',
    'command-ring-worker': 'src/workers/command-ring-worker.ts',
    'cpu-profile-worker': 'src/workers/cpu-profile-worker.ts',
  },
  format: ['esm'],
  clean: true,
  sourcemap: true,
  target: 'node20',
  // The ringkit packages load native addons relative to their own files: keep them external.
  external: [/^@ringkit\//, 'uplot'],
});
