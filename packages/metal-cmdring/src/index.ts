export { type BackendAvailability, backends } from './backends.js';
export { type CommandCompletion, CompletionReader } from './completions.js';
export { loadConfig, parseConfig, type RingConfig } from './config.js';
export { CommandRingError, type CommandRingErrorCode } from './errors.js';
export { nativeBinding, nativeUnavailableReason } from './native.js';
export {
  type BackendName,
  MAX_RING_SIZE,
  MIN_RING_SIZE,
  type RingOptions,
  type WaitEvent,
} from './options.js';
export {
  type AcquireOptions,
  type CloseOptions,
  type CloseReport,
  CommandRing,
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
