import { Attribute } from './attributes.js';
import { hasMethod, type SourceKind } from './source-kind.js';
import type { LaneStatsLike, PoolSource } from './sources.js';

/** Buffer states as the `ringkit.buffer.state` attribute names them, with the lane field each reads. */
const BUFFER_STATES = [
  ['free', 'free'],
  ['filling', 'filling'],
  ['ready', 'ready'],
  ['in_collector', 'inCollector'],
  ['done', 'done'],
  ['recycled', 'recycled'],
] as const satisfies readonly (readonly [string, keyof LaneStatsLike])[];

/** A buffer-pool pool: each lane's buffers by state, its record counts, and the conservation check. */
export const poolKind: SourceKind<PoolSource> = {
  kind: 'pool',
  nameAttribute: Attribute.POOL,
  shape: 'a BufferPool (an object with stats() and conservationCheck())',
  accepts: (source): source is PoolSource =>
    hasMethod(source, 'stats') && hasMethod(source, 'conservationCheck'),
  instruments(meter) {
    const buffers = meter.createObservableGauge('ringkit.pool.buffers', {
      unit: '{buffer}',
      description: "A lane's buffers in one state (ringkit.buffer.state), at collection time.",
    });
    const records = meter.createObservableCounter('ringkit.pool.records.produced', {
      unit: '{record}',
      description: "Records the lane's producer wrote.",
    });
    const collected = meter.createObservableCounter('ringkit.pool.records.collected', {
      unit: '{record}',
      description: "Records the lane's collector handed back (delivered).",
    });
    const dropped = meter.createObservableCounter('ringkit.pool.records.dropped', {
      unit: '{record}',
      description: 'Records dropped because no free buffer was there (drop policy).',
    });
    // A gauge, not a counter: while a role is dead it counts the records in flight, which moves.
    const lost = meter.createObservableGauge('ringkit.pool.records.lost', {
      unit: '{record}',
      description:
        'Records lost in the lane: in flight while one of its roles is dead, then those the dead role held.',
    });
    const bytes = meter.createObservableCounter('ringkit.pool.bytes.produced', {
      unit: 'By',
      description: "Bytes the lane's producer wrote.",
    });
    const blockedWaits = meter.createObservableCounter('ringkit.pool.blocked_waits', {
      unit: '{wait}',
      description: 'Times the producer waited for a free buffer (block policy).',
    });
    const handoffs = meter.createObservableCounter('ringkit.pool.handoffs', {
      unit: '{buffer}',
      description: 'Buffers handed from the ready queue to the collector.',
    });
    const collectorErrors = meter.createObservableCounter('ringkit.pool.collector.errors', {
      unit: '{error}',
      description: "Times the collector's handler threw.",
    });
    const deadRoles = meter.createObservableGauge('ringkit.pool.roles.dead', {
      unit: '{role}',
      description: "The lane's roles whose thread is gone without exiting.",
    });
    const conservation = meter.createObservableGauge('ringkit.pool.conservation', {
      unit: '1',
      description:
        '1 while allocated = free + filling + ready + in collector + done + recycled + lost holds, 0 when broken; absent when no quiet instant was found.',
    });
    const allocated = meter.createObservableGauge('ringkit.pool.buffers.allocated', {
      unit: '{buffer}',
      description: 'Buffers the pool has allocated, all lanes together.',
    });
    return {
      observables: [
        buffers,
        records,
        collected,
        dropped,
        lost,
        bytes,
        blockedWaits,
        handoffs,
        collectorErrors,
        deadRoles,
        conservation,
        allocated,
      ],
      observe(result, source, attributes) {
        for (const lane of source.stats().lanes) {
          const laneAttributes = { ...attributes, [Attribute.LANE]: lane.lane };
          for (const [state, field] of BUFFER_STATES)
            result.observe(buffers, lane[field] as number, {
              ...laneAttributes,
              [Attribute.BUFFER_STATE]: state,
            });
          result.observe(records, lane.records, laneAttributes);
          result.observe(collected, lane.collectedRecords, laneAttributes);
          result.observe(dropped, lane.droppedRecords, laneAttributes);
          result.observe(lost, lane.lost, laneAttributes);
          result.observe(bytes, lane.bytes, laneAttributes);
          result.observe(blockedWaits, lane.blockedWaits, laneAttributes);
          result.observe(handoffs, lane.handoffs, laneAttributes);
          result.observe(collectorErrors, lane.collectorErrors, laneAttributes);
          result.observe(deadRoles, lane.died.length, laneAttributes);
        }
        const check = source.conservationCheck();
        result.observe(allocated, check.allocated, attributes);
        // Counts read while buffers kept moving are not comparable: better no value than a false alarm.
        if (check.consistent) result.observe(conservation, check.ok ? 1 : 0, attributes);
      },
    };
  },
};
