import { corruptedCounter } from './counter.js';
import { RingError } from './errors.js';
import { describeRing } from './header.js';
import {
  type NativeConsumerOptions,
  type NativeProducerOptions,
  type NativeWorker,
  type RawNativeThread,
  requireNative,
} from './native.js';

/**
 * Native threads over a ring, for tests, benchmarks and simulating device
 * threads: they write and check the self-checking records of
 * native/include/ringkit/test_records.hpp (sequence number, checksum, filler).
 */
function ringView(buffer: SharedArrayBuffer, role: string): Uint8Array {
  const descriptor = describeRing(buffer);
  if (descriptor.waitDomain !== 'os') {
    throw new RingError(
      'WAIT_DOMAIN_MISMATCH',
      `a native ${role} needs a ring created with waitDomain "os": a JS thread sleeping in Atomics.wait is never woken by a native thread.`,
    );
  }
  if (descriptor.kind === 'fixed' && descriptor.recordSize < 8) {
    throw new RingError(
      'INVALID_OPTIONS',
      `a native ${role} writes 8-byte-or-larger test records; this ring's slots are ${descriptor.recordSize} bytes.`,
    );
  }
  return new Uint8Array(buffer);
}

function checkCount(name: string, value: number | undefined, minimum: number): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= minimum)) {
    throw new RingError(
      'INVALID_OPTIONS',
      `${name} must be an integer ≥ ${minimum}, ${name}=${value}`,
    );
  }
}

/** Starts a native thread pushing `records` test records into the ring. */
export function startNativeProducer(
  buffer: SharedArrayBuffer,
  options: NativeProducerOptions,
): NativeWorker {
  const view = ringView(buffer, 'producer');
  checkCount('records', options.records, 0);
  checkCount('batch', options.batch, 1);
  checkCount('minPayload', options.minPayload, 8);
  checkCount('maxPayload', options.maxPayload, options.minPayload ?? 8);
  const { maxRecord, kind } = describeRing(buffer);
  if (kind === 'bytes' && (options.maxPayload ?? options.minPayload ?? 8) > maxRecord) {
    throw new RingError(
      'RECORD_TOO_LARGE',
      `maxPayload ${options.maxPayload} exceeds this ring's max record of ${maxRecord} bytes.`,
    );
  }
  if (options.ratePerSecond !== undefined && !(options.ratePerSecond >= 0)) {
    throw new RingError(
      'INVALID_OPTIONS',
      `ratePerSecond must be ≥ 0, ratePerSecond=${options.ratePerSecond}`,
    );
  }
  return start(() => requireNative('a native producer').startProducer(view, options));
}

/** Starts a native thread consuming and checking `records` test records (or until end-of-stream). */
export function startNativeConsumer(
  buffer: SharedArrayBuffer,
  options: NativeConsumerOptions,
): NativeWorker {
  const view = ringView(buffer, 'consumer');
  checkCount('records', options.records, 0);
  checkCount('batch', options.batch, 1);
  return start(() => requireNative('a native consumer').startConsumer(view, options));
}

/** What the addon throws when the twin finds a counter of the side it would take over corrupted. */
interface NativeCorruption {
  readonly code?: string;
  readonly counter: string;
  readonly highBefore: number;
  readonly highAfter: number;
}

function start(begin: () => RawNativeThread): NativeWorker {
  let thread: RawNativeThread;
  try {
    thread = begin();
  } catch (error) {
    const { code, counter, highBefore, highAfter } = (error ?? {}) as NativeCorruption;
    if (code === 'CORRUPTED') throw corruptedCounter(counter, highBefore, highAfter);
    throw error;
  }
  return { join: () => thread.done, stop: () => thread.stop() };
}
