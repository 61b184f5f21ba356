// The readers' period on the event loop: one native libuv timer per reader, re-armed for each
// period (native/src/period_timer.hpp). On a machine where waking a sleeping thread is most of
// what a period costs, setTimeout's JavaScript timer list and the timer, closures and promise a
// `setTimeout` per period makes were a fifth of it (README, "What the JS side costs per event").
import { requireNative } from './native.js';
import type { RawPeriodTimer } from './native-binding.js';

export class Period {
  private timer: RawPeriodTimer | null = null;
  /** What runs when the period ends; null while none is pending. */
  private afterSleep: (() => void) | null = null;

  constructor(
    /** Milliseconds from each sleep() to its callback. */
    readonly ms: number,
  ) {}

  /** Calls `then` once the period is over (the timer is created with the first sleep). */
  sleep(then: () => void): void {
    this.afterSleep = then;
    this.timer ??= requireNative('read').createPeriodTimer(this.ended);
    this.timer.arm(this.ms);
  }

  /** A promise of sleep(). */
  over(): Promise<void> {
    return new Promise((resolve) => this.sleep(resolve));
  }

  /** Ends a pending sleep now, on the next microtask (its callback still runs, once). */
  wake(): void {
    this.timer?.cancel();
    if (this.afterSleep !== null) queueMicrotask(this.ended);
  }

  /**
   * Lets go of the timer (a later sleep() makes another). A pending sleep ends now, as with
   * wake(): nobody is left waiting for a timer that will never fire.
   */
  close(): void {
    this.timer?.close();
    this.timer = null;
    if (this.afterSleep !== null) queueMicrotask(this.ended);
  }

  private readonly ended = (): void => {
    const then = this.afterSleep;
    this.afterSleep = null;
    then?.();
  };
}
