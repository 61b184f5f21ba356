/**
 * A README's measured tables, generated from the results files so that no figure, spread or
 * time is copied by hand. A table sits between two comments; the opening one names its
 * benches, in the order of the rows, and may ask for each side's figure of a comparison:
 *
 *   <!-- bench-kit table: single-vs-minimal, batched-vs-ringbufjs; sides: ns a record -->
 *   <!-- bench-kit table end -->
 *
 * `sides: ns <words>` shows each side's time per item ("76.9 vs 443 ns a record"), `sides:
 * rate <words>` its rate ("307 k vs 255 k buffers/s"), candidate first. A table that another
 * script writes into the results folder (a markdown file) is copied the same way:
 *
 *   <!-- bench-kit copy: decode-table/decode-table.md -->
 *   <!-- bench-kit copy end -->
 *
 * `bench-kit readme` rewrites what lies between the comments; `--check` fails where it differs.
 */
import { BenchKitError } from './errors.js';
import {
  formatBudget,
  formatDuration,
  formatInterval,
  formatSi,
  formatValue,
  markdownTable,
} from './format.js';
import type { BenchResult } from './result-schema.js';
import { judgeRuns } from './runs.js';
import { median } from './stats.js';

/** A result as stored, with its runs' own files (a repeated run's sides live only there). */
export interface StoredResult {
  readonly result: BenchResult;
  readonly runFiles: readonly BenchResult[];
}

/** What a README's tables are made from, in its package's results folder; null when absent. */
export interface ResultLookup {
  /** A bench's stored result. */
  result(bench: string): Promise<StoredResult | null>;
  /** A file's text, by its path in the folder. */
  text(path: string): Promise<string | null>;
}

interface SidesOption {
  readonly as: 'ns' | 'rate';
  readonly words: string;
}

interface Marker {
  /** Offsets in the README: the end of the opening comment's line, the start of the closing one's. */
  readonly bodyStart: number;
  readonly bodyEnd: number;
  readonly line: number;
  /** The opening comment's indentation (a table inside a list item), given to every line. */
  readonly indent: string;
}

type TableMarker =
  | (Marker & {
      readonly kind: 'table';
      readonly benches: readonly string[];
      readonly sides: SidesOption | null;
    })
  | (Marker & { readonly kind: 'copy'; readonly path: string });

const OPENING =
  /^([ \t]*)<!-- bench-kit (table|copy): ([^;>]*?)(?:; sides: (ns|rate) ([^>]*?))? -->\n/gm;

/** Every marker of a README, in order; one left open or naming nothing is an error. */
export function findTables(readme: string, file: string): TableMarker[] {
  const tables: TableMarker[] = [];
  const fenced = fencedRanges(readme);
  for (const match of readme.matchAll(OPENING)) {
    // A marker shown in a code block (documentation of the markers) is text, not a table.
    if (fenced.some(([start, end]) => (match.index ?? 0) > start && (match.index ?? 0) < end))
      continue;
    const indent = match[1] ?? '';
    const kind = match[2] as 'table' | 'copy';
    const closing = `<!-- bench-kit ${kind} end -->`;
    const bodyStart = (match.index ?? 0) + match[0].length;
    const line = readme.slice(0, match.index).split('\n').length;
    const closingAt = readme.indexOf(closing, bodyStart);
    const nextOpening = readme.slice(bodyStart).search(/<!-- bench-kit (table|copy):/);
    if (closingAt === -1 || (nextOpening !== -1 && bodyStart + nextOpening < closingAt)) {
      throw new BenchKitError(
        'BAD_ARGUMENT',
        `${file}:${line}: a bench-kit ${kind} is opened and not closed; add "${closing}" on a line of its own after it.`,
      );
    }
    const bodyEnd = readme.lastIndexOf('\n', closingAt) + 1;
    const named = (match[3] ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
    if (named.length === 0 || (kind === 'copy' && named.length > 1)) {
      throw new BenchKitError(
        'BAD_ARGUMENT',
        kind === 'table'
          ? `${file}:${line}: a bench-kit table names no bench; list them after "bench-kit table:", separated by commas.`
          : `${file}:${line}: a bench-kit copy names one file of the results folder, e.g. "bench-kit copy: summary.md".`,
      );
    }
    if (kind === 'copy') {
      tables.push({ kind, bodyStart, bodyEnd, line, indent, path: named[0] as string });
      continue;
    }
    const sides =
      match[4] === undefined ? null : { as: match[4] as 'ns' | 'rate', words: match[5] ?? '' };
    tables.push({ kind, bodyStart, bodyEnd, line, indent, benches: named, sides });
  }
  return tables;
}

/** Where each fenced code block (``` … ```) starts and ends. */
function fencedRanges(readme: string): [number, number][] {
  const ranges: [number, number][] = [];
  let open = -1;
  for (const match of readme.matchAll(/^ {0,3}```.*$/gm)) {
    if (open === -1) open = match.index ?? 0;
    else {
      ranges.push([open, (match.index ?? 0) + match[0].length]);
      open = -1;
    }
  }
  if (open !== -1) ranges.push([open, readme.length]);
  return ranges;
}

export interface RenderOptions {
  /**
   * Where the repository's files are on the web (`https://github.com/o/r/blob/HEAD/`): a copy's
   * link to its results file then works on the registry's page too, where no repository is
   * around the README. Without it the link is relative to the README.
   */
  readonly repositoryFiles?: string | null;
}

/** The README with every table regenerated from `lookup`; `folder` names the results' folder in the caption. */
export async function renderReadmeTables(
  readme: string,
  file: string,
  folder: string,
  lookup: ResultLookup,
  options: RenderOptions = {},
): Promise<string> {
  let out = '';
  let from = 0;
  for (const table of findTables(readme, file)) {
    if (table.kind === 'copy') {
      const text = await lookup.text(table.path);
      if (text === null) {
        throw new BenchKitError(
          'RESULTS_NOT_FOUND',
          `${file}:${table.line}: the copy names ${folder}/${table.path}, which does not exist; run the script that writes it or fix the path.`,
        );
      }
      const link = resultsLink(file, folder, table.path, options.repositoryFiles ?? null);
      const copy = renderCopy(text, folder, table.path, link, file, table.line);
      out += `${readme.slice(from, table.bodyStart)}${indented(copy, table.indent)}\n`;
      from = table.bodyEnd;
      continue;
    }
    const stored: StoredResult[] = [];
    for (const bench of table.benches) {
      const found = await lookup.result(bench);
      if (found === null) {
        throw new BenchKitError(
          'RESULTS_NOT_FOUND',
          `${file}:${table.line}: the table names "${bench}", which has no results file in ${folder}; run its benchmark or take it out of the list.`,
        );
      }
      stored.push(found);
    }
    const rendered = renderTable(stored, folder, table.sides);
    out += `${readme.slice(from, table.bodyStart)}${indented(rendered, table.indent)}\n`;
    from = table.bodyEnd;
  }
  return out + readme.slice(from);
}

function indented(text: string, indent: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : indent + line))
    .join('\n');
}

/** The first markdown table of a file the results folder holds, under a caption naming it. */
function renderCopy(
  text: string,
  folder: string,
  path: string,
  link: string,
  file: string,
  line: number,
): string {
  const lines = text.split('\n');
  const start = lines.findIndex((row) => row.startsWith('|'));
  if (start === -1) {
    throw new BenchKitError(
      'MALFORMED_RESULTS',
      `${file}:${line}: ${folder}/${path} holds no markdown table to copy.`,
    );
  }
  let end = start;
  while (end < lines.length && lines[end]?.startsWith('|')) end++;
  const caption = `<sub>Copied by \`npx bench-kit readme\` from [\`benchmark_results/${folder}/${path}\`](${link}), which says how and when it was measured.</sub>`;
  return `${caption}\n\n${lines.slice(start, end).join('\n')}`;
}

/** A link from the README (`packages/<name>/README.md`, relative to the workspace root) to a results file. */
function resultsLink(
  file: string,
  folder: string,
  path: string,
  repositoryFiles: string | null,
): string {
  if (repositoryFiles !== null) return `${repositoryFiles}benchmark_results/${folder}/${path}`;
  const depth = file.split('/').length - 1;
  return `${'../'.repeat(depth)}benchmark_results/${folder}/${path}`;
}

/** A caption saying where and when the figures were measured, then one row per bench. */
export function renderTable(
  stored: readonly StoredResult[],
  folder: string,
  sides: SidesOption | null,
): string {
  const results = stored.map(({ result }) => result);
  const runCounts = [...new Set(results.map((result) => result.runs?.length ?? 1))];
  const singleRuns = runCounts.length === 1 && runCounts[0] === 1;
  const figureHeader = singleRuns
    ? 'median [95% interval], one run'
    : runCounts.length === 1
      ? `median of ${runCounts[0]} runs [worst … best]`
      : 'median of the runs [worst … best]';
  const header = ['benchmark', figureHeader];
  if (sides !== null) header.push('candidate vs baseline');
  header.push('target', 'verdict');
  const rows = stored.map(({ result, runFiles }) => {
    const row = [describe(result), figureOf(result, !singleRuns)];
    if (sides !== null) row.push(sidesOf(result, runFiles, sides));
    row.push(
      formatBudget(result.kind, result.budget, result.p99Budget, result.unit),
      verdictOf(result),
    );
    return row;
  });
  return `${caption(results, folder)}\n\n${markdownTable(header, rows)}`;
}

function describe(result: BenchResult): string {
  const name = `\`${result.bench}\``;
  return result.description === null ? name : `${name}: ${escapeCell(result.description)}`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/**
 * The median in bold, then the worst and best run — or a single run's interval, said so where
 * the table's other rows are repeated runs (`markSingle`).
 */
function figureOf(result: BenchResult, markSingle: boolean): string {
  const value = `**${formatValue(result.unit, result.median)}**`;
  const p99s = (result.runs ?? []).map((run) => run.percentiles?.p99 ?? Number.NaN);
  const p99 =
    result.kind !== 'latency'
      ? ''
      : result.runs === null
        ? result.percentiles === null
          ? ''
          : `, p99 ${formatDuration(result.percentiles.p99)}`
        : `, p99 ${formatDuration(median(p99s))}`;
  if (result.runs === null) {
    const interval = formatInterval(result.unit, result.interval.low, result.interval.high);
    return `${value} ${interval}${markSingle ? ' (one run, 95% interval)' : ''}${p99}`;
  }
  const { worst, best } = judgeRuns(result.runs, result);
  return `${value} [${formatValue(result.unit, worst.median)} … ${formatValue(result.unit, best.median)}]${p99}`;
}

/** As `bench-kit check` judges it: from the runs, not from the verdict stored. */
function verdictOf(result: BenchResult): string {
  const verdict = result.runs === null ? result.verdict : judgeRuns(result.runs, result).verdict;
  if (verdict === null) return 'reported';
  return verdict === 'fail' ? '**fail**' : verdict;
}

/** Each side's rate, the median over the runs (or the single run's). */
function sidesOf(
  result: BenchResult,
  runFiles: readonly BenchResult[],
  sides: SidesOption,
): string {
  const files = runFiles.length > 0 ? runFiles : [result];
  const rateOf = (side: 'baseline' | 'candidate') => {
    const rates = files.flatMap((file) => {
      const rate = file.sides?.[side].itemsPerSecond?.median;
      return rate === undefined ? [] : [rate];
    });
    return rates.length === 0 ? null : median(rates);
  };
  const candidate = rateOf('candidate');
  const baseline = rateOf('baseline');
  if (candidate === null || baseline === null) return '—';
  const words = sides.words === '' ? '' : ` ${sides.words}`;
  if (sides.as === 'rate') return `${formatSi(candidate)} vs ${formatSi(baseline)}${words}`;
  const ns = (rate: number) => {
    const value = 1e9 / rate;
    return value >= 100
      ? Math.round(value).toLocaleString('en-US').replace(/,/g, ' ')
      : value.toPrecision(3);
  };
  return `${ns(candidate)} vs ${ns(baseline)} ns${words}`;
}

/** "5 runs of each bench, 2026-12-06 07:55–08:04 UTC, AMD EPYC (2 cores), Node v20.20.2". */
function caption(results: readonly BenchResult[], folder: string): string {
  const times = results
    .flatMap((result) => (result.runs ?? [result]).map((run) => run.timestamp))
    .sort();
  const machines = [
    ...new Set(
      results.map(
        ({ machine }) => `${machine.cpuModel} (${machine.cores} cores), Node ${machine.node}`,
      ),
    ),
  ];
  const runCounts = [...new Set(results.map((result) => result.runs?.length ?? 1))];
  const runs =
    runCounts.length === 1
      ? `${runCounts[0]} run${runCounts[0] === 1 ? '' : 's'} of each bench`
      : `${Math.min(...runCounts)}–${Math.max(...runCounts)} runs of each bench`;
  const quick = results.some((result) => result.quick) ? ', some in --quick mode' : '';
  return `<sub>Generated by \`npx bench-kit readme\` from \`benchmark_results/${folder}/\`: ${runs}${quick}, ${timeSpan(times)}, ${machines.join('; ')}.</sub>`;
}

/** "2026-12-06 07:55–08:04 UTC", or both dates when the span crosses midnight. */
function timeSpan(times: readonly string[]): string {
  const first = (times[0] ?? '').slice(0, 16).replace('T', ' ');
  const last = (times[times.length - 1] ?? '').slice(0, 16).replace('T', ' ');
  if (first === last) return `${first} UTC`;
  return first.slice(0, 10) === last.slice(0, 10)
    ? `${first}–${last.slice(11)} UTC`
    : `${first} – ${last} UTC`;
}
