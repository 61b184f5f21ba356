import { statSync } from 'node:fs';
import { endianness, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BpfMap } from '../src/map.js';
import { openPinnedMap } from '../src/map.js';
import { type BpfObject, openObject } from '../src/object.js';
import { binding, skipWithoutBpf } from './helpers/bpf.js';
import { openPinAsNobody, privateBpffs } from './helpers/pins.js';
import { thrown } from './helpers/thrown.js';

const skip = skipWithoutBpf();
const mapsObject = join(import.meta.dirname, 'fixtures', 'maps.bpf.o');
const littleEndian = endianness() === 'LE';

function u32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, littleEndian);
  return bytes;
}

function u64(value: number | bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(value), littleEndian);
  return bytes;
}

function readU32(bytes: Uint8Array, offset = 0): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(
    offset,
    littleEndian,
  );
}

function readU64(bytes: Uint8Array): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(
    0,
    littleEndian,
  );
}

/** Entries as sortable strings, to compare two walks whatever their order. */
function listed(entries: Iterable<[Uint8Array, Uint8Array | Uint8Array[]]>): string[] {
  const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
  return [...entries]
    .map(([key, value]) => `${hex(key)}=${[value].flat().map(hex).join(',')}`)
    .sort();
}

describe.skipIf(skip)('maps from JavaScript', () => {
  let object: BpfObject;
  beforeEach(() => {
    object = openObject(mapsObject, { maps: { ring: null } });
  });
  afterEach(() => object.close());

  it('describes each map: name, type, key and value sizes, entries', () => {
    const described = (name: string) => {
      const { type, keySize, valueSize, maxEntries } = object.map(name);
      return { type, keySize, valueSize, maxEntries };
    };
    expect(described('hash_map')).toEqual({
      type: 'hash',
      keySize: 4,
      valueSize: 8,
      maxEntries: 64,
    });
    expect(described('lru_hash_map')).toMatchObject({ type: 'lru_hash', keySize: 8 });
    expect(described('array_map')).toMatchObject({ type: 'array', maxEntries: 8 });
    expect(described('percpu_hash_map')).toMatchObject({ type: 'percpu_hash', valueSize: 4 });
    expect(described('percpu_array_map')).toMatchObject({ type: 'percpu_array', valueSize: 12 });
    expect(described('stack_map')).toMatchObject({ type: 'stack_trace', valueSize: 127 * 8 });
    expect(object.map('percpu_hash_map').possibleCpus).toBe(binding().possibleCpus());
    expect(object.map('hash_map').possibleCpus).toBe(0);
  });

  it('a hash map round-trips lookup, update, iteration and delete', () => {
    const map = object.map('hash_map');
    expect(map.lookup(7)).toBeUndefined();
    for (let key = 1; key <= 5; key++) map.update(key, u64(key * 100));
    expect(readU64(map.lookup(u32(3))!)).toBe(300n);
    expect([...map.keys()].map((key) => readU32(key)).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(listed(map.entries())).toEqual(
      listed([1, 2, 3, 4, 5].map((k) => [u32(k), u64(k * 100)])),
    );
    map.update(3, u64(333));
    expect(readU64(map.lookup(3)!)).toBe(333n);
    map.delete(3);
    expect(map.lookup(3)).toBeUndefined();
    expect([...map.keys()]).toHaveLength(4);
  });

  it('deleting each key as the walk hands it out empties the map', () => {
    const map = object.map('hash_map');
    for (let key = 0; key < 20; key++) map.update(key, u64(key));
    let seen = 0;
    for (const key of map.keys()) {
      map.delete(key);
      seen++;
    }
    expect(seen).toBe(20);
    expect([...map.keys()]).toEqual([]);
  });

  it('an LRU hash map takes 8-byte keys as bigints and evicts instead of filling up', () => {
    const map = object.map('lru_hash_map');
    const big = 2n ** 60n + 5n;
    map.update(big, u64(1));
    expect(readU64(map.lookup(big)!)).toBe(1n);
    expect(readU32(map.keys().next().value!)).toBe(5);
    for (let key = 0; key < 3 * map.maxEntries; key++) map.update(key, u64(key));
    expect([...map.keys()].length).toBeLessThanOrEqual(map.maxEntries);
    map.delete(3 * map.maxEntries - 1);
    expect(map.lookup(3 * map.maxEntries - 1)).toBeUndefined();
  });

  it('an array map has every index, zeroed, and cannot delete one', () => {
    const map = object.map('array_map');
    expect(readU64(map.lookup(5)!)).toBe(0n);
    map.update(5, u64(55), 'exist');
    expect(readU64(map.lookup(5)!)).toBe(55n);
    expect([...map.keys()].map((key) => readU32(key))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(listed(map.entries())).toHaveLength(8);
    expect(thrown(() => map.delete(5))).toMatchObject({
      code: 'WRONG_MAP_TYPE',
      message: expect.stringMatching(/array_map.*cannot be deleted: write zeros with update/),
    });
    expect(thrown(() => map.update(5, u64(1), 'noexist')).code).toBe('KEY_EXISTS');
    expect(thrown(() => map.update(8, u64(1)))).toMatchObject({
      code: 'KEY_NOT_FOUND',
      message: expect.stringMatching(/an array of 8 entries: use an index from 0 to 7/),
    });
  });

  it("'noexist' refuses a present key and 'exist' an absent one, each with a code", () => {
    const map = object.map('hash_map');
    map.update(1, u64(1), 'noexist');
    expect(thrown(() => map.update(1, u64(2), 'noexist'))).toMatchObject({
      code: 'KEY_EXISTS',
      message: expect.stringMatching(/key 0x01000000 is already in map 'hash_map'/),
    });
    map.update(1, u64(3), 'exist');
    expect(readU64(map.lookup(1)!)).toBe(3n);
    expect(thrown(() => map.update(2, u64(2), 'exist'))).toMatchObject({
      code: 'KEY_NOT_FOUND',
      message: expect.stringMatching(/flag 'exist' only replaces a value/),
    });
    expect(map.lookup(2)).toBeUndefined();
    expect(thrown(() => map.delete(2))).toMatchObject({ code: 'KEY_NOT_FOUND' });
    expect(thrown(() => map.update(1, u64(1), 'sometimes' as never))).toMatchObject({
      code: 'INVALID_OPTIONS',
      message: expect.stringMatching(/'any', 'noexist' or 'exist', got 'sometimes'/),
    });
  });

  it('a full hash map says so', () => {
    const map = object.map('hash_map');
    for (let key = 0; key < map.maxEntries; key++) map.update(key, u64(key));
    expect(thrown(() => map.update(1000, u64(0)))).toMatchObject({
      code: 'MAP_FULL',
      message: expect.stringMatching(/hash_map' is full \(64 entries\)/),
    });
  });

  it('per-CPU maps give one value per possible CPU, each the declared size', () => {
    const cpus = binding().possibleCpus();
    const hash = object.map('percpu_hash_map');
    hash.update(
      9,
      Array.from({ length: cpus }, (_, cpu) => u32(cpu + 10)),
    );
    const values = hash.lookupPerCpu(9)!;
    expect(values).toHaveLength(cpus);
    expect(values.map((value) => value.length)).toEqual(Array(cpus).fill(4));
    expect(values.map((value) => readU32(value))).toEqual(
      Array.from({ length: cpus }, (_, cpu) => cpu + 10),
    );
    hash.update(9, u32(77)); // one value: every CPU gets it
    expect(hash.lookupPerCpu(9)!.map((value) => readU32(value))).toEqual(Array(cpus).fill(77));
    const [key, perCpu] = [...hash.entriesPerCpu()][0]!;
    expect(readU32(key)).toBe(9);
    expect(perCpu).toHaveLength(cpus);

    const array = object.map('percpu_array_map');
    const triple = (cpu: number) => new Uint8Array([...u32(cpu), ...u32(cpu * 2), ...u32(cpu * 3)]);
    array.update(
      2,
      Array.from({ length: cpus }, (_, cpu) => triple(cpu)),
    );
    expect(array.lookupPerCpu(2)!.map((value) => [...value])).toEqual(
      Array.from({ length: cpus }, (_, cpu) => [...triple(cpu)]),
    );
    expect([...array.entriesPerCpu()]).toHaveLength(4);
    expect(thrown(() => array.update(2, Array(cpus + 1).fill(triple(0))))).toMatchObject({
      code: 'INVALID_VALUE',
      message: expect.stringMatching(/one per possible CPU \(\d+\)/),
    });
  });

  it('points a per-CPU map at lookupPerCpu and an ordinary map at lookup', () => {
    expect(thrown(() => object.map('percpu_hash_map').lookup(1))).toMatchObject({
      code: 'WRONG_MAP_TYPE',
      message: expect.stringMatching(/one value per possible CPU: use lookupPerCpu\(\)/),
    });
    expect(thrown(() => [...object.map('hash_map').entriesPerCpu()])).toMatchObject({
      code: 'WRONG_MAP_TYPE',
      message: expect.stringMatching(/use entries\(\)/),
    });
  });

  it('batch and key-by-key iteration agree for every map type', () => {
    const cpus = binding().possibleCpus();
    const hash = object.map('hash_map');
    for (let key = 0; key < 50; key++) hash.update(key, u64(key * 3));
    const lru = object.map('lru_hash_map');
    for (let key = 0; key < 30; key++) lru.update(key, u64(key));
    const array = object.map('array_map');
    for (let key = 0; key < 8; key++) array.update(key, u64(key + 1));
    const percpuHash = object.map('percpu_hash_map');
    for (let key = 0; key < 40; key++)
      percpuHash.update(
        key,
        Array.from({ length: cpus }, (_, cpu) => u32(key * 100 + cpu)),
      );
    const percpuArray = object.map('percpu_array_map');
    percpuArray.update(1, new Uint8Array(12).fill(7));
    const wide = object.map('wide_key_map');
    for (let key = 0; key < 600; key++)
      wide.update(new Uint8Array(16).fill(key & 255).fill(key >> 8, 0, 1), u32(key));

    for (const map of [hash, lru, array, wide]) {
      // The kernel's batch lookup is there for these types (Linux ≥ 5.6): check it is used.
      expect(rawOf(map).lookupBatch(null, 4)).not.toBeNull();
      const batched = listed(map.entries({ batchSize: 7 }));
      expect(batched).toEqual(listed(map.entries({ batch: false })));
      expect(batched).toHaveLength([...map.keys()].length);
    }
    expect(listed(wide.entries())).toHaveLength(600);
    for (const map of [percpuHash, percpuArray]) {
      expect(rawOf(map).lookupBatch(null, 4)).not.toBeNull();
      expect(listed(map.entriesPerCpu({ batchSize: 5 }))).toEqual(
        listed(map.entriesPerCpu({ batch: false })),
      );
    }
  });

  it('a stack-trace map reads as kernel addresses per stack id, walked without batch lookups', () => {
    object.map('target').update(0, u32(process.pid));
    for (let i = 0; i < 20; i++) statSync(import.meta.dirname);
    object.map('target').update(0, u32(0));
    const counts = object.map('syscall_counts');
    expect(
      [...counts.entries()].reduce((sum, [, calls]) => sum + readU64(calls), 0n),
    ).toBeGreaterThan(20n);
    const stacks = object.map('stack_map');
    const ids = [...object.map('stack_counts').keys()].map((key) => readU32(key));
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) {
      const frames = stacks.stackTrace(id)!;
      expect(frames.length).toBeGreaterThan(0);
      // Kernel text is in the top half of the address space.
      for (const address of frames) expect(address >= 0xffff800000000000n).toBe(true);
    }
    expect(rawOf(stacks).lookupBatch(null, 4)).toBeNull();
    expect([...stacks.entries()].map(([key]) => readU32(key)).sort()).toEqual(
      [...stacks.keys()].map((key) => readU32(key)).sort(),
    );
    const unused = Array.from({ length: 256 }, (_, id) => id).find((id) => !ids.includes(id))!;
    expect(stacks.stackTrace(unused)).toBeUndefined();
    expect(thrown(() => object.map('hash_map').stackTrace(0)).code).toBe('WRONG_MAP_TYPE');
  });

  it('names the map and the sizes it expects when a key, value or name is wrong', () => {
    expect(thrown(() => object.map('counters'))).toMatchObject({
      code: 'UNKNOWN_MAP',
      message: expect.stringMatching(
        /map 'counters' is not in .*maps\.bpf\.o: choose from its maps \(.*'stack_map'.*'hash_map'.*'wide_key_map'\)\.$/,
      ),
    });
    const map = object.map('hash_map');
    expect(thrown(() => map.lookup(new Uint8Array(3)))).toMatchObject({
      code: 'INVALID_KEY',
      message: "a key of 3 bytes for map 'hash_map', whose keys are 4 bytes: pass exactly 4 bytes.",
    });
    expect(thrown(() => map.update(1, new Uint8Array(4)))).toMatchObject({
      code: 'INVALID_VALUE',
      message: expect.stringMatching(
        /a value of 4 bytes for map 'hash_map', whose values are 8 bytes: pass exactly 8 bytes/,
      ),
    });
    expect(thrown(() => map.update(1, [u64(1), u64(2)])).code).toBe('INVALID_VALUE');
    expect(thrown(() => map.lookup(-1))).toMatchObject({
      code: 'INVALID_KEY',
      message: expect.stringMatching(/below 2\^32/),
    });
    expect(thrown(() => object.map('wide_key_map').lookup(1))).toMatchObject({
      code: 'INVALID_KEY',
      message: expect.stringMatching(/16-byte keys: pass them as a Uint8Array of 16 bytes/),
    });
  });

  it('closes its maps with the object', () => {
    const map = object.map('hash_map');
    object.close();
    expect(thrown(() => map.lookup(1))).toMatchObject({ code: 'CLOSED' });
    expect(thrown(() => object.map('hash_map')).code).toBe('CLOSED');
  });
});

describe.skipIf(skip)('pinned maps', () => {
  const bpffs = privateBpffs();

  it('keep their contents after the object closes, for a reopen by path', () => {
    const path = join(bpffs, 'counts');
    const object = openObject(mapsObject, { maps: { ring: null } });
    try {
      const map = object.map('percpu_hash_map');
      map.update(4, u32(44));
      map.pin(path);
      expect(map.pinnedPath).toBe(path);
    } finally {
      object.close();
    }
    const reopened = openPinnedMap(path);
    try {
      expect(reopened).toMatchObject({
        name: 'percpu_hash_map',
        type: 'percpu_hash',
        keySize: 4,
        valueSize: 4,
      });
      expect(reopened.lookupPerCpu(4)!.map((value) => readU32(value))).toEqual(
        Array(binding().possibleCpus()).fill(44),
      );
      reopened.update(5, u32(55));
      expect(openPinnedMap(path).lookupPerCpu(5)).toBeDefined();
      reopened.unpin();
      expect(reopened.pinnedPath).toBeNull();
      expect(reopened.lookupPerCpu(5)).toBeDefined(); // still open: the map lives on
    } finally {
      reopened.close();
    }
    expect(thrown(() => openPinnedMap(path))).toMatchObject({
      code: 'PIN_NOT_FOUND',
      message: expect.stringContaining(`nothing is pinned at ${path}`),
    });
  });

  it('say where pinning cannot happen and which pin is not theirs', () => {
    const object = openObject(mapsObject, { maps: { ring: null } });
    try {
      const map = object.map('hash_map');
      expect(thrown(() => map.pin(join(tmpdir(), 'not-bpffs')))).toMatchObject({
        code: 'PIN_FAILED',
        message: expect.stringMatching(
          /not on a bpffs \(mount one with mount -t bpf bpf \/sys\/fs\/bpf/,
        ),
      });
      map.pin(join(bpffs, 'hash'));
      expect(thrown(() => map.pin(join(bpffs, 'hash'))).message).toMatch(/pinned there already/);
      object.map('array_map').pin(join(bpffs, 'array'));
      expect(thrown(() => map.unpin(join(bpffs, 'array')))).toMatchObject({ code: 'PIN_FAILED' });
      expect(thrown(() => object.map('lru_hash_map').unpin())).toMatchObject({
        code: 'PIN_NOT_FOUND',
      });
      map.unpin();
      object.map('array_map').unpin();
    } finally {
      object.close();
    }
  });

  it('refuse a process that may not open the pin, saying so', () => {
    const path = join(bpffs, 'private');
    const object = openObject(mapsObject, { maps: { ring: null } });
    try {
      object.map('hash_map').pin(path);
      const result = openPinAsNobody('pinned-map', path);
      expect(result).toMatchObject({ ok: false, code: 'NOT_PERMITTED' });
      expect(result.message).toMatch(
        /opening the pinned map .* is not permitted for this process \(uid 65534/,
      );
    } finally {
      object.map('hash_map').unpin();
      object.close();
    }
  });
});

/** The native handle under a BpfMap, to check which kernel path a walk takes. */
function rawOf(map: BpfMap) {
  return (map as unknown as { raw: ReturnType<ReturnType<typeof binding>['openPinnedMap']> }).raw;
}
