import { reportedError } from './death.js';
import { PoolError } from './errors.js';
import { nativeUnavailableReason, type RawNativeProducer, requireNative } from './native.js';
import { BlockFeed, checkNativePool, nativeMemory } from './native-link.js';
import { openSender } from './queues.js';
import { RECORD_HEADER_BYTES, recordSpan } from './records.js';
import { checkLane, checkSpec, type PoolSpec } from './spec.js';

export { nativeUnavailableReason };

export interface NativeProducerOptions {
  /** Records to write; each one is either written or, under `drop`, counted as dropped. */
  readonly records: number;
  /**
   * Payload bytes per record (at least 8: each starts with its sequence number and lane),
   * or [min, max] for sizes drawn from `seed`.
   */
  readonly recordBytes: number | readonly [number, number];
  /** Records per second (a device thread's pace); 0 or absent: flat out. */
  readonly ratePerSecond?: number;
  /** The type in every record's header. Default 0. */
  readonly type?: number;
  /** Seeds the record sizes when recordBytes is a range. Default 1. */
  readonly seed?: number;
}

export interface NativeProducerResult {
  readonly written: number;
  /** Records dropped for want of a free buffer (`drop` policy). */
  readonly dropped: number;
  readonly seconds: number;
}

export interface NativeProducer {
  readonly lane: number;
  /** Settles once the thread has closed the lane; rejects with its PoolError (BLOCK_TIMEOUT, UNKNOWN_BLOCK). */
  readonly done: Promise<NativeProducerResult>;
  /** Asks the thread to stop early; it still closes the lane, and `done` resolves. */
  stop(): void;
}

/** A record of `payload` test bytes: [u32 sequence][u32 lane][u32 sequence × 0x9e3779b1, repeated …] (test/workers/records.mjs). */
const MIN_PAYLOAD = 8;

function invalid(message: string): PoolError {
  return new PoolError('INVALID_OPTIONS', message);
}

function checkInteger(name: string, value: unknown, minimum: number, maximum: number): number {
  if (
    !(typeof value === 'number' && Number.isInteger(value) && value >= minimum && value <= maximum)
  )
    throw invalid(
      `${name} must be an integer from ${minimum} to ${maximum}, ${name}=${String(value)}.`,
    );
  return value;
}

function payloadRange(recordBytes: unknown, bufferSize: number): [number, number] {
  const range = Array.isArray(recordBytes) ? recordBytes : [recordBytes, recordBytes];
  if (range.length !== 2)
    throw invalid(
      `recordBytes must be a number or [min, max], recordBytes=${JSON.stringify(recordBytes)}.`,
    );
  const most = bufferSize - RECORD_HEADER_BYTES;
  const min = checkInteger('recordBytes (min)', range[0], MIN_PAYLOAD, Number.MAX_SAFE_INTEGER);
  const max = checkInteger('recordBytes (max)', range[1], min, Number.MAX_SAFE_INTEGER);
  if (recordSpan(max) > bufferSize)
    throw new PoolError(
      'RECORD_TOO_LARGE',
      `a record of ${max} bytes does not fit a ${bufferSize}-byte buffer (at most ${most}); split it or raise bufferSize.`,
    );
  return [min, max];
}

/**
 * Takes the producer role of `lane` and runs it on a native thread: it fills
 * buffers with test records exactly as PoolProducer would (same queues, role
 * line, counters, drop/block policy and close), so stats() and
 * conservationCheck() see no difference — a stand-in for a device thread.
 *
 * The pool must use waitDomain 'os' (JS sleepers are then woken by futex). New
 * blocks reach the native thread through this thread's event loop, which must
 * keep turning while the producer runs (await `done`; do not block it).
 */
export function startNativeProducer(
  spec: PoolSpec,
  lane: number,
  options: NativeProducerOptions,
): NativeProducer {
  const control = checkSpec(spec);
  checkLane(spec, lane);
  const pool = spec.options;
  checkNativePool(spec, 'a native producer');
  if (typeof options !== 'object' || options === null)
    throw invalid('startNativeProducer needs options, e.g. { records: 1000, recordBytes: 64 }.');
  const records = checkInteger('records', options.records, 0, Number.MAX_SAFE_INTEGER);
  const [minPayload, maxPayload] = payloadRange(options.recordBytes, pool.bufferSize);
  const ratePerSecond = options.ratePerSecond ?? 0;
  if (!(typeof ratePerSecond === 'number' && ratePerSecond >= 0 && Number.isFinite(ratePerSecond)))
    throw invalid(
      `ratePerSecond must be a number ≥ 0 (0: flat out), ratePerSecond=${String(ratePerSecond)}.`,
    );
  const type = checkInteger('type', options.type ?? 0, 0, 0xffffffff);
  const seed = checkInteger('seed', options.seed ?? 1, 0, 0xffffffff);
  const native = requireNative('a native producer');

  const role = control.claim('producer', lane);
  const queues = spec.lanes[lane]!;
  const feed = new BlockFeed(spec);
  let producer: RawNativeProducer;
  try {
    const memory = nativeMemory(spec);
    producer = native.startProducer(
      {
        control: new Uint8Array(spec.control),
        free: new Uint8Array(queues.free.buffer),
        ready: new Uint8Array(queues.ready.buffer),
        queues: memory.queues,
        blocks: memory.blocks,
      },
      {
        lane,
        lanes: pool.lanes,
        bufferSize: pool.bufferSize,
        buffersPerBlock: pool.buffersPerBlock,
        maxBlocks: pool.maxBlocks,
        blockWhenEmpty: pool.fullPolicy === 'block',
        blockTimeoutMs: pool.blockTimeoutMs,
        tickMs: pool.tickMs,
        spin: pool.spin,
        records,
        minPayload,
        maxPayload,
        ratePerSecond,
        type,
        seed,
      },
      (kind, block) => {
        if (kind === 'want') feed.askFor(block);
      },
    );
    const started = producer;
    feed.feed((block, bytes) => started.addBlock(block, bytes));
  } catch (error) {
    // The role is taken for good: end the lane's stream so its drain can still finish.
    feed.close();
    openSender(queues.ready).close();
    role.markExited();
    throw error;
  }
  const done = producer.done.then(
    ({ written, dropped, seconds, errorCode, errorMessage }) => {
      feed.close();
      // Its drain or replenish died while it waited for a free buffer: worded from its report.
      if (errorCode === 'ROLE_DIED')
        throw reportedError(role) ?? new PoolError('ROLE_DIED', errorMessage);
      if (errorCode !== '') throw new PoolError(errorCode as PoolError['code'], errorMessage);
      return { written, dropped, seconds };
    },
    (error: unknown) => {
      feed.close();
      throw error;
    },
  );
  const thread = producer;
  return { lane, done, stop: () => thread.stop() };
}
