/**
 * The JS consumer against a C consumer of the same object using libbpf's own
 * ring_buffer API (bench/c_consumer.c), side by side in one run:
 *
 * - `js-vs-c-*` (saturation): 2 threads call getpgid() flat out for 1 s per sample, for
 *   every topology × wakeup policy; events/s delivered, so the producers set the pace.
 * - `consumer-cpu-*` (offered load): 1 thread paced at 250 k calls/s × 4 events = 1 M
 *   events/s, which both consumers keep up with; the CPU time each consumer side spends
 *   per delivered event, every field of every event read. JS: the process's CPU minus
 *   the producer threads' own CPU clocks (the reader thread, the JS thread and V8's
 *   helpers remain); C: its consumer thread's CPU clock. `consumer-cpu-js-direct-*`: the
 *   same with `read({ mode: 'direct' })`, no reader thread — the JS thread walks the kernel
 *   rings itself.
 * - `ceiling-*`: the offered load raised until a step drops; the highest delivered rate.
 *
 * Each process reports its figure for 10^6 events, so a speedup is a ratio of rates
 * (or of CPU per event). `npx bench-kit run bench/consumers.bench.ts`
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { defineSuite, latency, speedup, throughput } from '@ringkit/bench-kit';
import { producerEnvironment } from './environment.js';

const root = join(import.meta.dirname, '..');
const cConsumer = join(root, 'build', 'c_consumer');
const benchObject = join(root, 'bpf', 'bench.bpf.o');
const normalised = join(import.meta.dirname, 'normalised.mjs');
const jsConsumer = join(import.meta.dirname, 'js-consumer.mjs');
const run = promisify(execFile);

function requireCConsumer(): void {
  if (!existsSync(cConsumer))
    throw new Error(`${cConsumer} is missing: run "npm run build -w @ringkit/bpf-ringbuf" first.`);
}

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
    description: `saturation, not a ceiling: events/s into JS vs a C libbpf consumer while 2 getpgid threads run flat out (they set the pace), ${topology} rings, ${policy} wakeups; ${producerEnvironment()}`,
    // The goal is stated for per-CPU + timer; the other pairs are reported.
    atLeast: topology === 'percpu' && policy === 'timer' ? 0.8 : 0.5,
    baseline: { command: process.execPath, args: [normalised, cConsumer, ...args, benchObject] },
    candidate: { command: process.execPath, args: [jsConsumer, ...args] },
    sampling: { maxSamples: 10 },
    setup: requireCConsumer,
  });
}

/** 1 M events/s offered (1 thread × 250 k calls/s × 4 events), per-CPU rings, timer wakeups. */
function offeredLoadArgs(periodMs: number): string[] {
  return [
    '--topology',
    'percpu',
    '--policy',
    'timer',
    '--period-ms',
    String(periodMs),
    '--threads',
    '1',
    '--rate',
    '250000',
    '--events-per-syscall',
    '4',
    '--seconds',
    '2',
    '--report',
    'cpu',
  ];
}

/** The ns of CPU per event a consumer process reports (BENCH_RESULT ns for 10^6 events). */
async function cpuPerEvent(command: string, args: readonly string[]): Promise<number> {
  const { stdout } = await run(command, [...args], { maxBuffer: 1 << 20 });
  const line = stdout.split('\n').find((text) => text.startsWith('BENCH_RESULT '));
  if (line === undefined) throw new Error(`${args[0]} printed no BENCH_RESULT line`);
  const { ns, items } = JSON.parse(line.slice('BENCH_RESULT '.length)) as {
    ns: number;
    items: number;
  };
  return ns / items;
}

/** The JS consumer's read mode: a reader thread, or the JS thread walking the kernel rings. */
type Mode = 'thread' | 'direct';

const modeName = (mode: Mode) => (mode === 'direct' ? 'js-direct' : 'js');
const modeSide = (mode: Mode) =>
  mode === 'direct'
    ? "the whole JS side (read mode direct, no reader thread: JS thread + V8 helpers = process CPU − producer threads' CPU)"
    : "the whole JS side (reader thread + JS thread + V8 helpers = process CPU − producer threads' CPU)";

function jsCpuBudget(periodMs: number, mode: Mode = 'thread') {
  return latency({
    name: `consumer-cpu-${modeName(mode)}-percpu-timer-${periodMs}ms`,
    description: `offered load 1 M events/s (1 thread × 250 k getpgid/s × 4 events), per-CPU + timer ${periodMs} ms: ns of CPU per delivered event on ${modeSide(mode)}, every field of the 24-byte events read in place (batch.offsets + batch.views); ${producerEnvironment()}`,
    events: 10,
    atMost: 20,
    measure: async () => [
      await cpuPerEvent(process.execPath, [
        jsConsumer,
        ...offeredLoadArgs(periodMs),
        '--mode',
        mode,
      ]),
    ],
  });
}

function cpuJsVsC(periodMs: number, mode: Mode = 'thread') {
  const args = offeredLoadArgs(periodMs);
  return speedup({
    name: `consumer-cpu-${modeName(mode)}-vs-c-percpu-timer-${periodMs}ms`,
    description: `offered load 1 M events/s, per-CPU + timer ${periodMs} ms: C consumer thread's CPU per event / ${modeSide(mode)}'s (≥ 0.5: JS costs at most 2× C), every field read on both sides; ${producerEnvironment()}`,
    atLeast: 0.5,
    baseline: { command: process.execPath, args: [normalised, cConsumer, ...args, benchObject] },
    candidate: { command: process.execPath, args: [jsConsumer, ...args, '--mode', mode] },
    sampling: { maxSamples: 10 },
    setup: requireCConsumer,
  });
}

function ceiling(threads: number) {
  return throughput({
    name: `ceiling-percpu-timer-${threads}-thread${threads === 1 ? '' : 's'}`,
    description: `the ceiling: the most events/s delivered into JS with no drop (offered load ×1.25 per 0.5 s step from 1 M/s until a step drops, or the producers fall behind: then a lower bound), ${threads} paced getpgid thread(s) × 16 events, per-CPU + timer 1 ms, every field read; ${producerEnvironment()}`,
    sampling: { minSamples: 3, maxSamples: 3, warmupMs: 0 },
    workload: {
      command: process.execPath,
      args: [join(import.meta.dirname, 'ceiling.mjs'), '--threads', String(threads)],
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
    jsCpuBudget(1),
    jsCpuBudget(10),
    cpuJsVsC(1),
    cpuJsVsC(10),
    jsCpuBudget(1, 'direct'),
    jsCpuBudget(10, 'direct'),
    cpuJsVsC(1, 'direct'),
    cpuJsVsC(10, 'direct'),
    ceiling(1),
    ceiling(2),
  ],
});
