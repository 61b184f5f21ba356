import { type ChildProcess, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

const PIPELINE = new URL('./workers/exporting-pipeline.mjs', import.meta.url);

/** A process running test/workers/exporting-pipeline.mjs, driven over IPC. */
export interface PipelineProcess {
  readonly child: ChildProcess;
  readonly prometheusUrl: string | null;
  /** Sends `message` and resolves with the answer's `key` field. */
  ask<T = unknown>(message: Record<string, unknown>, key: string): Promise<T>;
  stop(): Promise<void>;
}

export async function startPipeline(env: Record<string, string>): Promise<PipelineProcess> {
  const child = fork(PIPELINE, { env: { ...process.env, ...env }, stdio: 'inherit' });
  const exited = once(child, 'exit');
  const ready = await nextMessage<{ prometheusUrl: string | null }>(child, 'ready');
  return {
    child,
    prometheusUrl: ready.prometheusUrl,
    ask(message, key) {
      const answer = nextMessage(child, key);
      child.send(message);
      return answer as never;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send({ exit: true });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function nextMessage<T>(child: ChildProcess, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: Record<string, unknown>) => {
      if (!(key in message)) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message[key] as T);
    };
    const onExit = (code: number | null) =>
      reject(new Error(`the pipeline process exited (code ${code}) before answering "${key}"`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** A port nobody listens on now (the kernel's pick, released for the caller to take). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** A started server process (Prometheus) and how to stop it and wait until it has. */
export function startServer(command: string, args: readonly string[]) {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8000);
  });
  const exited = once(child, 'exit');
  return {
    child,
    log: () => log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
