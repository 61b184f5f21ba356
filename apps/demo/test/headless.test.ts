import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import { pipelines } from '../src/pipelines/index.js';
import type { DashboardState } from '../src/views.js';
import {
  bpfUnavailableReason,
  dashboardUrl,
  runDemo,
  type SummaryRow,
  startDemo,
  summaryRows,
} from './run-demo.js';

const ids = pipelines.map((pipeline) => pipeline.id);
const bpfMissing = bpfUnavailableReason();
/**
 * Without BPF privileges the profiler shows why it is empty instead of samples: no throughput
 * to ask of it there (the unprivileged test checks what it says instead).
 */
const sampling = bpfMissing === '' ? ids : ids.filter((id) => id !== 'cpu-profile');

/** Names the demo run with this pid left in /dev/shm or the temp folder (none, once it has stopped). */
function leftovers(pid: number): string[] {
  const prefix = `ringkit-demo-${pid}-`;
  const shm = readdirSync('/dev/shm').filter((name) => name.startsWith(prefix));
  const sockets = readdirSync(tmpdir()).filter((name) => name.startsWith(prefix));
  return [...shm, ...sockets];
}

/** The events/s column of the last per-second table, per "pipeline source" row. */
function lastRates(stdout: string): Map<string, number> {
  const ticks = [...stdout.matchAll(/^── \d+\.\d s ──$/gm)];
  const table = stdout.slice(ticks.at(-1)?.index ?? 0, stdout.lastIndexOf('── summary'));
  const rates = new Map<string, number>();
  for (const line of table.split('\n')) {
    const match =
      /^(\S+)\s+(.+?)\s+([\d.]+)( [kMG])?\s+[\d.]+( [kMG])?\s+[\d.]+( [kMG])?\s+[\d.]+( [kMG])?$/.exec(
        line,
      );
    if (!match || !ids.includes(match[1]!)) continue;
    const scale = { ' k': 1e3, ' M': 1e6, ' G': 1e9 }[match[4] ?? ''] ?? 1;
    rates.set(`${match[1]} ${match[2]}`, Number(match[3]) * scale);
  }
  return rates;
}

/**
 * The live conservation line of every pipeline in every per-second table: each says nothing
 * lost (records in flight at the sampling instant raise no alarm).
 */
function expectNothingLostLive(stdout: string): void {
  const tables = stdout.match(/^── \d+\.\d s ──$/gm)?.length ?? 0;
  const lines = stdout.match(/^\S+ books: .*$/gm) ?? [];
  expect(lines.length).toBe(tables * ids.length);
  for (const line of lines)
    expect(line).toMatch(
      /^\S+ books: nothing lost so far: (\d+) produced = (\d+) delivered \+ (\d+) dropped \+ (\d+) in flight$/,
    );
}

/** The peaks the synthetic ring's fill lines report, one per table. */
function syntheticRingPeaks(stdout: string): { used: number; peak: number }[] {
  return [
    ...stdout.matchAll(
      /^syscalls ring fill: synthetic → JS ring \(events\) now [\d.]+% \((\d+)\/\d+\), peak [\d.]+% \((\d+)\) since the last sample$/gm,
    ),
  ].map((match) => ({ used: Number(match[1]), peak: Number(match[2]) }));
}

/** Every pipeline stopped with its books balanced; those in `producing` delivered something. */
function expectConserved(rows: SummaryRow[], producing: readonly string[] = sampling): void {
  expect(rows.map((row) => row.pipeline)).toEqual(ids);
  for (const row of rows) {
    expect(row, row.pipeline).toMatchObject({ status: 'stopped', conservation: 'conserved' });
    if (producing.includes(row.pipeline))
      expect(row.delivered, `${row.pipeline} delivered nothing`).toBeGreaterThan(0);
    expect(row.produced).toBe(row.delivered + row.dropped);
  }
}

describe('headless mode', () => {
  it('runs every pipeline for 10 s with non-zero throughput, balances every book and exits 0', async () => {
    const run = startDemo(['--headless', '--duration', '10']);
    const code = await run.exited;
    const stdout = run.stdout();
    expect(run.stderr()).toBe('');
    expect(code).toBe(0);
    // A table every second: at least 8 of the 10 (start-up takes part of the first).
    expect(stdout.match(/^── \d+\.\d s ──$/gm)?.length ?? 0).toBeGreaterThanOrEqual(8);
    const rates = lastRates(stdout);
    for (const id of sampling)
      expect(
        [...rates.keys()].some((source) => source.startsWith(`${id} `)),
        `no rates for ${id}`,
      ).toBe(true);
    for (const [source, rate] of rates) expect(rate, `${source} events/s`).toBeGreaterThan(0);
    expectConserved(summaryRows(stdout));
    expectNothingLostLive(stdout);
    expect(stdout).toContain('nothing lost: every record was delivered or counted as dropped.');
    expect(leftovers(run.child.pid!)).toEqual([]);
  });

  it.skipIf(requireOrSkip(bpfMissing === '', bpfMissing))(
    "reads the kernel's syscall events through eBPF when privileged, and detaches on the way out",
    async () => {
      const { code, stdout } = await runDemo(['--headless', '--duration', '3']);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^syscalls\s+kernel \(eBPF, \d+ per-CPU rings\)/m);
      expect(stdout).not.toContain('Showing synthetic syscall events');
      expect(stdout).toMatch(
        /syscalls: the reader thread delivered \d+ events .* programs detached/,
      );
    },
  );

  it.skipIf(requireOrSkip(bpfMissing === '', bpfMissing))(
    "profiles the demo's own process at 99 Hz and names kernel frames from kallsyms when privileged",
    async () => {
      const run = startDemo(['--port', '0']);
      const url = await dashboardUrl(run);
      // The dashboard's history holds every sample's top stacks, not only the 6 a table prints:
      // read it until some stack's innermost frame is a named kernel function (15 s at most).
      const labels = new Set<string>();
      const kernelFrameFirst = /\): [A-Za-z_][\w.]*( \[\w+\])?( ← |$)/;
      const titles = new Set<string>();
      for (
        let tries = 0;
        tries < 30 && ![...labels].some((l) => kernelFrameFirst.test(l));
        tries++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const state = (await (await fetch(`${url}/api/state`)).json()) as DashboardState;
        for (const sample of state.history)
          for (const pipeline of sample.pipelines)
            for (const panel of pipeline.panels)
              if (pipeline.id === 'cpu-profile' && panel.kind === 'top-list') {
                titles.add(panel.title);
                for (const row of panel.rows) labels.add(row.label);
              }
      }
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(0);
      expect(run.stderr()).toBe('');
      expect([...titles]).toEqual(['CPU profile (99 Hz)']);
      // Only the demo's own process is sampled: every label is tagged `comm (its pid)`.
      for (const label of labels) expect(label).toMatch(new RegExp(`^.+ \\(${run.child.pid}\\): `));
      // Kernel frames by name from kallsyms (`…: do_syscall_64 ← …`); user frames are
      // `file+0xoffset`, `[anon]` or an address, never a bare name.
      expect(
        [...labels].some((label) => kernelFrameFirst.test(label)),
        [...labels].join('\n'),
      ).toBe(true);
      const summary = summaryRows(run.stdout()).find((row) => row.pipeline === 'cpu-profile');
      expect(summary).toMatchObject({ status: 'stopped', conservation: 'conserved' });
      expect(run.stdout()).toMatch(
        /cpu-profile: \d+ samples read from the counts map: .* perf_event detached/,
      );
    },
  );

  it.skipIf(requireOrSkip(bpfMissing === '', `dropping capabilities needs root: ${bpfMissing}`))(
    "switches to the synthetic source without BPF privileges and says why in bpf-ringbuf's words",
    async () => {
      const withoutBpf = [
        'setpriv',
        '--inh-caps=-bpf,-perfmon,-sys_admin',
        '--bounding-set=-bpf,-perfmon,-sys_admin',
        '--',
      ];
      const { code, stdout, stderr } = await runDemo(['--headless', '--duration', '3'], withoutBpf);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const banner =
        /^note: syscalls: Showing synthetic syscall events, not the kernel's: (.+)$/m.exec(stdout);
      expect(banner, stdout).not.toBeNull();
      // bpf-ringbuf's NOT_PERMITTED sentence, as it wrote it.
      expect(banner![1]).toMatch(/CAP_BPF and CAP_PERFMON/);
      expect(stdout).toMatch(/^syscalls\s+synthetic \(worker → shared-memory ring\)/m);
      // The profiler has no stand-in: its panel says it is unavailable and why, with no samples.
      const profileNote = /^note: cpu-profile: CPU profile unavailable: (.+)$/m.exec(stdout);
      expect(profileNote, stdout).not.toBeNull();
      expect(profileNote![1]).toMatch(/CAP_BPF and CAP_PERFMON/);
      expect(stdout).toMatch(/^cpu-profile CPU profile \(99 Hz\): unavailable: .*CAP_BPF.*\/s: $/m);
      expect(stdout).not.toMatch(/^cpu-profile\s+CPU samples/m);
      expect(stdout).toMatch(
        /^cpu-profile books: nothing lost so far: 0 produced = 0 delivered \+ 0 dropped \+ 0 in flight$/m,
      );
      expectConserved(
        summaryRows(stdout),
        ids.filter((id) => id !== 'cpu-profile'),
      );
    },
  );

  it("stops every pipeline on SIGINT and reports nothing lost; the synthetic ring's peak shows what its instant fill misses", async () => {
    const run = startDemo(['--headless', '--synthetic']);
    // Wait for three tables: everything is running then, and the ring has seen bursts.
    while (syntheticRingPeaks(run.stdout()).length < 3 && run.child.exitCode === null)
      await new Promise((r) => setTimeout(r, 50));
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    const stdout = run.stdout();
    expect(stdout).toContain('stopping (SIGINT)');
    expectConserved(summaryRows(stdout));
    expectNothingLostLive(stdout);
    // The worker pushes a batch every 2 ms and the main thread drains every 5 ms: a sample's
    // instant fill is often 0, the peak since the previous sample never is.
    const peaks = syntheticRingPeaks(stdout);
    expect(peaks.length).toBeGreaterThanOrEqual(3);
    for (const { used, peak } of peaks) {
      expect(peak, JSON.stringify(peaks)).toBeGreaterThan(0);
      expect(peak).toBeGreaterThanOrEqual(used);
    }
    expect(leftovers(run.child.pid!)).toEqual([]);
  });
});
