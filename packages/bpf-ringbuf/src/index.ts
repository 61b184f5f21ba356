export type { ReaderStateName } from './abi.js';
export * as abi from './abi.js';
export { type AttachTarget, BpfProgram } from './attach.js';
export { EventBatch, type FieldAccessors } from './batch.js';
export { BatchViews } from './batch-views.js';
export type { SchemaFromBtfOptions } from './btf.js';
export { DirectReader, type DirectReaderStats } from './direct-reader.js';
export { BpfError, type BpfErrorCode, type BpfErrorOptions } from './errors.js';
export { BpfGlobals, type GlobalInfo, type GlobalValue } from './globals.js';
export { BpfLink, openPinnedLink } from './link.js';
export {
  BpfMap,
  type EntriesOptions,
  type MapType,
  openPinnedMap,
  type UpdateFlag,
} from './map.js';
export type { MapKey } from './map-key.js';
export { nativeBinding, nativeUnavailableReason } from './native.js';
export {
  BpfObject,
  type ObjectStats,
  type OpenOptions,
  openObject,
  schemaFromBtf,
  type Topology,
  type WakeupPolicy,
} from './object.js';
export {
  type BuiltinProgram,
  type BuiltinProgramName,
  benchEvent,
  openProgram,
  programs,
  schedSwitchEvent,
  syscallEvent,
} from './programs.js';
export {
  BpfReader,
  type ReaderRing,
  type ReaderRingStats,
  type ReaderStats,
  type ReadMode,
  type ReadOptions,
  type RingSchema,
  type RingSpec,
  type WhenJsRingFull,
} from './reader.js';
export { type RingReader, type RingSource, readRings } from './rings.js';
export {
  defineSchema,
  type EventInput,
  type EventObject,
  type FieldInput,
  type FieldSpec,
  type FieldSpecs,
  type FieldType,
  type FieldValue,
  type Schema,
} from './schema.js';
export {
  type MapSchemas,
  type SchemaKeyIn,
  type SchemaKeyOut,
  SchemaMap,
} from './schema-map.js';
export {
  type KernelLocation,
  KernelSymbols,
  loadKernelSymbols,
  loadUserMappings,
  type UserMapping,
  UserMappings,
} from './symbolize.js';
