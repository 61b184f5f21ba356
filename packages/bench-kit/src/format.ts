const SI_PREFIXES = ['', 'k', 'M', 'G', 'T'] as const;

/** +1.23% / −4.50%: overhead always carries its sign. */
export function formatPercent(value: number, digits = 2): string {
  const sign = value > 0 ? '+' : value < 0 ? '−' : '±';
  return `${sign}${Math.abs(value).toFixed(digits)}%`;
}

/** 12 345 678 → "12.3 M". */
export function formatSi(value: number): string {
  let scaled = value;
  let prefix = 0;
  while (Math.abs(scaled) >= 1000 && prefix < SI_PREFIXES.length - 1) {
    scaled /= 1000;
    prefix++;
  }
  const digits = Math.abs(scaled) >= 100 ? 0 : Math.abs(scaled) >= 10 ? 1 : 2;
  const unitPrefix = SI_PREFIXES[prefix] ?? '';
  return `${scaled.toFixed(digits)}${unitPrefix ? ` ${unitPrefix}` : ''}`;
}

/** 'B/s': a throughput whose items are bytes. */
export type Unit = '%' | '×' | 'items/s' | 'B/s' | 'ns';

/** 7.67 G items/s, 7.67 GB/s, 512 B/s. */
export function formatRate(value: number, unit: 'items/s' | 'B/s' = 'items/s'): string {
  const si = formatSi(value);
  if (unit === 'items/s') return `${si} items/s`;
  return si.includes(' ') ? `${si}B/s` : `${si} B/s`;
}

/** 12.3× with three significant digits (0.812×, 31.4×, 250×). */
export function formatRatio(value: number): string {
  return `${value >= 100 ? value.toFixed(0) : value.toPrecision(3)}×`;
}

/**
 * A result's target as its kind states it: an overhead budget "8%", a speedup's
 * "≥ 30×", a throughput's "≥ 1.00 M items/s", a latency's "≤ 50.0 µs, p99 ≤ 200 µs";
 * "—" when it has none.
 */
export function formatBudget(
  kind: string,
  budget: number | null,
  p99Budget: number | null = null,
  unit: Unit = 'items/s',
): string {
  if (kind === 'latency') {
    const bounds = [
      budget === null ? null : `≤ ${formatDuration(budget)}`,
      p99Budget === null ? null : `p99 ≤ ${formatDuration(p99Budget)}`,
    ].filter((bound) => bound !== null);
    return bounds.length === 0 ? '—' : bounds.join(', ');
  }
  if (budget === null) return '—';
  if (kind === 'speedup') return `≥ ${budget}×`;
  if (kind === 'throughput') return `≥ ${formatRate(budget, unit === 'B/s' ? 'B/s' : 'items/s')}`;
  return `${budget}%`;
}

/** 850 ns, 12.3 µs, 4.56 ms. */
export function formatDuration(ns: number): string {
  if (ns < 1e3) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toPrecision(3)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toPrecision(3)} ms`;
  return `${(ns / 1e9).toPrecision(3)} s`;
}

export function formatValue(unit: Unit, value: number): string {
  if (unit === 'ns') return formatDuration(value);
  if (unit === '%') return formatPercent(value);
  if (unit === '×') return formatRatio(value);
  return formatRate(value, unit);
}

export function formatInterval(unit: Unit, low: number, high: number): string {
  if (unit === 'ns') return `[${formatDuration(low)}, ${formatDuration(high)}]`;
  if (unit === '%') return `[${formatPercent(low)}, ${formatPercent(high)}]`;
  if (unit === '×') return `[${formatRatio(low)}, ${formatRatio(high)}]`;
  return `[${formatSi(low)}, ${formatSi(high)}]`;
}

/** Plain-text table: columns padded to their widest cell. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join(
    '\n',
  );
}

export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const escapeCell = (cell: string) => cell.replaceAll('|', '\\|');
  return [
    `| ${header.map(escapeCell).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
  ].join('\n');
}
