import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkSchema, schemaFromStruct } from '../src/btf.js';
import type { RawBtfMember, RawBtfStruct } from '../src/native-binding.js';
import { type BpfObject, openObject, schemaFromBtf } from '../src/object.js';
import { programs, syscallEvent } from '../src/programs.js';
import { defineSchema } from '../src/schema.js';
import { binding, skipWithoutBpf } from './helpers/bpf.js';
import { thrown } from './helpers/thrown.js';

const skip = skipWithoutBpf();
const btfObject = join(import.meta.dirname, 'fixtures', 'btf_types.bpf.o');

function member(name: string, byte: number, rest: Partial<RawBtfMember>): RawBtfMember {
  return {
    name,
    bitOffset: byte * 8,
    bitSize: 0,
    kind: 'int',
    size: 4,
    signed: false,
    length: 0,
    elementKind: '',
    elementSize: 0,
    typeName: '__u32',
    ...rest,
  };
}

describe('schemas from BTF structs (no kernel needed)', () => {
  const struct: RawBtfStruct = {
    name: 'event',
    size: 16,
    members: [
      member('ts_ns', 0, { size: 8, typeName: '__u64' }),
      member('pid', 8, {}),
      member('delta', 12, { signed: true, typeName: 'int' }),
    ],
  };

  it('maps members to fields, camelCased on request, with the timestamp named', () => {
    expect(schemaFromStruct(struct, { camelCase: true, timestamp: 'tsNs' })).toEqual(
      defineSchema({
        name: 'event',
        size: 16,
        timestamp: 'tsNs',
        fields: {
          tsNs: { offset: 0, type: 'u64' },
          pid: { offset: 8, type: 'u32' },
          delta: { offset: 12, type: 'i32' },
        },
      }),
    );
  });

  it('accepts a schema that agrees, names the field that does not', () => {
    const fields = {
      tsNs: { offset: 0, type: 'u64' },
      pid: { offset: 8, type: 'u32' },
      delta: { offset: 12, type: 'i32' },
    } as const;
    checkSchema(defineSchema({ name: 'event', size: 16, fields }), struct);
    const narrow = thrown(() =>
      checkSchema(
        defineSchema({
          name: 'event',
          size: 16,
          fields: { ...fields, pid: { offset: 8, type: 'u16' } },
        }),
        struct,
      ),
    );
    expect(narrow.code).toBe('SCHEMA_MISMATCH');
    expect(narrow.message).toMatch(/field pid \(u16\) at byte 8, 2 bytes wide.*4 bytes wide/);
    // Not named after a member, and no member starts there.
    const nowhere = thrown(() =>
      checkSchema(
        defineSchema({ name: 'event', size: 16, fields: { other: { offset: 4, type: 'u32' } } }),
        struct,
      ),
    );
    expect(nowhere.message).toMatch(/field other \(u32\) at byte 4, where no member/);
  });
});

describe.skipIf(skip)('schemas from the object BTF', () => {
  let object: BpfObject | undefined;
  afterEach(() => object?.close());

  function openFixture(): BpfObject {
    object = openObject(btfObject, {
      maps: { ring: 'events' },
      globals: { target_pid: process.pid },
    });
    return object;
  }

  it('builds the schema the package ships for struct ringkit_syscall_event', () => {
    const built = schemaFromBtf(openFixture(), 'ringkit_syscall_event', {
      name: 'syscall',
      camelCase: true,
      timestamp: 'timestampNs',
    });
    expect(built).toEqual(syscallEvent);
  });

  it('maps every supported type, through typedefs, const and enums', () => {
    const built = openFixture().schemaFromBtf('all_types');
    expect(built).toEqual(
      defineSchema({
        name: 'all_types',
        size: 56,
        fields: {
          small: { offset: 0, type: 'u8' },
          flags: { offset: 1, type: 'u8' },
          port: { offset: 2, type: 'u16' },
          pid: { offset: 4, type: 'u32' },
          delta: { offset: 8, type: 'i32' },
          count: { offset: 16, type: 'u64' },
          balance: { offset: 24, type: 'i64' },
          ratio: { offset: 32, type: 'f64' },
          comm: { offset: 40, type: 'char[8]' },
          state: { offset: 48, type: 'u32' },
          tag: { offset: 52, type: 'char[2]' },
        },
      }),
    );
  });

  it('names the member and type no field can hold; omit leaves it out', () => {
    const opened = openFixture();
    const cases = [
      ['with_bitfield', /member 'kind' \(__u32, at byte 0\) is a 4-bit bitfield/],
      ['with_pointer', /member 'name' \(const char \*, at byte 8\) is a pointer/],
      ['with_union', /member 'value' \(union \(anon\), at byte 4\) is a union/],
      ['with_s16', /member 'b' \(__s16, at byte 2\) is a 2-byte signed integer/],
    ] as const;
    for (const [struct, message] of cases) {
      const error = thrown(() => opened.schemaFromBtf(struct));
      expect(error.code).toBe('UNSUPPORTED_BTF_TYPE');
      expect(error.message).toMatch(message);
    }
    expect(opened.schemaFromBtf('with_pointer', { omit: ['name'] })).toEqual(
      defineSchema({ name: 'with_pointer', size: 16, fields: { id: { offset: 0, type: 'u64' } } }),
    );
    expect(thrown(() => opened.schemaFromBtf('no_such_struct')).code).toBe('UNKNOWN_STRUCT');
  });

  it('checks a hand-written schema against the struct of its name', async () => {
    const opened = openFixture();
    const fields = {
      timestamp_ns: { offset: 0, type: 'u64' },
      cpu: { offset: 8, type: 'u32' },
      pid: { offset: 16, type: 'u32' },
    } as const;
    const wrongOffset = thrown(() =>
      opened.read({
        schema: defineSchema({ name: 'ringkit_syscall_event', size: 24, fields }),
      }),
    );
    expect(wrongOffset.code).toBe('SCHEMA_MISMATCH');
    expect(wrongOffset.message).toMatch(
      /schema "ringkit_syscall_event" puts field pid \(u32\) at byte 16, where member 'pid' of struct ringkit_syscall_event in the object's BTF is __u32 at byte 12/,
    );
    const wrongSize = thrown(() =>
      opened.read({
        schema: defineSchema({ name: 'syscall', size: 32, fields: syscallEvent.fields }),
        btfStruct: 'ringkit_syscall_event',
      }),
    );
    expect(wrongSize.code).toBe('SCHEMA_MISMATCH');
    expect(wrongSize.message).toMatch(/says an event is 32 bytes, where .* is 24 bytes/);
    expect(thrown(() => opened.read({ schema: syscallEvent, btfStruct: 'nope' })).code).toBe(
      'UNKNOWN_STRUCT',
    );
    // The shipped schema agrees with the struct (camelCase fields match snake_case members).
    const agreed = opened.read({ schema: syscallEvent, btfStruct: 'ringkit_syscall_event' });
    await agreed.stop();
  });

  it('delivers events through a schema built from the BTF', async () => {
    const opened = openFixture();
    const schema = opened.schemaFromBtf('ringkit_syscall_event', { timestamp: 'timestamp_ns' });
    // The schema is named after the struct: read() checks it, and it agrees.
    const reader = opened.read({ schema });
    const events: Record<string, number | string>[] = [];
    const consumed = reader.onBatch((batch) => {
      for (const event of batch.toObjects()) events.push(event);
    });
    const load = binding().startSyscallLoad({ cpus: [-1], callsPerThread: 50, ratePerSecond: 0 });
    const { tids } = await load.done;
    await reader.stop();
    await consumed;
    expect(events).toHaveLength(50);
    for (const event of events) {
      expect(event.pid).toBe(process.pid);
      expect(event.tid).toBe(tids[0]);
      expect(event.syscall_nr).toBe(binding().abi()['syscall.getpgid']);
      expect(event.timestamp_ns).toBeGreaterThan(0);
    }
  });
});

describe.skipIf(skip)('the shipped objects’ event structs', () => {
  let opened: BpfObject | undefined;
  afterEach(() => opened?.close());

  const structs = {
    syscalls: 'ringkit_syscall_event',
    'sched-switch': 'ringkit_sched_switch_event',
    bench: 'ringkit_bench_event',
  } as const;
  for (const [name, struct] of Object.entries(structs) as [keyof typeof structs, string][]) {
    it(`${name}: schemaFromBtf builds the schema the package ships from struct ${struct}`, () => {
      const { objectPath, schema } = programs[name];
      opened = openObject(objectPath, { programs: [] });
      expect(
        schemaFromBtf(opened, struct, {
          camelCase: true,
          timestamp: 'timestampNs',
          name: schema.name,
        }),
      ).toEqual(schema);
    });
  }

  it('syscall_rings: both rings’ structs, the exit event’s i64 return value included', () => {
    opened = openObject(join(import.meta.dirname, '..', 'bpf', 'syscall_rings.bpf.o'), {
      maps: { ring: null },
      programs: [],
    });
    expect(schemaFromBtf(opened, 'ringkit_syscall_event', { camelCase: true }).size).toBe(24);
    const exit = schemaFromBtf(opened, 'syscall_exit_event', { camelCase: true });
    expect(exit.size).toBe(32);
    expect(exit.fields.ret).toEqual({ offset: 24, type: 'i64' });
  });
});
