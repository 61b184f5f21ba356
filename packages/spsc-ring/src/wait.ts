import { RingError } from './errors.js';
import type { WaitDomainName } from './header.js';
import { requireNative } from './native.js';
import { barrierForPeer } from './publish-mode.js';

export interface WaitOptions {
  /** Give up after this long (default: wait forever, in ticks). */
  readonly timeoutMs?: number;
  /** No single sleep lasts longer: the backstop against a lost wake-up, and how often `until` is asked. Default 100. */
  readonly tickMs?: number;
  /**
   * Checked every tick and after every wake-up; true ends the wait with 'until'
   * (e.g. "execution complete"). Read shared state with Atomics here, and a
   * third party that changes it can end the wait at once with nudgeConsumer/nudgeProducer.
   */
  readonly until?: () => boolean;
  /**
   * Polls before going to sleep: keeps latency low when the other side is quick.
   * The spin ends after `spin` polls (default 1000) or `spinMicros` microseconds,
   * whichever comes first. 0: sleep at once.
   */
  readonly spin?: number;
  /**
   * The longest the spin lasts, in microseconds (default 20). A spin is CPU taken
   * from whatever else could run, so an idle ring costs at most this per wait.
   */
  readonly spinMicros?: number;
  /**
   * Consumers: while spinning, wait for this many records (fixed) or bytes (byte
   * records) rather than the first one; once the spin is over, anything there
   * ends the wait. Default 1. A consumer that keeps up with a producer pushing
   * one record at a time otherwise re-reads the producer's position after every
   * record, and each read pulls that cache line away from the producer; asking
   * for a batch spaces the reads out (latency grows by at most the spin).
   */
  readonly atLeast?: number;
  /**
   * `publish` (default): raise the waiting flag so the other side wakes this one
   * as soon as it publishes — lowest latency, but each wake-up costs the waker
   * a notify (microseconds when the sleeper's core is idle). `tick`: sleep whole
   * ticks without raising the flag, so the other side never pays for a wake-up;
   * latency is bounded by the tick. The right choice for a telemetry drain.
   */
  readonly wakeOn?: 'publish' | 'tick';
  /**
   * End with 'peer-gone' when the other side has not shown a sign of life for
   * this long. Without it, only a peer whose process has exited counts as gone.
   */
  readonly peerTimeoutMs?: number;
}

/**
 * How a wait ended: what was waited for is there, the ring is closed, time ran
 * out, `until` said stop, or the other side's process is gone (or silent past `peerTimeoutMs`).
 */
export type WaitOutcome = 'ready' | 'closed' | 'timeout' | 'until' | 'peer-gone';

type SleepResult = 'ok' | 'not-equal' | 'timed-out';

/** Sleep and wake on one word of the header: Atomics in-process, futex across the OS. */
export interface SleepPrimitive {
  sleep(words: Int32Array, index: number, expected: number, timeoutMs: number): SleepResult;
  sleepAsync(
    words: Int32Array,
    index: number,
    expected: number,
    timeoutMs: number,
  ): Promise<SleepResult>;
  wake(words: Int32Array, index: number): void;
}

/** The longest delay setTimeout takes as given (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;
const keepAlive = () => {};

const processPrimitive: SleepPrimitive = {
  sleep: (words, index, expected, timeoutMs) => Atomics.wait(words, index, expected, timeoutMs),
  async sleepAsync(words, index, expected, timeoutMs) {
    const result = Atomics.waitAsync(words, index, expected, timeoutMs);
    if (!result.async) return result.value;
    // Atomics.waitAsync holds no handle on the event loop: a process whose only work is this
    // wait would exit before it settles (an unsettled top-level await: exit code 13). A timer
    // that outlives the wait holds one until it settles, whatever order Node runs its timers
    // and V8's timeout task in: one as long as the sleep (as before) relied on V8's firing first.
    const holder = setInterval(keepAlive, MAX_TIMER_MS);
    try {
      return await result.value;
    } finally {
      clearInterval(holder);
    }
  },
  wake(words, index) {
    Atomics.notify(words, index);
  },
};

let osPrimitive: SleepPrimitive | undefined;

/** The primitive for a domain; `os` loads the addon or throws NATIVE_UNAVAILABLE. */
export function sleepPrimitive(domain: WaitDomainName): SleepPrimitive {
  if (domain === 'process') return processPrimitive;
  if (osPrimitive === undefined) {
    const native = requireNative('wait domain "os" (futex)');
    osPrimitive = {
      sleep: (words, index, expected, timeoutMs) =>
        native.futexWait(words, index, expected, timeoutMs),
      sleepAsync: (words, index, expected, timeoutMs) =>
        native.futexWaitAsync(words, index, expected, timeoutMs),
      wake(words, index) {
        native.futexWake(words, index, 1);
      },
    };
  }
  return osPrimitive;
}

/** One side's sleeping arrangement: its flag, the word it sleeps on, what it waits for. */
export interface Sleeper {
  readonly words: Int32Array;
  readonly primitive: SleepPrimitive;
  readonly flagIndex: number;
  readonly signalIndex: number;
  /** The other side's publish-mode word: whether this sleeper must issue the barrier. */
  readonly peerModeIndex: number;
  /** 'ready' or 'closed' when the wait is over, null to keep waiting; `atLeast` as in WaitOptions. */
  readonly check: (atLeast?: number) => 'ready' | 'closed' | null;
  /** Once per tick: show this side is alive, and say whether the other side is gone. */
  readonly tick?: (peerTimeoutMs: number | undefined) => boolean;
}

const DEFAULT_TICK_MS = 100;
const DEFAULT_SPIN = 1000;
const DEFAULT_SPIN_MICROS = 20;
/** Polls between two looks at the clock while spinning (a clock read costs ~50 ns here). */
const POLLS_PER_CLOCK_READ = 8;

function invalidWait(message: string): RingError {
  return new RingError('INVALID_OPTIONS', message);
}

function checkOptions(options: WaitOptions): {
  deadline: number;
  spinEnd: number;
  tickMs: number;
  spin: number;
  atLeast: number;
} {
  const timeoutMs = options.timeoutMs ?? Number.POSITIVE_INFINITY;
  const tickMs = options.tickMs ?? DEFAULT_TICK_MS;
  const spin = options.spin ?? DEFAULT_SPIN;
  const spinMicros = options.spinMicros ?? DEFAULT_SPIN_MICROS;
  const atLeast = options.atLeast ?? 1;
  if (!(spinMicros >= 0 && Number.isFinite(spinMicros)))
    throw invalidWait(`spinMicros must be a finite number ≥ 0, spinMicros=${spinMicros}`);
  if (!(Number.isInteger(atLeast) && atLeast >= 1))
    throw invalidWait(`atLeast must be an integer ≥ 1, atLeast=${atLeast}`);
  if (!(timeoutMs >= 0)) throw invalidWait(`timeoutMs must be ≥ 0, timeoutMs=${timeoutMs}`);
  if (!(tickMs > 0 && Number.isFinite(tickMs)))
    throw invalidWait(`tickMs must be a positive number of milliseconds, tickMs=${tickMs}`);
  if (!(Number.isInteger(spin) && spin >= 0))
    throw invalidWait(`spin must be an integer ≥ 0, spin=${spin}`);
  const now = performance.now();
  return { deadline: now + timeoutMs, spinEnd: now + spinMicros / 1000, tickMs, spin, atLeast };
}

let backOffSink = 0;

/**
 * Spaces out the spinning polls: each poll of the other side's position pulls
 * its cache line away from the writer, so polling flat out slows the very side
 * we wait for. Local arithmetic, growing with the spin, no shared memory.
 */
function backOff(iteration: number): void {
  let x = backOffSink;
  for (let k = Math.min(iteration, 64); k > 0; k--) x = (x * 1103515245 + 12345) | 0;
  backOffSink = x;
}

interface SleepRequest {
  readonly expected: number;
  readonly timeoutMs: number;
}

/**
 * The protocol, written once for both callers: bounded spin → set the waiting
 * flag → re-check → sleep on the signal word, at most one tick at a time. It
 * yields each sleep it wants; the caller sleeps (blocking or not) and resumes it.
 * The flag store and the re-check are sequentially consistent, as are the
 * waker's publish and its flag load: one of the two always sees the other, so a
 * wake-up cannot be lost.
 */
function* waitProtocol(
  sleeper: Sleeper,
  options: WaitOptions,
): Generator<SleepRequest, WaitOutcome, void> {
  const { deadline, spinEnd, tickMs, spin, atLeast } = checkOptions(options);
  for (let i = 0; i < spin; i++) {
    const outcome = sleeper.check(atLeast);
    if (outcome !== null) return outcome;
    if (i % POLLS_PER_CLOCK_READ === POLLS_PER_CLOCK_READ - 1 && performance.now() >= spinEnd)
      break;
    backOff(i);
  }
  const { words, flagIndex, signalIndex } = sleeper;
  const raiseFlag = (options.wakeOn ?? 'publish') === 'publish';
  for (;;) {
    const outcome = sleeper.check();
    if (outcome !== null) return outcome;
    if (options.until?.()) return 'until';
    if (sleeper.tick?.(options.peerTimeoutMs)) return 'peer-gone';
    const remaining = deadline - performance.now();
    if (remaining <= 0) return 'timeout';
    const seen = Atomics.load(words, signalIndex);
    if (!raiseFlag) {
      yield { expected: seen, timeoutMs: Math.min(tickMs, remaining) };
      continue;
    }
    Atomics.store(words, flagIndex, 1);
    // Read after the flag is up: a side that starts publishing light later stored its mode
    // (sequentially consistent) after this read, so its flag loads will see our flag.
    const barrierIssued = barrierForPeer(Atomics.load(words, sleeper.peerModeIndex));
    const recheck = sleeper.check();
    if (recheck !== null) {
      Atomics.store(words, flagIndex, 0);
      return recheck;
    }
    // Asked again after the flag is up: a third party that changes what `until`
    // looks at and then nudges (nudgeConsumer/nudgeProducer) is never missed.
    if (options.until?.()) {
      Atomics.store(words, flagIndex, 0);
      return 'until';
    }
    yield { expected: seen, timeoutMs: Math.min(barrierIssued ? tickMs : 1, remaining) };
    Atomics.store(words, flagIndex, 0);
  }
}

/** Blocks the calling thread (a worker's, or the main thread when that is acceptable). */
export function waitSync(sleeper: Sleeper, options: WaitOptions = {}): WaitOutcome {
  const steps = waitProtocol(sleeper, options);
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done) return step.value;
    sleeper.primitive.sleep(
      sleeper.words,
      sleeper.signalIndex,
      step.value.expected,
      step.value.timeoutMs,
    );
  }
}

/** Never blocks the event loop. */
export async function waitAsync(sleeper: Sleeper, options: WaitOptions = {}): Promise<WaitOutcome> {
  const steps = waitProtocol(sleeper, options);
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done) return step.value;
    await sleeper.primitive.sleepAsync(
      sleeper.words,
      sleeper.signalIndex,
      step.value.expected,
      step.value.timeoutMs,
    );
  }
}

/**
 * On x86-64 the flag is a plain load (a move instead of a call, ~8 ns in Node 20).
 * After a fenced publish it follows the XCHG that V8 emits for `Atomics.store`, a
 * full barrier, so it is as strong as `Atomics.load`; after a light publish (a
 * plain store) the sleeper's membarrier provides the order (publish-mode.ts).
 * Elsewhere (weakly ordered CPUs, always fenced) the flag is loaded with `Atomics.load`.
 */
const PLAIN_FLAG_LOAD = process.arch === 'x64';

/**
 * The waker's half: after publishing, one load; if the other side sleeps, take
 * its flag (exchange) and wake it. Taking the flag means one sleep costs one
 * wake-up, however many publishes happen before the sleeper runs again.
 * Must directly follow the store that published (fenced or light).
 */
export function wakeIfWaiting(
  words: Int32Array,
  primitive: SleepPrimitive,
  flagIndex: number,
  signalIndex: number,
): void {
  const raised = PLAIN_FLAG_LOAD ? words[flagIndex] : Atomics.load(words, flagIndex);
  if (raised !== 0) takeFlagAndWake(words, primitive, flagIndex, signalIndex);
}

/** The rare half, kept out of every publish (V8's inlining budget, see record-copy.ts). */
function takeFlagAndWake(
  words: Int32Array,
  primitive: SleepPrimitive,
  flagIndex: number,
  signalIndex: number,
): void {
  if (Atomics.exchange(words, flagIndex, 0) !== 0) {
    Atomics.add(words, signalIndex, 1);
    primitive.wake(words, signalIndex);
  }
}
