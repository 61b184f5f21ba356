import type { CommandTimingsView } from '../views.js';

/** Commands the panel's timeline shows: two bursts of 20, so one whole burst is always in view. */
export const RECENT_COMMANDS = 40;

/**
 * Per-command device time and the gaps between commands, from the ring's completion records:
 * the last RECENT_COMMANDS for the panel's timeline, and the medians of the commands completed
 * since the previous sample (the panel's figures and charts). A gap is how long the device sat
 * idle between two commands of a burst: with one slot, the next command's encoding; with more,
 * only the hand-off.
 */
export class CommandTimings {
  private readonly recent: { deviceUs: number; gapUs: number | null }[] = [];
  private deviceSinceSample: number[] = [];
  private gapsSinceSample: number[] = [];
  private medianDeviceUs: number | null = null;
  private medianGapUs: number | null = null;

  /** One command: its device time and the gap before it (NaN: the first of its burst). */
  add(deviceNs: number, gapNs: number): void {
    const deviceUs = deviceNs / 1000;
    const gapUs = Number.isNaN(gapNs) ? null : gapNs / 1000;
    this.recent.push({ deviceUs, gapUs });
    if (this.recent.length > RECENT_COMMANDS) this.recent.shift();
    this.deviceSinceSample.push(deviceUs);
    if (gapUs !== null) this.gapsSinceSample.push(gapUs);
  }

  /**
   * The view for one sample; starts the next sample's medians. A sample with no new commands
   * (the ring being switched) keeps the last medians.
   */
  take(timed: number, dropped: number): CommandTimingsView {
    if (this.deviceSinceSample.length > 0) this.medianDeviceUs = median(this.deviceSinceSample);
    if (this.gapsSinceSample.length > 0) this.medianGapUs = median(this.gapsSinceSample);
    this.deviceSinceSample = [];
    this.gapsSinceSample = [];
    return {
      recentCommands: [...this.recent],
      medianDeviceUs: this.medianDeviceUs,
      medianGapUs: this.medianGapUs,
      timedCommands: timed,
      timingsDropped: dropped,
    };
  }
}

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const middle = values.length >> 1;
  return values.length % 2 === 1 ? values[middle]! : (values[middle - 1]! + values[middle]!) / 2;
}
