/**
 * Hand-offs in the lane layout (each lane's roles in one worker, replenish beside lane 0)
 * against lock-based queues at every hop — seed 004's (a lock per entry, a notify per push:
 * a handicapped baseline, kept because the seed's claim was made against it) and one as good
 * as a lock gets (a lock per batch, a wake-up only for a sleeping receiver) — and moving real
 * data end to end beside a memcpy of the same bytes. The deployed layout and what users would
 * build instead: deployed.bench.ts.
 * `npm run bench -w @ringkit/buffer-pool`
 */
import { defineSuite, speedup, throughput } from '@ringkit/bench-kit';
import type { QueueKind } from '../src/index.js';
import { type BenchPipeline, startBenchPipeline } from './pipeline.js';

const HANDOFF_POOL = {
  lanes: 2,
  bufferSize: 64,
  buffersPerBlock: 64,
  initialBlocks: 2,
  maxBlocks: 8,
  fullPolicy: 'block',
} as const;

let endToEnd: BenchPipeline;

/** Hand-offs through the rings against the same pool with `queueKind` queues at every hop. */
function handoffsAgainst(queueKind: QueueKind, name: string, description: string, atLeast: number) {
  let rings: BenchPipeline;
  let locked: BenchPipeline;
  const start = (kind: QueueKind) =>
    startBenchPipeline({
      recordBytes: 8,
      recordsPerBuffer: 1,
      checksum: false,
      pool: { ...HANDOFF_POOL, queueKind: kind },
    });
  return speedup({
    name,
    description,
    atLeast,
    itemsPerIteration: 1,
    baseline: { batch: (buffers: number) => locked.run(buffers) },
    candidate: { batch: (buffers: number) => rings.run(buffers) },
    setup: async () => {
      rings = await start('spsc');
      locked = await start(queueKind);
    },
    teardown: async () => {
      await rings.stop();
      await locked.stop();
    },
  });
}

const BIG_BUFFER = 64 * 1024;
const RECORD_PAYLOAD = 4096 - 8; // 16 records fill a 64 KiB buffer exactly
/**
 * memcpy-64k's two buffers, in one ArrayBuffer half a page apart. Each in its own allocation,
 * the allocator decides how their addresses differ, and where the target starts 1–31 bytes
 * past a multiple of 4 KiB from the source, glibc 2.36's memmove (`rep movsb` for copies of
 * 4 KiB and more) copies at ~2 GB/s on this AMD EPYC instead of 30–80 (measured for every
 * offset with one buffer; GLIBC_TUNABLES=glibc.cpu.x86_rep_movsb_threshold=268435456 removes
 * it): one run in three read 1.7 GB/s. A yardstick must not depend on that draw.
 */
const copyBuffers = new ArrayBuffer(2 * BIG_BUFFER + 2048);
const source = new Uint8Array(copyBuffers, 0, BIG_BUFFER).fill(7);
const target = new Uint8Array(copyBuffers, BIG_BUFFER + 2048, BIG_BUFFER);

export default defineSuite({
  benches: [
    handoffsAgainst(
      'mutex',
      'handoffs-vs-mutex-queues',
      'buffer round trips through whole lanes (producer → ready → drain → collector → done → replenish → recycled → drain → free), 2 lanes, each lane’s roles in one worker, one small record per buffer: all-SPSC rings vs seed 004’s mutex queue at every hop (a lock per entry and a notify per push, where the rings publish once per batch)',
      3,
    ),
    handoffsAgainst(
      'lock',
      'handoffs-vs-lock-queues',
      'the same round trips: all-SPSC rings vs a lock-based queue at its best at every hop (a lock per batch on either side, a wake-up only when the receiver sleeps)',
      1,
    ),
    throughput({
      name: 'end-to-end-64k',
      description:
        '64 KiB buffers, 2 lanes: producers write 16 records of 4 KiB into each, collectors checksum every byte; bytes per second',
      itemsPerIteration: BIG_BUFFER,
      unit: 'B/s',
      workload: { batch: (buffers: number) => endToEnd.run(buffers) },
      setup: async () => {
        endToEnd = await startBenchPipeline({
          pool: {
            lanes: 2,
            bufferSize: BIG_BUFFER,
            buffersPerBlock: 8,
            initialBlocks: 2,
            maxBlocks: 8,
            fullPolicy: 'block',
          },
          recordBytes: RECORD_PAYLOAD,
          recordsPerBuffer: 16,
          checksum: true,
        });
      },
      teardown: () => endToEnd.stop(),
    }),
    throughput({
      name: 'memcpy-64k',
      description:
        'the same bytes copied once by one thread (Uint8Array.set of 64 KiB): the yardstick for end-to-end-64k',
      itemsPerIteration: BIG_BUFFER,
      unit: 'B/s',
      workload: {
        batch: (buffers: number) => {
          for (let i = 0; i < buffers; i++) {
            source[0] = i;
            target.set(source);
          }
        },
      },
    }),
  ],
});
