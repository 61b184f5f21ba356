// @ts-check
// The dashboard: the state so far from /api/state, then one sample per tick
// over server-sent events. Every panel is drawn from what the pipelines report,
// so a new pipeline (or a new kind of figure) needs no change here unless it
// brings a new panel kind (then a renderer in dashboard/renderers.js).
//
// The page's modules, each with one job:
//   dashboard/format.js        numbers as the page prints them
//   dashboard/dom.js           building and finding elements
//   dashboard/series-chart.js  uPlot time-series charts that follow the series they are fed
//   dashboard/renderers.js     one renderer per panel kind a pipeline reports
//   dashboard/panels.js        the fixed panels: statuses, books, sources, ring fill, overhead
//   dashboard/stream.js        the history, then the live samples, in order

/** @import { Sample } from '../src/views.js' */

import {
  renderBooks,
  renderOverhead,
  renderRings,
  renderSources,
  renderStatuses,
  showStopped,
} from './dashboard/panels.js';
import { renderPanel } from './dashboard/renderers.js';
import { resizeCharts } from './dashboard/series-chart.js';
import { followDemo } from './dashboard/stream.js';

window.addEventListener('resize', resizeCharts);

/**
 * Draws one sample: the fixed panels, then every panel each pipeline reports.
 * @param {Sample} sample
 */
function render(sample) {
  renderStatuses(sample);
  renderBooks(sample);
  renderSources(sample);
  renderRings(sample);
  const time = sample.at / 1000;
  for (const pipeline of sample.pipelines)
    for (const panel of pipeline.panels) renderPanel(pipeline, panel, time);
}

await followDemo({ sample: render, overhead: renderOverhead, stopped: showStopped });
