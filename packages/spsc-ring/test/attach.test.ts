import { describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import { ByteProducer } from '../src/byte-ring.js';
import { RingError, type RingErrorCode } from '../src/errors.js';
import { FixedConsumer, FixedProducer } from '../src/fixed-ring.js';
import { createRing, describeRing } from '../src/header.js';
import { Consumer, Descriptor, HEADER_BYTES, LAYOUT_VERSION, Producer } from '../src/layout.js';
import { nativeBinding, nativeUnavailableReason } from '../src/native.js';
import { createRandomBytes } from './random.js';

function codeOf(action: () => unknown): RingErrorCode | 'none' {
  try {
    action();
    return 'none';
  } catch (error) {
    if (!(error instanceof RingError)) throw error;
    expect(error.message.length).toBeGreaterThan(20);
    expect(error.message).not.toContain('\n');
    return error.code;
  }
}

function corrupt(byteOffset: number, value: number): SharedArrayBuffer {
  const buffer = createRing({ kind: 'fixed', capacity: 16, recordSize: 8 });
  new DataView(buffer).setUint32(byteOffset, value, true);
  return buffer;
}

describe('attach refuses what is not a valid ring, each with its own code', () => {
  it('a plain ArrayBuffer', () => {
    expect(codeOf(() => describeRing(new ArrayBuffer(1024)))).toBe('NOT_SHARED');
  });

  it('a buffer shorter than the header', () => {
    expect(codeOf(() => describeRing(new SharedArrayBuffer(100)))).toBe('BUFFER_TOO_SMALL');
  });

  it('a buffer smaller than its header says', () => {
    const ring = createRing({ kind: 'fixed', capacity: 16, recordSize: 8 });
    const truncated = new SharedArrayBuffer(ring.byteLength - 8);
    new Uint8Array(truncated).set(new Uint8Array(ring, 0, truncated.byteLength));
    expect(codeOf(() => describeRing(truncated))).toBe('BUFFER_TOO_SMALL');
  });

  it('the wrong magic', () => {
    expect(codeOf(() => describeRing(corrupt(Descriptor.MAGIC, 0x12345678)))).toBe('BAD_MAGIC');
  });

  it('another layout version', () => {
    expect(codeOf(() => describeRing(corrupt(Descriptor.LAYOUT_VERSION, LAYOUT_VERSION - 1)))).toBe(
      'BAD_VERSION',
    );
  });

  it('an unknown kind', () => {
    expect(codeOf(() => describeRing(corrupt(Descriptor.KIND, 3)))).toBe('BAD_KIND');
  });

  it('a capacity that is not a power of two', () => {
    expect(codeOf(() => describeRing(corrupt(Descriptor.CAPACITY, 12)))).toBe('BAD_CAPACITY');
  });

  it('an inconsistent geometry or position', () => {
    expect(codeOf(() => describeRing(corrupt(Descriptor.DATA_BYTES, 64)))).toBe('BAD_GEOMETRY');
    expect(codeOf(() => describeRing(corrupt(Descriptor.FLAGS, 0x80)))).toBe('BAD_GEOMETRY');
    expect(codeOf(() => describeRing(corrupt(Producer.WRITE_POSITION, 100)))).toBe('BAD_GEOMETRY');
    expect(codeOf(() => describeRing(corrupt(Consumer.READ_POSITION, 5)))).toBe('BAD_GEOMETRY');
  });

  it('the other record model', () => {
    const buffer = createRing({ kind: 'fixed', capacity: 16, recordSize: 8 });
    expect(codeOf(() => ByteProducer.attach(buffer))).toBe('WRONG_KIND');
  });

  it('another wait domain', () => {
    const buffer = createRing({
      kind: 'fixed',
      capacity: 16,
      recordSize: 8,
      waitDomain: 'process',
    });
    expect(codeOf(() => FixedConsumer.attach(buffer, { waitDomain: 'os' }))).toBe(
      'WAIT_DOMAIN_MISMATCH',
    );
  });

  it('1000 random-byte headers: each refused with a specific code, none crashes or hangs', () => {
    const random = createRandomBytes(1234);
    const codes = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      const buffer = new SharedArrayBuffer(HEADER_BYTES + 4096);
      const bytes = new Uint8Array(buffer);
      random(bytes.subarray(0, HEADER_BYTES));
      // Half of them get a valid magic and version, so validation reaches the deeper fields.
      if (i % 2 === 0) new DataView(buffer).setUint32(Descriptor.MAGIC, 0x474e4952, true);
      if (i % 4 === 0)
        new DataView(buffer).setUint32(Descriptor.LAYOUT_VERSION, LAYOUT_VERSION, true);
      const code = codeOf(() => FixedProducer.attach(buffer));
      expect(code).not.toBe('none');
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    expect(codes.get('BAD_MAGIC')).toBeGreaterThan(400);
    expect([...codes.keys()].length).toBeGreaterThanOrEqual(3);
  });
});

describe('the C++ twin validates exactly as TypeScript does', () => {
  const native = nativeBinding();
  const skip = requireOrSkip(
    native !== null,
    `the native addon is not built: ${nativeUnavailableReason()}`,
  );

  it.skipIf(skip)('agrees on 1000 random headers and on every hand-corrupted field', () => {
    const random = createRandomBytes(99);
    const regions: SharedArrayBuffer[] = [];
    for (let i = 0; i < 1000; i++) {
      const buffer = createRing({
        kind: i % 2 ? 'fixed' : 'bytes',
        capacity: 1024,
        recordSize: 8,
      } as never);
      const words = new Uint8Array(buffer, 0, HEADER_BYTES);
      // Corrupt one to three random bytes of the descriptor and position fields.
      for (let k = 0; k <= i % 3; k++) {
        const scratch = new Uint8Array(2);
        random(scratch);
        const offset =
          [0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 128, 256][scratch[0]! % 12]! + (scratch[1]! % 4);
        words[offset] = scratch[1]!;
      }
      regions.push(buffer);
    }
    for (let i = 0; i < 200; i++) {
      const buffer = new SharedArrayBuffer(HEADER_BYTES + 1024);
      random(new Uint8Array(buffer, 0, HEADER_BYTES));
      regions.push(buffer);
    }
    let refused = 0;
    for (const buffer of regions) {
      const ts = codeOf(() => describeRing(buffer));
      const cpp = native!.attachStatus(new Uint8Array(buffer));
      const header = [
        ...new Uint32Array(buffer, 0, 10),
        new Uint32Array(buffer, 128, 1)[0],
        new Uint32Array(buffer, 256, 1)[0],
      ];
      if ((cpp === 'ok') !== (ts === 'none'))
        throw new Error(`TS says ${ts}, C++ says ${cpp}, header ${header.join(' ')}`);
      if (ts !== 'none') refused++;
    }
    expect(refused).toBeGreaterThan(600);
  });
});

describe('invalid options are refused with one sentence', () => {
  const cases: [string, unknown][] = [
    ['capacity=12', { kind: 'fixed', capacity: 12, recordSize: 8 }],
    ['recordSize=0', { kind: 'fixed', capacity: 16, recordSize: 0 }],
    ['capacity=64', { kind: 'bytes', capacity: 64 }],
    ['maxRecord=9000', { kind: 'bytes', capacity: 4096, maxRecord: 9000 }],
    ['kind="ring"', { kind: 'ring', capacity: 16 }],
    ['fullPolicy="wait"', { kind: 'fixed', capacity: 16, recordSize: 8, fullPolicy: 'wait' }],
    ['waitDomain="thread"', { kind: 'fixed', capacity: 16, recordSize: 8, waitDomain: 'thread' }],
  ];
  for (const [what, options] of cases) {
    it(`refuses ${what}`, () => {
      expect(codeOf(() => createRing(options as never))).toBe('INVALID_OPTIONS');
      expect(() => createRing(options as never)).toThrow(what);
    });
  }

  it('accepts the smallest rings of each kind', () => {
    expect(describeRing(createRing({ kind: 'fixed', capacity: 2, recordSize: 1 })).capacity).toBe(
      2,
    );
    expect(describeRing(createRing({ kind: 'bytes', capacity: 128 })).maxRecord).toBe(8);
  });
});
