import { layout as ringLayout } from '@ringkit/spsc-ring';
import { describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import { bufferId } from '../src/blocks.js';
import { Control, initialiseControl } from '../src/control.js';
import * as layout from '../src/layout.js';
import { nativeBinding, nativeUnavailableReason } from '../src/native.js';
import { createQueue, openSender } from '../src/queues.js';
import { RECORD_HEADER_BYTES, recordSpan } from '../src/records.js';
import { inputOf, type QueueName, queueCode } from '../src/wake.js';

/**
 * Every numeric constant of src/layout.ts, flattened as "NAME", "Group.NAME", or
 * "Counter.role.name" for the counter groups: the names layout.hpp's lists give them.
 */
function tsConstants(): Record<string, number> {
  const flat: Record<string, number> = {};
  const visit = (name: string, value: unknown) => {
    if (typeof value === 'number') flat[name] = value;
    else if (typeof value === 'object' && value !== null)
      for (const [field, fieldValue] of Object.entries(value))
        visit(`${name}.${field}`, fieldValue);
  };
  for (const [name, value] of Object.entries(layout)) visit(name, value);
  return flat;
}

const laneRoles = Object.keys(layout.LaneRole) as (keyof typeof layout.LaneRole)[];

describe('the layout, in both languages', () => {
  const native = nativeBinding();
  const skip = requireOrSkip(
    native !== null,
    `the native addon is not built: ${nativeUnavailableReason()}`,
  );

  it.skipIf(skip)('TypeScript and C++ name the same constants, with the same values', () => {
    const cpp = native!.layout();
    const ts = tsConstants();
    expect(Object.keys(ts).length).toBeGreaterThan(50);
    // Both ways, so a constant added to one language alone is named in the failure.
    const onlyInTypeScript = Object.keys(ts).filter((name) => !(name in cpp));
    const onlyInCpp = Object.keys(cpp).filter((name) => !(name in ts));
    expect({ onlyInTypeScript, onlyInCpp }).toEqual({ onlyInTypeScript: [], onlyInCpp: [] });
    for (const [name, value] of Object.entries(ts))
      expect({ name, value: cpp[name] }).toEqual({ name, value });
  });

  it.skipIf(skip)('C++ puts the counters where RoleLine writes them', () => {
    const line = new Control(initialiseControl(1, 4)).line('producer', 0);
    line.add(0, 1);
    const bytes = new Float64Array(line.control.buffer);
    const written = bytes.indexOf(1) * 8;
    expect(written - line.line * layout.LINE_BYTES).toBe(native!.layout()['COUNTERS_OFFSET']);
  });

  it.skipIf(skip)('C++ starts from the low mark initialiseControl writes', () => {
    const line = new Control(initialiseControl(2, 4)).line('producer', 1);
    expect(line.word(layout.RoleWord.LOW_MARK)).toBe(native!.layout()['NO_LOW_MARK']);
  });

  it.skipIf(skip)(
    'C++ reads records, queue entries and buffer ids as TypeScript writes them',
    () => {
      const cpp = native!.layout();
      expect(RECORD_HEADER_BYTES).toBe(cpp['Record.HEADER_BYTES']);
      expect(recordSpan(1)).toBe(cpp['Record.HEADER_BYTES']! + cpp['Record.ALIGNMENT']!);
      const queue = createQueue('spsc', 8, 'process');
      const descriptor = new Uint32Array(queue.buffer, 0, ringLayout.HEADER_BYTES >> 2);
      expect(descriptor[ringLayout.Descriptor.RECORD_SIZE >> 2]).toBe(cpp['Entry.BYTES']);
      openSender(queue).tryPush(0xabcd, 40);
      const entry = new DataView(queue.buffer, ringLayout.DATA_OFFSET);
      expect(entry.getUint32(cpp['Entry.ID']!, true)).toBe(0xabcd);
      expect(entry.getUint32(cpp['Entry.LENGTH']!, true)).toBe(40);
      expect(bufferId(1, 0)).toBe(2 ** cpp['BufferId.BLOCK_SHIFT']!);
      expect(bufferId(0, 0xffff)).toBe(cpp['BufferId.INDEX_MASK']);
    },
  );

  it.skipIf(skip)('C++ finds every role line and sizes the block as layout.ts does', () => {
    for (const lanes of [1, 2, 3, 64]) {
      const geometry = native!.controlGeometry(lanes);
      expect(geometry.byteLength).toBe(layout.controlByteLength(lanes));
      for (const kind of laneRoles)
        expect(geometry[kind]).toEqual(
          Array.from({ length: lanes }, (_, lane) => layout.roleLine(kind, lane, lanes)),
        );
      expect(geometry.replenish).toBe(layout.roleLine('replenish', 0, lanes));
    }
  });

  it.skipIf(skip)('C++ reads the wake table and its queue codes as wake.ts writes them', () => {
    for (const lanes of [1, 2, 3, 64]) {
      const geometry = native!.controlGeometry(lanes);
      expect(geometry.wakeTableWords).toEqual(
        geometry.wakeTableWords.map((_, line) => layout.wakeTableWord(line, lanes)),
      );
      expect(geometry.wakeTableWords.length).toBe(geometry.replenish + 1);
      geometry.queueCodes.forEach((codes, lane) => {
        expect(Object.keys(codes).sort()).toEqual(Object.keys(layout.LaneQueue).sort());
        for (const [name, code] of Object.entries(codes))
          expect({ lane, name, code }).toEqual({
            lane,
            name,
            code: queueCode({ lane, name: name as QueueName }),
          });
      });
      expect(geometry.queueCodes.length).toBe(lanes);
      for (const kind of laneRoles)
        expect(geometry.inputCodes[kind]).toEqual(
          Array.from({ length: lanes }, (_, lane) => queueCode(inputOf(kind, lane))),
        );
      expect(geometry.inputCodes.replenish).toBe(queueCode(inputOf('replenish', 0)));
    }
  });

  it("keeps every role's words before its counters, and every counter on its line", () => {
    const ends = (indices: object) => Math.max(...(Object.values(indices) as number[])) * 4 + 4;
    expect(ends(layout.PoolWord)).toBeLessThanOrEqual(layout.LINE_BYTES);
    expect(ends(layout.RoleWord)).toBeLessThanOrEqual(layout.COUNTERS_OFFSET);
    expect(layout.COUNTERS_OFFSET % 8).toBe(0);
    for (const slots of Object.values(layout.Counter))
      for (const slot of Object.values(slots)) expect(slot).toBeLessThan(layout.COUNTERS_PER_LINE);
  });

  it('writes "POOL" as the first four bytes', () => {
    const bytes = new Uint8Array(new Uint32Array([layout.CONTROL_MAGIC]).buffer);
    expect(String.fromCharCode(...bytes)).toBe('POOL');
  });
});
