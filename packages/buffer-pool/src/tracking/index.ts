export type { DeviceTotals } from './device-ledger.js';
export { TrackingError, type TrackingErrorCode } from './errors.js';
export type { RejectCode } from './frame-decoder.js';
export {
  EVENT_BYTES,
  EventKind,
  type EventKindName,
  FRAME_HEADER_BYTES,
  FRAME_MAGIC,
  FRAME_VERSION,
  MAX_FRAME_BYTES,
} from './layout.js';
export type { AllocationTrackerOptions, TrackingMode } from './options.js';
export { TrackingServer, type TrackingServerOptions, type TrackingSnapshot } from './server.js';
export { AllocationTracker, type TrackerStats } from './tracker.js';
