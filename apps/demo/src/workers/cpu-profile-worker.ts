/**
 * The CPU profiler, off the main thread: bpf-ringbuf's profile program on a perf_event on every
 * CPU, its `counts` map read and emptied every readEveryMs, each sample counted under its stack's
 * label. Here rather than on the main thread because naming kernel frames takes /proc/kallsyms
 * parsed (half a second or more), and the dashboard server and the other pipelines' drains live
 * there. Posts `started` once attached, then one `read` per read, then a `report` after `stop`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  type BpfLink,
  type BpfMap,
  type BpfObject,
  type KernelSymbols,
  loadKernelSymbols,
  loadUserMappings,
  openObject,
} from '@ringkit/bpf-ringbuf';
import { sentenceOf } from '../pipeline.js';
import { decodeProfileKey, decodeSampleCount, StackLabeller } from '../pipelines/profile-stacks.js';
import type {
  CpuProfileMessage,
  CpuProfileStop,
  CpuProfileWorkerData,
  ProfileRead,
} from './cpu-profile-protocol.js';

const data = workerData as CpuProfileWorkerData;
const post = (message: CpuProfileMessage) => parentPort!.postMessage(message);

const samplesByStack = new Map<string, number>();
let read = 0;
let shown = 0;
let lost = 0;

/** Moves what the map holds now into the labels: the map's one reader. */
function drain(counts: BpfMap, labeller: StackLabeller): ProfileRead {
  const startedAtEpochMs = performance.timeOrigin + performance.now();
  let samples = 0;
  let entries = 0;
  for (const [key, value] of counts.entries()) {
    // Deleted right after it was read (safe while iterating): samples the program adds in
    // between are never read, so never counted as produced either.
    counts.delete(key);
    const count = decodeSampleCount(value);
    const label = labeller.label(decodeProfileKey(key));
    read += count;
    samples += count;
    entries++;
    if (label === null) lost += count;
    else {
      shown += count;
      samplesByStack.set(label, (samplesByStack.get(label) ?? 0) + count);
    }
  }
  const stacks = [...samplesByStack]
    .map(([label, count]) => ({ label, count }))
    .sort((a, b) => b.count - a.count)
    .slice(0, data.stacksReported);
  return {
    read,
    shown,
    lost,
    stacks,
    labels: samplesByStack.size,
    startedAtEpochMs,
    durationMs: performance.timeOrigin + performance.now() - startedAtEpochMs,
    samples,
    entries,
  };
}

/** Opens and attaches the program; null (and the sentence posted) where it cannot run. */
function attach(): { object: BpfObject; link: BpfLink } | null {
  let object: BpfObject | null = null;
  try {
    // target_tgid is `const volatile` in .rodata: set before load, the verifier sees a constant.
    object = openObject(data.objectPath, {
      maps: { ring: null },
      globals: { target_tgid: data.targetTgid },
    });
    const link = object.program('ringkit_profile').attach({
      kind: 'perf_event',
      frequency: data.frequencyHz,
    });
    return { object, link };
  } catch (error) {
    object?.close();
    // bpf-ringbuf's sentence as it is: it already says what to do about it.
    post({ unavailable: sentenceOf(error) });
    return null;
  }
}

const attached = attach();
if (attached !== null) {
  const { object, link } = attached;
  post({ started: true });
  // After the attach, so the pipeline's start (and the demo's first sample) need not wait for
  // it: the map keeps what is sampled meanwhile, this parsing included (the profiler's own
  // start-up, shown as it is).
  let kernel: KernelSymbols | null = null;
  try {
    kernel = loadKernelSymbols();
  } catch {
    kernel = null; // kallsyms hidden from this process: kernel frames stay addresses
  }
  const counts = object.map('counts');
  const stacks = object.map('stacks');
  const labeller = new StackLabeller(
    (stackId) => stacks.stackTrace(stackId),
    kernel,
    loadUserMappings,
  );
  const timer = setInterval(() => {
    try {
      post({ read: drain(counts, labeller) });
    } catch (error) {
      clearInterval(timer);
      post({ error: sentenceOf(error) });
    }
  }, data.readEveryMs);

  parentPort!.once('message', (_message: CpuProfileStop) => {
    clearInterval(timer);
    try {
      // Detach first so the map stops changing, then read what it holds: every sample counted.
      link.detach();
      const detached = link.detached;
      const last = drain(counts, labeller);
      post({ report: { last, detached } });
    } catch (error) {
      post({ error: sentenceOf(error) });
    } finally {
      object.close();
    }
  });
}
