import { endianness } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BpfObject, openObject } from '../src/object.js';
import { defineSchema, type FieldSpecs, type Schema } from '../src/schema.js';
import { binding, skipWithoutBpf } from './helpers/bpf.js';
import { thrown } from './helpers/thrown.js';

const skip = skipWithoutBpf();
const mapsObject = join(import.meta.dirname, 'fixtures', 'maps.bpf.o');
const littleEndian = endianness() === 'LE';

// hash_map: u32 → u64; wide_key_map: 16-byte keys → 4-byte values; percpu_array_map: u32 →
// struct triple { u32 a, b, c } (test/fixtures/maps.bpf.c).
const counter = defineSchema({
  name: 'counter',
  size: 8,
  fields: { count: { offset: 0, type: 'u64' } },
});
const wideKey = defineSchema({
  name: 'wide_key',
  size: 16,
  fields: { pid: { offset: 0, type: 'u32' }, comm: { offset: 4, type: 'char[12]' } },
});
const hits = defineSchema({ name: 'hits', size: 4, fields: { hits: { offset: 0, type: 'u32' } } });

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

describe.skipIf(skip)('maps through schemas (map.withSchema)', () => {
  let object: BpfObject;
  beforeEach(() => {
    object = openObject(mapsObject, { maps: { ring: null } });
  });
  afterEach(() => object.close());

  it('values are objects of the schema, written in the program’s layout', () => {
    const counts = object.map('hash_map').withSchema({ value: counter });
    counts.update(3, { count: 300 });
    counts.update(4, { count: 2n ** 60n }); // a bigint for a u64 past 2^53
    expect(counts.lookup(3)).toEqual({ count: 300 });
    expect(counts.lookup(4)).toEqual({ count: 2 ** 60 });
    expect(counts.lookup(5)).toBeUndefined();
    // The bytes underneath are what the program reads: a u64 in its byte order.
    expect(view(object.map('hash_map').lookup(3)!).getBigUint64(0, littleEndian)).toBe(300n);
    // Without a key schema, keys go in as numbers and come back as bytes.
    const entries = [...counts.entries()].map(
      ([key, value]) => [view(key).getUint32(0, littleEndian), value.count] as const,
    );
    expect(entries.sort((a, b) => a[0] - b[0])).toEqual([
      [3, 300],
      [4, 2 ** 60],
    ]);
    counts.update(3, { count: 1 }, 'exist');
    expect(thrown(() => counts.update(3, { count: 1 }, 'noexist')).code).toBe('KEY_EXISTS');
    counts.delete(3);
    expect(counts.lookup(3)).toBeUndefined();
    expect([...counts.keys()]).toHaveLength(1);
  });

  it('keys are objects too, given a key schema; char[N] fields are NUL-padded strings', () => {
    const byProcess = object.map('wide_key_map').withSchema({ key: wideKey, value: hits });
    byProcess.update({ pid: 7, comm: 'node' }, { hits: 3 });
    byProcess.update({ pid: 8, comm: 'twelve-chars' }, { hits: 4 }); // fills char[12], no NUL
    expect(byProcess.lookup({ pid: 7, comm: 'node' })).toEqual({ hits: 3 });
    expect(byProcess.lookup({ pid: 7, comm: 'nodes' })).toBeUndefined();
    expect([...byProcess.entries()].sort((a, b) => a[0].pid - b[0].pid)).toEqual([
      [{ pid: 7, comm: 'node' }, { hits: 3 }],
      [{ pid: 8, comm: 'twelve-chars' }, { hits: 4 }],
    ]);
    const raw = [...object.map('wide_key_map').keys()].find(
      (key) => view(key).getUint32(0, littleEndian) === 7,
    )!;
    expect(Buffer.from(raw.subarray(4)).toString('latin1')).toBe('node\0\0\0\0\0\0\0\0');
    byProcess.delete({ pid: 8, comm: 'twelve-chars' });
    expect([...byProcess.keys()]).toEqual([{ pid: 7, comm: 'node' }]);
  });

  it('per-CPU maps: one object per possible CPU, or one for all', () => {
    const triple = object.schemaFromBtf('triple'); // the value's struct, from the object's BTF
    const perCpu = object.map('percpu_array_map').withSchema({ value: triple });
    const cpus = binding().possibleCpus();
    perCpu.update(0, { a: 1, b: 2, c: 3 });
    expect(perCpu.lookupPerCpu(0)).toEqual(
      Array.from({ length: cpus }, () => ({ a: 1, b: 2, c: 3 })),
    );
    const each = Array.from({ length: cpus }, (_, cpu) => ({ a: cpu, b: cpu * 10, c: 7 }));
    perCpu.update(1, each);
    expect(perCpu.lookupPerCpu(1)).toEqual(each);
    const walked = new Map(
      [...perCpu.entriesPerCpu()].map(([key, values]) => [
        view(key).getUint32(0, littleEndian),
        values,
      ]),
    );
    expect(walked.get(1)).toEqual(each);
    expect(walked.size).toBe(4); // an array map: every index exists
    expect(thrown(() => perCpu.lookup(0)).code).toBe('WRONG_MAP_TYPE');
  });

  it('refuses a schema of the wrong size, and one that is not a schema', () => {
    const sixteen = defineSchema({
      name: 'sixteen',
      size: 16,
      fields: { x: { offset: 0, type: 'u64' } },
    });
    const wrong = thrown(() => object.map('hash_map').withSchema({ value: sixteen }));
    expect(wrong.code).toBe('SCHEMA_MISMATCH');
    expect(wrong.message).toBe(
      `schema "sixteen" is 16 bytes but map 'hash_map' has 8-byte values: define the value schema with size 8 (schemaFromBtf builds it from the program's struct).`,
    );
    expect(
      thrown(() => object.map('hash_map').withSchema({ key: sixteen, value: counter })).code,
    ).toBe('SCHEMA_MISMATCH');
    const outside = {
      name: 'outside',
      size: 8,
      fields: { x: { offset: 4, type: 'u64' } },
      timestamp: null,
    };
    expect(
      thrown(() => object.map('hash_map').withSchema({ value: outside as Schema<FieldSpecs> }))
        .code,
    ).toBe('INVALID_OPTIONS');
    expect(
      thrown(() => object.map('hash_map').withSchema({} as { value: Schema<FieldSpecs> })).code,
    ).toBe('INVALID_OPTIONS');
  });

  it('checks a hand-written schema against the struct the program declared, field by field', () => {
    // percpu_array_map's value is struct triple { __u32 a, b, c } in the object's BTF.
    const swapped = defineSchema({
      name: 'triple_by_hand',
      size: 12,
      fields: {
        a: { offset: 0, type: 'u32' },
        b: { offset: 8, type: 'u32' },
        c: { offset: 4, type: 'u32' },
      },
    });
    const wrong = thrown(() => object.map('percpu_array_map').withSchema({ value: swapped }));
    expect(wrong.code).toBe('SCHEMA_MISMATCH');
    expect(wrong.message).toMatch(
      /field b \(u32\) at byte 8, where member 'b' of struct triple .* at byte 4/,
    );
    const wide = defineSchema({
      name: 'wide',
      size: 12,
      fields: { first: { offset: 0, type: 'u64' } },
    });
    expect(
      thrown(() => object.map('percpu_array_map').withSchema({ value: wide })).message,
    ).toMatch(/8 bytes wide, where member 'a' of struct triple .* 4 bytes wide/);
    // Other names are matched by offset, and fewer fields than members are fine.
    const renamed = defineSchema({
      name: 'renamed',
      size: 12,
      fields: { first: { offset: 0, type: 'u32' }, third: { offset: 8, type: 'u32' } },
    });
    const perCpu = object.map('percpu_array_map').withSchema({ value: renamed });
    perCpu.update(2, { first: 5, third: 6 });
    expect(perCpu.lookupPerCpu(2)![0]).toEqual({ first: 5, third: 6 });
  });

  it('refuses a key or value it cannot write exactly, naming the field, and writes nothing', () => {
    const counts = object.map('hash_map').withSchema({ value: counter });
    const byProcess = object.map('wide_key_map').withSchema({ key: wideKey, value: hits });
    const cases: [() => unknown, string, RegExp][] = [
      [
        () => counts.update(1, { count: -1 }),
        'INVALID_VALUE',
        /field count .* must be an integer from 0 to 18446744073709551615.*got -1/,
      ],
      [() => counts.update(1, { count: 1.5 }), 'INVALID_VALUE', /got 1\.5/],
      [() => counts.update(1, { count: 2n ** 64n }), 'INVALID_VALUE', /got 18446744073709551616n/],
      [
        () => counts.update(1, {} as { count: number }),
        'INVALID_VALUE',
        /field count .* is missing/,
      ],
      [
        () => counts.update(1, { count: 1, extra: 2 } as { count: number }),
        'INVALID_VALUE',
        /has no field extra/,
      ],
      [
        () => counts.update(1, new Uint8Array(8) as unknown as { count: number }),
        'INVALID_VALUE',
        /pass an object with its fields \(count\)/,
      ],
      [
        () => byProcess.update({ pid: 2 ** 32, comm: 'x' }, { hits: 1 }),
        'INVALID_KEY',
        /field pid .* from 0 to 4294967295/,
      ],
      [
        () => byProcess.update({ pid: 1, comm: 'thirteen-char' }, { hits: 1 }),
        'INVALID_KEY',
        /13 characters, more than its 12 bytes/,
      ],
      [
        () => byProcess.update({ pid: 1, comm: 'λ' }, { hits: 1 }),
        'INVALID_KEY',
        /not one byte \(Latin-1 only\)/,
      ],
      [
        () => byProcess.lookup({ pid: 1 } as { pid: number; comm: string }),
        'INVALID_KEY',
        /field comm .* is missing/,
      ],
      [
        () => byProcess.update({ pid: 1, comm: 'x' }, { hits: 'many' as unknown as number }),
        'INVALID_VALUE',
        /got "many"/,
      ],
    ];
    for (const [call, code, message] of cases) {
      const error = thrown(call);
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
    }
    expect([...counts.keys()]).toEqual([]);
    expect([...byProcess.keys()]).toEqual([]);
  });
});
