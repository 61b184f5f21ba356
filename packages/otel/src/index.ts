export { Attribute } from './attributes.js';
export { MetricsError, type MetricsErrorCode } from './errors.js';
export {
  type ObservedSource,
  RingkitMetrics,
  type RingkitMetricsOptions,
} from './ringkit-metrics.js';
export type {
  BpfReaderSource,
  BpfReaderStatsLike,
  BpfRingStatsLike,
  CommandRingSource,
  CommandRingStatisticsLike,
  LaneStatsLike,
  PoolSource,
  RingSource,
  RingStatsLike,
  TrackingServerSource,
  TrackingSnapshotLike,
} from './sources.js';
export {
  type OtlpOptions,
  type PrometheusOptions,
  type RunningMetrics,
  type StartMetricsOptions,
  startMetrics,
} from './start-metrics.js';
