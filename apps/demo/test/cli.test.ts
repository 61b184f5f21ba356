import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from './run-demo.js';

/** One sentence on stderr: one line, no stack frame, ending with a full stop. */
function expectOneSentence(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/\bat .+:\d+:\d+/);
  expect(lines[0]).toMatch(/^ringkit demo: .+\.$/);
  return lines[0]!;
}

describe('bad command lines get one clear sentence and a non-zero exit', () => {
  let busy: Server;
  let busyPort = 0;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

  it('names an unknown flag and lists the ones there are', async () => {
    const { code, stdout, stderr } = await runDemo(['--colour']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(expectOneSentence(stderr)).toMatch(
      /unknown flag --colour: the demo takes --port, --headless/,
    );
  });

  it('refuses a duration that is not a number', async () => {
    const { code, stderr } = await runDemo(['--headless', '--duration', 'ten']);
    expect(code).toBe(2);
    expect(expectOneSentence(stderr)).toContain(
      '--duration must be a number of seconds greater than 0, got "ten"',
    );
  });

  it('refuses a duration of zero or below, and a missing one', async () => {
    expect(expectOneSentence((await runDemo(['--duration', '0'])).stderr)).toContain(
      'greater than 0',
    );
    const missing = await runDemo(['--headless', '--duration']);
    expect(missing.code).toBe(2);
    expect(expectOneSentence(missing.stderr)).toContain('--duration needs a number of seconds');
  });

  it('says when the port is in use, before starting any pipeline', async () => {
    const { code, stdout, stderr } = await runDemo(['--port', String(busyPort), '--duration', '5']);
    expect(code).toBe(2);
    expect(expectOneSentence(stderr)).toBe(
      `ringkit demo: port ${busyPort} is already in use: pass --port with a free one, or --port 0 for any free port.`,
    );
    expect(stdout).not.toContain('summary');
  });

  it('refuses a port that is not a port number', async () => {
    const { code, stderr } = await runDemo(['--port', '70000']);
    expect(code).toBe(2);
    expect(expectOneSentence(stderr)).toContain('--port must be a whole number from 0 to 65535');
  });

  it('refuses a metrics port that is not a port number, and a missing one', async () => {
    const { code, stdout, stderr } = await runDemo(['--headless', '--metrics-port', '-1']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(expectOneSentence(stderr)).toBe(
      'ringkit demo: --metrics-port must be a whole number from 0 to 65535 (0: any free port), got "-1".',
    );
    const missing = await runDemo(['--headless', '--metrics-port']);
    expect(missing.code).toBe(2);
    expect(expectOneSentence(missing.stderr)).toContain(
      '--metrics-port needs a port number, e.g. --metrics-port 10',
    );
  });

  it('says when the metrics port is in use, before starting any pipeline', async () => {
    const { code, stdout, stderr } = await runDemo([
      '--headless',
      '--metrics-port',
      String(busyPort),
      '--duration',
      '5',
    ]);
    expect(code).toBe(2);
    expect(expectOneSentence(stderr)).toBe(
      `ringkit demo: --metrics-port ${busyPort} is in use on 127.0.0.1: pass a free one, or --metrics-port 0 for any free port.`,
    );
    expect(stdout).not.toContain('summary');
  });

  it('refuses an OTLP URL that is not http or https', async () => {
    const { code, stderr } = await runDemo(['--headless', '--otlp', 'collector:4318']);
    expect(code).toBe(2);
    expect(expectOneSentence(stderr)).toBe(
      'ringkit demo: --otlp must be an http:// or https:// URL, e.g. --otlp http://127.0.0.1:4318/v1/metrics, got "collector:4318".',
    );
    const missing = await runDemo(['--otlp']);
    expect(expectOneSentence(missing.stderr)).toContain(
      '--otlp needs an OTLP/HTTP metrics URL, e.g. --otlp http://127.0.0.1:4318/v1/metrics',
    );
  });

  it('says when the trace file cannot be written', async () => {
    const { code, stderr } = await runDemo([
      '--headless',
      '--duration',
      '1',
      '--trace',
      '/nonexistent/folder/trace.json',
    ]);
    expect(code).toBe(2);
    expect(expectOneSentence(stderr)).toContain(
      '--trace cannot write /nonexistent/folder/trace.json (ENOENT)',
    );
  });

  it('prints its usage with --help and exits 0', async () => {
    const { code, stdout, stderr } = await runDemo(['--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    for (const flag of [
      '--port',
      '--headless',
      '--duration',
      '--trace',
      '--synthetic',
      '--metrics-port',
      '--otlp',
    ])
      expect(stdout).toContain(flag);
  });
});
