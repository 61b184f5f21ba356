import { Attribute } from './attributes.js';
import { hasMethod, type SourceKind } from './source-kind.js';
import type { TrackingServerSource } from './sources.js';

/** buffer-pool's tracking server: live and peak bytes per device, and its connections. */
export const trackingServerKind: SourceKind<TrackingServerSource> = {
  kind: 'tracking_server',
  nameAttribute: Attribute.TRACKING_SERVER,
  shape: 'a TrackingServer (an object with snapshot())',
  accepts: (source): source is TrackingServerSource => hasMethod(source, 'snapshot'),
  instruments(meter) {
    const liveBytes = meter.createObservableGauge('ringkit.tracking.memory.live', {
      unit: 'By',
      description: 'Bytes allocated on the device and not yet freed, as the trackers reported.',
    });
    const peakBytes = meter.createObservableGauge('ringkit.tracking.memory.peak', {
      unit: 'By',
      description: 'The most live bytes the device has had.',
    });
    const liveAllocations = meter.createObservableGauge('ringkit.tracking.allocations.live', {
      unit: '{allocation}',
      description: 'Allocations on the device not yet freed.',
    });
    const allocations = meter.createObservableCounter('ringkit.tracking.allocations', {
      unit: '{allocation}',
      description: 'Allocations reported on the device.',
    });
    const frees = meter.createObservableCounter('ringkit.tracking.frees', {
      unit: '{allocation}',
      description: 'Frees reported on the device.',
    });
    const events = meter.createObservableCounter('ringkit.tracking.events', {
      unit: '{event}',
      description: 'Events the server received.',
    });
    const dropped = meter.createObservableCounter('ringkit.tracking.events.dropped', {
      unit: '{event}',
      description: 'Events the trackers say they dropped (ring full, or while disconnected).',
    });
    const open = meter.createObservableGauge('ringkit.tracking.connections.open', {
      unit: '{connection}',
      description: 'Connections open now.',
    });
    const accepted = meter.createObservableCounter('ringkit.tracking.connections.accepted', {
      unit: '{connection}',
      description: 'Connections served.',
    });
    const refused = meter.createObservableCounter('ringkit.tracking.connections.refused', {
      unit: '{connection}',
      description: 'Connections closed at once because maxConnections were open.',
    });
    const idleTimeouts = meter.createObservableCounter(
      'ringkit.tracking.connections.idle_timeouts',
      {
        unit: '{connection}',
        description: 'Connections closed for stalling inside a frame for idleTimeoutMs.',
      },
    );
    const rejected = meter.createObservableCounter('ringkit.tracking.connections.rejected', {
      unit: '{connection}',
      description: 'Connections closed for a malformed, oversized or truncated frame.',
    });
    const heldBytes = meter.createObservableGauge('ringkit.tracking.memory.held', {
      unit: 'By',
      description: "Bytes the server's connections hold for frames still arriving.",
    });
    return {
      observables: [
        liveBytes,
        peakBytes,
        liveAllocations,
        allocations,
        frees,
        events,
        dropped,
        open,
        accepted,
        refused,
        idleTimeouts,
        rejected,
        heldBytes,
      ],
      observe(result, source, attributes) {
        const snapshot = source.snapshot();
        for (const [device, totals] of Object.entries(snapshot.devices)) {
          const deviceAttributes = { ...attributes, [Attribute.DEVICE]: device };
          result.observe(liveBytes, totals.liveBytes, deviceAttributes);
          result.observe(peakBytes, totals.peakLiveBytes, deviceAttributes);
          result.observe(liveAllocations, totals.liveAllocations, deviceAttributes);
          result.observe(allocations, totals.allocs, deviceAttributes);
          result.observe(frees, totals.frees, deviceAttributes);
        }
        const { connections } = snapshot;
        result.observe(events, snapshot.events, attributes);
        result.observe(dropped, snapshot.clientsDropped, attributes);
        result.observe(open, connections.open, attributes);
        result.observe(accepted, connections.accepted, attributes);
        result.observe(refused, connections.refused, attributes);
        result.observe(idleTimeouts, connections.idleTimeouts, attributes);
        result.observe(rejected, connections.rejected, attributes);
        result.observe(heldBytes, snapshot.heldBytes, attributes);
      },
    };
  },
};
