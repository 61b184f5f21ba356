import { BroadcastChannel } from 'node:worker_threads';
import { BlockDirectory } from './blocks.js';
import { PoolError } from './errors.js';
import { nativeUnavailableReason, type RawNativeProducer, requireNative } from './native.js';
import { openSender } from './queues.js';
import { RECORD_HEADER_BYTES, recordSpan } from './records.js';
import {
  askForBlock,
  channelName,
  checkLane,
  checkSpec,
  type LaneQueues,
  type PoolSpec,
} from './spec.js';
import { queueCode } from './wake.js';

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

/** A record of `payload` test bytes: [u32 sequence][u32 lane][(sequence + i) & 0xff …] (test/workers/records.mjs). */
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

/** Every queue of the pool at its wake-table code - 1 (wake.ts): the native wakers knock on any. */
function queuesByCode(spec: PoolSpec): Uint8Array[] {
  const views: Uint8Array[] = [];
  spec.lanes.forEach((queues, lane) => {
    for (const name of Object.keys(queues) as (keyof LaneQueues)[])
      views[queueCode({ lane, name }) - 1] = new Uint8Array(queues[name].buffer);
  });
  return views;
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
  if (pool.waitDomain !== 'os')
    throw invalid(
      `a native producer needs a pool created with waitDomain 'os': a JS thread sleeping in Atomics.wait is never woken by a native thread, waitDomain=${pool.waitDomain}.`,
    );
  if (pool.queueKind !== 'spsc')
    throw invalid(
      `a native producer writes to spsc queues only, queueKind=${pool.queueKind}; create the pool with queueKind 'spsc'.`,
    );
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
  // Listen before the thread starts, so no block announced from now on is missed.
  const channel = new BroadcastChannel(channelName(spec));
  (channel as unknown as { unref(): void }).unref();
  let listening = true;
  let producer: RawNativeProducer | undefined;
  channel.onmessage = (event) => {
    const body = (event as MessageEvent).data as {
      type?: string;
      block?: number;
      buffer?: unknown;
    };
    if (body?.type === 'block' && body.buffer instanceof SharedArrayBuffer)
      producer?.addBlock(body.block!, new Uint8Array(body.buffer));
  };
  // The native thread met a block it was never given: ask for it as blocks.ts does (message first, then the flag).
  const askFor = (block: number): void => {
    if (!listening) return;
    channel.postMessage({ type: 'want', block });
    askForBlock(spec);
  };
  const stopListening = (): void => {
    listening = false;
    channel.close();
  };
  try {
    producer = native.startProducer(
      {
        control: new Uint8Array(spec.control),
        free: new Uint8Array(queues.free.buffer),
        ready: new Uint8Array(queues.ready.buffer),
        queues: queuesByCode(spec),
        // The spec's blocks, and any other this thread has seen.
        blocks: [...new BlockDirectory(channelName(spec), spec.control, spec.blocks).blocks],
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
      askFor,
    );
  } catch (error) {
    // The role is taken for good: end the lane's stream so its drain can still finish.
    stopListening();
    openSender(queues.ready).close();
    role.markExited();
    throw error;
  }
  const done = producer.done.then(
    ({ written, dropped, seconds, errorCode, errorMessage }) => {
      stopListening();
      if (errorCode !== '') throw new PoolError(errorCode as PoolError['code'], errorMessage);
      return { written, dropped, seconds };
    },
    (error: unknown) => {
      stopListening();
      throw error;
    },
  );
  const thread = producer;
  return { lane, done, stop: () => thread.stop() };
}
