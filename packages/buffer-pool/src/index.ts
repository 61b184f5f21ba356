export { blockOf, bufferId, indexOf } from './blocks.js';
export { type CollectHandler, type CollectorOptions, PoolCollector } from './collector.js';
export { PoolDrain } from './drain.js';
export { PoolError, type PoolErrorCode } from './errors.js';
export {
  type NativeProducer,
  type NativeProducerOptions,
  type NativeProducerResult,
  nativeUnavailableReason,
  startNativeProducer,
} from './native-producer.js';
export {
  type NativeCollectorOptions,
  type NativeCollectorResult,
  type NativeDrainResult,
  type NativeReplenishOptions,
  type NativeReplenishResult,
  type NativeRole,
  type NativeRoleEnd,
  type NativeRoleRequest,
  type NativeRoleResult,
  startNativeCollector,
  startNativeDrain,
  startNativeReplenish,
  startNativeRoles,
} from './native-roles.js';
export type { FullPolicy, PoolOptions, QueueKind, WaitDomain } from './options.js';
export {
  BufferPool,
  type Conservation,
  type CreatePoolOptions,
  createBufferPool,
  type LaneStats,
  type PoolStats,
} from './pool.js';
export { PoolProducer } from './producer.js';
export { forEachRecord, RECORD_HEADER_BYTES, type RecordVisitor, recordSpan } from './records.js';
export { type BlockAllocationListener, PoolReplenish, type ReplenishOptions } from './replenish.js';
export { type LoopingRole, type RunRolesOptions, runRoles, runRolesAsync } from './role.js';
export type { LaneQueues, PoolSpec } from './spec.js';
