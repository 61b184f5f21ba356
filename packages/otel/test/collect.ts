import type { Attributes } from '@opentelemetry/api';
import { type DataPoint, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { RingkitMetrics } from '../src/index.js';

/** A reader that collects only when asked: the SDK's pull path, as a Prometheus scrape uses it. */
class PullReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

export interface Point {
  readonly unit: string;
  readonly attributes: Attributes;
  readonly value: number;
}

/** RingkitMetrics on a provider of its own, and a collect() that returns every point by name. */
export function testMetrics(attributes?: Attributes) {
  const reader = new PullReader();
  const provider = new MeterProvider({ readers: [reader] });
  const metrics = new RingkitMetrics({
    meter: provider.getMeter('test'),
    ...(attributes === undefined ? {} : { attributes }),
  });
  return {
    metrics,
    async collect(): Promise<Map<string, Point[]>> {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw errors[0];
      const byName = new Map<string, Point[]>();
      for (const scope of resourceMetrics.scopeMetrics)
        for (const metric of scope.metrics)
          byName.set(
            metric.descriptor.name,
            (metric.dataPoints as DataPoint<number>[]).map(({ attributes, value }) => ({
              unit: metric.descriptor.unit,
              attributes,
              value,
            })),
          );
      return byName;
    },
    close: () => provider.shutdown(),
  };
}

/** The value of the one point of `name` whose attributes include `where`. */
export function pointValue(
  points: Map<string, Point[]>,
  name: string,
  where: Attributes = {},
): number | undefined {
  const matching = (points.get(name) ?? []).filter((point) =>
    Object.entries(where).every(([key, value]) => point.attributes[key] === value),
  );
  if (matching.length > 1)
    throw new Error(`${matching.length} points of ${name} match ${JSON.stringify(where)}`);
  return matching[0]?.value;
}
