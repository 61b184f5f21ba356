// The dashboard: the state so far from /api/state, then one sample per tick
// over server-sent events. Every panel is drawn from what the pipelines report,
// so a new pipeline (or a new kind of figure) needs no change here unless it
// brings a new panel kind.

/* global uPlot */

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
const BUFFER_STATES = [
  ['free', '#3fb950'],
  ['filling', '#388bfd'],
  ['ready', '#d29922'],
  ['inCollector', '#a371f7'],
  ['done', '#db61a2'],
  ['recycled', '#39c5cf'],
];

const panels = document.getElementById('panels');
const overheadPanel = document.querySelector('[data-panel="overhead"]');

// ── formatting ──────────────────────────────────────────────────────────────

function formatCount(value) {
  const magnitude = Math.abs(value);
  if (magnitude >= 1e9) return `${(value / 1e9).toFixed(2)} G`;
  if (magnitude >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (magnitude >= 1e4) return `${(value / 1e3).toFixed(1)} k`;
  return `${Math.round(value)}`;
}

function formatBytes(bytes) {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(2)} MiB`;
  if (bytes >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
  return `${bytes} B`;
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

function row(cells, header = false) {
  return element(
    'tr',
    {},
    ...cells.map((cell) => {
      const { text, numeric, figure, className } = typeof cell === 'object' ? cell : { text: cell };
      const attributes = {};
      if (numeric) attributes.class = 'number';
      if (className) attributes.class = `${attributes.class ?? ''} ${className}`.trim();
      if (figure) attributes['data-figure'] = figure;
      return element(header ? 'th' : 'td', attributes, String(text));
    }),
  );
}

// ── time-series charts (uPlot) ──────────────────────────────────────────────

/**
 * A uPlot line chart whose series follow the keys it is fed: a key seen for
 * the first time rebuilds the chart (rare: sources are fixed once running).
 */
class SeriesChart {
  /** `max`: a fixed top for the y axis (100 for percentages); otherwise it follows the data. */
  constructor(container, { unit = '', format = formatCount, max = undefined } = {}) {
    this.container = container;
    this.unit = unit;
    this.format = format;
    this.max = max;
    this.keys = [];
    this.times = [];
    this.values = new Map();
    this.plot = null;
  }

  push(time, entries) {
    let rebuild = false;
    for (const [key] of entries)
      if (!this.values.has(key)) {
        this.keys.push(key);
        this.values.set(
          key,
          this.times.map(() => null),
        );
        rebuild = true;
      }
    this.times.push(time);
    const present = new Map(entries);
    for (const key of this.keys) this.values.get(key).push(present.get(key) ?? null);
    if (this.times.length > POINTS) {
      this.times.shift();
      for (const series of this.values.values()) series.shift();
    }
    if (rebuild || this.plot === null) this.build();
    else this.plot.setData(this.data());
  }

  data() {
    return [this.times, ...this.keys.map((key) => this.values.get(key))];
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
          ...this.keys.map((key, index) => ({
            label: key,
            stroke: COLOURS[index % COLOURS.length],
            // Every other line dashed and thinner, so one drawn over another of the same values
            // (two devices with the same live bytes) still shows.
            width: index % 2 === 0 ? 2.5 : 1.5,
            dash: index % 2 === 0 ? undefined : [6, 4],
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

const throughputChart = new SeriesChart(document.getElementById('throughput-chart'), {
  unit: '/s',
});
const dropsChart = new SeriesChart(document.getElementById('drops-chart'), { unit: '/s' });
const charts = [throughputChart, dropsChart];
window.addEventListener('resize', () => {
  for (const chart of charts) chart.resize();
});

// ── panels reported by pipelines ────────────────────────────────────────────

/** Finds or makes the section for one reported panel; `build` fills a new one. */
function reportedPanel(key, title, build) {
  let section = panels.querySelector(`[data-panel="${CSS.escape(key)}"]`);
  if (section === null) {
    section = element('section', { class: 'panel', 'data-panel': key }, element('h2', {}, title));
    build(section);
    panels.insertBefore(section, overheadPanel);
  }
  return section;
}

function renderTopList(pipeline, panel) {
  const section = reportedPanel(`top-list:${pipeline.id}`, `${panel.title} (per second)`, (node) =>
    node.append(element('table', { class: 'figures' })),
  );
  const table = section.querySelector('table.figures');
  const busiest = panel.rows[0]?.perSecond ?? 0;
  table.replaceChildren(
    row([panel.itemName, { text: 'per second', numeric: true }, ''], true),
    ...panel.rows.map((entry) => {
      const bar = element('div', { class: 'bar' }, element('span'));
      bar.firstChild.style.width = `${busiest > 0 ? (100 * entry.perSecond) / busiest : 0}%`;
      const line = row([entry.label, { text: formatCount(entry.perSecond), numeric: true }, '']);
      line.lastChild.append(bar);
      line.lastChild.style.width = '45%';
      return line;
    }),
  );
}

function renderLanes(pipeline, panel) {
  const section = reportedPanel(`lanes:${pipeline.id}`, panel.title, (node) => {
    node.append(
      element(
        'div',
        { class: 'legend' },
        ...BUFFER_STATES.map(([state, colour]) => {
          const swatch = element('i');
          swatch.style.background = colour;
          return element('span', {}, swatch, state);
        }),
      ),
      element('div', { class: 'lanes' }),
    );
  });
  const lanes = section.querySelector('.lanes');
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

const trackingCharts = new Map();
function renderTracking(pipeline, panel, time) {
  const key = `tracking:${pipeline.id}`;
  const section = reportedPanel(key, panel.title, (node) => {
    const chart = element('div', { class: 'chart' });
    node.append(chart, element('table', { class: 'figures' }));
    const series = new SeriesChart(chart, { format: formatBytes });
    trackingCharts.set(key, series);
    charts.push(series);
  });
  trackingCharts.get(key).push(
    time,
    panel.devices.map((device) => [device.device, device.liveBytes]),
  );
  section.querySelector('table.figures').replaceChildren(
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

const commandRingCharts = new Map();
function renderCommandRing(pipeline, panel, time) {
  const key = `command-ring:${pipeline.id}`;
  const section = reportedPanel(key, panel.title, (node) => {
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
      if (!response.ok) error.textContent = (await response.json()).error;
    });
    const percentChart = element('div', { class: 'chart', 'data-chart': 'percent' });
    const waitChart = element('div', { class: 'chart', 'data-chart': 'wait' });
    node.append(
      element('div', { class: 'big' }),
      element('label', {}, 'ring size ', select, ' ', error),
      percentChart,
      waitChart,
    );
    // Percentages and milliseconds on separate axes: one 0–100 axis cannot show both.
    const series = {
      percent: new SeriesChart(percentChart, {
        unit: '%',
        format: (value) => value.toFixed(0),
        max: 100,
      }),
      wait: new SeriesChart(waitChart, { unit: ' ms', format: (value) => value.toFixed(2) }),
    };
    commandRingCharts.set(key, series);
    charts.push(series.percent, series.wait);
  });
  const select = section.querySelector('select');
  if (select.options.length !== panel.ringSizes.length)
    select.replaceChildren(
      ...panel.ringSizes.map((size) => element('option', { value: String(size) }, String(size))),
    );
  if (document.activeElement !== select) select.value = String(panel.ringSize);
  const figure = (label, value, name) =>
    element(
      'div',
      {},
      element('b', { 'data-figure': `${name}:${pipeline.id}` }, value),
      element('small', {}, label),
    );
  section
    .querySelector('.big')
    .replaceChildren(
      figure('utilisation', `${panel.utilisationPercent.toFixed(1)}%`, 'utilisation'),
      figure('reuse rate', `${(panel.reuseRate * 100).toFixed(1)}%`, 'reuse-rate'),
      figure('average wait', `${panel.averageWaitMs.toFixed(3)} ms`, 'average-wait'),
      figure('ring size', String(panel.ringSize), 'ring-size'),
    );
  const series = commandRingCharts.get(key);
  series.percent.push(time, [
    ['utilisation', panel.utilisationPercent],
    ['reuse rate', panel.reuseRate * 100],
  ]);
  series.wait.push(time, [['average wait', panel.averageWaitMs]]);
}

const RENDERERS = {
  'top-list': renderTopList,
  lanes: renderLanes,
  tracking: renderTracking,
  'command-ring': renderCommandRing,
};

// ── the fixed panels ────────────────────────────────────────────────────────

function renderStatuses(sample) {
  document.getElementById('statuses').replaceChildren(
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
  document.querySelector('[data-figure="uptime"]').textContent =
    `${sample.uptimeSeconds.toFixed(0)} s`;
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
  document.getElementById('banners').replaceChildren(...banners);
}

function renderSources(sample) {
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
  document
    .getElementById('sources')
    .replaceChildren(
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

function renderRings(sample) {
  const rings = sample.pipelines.flatMap((pipeline) =>
    pipeline.rings.map((ring) => ({ ...ring, key: `${pipeline.id} / ${ring.name}` })),
  );
  document.getElementById('rings').replaceChildren(
    ...rings.map((ring) => {
      const bar = element('div', { class: 'bar' }, element('span'));
      // A ring a fraction of a percent full would be invisible: show at least a sliver.
      bar.firstChild.style.width = `${ring.used > 0 ? Math.max(0.5, ring.fillPercent) : 0}%`;
      return element(
        'div',
        {},
        element(
          'div',
          { class: 'bar-label' },
          element('span', {}, ring.key),
          element(
            'span',
            { 'data-figure': `fill:${ring.key}` },
            `${ring.fillPercent.toFixed(1)}% (${ring.used} / ${ring.capacity})`,
          ),
        ),
        bar,
      );
    }),
  );
}

function renderOverhead(summary) {
  const table = document.getElementById('overhead');
  if (summary.verdicts.length === 0) {
    table.replaceChildren(row([summary.problem]));
    return;
  }
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

function render(sample) {
  renderStatuses(sample);
  renderSources(sample);
  renderRings(sample);
  const time = sample.at / 1000;
  for (const pipeline of sample.pipelines)
    for (const panel of pipeline.panels) {
      const renderer = RENDERERS[panel.kind] ?? renderUnknown;
      renderer(pipeline, panel, time);
    }
}

/** A panel kind this page cannot draw: said in its place, never silently left out. */
function renderUnknown(pipeline, panel) {
  reportedPanel(`${panel.kind}:${pipeline.id}`, panel.title ?? panel.kind, (node) =>
    node.append(
      element(
        'p',
        { class: 'control-error', 'data-unrendered': panel.kind },
        `This dashboard has no renderer for panel kind "${panel.kind}": add one to RENDERERS in public/app.js.`,
      ),
    ),
  );
}

// ── wiring ──────────────────────────────────────────────────────────────────

// Subscribe first, then fetch what came before: samples arriving meanwhile wait
// in `pending`, so the charts have no gap between the history and the stream.
const events = new EventSource('/events');
let pending = [];
events.addEventListener('sample', (event) => {
  const sample = JSON.parse(event.data);
  if (pending === null) render(sample);
  else pending.push(sample);
});
const state = await (await fetch('/api/state')).json();
renderOverhead(state.overhead);
let overheadShown = JSON.stringify(state.overhead);
const firstStreamed = pending[0]?.at ?? Number.POSITIVE_INFINITY;
for (const sample of state.history) if (sample.at < firstStreamed) render(sample);
for (const sample of pending) render(sample);
pending = null;
events.addEventListener('stopped', () => {
  events.close();
  document
    .getElementById('statuses')
    .append(element('span', { class: 'status failed' }, 'demo stopped'));
});
// The verdicts change only when a benchmark runs: look again every half minute.
setInterval(async () => {
  const latest = await (await fetch('/api/overhead')).json();
  if (JSON.stringify(latest) !== overheadShown) {
    overheadShown = JSON.stringify(latest);
    renderOverhead(latest);
  }
}, 30_000);
