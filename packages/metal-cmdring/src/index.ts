export { type BackendAvailability, backends } from './backends.js';
export { type CommandCompletion, CompletionReader } from './completions.js';
export { loadConfig, parseConfig, type RingConfig } from './config.js';
export { CommandRingError, type CommandRingErrorCode } from './errors.js';
export { nativeBinding, nativeUnavailableReason } from './native.js';
export {
  type AllocationStrategy,
  type BackendName,
  DEFAULT_PRIORITY_LEVELS,
  MAX_PRIORITY_LEVELS,
  MAX_RING_SIZE,
  MIN_PRIORITY_LEVELS,
  MIN_RING_SIZE,
  type RingOptions,
  type WaitEvent,
} from './options.js';
export {
  type AcquireOptions,
  type CloseOptions,
  type CloseReport,
  CommandRing,
  type CommitOptions,
  DEFAULT_CLOSE_TIMEOUT_MS,
  openRing,
} from './ring.js';
export {
  type CopyOptions,
  type Dim,
  type Kernel,
  type KernelArg,
  kernelArg,
  type LaunchOptions,
  Slot,
} from './slot.js';
export {
  type RingStatistics,
  readStatistics,
  STATISTICS_BYTE_LENGTH,
  StatisticsView,
} from './statistics.js';
