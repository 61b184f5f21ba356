/**
 * The command ring's synthetic decode loop, off the main thread (the dashboard
 * server lives there). Per command: acquire a slot (blocking while the ring is
 * full), encode for E µs by spinning on this thread, record X µs of device work
 * (busyFor on the cpu backend's executor thread; the built-in spin kernel on
 * cuda), submit. Commands come in bursts with a pause between them, so the loop
 * takes a share of a core and leaves the rest to the other pipelines.
 *
 * With one slot, encoding and execution take turns (utilisation ≈ X / (X + E));
 * with two or more, the next command is encoded while the device runs the last
 * one. The pipeline asks for another ring size through a control word: the
 * worker closes its ring between bursts and opens one of the new size, and its
 * counters carry over.
 *
 * The ring's completion records (one per command: fence, slot, status, op count, start and
 * end) are read here, the ring's one completion reader: right after each burst's waitSync,
 * when the burst's records are all in the completion ring (the ring writes a command's record
 * before it counts the fence complete) and at most a burst of them waits, far below the
 * completion ring's capacity. They go on to the pipeline as CommandTiming records.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  backends,
  type CommandRing,
  CompletionReader,
  type Kernel,
  kernelArg,
  openRing,
} from '@ringkit/metal-cmdring';
import { FixedProducer } from '@ringkit/spsc-ring';
import {
  BURST_SPAN_BYTES,
  CommandRingControl,
  type CommandRingMessage,
  type CommandRingReport,
  CommandRingWord,
  type CommandRingWorkerData,
  CommandTiming,
  CommandTimingStatus,
} from './command-ring-protocol.js';

/** How long one acquire or wait may block before the loop calls the device stuck. */
const DEVICE_TIMEOUT_MS = 10_000;

const data = workerData as CommandRingWorkerData;
const counters = new Float64Array(data.counters);
const control = new Int32Array(data.control);
const spans = data.traceRing === null ? null : FixedProducer.attach(data.traceRing);
const span = new Uint8Array(BURST_SPAN_BYTES);
const spanView = new DataView(span.buffer);
const post = (message: CommandRingMessage) => parentPort!.postMessage(message);
const timings = FixedProducer.attach(data.timingRing);
const timing = new Uint8Array(CommandTiming.BYTES);
const timingView = new DataView(timing.buffer);

const cuda = backends().some((backend) => backend.name === 'cuda' && backend.available);
const executeNs = data.executeUs * 1000;

// The ring open now (null once closed): what the end of the run closes.
let liveRing: CommandRing | null = null;
let spin: Kernel | null = null;
let rings = 0;
let submitted = 0;
// Commands submitted on the ring open now: its fences count from its opening.
let ringSubmitted = 0;
// The statistics of the rings closed so far: the counters carry over a switch.
let closedSubmitted = 0;
let closedCompleted = 0;
let abandoned = 0;
let error: string | null = null;
// The completion reader of the ring open now; what the closed rings' readers lost, and the timing ring.
let completions: CompletionReader | null = null;
let timed = 0;
let closedCompletionsDropped = 0;
let timingsRefused = 0;

function open(ringSize: number): CommandRing {
  const opened = openRing({ backend: cuda ? 'cuda' : 'cpu', ringSize });
  liveRing = opened;
  completions = new CompletionReader(opened.completionBuffer);
  rings++;
  ringSubmitted = 0;
  spin = cuda ? opened.builtinKernel('spin') : null;
  post({
    opened: {
      ringSize,
      backend: opened.backend,
      device: cuda ? opened.deviceName() : null,
      statistics: opened.statisticsBuffer,
    },
  });
  return opened;
}

/** Closes the ring (waiting for what is in flight) and adds its statistics to the carried counters. */
function close(closing: CommandRing): void {
  liveRing = null;
  try {
    abandoned += closing.closeSync().abandonedFences;
    counters[CommandRingWord.ABANDONED] = abandoned;
  } catch (closeError) {
    error ??= `closing the ring failed: ${(closeError as Error).message}`;
  }
  // A closed ring writes no more records: what is left is read now, and its losses carried over.
  forwardTimings(closing);
  closedCompletionsDropped += completions?.dropped ?? 0;
  completions = null;
  const stats = closing.stats();
  closedSubmitted += stats.submittedFences;
  closedCompleted += stats.completedFences;
  counters[CommandRingWord.COMPLETED] = closedCompleted;
}

/**
 * Raises the peak-in-flight word to `inFlight`. Compare-and-swap, not load-then-store: the
 * pipeline resets the word between the two, and the new peak must not be lost to the reset.
 */
function notePeakInFlight(inFlight: number): void {
  for (;;) {
    const peak = Atomics.load(control, CommandRingControl.PEAK_IN_FLIGHT);
    if (inFlight <= peak) return;
    if (
      Atomics.compareExchange(control, CommandRingControl.PEAK_IN_FLIGHT, peak, inFlight) === peak
    )
      return;
  }
}

/** Hands the completion records waiting now to the pipeline, a burst's at a time. */
function forwardTimings(ring: CommandRing): void {
  if (completions === null) return;
  const records = completions.read();
  // The first record of a burst follows the pause: no gap for it.
  let previousEndNs = Number.NaN;
  for (const record of records) {
    timingView.setFloat64(CommandTiming.START_NS, record.startNs, true);
    timingView.setFloat64(CommandTiming.END_NS, record.endNs, true);
    timingView.setFloat64(CommandTiming.GAP_NS, record.startNs - previousEndNs, true);
    timingView.setFloat64(CommandTiming.FENCE, record.fence, true);
    timingView.setUint32(CommandTiming.SLOT, record.slot, true);
    timingView.setUint32(CommandTiming.OP_COUNT, record.opCount, true);
    timingView.setUint32(
      CommandTiming.STATUS,
      record.status === 'failed' ? CommandTimingStatus.FAILED : CommandTimingStatus.COMPLETED,
      true,
    );
    timingView.setUint32(CommandTiming.RING_SIZE, ring.ringSize, true);
    timingView.setUint32(CommandTiming.BURST, counters[CommandRingWord.BURSTS]!, true);
    previousEndNs = record.endNs;
    if (!timings.tryPush(timing)) timingsRefused++;
  }
  timed += records.length;
  counters[CommandRingWord.TIMED] = timed;
  counters[CommandRingWord.TIMINGS_DROPPED] =
    closedCompletionsDropped + completions.dropped + timingsRefused;
}

function encode(microseconds: number): void {
  const end = performance.now() + microseconds / 1000;
  while (performance.now() < end) {
    // spinning: encoding a command keeps this thread busy
  }
}

// Utilisation over windows of at least windowMs of burst-and-pause time.
let windowBusyNs = 0;
let windowBurstNs = 0;
let windowStartedAt = performance.now();
function resetWindow(): void {
  windowBusyNs = 0;
  windowBurstNs = 0;
  windowStartedAt = performance.now();
}

/** One burst of commands; returns once the device completed them all. */
function burst(ring: CommandRing): void {
  const startedAt = performance.timeOrigin + performance.now();
  const started = process.hrtime.bigint();
  const busyBefore = spin === null ? ring.executorBusyNs() : 0;
  let last = 0;
  for (let i = 0; i < data.burstCommands; i++) {
    const slot = ring.acquireSync({ timeoutMs: DEVICE_TIMEOUT_MS });
    encode(data.encodeUs);
    if (spin === null) slot.busyFor(data.executeUs);
    else
      slot.launch(spin, { grid: 1, block: 1, args: [kernelArg.u64(executeNs), kernelArg.u64(0)] });
    last = ring.submit(slot);
    submitted++;
    ringSubmitted++;
    // SUBMITTED is stored before COMPLETED is refreshed: the pipeline's live check allows one
    // command for that (pipelines/command-ring.ts).
    counters[CommandRingWord.SUBMITTED] = submitted;
    const completed = ring.completedFences;
    counters[CommandRingWord.COMPLETED] = closedCompleted + completed;
    // In flight is at its highest right after a submit: the pipeline's sample falls in between.
    notePeakInFlight(ringSubmitted - completed);
  }
  ring.waitSync(last, { timeoutMs: DEVICE_TIMEOUT_MS });
  const wallNs = Number(process.hrtime.bigint() - started);
  counters[CommandRingWord.COMPLETED] = closedCompleted + ring.completedFences;
  forwardTimings(ring);
  // cpu: the executor's own busy clock; cuda: every kernel of the burst ran for executeNs.
  const busyNs =
    spin === null ? ring.executorBusyNs() - busyBefore : data.burstCommands * executeNs;
  windowBusyNs += busyNs;
  windowBurstNs += wallNs;
  counters[CommandRingWord.BURSTS]!++;
  if (spans !== null) {
    spanView.setFloat64(0, startedAt, true);
    spanView.setFloat64(8, wallNs / 1e6, true);
    spanView.setFloat64(16, (100 * busyNs) / wallNs, true);
    spanView.setUint32(24, data.burstCommands, true);
    spanView.setUint32(28, ring.ringSize, true);
    spans.tryPush(span); // a full trace ring drops the span: the trace is a sample
  }
  if (performance.now() - windowStartedAt >= data.windowMs && windowBurstNs > 0) {
    counters[CommandRingWord.UTILISATION_PERCENT] = Math.min(
      100,
      (100 * windowBusyNs) / windowBurstNs,
    );
    resetWindow();
  }
}

try {
  let current = open(data.ringSize);
  resetWindow();
  while (Atomics.load(control, CommandRingControl.STOP) === 0) {
    const requested = Atomics.load(control, CommandRingControl.REQUESTED_RING_SIZE);
    if (requested !== current.ringSize) {
      close(current);
      current = open(requested);
      resetWindow();
    }
    burst(current);
    // The pause; a stop request (stored and notified) ends it early.
    Atomics.wait(control, CommandRingControl.STOP, 0, data.pauseMs);
  }
} catch (loopError) {
  // A command that failed poisons the ring; a timeout means the device stopped: report, then stop.
  error ??= (loopError as Error).message;
  post({ error: error! });
}
if (liveRing !== null) close(liveRing);
spans?.close();
timings.close();
const report: CommandRingReport = {
  submitted,
  ringSubmitted: closedSubmitted,
  completed: closedCompleted,
  abandoned,
  rings,
  error,
};
post({ report });
