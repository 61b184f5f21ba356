import { Attribute } from './attributes.js';
import { hasMethod, type SourceKind } from './source-kind.js';
import type { RingSource } from './sources.js';

/** An spsc-ring ring: its three counts, how full it is now and at its peak, and whether it closed. */
export const ringKind: SourceKind<RingSource> = {
  kind: 'ring',
  nameAttribute: Attribute.RING,
  shape: 'a ring end or an object with stats() returning spsc-ring RingStats',
  accepts: (source): source is RingSource =>
    hasMethod(source, 'stats') &&
    ((source as { takeFillMark?: unknown }).takeFillMark === undefined ||
      hasMethod(source, 'takeFillMark')),
  instruments(meter) {
    const pushed = meter.createObservableCounter('ringkit.ring.records.pushed', {
      unit: '{record}',
      description: 'Records the producer published into the ring.',
    });
    const popped = meter.createObservableCounter('ringkit.ring.records.popped', {
      unit: '{record}',
      description: 'Records the consumer took out of the ring (delivered).',
    });
    const dropped = meter.createObservableCounter('ringkit.ring.records.dropped', {
      unit: '{record}',
      description: 'Records refused because the ring was full (drop policy).',
    });
    const utilization = meter.createObservableGauge('ringkit.ring.utilization', {
      unit: '1',
      description: 'Share of the ring holding records not yet consumed, at collection time.',
    });
    const peakUtilization = meter.createObservableGauge('ringkit.ring.peak_utilization', {
      unit: '1',
      description:
        "The ring's fill mark as a share of its capacity: the fullest a drain found it since the mark was last taken (by this collector when given takeFillMark).",
    });
    const closed = meter.createObservableGauge('ringkit.ring.closed', {
      unit: '1',
      description: '1 once the producer closed the ring, else 0.',
    });
    return {
      observables: [pushed, popped, dropped, utilization, peakUtilization, closed],
      observe(result, source, attributes) {
        const stats = source.stats();
        result.observe(pushed, stats.pushed, attributes);
        result.observe(popped, stats.popped, attributes);
        result.observe(dropped, stats.dropped, attributes);
        result.observe(utilization, stats.used / stats.capacity, attributes);
        const fillMark = source.takeFillMark?.() ?? stats.fillMark;
        result.observe(peakUtilization, fillMark / stats.capacity, attributes);
        result.observe(closed, stats.closed ? 1 : 0, attributes);
      },
    };
  },
};
