// For TypeScript's node10 resolution of '@ringkit/spsc-ring/test' (newer ones use "exports").
export * from './dist/test.js';
