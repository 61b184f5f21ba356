import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import { ByteConsumer, ByteProducer } from '../src/byte-ring.js';
import { RingError } from '../src/errors.js';
import { FixedConsumer, FixedProducer } from '../src/fixed-ring.js';
import { createRing } from '../src/header.js';
import { Consumer, Counter, HEADER_BYTES, Producer } from '../src/layout.js';
import { nativeBinding, nativeUnavailableReason } from '../src/native.js';
import { type RingStats, readRingStats } from '../src/ring-end.js';
import { createShared, unlinkShared } from '../src/shared-memory.js';

/**
 * Issue 18: a counter's readers retried until its two high words agreed, so a writer killed
 * between those stores at a 2³² wrap, or a stray write, left attach and readRingStats spinning
 * forever. Now a read ends: mid-wrap (high-before = high-after + 1) with the value the words
 * stood for, which the counter's own end stores whole again at attach; otherwise CORRUPTED.
 */

const TWO_TO_32 = 2 ** 32;

// Most tests read torn counters in this process, where a read that never ends would stall the
// whole run rather than fail: a child process proves first, within a timeout, that reads end.
beforeAll(() => {
  const built = new URL('../dist/index.js', import.meta.url).href;
  const child = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { createRing, FixedProducer, readRingStats } from ${JSON.stringify(built)};
       const buffer = createRing({ kind: 'fixed', capacity: 16, recordSize: 8 });
       new DataView(buffer).setUint32(140, 1, true);
       readRingStats(buffer);
       FixedProducer.attach(buffer);`,
    ],
    { encoding: 'utf8', timeout: 5_000 },
  );
  expect(
    { signal: child.signal, status: child.status, stderr: child.stderr },
    'a torn counter read in a child process did not end',
  ).toEqual({ signal: null, status: 0, stderr: '' });
});

function words(buffer: SharedArrayBuffer): Uint32Array {
  return new Uint32Array(buffer, 0, HEADER_BYTES >> 2);
}

/** High words as a writer stopped between its two stores, or a stray write, leaves them. */
function setHigh(buffer: SharedArrayBuffer, counter: number, before: number, after: number) {
  words(buffer)[(counter + Counter.HIGH_BEFORE) >> 2] = before;
  words(buffer)[(counter + Counter.HIGH_AFTER) >> 2] = after;
}

function highWords(buffer: SharedArrayBuffer, counter: number): [number, number] {
  const all = words(buffer);
  return [all[(counter + Counter.HIGH_BEFORE) >> 2]!, all[(counter + Counter.HIGH_AFTER) >> 2]!];
}

function header(buffer: SharedArrayBuffer, from = 0, to = HEADER_BYTES): number[] {
  return Array.from(new Uint8Array(buffer, from, to - from));
}

function setWord(buffer: SharedArrayBuffer, offset: number, value: number): void {
  words(buffer)[offset >> 2] = value;
}

const fixedRing = () => createRing({ kind: 'fixed', capacity: 16, recordSize: 8 });
const byteRing = () => createRing({ kind: 'bytes', capacity: 1024 });

/** A fixed ring whose producer was killed after storing its wrapped position: 8 records across the wrap. */
function producerKilledMidWrap(): SharedArrayBuffer {
  const buffer = fixedRing();
  setWord(buffer, Producer.WRITE_POSITION, 3);
  setWord(buffer, Consumer.READ_POSITION, TWO_TO_32 - 5);
  setHigh(buffer, Producer.PUSHED, 1, 0);
  return buffer;
}

function codeAndMessage(action: () => unknown): { code: string; message: string } {
  try {
    action();
  } catch (error) {
    if (error instanceof RingError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a RingError');
}

describe('a counter a writer left mid-wrap reads as the value it stood for', () => {
  it('a low word below 2³¹ has wrapped: high-before is its high word', () => {
    const buffer = byteRing();
    setHigh(buffer, Producer.PUSHED, 3, 2);
    setWord(buffer, Producer.PUSHED, 5);
    expect(readRingStats(buffer).pushed).toBe(3 * TWO_TO_32 + 5);
    setWord(buffer, Producer.PUSHED, 2 ** 31 - 1);
    expect(readRingStats(buffer).pushed).toBe(3 * TWO_TO_32 + 2 ** 31 - 1);
  });

  it('a low word of 2³¹ or more has not: high-after is its high word', () => {
    const buffer = byteRing();
    setHigh(buffer, Consumer.POPPED, 3, 2);
    setWord(buffer, Consumer.POPPED, 2 ** 31);
    expect(readRingStats(buffer).popped).toBe(2 * TWO_TO_32 + 2 ** 31);
    setWord(buffer, Consumer.POPPED, TWO_TO_32 - 1);
    expect(readRingStats(buffer).popped).toBe(3 * TWO_TO_32 - 1);
  });

  it('dropped follows the same rule', () => {
    const buffer = fixedRing();
    setHigh(buffer, Producer.DROPPED, 1, 0);
    setWord(buffer, Producer.DROPPED, TWO_TO_32 - 16);
    expect(readRingStats(buffer).dropped).toBe(TWO_TO_32 - 16);
    setWord(buffer, Producer.DROPPED, 7);
    expect(readRingStats(buffer).dropped).toBe(TWO_TO_32 + 7);
  });

  it('in a fixed ring the fill decides: a stray high-before over an empty ring is no wrap', () => {
    // The poke. Popped 0 and nothing in the ring: pushed is 0, not the 2³² the low word alone claims.
    const buffer = fixedRing();
    setHigh(buffer, Producer.PUSHED, 1, 0);
    expect(readRingStats(buffer)).toMatchObject({ pushed: 0, popped: 0, used: 0 });
  });

  it('in a fixed ring a producer killed after storing its wrapped position counts 2³² + position', () => {
    expect(readRingStats(producerKilledMidWrap())).toMatchObject({
      pushed: TWO_TO_32 + 3,
      popped: TWO_TO_32 - 5,
      used: 8,
    });
  });

  it('in a fixed ring a consumer killed before storing its wrapped position counts below 2³²', () => {
    const buffer = fixedRing();
    setWord(buffer, Producer.WRITE_POSITION, TWO_TO_32 - 2);
    setWord(buffer, Consumer.READ_POSITION, TWO_TO_32 - 2);
    setHigh(buffer, Consumer.POPPED, 1, 0);
    expect(readRingStats(buffer)).toMatchObject({ pushed: TWO_TO_32 - 2, popped: TWO_TO_32 - 2 });
  });

  it('in a fixed ring with both counts mid-wrap, each low word decides', () => {
    const buffer = fixedRing();
    setHigh(buffer, Producer.PUSHED, 1, 0);
    setHigh(buffer, Consumer.POPPED, 1, 0);
    expect(readRingStats(buffer)).toMatchObject({ pushed: TWO_TO_32, popped: TWO_TO_32 });
  });
});

describe('the end that owns a counter stores it whole again; readers never write', () => {
  it('readRingStats and the other side leave the header as it was', () => {
    const buffer = producerKilledMidWrap();
    const before = header(buffer);
    readRingStats(buffer);
    expect(header(buffer)).toEqual(before);
    const consumer = FixedConsumer.attach(buffer);
    expect(consumer.stats().pushed).toBe(TWO_TO_32 + 3);
    expect(header(buffer, 128, 256)).toEqual(before.slice(128, 256)); // the producer's line
  });

  it('a replacement fixed producer makes pushed whole and pushes on from it', () => {
    const buffer = producerKilledMidWrap();
    const producer = FixedProducer.attach(buffer);
    expect(highWords(buffer, Producer.PUSHED)).toEqual([1, 1]);
    expect(producer.tryPush(new Uint8Array(8))).toBe(true);
    expect(readRingStats(buffer)).toMatchObject({ pushed: TWO_TO_32 + 4, used: 9 });
  });

  it('a byte producer makes pushed and dropped whole, a byte consumer popped', () => {
    const buffer = byteRing();
    setHigh(buffer, Producer.PUSHED, 1, 0);
    setHigh(buffer, Producer.DROPPED, 2, 1);
    setWord(buffer, Producer.DROPPED, 9);
    setHigh(buffer, Consumer.POPPED, 1, 0);
    const expected = { pushed: TWO_TO_32, dropped: 2 * TWO_TO_32 + 9, popped: TWO_TO_32 };
    ByteProducer.attach(buffer);
    expect(highWords(buffer, Producer.PUSHED)).toEqual([1, 1]);
    expect(highWords(buffer, Producer.DROPPED)).toEqual([2, 2]);
    expect(highWords(buffer, Consumer.POPPED)).toEqual([1, 0]); // not the producer's
    ByteConsumer.attach(buffer);
    expect(highWords(buffer, Consumer.POPPED)).toEqual([1, 1]);
    expect(readRingStats(buffer)).toMatchObject(expected);
  });
});

describe('any other difference is CORRUPTED, in one sentence', () => {
  it('readers and the owner alike refuse high words 5 apart, and the header stays as it was', () => {
    const buffer = fixedRing();
    setHigh(buffer, Producer.PUSHED, 5, 0);
    const before = header(buffer);
    const refusal = codeAndMessage(() => readRingStats(buffer));
    expect(refusal.code).toBe('CORRUPTED');
    expect(refusal.message).toBe(
      'counter pushed is corrupted: its high words are 5 (before) and 0 (after), apart in a way no writer leaves them; the ring header was overwritten, so create a new ring.',
    );
    expect(codeAndMessage(() => FixedProducer.attach(buffer))).toEqual(refusal);
    expect(header(buffer)).toEqual(before);
  });

  it('high-before below high-after is corrupted too, for dropped and popped alike', () => {
    const buffer = byteRing();
    setHigh(buffer, Producer.DROPPED, 0, 1);
    expect(codeAndMessage(() => ByteProducer.attach(buffer)).message).toMatch(
      /^counter dropped is corrupted: its high words are 0 \(before\) and 1 \(after\)/,
    );
    setHigh(buffer, Producer.DROPPED, 0, 0);
    setHigh(buffer, Consumer.POPPED, 7, 1);
    expect(codeAndMessage(() => ByteConsumer.attach(buffer)).code).toBe('CORRUPTED');
  });
});

describe("attach and stats from another process end (the issue's repro)", () => {
  const skip = requireOrSkip(
    existsSync('/dev/shm'),
    'POSIX shared memory (/dev/shm) is not available here',
  );
  const noAddon = requireOrSkip(
    nativeBinding() !== null,
    `the native addon is not built: ${nativeUnavailableReason()}`,
  );
  const worker = fileURLToPath(new URL('./workers/attach-side.mjs', import.meta.url));
  const names: string[] = [];
  afterEach(() => {
    for (const name of names.splice(0)) unlinkShared(name);
  });

  /** The ring, its pushed high-before (byte 140) set to `highBefore`. */
  function pokedRing(highBefore: number): { name: string; buffer: SharedArrayBuffer } {
    const name = `ringkit-test-counter-${process.pid}-${names.length}`;
    names.push(name);
    const buffer = createShared(name, { kind: 'fixed', capacity: 64, recordSize: 32 });
    new DataView(buffer).setUint32(140, highBefore, true);
    return { name, buffer };
  }

  function inAnotherProcess(
    name: string,
    side: string,
  ): { stats?: RingStats; code?: string; message?: string } {
    // Before the fix the child spun at 100% CPU forever: the timeout kills it and this fails.
    const child = spawnSync(process.execPath, [worker, name, side], {
      encoding: 'utf8',
      timeout: 5_000,
    });
    expect({ signal: child.signal, status: child.status, stderr: child.stderr }).toEqual({
      signal: null,
      status: 0,
      stderr: '',
    });
    return JSON.parse(child.stdout);
  }

  it.skipIf(skip)('FixedProducer.attach returns with pushed 0 and makes pushed whole', () => {
    const { name, buffer } = pokedRing(1);
    expect(inAnotherProcess(name, 'producer').stats).toMatchObject({ pushed: 0, used: 0 });
    expect(highWords(buffer, Producer.PUSHED)).toEqual([0, 0]);
  });

  it.skipIf(skip)('readRingStats returns without writing, or says CORRUPTED', () => {
    const { name, buffer } = pokedRing(1);
    const before = header(buffer);
    expect(inAnotherProcess(name, 'stats').stats).toMatchObject({ pushed: 0 });
    expect(header(buffer)).toEqual(before);
    setHigh(buffer, Producer.PUSHED, 5, 0);
    expect(inAnotherProcess(name, 'stats')).toMatchObject({ code: 'CORRUPTED' });
  });

  it.skipIf(skip || noAddon)(
    'a native producer (the C++ twin) takes pushed over as 0 and makes it whole',
    () => {
      const { name, buffer } = pokedRing(1);
      expect(inAnotherProcess(name, 'native-producer').stats).toMatchObject({ pushed: 0 });
      expect(highWords(buffer, Producer.PUSHED)).toEqual([0, 0]);
    },
  );

  it.skipIf(skip || noAddon)(
    'a native producer refuses a corrupted pushed with CORRUPTED, before it starts',
    () => {
      const { name, buffer } = pokedRing(5);
      expect(inAnotherProcess(name, 'native-producer')).toEqual({
        code: 'CORRUPTED',
        message:
          'counter pushed is corrupted: its high words are 5 (before) and 0 (after), apart in a way no writer leaves them; the ring header was overwritten, so create a new ring.',
      });
      expect(highWords(buffer, Producer.PUSHED)).toEqual([5, 0]);
    },
  );

  it.skipIf(skip || noAddon)(
    'a native consumer replacing one killed mid-wrap makes popped whole',
    () => {
      const { name, buffer } = pokedRing(0);
      setWord(buffer, Producer.WRITE_POSITION, TWO_TO_32 - 2);
      setWord(buffer, Consumer.READ_POSITION, TWO_TO_32 - 2);
      setHigh(buffer, Consumer.POPPED, 1, 0);
      expect(inAnotherProcess(name, 'native-consumer').stats).toMatchObject({
        popped: TWO_TO_32 - 2,
      });
      expect(highWords(buffer, Consumer.POPPED)).toEqual([0, 0]);
    },
  );
});

describe("the C++ twin's counter reads", () => {
  const cmake = spawnSync('cmake', ['--version']);
  const skip = requireOrSkip(
    cmake.status === 0,
    'cmake is not installed (bash scripts/install-system-deps.sh installs it)',
  );

  it.skipIf(skip)(
    'native/test/counters.cpp: mid-wrap repaired, other differences kCorrupted, no read spins',
    () => {
      const source = fileURLToPath(new URL('../native/test', import.meta.url));
      const build = mkdtempSync(join(tmpdir(), 'ringkit-counters-'));
      try {
        const configure = spawnSync('cmake', ['-S', source, '-B', build], { encoding: 'utf8' });
        expect(configure.status).toBe(0);
        const compiled = spawnSync('cmake', ['--build', build, '--target', 'ringkit_counters'], {
          encoding: 'utf8',
        });
        expect(compiled.status === 0 ? '' : compiled.stdout + compiled.stderr).toBe('');
        const run = spawnSync(join(build, 'ringkit_counters'), {
          encoding: 'utf8',
          timeout: 5_000,
        });
        expect(run.stdout).not.toMatch(/FAILED/);
        expect(run.stdout).toMatch(/^0 failures$/m);
        expect(run.status).toBe(0);
      } finally {
        rmSync(build, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
