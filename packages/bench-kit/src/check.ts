import { formatBudget, formatInterval, formatValue, textTable } from './format.js';
import { type BenchResult, type LoadedResult, packageFolderName, readResults } from './results.js';
import { judge, judgeSpeedup, type Verdict } from './verdict.js';
import { listWorkspacePackages } from './workspace.js';

export interface CheckOptions {
  readonly resultsDir: string;
  /** Re-judge every overhead result against this budget instead of its own (speedups keep their minimum). */
  readonly budget?: number;
  /** Workspace root whose gated packages must each have an overhead result. */
  readonly workspaceRoot?: string | null;
}

export interface CheckRow {
  readonly package: string;
  readonly bench: string | null;
  readonly result: BenchResult | null;
  readonly verdict: Verdict | 'missing' | null;
}

export interface CheckReport {
  readonly rows: readonly CheckRow[];
  readonly failed: number;
  readonly missing: number;
  readonly inconclusive: number;
  readonly passed: boolean;
  readonly table: string;
}

/**
 * The budget gate: every overhead result judged from its interval (so a stale
 * stored verdict cannot hide a failure), and every gated package that has no
 * overhead result reported as missing.
 */
export async function checkResults(options: CheckOptions): Promise<CheckReport> {
  const loaded = await readResults(options.resultsDir);
  const rows: CheckRow[] = loaded.map(({ result }) => ({
    package: result.package,
    bench: result.bench,
    result,
    verdict: verdictOf(result, options.budget),
  }));
  for (const name of missingGates(loaded, options.workspaceRoot ?? null)) {
    rows.push({ package: name, bench: null, result: null, verdict: 'missing' });
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
    table: renderCheckTable(rows, options.budget),
  };
}

function verdictOf(result: BenchResult, budgetOverride: number | undefined): Verdict | null {
  if (result.kind === 'throughput' || result.kind === 'latency') return null;
  if (result.kind === 'speedup') return judgeSpeedup(result.interval, result.budget ?? 1);
  return judge(result.interval, budgetOverride ?? result.budget ?? 0);
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

function renderCheckTable(rows: readonly CheckRow[], budgetOverride: number | undefined): string {
  const header = ['package', 'bench', 'kind', 'median', '95% interval', 'budget', 'verdict'];
  const body = rows.map((row) => {
    const { result } = row;
    if (result === null) {
      return [
        row.package,
        '—',
        '—',
        '—',
        '—',
        '—',
        'MISSING: no overhead benchmark against the budget',
      ];
    }
    const budget = formatBudget(
      result.kind,
      result.kind === 'overhead' ? (budgetOverride ?? result.budget) : result.budget,
    );
    return [
      packageFolderName(result.package),
      result.bench + (result.quick ? ' (quick)' : ''),
      result.kind,
      formatValue(result.unit, result.median) +
        (result.percentiles ? ` (p99 ${formatValue('ns', result.percentiles.p99)})` : ''),
      formatInterval(result.unit, result.interval.low, result.interval.high),
      budget,
      row.verdict === null ? '—' : row.verdict.toUpperCase(),
    ];
  });
  return textTable(header, body);
}
