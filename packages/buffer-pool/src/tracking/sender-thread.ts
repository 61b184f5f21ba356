import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { nextPollDelayMs } from './poll-policy.js';
import { runSender, type SenderConfig } from './sender-program.js';

/** This module's own path, in whichever format it was built (the same guard as spsc-ring's loader). */
const here = typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);

let ringModulePath: string | undefined;

/** The sender requires spsc-ring by absolute path: an eval'd worker has no module of its own to resolve from. */
function resolveRingModule(): string {
  ringModulePath ??= createRequire(here).resolve('@ringkit/spsc-ring');
  return ringModulePath;
}

/**
 * The worker's program: runSender's source text, called with its dependencies (the poll rule
 * as source text too).
 * `__name` is there because tsx (which runs the benches) compiles with esbuild's
 * keepNames, wrapping named functions in calls to a module-level `__name` helper.
 */
const senderSource = `'use strict';
const __name = (target) => target;
const { workerData } = require('node:worker_threads');
const { FixedConsumer } = require(workerData.ringModulePath);
(${runSender.toString()})(workerData, {
  net: require('node:net'),
  FixedConsumer,
  nextPollDelayMs: ${nextPollDelayMs.toString()},
});
`;

/**
 * Starts the sender thread. Unref'd: an app that forgets close() can still exit. No execArgv:
 * a worker inherits the app's by default, and under `node --input-type=module` the sender's
 * CommonJS source would be read as a module (no `require`) and the thread would die at once.
 */
export function startSenderThread(config: Omit<SenderConfig, 'ringModulePath'>): Worker {
  const workerData: SenderConfig = { ...config, ringModulePath: resolveRingModule() };
  const worker = new Worker(senderSource, { eval: true, workerData, execArgv: [] });
  worker.unref();
  return worker;
}
