import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

const reporter = join(import.meta.dirname, '..', 'fixtures', 'open-and-report.mjs');

/**
 * A bpffs of the calling suite's own, mounted before its tests and gone after them, so nothing
 * lands in /sys/fs/bpf. Call it inside a describe block; it returns the mount point.
 */
export function privateBpffs(): string {
  const bpffs = mkdtempSync(join(tmpdir(), 'ringkit-bpffs-'));
  beforeAll(() => execFileSync('mount', ['-t', 'bpf', 'bpf', bpffs]));
  afterAll(() => {
    execFileSync('umount', [bpffs]);
    rmSync(bpffs, { recursive: true, force: true });
  });
  return bpffs;
}

/**
 * What test/fixtures/open-and-report.mjs says when it opens the pin at `path` ('pinned-map'
 * or 'pinned-link') as uid 65534 with no capabilities: { ok, code?, message? }.
 */
export function openPinAsNobody(kind: 'pinned-map' | 'pinned-link', path: string) {
  const output = execFileSync(
    'setpriv',
    [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      '--inh-caps=-all',
      '--',
      process.execPath,
      reporter,
      kind,
      path,
    ],
    { encoding: 'utf8' },
  );
  return JSON.parse(output.trim().split('\n').at(-1)!) as {
    ok: boolean;
    code?: string;
    message?: string;
  };
}
