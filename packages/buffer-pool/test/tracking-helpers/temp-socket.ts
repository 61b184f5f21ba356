import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under the OS temp dir with a socket path in it; remove() deletes both. */
export function tempSocketPath(): { socketPath: string; remove: () => void } {
  const directory = mkdtempSync(join(tmpdir(), 'ringkit-tracking-test-'));
  return {
    socketPath: join(directory, 'tracking.sock'),
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}
