// @ts-check
// Time-series charts: uPlot (the global that /vendor/uPlot.iife.min.js defines) wrapped so that a
// panel only pushes (time, values) and the chart follows whatever series it is given.

import { formatCount } from './format.js';

/** Points kept per chart: one minute at four samples a second. */
const POINTS = 240;
const COLOURS = [
  '#388bfd',
  '#3fb950',
  '#d29922',
  '#db61a2',
  '#a371f7',
  '#39c5cf',
  '#f0883e',
  '#8b949e',
];

/** Every chart made so far: a window resize resizes them all. */
const allCharts = /** @type {SeriesChart[]} */ ([]);

/** Fits every chart to its container's width again (on a window resize). */
export function resizeCharts() {
  for (const chart of allCharts) chart.resize();
}

/**
 * A uPlot line chart whose series follow the keys it is fed: a key seen for
 * the first time rebuilds the chart (rare: sources are fixed once running).
 */
export class SeriesChart {
  /**
   * Makes no plot yet (the first push does), so it can be made before uPlot is needed.
   * @param {HTMLElement} container
   * @param {object} [options]
   * @param {string} [options.unit] appended to every value shown
   * @param {(value: number) => string} [options.format]
   * @param {number} [options.max] a fixed top for the y axis (100 for percentages); otherwise it follows the data
   */
  constructor(container, { unit = '', format = formatCount, max = undefined } = {}) {
    this.container = container;
    this.unit = unit;
    this.format = format;
    this.max = max;
    /** @type {number[]} seconds since the epoch, oldest first */
    this.times = [];
    /** One series per key, in the order the keys were first seen; null where a key had no value. */
    this.values = /** @type {Map<string, (number | null)[]>} */ (new Map());
    /** @type {uPlot | null} */
    this.plot = null;
    allCharts.push(this);
  }

  /**
   * Adds one point per series at `time` (seconds); a series missing from `entries` gets a gap.
   * @param {number} time
   * @param {readonly (readonly [string, number])[]} entries
   */
  push(time, entries) {
    let rebuild = false;
    for (const [key] of entries)
      if (!this.values.has(key)) {
        this.values.set(
          key,
          this.times.map(() => null),
        );
        rebuild = true;
      }
    this.times.push(time);
    const present = new Map(entries);
    for (const [key, series] of this.values) series.push(present.get(key) ?? null);
    if (this.times.length > POINTS) {
      this.times.shift();
      for (const series of this.values.values()) series.shift();
    }
    if (rebuild || this.plot === null) this.build();
    else this.plot.setData(this.data());
  }

  /** @returns {uPlot.AlignedData} */
  data() {
    return [this.times, ...this.values.values()];
  }

  build() {
    this.plot?.destroy();
    const format = this.format;
    const unit = this.unit;
    const top = this.max;
    this.plot = new uPlot(
      {
        width: Math.max(300, this.container.clientWidth),
        height: 200,
        legend: { show: true, live: false },
        cursor: { drag: { x: false, y: false } },
        scales: {
          y: { range: (_plot, _min, max) => [0, top ?? (max > 0 ? max * 1.1 : 1)] },
        },
        axes: [
          {
            stroke: '#8a96a3',
            grid: { stroke: '#222c36' },
            space: 90,
            values: (_plot, ticks) =>
              ticks.map((tick) => new Date(tick * 1000).toLocaleTimeString()),
          },
          {
            stroke: '#8a96a3',
            grid: { stroke: '#222c36' },
            size: 84,
            values: (_plot, ticks) => ticks.map((tick) => `${format(tick)}${unit}`),
          },
        ],
        series: [
          {},
          ...[...this.values.keys()].map((key, index) => ({
            label: key,
            stroke: COLOURS[index % COLOURS.length],
            // Every other line dashed and thinner, so one drawn over another of the same values
            // (two devices with the same live bytes) still shows.
            width: index % 2 === 0 ? 2.5 : 1.5,
            dash: index % 2 === 0 ? undefined : [6, 4],
            /** @type {(plot: uPlot, value: number | null) => string} */
            value: (_plot, value) => (value === null ? '—' : `${format(value)}${unit}`),
          })),
        ],
      },
      this.data(),
      this.container,
    );
  }

  resize() {
    this.plot?.setSize({ width: Math.max(300, this.container.clientWidth), height: 200 });
  }
}
