import { layout as ringLayout } from '@ringkit/spsc-ring';
import { describe, expect, it } from 'vitest';
import { expectSameLayout, layoutConstants } from '../../../test-support/layout-agreement.js';
import { requireOrSkip } from '../../../test-support/skip.js';
import { bufferId } from '../src/blocks.js';
import { Control, initialiseControl } from '../src/control.js';
import * as layout from '../src/layout.js';
import { nativeBinding, nativeUnavailableReason } from '../src/native.js';
import { createQueue, openSender } from '../src/queues.js';
import { RECORD_HEADER_BYTES, recordSpan } from '../src/records.js';
import { inputOf, type QueueName, queueCode } from '../src/wake.js';

const laneRoles = Object.keys(layout.LaneRole) as (keyof typeof layout.LaneRole)[];

describe('the layout, in both languages', () => {
  const native = nativeBinding();
  const skip = requireOrSkip(
    native !== null,
    `the native addon is not built: ${nativeUnavailableReason()}`,
  );

  it.skipIf(skip)('TypeScript and C++ name the same constants, with the same values', () => {
    // Nested groups flatten as the lists name them: "Counter.producer.records".
    expectSameLayout(layoutConstants(layout), native!.layout(), 51);
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
