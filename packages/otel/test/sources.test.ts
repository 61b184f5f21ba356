import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBufferPool } from '@ringkit/buffer-pool';
import { AllocationTracker, TrackingServer } from '@ringkit/buffer-pool/tracking';
import { nativeUnavailableReason, openRing } from '@ringkit/metal-cmdring';
import { afterEach, describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import { pointValue, testMetrics } from './collect.js';

const opened: ReturnType<typeof testMetrics>[] = [];
afterEach(async () => {
  for (const test of opened.splice(0)) await test.close();
});
function setUp() {
  const test = testMetrics();
  opened.push(test);
  return test;
}

describe('a buffer pool', () => {
  it("reports each lane's buffers by state, its records and drops, and conservation", async () => {
    const pool = createBufferPool({ lanes: 2, bufferSize: 4096, buffersPerBlock: 8 });
    const { metrics, collect } = setUp();
    metrics.observePool('capture', pool);
    pool.drain(0).step(); // lane 0's recycled buffers become free; lane 1 has none free
    const record = new Uint8Array(100);
    for (const lane of [0, 1]) {
      const producer = pool.producer(lane);
      for (let i = 0; i < 50; i++) producer.write(record);
      producer.close();
    }
    const stats = pool.stats().lanes;
    const points = await collect();
    for (const lane of [0, 1]) {
      const where = { 'ringkit.pool': 'capture', 'ringkit.lane': lane };
      expect(pointValue(points, 'ringkit.pool.records.produced', where)).toBe(stats[lane]!.records);
      expect(pointValue(points, 'ringkit.pool.records.dropped', where)).toBe(
        stats[lane]!.droppedRecords,
      );
      for (const [state, field] of [
        ['free', 'free'],
        ['ready', 'ready'],
        ['recycled', 'recycled'],
        ['in_collector', 'inCollector'],
      ] as const)
        expect(
          pointValue(points, 'ringkit.pool.buffers', { ...where, 'ringkit.buffer.state': state }),
          `lane ${lane} ${state}`,
        ).toBe(stats[lane]![field]);
    }
    expect(stats[0]!.records).toBe(50);
    expect(stats[1]!.droppedRecords).toBe(50);
    expect(pointValue(points, 'ringkit.pool.conservation', { 'ringkit.pool': 'capture' })).toBe(1);
    expect(
      pointValue(points, 'ringkit.pool.buffers.allocated', { 'ringkit.pool': 'capture' }),
    ).toBe(8);
  });
});

describe('the tracking server', () => {
  it('reports live and peak bytes per device, and refused connections', async () => {
    const socketPath = join(tmpdir(), `ringkit-otel-${process.pid}.sock`);
    const server = await TrackingServer.listen(socketPath, { maxConnections: 1 });
    const tracker = new AllocationTracker({ socketPath });
    try {
      const { metrics, collect } = setUp();
      metrics.observeTrackingServer('host', server);
      tracker.alloc(3, 65_536, 1);
      tracker.alloc(3, 4_096, 2);
      tracker.free(3, 1);
      await tracker.flush();
      // A second connection while the tracker holds the only one is refused and counted.
      const extra = connect(socketPath);
      await new Promise((resolve) => extra.once('close', resolve));
      await expect.poll(() => server.snapshot().connections.refused, { timeout: 5_000 }).toBe(1);
      const points = await collect();
      const device = { 'ringkit.tracking_server': 'host', 'ringkit.device': '3' };
      expect(pointValue(points, 'ringkit.tracking.memory.live', device)).toBe(4_096);
      expect(pointValue(points, 'ringkit.tracking.memory.peak', device)).toBe(69_632);
      expect(pointValue(points, 'ringkit.tracking.allocations', device)).toBe(2);
      expect(pointValue(points, 'ringkit.tracking.memory.live', device)).toBe(
        server.snapshot().devices['3']!.liveBytes,
      );
      const host = { 'ringkit.tracking_server': 'host' };
      expect(pointValue(points, 'ringkit.tracking.connections.refused', host)).toBe(1);
      expect(pointValue(points, 'ringkit.tracking.connections.idle_timeouts', host)).toBe(0);
      expect(pointValue(points, 'ringkit.tracking.connections.open', host)).toBe(1);
      expect(points.get('ringkit.tracking.memory.live')![0]!.unit).toBe('By');
    } finally {
      await tracker.close();
      await server.close();
    }
  });
});

describe('a command ring (cpu backend)', () => {
  const skip = requireOrSkip(
    nativeUnavailableReason() === '',
    `metal-cmdring's addon is missing: ${nativeUnavailableReason()}`,
  );
  it.skipIf(skip)('reports acquisitions, waits, wait time and fences', async () => {
    const ring = openRing({ backend: 'cpu', ringSize: 1, timeoutMs: 5_000 });
    try {
      const { metrics, collect } = setUp();
      metrics.observeCommandRing('decode', ring);
      let last: Promise<unknown> | undefined;
      for (let step = 0; step < 4; step++) {
        const slot = await ring.acquire(); // a ring of 1: every acquisition after the first waits
        // Long enough that the next acquire comes while this command runs: at 500 µs a cold
        // first pass through commit and acquire outlasted it in about one run of fifteen,
        // and then no acquire waited.
        slot.busyFor(20_000);
        last = ring.commit(slot);
      }
      await last;
      const stats = ring.stats();
      const points = await collect();
      const where = { 'ringkit.command_ring': 'decode' };
      expect(pointValue(points, 'ringkit.command_ring.acquisitions', where)).toBe(4);
      expect(pointValue(points, 'ringkit.command_ring.waits', where)).toBe(stats.waitEvents);
      expect(pointValue(points, 'ringkit.command_ring.wait.time', where)).toBe(
        stats.totalWaitMs / 1000,
      );
      expect(pointValue(points, 'ringkit.command_ring.reuse.ratio', where)).toBe(stats.reuseRate);
      expect(pointValue(points, 'ringkit.command_ring.fences.submitted', where)).toBe(4);
      expect(pointValue(points, 'ringkit.command_ring.fences.completed', where)).toBe(
        stats.completedFences,
      );
      expect(stats.waitEvents).toBeGreaterThan(0);
    } finally {
      await ring.close();
    }
  });
});

describe('a BPF reader', () => {
  // Reading a live reader needs root and BPF; what is read is checked against its stats shape
  // (ReaderStats fits BpfReaderStatsLike, above) with a reader's figures as numbers.
  const jsRing = {
    capacity: 1024,
    used: 256,
    pushed: 40,
    popped: 38,
    dropped: 2,
    closed: false,
    fillMark: 512,
  };
  const readerStats = {
    records: 900,
    events: 1_000,
    bytes: 64_000,
    droppedRecords: 9,
    droppedEvents: 10,
    discarded: 1,
    oversized: 0,
    fullStalls: 0,
    consumedEvents: 990,
    jsRing,
  };

  it("reports deliveries and each side's drops: kernel from the object, js from the reader", async () => {
    const { metrics, collect } = setUp();
    metrics.observeBpfReader('syscalls', {
      reader: { stats: () => readerStats },
      object: { kernelDropped: () => 7 },
    });
    const points = await collect();
    const where = { 'ringkit.bpf.reader': 'syscalls' };
    expect(pointValue(points, 'ringkit.bpf.events.delivered', where)).toBe(1_000);
    expect(
      pointValue(points, 'ringkit.bpf.events.dropped', { ...where, 'ringkit.drop.side': 'js' }),
    ).toBe(10);
    expect(
      pointValue(points, 'ringkit.bpf.events.dropped', { ...where, 'ringkit.drop.side': 'kernel' }),
    ).toBe(7);
    expect(pointValue(points, 'ringkit.bpf.js_ring.utilization', where)).toBe(0.25);
  });

  it('a reader that counts each kernel ring apart is reported per ring map and CPU', async () => {
    const { metrics, collect } = setUp();
    const rings = [0, 1].map((cpu) => ({
      map: 'events',
      cpu,
      events: 100 + cpu,
      droppedEvents: cpu,
      kernelDropped: 10 + cpu,
    }));
    metrics.observeBpfReader('syscalls', {
      reader: { stats: () => readerStats, ringStats: () => rings },
    });
    const points = await collect();
    for (const cpu of [0, 1]) {
      const where = {
        'ringkit.bpf.reader': 'syscalls',
        'ringkit.bpf.map': 'events',
        'ringkit.cpu': cpu,
      };
      expect(pointValue(points, 'ringkit.bpf.ring.events.taken', where)).toBe(100 + cpu);
      expect(
        pointValue(points, 'ringkit.bpf.ring.events.dropped', {
          ...where,
          'ringkit.drop.side': 'kernel',
        }),
      ).toBe(10 + cpu);
      expect(
        pointValue(points, 'ringkit.bpf.ring.events.dropped', {
          ...where,
          'ringkit.drop.side': 'js',
        }),
      ).toBe(cpu);
    }
  });

  it('without its object, reports no kernel drops rather than a false zero', async () => {
    const { metrics, collect } = setUp();
    metrics.observeBpfReader('syscalls', { reader: { stats: () => readerStats } });
    const points = await collect();
    expect(
      pointValue(points, 'ringkit.bpf.events.dropped', { 'ringkit.drop.side': 'kernel' }),
    ).toBeUndefined();
  });
});
