import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/native-loader.ts', 'src/test.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // import.meta.url and __dirname are each used only in the format that has them.
  shims: false,
});
