/**
 * Events per second delivered into JavaScript (counted by JS, every event's
 * thread id read) against a C consumer of the same object using libbpf's own
 * ring_buffer API (bench/c_consumer.c), side by side in one run, for every
 * topology × wakeup policy: 2 threads call getpgid() flat out for 1 s per sample.
 * Each process reports the time to receive 10^6 events, so the speedup is the
 * ratio of rates. `npx bench-kit run bench/consumers.bench.ts`
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defineSuite, speedup } from '@ringkit/bench-kit';

const root = join(import.meta.dirname, '..');
const cConsumer = join(root, 'build', 'c_consumer');
const benchObject = join(root, 'bpf', 'bench.bpf.o');

function consumerArgs(topology: string, policy: string): string[] {
  return [
    '--topology',
    topology,
    '--policy',
    policy,
    '--period-ms',
    '1',
    '--threads',
    '2',
    '--seconds',
    '1',
  ];
}

function jsVsC(topology: 'percpu' | 'shared', policy: 'adaptive' | 'timer' | 'watermark') {
  const args = consumerArgs(topology, policy);
  return speedup({
    name: `js-vs-c-${topology}-${policy}`,
    description: `events/s into JS vs a C libbpf consumer, ${topology} rings, ${policy} wakeups, 2 getpgid threads`,
    // The goal is stated for per-CPU + timer; the other pairs are reported.
    atLeast: topology === 'percpu' && policy === 'timer' ? 0.8 : 0.5,
    baseline: {
      command: process.execPath,
      args: [join(import.meta.dirname, 'normalised.mjs'), cConsumer, ...args, benchObject],
    },
    candidate: {
      command: process.execPath,
      args: [join(import.meta.dirname, 'js-consumer.mjs'), ...args],
    },
    sampling: { maxSamples: 10 },
    setup: () => {
      if (!existsSync(cConsumer))
        throw new Error(
          `${cConsumer} is missing: run "npm run build -w @ringkit/bpf-ringbuf" first.`,
        );
    },
  });
}

export default defineSuite({
  benches: [
    jsVsC('percpu', 'timer'),
    jsVsC('percpu', 'adaptive'),
    jsVsC('percpu', 'watermark'),
    jsVsC('shared', 'timer'),
    jsVsC('shared', 'adaptive'),
    jsVsC('shared', 'watermark'),
  ],
});
