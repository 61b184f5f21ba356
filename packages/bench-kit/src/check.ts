import { formatBudget, formatInterval, formatValue, textTable } from './format.js';
import { budgetOf, type Judgement, judgeResult, judgeSampled } from './judge-result.js';
import { type BenchResult, type LoadedResult, packageFolderName, readResults } from './results.js';
import { describeSpread } from './runs.js';
import type { Verdict } from './verdict.js';
import { listWorkspacePackages } from './workspace.js';

export interface CheckOptions {
  readonly resultsDir: string;
  /** Re-judge every overhead result against this budget instead of its own (other targets stay). */
  readonly budget?: number;
  /** An inconclusive result whose median misses its target counts as a fail. */
  readonly strict?: boolean;
  /** Workspace root whose gated packages must each have an overhead result. */
  readonly workspaceRoot?: string | null;
}

export interface CheckRow {
  readonly package: string;
  readonly bench: string | null;
  readonly result: BenchResult | null;
  readonly verdict: Verdict | 'missing' | null;
  /** Why it failed when its interval alone does not say (strict mode, a repeated run's rules); null otherwise. */
  readonly reason: string | null;
}

export interface CheckReport {
  readonly rows: readonly CheckRow[];
  readonly failed: number;
  readonly missing: number;
  readonly inconclusive: number;
  readonly passed: boolean;
  /** The results, one row each. */
  readonly table: string;
  /** Every run of each repeated result, judged on its own; empty when there is none. */
  readonly runsTable: string;
}

/**
 * The budget gate: every result judged again from its figures (so a stale
 * stored verdict cannot hide a failure; a repeated run from its runs), and
 * every gated package that has no overhead result reported as missing.
 */
export async function checkResults(options: CheckOptions): Promise<CheckReport> {
  const loaded = await readResults(options.resultsDir);
  const judged = loaded.map(({ result }) => ({
    result,
    judgement: judgeResult(result, {
      ...(options.budget === undefined ? {} : { budget: options.budget }),
      strict: options.strict ?? false,
    }),
  }));
  const rows: CheckRow[] = judged.map(({ result, judgement }) => ({
    package: result.package,
    bench: result.bench,
    result,
    verdict: judgement.verdict,
    reason: judgement.reason,
  }));
  for (const name of missingGates(loaded, options.workspaceRoot ?? null)) {
    rows.push({ package: name, bench: null, result: null, verdict: 'missing', reason: null });
  }
  const count = (verdict: CheckRow['verdict']) =>
    rows.filter((row) => row.verdict === verdict).length;
  const failed = count('fail');
  const missing = count('missing');
  return {
    rows,
    failed,
    missing,
    inconclusive: count('inconclusive'),
    passed: failed === 0 && missing === 0,
    table: renderCheckTable(
      rows,
      new Map(judged.map(({ result, judgement }) => [result, judgement])),
      options.budget,
    ),
    runsTable: judged
      .filter(({ result }) => result.runs !== null)
      .map(({ result, judgement }) => renderRuns(result, judgement, options.budget))
      .join('\n\n'),
  };
}

function missingGates(loaded: readonly LoadedResult[], workspaceRoot: string | null): string[] {
  if (workspaceRoot === null) return [];
  const withOverhead = new Set(
    loaded
      .filter(({ result }) => result.kind === 'overhead')
      .map(({ result }) => packageFolderName(result.package)),
  );
  return listWorkspacePackages(workspaceRoot)
    .filter((pkg) => pkg.gated && !withOverhead.has(packageFolderName(pkg.name)))
    .map((pkg) => pkg.name);
}

function renderCheckTable(
  rows: readonly CheckRow[],
  judgements: ReadonlyMap<BenchResult, Judgement>,
  budgetOverride: number | undefined,
): string {
  const header = [
    'package',
    'bench',
    'kind',
    'median',
    '95% interval',
    'budget',
    'runs [worst … best]',
    'verdict',
  ];
  const body = rows.map((row) => {
    const { result } = row;
    const judgement = result === null ? undefined : judgements.get(result);
    if (result === null || judgement === undefined) {
      return [
        row.package,
        '—',
        '—',
        '—',
        '—',
        '—',
        '—',
        'MISSING: no overhead benchmark against the budget',
      ];
    }
    return [
      packageFolderName(result.package),
      result.bench + (result.quick ? ' (quick)' : ''),
      result.kind,
      formatValue(result.unit, result.median) +
        (result.percentiles ? ` (p99 ${formatValue('ns', result.percentiles.p99)})` : ''),
      formatInterval(result.unit, result.interval.low, result.interval.high),
      formatBudget(result.kind, budgetOf(result, budgetOverride), result.p99Budget, result.unit),
      describeSpread(result.unit, result.runs?.length ?? 1, judgement.repeated),
      verdictCell(row),
    ];
  });
  return textTable(header, body);
}

function verdictCell(row: CheckRow): string {
  const verdict = row.verdict === null ? '—' : row.verdict.toUpperCase();
  return row.reason === null ? verdict : `${verdict} (${row.reason})`;
}

/** A repeated result's runs, each judged from its own interval: the spread behind the median. */
function renderRuns(
  result: BenchResult,
  judgement: Judgement,
  budgetOverride: number | undefined,
): string {
  const runs = result.runs ?? [];
  const budget = budgetOf(result, budgetOverride);
  const body = runs.map((run) => {
    const verdict = judgeSampled(run, result.kind, budget, result.p99Budget);
    const marks = [
      run.run === judgement.repeated?.worst.run ? 'worst' : '',
      run.run === judgement.repeated?.best.run ? 'best' : '',
    ].filter(Boolean);
    return [
      String(run.run),
      String(run.pid),
      run.timestamp.slice(0, 19).replace('T', ' '),
      formatValue(result.unit, run.median) +
        (run.percentiles ? ` (p99 ${formatValue('ns', run.percentiles.p99)})` : ''),
      formatInterval(result.unit, run.interval.low, run.interval.high),
      String(run.samples),
      (verdict === null ? '—' : verdict.toUpperCase()) +
        (marks.length > 0 ? ` (${marks.join(', ')})` : ''),
    ];
  });
  const allowed = judgement.repeated?.worstAllowed;
  const title =
    `${packageFolderName(result.package)} ${result.bench}: ${runs.length} runs, median of their medians ${formatValue(result.unit, judgement.repeated?.median ?? result.median)}` +
    (allowed === null || allowed === undefined
      ? ''
      : `; the worst run must stay within ${formatValue(result.unit, allowed)}`);
  return `${title}\n${textTable(['run', 'pid', 'when (UTC)', 'median', '95% interval', 'samples', 'verdict'], body)}`;
}
