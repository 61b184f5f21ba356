import { openProgram, syscallEvent } from '@ringkit/bpf-ringbuf';
import type { SyscallAggregator } from './syscall-aggregator.js';
import type { SyscallSource } from './syscall-source.js';

/**
 * The real source: bpf-ringbuf's `syscalls` program on every CPU's own kernel
 * ring (per-CPU topology, timer wakeups: the cheapest for the traced
 * programs), drained by its reader thread into JavaScript in batches. Throws
 * bpf-ringbuf's BpfError (one sentence) when it cannot load or attach.
 */
export function startBpfSyscallSource(
  aggregator: SyscallAggregator,
  onFailure: (error: unknown) => void,
): SyscallSource {
  const object = openProgram('syscalls', {
    topology: 'per-cpu',
    policy: { kind: 'timer', periodMs: 5 },
  });
  const reader = (() => {
    try {
      return object.read({ schema: syscallEvent });
    } catch (error) {
      object.close();
      throw error;
    }
  })();
  const consuming = reader.onBatch((batch) => {
    const { syscallNr, cpu, pid, tid, timestampNs } = batch.get;
    for (let i = 0; i < batch.length; i++)
      aggregator.add(syscallNr(i), cpu(i), pid(i), tid(i), timestampNs(i));
  });
  // A reader that fails mid-run marks the pipeline failed at once; stop() reports it again.
  consuming.catch(onFailure);

  return {
    name: `kernel (eBPF, ${object.stats().rings} per-CPU rings)`,
    rings: () => {
      const { jsRing } = reader.stats();
      return [
        {
          name: 'eBPF → JS batch ring (bytes)',
          used: jsRing.used,
          capacity: jsRing.capacity,
          // Taken once a sample (this is the reader's one monitor): the peak since the last.
          peak: reader.takeJsRingFillMark(),
        },
      ];
    },
    // The object's kernelDropped(), not its stats(): their rates are per caller.
    observeMetrics: (metrics, name, attributes) =>
      metrics.observeBpfReader(name, { reader, object }, attributes),
    dropped: () => object.kernelDropped() + reader.stats().droppedEvents,
    books: () => {
      // The reader thread publishes its counters after each round, once it has flushed the
      // round's batches into the JS ring: JavaScript may consume (and count) a batch before
      // `events` includes it, so what JS consumed is also what was produced, at least. Events
      // still in the kernel rings are in no count yet: produced means taken from the kernel.
      const first = reader.stats();
      const events = Math.max(first.events, first.consumedEvents);
      const produced = events + object.kernelDropped() + first.droppedEvents;
      const inFlight = events - first.consumedEvents;
      const delivered = aggregator.total;
      const after = reader.stats();
      const dropped = object.kernelDropped() + after.droppedEvents;
      return {
        produced,
        inFlight,
        delivered,
        dropped,
        producedAfter: Math.max(after.events, after.consumedEvents) + dropped,
        heldIn: 'the JS batch ring',
      };
    },
    stop: async () => {
      // Detach first so nothing new enters the kernel rings, then let the
      // reader's last drain deliver what they still hold: nothing is stranded.
      object.detach();
      const attachedAfterDetach = object.attached.length;
      await reader.stop();
      await consuming;
      const stats = reader.stats();
      const kernelDropped = object.kernelDropped();
      object.close();
      const dropped = kernelDropped + stats.droppedEvents;
      const produced = stats.events + dropped;
      const delivered = aggregator.total;
      const ok =
        delivered === stats.events &&
        stats.consumedEvents === stats.events &&
        attachedAfterDetach === 0;
      return {
        produced,
        delivered,
        dropped,
        ok,
        detail: ok
          ? `the reader thread delivered ${stats.events} events and the aggregator counted all of them; ${kernelDropped} dropped in the kernel, ${stats.droppedEvents} at the JS ring; programs detached`
          : `the reader thread delivered ${stats.events} events but the aggregator counted ${delivered} (${stats.consumedEvents} consumed); ${attachedAfterDetach} programs still attached after detach()`,
      };
    },
  };
}
