// @ts-check
// Following the demo: the samples so far from /api/state, then one per tick over server-sent
// events (/events), and the overhead verdicts from /api/overhead now and then. What to draw is
// the caller's; this module only decides what arrives when.

/** @import { DashboardState, OverheadSummary, Sample } from '../../src/views.js' */

/** The verdicts change only when a benchmark runs: look again every half minute. */
const OVERHEAD_POLL_MS = 30_000;

/**
 * @typedef {object} Display
 * @property {(sample: Sample) => void} sample draws one sample; called oldest first, each once
 * @property {(summary: OverheadSummary) => void} overhead draws the verdicts; called again only when they change
 * @property {() => void} stopped the demo has ended: no more samples will come
 */

/**
 * Draws the history, then follows the stream; resolves once the history is drawn.
 * @param {Display} display
 */
export async function followDemo(display) {
  // Subscribe first, then fetch what came before: samples arriving meanwhile wait
  // in `pending`, so the charts have no gap between the history and the stream.
  const events = new EventSource('/events');
  /** @type {Sample[] | null} */
  let pending = [];
  events.addEventListener('sample', (event) => {
    const sample = /** @type {Sample} */ (JSON.parse(event.data));
    if (pending === null) display.sample(sample);
    else pending.push(sample);
  });
  const state = /** @type {DashboardState} */ (await (await fetch('/api/state')).json());
  display.overhead(state.overhead);
  let overheadShown = JSON.stringify(state.overhead);
  const firstStreamed = pending[0]?.at ?? Number.POSITIVE_INFINITY;
  for (const sample of state.history) if (sample.at < firstStreamed) display.sample(sample);
  for (const sample of pending) display.sample(sample);
  pending = null;
  events.addEventListener('stopped', () => {
    events.close();
    display.stopped();
  });
  setInterval(async () => {
    const latest = /** @type {OverheadSummary} */ (await (await fetch('/api/overhead')).json());
    if (JSON.stringify(latest) !== overheadShown) {
      overheadShown = JSON.stringify(latest);
      display.overhead(latest);
    }
  }, OVERHEAD_POLL_MS);
}
