import { constants } from 'node:buffer';
import { PoolError } from './errors.js';
import { BufferId } from './layout.js';

export type FullPolicy = 'drop' | 'block';
export type WaitDomain = 'process' | 'os';
/** `spsc` is the product; `mutex` is seed 004's lock-guarded "before" design, kept for the comparison benchmark. */
/**
 * What every hop is: `spsc` rings (the pipeline); for comparison only, `lock` — a queue guarded
 * by a futex lock taken once per batch, waking the receiver only when it sleeps (as good as a
 * lock-based queue gets) — and `mutex`, seed 004's queue: a lock per entry, a notify per push.
 */
export type QueueKind = 'spsc' | 'lock' | 'mutex';

export interface PoolOptions {
  /** Independent pipelines, one per device thread (1–64). */
  readonly lanes: number;
  /** Bytes per buffer: a positive multiple of 8. */
  readonly bufferSize: number;
  /** Buffers carved from each block (one SharedArrayBuffer, registered once). Default 16. */
  readonly buffersPerBlock?: number;
  /** Blocks allocated at creation and seeded evenly across lanes. Default 1. */
  readonly initialBlocks?: number;
  /** Replenish never allocates beyond this many blocks. Default 4 × initialBlocks. */
  readonly maxBlocks?: number;
  /** Replenish tops a lane up when its free + recycled buffers fall below this. Default 1/4 of the lane's initial share, at least 1. */
  readonly lowWatermark?: number;
  /** … up to this many (and routes returning buffers to the lane furthest below it). Default 3/4 of the lane's initial share, at least low + 1. */
  readonly highWatermark?: number;
  /** No free buffer when a producer needs one: `drop` the record and count it (default), or `block` up to `blockTimeoutMs`. */
  readonly fullPolicy?: FullPolicy;
  /** `block` policy backstop: past this, the producer throws BLOCK_TIMEOUT instead of hanging. Default 5000. */
  readonly blockTimeoutMs?: number;
  /** No sleep in the pipeline lasts longer; also how quickly a completed run is noticed. Default 100. */
  readonly tickMs?: number;
  /** `process` when every role is a JS thread of this process (default); `os` when native threads take part. */
  readonly waitDomain?: WaitDomain;
  readonly queueKind?: QueueKind;
  /**
   * Polls of an empty queue before a role sleeps. Default 0: a pipeline runs
   * more threads than most machines have cores, and a spinning role steals the
   * core the role it waits for needs. Raise it only with a core per role.
   */
  readonly spin?: number;
}

export type ResolvedPoolOptions = Required<PoolOptions>;

/** Ids are (block << 16 | index): both halves must fit. */
export const MAX_BUFFERS_PER_BLOCK = BufferId.INDEX_MASK + 1;
export const MAX_BLOCKS = (1 << 15) - 1;
export const MAX_LANES = 64;

function invalid(message: string): PoolError {
  return new PoolError('INVALID_OPTIONS', message);
}

function positiveInteger(name: string, value: unknown, max: number): number {
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= max))
    throw invalid(`${name} must be an integer from 1 to ${max}, ${name}=${String(value)}.`);
  return value;
}

/** Checks every option and fills in the defaults; each failure is one sentence naming the value. */
export function resolvePoolOptions(options: PoolOptions): ResolvedPoolOptions {
  if (typeof options !== 'object' || options === null)
    throw invalid(
      'createBufferPool needs an options object, e.g. { lanes: 2, bufferSize: 65536 }.',
    );
  const lanes = positiveInteger('lanes', options.lanes, MAX_LANES);
  const { bufferSize } = options;
  if (!(typeof bufferSize === 'number' && Number.isInteger(bufferSize) && bufferSize > 0))
    throw invalid(
      `bufferSize must be a positive number of bytes, bufferSize=${String(bufferSize)}.`,
    );
  if (bufferSize % 8 !== 0)
    throw invalid(
      `bufferSize must be a multiple of 8 so records stay 8-byte aligned, bufferSize=${bufferSize}; try ${Math.ceil(bufferSize / 8) * 8}.`,
    );
  const buffersPerBlock = positiveInteger(
    'buffersPerBlock',
    options.buffersPerBlock ?? 16,
    MAX_BUFFERS_PER_BLOCK,
  );
  const blockBytes = bufferSize * buffersPerBlock;
  if (blockBytes > constants.MAX_LENGTH)
    throw invalid(
      `a block of ${buffersPerBlock} buffers × ${bufferSize} bytes = ${blockBytes} bytes is larger than this platform's largest SharedArrayBuffer (${constants.MAX_LENGTH} bytes); use fewer buffers per block.`,
    );
  const initialBlocks = positiveInteger('initialBlocks', options.initialBlocks ?? 1, MAX_BLOCKS);
  const maxBlocks = positiveInteger(
    'maxBlocks',
    options.maxBlocks ?? 4 * initialBlocks,
    MAX_BLOCKS,
  );
  if (maxBlocks < initialBlocks)
    throw invalid(`maxBlocks (${maxBlocks}) must be at least initialBlocks (${initialBlocks}).`);
  const share = Math.floor((initialBlocks * buffersPerBlock) / lanes);
  if (share < 1)
    throw invalid(
      `${initialBlocks * buffersPerBlock} initial buffers cannot seed ${lanes} lanes; raise initialBlocks or buffersPerBlock to at least one buffer per lane.`,
    );
  const lowWatermark = options.lowWatermark ?? Math.max(1, Math.floor(share / 4));
  const highWatermark =
    options.highWatermark ?? Math.max(lowWatermark + 1, Math.floor((share * 3) / 4));
  if (!(Number.isInteger(lowWatermark) && lowWatermark >= 0))
    throw invalid(`lowWatermark must be an integer ≥ 0, lowWatermark=${String(lowWatermark)}.`);
  if (!(Number.isInteger(highWatermark) && highWatermark > lowWatermark))
    throw invalid(
      `highWatermark (${String(highWatermark)}) must be an integer above lowWatermark (${lowWatermark}): replenish tops lanes up from low to high.`,
    );
  const fullPolicy = options.fullPolicy ?? 'drop';
  if (fullPolicy !== 'drop' && fullPolicy !== 'block')
    throw invalid(`fullPolicy must be 'drop' or 'block', fullPolicy=${String(fullPolicy)}.`);
  const blockTimeoutMs = options.blockTimeoutMs ?? 5000;
  if (!(typeof blockTimeoutMs === 'number' && blockTimeoutMs > 0))
    throw invalid(
      `blockTimeoutMs must be a positive number, blockTimeoutMs=${String(blockTimeoutMs)}.`,
    );
  const tickMs = options.tickMs ?? 100;
  if (!(typeof tickMs === 'number' && tickMs > 0 && Number.isFinite(tickMs)))
    throw invalid(`tickMs must be a positive number of milliseconds, tickMs=${String(tickMs)}.`);
  const waitDomain = options.waitDomain ?? 'process';
  if (waitDomain !== 'process' && waitDomain !== 'os')
    throw invalid(`waitDomain must be 'process' or 'os', waitDomain=${String(waitDomain)}.`);
  const queueKind = options.queueKind ?? 'spsc';
  if (queueKind !== 'spsc' && queueKind !== 'lock' && queueKind !== 'mutex')
    throw invalid(`queueKind must be 'spsc', 'lock' or 'mutex', queueKind=${String(queueKind)}.`);
  if (queueKind !== 'spsc' && waitDomain === 'os')
    throw invalid(
      `queueKind '${queueKind}' exists for comparison in JS threads only; use waitDomain 'process'.`,
    );
  const spin = options.spin ?? Number(process.env.RINGKIT_POOL_SPIN ?? 0);
  if (!(Number.isInteger(spin) && spin >= 0))
    throw invalid(`spin must be an integer ≥ 0, spin=${String(spin)}.`);
  return {
    spin,
    lanes,
    bufferSize,
    buffersPerBlock,
    initialBlocks,
    maxBlocks,
    lowWatermark,
    highWatermark,
    fullPolicy,
    blockTimeoutMs,
    tickMs,
    waitDomain,
    queueKind,
  };
}
