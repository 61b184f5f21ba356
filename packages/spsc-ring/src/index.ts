export {
  type ByteBatch,
  ByteClaim,
  ByteConsumer,
  type ByteDrainHandler,
  ByteProducer,
  ByteRecordsClaim,
  type ByteRunHandler,
  type PackedRecords,
  type PeekedRecord,
} from './byte-ring.js';
export { RingError, type RingErrorCode } from './errors.js';
export { FixedClaim, FixedConsumer, type FixedDrainHandler, FixedProducer } from './fixed-ring.js';
export {
  type AttachExpectations,
  type ByteRingOptions,
  createRing,
  describeRing,
  type FixedRingOptions,
  type FullPolicy,
  initialiseRing,
  type RingDescriptor,
  type RingKindName,
  type RingOptions,
  ringByteLength,
  type WaitDomainName,
} from './header.js';
export * as layout from './layout.js';
export {
  monotonicMs,
  type PeerAliveOptions,
  threadGone,
  threadIdOfThisThread,
} from './liveness.js';
export {
  type NativeConsumerOptions,
  type NativeProducerOptions,
  type NativeWorker,
  type NativeWorkerResult,
  nativeBinding,
  nativeUnavailableReason,
} from './native.js';
export { startNativeConsumer, startNativeProducer } from './native-threads.js';
export {
  type AttachOptions,
  nudgeConsumer,
  nudgeProducer,
  type RingStats,
  readRingStats,
  takeFillMark,
} from './ring-end.js';
export { attachShared, checkSharedName, createShared, unlinkShared } from './shared-memory.js';
export { RingViews } from './views.js';
export type { WaitOptions, WaitOutcome } from './wait.js';
