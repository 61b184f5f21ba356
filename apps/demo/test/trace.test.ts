import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { pipelines } from '../src/pipelines/index.js';
import { runDemo } from './run-demo.js';
import { validateTrace } from './trace-schema.js';

interface Event {
  ph: string;
  name: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  args?: Record<string, unknown>;
}

const scratch = mkdtempSync(join(tmpdir(), 'ringkit-demo-trace-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the trace schema check', () => {
  const event = { ph: 'i', name: 'read', pid: 1, tid: 0, ts: 10, s: 't' };

  it('accepts a minimal valid trace', () => {
    expect(validateTrace({ traceEvents: [event] })).toEqual([]);
  });

  it('refuses documents that are not traces', () => {
    expect(validateTrace([event])).toHaveLength(1);
    expect(validateTrace({ events: [event] })).toEqual(['traceEvents is missing or not an array']);
    expect(validateTrace({ traceEvents: [] })).toEqual(['traceEvents is empty']);
  });

  it('refuses events whose fields have the wrong types for their phase', () => {
    const problems = (bad: object) => validateTrace({ traceEvents: [{ ...event, ...bad }] });
    expect(problems({ ph: 'Q' })).toHaveLength(1);
    expect(problems({ ts: '10' })[0]).toMatch(/ts must be a time/);
    expect(problems({ pid: -1 })[0]).toMatch(/pid/);
    expect(problems({ tid: 1.5 })[0]).toMatch(/tid/);
    expect(problems({ name: '' })[0]).toMatch(/name/);
    expect(problems({ s: 'x' })[0]).toMatch(/scope/);
    expect(problems({ ph: 'X' })[0]).toMatch(/dur/);
    expect(problems({ ph: 'C', args: {} })[0]).toMatch(/series/);
    expect(problems({ ph: 'C', args: { used: 'full' } })[0]).toMatch(/finite number/);
    expect(problems({ ph: 'M', name: 'process_name', args: {} })[0]).toMatch(/args.name/);
  });
});

describe('--trace', () => {
  it('writes a valid trace with captured events and ring activity from every pipeline and source', async () => {
    const path = join(scratch, 'trace.json');
    const { code, stdout, stderr } = await runDemo([
      '--headless',
      '--duration',
      '3',
      '--trace',
      path,
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`events in ${path}`);
    const document = JSON.parse(readFileSync(path, 'utf8')) as { traceEvents: Event[] };
    expect(validateTrace(document)).toEqual([]);
    const events = document.traceEvents;

    for (const { id } of pipelines) {
      const process = events.find(
        (event) =>
          event.ph === 'M' &&
          event.name === 'process_name' &&
          String(event.args?.name).startsWith(`${id}: `),
      );
      expect(process, `no process named for ${id}`).toBeDefined();
      const own = events.filter((event) => event.pid === process!.pid);
      const captured = own.filter((event) => event.ph === 'i' || event.ph === 'X');
      const counters = own.filter((event) => event.ph === 'C');
      expect(captured.length, `captured events of ${id}`).toBeGreaterThan(0);
      expect(counters.length, `ring activity of ${id}`).toBeGreaterThan(0);
      // Each counter track of a source's rate saw records flow at some point.
      const rates = counters.filter((event) => event.name.endsWith(' per second'));
      const sources = new Set(rates.map((event) => event.name));
      for (const source of sources)
        expect(
          rates.some((event) => event.name === source && (event.args!.delivered as number) > 0),
          `${id}: ${source}`,
        ).toBe(true);
      // Every thread the pipeline named (a CPU, a lane's collector) has events on its track.
      for (const thread of own.filter((event) => event.ph === 'M' && event.name === 'thread_name'))
        expect(
          captured.some((event) => event.tid === thread.tid),
          `${id}: ${thread.args?.name}`,
        ).toBe(true);
    }

    // The command ring: one span per command the device ran, from its completion record.
    const ringPid = events.find(
      (event) =>
        event.ph === 'M' &&
        event.name === 'process_name' &&
        String(event.args?.name).startsWith('command-ring: '),
    )!.pid;
    const commands = events.filter(
      (event) => event.pid === ringPid && event.ph === 'X' && /^command \d+$/.test(event.name),
    );
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands.slice(0, 100)) {
      expect(command.args).toMatchObject({
        fence: Number(command.name.slice('command '.length)),
        slot: expect.any(Number),
        opCount: 1,
        status: 'completed',
      });
      // busyFor(100): at least 100 µs on the device.
      expect(command.dur).toBeGreaterThanOrEqual(99);
    }
  });

  it('writes a relative path where npm was run from (INIT_CWD), not in apps/demo', async () => {
    // `npm run demo -- --trace out.json` from the repository root runs the demo in apps/demo
    // with INIT_CWD set to the root: the file belongs in the root.
    const from = join(scratch, 'from');
    mkdirSync(from);
    const { code, stderr } = await runDemo(
      ['--headless', '--duration', '1', '--trace', 'relative-trace.json'],
      [],
      { ...process.env, INIT_CWD: from },
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(
      validateTrace(JSON.parse(readFileSync(join(from, 'relative-trace.json'), 'utf8'))),
    ).toEqual([]);
    expect(existsSync(fileURLToPath(new URL('../relative-trace.json', import.meta.url)))).toBe(
      false,
    );
  });
});
