/** How far back a rate looks: long enough to smooth 250 ms ticks, short enough to follow a change. */
const WINDOW_MS = 1000;

/**
 * Per-second rates of cumulative counters, over the last second of readings.
 * Pipelines report only running totals; turning them into rates here keeps
 * every pipeline free of timing code and makes all rates comparable.
 */
export class RateTracker {
  private readonly readings: { at: number; values: Map<string, number> }[] = [];

  /** Records the totals read at `at` (ms) and returns each one's rate per second. */
  update(at: number, values: Map<string, number>): Map<string, number> {
    this.readings.push({ at, values });
    while (this.readings.length > 2 && at - this.readings[1]!.at >= WINDOW_MS)
      this.readings.shift();
    const rates = new Map<string, number>();
    for (const [key, value] of values) {
      // A key that appeared within the window (a syscall entering the top list) is rated from its first reading.
      const since = this.readings.find((reading) => reading.values.has(key))!;
      const seconds = (at - since.at) / 1000;
      const before = since.values.get(key)!;
      rates.set(key, seconds > 0 ? Math.max(0, (value - before) / seconds) : 0);
    }
    return rates;
  }
}
