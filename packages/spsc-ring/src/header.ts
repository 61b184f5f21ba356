import { RingError } from './errors.js';
import {
  Consumer,
  DATA_OFFSET,
  Descriptor,
  Flags,
  HEADER_BYTES,
  isPowerOfTwo,
  LAYOUT_VERSION,
  Limits,
  MAGIC,
  Producer,
  Record,
  RingKind,
  WaitDomain,
} from './layout.js';

export type RingKindName = 'fixed' | 'bytes';
export type WaitDomainName = 'process' | 'os';
export type FullPolicy = 'drop' | 'block';

interface CommonOptions {
  /** `drop` (default): the producer never waits and counts what did not fit. `block`: `push` waits for space. */
  readonly fullPolicy?: FullPolicy;
  /**
   * `process` (default): both sides are JS threads of this process (Atomics).
   * `os`: a native thread or another process is on one side (futex, needs the addon).
   */
  readonly waitDomain?: WaitDomainName;
}

export interface FixedRingOptions extends CommonOptions {
  readonly kind: 'fixed';
  /** Number of slots, a power of two ≥ 2. */
  readonly capacity: number;
  /** Bytes per slot, 1 … 65 536. */
  readonly recordSize: number;
}

export interface ByteRingOptions extends CommonOptions {
  readonly kind: 'bytes';
  /** Data bytes, a power of two ≥ 128. */
  readonly capacity: number;
  /** Largest payload in bytes; default and maximum: capacity / 8 − 8. */
  readonly maxRecord?: number;
}

export type RingOptions = FixedRingOptions | ByteRingOptions;

/** What a validated header says. */
export interface RingDescriptor {
  readonly kind: RingKindName;
  readonly capacity: number;
  readonly mask: number;
  readonly recordSize: number;
  readonly maxRecord: number;
  readonly waitDomain: WaitDomainName;
  readonly fullPolicy: FullPolicy;
  readonly dataOffset: number;
  readonly dataBytes: number;
}

/** Bytes a ring with these options occupies (header + data). */
export function ringByteLength(options: RingOptions): number {
  return HEADER_BYTES + checkOptions(options).dataBytes;
}

/** A new ring in a new SharedArrayBuffer: hand the buffer to the other side (postMessage, workerData). */
export function createRing(options: RingOptions): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(ringByteLength(options));
  initialiseRing(new Int32Array(buffer, 0, HEADER_BYTES >> 2), options);
  return buffer;
}

/**
 * Writes a fresh header into zeroed memory. The magic is stored last (and
 * atomically): a region is a ring only once its whole descriptor is visible.
 */
export function initialiseRing(header: Int32Array, options: RingOptions): RingDescriptor {
  const descriptor = checkOptions(options);
  const set = (byteOffset: number, value: number) => {
    header[byteOffset >> 2] = value | 0;
  };
  set(Descriptor.LAYOUT_VERSION, LAYOUT_VERSION);
  set(Descriptor.KIND, descriptor.kind === 'fixed' ? RingKind.FIXED : RingKind.BYTES);
  set(Descriptor.CAPACITY, descriptor.capacity);
  set(Descriptor.RECORD_SIZE, descriptor.recordSize);
  set(Descriptor.MAX_RECORD, descriptor.maxRecord);
  set(Descriptor.WAIT_DOMAIN, descriptor.waitDomain === 'os' ? WaitDomain.OS : WaitDomain.PROCESS);
  set(Descriptor.FLAGS, descriptor.fullPolicy === 'block' ? Flags.BLOCK_WHEN_FULL : 0);
  set(Descriptor.DATA_OFFSET, descriptor.dataOffset);
  set(Descriptor.DATA_BYTES, descriptor.dataBytes);
  Atomics.store(header, Descriptor.MAGIC >> 2, MAGIC | 0);
  return descriptor;
}

function invalid(message: string): RingError {
  return new RingError('INVALID_OPTIONS', message);
}

function checkOptions(options: RingOptions): RingDescriptor {
  if (typeof options !== 'object' || options === null)
    throw invalid(
      'ring options must be an object such as { kind: "fixed", capacity: 1024, recordSize: 32 }.',
    );
  const { kind, capacity } = options;
  if (kind !== 'fixed' && kind !== 'bytes')
    throw invalid(`kind must be "fixed" or "bytes", kind=${JSON.stringify(kind)}`);
  const fullPolicy = options.fullPolicy ?? 'drop';
  if (fullPolicy !== 'drop' && fullPolicy !== 'block')
    throw invalid(`fullPolicy must be "drop" or "block", fullPolicy=${JSON.stringify(fullPolicy)}`);
  const waitDomain = options.waitDomain ?? 'process';
  if (waitDomain !== 'process' && waitDomain !== 'os')
    throw invalid(`waitDomain must be "process" or "os", waitDomain=${JSON.stringify(waitDomain)}`);
  if (kind === 'fixed') {
    const { recordSize } = options;
    if (!isPowerOfTwo(capacity) || capacity < Limits.MIN_FIXED_CAPACITY) {
      throw invalid(
        `capacity must be a power of two ≥ ${Limits.MIN_FIXED_CAPACITY} slots, capacity=${capacity}`,
      );
    }
    if (!Number.isInteger(recordSize) || recordSize < 1 || recordSize > Limits.MAX_RECORD_SIZE) {
      throw invalid(
        `recordSize must be an integer from 1 to ${Limits.MAX_RECORD_SIZE} bytes, recordSize=${recordSize}`,
      );
    }
    const dataBytes = capacity * recordSize;
    if (dataBytes > Limits.MAX_DATA_BYTES)
      throw invalid(`capacity × recordSize must be ≤ 2³¹ bytes, got ${dataBytes}`);
    return {
      kind,
      capacity,
      mask: capacity - 1,
      recordSize,
      maxRecord: recordSize,
      waitDomain,
      fullPolicy,
      dataOffset: DATA_OFFSET,
      dataBytes,
    };
  }
  if (!isPowerOfTwo(capacity) || capacity < Limits.MIN_BYTE_CAPACITY) {
    throw invalid(
      `capacity must be a power of two ≥ ${Limits.MIN_BYTE_CAPACITY} bytes, capacity=${capacity}`,
    );
  }
  const largest = capacity / Record.MAX_FRACTION - Record.HEADER_BYTES;
  const maxRecord = options.maxRecord ?? largest;
  if (!Number.isInteger(maxRecord) || maxRecord < 1 || maxRecord > largest) {
    throw invalid(
      `maxRecord must be an integer from 1 to capacity / 8 − 8 = ${largest} bytes, maxRecord=${maxRecord}`,
    );
  }
  return {
    kind,
    capacity,
    mask: capacity - 1,
    recordSize: Record.ALIGNMENT,
    maxRecord,
    waitDomain,
    fullPolicy,
    dataOffset: DATA_OFFSET,
    dataBytes: capacity,
  };
}

export interface AttachExpectations {
  readonly kind?: RingKindName;
  readonly waitDomain?: WaitDomainName;
}

function refuse(code: ConstructorParameters<typeof RingError>[0], message: string): RingError {
  return new RingError(code, message);
}

/** Validates a region's header and says what it describes; anything inconsistent is refused with a specific code. */
export function describeRing(buffer: unknown, expect: AttachExpectations = {}): RingDescriptor {
  if (!(buffer instanceof SharedArrayBuffer)) {
    const what = buffer instanceof ArrayBuffer ? 'an ArrayBuffer' : typeof buffer;
    throw refuse(
      'NOT_SHARED',
      `a ring lives in a SharedArrayBuffer (the one createRing returned), got ${what}.`,
    );
  }
  if (buffer.byteLength < HEADER_BYTES) {
    throw refuse(
      'BUFFER_TOO_SMALL',
      `buffer of ${buffer.byteLength} bytes cannot hold the ${HEADER_BYTES}-byte ring header.`,
    );
  }
  const header = new Int32Array(buffer, 0, HEADER_BYTES >> 2);
  const get = (byteOffset: number) => Atomics.load(header, byteOffset >> 2) >>> 0;
  const magic = get(Descriptor.MAGIC);
  if (magic !== MAGIC) {
    throw refuse(
      'BAD_MAGIC',
      `buffer is not a ring (magic 0x${magic.toString(16).padStart(8, '0')}, expected 0x${MAGIC.toString(16)}); pass the buffer createRing returned.`,
    );
  }
  const version = get(Descriptor.LAYOUT_VERSION);
  if (version !== LAYOUT_VERSION) {
    throw refuse(
      'BAD_VERSION',
      `ring has layout version ${version}, this @ringkit/spsc-ring reads version ${LAYOUT_VERSION}; use the same package version on both sides.`,
    );
  }
  const kindCode = get(Descriptor.KIND);
  if (kindCode !== RingKind.FIXED && kindCode !== RingKind.BYTES)
    throw refuse(
      'BAD_KIND',
      `ring kind ${kindCode} is neither fixed (1) nor bytes (2); the header is corrupted.`,
    );
  const kind: RingKindName = kindCode === RingKind.FIXED ? 'fixed' : 'bytes';
  const capacity = get(Descriptor.CAPACITY);
  const minimum = kind === 'fixed' ? Limits.MIN_FIXED_CAPACITY : Limits.MIN_BYTE_CAPACITY;
  if (!isPowerOfTwo(capacity) || capacity < minimum) {
    throw refuse(
      'BAD_CAPACITY',
      `ring capacity ${capacity} is not a power of two ≥ ${minimum}; the header is corrupted.`,
    );
  }
  const recordSize = get(Descriptor.RECORD_SIZE);
  const maxRecord = get(Descriptor.MAX_RECORD);
  const waitDomainCode = get(Descriptor.WAIT_DOMAIN);
  const flags = get(Descriptor.FLAGS);
  const dataOffset = get(Descriptor.DATA_OFFSET);
  const dataBytes = get(Descriptor.DATA_BYTES);
  const geometry = (why: string) =>
    refuse('BAD_GEOMETRY', `ring header is inconsistent: ${why}; the header is corrupted.`);
  if (kind === 'fixed') {
    if (recordSize < 1 || recordSize > Limits.MAX_RECORD_SIZE)
      throw geometry(`record size ${recordSize} is outside 1 … ${Limits.MAX_RECORD_SIZE}`);
    if (maxRecord !== recordSize)
      throw geometry(`max record ${maxRecord} differs from the slot size ${recordSize}`);
    if (dataBytes !== capacity * recordSize)
      throw geometry(`data bytes ${dataBytes} ≠ capacity ${capacity} × record size ${recordSize}`);
  } else {
    if (recordSize !== Record.ALIGNMENT)
      throw geometry(`record alignment ${recordSize} is not ${Record.ALIGNMENT}`);
    // Compared without aligning: a corrupted value may exceed 2³¹, beyond 32-bit bitwise arithmetic.
    if (maxRecord < 1 || maxRecord > capacity / Record.MAX_FRACTION - Record.HEADER_BYTES) {
      throw geometry(
        `max record ${maxRecord} does not fit in capacity / 8 = ${capacity / Record.MAX_FRACTION}`,
      );
    }
    if (dataBytes !== capacity) throw geometry(`data bytes ${dataBytes} ≠ capacity ${capacity}`);
  }
  if (dataBytes > Limits.MAX_DATA_BYTES) throw geometry(`data bytes ${dataBytes} exceed 2³¹`);
  if (waitDomainCode !== WaitDomain.PROCESS && waitDomainCode !== WaitDomain.OS)
    throw geometry(`wait domain ${waitDomainCode} is neither process (1) nor os (2)`);
  if ((flags & ~Flags.BLOCK_WHEN_FULL) !== 0)
    throw geometry(`unknown flags 0x${flags.toString(16)}`);
  if (dataOffset !== DATA_OFFSET) throw geometry(`data offset ${dataOffset} is not ${DATA_OFFSET}`);
  if (buffer.byteLength < dataOffset + dataBytes) {
    throw refuse(
      'BUFFER_TOO_SMALL',
      `buffer of ${buffer.byteLength} bytes is smaller than the ${dataOffset + dataBytes} bytes its header describes.`,
    );
  }
  const write = get(Producer.WRITE_POSITION);
  const read = get(Consumer.READ_POSITION);
  const used = (write - read) >>> 0;
  if (used > capacity)
    throw geometry(
      `write position ${write} is ${used} ahead of read position ${read}, more than the capacity ${capacity}`,
    );
  if (kind === 'bytes' && (write % Record.ALIGNMENT !== 0 || read % Record.ALIGNMENT !== 0)) {
    throw geometry(`positions ${write} and ${read} are not ${Record.ALIGNMENT}-byte aligned`);
  }
  const waitDomain: WaitDomainName = waitDomainCode === WaitDomain.OS ? 'os' : 'process';
  if (expect.kind !== undefined && expect.kind !== kind) {
    throw refuse(
      'WRONG_KIND',
      `ring holds ${kind === 'fixed' ? 'fixed-size slots' : 'byte records'}, but a ${expect.kind} ${expect.kind === 'fixed' ? 'slot' : 'record'} end was asked for; use the ${kind === 'fixed' ? 'Fixed' : 'Byte'}Producer/Consumer.`,
    );
  }
  if (expect.waitDomain !== undefined && expect.waitDomain !== waitDomain) {
    throw refuse(
      'WAIT_DOMAIN_MISMATCH',
      `ring was created with wait domain "${waitDomain}", attach asked for "${expect.waitDomain}"; both sides must wait the same way.`,
    );
  }
  return {
    kind,
    capacity,
    mask: capacity - 1,
    recordSize,
    maxRecord,
    waitDomain,
    fullPolicy: (flags & Flags.BLOCK_WHEN_FULL) !== 0 ? 'block' : 'drop',
    dataOffset,
    dataBytes,
  };
}
