import { randomUUID } from 'node:crypto';
import { Control, initialiseControl } from './control.js';
import { PoolError } from './errors.js';
import type { ResolvedPoolOptions } from './options.js';
import { createQueue, type QueueMemory } from './queues.js';

/** The queues of one lane, named by where a buffer is while it sits in each. */
export interface LaneQueues {
  /** drain → producer: empty buffers ready to fill. */
  readonly free: QueueMemory;
  /** producer → drain: filled buffers. */
  readonly ready: QueueMemory;
  /** drain → collector: filled buffers handed on for collection. */
  readonly collect: QueueMemory;
  /** collector → replenish: collected buffers. */
  readonly done: QueueMemory;
  /** replenish → drain: buffers back for reuse (or newly carved). */
  readonly recycled: QueueMemory;
}

/**
 * Everything a participant needs to join the pool from any thread: post it to
 * a worker as it is (it is structured-cloneable; the memory is shared, not copied).
 */
export interface PoolSpec {
  readonly kind: 'ringkit-buffer-pool';
  /** Names the pool's block-registration channel. */
  readonly id: string;
  readonly options: ResolvedPoolOptions;
  readonly control: SharedArrayBuffer;
  readonly lanes: readonly LaneQueues[];
  /** The blocks allocated when this spec was made; later ones arrive through registration. */
  readonly blocks: readonly SharedArrayBuffer[];
}

export function createSpec(options: ResolvedPoolOptions): Omit<PoolSpec, 'blocks'> {
  const maxBuffers = options.maxBlocks * options.buffersPerBlock;
  const queue = () => createQueue(options.queueKind, maxBuffers, options.waitDomain);
  return {
    kind: 'ringkit-buffer-pool',
    id: randomUUID(),
    options,
    control: initialiseControl(options.lanes, options.buffersPerBlock),
    lanes: Array.from({ length: options.lanes }, () => ({
      free: queue(),
      ready: queue(),
      collect: queue(),
      done: queue(),
      recycled: queue(),
    })),
  };
}

export function channelName(spec: PoolSpec): string {
  return `ringkit-buffer-pool:${spec.id}`;
}

/** Refuses anything that is not a spec this package made; returns its control block. */
export function checkSpec(spec: PoolSpec): Control {
  if (typeof spec !== 'object' || spec === null || spec.kind !== 'ringkit-buffer-pool')
    throw new PoolError(
      'INVALID_SPEC',
      'expected a pool spec (pool.spec from createBufferPool), got something else.',
    );
  const control = new Control(spec.control);
  if (control.lanes !== spec.options.lanes || spec.lanes.length !== spec.options.lanes)
    throw new PoolError(
      'INVALID_SPEC',
      `the pool spec lists ${spec.lanes.length} lanes but its control block has ${control.lanes}; pass pool.spec as it was created.`,
    );
  return control;
}

export function checkLane(spec: PoolSpec, lane: number): void {
  if (!(Number.isInteger(lane) && lane >= 0 && lane < spec.options.lanes))
    throw new PoolError(
      'INVALID_OPTIONS',
      `lane must be an integer from 0 to ${spec.options.lanes - 1}, lane=${String(lane)}.`,
    );
}
