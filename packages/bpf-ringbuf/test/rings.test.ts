import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BpfError } from '../src/errors.js';
import { type BpfObject, openObject } from '../src/object.js';
import { benchEvent, openProgram, syscallEvent } from '../src/programs.js';
import type { BpfReader } from '../src/reader.js';
import { readRings } from '../src/rings.js';
import type { FieldSpecs } from '../src/schema.js';
import { binding, skipWithoutBpf } from './helpers/bpf.js';
import { readBatchInPlace, readBatchThroughAccessors } from './helpers/in-place.js';

const skip = skipWithoutBpf();
const twoRings = join(import.meta.dirname, '..', 'bpf', 'syscall_rings.bpf.o');
const CALLS = 2_000;

/** syscall_rings.bpf.o tracing this process: getpgid() entries in `entries`, exits in `exits`. */
function openTwoRings(ringBytes?: number): BpfObject {
  return openObject(twoRings, {
    maps: { ring: 'entries' },
    globals: { target_tgid: process.pid },
    ...(ringBytes === undefined ? {} : { ringBytes }),
  });
}

/** Every event the reader delivers until it ends, as [ring, plain object]. */
async function collect<F extends FieldSpecs>(
  reader: BpfReader<F>,
): Promise<[number, Record<string, unknown>][]> {
  const seen: [number, Record<string, unknown>][] = [];
  for await (const batch of reader)
    for (const [i, event] of batch.toObjects().entries()) seen.push([batch.ringOf(i), event]);
  return seen;
}

function thrown(body: () => unknown): BpfError {
  try {
    body();
  } catch (error) {
    return error as BpfError;
  }
  throw new Error('expected a throw');
}

describe.skipIf(skip)('several rings', () => {
  const objects: BpfObject[] = [];
  afterEach(() => {
    for (const object of objects.splice(0)) object.close();
  });
  const track = (object: BpfObject) => {
    objects.push(object);
    return object;
  };

  it('reads two ring maps of one object under one reader, each with its own schema', async () => {
    const object = track(openTwoRings());
    const exitEvent = object.schemaFromBtf('syscall_exit_event', {
      camelCase: true,
      timestamp: 'timestampNs',
    });
    const reader = object.read({
      rings: [
        { map: 'entries', schema: syscallEvent },
        { map: 'exits', schema: exitEvent },
      ],
    });
    expect(reader.rings.map(({ map, cpu }) => [map, cpu])).toEqual([
      ['entries', null],
      ['exits', null],
    ]);
    const events = collect(reader);
    binding().getpgidLoop(CALLS);
    await reader.stop();
    const seen = await events;
    const entries = seen.filter(([ring]) => ring === 0).map(([, event]) => event);
    const exits = seen.filter(([ring]) => ring === 1).map(([, event]) => event);
    expect(entries.length).toBe(CALLS);
    expect(exits.length).toBe(CALLS);
    // Each ring's batches were read with its schema: exits carry getpgid()'s return value.
    expect(entries.every((event) => event.tid === process.pid && !('ret' in event))).toBe(true);
    const returned = new Set(exits.map((event) => event.ret));
    expect(returned.size).toBe(1);
    expect(Number([...returned][0])).toBeGreaterThan(0); // this process's group
    expect(exits.every((event) => event.tid === process.pid)).toBe(true);
    const [entryStats, exitStats] = reader.ringStats();
    expect(entryStats).toMatchObject({ map: 'entries', events: CALLS, bytes: CALLS * 24 });
    expect(exitStats).toMatchObject({ map: 'exits', events: CALLS, bytes: CALLS * 32 });
    expect(entryStats!.droppedEvents + exitStats!.droppedEvents).toBe(0);
    expect(reader.stats().events).toBe(2 * CALLS);
  });

  it('consumes one ring on its own while another reader takes the other ring', async () => {
    const object = track(openTwoRings());
    const entryReader = object.read({ rings: ['entries'], schema: syscallEvent });
    const exitReader = object.read({
      rings: [{ map: 'exits', schema: object.schemaFromBtf('syscall_exit_event') }],
    });
    const entries = collect(entryReader);
    const exits = collect(exitReader);
    binding().getpgidLoop(CALLS);
    await entryReader.stop();
    // The exits reader runs on alone, and a stopped reader's ring is free to read again.
    binding().getpgidLoop(CALLS);
    await exitReader.stop();
    expect((await entries).length).toBe(CALLS);
    expect((await exits).length).toBe(2 * CALLS);
    const again = object.read({ rings: ['entries'], schema: syscallEvent });
    await again.stop();
  });

  it('gives a ring one reader at a time, naming the ring', () => {
    const object = track(openTwoRings());
    object.read({ rings: ['entries', 'exits'] });
    const error = thrown(() => object.read({ rings: ['exits'] }));
    expect(error.code).toBe('INVALID_OPTIONS');
    expect(error.message).toMatch(/ring map 'exits' of .* already has a reader/);
  });

  it('reads rings of several objects under one reader: per-CPU rings and a ringbuf', async () => {
    const bench = track(openProgram('bench', { targetPid: process.pid }));
    const object = track(openTwoRings());
    const reader = readRings([
      { object: bench, map: 'ringkit_rings', schema: benchEvent },
      { object, map: 'entries', schema: syscallEvent },
    ]);
    const cpus = binding().possibleCpus();
    // The bench program's per-CPU rings first, index = CPU, then the other object's ring.
    expect(reader.rings.map(({ map, cpu, index }) => [map, cpu, index])).toEqual([
      ...Array.from({ length: cpus }, (_, cpu) => ['ringkit_rings', cpu, cpu]),
      ['entries', null, cpus],
    ]);
    const events = collect(reader);
    binding().getpgidLoop(CALLS);
    await reader.stop();
    const seen = await events;
    const fromBench = seen.filter(([ring]) => ring < cpus);
    const fromEntries = seen.filter(([ring]) => ring === cpus);
    expect(fromBench.length).toBe(CALLS);
    expect(fromEntries.length).toBe(CALLS);
    // Each bench event came from the ring of the CPU that wrote it.
    expect(fromBench.every(([ring, event]) => event.cpu === ring && 'index' in event)).toBe(true);
    const stats = reader.ringStats();
    expect(stats.slice(0, cpus).reduce((sum, ring) => sum + ring.events, 0)).toBe(CALLS);
    expect(stats[cpus]).toMatchObject({ object: twoRings, map: 'entries', events: CALLS });
  });

  it('counts kernel drops per ring from each ring’s drops map', async () => {
    // 4 KiB of entries hold 127 records of 32 bytes (24 + an 8-byte header: the kernel keeps
    // a full ring one byte short); exits keep 256 KiB.
    const object = track(openTwoRings(4096));
    const reader = object.read({
      rings: [
        { map: 'entries', schema: syscallEvent, drops: 'entry_drops' },
        { map: 'exits', drops: 'exit_drops' },
      ],
    });
    reader.pause();
    binding().getpgidLoop(1_000);
    const events = collect(reader);
    reader.resume();
    await reader.stop();
    await events;
    const [entries, exits] = reader.ringStats();
    expect(entries!.events).toBe(127);
    expect(entries!.kernelDropped).toBe(1_000 - 127);
    expect(exits!.events).toBe(1_000);
    expect(exits!.kernelDropped).toBe(0);
    // After close() the drops read as they were then: the maps are gone.
    object.close();
    expect(reader.ringStats().map((ring) => ring.kernelDropped)).toEqual([1_000 - 127, 0]);
  });

  it('refuses what is not a ring, an unknown map and a merge of two event types, with one sentence', () => {
    const object = track(openTwoRings());
    expect(thrown(() => object.read({ rings: ['entry_drops'] }))).toMatchObject({
      code: 'INVALID_OPTIONS',
      message: expect.stringMatching(/map 'entry_drops' is a percpu_array map, not a ring/),
    });
    expect(thrown(() => object.read({ rings: ['nope'] })).code).toBe('UNKNOWN_MAP');
    expect(
      thrown(() =>
        object.read({
          rings: [{ map: 'entries' }, { map: 'exits', schema: benchEvent }],
          schema: syscallEvent,
          merge: true,
          btfStruct: false,
        }),
      ).message,
    ).toMatch(/merge needs one schema for every ring/);
    expect(thrown(() => readRings([])).code).toBe('INVALID_OPTIONS');
    expect(
      thrown(() => readRings([{ object, map: 'entries' }], { rings: ['exits'] })).message,
    ).toMatch(/readRings takes its rings as its first argument/);
    // None of these left a ring taken.
    object.read({ rings: ['entries', 'exits'] });
  });

  it('merges the rings of several objects into one timestamp order', async () => {
    const first = track(openTwoRings());
    const second = track(openTwoRings());
    const reader = readRings(
      [
        { object: first, map: 'entries' },
        { object: second, map: 'entries' },
      ],
      { schema: syscallEvent, merge: { slackMs: 5 } },
    );
    const events = collect(reader);
    binding().getpgidLoop(CALLS);
    await reader.stop();
    const seen = await events;
    expect(seen.length).toBe(2 * CALLS);
    expect(seen.filter(([ring]) => ring === 0).length).toBe(CALLS);
    const stamps = seen.map(([, event]) => Number(event.timestampNs));
    expect(stamps.every((stamp, i) => i === 0 || stamp >= stamps[i - 1]!)).toBe(true);
  });

  it('reads merged batches and batches without a schema in place, as get and toObjects() read them', async () => {
    const first = track(openTwoRings());
    const second = track(openTwoRings());
    const merged = readRings(
      [
        { object: first, map: 'entries' },
        { object: second, map: 'entries' },
      ],
      { schema: syscallEvent, merge: { slackMs: 5 } },
    );
    const exits = first.read({ rings: [{ map: 'exits' }] }); // no schema: one event per record
    let mergedEvents = 0;
    let exitEvents = 0;
    const mergedDone = merged.onBatch((batch) => {
      expect(batch.merged).toBe(true);
      expect(readBatchInPlace(batch)).toEqual(batch.toObjects());
      expect(readBatchInPlace(batch)).toEqual(readBatchThroughAccessors(batch));
      mergedEvents += batch.offsets.length;
    });
    const exitsDone = exits.onBatch((batch) => {
      expect(batch.schema).toBeNull();
      expect(readBatchInPlace(batch)).toEqual(readBatchThroughAccessors(batch));
      exitEvents += batch.offsets.length;
    });
    binding().getpgidLoop(CALLS);
    await Promise.all([merged.stop(), exits.stop()]);
    await Promise.all([mergedDone, exitsDone]);
    expect(mergedEvents).toBe(2 * CALLS);
    expect(exitEvents).toBe(CALLS);
  });
});
