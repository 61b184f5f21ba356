// @ts-check
// The panels index.html always has: pipeline statuses and banners, the live "nothing lost" line,
// events and drops per source, ring fill, and the overhead verdicts.

/** @import { OverheadSummary, PeakSince, Sample } from '../../src/views.js' */

import { element, find, row } from './dom.js';
import { formatCount } from './format.js';
import { SeriesChart } from './series-chart.js';

const throughputChart = new SeriesChart(find('#throughput-chart', HTMLElement), { unit: '/s' });
const dropsChart = new SeriesChart(find('#drops-chart', HTMLElement), { unit: '/s' });

/**
 * Each pipeline's status in the header, the uptime, and a banner per fallback or failure.
 * @param {Sample} sample
 */
export function renderStatuses(sample) {
  find('#statuses', HTMLElement).replaceChildren(
    ...sample.pipelines.map((pipeline) =>
      element(
        'span',
        {
          class: `status ${pipeline.status}`,
          'data-status': pipeline.id,
          title: pipeline.error ?? '',
        },
        `${pipeline.title}: ${pipeline.status}`,
      ),
    ),
  );
  find('[data-figure="uptime"]', HTMLElement).textContent = `${sample.uptimeSeconds.toFixed(0)} s`;
  const banners = sample.pipelines.flatMap((pipeline) => [
    ...(pipeline.banner
      ? [element('div', { class: 'banner', 'data-banner': pipeline.id }, pipeline.banner)]
      : []),
    ...(pipeline.error
      ? [
          element(
            'div',
            { class: 'banner error', 'data-error': pipeline.id },
            `${pipeline.title} failed: ${pipeline.error}`,
          ),
        ]
      : []),
  ]);
  find('#banners', HTMLElement).replaceChildren(...banners);
}

/** Says in the header that the demo has ended (its stream closed for good). */
export function showStopped() {
  find('#statuses', HTMLElement).append(
    element('span', { class: 'status failed' }, 'demo stopped'),
  );
}

/**
 * Events and drops per second of every source of every pipeline: charted, and tabled with the
 * running totals.
 * @param {Sample} sample
 */
export function renderSources(sample) {
  const time = sample.at / 1000;
  const sources = sample.pipelines.flatMap((pipeline) =>
    pipeline.sources.map((source) => ({ ...source, key: `${pipeline.id} / ${source.name}` })),
  );
  throughputChart.push(
    time,
    sources.map((source) => [source.key, source.perSecond]),
  );
  dropsChart.push(
    time,
    sources.map((source) => [source.key, source.droppedPerSecond]),
  );
  find('#sources', HTMLTableElement).replaceChildren(
    row(
      [
        'source',
        { text: 'events/s', numeric: true },
        { text: 'drops/s', numeric: true },
        { text: 'delivered', numeric: true },
        { text: 'dropped', numeric: true },
      ],
      true,
    ),
    ...sources.map((source) =>
      row([
        source.key,
        { text: formatCount(source.perSecond), numeric: true, figure: `rate:${source.key}` },
        { text: formatCount(source.droppedPerSecond), numeric: true },
        { text: String(source.delivered), numeric: true, figure: `delivered:${source.key}` },
        { text: String(source.dropped), numeric: true, figure: `dropped:${source.key}` },
      ]),
    ),
  );
}

/** What a ring's peak covers, as its label says it. @type {Record<PeakSince, string>} */
const PEAK_SPAN = { sample: 'since the last sample', start: 'since the start' };
/** The same, at more length, for the label's tooltip. @type {Record<PeakSince, string>} */
const PEAK_TOOLTIP = {
  sample:
    'The fullest this ring got between the previous sample and this one (the mark its consumer raises at each drain, taken once per sample). The instant fill is read just after a drain, so it is usually near 0.',
  start:
    'The fullest this ring got since the pipeline started: its mark can be read but not reset from here, so it only ever rises.',
};

/**
 * A width for a bar: a ring a fraction of a percent full would be invisible, so at least a sliver.
 * @param {number} count
 * @param {number} percent
 */
const barWidth = (count, percent) => `${count > 0 ? Math.max(0.5, percent) : 0}%`;

/**
 * How full each ring of each pipeline is: the instant fill as the solid bar, and the peak since
 * the last sample (or the start) as the pale bar behind it, ending in a tick.
 * @param {Sample} sample
 */
export function renderRings(sample) {
  const rings = sample.pipelines.flatMap((pipeline) =>
    pipeline.rings.map((ring) => ({ ...ring, key: `${pipeline.id} / ${ring.name}` })),
  );
  find('#rings', HTMLElement).replaceChildren(
    ...rings.map((ring) => {
      const now = element('span', { class: 'now' });
      now.style.width = barWidth(ring.used, ring.fillPercent);
      const figures = [
        element(
          'span',
          { 'data-figure': `fill:${ring.key}` },
          `now ${ring.fillPercent.toFixed(1)}% (${ring.used} / ${ring.capacity})`,
        ),
      ];
      const bars = [];
      if (ring.peak !== null && ring.peakPercent !== null) {
        const peak = element('span', { class: 'peak' });
        peak.style.width = barWidth(ring.peak, ring.peakPercent);
        bars.push(peak);
        figures.push(
          element(
            'span',
            {
              class: 'peak-figure',
              'data-figure': `peak:${ring.key}`,
              title: PEAK_TOOLTIP[ring.peakSince],
            },
            `peak ${ring.peakPercent.toFixed(1)}% (${ring.peak}) ${PEAK_SPAN[ring.peakSince]}`,
          ),
        );
      }
      bars.push(now);
      return element(
        'div',
        {},
        element('div', { class: 'bar-label' }, element('span', {}, ring.key)),
        element('div', { class: 'bar-label' }, ...figures),
        element('div', { class: 'bar' }, ...bars),
      );
    }),
  );
}

/**
 * Each pipeline's live conservation check: "nothing lost so far: …", or, in red, what does not
 * add up.
 * @param {Sample} sample
 */
export function renderBooks(sample) {
  find('#books', HTMLElement).replaceChildren(
    ...sample.pipelines.flatMap((pipeline) => {
      const books = pipeline.conservation;
      if (books === null) return [];
      return [
        element(
          'div',
          {
            class: `books ${books.ok ? 'ok' : 'bad'}`,
            'data-books': pipeline.id,
            title: `${books.inFlight} in flight; ${books.heldIn} could hold ${books.inFlightBound} at this sample.`,
          },
          element('b', {}, `${pipeline.title}: `),
          books.line,
        ),
      ];
    }),
  );
}

/**
 * Each package's overhead verdict, or what kept there from being any.
 * @param {OverheadSummary} summary
 */
export function renderOverhead(summary) {
  const table = find('#overhead', HTMLTableElement);
  if (summary.verdicts.length === 0) {
    // readOverheadVerdicts always says why there are none; '' only if a server ever does not.
    table.replaceChildren(row([summary.problem ?? '']));
    return;
  }
  /** @type {(value: number) => string} */
  const signed = (value) => `${value >= 0 ? '+' : ''}${value.toFixed(2)}%`;
  table.replaceChildren(
    row(
      [
        'package',
        'benchmark',
        { text: 'overhead', numeric: true },
        '95% interval',
        'budget',
        'verdict',
        'measured',
      ],
      true,
    ),
    ...summary.verdicts.map((verdict) =>
      row([
        verdict.package,
        verdict.bench + (verdict.quick ? ' (quick)' : ''),
        { text: signed(verdict.medianPercent), numeric: true },
        `[${signed(verdict.lowPercent)}, ${signed(verdict.highPercent)}]`,
        `${verdict.budgetPercent}%`,
        {
          text: verdict.verdict.toUpperCase(),
          className: `verdict-${verdict.verdict}`,
          figure: `verdict:${verdict.package}/${verdict.bench}`,
        },
        verdict.timestamp.slice(0, 16).replace('T', ' '),
      ]),
    ),
    ...(summary.problem
      ? [row([{ text: summary.problem, className: 'verdict-inconclusive' }])]
      : []),
  );
}
