/**
 * What an event costs the producing thread, for every topology × wakeup policy:
 * getpgid() loop time with the bench program attached (and its rings drained by
 * the reader thread) minus the same loop detached, per event, in ns. Each
 * measurement attaches, loops, detaches and loops again, so drift cancels within
 * it; the result is the median with its interval. Then 2 threads at 1 M events/s
 * each for 10 s on per-CPU + timer, which must drop nothing (an offered load: its
 * figure is the offered rate). Each description records the clock source and the
 * program's hook, which the producer's cost depends on (bench/environment.ts).
 * `npx bench-kit run bench/producer-cost.bench.ts`
 */
import { defineSuite, latency, throughput } from '@ringkit/bench-kit';
import { benchEvent, nativeBinding, type OpenOptions, openProgram } from '../src/index.js';
import { producerEnvironment } from './environment.js';

const CALLS = 100_000;

function binding() {
  const loaded = nativeBinding();
  if (loaded === null)
    throw new Error('the bpf-ringbuf addon is not built: npm run build -w @ringkit/bpf-ringbuf');
  return loaded;
}

/**
 * `eventsPerSyscall` 1: what a syscall tracer pays per event, the kernel's
 * per-syscall hook included. More: the marginal cost of an event (each still its
 * own reserve and submit), the hook and the clock read shared by the call's events.
 */
function producerCost(
  topology: 'shared' | 'per-cpu',
  policy: NonNullable<OpenOptions['policy']>,
  eventsPerSyscall = 1,
) {
  const suffix = eventsPerSyscall === 1 ? '' : `-${eventsPerSyscall}-per-call`;
  return latency({
    name: `producer-cost-${topology}-${policy.kind}${suffix}`,
    description: `ns per event on the producing thread (attached − detached getpgid loop), ${topology} rings, ${policy.kind} wakeups, ${eventsPerSyscall} event(s) per call, one per record; ${producerEnvironment()}`,
    events: 30,
    measure: async () => {
      const object = openProgram('bench', {
        topology,
        policy,
        targetPid: process.pid,
        ringBytes: 8 * 1024 * 1024,
        bench: { eventsPerSyscall, eventsPerRecord: 1 },
      });
      const reader = object.read({
        schema: benchEvent,
        whenJsRingFull: 'drop',
        jsRingBytes: 32 * 1024 * 1024,
      });
      const consumed = reader.onBatch(() => {});
      binding().getpgidLoop(1000);
      const attached = binding().getpgidLoop(CALLS);
      await reader.stop();
      await consumed;
      object.close();
      const detached = binding().getpgidLoop(CALLS);
      return [Math.max(0, (attached - detached) / (CALLS * eventsPerSyscall))];
    },
  });
}

export default defineSuite({
  benches: [
    producerCost('per-cpu', { kind: 'timer', periodMs: 1 }),
    producerCost('per-cpu', { kind: 'adaptive' }),
    producerCost('per-cpu', { kind: 'watermark', bytes: 64 * 1024, periodMs: 10 }),
    producerCost('shared', { kind: 'timer', periodMs: 1 }),
    producerCost('shared', { kind: 'adaptive' }),
    producerCost('shared', { kind: 'watermark', bytes: 64 * 1024, periodMs: 10 }),
    producerCost('per-cpu', { kind: 'timer', periodMs: 1 }, 16),
    producerCost('shared', { kind: 'timer', periodMs: 1 }, 16),
    throughput({
      name: 'sustained-2x1M-events-percpu-timer',
      description: `offered load, not a ceiling (see ceiling-* in consumers.bench.ts): 2 threads at 1 M getpgid events/s each for 10 s, per-CPU + timer 1 ms; reports the events/s delivered, which is the offered 2 M/s whenever nothing drops, and any drop fails it; ${producerEnvironment()}`,
      sampling: { minSamples: 3, maxSamples: 3, warmupMs: 0 },
      workload: {
        batch: async () => {
          const object = openProgram('bench', {
            topology: 'per-cpu',
            policy: { kind: 'timer', periodMs: 1 },
            targetPid: process.pid,
            ringBytes: 4 * 1024 * 1024,
            // This VM makes ~0.6 M getpgid calls/s per thread with a program attached:
            // 1 M events/s per thread takes 4 events per call.
            bench: { eventsPerSyscall: 4, eventsPerRecord: 1 },
          });
          const reader = object.read({ schema: benchEvent });
          let events = 0;
          const consumed = reader.onBatch((batch) => {
            events += batch.length;
          });
          const load = binding().startSyscallLoad({
            cpus: [0, 1],
            callsPerThread: 2_500_000,
            ratePerSecond: 250_000,
          });
          // 10 s at the rate; a machine that cannot keep the pace still stops at 10 s.
          const timer = setTimeout(() => load.stop(), 10_000);
          const result = await load.done;
          clearTimeout(timer);
          await reader.stop();
          await consumed;
          const dropped = object.kernelDropped() + reader.stats().droppedEvents;
          object.close();
          const produced = 4 * result.calls.reduce((sum, calls) => sum + calls, 0);
          if (dropped > 0 || events !== produced)
            throw new Error(
              `dropped ${dropped} of ${produced} events (delivered ${events}) at 2 × 1 M/s`,
            );
          return events;
        },
      },
    }),
  ],
});
