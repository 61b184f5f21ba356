import type { ReaderStats } from '@ringkit/bpf-ringbuf';
import type { BufferPool } from '@ringkit/buffer-pool';
import type { TrackingServer } from '@ringkit/buffer-pool/tracking';
import type { CommandRing } from '@ringkit/metal-cmdring';
import type { FixedConsumer } from '@ringkit/spsc-ring';
import type {
  BpfReaderStatsLike,
  CommandRingSource,
  PoolSource,
  RingSource,
  TrackingServerSource,
} from '../src/index.js';

// The shapes this package reads are the packages' own types, cut down: if a package renames a
// field, this stops compiling (npm run typecheck).
type Fits<Real extends Shape, Shape> = Real;
/** Checked by `npm run typecheck`; nothing uses it at run time. */
export type RealTypesFit = [
  Fits<FixedConsumer, RingSource>,
  Fits<BufferPool, PoolSource>,
  Fits<ReaderStats, BpfReaderStatsLike>,
  Fits<CommandRing, CommandRingSource>,
  Fits<TrackingServer, TrackingServerSource>,
];
