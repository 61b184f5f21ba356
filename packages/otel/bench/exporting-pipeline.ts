/**
 * One pipeline, two ways of running it, in one process: 32-byte records through an spsc-ring ring
 * (both ends on this thread, drained every 256 records, the event loop let in every 65 536 so
 * timers and exports run as they would in an agent), with its metrics exported or not.
 *
 * The exporters (a Prometheus endpoint and an OTLP/HTTP exporter) exist in both modes; an
 * exporting run makes one OTLP export and serves one scrape while it moves its records. Both modes
 * run in the same process so that bench-kit can interleave them: run as two processes, this
 * comparison moved by ±15% from one run to the next whatever was exported, each process's speed
 * set by where its memory landed and by what ran on the vCPU beside it (see the README).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createRing, FixedConsumer, FixedProducer } from '@ringkit/spsc-ring';
import { type RunningMetrics, startMetrics } from '../dist/index.js';

const COLLECTOR = fileURLToPath(new URL('./collector.mjs', import.meta.url));
const SLICE = 65_536;
/** Never fires by itself: each exporting run calls forceFlush() once instead. */
const NO_PERIODIC_EXPORT_MS = 2 ** 31 - 1;

export class ExportingPipeline {
  readonly #producer: FixedProducer;
  readonly #consumer: FixedConsumer;
  readonly #record = new Uint8Array(32);
  readonly #ignore = () => {};
  readonly #telemetry: RunningMetrics;
  readonly #collector: ChildProcess;
  readonly #replies: AsyncIterator<string>;

  private constructor(
    ring: SharedArrayBuffer,
    telemetry: RunningMetrics,
    collector: ChildProcess,
    replies: AsyncIterator<string>,
  ) {
    this.#producer = FixedProducer.attach(ring);
    this.#consumer = FixedConsumer.attach(ring);
    this.#telemetry = telemetry;
    this.#collector = collector;
    this.#replies = replies;
    telemetry.metrics.observeRing('frames', this.#consumer);
  }

  /**
   * The ring, the exporters and the collector process (Prometheus' scraper and the OTLP receiver,
   * in another process as in a deployment); the first scrape and export are made here, as a
   * long-running agent made them long ago.
   */
  static async start(): Promise<ExportingPipeline> {
    const collector = spawn(process.execPath, [COLLECTOR], { stdio: ['pipe', 'pipe', 'inherit'] });
    const replies = createInterface({ input: collector.stdout as NodeJS.ReadableStream })[
      Symbol.asyncIterator
    ]();
    // A collector that died is reported by the reply it never sends, not by a write's EPIPE.
    collector.stdin?.on('error', () => {});
    const receiverPort = (await replies.next()).value as string;
    const telemetry = await startMetrics({
      prometheus: { port: 0 },
      otlp: {
        url: `http://127.0.0.1:${receiverPort}/v1/metrics`,
        intervalMs: NO_PERIODIC_EXPORT_MS,
      },
      attributes: { pipeline: 'bench' },
    });
    const ring = createRing({ kind: 'fixed', capacity: 4096, recordSize: 32 });
    const pipeline = new ExportingPipeline(ring, telemetry, collector, replies);
    collector.stdin?.write(`${telemetry.prometheusUrl}\n`);
    await pipeline.#scraped();
    await telemetry.forceFlush();
    return pipeline;
  }

  /**
   * Moves `records` records; exporting, it also asks the collector for one scrape and makes one
   * OTLP export on the way, and returns only once both are done.
   */
  async move(records: number, exporting: boolean): Promise<number> {
    let scraped: Promise<void> | undefined;
    let exported: Promise<void> | undefined;
    if (exporting) {
      this.#collector.stdin?.write('scrape\n');
      scraped = this.#scraped();
      exported = this.#telemetry.forceFlush();
      // Awaited once the records are moved; a failure before then is not an unhandled rejection.
      scraped.catch(() => {});
      exported.catch(() => {});
    }
    let delivered = 0;
    for (let sent = 0; sent < records; sent += SLICE) {
      delivered += this.#moveSlice(Math.min(SLICE, records - sent));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await scraped;
    await exported;
    if (delivered !== records) throw new Error(`delivered ${delivered} of ${records} records`);
    return records;
  }

  async stop(): Promise<void> {
    this.#collector.stdin?.end();
    await this.#telemetry.close();
    await once(this.#collector, 'exit');
  }

  /**
   * One slice: `count` records pushed, drained every 256. One drain call site: a second one after
   * the loop had no type feedback when V8 compiled the loop on stack (OSR), deoptimised on its
   * first call, and the recompiled loop ran at one of two speeds 1.7x apart.
   */
  #moveSlice(count: number): number {
    let delivered = 0;
    const last = count - 1;
    for (let sent = 0; sent < count; sent++) {
      this.#producer.tryPush(this.#record);
      if ((sent & 255) === 255 || sent === last) delivered += this.#consumer.drain(this.#ignore);
    }
    return delivered;
  }

  async #scraped(): Promise<void> {
    const reply = await this.#replies.next();
    if (reply.done) throw new Error('the collector process exited before its scrape was done');
    if (reply.value !== 'scraped') throw new Error(`the collector's scrape: ${reply.value}`);
  }
}
