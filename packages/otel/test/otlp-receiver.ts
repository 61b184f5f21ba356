import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const PROTO_ROOT = fileURLToPath(new URL('./proto/', import.meta.url));

/** One data point of a decoded payload, numbers as numbers. */
export interface DecodedPoint {
  readonly metric: string;
  readonly unit: string;
  /** 'sum' (with isMonotonic and temporality) or 'gauge'. */
  readonly type: 'sum' | 'gauge';
  readonly isMonotonic: boolean;
  readonly temporality: string;
  readonly attributes: Record<string, string | number | boolean>;
  readonly value: number;
}

export interface DecodedExport {
  readonly resource: Record<string, string | number | boolean>;
  /** When its values were read: the latest data point time, in ms. */
  readonly collectedAtMs: number;
  readonly points: readonly DecodedPoint[];
}

function loadTypes() {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => PROTO_ROOT + target;
  root.loadSync('opentelemetry/proto/collector/metrics/v1/metrics_service.proto');
  return {
    request: root.lookupType(
      'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
    ),
    response: root.lookupType(
      'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse',
    ),
  };
}

type AnyValue = {
  stringValue?: string;
  intValue?: number;
  doubleValue?: number;
  boolValue?: boolean;
};
type KeyValue = { key: string; value: AnyValue };

function attributesOf(list: KeyValue[] = []): Record<string, string | number | boolean> {
  return Object.fromEntries(
    list.map(({ key, value }) => [
      key,
      value.stringValue ?? value.intValue ?? value.doubleValue ?? value.boolValue ?? '',
    ]),
  );
}

/**
 * An OTLP/HTTP receiver: decodes each POST to /v1/metrics as an ExportMetricsServiceRequest
 * with the OpenTelemetry proto definitions and keeps every export, in arrival order.
 */
export async function startOtlpReceiver() {
  const types = loadTypes();
  const exports: DecodedExport[] = [];
  const refusals: string[] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const type = request.headers['content-type'];
    if (
      request.method !== 'POST' ||
      request.url !== '/v1/metrics' ||
      type !== 'application/x-protobuf'
    ) {
      refusals.push(`${request.method} ${request.url} ${type}`);
      response.statusCode = 415;
      response.end();
      return;
    }
    const decoded = types.request.toObject(types.request.decode(Buffer.concat(chunks)), {
      longs: Number,
      enums: String,
      defaults: true,
    }) as {
      resourceMetrics: {
        resource: { attributes: KeyValue[] };
        scopeMetrics: {
          metrics: {
            name: string;
            unit: string;
            sum?: { dataPoints: Point[]; isMonotonic: boolean; aggregationTemporality: string };
            gauge?: { dataPoints: Point[] };
          }[];
        }[];
      }[];
    };
    type Point = {
      attributes: KeyValue[];
      asInt?: number;
      asDouble?: number;
      timeUnixNano: number;
    };
    for (const resourceMetrics of decoded.resourceMetrics) {
      const points: DecodedPoint[] = [];
      let collectedAtMs = 0;
      for (const scope of resourceMetrics.scopeMetrics)
        for (const metric of scope.metrics) {
          const data = metric.sum ?? metric.gauge;
          for (const point of data?.dataPoints ?? []) {
            collectedAtMs = Math.max(collectedAtMs, point.timeUnixNano / 1e6);
            points.push({
              metric: metric.name,
              unit: metric.unit,
              type: metric.sum ? 'sum' : 'gauge',
              isMonotonic: metric.sum?.isMonotonic ?? false,
              temporality: metric.sum?.aggregationTemporality ?? '',
              attributes: attributesOf(point.attributes),
              value: point.asInt ?? point.asDouble ?? Number.NaN,
            });
          }
        }
      exports.push({
        resource: attributesOf(resourceMetrics.resource.attributes),
        collectedAtMs,
        points,
      });
    }
    response.setHeader('content-type', 'application/x-protobuf');
    response.end(types.response.encode(types.response.create({})).finish());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/metrics`,
    exports,
    refusals,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
