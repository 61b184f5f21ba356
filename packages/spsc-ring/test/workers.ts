import { Worker } from 'node:worker_threads';

const SCRIPT = new URL('./workers/ring-worker.mjs', import.meta.url);

export interface RunningWorker<T> {
  readonly worker: Worker;
  /** The worker's `{ done }` message. */
  readonly done: Promise<T>;
  /** Resolves on the worker's first message that has `key`. */
  message(key: string): Promise<Record<string, unknown>>;
}

/** Starts one side of a ring in a worker thread (test/workers/ring-worker.mjs). */
export function startWorker<T = Record<string, unknown>>(
  workerData: Record<string, unknown>,
): RunningWorker<T> {
  const worker = new Worker(SCRIPT, { workerData });
  const listeners: ((message: Record<string, unknown>) => void)[] = [];
  worker.on('message', (message: Record<string, unknown>) => {
    for (const listener of listeners) listener(message);
  });
  const done = new Promise<T>((resolve, reject) => {
    listeners.push((message) => {
      if ('done' in message) resolve(message.done as T);
    });
    worker.once('error', reject);
    worker.once('exit', (code) =>
      reject(new Error(`worker exited with code ${code} before finishing`)),
    );
  });
  // Roles that never finish (the pusher) are terminated; only an awaited `done` may fail a test.
  done.catch(() => {});
  return {
    worker,
    done,
    message: (key) =>
      new Promise((resolve) => {
        listeners.push((message) => {
          if (key in message) resolve(message);
        });
      }),
  };
}
