import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Attributes } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  type IMetricReader,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { describeValue, MetricsError } from './errors.js';
import { RingkitMetrics } from './ringkit-metrics.js';
import { VERSION } from './version.js';

export interface PrometheusOptions {
  /** Default 9464 (Prometheus' registered exporter port); 0 picks a free one (see `prometheusUrl`). */
  readonly port?: number;
  /** Default '127.0.0.1': only this host may scrape. '0.0.0.0' lets a Prometheus elsewhere scrape. */
  readonly host?: string;
  /** Default '/metrics'. */
  readonly path?: string;
}

export interface OtlpOptions {
  /** An OTLP/HTTP metrics endpoint, e.g. 'http://collector:4318/v1/metrics'. */
  readonly url: string;
  /** How often the metrics are read and sent; default 10 000 ms. */
  readonly intervalMs?: number;
  /** Extra request headers (an API key). */
  readonly headers?: Record<string, string>;
}

export interface StartMetricsOptions {
  /** Serve `/metrics` for Prometheus to scrape. */
  readonly prometheus?: PrometheusOptions;
  /** Push to an OTLP/HTTP receiver (protobuf), every `intervalMs`. */
  readonly otlp?: OtlpOptions;
  /** The resource's `service.name`; default 'ringkit'. */
  readonly serviceName?: string;
  /** Attributes on every value (RingkitMetrics' `attributes`), e.g. `{ pipeline: 'capture' }`. */
  readonly attributes?: Attributes;
}

/** What startMetrics started: observe sources on `metrics`, and close it at the end. */
export interface RunningMetrics {
  readonly metrics: RingkitMetrics;
  readonly meterProvider: MeterProvider;
  /** Where Prometheus scrapes, e.g. 'http://127.0.0.1:9464/metrics'; null without `prometheus`. */
  readonly prometheusUrl: string | null;
  /** Reads every source now and sends the values to the OTLP receiver. */
  forceFlush(): Promise<void>;
  /** Sends a last OTLP export, stops the Prometheus endpoint and the provider. Idempotent. */
  close(): Promise<void>;
}

const DEFAULT_PROMETHEUS_PORT = 9464;
const DEFAULT_OTLP_INTERVAL_MS = 10_000;

/**
 * A meter provider of its own (not the global one) with the readers asked for, and
 * RingkitMetrics on it: a Prometheus endpoint, an OTLP/HTTP exporter, or both.
 */
export async function startMetrics(options: StartMetricsOptions): Promise<RunningMetrics> {
  if (typeof options !== 'object' || options === null)
    throw new MetricsError(
      'INVALID_OPTIONS',
      `startMetrics takes an object ({ prometheus, otlp }), got ${describeValue(options)}.`,
    );
  const { prometheus, otlp } = options;
  if (prometheus === undefined && otlp === undefined)
    throw new MetricsError(
      'INVALID_OPTIONS',
      'startMetrics needs prometheus, otlp or both: with neither, nothing would leave the process.',
    );
  const readers: IMetricReader[] = [];
  let endpoint: PrometheusEndpoint | null = null;
  if (prometheus !== undefined) {
    endpoint = await servePrometheus(prometheus);
    readers.push(endpoint.exporter);
  }
  if (otlp !== undefined) readers.push(otlpReader(otlp));
  const meterProvider = new MeterProvider({
    resource: resourceFromAttributes({
      'service.name': options.serviceName ?? 'ringkit',
      'telemetry.sdk.name': '@ringkit/otel',
    }),
    readers,
  });
  const metrics = new RingkitMetrics({
    meter: meterProvider.getMeter('@ringkit/otel', VERSION),
    ...(options.attributes === undefined ? {} : { attributes: options.attributes }),
  });
  let closing: Promise<void> | null = null;
  return {
    metrics,
    meterProvider,
    prometheusUrl: endpoint?.url ?? null,
    forceFlush: () => meterProvider.forceFlush(),
    close() {
      closing ??= (async () => {
        // Shutdown's last collection must still read every source: with the callbacks gone
        // first, OpenTelemetry would repeat each counter's previous reading under the new time.
        try {
          await meterProvider.shutdown();
        } finally {
          metrics.close();
        }
        await endpoint?.close();
      })();
      return closing;
    },
  };
}

interface PrometheusEndpoint {
  readonly exporter: PrometheusExporter;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The exporter's own server cannot listen on port 0 and say where it went, nor report a busy
 * port to its caller, so it is served from a server of ours.
 */
async function servePrometheus(options: PrometheusOptions): Promise<PrometheusEndpoint> {
  const port = options.port ?? DEFAULT_PROMETHEUS_PORT;
  const host = options.host ?? '127.0.0.1';
  const path = options.path ?? '/metrics';
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new MetricsError(
      'INVALID_OPTIONS',
      `prometheus.port must be a whole number from 0 to 65535, got ${describeValue(port)}.`,
    );
  if (typeof path !== 'string' || !path.startsWith('/'))
    throw new MetricsError(
      'INVALID_OPTIONS',
      `prometheus.path must start with "/", got ${describeValue(path)}.`,
    );
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const server = createServer((request, response) => {
    const requested = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (requested === path && request.method === 'GET')
      exporter.getMetricsRequestHandler(request, response);
    else {
      response.statusCode = 404;
      response.end(`ringkit metrics are served at ${path}\n`);
    }
  });
  await listen(server, port, host);
  const { port: bound } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    exporter,
    url: `http://${shownHost}:${bound}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new MetricsError(
          'INVALID_OPTIONS',
          error.code === 'EADDRINUSE'
            ? `port ${port} on ${host} is in use: pick another prometheus.port (0 picks a free one).`
            : `the Prometheus endpoint could not listen on ${host}:${port} (${error.message}).`,
          { cause: error },
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
}

function otlpReader(options: OtlpOptions): PeriodicExportingMetricReader {
  if (typeof options !== 'object' || options === null || typeof options.url !== 'string')
    throw new MetricsError(
      'INVALID_OPTIONS',
      `otlp needs a url (e.g. 'http://collector:4318/v1/metrics'), got ${describeValue(options)}.`,
    );
  let url: URL;
  try {
    url = new URL(options.url);
  } catch (error) {
    throw new MetricsError('INVALID_OPTIONS', `otlp.url is not a URL: ${options.url}.`, {
      cause: error,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new MetricsError(
      'INVALID_OPTIONS',
      `otlp.url must be http: or https: (OTLP/HTTP), got ${url.protocol}.`,
    );
  const intervalMs = options.intervalMs ?? DEFAULT_OTLP_INTERVAL_MS;
  if (!Number.isInteger(intervalMs) || intervalMs < 100)
    throw new MetricsError(
      'INVALID_OPTIONS',
      `otlp.intervalMs must be a whole number of at least 100, got ${describeValue(intervalMs)}.`,
    );
  return new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({
      url: url.href,
      ...(options.headers === undefined ? {} : { headers: options.headers }),
    }),
    exportIntervalMillis: intervalMs,
    // An export may take up to its interval; the default 30 s would exceed a short interval.
    exportTimeoutMillis: Math.min(intervalMs, 30_000),
  });
}
