import type { OverheadSummary } from './overhead.js';
import type { PanelView, PipelineOutcome, Sample } from './supervisor.js';

/** 1234567 → "1.23 M"; rates and counts as people read them. */
export function formatCount(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude >= 1e9) return `${(value / 1e9).toFixed(2)} G`;
  if (magnitude >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (magnitude >= 1e4) return `${(value / 1e3).toFixed(1)} k`;
  return `${Math.round(value)}`;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(2)} GiB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(2)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** Columns padded to their widest cell; numbers right-aligned. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const numeric = header.map((_, column) =>
    rows.every((row) => /^[\d.,% +−-]*\s?[kMG]?(\/s)?$/.test(row[column] ?? '')),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function microseconds(value: number | null): string {
  return value === null ? '—' : `${value.toFixed(1)} µs`;
}

function panelLines(panel: PanelView): string[] {
  switch (panel.kind) {
    case 'top-list':
      return [
        `${panel.title}/s: ${panel.rows
          .slice(0, 6)
          .map((row) => `${row.label} ${formatCount(row.perSecond)}`)
          .join(', ')}`,
      ];
    case 'lanes':
      return panel.lanes.map(
        (lane) =>
          `lane ${lane.lane} buffers: free ${lane.free}, filling ${lane.filling}, ready ${lane.ready}, in collector ${lane.inCollector}, done ${lane.done}, recycled ${lane.recycled}; free margin ${lane.freeMargin ?? '—'}, ready margin ${lane.readyMargin}`,
      );
    case 'tracking':
      return [
        `live bytes: ${panel.devices
          .map(
            (device) =>
              `${device.device} ${formatBytes(device.liveBytes)} (peak ${formatBytes(device.peakLiveBytes)})`,
          )
          .join(', ')}`,
      ];
    case 'command-ring': {
      const lines = [
        `command ring: utilisation ${panel.utilisationPercent.toFixed(1)}%, reuse rate ${panel.reuseRate.toFixed(3)}, average wait ${panel.averageWaitMs.toFixed(3)} ms, ring size ${panel.ringSize}`,
      ];
      const { timings } = panel;
      if (timings !== undefined)
        lines.push(
          `command timings: device time median ${microseconds(timings.medianDeviceUs)}, gap median ${microseconds(timings.medianGapUs)}; ${timings.timedCommands} commands timed, ${timings.timingsDropped} timings lost`,
        );
      return lines;
    }
  }
}

/** The figures of one tick as the headless mode prints them. */
export function renderSample(sample: Sample): string {
  const rows: string[][] = [];
  for (const pipeline of sample.pipelines)
    for (const source of pipeline.sources)
      rows.push([
        pipeline.id,
        source.name,
        formatCount(source.perSecond),
        formatCount(source.droppedPerSecond),
        formatCount(source.delivered),
        formatCount(source.dropped),
      ]);
  const lines = [
    `── ${sample.uptimeSeconds.toFixed(1)} s ──`,
    textTable(['pipeline', 'source', 'events/s', 'drops/s', 'delivered', 'dropped'], rows),
  ];
  // Beside the books below, read at the same sample: CPU per record between two tables.
  lines.push(`process cpu: ${sample.cpuSeconds.toFixed(3)} s (user + system, every thread)`);
  for (const pipeline of sample.pipelines) {
    if (pipeline.status === 'failed') lines.push(`${pipeline.id} FAILED: ${pipeline.error}`);
    for (const ring of pipeline.rings)
      lines.push(
        `${pipeline.id} ring fill: ${ring.name} now ${ring.fillPercent.toFixed(1)}% (${ring.used}/${ring.capacity})${
          ring.peak === null || ring.peakPercent === null
            ? ''
            : `, peak ${ring.peakPercent.toFixed(1)}% (${ring.peak}) since ${ring.peakSince === 'start' ? 'the start' : 'the last sample'}`
        }`,
      );
    if (pipeline.conservation !== null)
      lines.push(`${pipeline.id} books: ${pipeline.conservation.line}`);
    for (const panel of pipeline.panels)
      for (const line of panelLines(panel)) lines.push(`${pipeline.id} ${line}`);
  }
  return lines.join('\n');
}

export function renderBanners(sample: Sample): string[] {
  return sample.pipelines.flatMap((pipeline) =>
    pipeline.banner === null ? [] : [`${pipeline.id}: ${pipeline.banner}`],
  );
}

function signedPercent(value: number): string {
  return `${value >= 0 ? '+' : ''}${value.toFixed(2)}%`;
}

export function renderOverhead(summary: OverheadSummary): string {
  if (summary.verdicts.length === 0) return `overhead verdicts: ${summary.problem}`;
  return [
    `overhead verdicts (${summary.resultsDir}):`,
    textTable(
      ['package', 'bench', 'overhead', '95% interval', 'budget', 'verdict'],
      summary.verdicts.map((verdict) => [
        verdict.package,
        verdict.bench + (verdict.quick ? ' (quick)' : ''),
        signedPercent(verdict.medianPercent),
        `[${signedPercent(verdict.lowPercent)}, ${signedPercent(verdict.highPercent)}]`,
        `${verdict.budgetPercent}%`,
        verdict.verdict.toUpperCase(),
      ]),
    ),
    ...(summary.problem === null ? [] : [`note: ${summary.problem}`]),
  ].join('\n');
}

/**
 * The closing summary: one row per pipeline with exact integers (scripts and
 * the tests read them), then one verdict line.
 */
export function renderSummary(outcomes: readonly PipelineOutcome[], seconds: number): string {
  const rows = outcomes.map((outcome) => {
    const c = outcome.conservation;
    return [
      outcome.id,
      outcome.status,
      c === null ? '—' : String(c.produced),
      c === null ? '—' : String(c.delivered),
      c === null ? '—' : String(c.dropped),
      c === null ? 'not checked' : c.ok ? 'conserved' : 'NOT CONSERVED',
    ];
  });
  const details = outcomes.map((outcome) =>
    outcome.error !== null
      ? `  ${outcome.id}: FAILED: ${outcome.error}`
      : `  ${outcome.id}: ${outcome.conservation?.detail ?? 'no report'}`,
  );
  return [
    `── summary after ${seconds.toFixed(1)} s ──`,
    textTable(['pipeline', 'status', 'produced', 'delivered', 'dropped', 'conservation'], rows),
    ...details,
    runSucceeded(outcomes)
      ? 'nothing lost: every record was delivered or counted as dropped.'
      : 'the run FAILED: see the pipelines above.',
  ].join('\n');
}

/** Whether a run ended well: every pipeline stopped cleanly with its books balanced. */
export function runSucceeded(outcomes: readonly PipelineOutcome[]): boolean {
  return outcomes.every(
    (outcome) => outcome.status === 'stopped' && outcome.conservation?.ok === true,
  );
}
