import { Attribute } from './attributes.js';
import { hasMethod, type SourceKind } from './source-kind.js';
import type { CommandRingSource } from './sources.js';

/** A metal-cmdring command ring: acquisitions, waits and their time, reuse, and fences. */
export const commandRingKind: SourceKind<CommandRingSource> = {
  kind: 'command_ring',
  nameAttribute: Attribute.COMMAND_RING,
  shape: 'a CommandRing or an object with stats() returning metal-cmdring RingStatistics',
  accepts: (source): source is CommandRingSource => hasMethod(source, 'stats'),
  instruments(meter) {
    const acquisitions = meter.createObservableCounter('ringkit.command_ring.acquisitions', {
      unit: '{slot}',
      description: 'Slots acquired.',
    });
    const releases = meter.createObservableCounter('ringkit.command_ring.releases', {
      unit: '{slot}',
      description: 'Slots released.',
    });
    const waits = meter.createObservableCounter('ringkit.command_ring.waits', {
      unit: '{wait}',
      description: "Acquisitions that waited for the slot's previous command to complete.",
    });
    const waitTime = meter.createObservableCounter('ringkit.command_ring.wait.time', {
      unit: 's',
      description: 'Time acquisitions spent waiting, in total.',
    });
    const reuse = meter.createObservableGauge('ringkit.command_ring.reuse.ratio', {
      unit: '1',
      description: 'Share of acquisitions that found their slot free (1 − waits / acquisitions).',
    });
    const timeouts = meter.createObservableCounter('ringkit.command_ring.acquire.timeouts', {
      unit: '{acquisition}',
      description: 'Acquisitions that gave up (ACQUIRE_TIMEOUT).',
    });
    const submitted = meter.createObservableCounter('ringkit.command_ring.fences.submitted', {
      unit: '{fence}',
      description: 'Fences handed to the device.',
    });
    const completed = meter.createObservableCounter('ringkit.command_ring.fences.completed', {
      unit: '{fence}',
      description: 'Fences the device completed.',
    });
    return {
      observables: [acquisitions, releases, waits, waitTime, reuse, timeouts, submitted, completed],
      observe(result, source, attributes) {
        const stats = source.stats();
        // Fences are kept even without trackStatistics; the other counters then stay 0 and
        // would read as an idle ring, so they are left out.
        result.observe(submitted, stats.submittedFences, attributes);
        result.observe(completed, stats.completedFences, attributes);
        if (!stats.tracked) return;
        result.observe(acquisitions, stats.totalAcquisitions, attributes);
        result.observe(releases, stats.totalReleases, attributes);
        result.observe(waits, stats.waitEvents, attributes);
        result.observe(waitTime, stats.totalWaitMs / 1000, attributes);
        result.observe(reuse, stats.reuseRate, attributes);
        result.observe(timeouts, stats.acquireTimeouts, attributes);
      },
    };
  },
};
