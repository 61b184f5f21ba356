import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createShared, FixedConsumer, takeFillMark, unlinkShared } from '@ringkit/spsc-ring';
import { workerUrl } from '../worker-url.js';
import {
  SYNTHETIC_BATCH,
  SyntheticWord,
  type SyntheticWorkerData,
} from '../workers/synthetic-protocol.js';
import type { SyscallAggregator } from './syscall-aggregator.js';
import type { SyscallSource } from './syscall-source.js';

const RECORD_BYTES = 24;
/** 32 768 events: 160 ms of the default rate, so a slow tick of the event loop drops nothing. */
const CAPACITY = 1 << 15;
/** The main thread drains on a timer, as bpf-ringbuf's timer policy does: no cross-thread wake-ups. */
const DRAIN_EVERY_MS = 5;
export const SYNTHETIC_RATE_PER_SECOND = 200_000;

/**
 * The stand-in for the kernel: a worker writes syscall-shaped events into a
 * ring in POSIX shared memory (created here, attached there by name), and this
 * thread drains it into the same aggregator the BPF source feeds.
 */
export async function startSyntheticSyscallSource(
  aggregator: SyscallAggregator,
  sharedName: string,
  onFailure: (error: unknown) => void,
): Promise<SyscallSource> {
  const consumer = FixedConsumer.attach(
    createShared(sharedName, {
      kind: 'fixed',
      capacity: CAPACITY,
      recordSize: RECORD_BYTES,
      fullPolicy: 'drop',
    }),
  );
  const words = new SharedArrayBuffer(SyntheticWord.BYTES);
  const data: SyntheticWorkerData = {
    sharedName,
    words,
    ratePerSecond: SYNTHETIC_RATE_PER_SECOND,
    cpus: availableParallelism(),
  };
  let worker: Worker;
  try {
    worker = new Worker(workerUrl('synthetic-syscalls-worker'), { workerData: data });
  } catch (error) {
    unlinkShared(sharedName);
    throw error;
  }
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  let stopping = false;
  worker.on('error', (error) => {
    if (!stopping) onFailure(error);
  });

  const drain = () =>
    consumer.drain((bytes, offset, count) => {
      const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * RECORD_BYTES);
      for (let i = 0, at = 0; i < count; i++, at += RECORD_BYTES)
        aggregator.add(
          view.getInt32(at + 20, true),
          view.getUint32(at + 8, true),
          view.getUint32(at + 12, true),
          view.getUint32(at + 16, true),
          Number(view.getBigUint64(at, true)),
        );
    });
  const timer = setInterval(drain, DRAIN_EVERY_MS);
  await new Promise<void>((resolve, reject) => {
    worker.once('online', resolve);
    worker.once('error', reject);
  });

  const counts = new Float64Array(words);
  const producedSoFar = () => counts[SyntheticWord.PRODUCED]!;

  return {
    name: 'synthetic (worker → shared-memory ring)',
    rings: () => {
      const stats = consumer.stats();
      return [
        {
          name: 'synthetic → JS ring (events)',
          used: stats.used,
          capacity: stats.capacity,
          // The most a drain found waiting since the previous sample: the supervisor samples
          // once per tick, and this is the ring's only monitor.
          peak: takeFillMark(consumer.buffer),
        },
      ];
    },
    // Its stats alone, no takeFillMark: rings() takes the mark once per sample.
    observeMetrics: (metrics, name, attributes) =>
      metrics.observeRing(name, { stats: () => consumer.stats() }, attributes),
    dropped: () => consumer.stats().dropped,
    books: () => {
      // The drain runs on this thread, so nothing leaves the ring while these are read; the
      // worker counts a batch as produced just before pushing it (at most SYNTHETIC_BATCH).
      const produced = producedSoFar();
      const inFlight = consumer.stats().used + SYNTHETIC_BATCH;
      const delivered = aggregator.total;
      const dropped = consumer.stats().dropped;
      return {
        produced,
        inFlight,
        delivered,
        dropped,
        producedAfter: producedSoFar(),
        heldIn: "the ring and the worker's batch",
      };
    },
    stop: async () => {
      stopping = true;
      const flags = new Int32Array(words, 0, 2);
      Atomics.store(flags, SyntheticWord.STOP, 1);
      Atomics.notify(flags, SyntheticWord.STOP);
      await exited;
      clearInterval(timer);
      // The worker has exited, so nothing more arrives: drain what it published last.
      while (drain() > 0);
      const produced = producedSoFar();
      const dropped = consumer.stats().dropped;
      unlinkShared(sharedName);
      const delivered = aggregator.total;
      const ok = produced === delivered + dropped;
      return {
        produced,
        delivered,
        dropped,
        ok,
        detail: ok
          ? `the source counted ${produced} events, the aggregator ${delivered}, the ring ${dropped} dropped; shared memory ${sharedName} unlinked`
          : `the source counted ${produced} events but the aggregator counted ${delivered} and the ring ${dropped} dropped`,
      };
    },
  };
}
