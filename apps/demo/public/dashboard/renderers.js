// @ts-check
// One renderer per panel kind a pipeline can report, and renderPanel, which picks one. A
// pipeline with a new kind of panel needs a renderer here: the type of RENDERERS makes a missing
// one a type error, and test/dashboard-modules.test.ts fails too. Nothing here touches the page
// at import time, so that test can import this module in node.

/** @import { CommandRingPanel, CommandTimingsView, LanesPanel, PanelView, PipelineView, TopListView, TrackingPanel } from '../../src/views.js' */

import { element, find, row } from './dom.js';
import { formatBytes, formatCount } from './format.js';
import { SeriesChart } from './series-chart.js';

/** Buffer states in a lane's stacked bar, in the pool's order, with their colours. */
const BUFFER_STATES = /** @type {const} */ ([
  ['free', '#3fb950'],
  ['filling', '#388bfd'],
  ['ready', '#d29922'],
  ['inCollector', '#a371f7'],
  ['done', '#db61a2'],
  ['recycled', '#39c5cf'],
]);

/**
 * Draws one panel of one pipeline's sample; `time` is the sample's, in seconds.
 * @template {PanelView} P
 * @typedef {(pipeline: PipelineView, panel: P, time: number) => void} Renderer
 */

/**
 * Finds or makes the section for one reported panel. `build` fills a new section and returns
 * the parts later samples update (a table, charts), which `made` keeps by `key` for them.
 * @template Parts
 * @param {Map<string, Parts>} made
 * @param {string} key the section's data-panel: "kind:pipeline id"
 * @param {string} title
 * @param {(section: HTMLElement) => Parts} build
 * @returns {Parts}
 */
function reportedPanel(made, key, title, build) {
  const known = made.get(key);
  if (known !== undefined) return known;
  const section = element(
    'section',
    { class: 'panel', 'data-panel': key },
    element('h2', {}, title),
  );
  const parts = build(section);
  // Reported panels go after the fixed ones and before the overhead verdicts, which close the page.
  const panels = find('#panels', HTMLElement);
  panels.insertBefore(section, find('[data-panel="overhead"]', HTMLElement, panels));
  made.set(key, parts);
  return parts;
}

/** @type {Map<string, HTMLTableElement>} */
const topLists = new Map();
/** @type {Renderer<TopListView>} */
function renderTopList(pipeline, panel) {
  const table = reportedPanel(
    topLists,
    `top-list:${pipeline.id}`,
    `${panel.title} (per second)`,
    (section) => {
      const table = element('table', { class: 'figures' });
      section.append(table);
      return table;
    },
  );
  const busiest = panel.rows[0]?.perSecond ?? 0;
  table.replaceChildren(
    row([panel.itemName, { text: 'per second', numeric: true }, ''], true),
    ...panel.rows.map((entry) => {
      const fill = element('span');
      fill.style.width = `${busiest > 0 ? (100 * entry.perSecond) / busiest : 0}%`;
      const barCell = element('td', {}, element('div', { class: 'bar' }, fill));
      barCell.style.width = '45%';
      const line = row([entry.label, { text: formatCount(entry.perSecond), numeric: true }]);
      line.append(barCell);
      return line;
    }),
  );
}

/** @type {Map<string, HTMLElement>} */
const laneLists = new Map();
/** @type {Renderer<LanesPanel>} */
function renderLanes(pipeline, panel) {
  const lanes = reportedPanel(laneLists, `lanes:${pipeline.id}`, panel.title, (section) => {
    const lanes = element('div', { class: 'lanes' });
    section.append(
      element(
        'div',
        { class: 'legend' },
        ...BUFFER_STATES.map(([state, colour]) => {
          const swatch = element('i');
          swatch.style.background = colour;
          return element('span', {}, swatch, state);
        }),
      ),
      lanes,
    );
    return lanes;
  });
  lanes.replaceChildren(
    ...panel.lanes.map((lane) => {
      const total = BUFFER_STATES.reduce((sum, [state]) => sum + lane[state], 0);
      const stack = element('div', { class: 'stack' });
      for (const [state, colour] of BUFFER_STATES) {
        const part = element('span', { title: `${state}: ${lane[state]}` });
        part.style.width = `${total > 0 ? (100 * lane[state]) / total : 0}%`;
        part.style.background = colour;
        stack.append(part);
      }
      return element(
        'div',
        {},
        element(
          'div',
          { class: 'bar-label' },
          element('span', {}, `lane ${lane.lane}: ${total} buffers`),
          element(
            'span',
            { 'data-figure': `margins:${pipeline.id}/${lane.lane}` },
            `free margin ${lane.freeMargin ?? '—'} · ready margin ${lane.readyMargin}`,
          ),
        ),
        stack,
      );
    }),
  );
}

/** @type {Map<string, { chart: SeriesChart, table: HTMLTableElement }>} */
const trackings = new Map();
/** @type {Renderer<TrackingPanel>} */
function renderTracking(pipeline, panel, time) {
  const { chart, table } = reportedPanel(
    trackings,
    `tracking:${pipeline.id}`,
    panel.title,
    (section) => {
      const container = element('div', { class: 'chart' });
      const table = element('table', { class: 'figures' });
      section.append(container, table);
      return { chart: new SeriesChart(container, { format: formatBytes }), table };
    },
  );
  chart.push(
    time,
    panel.devices.map((device) => [device.device, device.liveBytes]),
  );
  table.replaceChildren(
    row(['device', { text: 'live', numeric: true }, { text: 'peak', numeric: true }], true),
    ...panel.devices.map((device) =>
      row([
        device.device,
        {
          text: formatBytes(device.liveBytes),
          numeric: true,
          figure: `live-bytes:${device.device}`,
        },
        { text: formatBytes(device.peakLiveBytes), numeric: true },
      ]),
    ),
  );
}

/**
 * @typedef {object} CommandRingParts
 * @property {HTMLSelectElement} select the ring-size selector
 * @property {HTMLElement} big the headline figures
 * @property {SeriesChart} percent utilisation and reuse rate
 * @property {SeriesChart} wait average wait
 * @property {HTMLElement} timeline the latest commands: device time and the gaps between them
 * @property {SeriesChart} timings median device time and gap
 */

/** The timeline's colours: the device running a command, and the device idle between two. */
const DEVICE_COLOUR = '#388bfd';
const GAP_COLOUR = '#d29922';

/**
 * The latest commands in a row, as the device saw them: each command's device time (blue) and
 * the gap before it (amber), widths in proportion; a burst's first command (no gap: it follows
 * the pause) starts with a divider. One slot shows long gaps (the device waits for the encoder),
 * more slots short ones.
 * @param {HTMLElement} timeline
 * @param {CommandTimingsView} timings
 */
function drawTimeline(timeline, timings) {
  const commands = timings.recentCommands;
  const total = commands.reduce((sum, command) => sum + command.deviceUs + (command.gapUs ?? 0), 0);
  /** @type {(microseconds: number, colour: string, title: string) => HTMLElement} */
  const segment = (microseconds, colour, title) => {
    const part = element('span', { title });
    part.style.width = `${total > 0 ? (100 * microseconds) / total : 0}%`;
    part.style.background = colour;
    return part;
  };
  timeline.replaceChildren(
    ...commands.flatMap((command) => {
      const device = segment(
        command.deviceUs,
        DEVICE_COLOUR,
        `command: ${command.deviceUs.toFixed(1)} µs on the device`,
      );
      if (command.gapUs === null) {
        device.classList.add('burst-start');
        return [device];
      }
      const gap = segment(
        Math.max(0, command.gapUs),
        GAP_COLOUR,
        `gap: ${command.gapUs.toFixed(1)} µs idle`,
      );
      return [gap, device];
    }),
  );
}
/** @type {Map<string, CommandRingParts>} */
const commandRings = new Map();
/** @type {Renderer<CommandRingPanel>} */
function renderCommandRing(pipeline, panel, time) {
  const parts = reportedPanel(
    commandRings,
    `command-ring:${pipeline.id}`,
    panel.title,
    (section) => {
      const select = element('select', { 'data-control': 'ring-size' });
      const error = element('span', { class: 'control-error' });
      select.addEventListener('change', async () => {
        error.textContent = '';
        const response = await fetch('/api/control', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            pipeline: pipeline.id,
            message: { type: 'set-ring-size', ringSize: Number(select.value) },
          }),
        });
        // The server refuses a control message with { error: one sentence }.
        if (!response.ok)
          error.textContent = /** @type {{ error: string }} */ (await response.json()).error;
      });
      const big = element('div', { class: 'big' });
      const percentChart = element('div', { class: 'chart', 'data-chart': 'percent' });
      const waitChart = element('div', { class: 'chart', 'data-chart': 'wait' });
      const timeline = element('div', { class: 'stack timeline', 'data-timeline': pipeline.id });
      const timingsChart = element('div', { class: 'chart', 'data-chart': 'timings' });
      /** @type {(colour: string, label: string) => HTMLElement} */
      const key = (colour, label) => {
        const swatch = element('i');
        swatch.style.background = colour;
        return element('span', {}, swatch, label);
      };
      section.append(
        big,
        element('label', {}, 'ring size ', select, ' ', error),
        percentChart,
        waitChart,
        element(
          'div',
          { class: 'legend' },
          key(DEVICE_COLOUR, 'device time per command'),
          key(GAP_COLOUR, 'gap between commands'),
          'the latest commands, oldest on the left',
        ),
        timeline,
        timingsChart,
      );
      // Without completion records (timings absent) the timeline and its chart stay hidden.
      if (panel.timings === undefined) {
        timeline.hidden = true;
        timingsChart.hidden = true;
      }
      // Percentages and milliseconds on separate axes: one 0–100 axis cannot show both.
      return {
        select,
        big,
        percent: new SeriesChart(percentChart, {
          unit: '%',
          format: (value) => value.toFixed(0),
          max: 100,
        }),
        wait: new SeriesChart(waitChart, { unit: ' ms', format: (value) => value.toFixed(2) }),
        timeline,
        timings: new SeriesChart(timingsChart, {
          unit: ' µs',
          format: (value) => value.toFixed(0),
        }),
      };
    },
  );
  const { select } = parts;
  if (select.options.length !== panel.ringSizes.length)
    select.replaceChildren(
      ...panel.ringSizes.map((size) => element('option', { value: String(size) }, String(size))),
    );
  // Not while someone is choosing: the sample would undo their choice before it is sent.
  if (document.activeElement !== select) select.value = String(panel.ringSize);
  /** @type {(label: string, value: string, name: string) => HTMLElement} */
  const figure = (label, value, name) =>
    element(
      'div',
      {},
      element('b', { 'data-figure': `${name}:${pipeline.id}` }, value),
      element('small', {}, label),
    );
  const { timings } = panel;
  /** @type {(value: number | null) => string} */
  const microseconds = (value) => (value === null ? '—' : `${value.toFixed(1)} µs`);
  parts.big.replaceChildren(
    figure('utilisation', `${panel.utilisationPercent.toFixed(1)}%`, 'utilisation'),
    figure('reuse rate', `${(panel.reuseRate * 100).toFixed(1)}%`, 'reuse-rate'),
    figure('average wait', `${panel.averageWaitMs.toFixed(3)} ms`, 'average-wait'),
    figure('ring size', String(panel.ringSize), 'ring-size'),
    ...(timings === undefined
      ? []
      : [
          figure('device time (median)', microseconds(timings.medianDeviceUs), 'device-time'),
          figure('gap (median)', microseconds(timings.medianGapUs), 'command-gap'),
        ]),
  );
  parts.percent.push(time, [
    ['utilisation', panel.utilisationPercent],
    ['reuse rate', panel.reuseRate * 100],
  ]);
  parts.wait.push(time, [['average wait', panel.averageWaitMs]]);
  if (timings === undefined) return;
  drawTimeline(parts.timeline, timings);
  /** @type {[string, number][]} */
  const medians = [];
  if (timings.medianDeviceUs !== null) medians.push(['device time', timings.medianDeviceUs]);
  if (timings.medianGapUs !== null) medians.push(['gap', timings.medianGapUs]);
  if (medians.length > 0) parts.timings.push(time, medians);
}

/**
 * One renderer per panel kind. The mapped type requires an entry for every kind in PanelView,
 * each taking the panel of its own kind.
 * @type {{ [Kind in PanelView['kind']]: Renderer<Extract<PanelView, { kind: Kind }>> }}
 */
const RENDERERS = {
  'top-list': renderTopList,
  lanes: renderLanes,
  tracking: renderTracking,
  'command-ring': renderCommandRing,
};

/** The panel kinds this page can draw. */
export const RENDERED_PANEL_KINDS = Object.freeze(Object.keys(RENDERERS));

/** @type {Map<string, true>} */
const unrendered = new Map();
/**
 * A panel kind this page cannot draw: said in its place, never silently left out.
 * @param {PipelineView} pipeline
 * @param {{ kind: string, title?: string }} panel
 */
function renderUnknown(pipeline, panel) {
  reportedPanel(
    unrendered,
    `${panel.kind}:${pipeline.id}`,
    panel.title ?? panel.kind,
    (section) => {
      section.append(
        element(
          'p',
          { class: 'control-error', 'data-unrendered': panel.kind },
          `This dashboard has no renderer for panel kind "${panel.kind}": add one to RENDERERS in public/dashboard/renderers.js.`,
        ),
      );
      return true;
    },
  );
}

/**
 * Draws one panel of one pipeline with the renderer for its kind.
 * @type {Renderer<PanelView>}
 */
export function renderPanel(pipeline, panel, time) {
  // The types list every kind the server has; a server newer than this page may still send another.
  if (!Object.hasOwn(RENDERERS, panel.kind)) return renderUnknown(pipeline, panel);
  // TypeScript cannot see that RENDERERS[panel.kind] takes this very panel (a union indexed by a
  // union loses the pairing), so the renderer is widened to take any panel; the lookup pairs them.
  const renderer = /** @type {Renderer<PanelView>} */ (RENDERERS[panel.kind]);
  renderer(pipeline, panel, time);
}
