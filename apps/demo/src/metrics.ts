import type { RunningMetrics } from '@ringkit/otel';
import { type DemoOptions, UsageError } from './cli.js';

/** --otlp pushes this often: the same second as a Prometheus scraping every second. */
export const OTLP_INTERVAL_MS = 1000;

/**
 * Starts the exporters the flags ask for (--metrics-port, --otlp), or returns null when they
 * ask for none. OpenTelemetry is loaded only then: a demo without metrics does not pay for it.
 */
export async function startDemoMetrics(options: DemoOptions): Promise<RunningMetrics | null> {
  const { metricsPort, otlpUrl } = options;
  if (metricsPort === null && otlpUrl === null) return null;
  const { startMetrics } = await import('@ringkit/otel');
  try {
    return await startMetrics({
      ...(metricsPort === null ? {} : { prometheus: { port: metricsPort } }),
      ...(otlpUrl === null ? {} : { otlp: { url: otlpUrl, intervalMs: OTLP_INTERVAL_MS } }),
      serviceName: 'ringkit-demo',
    });
  } catch (error) {
    // @ringkit/otel's sentence names its own option; the user can change the flag.
    if ((error as { cause?: NodeJS.ErrnoException }).cause?.code === 'EADDRINUSE')
      throw new UsageError(
        `--metrics-port ${metricsPort} is in use on 127.0.0.1: pass a free one, or --metrics-port 0 for any free port.`,
      );
    throw error;
  }
}
