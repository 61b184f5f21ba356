import { constants } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { createBufferPool, PoolError, type PoolOptions } from '../src/index.js';

function refusal(options: PoolOptions): PoolError {
  try {
    createBufferPool(options);
  } catch (error) {
    expect(error).toBeInstanceOf(PoolError);
    expect((error as PoolError).code).toBe('INVALID_OPTIONS');
    return error as PoolError;
  }
  throw new Error(`createBufferPool accepted ${JSON.stringify(options)}`);
}

describe('bad configuration is refused with one sentence', () => {
  it('0 lanes', () => {
    expect(refusal({ lanes: 0, bufferSize: 64 }).message).toBe(
      'lanes must be an integer from 1 to 64, lanes=0.',
    );
  });

  it('buffer size 0', () => {
    expect(refusal({ lanes: 1, bufferSize: 0 }).message).toBe(
      'bufferSize must be a positive number of bytes, bufferSize=0.',
    );
  });

  it('buffer size not a multiple of 8, with the nearest size that works', () => {
    expect(refusal({ lanes: 1, bufferSize: 100 }).message).toBe(
      'bufferSize must be a multiple of 8 so records stay 8-byte aligned, bufferSize=100; try 104.',
    );
  });

  it('watermarks inverted', () => {
    expect(
      refusal({ lanes: 1, bufferSize: 64, buffersPerBlock: 32, lowWatermark: 10, highWatermark: 4 })
        .message,
    ).toBe(
      'highWatermark (4) must be an integer above lowWatermark (10): replenish tops lanes up from low to high.',
    );
  });

  it('a block larger than the platform allows', () => {
    const message = refusal({ lanes: 1, bufferSize: 1 << 20, buffersPerBlock: 1 << 16 }).message;
    expect(message).toBe(
      `a block of 65536 buffers × 1048576 bytes = ${2 ** 36} bytes is larger than this platform's largest SharedArrayBuffer (${constants.MAX_LENGTH} bytes); use fewer buffers per block.`,
    );
  });

  it('fewer initial buffers than lanes', () => {
    expect(refusal({ lanes: 4, bufferSize: 64, buffersPerBlock: 2 }).message).toBe(
      '2 initial buffers cannot seed 4 lanes; raise initialBlocks or buffersPerBlock to at least one buffer per lane.',
    );
  });

  it('maxBlocks below initialBlocks, unknown policy, unknown wait domain', () => {
    expect(refusal({ lanes: 1, bufferSize: 64, initialBlocks: 3, maxBlocks: 2 }).message).toBe(
      'maxBlocks (2) must be at least initialBlocks (3).',
    );
    expect(refusal({ lanes: 1, bufferSize: 64, fullPolicy: 'wait' as 'drop' }).message).toBe(
      "fullPolicy must be 'drop' or 'block', fullPolicy=wait.",
    );
    expect(refusal({ lanes: 1, bufferSize: 64, waitDomain: 'thread' as 'os' }).message).toBe(
      "waitDomain must be 'process' or 'os', waitDomain=thread.",
    );
  });
});

describe('creation', () => {
  it('seeds the initial buffers evenly across lanes', () => {
    const pool = createBufferPool({
      lanes: 3,
      bufferSize: 64,
      buffersPerBlock: 10,
      initialBlocks: 3,
    });
    const stats = pool.stats();
    expect(stats.lanes.map((lane) => lane.recycled)).toEqual([10, 10, 10]);
    expect(stats.buffers).toBe(30);
    expect(pool.conservationCheck()).toMatchObject({
      consistent: true,
      ok: true,
      allocated: 30,
      recycled: 30,
    });
  });

  it('tells a tracker about the initial blocks', () => {
    const registered: number[][] = [];
    createBufferPool({
      lanes: 1,
      bufferSize: 64,
      buffersPerBlock: 4,
      initialBlocks: 2,
      device: 3,
      tracker: { register: (device, bytes, id) => registered.push([device, bytes, id]) },
    });
    expect(registered).toEqual([
      [3, 256, 0],
      [3, 256, 1],
    ]);
  });
});
