import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import { RingError } from '../src/errors.js';
import { FixedConsumer, FixedProducer } from '../src/fixed-ring.js';
import { Descriptor, HEADER_BYTES, LAYOUT_VERSION } from '../src/layout.js';
import { attachShared, createShared, unlinkShared } from '../src/shared-memory.js';
import { checkTestRecord } from '../src/test-records.js';
import { drainChecked } from './drain-checked.js';
import { createRandomBytes } from './random.js';

const skip = requireOrSkip(
  existsSync('/dev/shm'),
  'POSIX shared memory (/dev/shm) is not available here',
);
const created: string[] = [];
function uniqueName(label: string): string {
  const name = `ringkit-test-${label}-${process.pid}-${created.length}`;
  created.push(name);
  return name;
}
afterEach(() => {
  for (const name of created.splice(0)) {
    try {
      unlinkShared(name);
    } catch {}
  }
});

function codeOf(action: () => unknown): string {
  try {
    action();
    return 'none';
  } catch (error) {
    if (!(error instanceof RingError)) throw error;
    expect(error.message).not.toContain('\n');
    return error.code;
  }
}

describe.skipIf(skip)('rings in named shared memory', () => {
  it('create and attach map the same memory, as a real SharedArrayBuffer', () => {
    const name = uniqueName('same');
    const created = createShared(name, { kind: 'fixed', capacity: 64, recordSize: 16 });
    const attached = attachShared(name);
    expect(attached).toBeInstanceOf(SharedArrayBuffer);
    expect(attached.byteLength).toBe(HEADER_BYTES + 64 * 16);
    const producer = FixedProducer.attach(created);
    const consumer = FixedConsumer.attach(attached);
    expect(producer.descriptor.waitDomain).toBe('os');
    producer.tryPush(new Uint8Array(16).fill(7));
    expect(consumer.tryPop()?.[15]).toBe(7);
  });

  it('moves 10⁷ records from another process, none lost, duplicated, reordered or torn', async () => {
    const name = uniqueName('stream');
    const buffer = createShared(name, {
      kind: 'fixed',
      capacity: 4096,
      recordSize: 32,
      fullPolicy: 'block',
    });
    const consumer = FixedConsumer.attach(buffer);
    const child = spawn(
      process.execPath,
      [
        fileURLToPath(new URL('./workers/shared-producer.mjs', import.meta.url)),
        name,
        '10000000',
        '256',
        'close',
      ],
      {
        stdio: 'inherit',
      },
    );
    // Listen now: the child may exit before the stream has been drained.
    const childExit = new Promise<[number | null]>((resolve) =>
      child.once('exit', (exitCode) => resolve([exitCode])),
    );
    const { next: expected, errors } = await drainChecked(consumer);
    const [code] = await childExit;
    expect(code).toBe(0);
    expect({ expected, errors }).toEqual({ expected: 10_000_000, errors: 0 });
    expect(consumer.stats()).toMatchObject({
      pushed: 10_000_000,
      popped: 10_000_000,
      dropped: 0,
      closed: true,
    });
  });

  it('under drop, across processes: attempted = popped + dropped, and the gaps the consumer sees are the drops', async () => {
    const name = uniqueName('drop');
    const buffer = createShared(name, { kind: 'fixed', capacity: 64, recordSize: 16 });
    const consumer = FixedConsumer.attach(buffer);
    const child = spawn(
      process.execPath,
      [
        fileURLToPath(new URL('./workers/shared-producer.mjs', import.meta.url)),
        name,
        '2000000',
        '16',
        'close',
      ],
      {
        stdio: 'inherit',
      },
    );
    // Listen now: the child may exit before the stream has been drained.
    const childExit = new Promise<[number | null]>((resolve) =>
      child.once('exit', (exitCode) => resolve([exitCode])),
    );
    let next = 0;
    let skipped = 0;
    let errors = 0;
    for (;;) {
      const got = consumer.drain((data, offset, count) => {
        for (let i = 0; i < count; i++) {
          const sequence = new DataView(
            data.buffer,
            data.byteOffset + offset + i * 16,
            4,
          ).getUint32(0, true);
          if (sequence < next || checkTestRecord(data, offset + i * 16, 16, sequence) !== '')
            errors++;
          skipped += sequence - next;
          next = sequence + 1;
        }
      });
      if (got === 0 && (await consumer.waitAsync({ timeoutMs: 30_000 })) !== 'ready') break;
    }
    await childExit;
    const stats = consumer.stats();
    expect(errors).toBe(0);
    expect(stats.dropped).toBeGreaterThan(0);
    expect(stats.pushed).toBe(stats.popped);
    expect(stats.popped + stats.dropped).toBe(2_000_000);
    expect(skipped + (2_000_000 - next)).toBe(stats.dropped);
  });

  it('refuses a second create of the same name', () => {
    const name = uniqueName('twice');
    createShared(name, { kind: 'fixed', capacity: 16, recordSize: 8 });
    expect(codeOf(() => createShared(name, { kind: 'fixed', capacity: 16, recordSize: 8 }))).toBe(
      'SHARED_EXISTS',
    );
  });

  it('refuses a name that does not exist', () => {
    expect(codeOf(() => attachShared(uniqueName('absent')))).toBe('SHARED_NOT_FOUND');
    expect(unlinkShared(uniqueName('absent2'))).toBe(false);
  });

  it('refuses invalid names before touching the system', () => {
    for (const bad of ['', 'a/b', '../etc', 'x..y', '.hidden', '-dash', 'x'.repeat(201), 42]) {
      expect(codeOf(() => attachShared(bad as string))).toBe('INVALID_NAME');
    }
  });

  it('refuses a process-domain ring in shared memory', () => {
    expect(
      codeOf(() =>
        createShared(uniqueName('process'), {
          kind: 'fixed',
          capacity: 16,
          recordSize: 8,
          waitDomain: 'process',
        }),
      ),
    ).toBe('INVALID_OPTIONS');
  });

  it('refuses an object another user could read (mode 0644), an empty one, and a truncated one', () => {
    const open = uniqueName('open');
    writeFileSync(`/dev/shm/${open}`, Buffer.alloc(4096), { mode: 0o644 });
    expect(codeOf(() => attachShared(open))).toBe('SHARED_PERMISSION');
    expect(() => attachShared(open)).toThrow(
      /mode 0644\); ringkit only attaches to objects of its own user with mode 0600/,
    );
    const empty = uniqueName('empty');
    writeFileSync(`/dev/shm/${empty}`, Buffer.alloc(0), { mode: 0o600 });
    expect(codeOf(() => attachShared(empty))).toBe('BUFFER_TOO_SMALL');
    const truncated = uniqueName('truncated');
    const whole = createShared(truncated, { kind: 'fixed', capacity: 64, recordSize: 16 });
    unlinkShared(truncated);
    writeFileSync(`/dev/shm/${truncated}`, Buffer.from(whole.slice(0, HEADER_BYTES + 100)), {
      mode: 0o600,
    });
    expect(codeOf(() => attachShared(truncated))).toBe('BUFFER_TOO_SMALL');
  });

  it('refuses an object owned by another user, even with mode 0600', () => {
    const name = uniqueName('other-user');
    createShared(name, { kind: 'fixed', capacity: 16, recordSize: 8 });
    if (process.getuid?.() !== 0) {
      console.warn(
        'not root: cannot give the object to another user, so only the mode check is exercised here',
      );
      return;
    }
    chownSync(`/dev/shm/${name}`, 65534, 65534);
    expect(codeOf(() => attachShared(name))).toBe('SHARED_PERMISSION');
    expect(() => attachShared(name)).toThrow(/owned by uid 65534 with mode 0600/);
  });

  it('says whether the other side is alive: attached, its process exists, and it beat recently', async () => {
    const name = uniqueName('alive');
    const buffer = createShared(name, { kind: 'fixed', capacity: 16, recordSize: 8 });
    const consumer = FixedConsumer.attach(buffer);
    expect(consumer.peerAlive()).toBe(false); // no producer yet
    const child = spawn(
      process.execPath,
      [
        '-e',
        `
      const ring = require(${JSON.stringify(fileURLToPath(new URL('../dist/index.cjs', import.meta.url)))});
      ring.FixedProducer.attach(ring.attachShared(${JSON.stringify(name)}));
      console.log('attached');
      setInterval(() => {}, 1000);
    `,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    // Listen now: the child may exit before the stream has been drained.
    const childExit = new Promise<[number | null]>((resolve) =>
      child.once('exit', (exitCode) => resolve([exitCode])),
    );
    await new Promise((resolve) => child.stdout.once('data', resolve));
    expect(consumer.peerAlive()).toBe(true);
    expect(consumer.peerAlive({ withinMs: 10_000 })).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(consumer.peerAlive({ withinMs: 20 })).toBe(false); // attached, silent since
    child.kill('SIGKILL');
    await childExit;
    expect(consumer.peerAlive()).toBe(false);
    expect(await consumer.waitAsync({ timeoutMs: 5_000 })).toBe('peer-gone');
    const replacement = FixedProducer.attach(buffer);
    expect(consumer.peerAlive({ withinMs: 1_000 })).toBe(true);
    expect(replacement.peerAlive()).toBe(true);
  });

  it('ends a wait with "peer-gone" when the peer is silent longer than peerTimeoutMs', async () => {
    const name = uniqueName('silent');
    const buffer = createShared(name, { kind: 'fixed', capacity: 16, recordSize: 8 });
    FixedProducer.attach(buffer); // this process: alive, but it will not beat again
    const consumer = FixedConsumer.attach(buffer);
    expect(await consumer.waitAsync({ timeoutMs: 5_000, tickMs: 10, peerTimeoutMs: 50 })).toBe(
      'peer-gone',
    );
  });

  it('refuses an object larger than its ring', () => {
    const name = uniqueName('larger');
    const ring = createShared(name, { kind: 'fixed', capacity: 64, recordSize: 16 });
    unlinkShared(name);
    const bigger = Buffer.alloc(ring.byteLength + 4096);
    Buffer.from(ring).copy(bigger);
    writeFileSync(`/dev/shm/${name}`, bigger, { mode: 0o600 });
    expect(() => attachShared(name)).toThrow(/is \d+ bytes but its ring header describes \d+/);
  });

  it('never writes on attach, and refuses 10 000 fuzzed headers each with a specific code', () => {
    const name = uniqueName('fuzz');
    const buffer = createShared(name, { kind: 'fixed', capacity: 256, recordSize: 16 });
    const header = new Uint8Array(buffer, 0, HEADER_BYTES);
    const random = createRandomBytes(7);
    const codes = new Map<string, number>();
    const gc = (globalThis as { gc?: () => void }).gc;
    for (let i = 0; i < 10_000; i++) {
      random(header);
      if (i % 2 === 0) new DataView(buffer).setUint32(Descriptor.MAGIC, 0x474e4952, true);
      if (i % 4 === 0)
        new DataView(buffer).setUint32(Descriptor.LAYOUT_VERSION, LAYOUT_VERSION, true);
      const before = header.slice();
      const code = codeOf(() => attachShared(name));
      expect(code).not.toBe('none');
      expect(header).toEqual(before);
      codes.set(code, (codes.get(code) ?? 0) + 1);
      if (i % 2000 === 1999) gc?.();
    }
    expect(codes.get('BAD_MAGIC')).toBeGreaterThan(4000);
    expect(codes.size).toBeGreaterThanOrEqual(3);
  });

  it('leaks nothing: 10 000 create/attach/unlink cycles leave descriptors and mappings as they were', () => {
    const result = spawnSync(
      process.execPath,
      ['--expose-gc', fileURLToPath(new URL('./workers/shared-leak.mjs', import.meta.url))],
      {
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(result.stderr).toBe('');
    type Counts = { fds: number; maps: number; sharedMaps: number };
    const { before, after } = JSON.parse(result.stdout) as { before: Counts; after: Counts };
    expect(after.fds).toBe(before.fds);
    expect(after.sharedMaps).toBe(before.sharedMaps);
    // V8 may grow its own heap and code space a little; a leak would add 20 000 mappings.
    expect(after.maps).toBeLessThan(before.maps + 100);
  });
});

// Leave nothing behind in /dev/shm even if an assertion failed mid-test.
process.on('exit', () => {
  for (const name of created) {
    try {
      unlinkSync(`/dev/shm/${name}`);
    } catch {}
  }
});
