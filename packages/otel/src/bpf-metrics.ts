import { Attribute } from './attributes.js';
import { hasMethod, type SourceKind } from './source-kind.js';
import type { BpfReaderSource } from './sources.js';

/**
 * A bpf-ringbuf reader: what it delivered, what was dropped on each side of it (the kernel's
 * BPF ring, the JS ring), and how full its JS ring is.
 */
export const bpfReaderKind: SourceKind<BpfReaderSource> = {
  kind: 'bpf_reader',
  nameAttribute: Attribute.BPF_READER,
  shape:
    "{ reader, object } from bpf-ringbuf (reader.stats(), and object.kernelDropped() for the kernel's drops)",
  accepts: (source): source is BpfReaderSource =>
    hasMethod(source, 'reader', 'stats') &&
    ((source as { object?: unknown }).object === undefined ||
      hasMethod(source, 'object', 'kernelDropped')),
  instruments(meter) {
    const records = meter.createObservableCounter('ringkit.bpf.records.delivered', {
      unit: '{record}',
      description: 'Kernel ring records the reader thread delivered into the JS ring.',
    });
    const events = meter.createObservableCounter('ringkit.bpf.events.delivered', {
      unit: '{event}',
      description: 'Events the reader thread delivered into the JS ring.',
    });
    const bytes = meter.createObservableCounter('ringkit.bpf.bytes.delivered', {
      unit: 'By',
      description: 'Bytes the reader thread delivered into the JS ring.',
    });
    const consumed = meter.createObservableCounter('ringkit.bpf.events.consumed', {
      unit: '{event}',
      description: 'Events JavaScript took out of the JS ring.',
    });
    const dropped = meter.createObservableCounter('ringkit.bpf.events.dropped', {
      unit: '{event}',
      description:
        'Events dropped: by the BPF program for want of room in its ring (ringkit.drop.side=kernel), or by the reader for want of room in the JS ring (js).',
    });
    const discarded = meter.createObservableCounter('ringkit.bpf.records.discarded', {
      unit: '{record}',
      description: 'Records the BPF program discarded (skipped).',
    });
    const oversized = meter.createObservableCounter('ringkit.bpf.records.oversized', {
      unit: '{record}',
      description: 'Records too large for a batch, dropped by the reader.',
    });
    const fullStalls = meter.createObservableCounter('ringkit.bpf.full_stalls', {
      unit: '{drain}',
      description: 'Drains deferred because the JS ring was full (wait policy).',
    });
    // Per kernel ring, where the reader counts each apart (reader.ringStats()): names of their
    // own, so that summing a reader's series never counts an event twice.
    const ringEvents = meter.createObservableCounter('ringkit.bpf.ring.events.taken', {
      unit: '{event}',
      description: 'Events the reader took out of one kernel ring (ringkit.bpf.map, ringkit.cpu).',
    });
    const ringDropped = meter.createObservableCounter('ringkit.bpf.ring.events.dropped', {
      unit: '{event}',
      description:
        'Events of one kernel ring dropped: by the program for want of room (ringkit.drop.side=kernel), or by the reader after taking them (js).',
    });
    const utilization = meter.createObservableGauge('ringkit.bpf.js_ring.utilization', {
      unit: '1',
      description: 'Share of the JS ring holding batches not yet consumed, at collection time.',
    });
    return {
      observables: [
        records,
        events,
        bytes,
        consumed,
        dropped,
        discarded,
        oversized,
        fullStalls,
        ringEvents,
        ringDropped,
        utilization,
      ],
      observe(result, { reader, object }, attributes) {
        const stats = reader.stats();
        result.observe(records, stats.records, attributes);
        result.observe(events, stats.events, attributes);
        result.observe(bytes, stats.bytes, attributes);
        result.observe(consumed, stats.consumedEvents, attributes);
        result.observe(dropped, stats.droppedEvents, {
          ...attributes,
          [Attribute.DROP_SIDE]: 'js',
        });
        if (object !== undefined)
          result.observe(dropped, object.kernelDropped(), {
            ...attributes,
            [Attribute.DROP_SIDE]: 'kernel',
          });
        result.observe(discarded, stats.discarded, attributes);
        result.observe(oversized, stats.oversized, attributes);
        result.observe(fullStalls, stats.fullStalls, attributes);
        result.observe(utilization, stats.jsRing.used / stats.jsRing.capacity, attributes);
        for (const ring of reader.ringStats?.() ?? []) {
          const ringAttributes = {
            ...attributes,
            [Attribute.BPF_MAP]: ring.map,
            ...(ring.cpu === null ? {} : { [Attribute.CPU]: ring.cpu }),
          };
          result.observe(ringEvents, ring.events, ringAttributes);
          result.observe(ringDropped, ring.kernelDropped, {
            ...ringAttributes,
            [Attribute.DROP_SIDE]: 'kernel',
          });
          result.observe(ringDropped, ring.droppedEvents, {
            ...ringAttributes,
            [Attribute.DROP_SIDE]: 'js',
          });
        }
      },
    };
  },
};
