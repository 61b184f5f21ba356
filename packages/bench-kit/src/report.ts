import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  formatBudget,
  formatInterval,
  formatSi,
  formatValue,
  markdownTable,
  type Unit,
} from './format.js';
import { type BenchResult, packageFolderName, readResults } from './results.js';
import { describeSpread, judgeRuns } from './runs.js';

export interface ReportFiles {
  readonly charts: readonly string[];
  readonly markdown: readonly string[];
  readonly summary: string;
  readonly summaryText: string;
}

/** One SVG chart and one markdown table per package, plus SUMMARY.md over all of them. */
export async function writeReport(resultsDir: string): Promise<ReportFiles> {
  const byPackage = new Map<string, BenchResult[]>();
  for (const { result } of await readResults(resultsDir)) {
    const folder = packageFolderName(result.package);
    byPackage.set(folder, [...(byPackage.get(folder) ?? []), result]);
  }
  const charts: string[] = [];
  const markdown: string[] = [];
  const sections: string[] = ['# Benchmark results', ''];
  for (const [folder, results] of [...byPackage].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const chart = join(resultsDir, folder, 'chart.svg');
    await mkdir(join(resultsDir, folder), { recursive: true });
    await writeFile(chart, renderChart(folder, results));
    charts.push(chart);
    const table = renderMarkdown(results);
    const file = join(resultsDir, folder, 'summary.md');
    await writeFile(
      file,
      `# ${results[0]?.package ?? folder}\n\n![chart](chart.svg)\n\n${table}\n`,
    );
    markdown.push(file);
    sections.push(
      `## ${results[0]?.package ?? folder}`,
      '',
      `![chart](${folder}/chart.svg)`,
      '',
      table,
      '',
    );
  }
  const summaryText = sections.join('\n');
  const summary = join(resultsDir, 'SUMMARY.md');
  await writeFile(summary, summaryText);
  return { charts, markdown, summary, summaryText };
}

/**
 * One row per result. A repeated run shows the median of its runs' medians, its
 * worst and best run and how many runs there were (marked while too few for a claim).
 */
export function renderMarkdown(results: readonly BenchResult[]): string {
  const rows = results.map((result) => [
    result.bench,
    result.kind,
    formatValue(result.unit, result.median),
    formatInterval(result.unit, result.interval.low, result.interval.high),
    String(result.samples),
    formatBudget(result.kind, result.budget, result.p99Budget, result.unit),
    describeSpread(result.unit, result.runs?.length ?? 1, repeatedOf(result)),
    result.verdict ?? '—',
    `${result.machine.cpuModel}, ${result.machine.cores} cores, Node ${result.machine.node}, load ${result.machine.loadAverage[0]}${result.machine.clockSource ? `, clock ${result.machine.clockSource}` : ''}${result.quick ? ', quick' : ''}`,
    result.timestamp.slice(0, 19).replace('T', ' '),
  ]);
  return markdownTable(
    [
      'bench',
      'kind',
      'median',
      '95% interval',
      'samples',
      'budget',
      'runs [worst … best]',
      'verdict',
      'machine',
      'when (UTC)',
    ],
    rows,
  );
}

/** A repeated run's worst and best, as its runs say (not as stored). */
function repeatedOf(result: BenchResult) {
  return result.runs === null ? null : judgeRuns(result.runs, result);
}

const WIDTH = 820;
const LABEL_WIDTH = 230;
const VALUE_WIDTH = 190;
const ROW_HEIGHT = 26;
const PANEL_GAP = 34;
const VERDICT_COLOURS: Record<string, string> = {
  pass: '#2e7d32',
  fail: '#c62828',
  inconclusive: '#f9a825',
};

/**
 * Horizontal bars with their 95% interval and a dashed line at each target; a
 * repeated run's bar is the median of its runs, with a dot at each run's median.
 */
export function renderChart(title: string, results: readonly BenchResult[]): string {
  const panels = (['%', '×', 'items/s', 'B/s', 'ns'] as const)
    .map((unit) => results.filter((result) => result.unit === unit))
    .filter((group) => group.length > 0);
  const parts: string[] = [];
  let y = 36;
  for (const group of panels) {
    parts.push(renderPanel(group, y));
    y += 24 + group.length * ROW_HEIGHT + PANEL_GAP;
  }
  const height = y;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

function renderPanel(results: readonly BenchResult[], top: number): string {
  const unit = results[0]?.unit ?? '%';
  const plotLeft = LABEL_WIDTH;
  const plotWidth = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const budgets = results.flatMap((result) => (result.budget === null ? [] : [result.budget]));
  const figures = (result: BenchResult) => [
    result.interval.low,
    result.interval.high,
    result.median,
    ...(result.runs ?? []).map((run) => run.median),
  ];
  const lows = results.map((result) => Math.min(...figures(result)));
  const highs = results.map((result) => Math.max(...figures(result)));
  let min = Math.min(0, ...lows);
  let max = Math.max(0, ...highs, ...budgets.map((budget) => budget * 1.2));
  if (max === min) max = min + 1;
  const pad = (max - min) * 0.05;
  min = min < 0 ? min - pad : min;
  max += pad;
  const x = (value: number) => plotLeft + ((value - min) / (max - min)) * plotWidth;
  const out: string[] = [
    `<text x="12" y="${top + 14}" font-weight="bold">${PANEL_TITLES[unit]}</text>`,
  ];
  const rowsTop = top + 24;
  const rowsBottom = rowsTop + results.length * ROW_HEIGHT;
  out.push(`<line x1="${x(0)}" y1="${rowsTop}" x2="${x(0)}" y2="${rowsBottom}" stroke="#555"/>`);
  results.forEach((result, index) => {
    const y = rowsTop + index * ROW_HEIGHT;
    const colour = result.verdict ? (VERDICT_COLOURS[result.verdict] ?? '#1565c0') : '#1565c0';
    const barStart = Math.min(x(0), x(result.median));
    const barWidth = Math.abs(x(result.median) - x(0));
    const mid = y + ROW_HEIGHT / 2;
    out.push(
      `<text x="12" y="${mid + 4}">${escapeXml(result.bench)}</text>`,
      `<rect x="${barStart}" y="${y + 5}" width="${Math.max(barWidth, 1)}" height="${ROW_HEIGHT - 10}" fill="${colour}" fill-opacity="0.75"/>`,
      `<line x1="${x(result.interval.low)}" y1="${mid}" x2="${x(result.interval.high)}" y2="${mid}" stroke="#000"/>`,
      `<line x1="${x(result.interval.low)}" y1="${mid - 5}" x2="${x(result.interval.low)}" y2="${mid + 5}" stroke="#000"/>`,
      `<line x1="${x(result.interval.high)}" y1="${mid - 5}" x2="${x(result.interval.high)}" y2="${mid + 5}" stroke="#000"/>`,
      `<text x="${WIDTH - VALUE_WIDTH + 8}" y="${mid + 4}">${escapeXml(valueLabel(result))}</text>`,
      ...(result.runs ?? []).map(
        (run) =>
          `<circle cx="${x(run.median)}" cy="${mid}" r="2.5" fill="#fff" stroke="#000"><title>run ${run.run}: ${escapeXml(formatValue(result.unit, run.median))}</title></circle>`,
      ),
    );
    if (result.budget !== null) {
      out.push(
        `<line x1="${x(result.budget)}" y1="${y + 1}" x2="${x(result.budget)}" y2="${y + ROW_HEIGHT - 1}" stroke="#c62828" stroke-dasharray="3,2"/>`,
      );
    }
  });
  // The zero label stands at x(0); a minimum of zero would print on top of it.
  if (!(unit === '%' && min === 0)) {
    out.push(
      `<text x="${plotLeft}" y="${rowsBottom + 14}" fill="#555">${escapeXml(axisLabel(unit, min))}</text>`,
    );
  }
  out.push(
    `<text x="${plotLeft + plotWidth}" y="${rowsBottom + 14}" fill="#555" text-anchor="end">${escapeXml(axisLabel(unit, max))}</text>`,
  );
  if (unit === '%') {
    out.push(`<text x="${x(0)}" y="${rowsBottom + 14}" fill="#555" text-anchor="middle">0%</text>`);
  }
  const legend = [
    budgets.length > 0 ? `dashed: ${TARGET_NAMES[unit]}` : null,
    results.some((result) => result.runs !== null) ? 'dots: each run' : null,
  ].filter((part) => part !== null);
  if (legend.length > 0) {
    out.push(
      `<text x="${plotLeft + plotWidth}" y="${rowsBottom + 28}" fill="#c62828" text-anchor="end">${legend.join('; ')}</text>`,
    );
  }
  return out.join('\n');
}

const PANEL_TITLES: Record<Unit, string> = {
  '%': 'overhead vs baseline (%), 95% interval',
  '×': 'speedup over baseline (×), 95% interval',
  'items/s': 'throughput (items/s), 95% interval',
  'B/s': 'throughput (bytes/s), 95% interval',
  ns: 'latency (median, 95% interval; p99 in the label)',
};

const TARGET_NAMES: Record<Unit, string> = {
  '%': 'budget',
  '×': 'required',
  'items/s': 'required',
  'B/s': 'required',
  ns: 'bound on the median',
};

function valueLabel(result: BenchResult): string {
  const value =
    result.unit === 'items/s'
      ? `${formatSi(result.median)}/s`
      : formatValue(result.unit, result.median);
  const runs = result.runs === null ? '' : `, ${result.runs.length} runs`;
  return result.verdict ? `${value} ${result.verdict}${runs}` : `${value}${runs}`;
}

function axisLabel(unit: Unit, value: number): string {
  if (unit === 'ns') return formatValue('ns', value);
  if (unit === '%') return `${value.toFixed(1)}%`;
  if (unit === '×') return `${value.toFixed(1)}×`;
  return formatSi(value);
}

function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}
