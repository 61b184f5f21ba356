/**
 * The part of the ABI (src/layout.ts, drawn in LAYOUT.md) that the package exports
 * as `abi`: this list is that export, so the layout can grow without growing it.
 */
export {
  Batch,
  Bench,
  Config,
  KernelRecord,
  MapName,
  Policy,
  ReaderState,
  type ReaderStateName,
  Stats,
} from './layout.js';
