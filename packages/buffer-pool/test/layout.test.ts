import { describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import { bufferId } from '../src/blocks.js';
import * as control from '../src/control.js';
import { nativeBinding, nativeUnavailableReason } from '../src/native.js';
import { ENTRY_BYTES } from '../src/queues.js';
import { RECORD_HEADER_BYTES } from '../src/records.js';
import { inputOf, type QueueName, queueCode } from '../src/wake.js';

/** Every numeric constant of src/control.ts, flattened as "Group.NAME" (and "Counter.role.name"). */
function tsConstants(): Record<string, number> {
  const flat: Record<string, number> = {};
  const visit = (prefix: string, value: unknown) => {
    if (typeof value === 'number') flat[prefix] = value;
    else if (typeof value === 'object' && value !== null)
      for (const [field, fieldValue] of Object.entries(value))
        visit(`${prefix}.${field}`, fieldValue);
  };
  for (const [name, value] of Object.entries(control))
    if (typeof value !== 'function') visit(name, value);
  return flat;
}

/** The constants C++ names that control.ts keeps private or other modules define. */
const EXTRAS = [
  'COUNTERS_OFFSET',
  'NO_LOW_MARK',
  'RECORD_HEADER_BYTES',
  'ENTRY_BYTES',
  'BLOCK_SHIFT',
  'INDEX_MASK',
];

describe('the control block, in both languages', () => {
  const native = nativeBinding();
  const skip = requireOrSkip(
    native !== null,
    `the native addon is not built: ${nativeUnavailableReason()}`,
  );

  it.skipIf(skip)('TypeScript and C++ agree on every constant and word index of control.ts', () => {
    const cpp = native!.layout();
    const ts = tsConstants();
    expect(Object.keys(ts).length).toBeGreaterThan(30);
    expect(Object.keys(cpp).sort()).toEqual([...Object.keys(ts), ...EXTRAS].sort());
    for (const [name, value] of Object.entries(ts))
      expect({ name, value: cpp[name] }).toEqual({ name, value });
  });

  it.skipIf(skip)('C++ puts the counters where RoleLine writes them', () => {
    const line = new control.Control(control.initialiseControl(1, 4)).line('producer', 0);
    line.add(0, 1);
    const bytes = new Float64Array(line.control.buffer);
    const written = bytes.indexOf(1) * 8;
    expect(written - line.line * control.LINE_BYTES).toBe(native!.layout()['COUNTERS_OFFSET']);
  });

  it.skipIf(skip)('C++ starts from the low mark initialiseControl writes', () => {
    const line = new control.Control(control.initialiseControl(2, 4)).line('producer', 1);
    expect(line.word(control.RoleWord.LOW_MARK)).toBe(native!.layout()['NO_LOW_MARK']);
  });

  it.skipIf(skip)(
    'C++ reads records, queue entries and buffer ids as TypeScript writes them',
    () => {
      const cpp = native!.layout();
      expect(cpp['RECORD_HEADER_BYTES']).toBe(RECORD_HEADER_BYTES);
      expect(cpp['ENTRY_BYTES']).toBe(ENTRY_BYTES);
      expect(bufferId(1, 0)).toBe(2 ** cpp['BLOCK_SHIFT']!);
      expect(bufferId(0, 0xffff)).toBe(cpp['INDEX_MASK']);
    },
  );

  it.skipIf(skip)('C++ finds every role line and sizes the block as control.ts does', () => {
    for (const lanes of [1, 2, 3, 64]) {
      const geometry = native!.controlGeometry(lanes);
      expect(geometry.byteLength).toBe(control.controlByteLength(lanes));
      for (const kind of ['producer', 'drain', 'collector'] as const)
        expect(geometry[kind]).toEqual(
          Array.from({ length: lanes }, (_, lane) => control.roleLine(kind, lane, lanes)),
        );
      expect(geometry.replenish).toBe(control.roleLine('replenish', 0, lanes));
    }
  });

  it.skipIf(skip)('C++ reads the wake table and its queue codes as wake.ts writes them', () => {
    for (const lanes of [1, 2, 3, 64]) {
      const geometry = native!.controlGeometry(lanes);
      expect(geometry.wakeTableWords).toEqual(
        geometry.wakeTableWords.map((_, line) => control.wakeTableWord(line, lanes)),
      );
      expect(geometry.wakeTableWords.length).toBe(geometry.replenish + 1);
      geometry.queueCodes.forEach((codes, lane) => {
        for (const [name, code] of Object.entries(codes))
          expect({ lane, name, code }).toEqual({
            lane,
            name,
            code: queueCode({ lane, name: name as QueueName }),
          });
      });
      expect(geometry.queueCodes.length).toBe(lanes);
      for (const kind of ['producer', 'drain', 'collector'] as const)
        expect(geometry.inputCodes[kind]).toEqual(
          Array.from({ length: lanes }, (_, lane) => queueCode(inputOf(kind, lane))),
        );
      expect(geometry.inputCodes.replenish).toBe(queueCode(inputOf('replenish', 0)));
    }
  });

  it('writes "POOL" as the first four bytes', () => {
    const bytes = new Uint8Array(new Uint32Array([control.CONTROL_MAGIC]).buffer);
    expect(String.fromCharCode(...bytes)).toBe('POOL');
  });
});
