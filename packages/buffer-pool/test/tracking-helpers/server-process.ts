import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { TrackingServerOptions, TrackingSnapshot } from '../../src/tracking/index.js';

/** A TrackingServer in a process of its own (rss-server.ts), as an app's server usually is. */
export interface ServerProcess {
  /** The server's snapshot now (asked over IPC). */
  snapshot(): Promise<TrackingSnapshot>;
  /** Closes the server and waits for its process to exit. */
  close(): Promise<void>;
}

export async function serverProcess(
  socketPath: string,
  options: Omit<TrackingServerOptions, 'onReject'> = {},
): Promise<ServerProcess> {
  const child = fork(
    fileURLToPath(new URL('./rss-server.ts', import.meta.url)),
    [socketPath, JSON.stringify(options)],
    { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const [ready] = (await once(child, 'message')) as [{ ready?: boolean }];
  if (!ready.ready) throw new Error('the server process did not start');
  return {
    async snapshot() {
      child.send({ measure: true });
      const [answer] = (await once(child, 'message')) as [{ snapshot: TrackingSnapshot }];
      return answer.snapshot;
    },
    async close() {
      if (child.exitCode !== null) return;
      child.send({ close: true });
      await once(child, 'exit');
    },
  };
}
