// Loaded first in every thread of a counted contender (bench/wakeups.ts): counts what a thread
// does besides moving buffers — Atomics.wait (by result) and Atomics.notify (and whether it
// woke anyone), MessagePort posts, and, for pool roles, their steps, idle steps (spins), empty
// polls, sleeps and the buffers replenish sends to another lane — into a SharedArrayBuffer row
// of its own (workerData.countRow, or row 0 in the main thread).
// Counting, not timing: each wrapper costs a few nanoseconds, far below one futex call.
import { readlinkSync } from 'node:fs';
import { MessagePort, workerData } from 'node:worker_threads';

/** The columns of a row, in order. */
export const COUNTS = [
  'threadId',
  'waits',
  'waitsWoken',
  'waitsTimedOut',
  'waitsNotEqual',
  'notifies',
  'notifiesThatWoke',
  'posts',
  'drainSteps',
  'drainIdleSteps',
  'drainSleeps',
  'collectorSteps',
  'collectorIdleSteps',
  'collectorSleeps',
  'replenishSteps',
  'replenishIdleSteps',
  'replenishSleeps',
  'producerSleeps',
  'producerBlockedWaits',
  'producerEmptyPolls',
  'routedToOtherLane',
];
const column = Object.fromEntries(COUNTS.map((name, index) => [name, index]));

/** Starts counting into `row` of `memory` (an Int32Array over the shared counts). */
export async function countInto(memory, row) {
  const base = row * COUNTS.length;
  const count = (name) => Atomics.add(memory, base + column[name], 1);
  // The OS thread id ('<pid>/task/<tid>'), so that the main thread can read this thread's schedstat.
  Atomics.store(memory, base, Number(readlinkSync('/proc/thread-self').split('/').at(-1)));
  const { wait, notify } = Atomics;
  Atomics.wait = (words, index, value, timeout) => {
    const result = wait(words, index, value, timeout);
    count('waits');
    count(
      result === 'ok' ? 'waitsWoken' : result === 'timed-out' ? 'waitsTimedOut' : 'waitsNotEqual',
    );
    return result;
  };
  Atomics.notify = (words, index, waiters) => {
    const woke = notify(words, index, waiters);
    count('notifies');
    if (woke > 0) count('notifiesThatWoke');
    return woke;
  };
  const post = MessagePort.prototype.postMessage;
  MessagePort.prototype.postMessage = function (...args) {
    count('posts');
    return post.apply(this, args);
  };
  const pool = await import('../../dist/index.js');
  const roles = [
    ['drain', pool.PoolDrain],
    ['collector', pool.PoolCollector],
    ['replenish', pool.PoolReplenish],
  ];
  for (const [name, Role] of roles) {
    const { step, sleep } = Role.prototype;
    // Column numbers found once: a name built per call costs a string-table lookup per step.
    const steps = base + column[`${name}Steps`];
    const idleSteps = base + column[`${name}IdleSteps`];
    const sleeps = base + column[`${name}Sleeps`];
    Role.prototype.step = function () {
      const moved = step.call(this);
      memory[steps]++;
      if (moved === 0) memory[idleSteps]++;
      return moved;
    };
    Role.prototype.sleep = function (until) {
      memory[sleeps]++;
      return sleep.call(this, until);
    };
  }
  // Replenish sends a returning buffer to the neediest lane: count the ones that change lane.
  const { neediestLane } = pool.PoolReplenish.prototype;
  const otherLane = base + column.routedToOtherLane;
  pool.PoolReplenish.prototype.neediestLane = function () {
    const lane = neediestLane.call(this);
    if (this.routingFrom >= 0 && lane !== this.routingFrom) memory[otherLane]++;
    return lane;
  };
  const { sleep, waitForFree, canWrite } = pool.PoolProducer.prototype;
  const emptyPolls = base + column.producerEmptyPolls;
  // A looping producer polls canWrite while it has nothing to fill: its spins.
  pool.PoolProducer.prototype.canWrite = function (payloadLength) {
    const can = canWrite.call(this, payloadLength);
    if (!can) memory[emptyPolls]++;
    return can;
  };
  pool.PoolProducer.prototype.sleep = function (until) {
    count('producerSleeps');
    return sleep.call(this, until);
  };
  pool.PoolProducer.prototype.waitForFree = function () {
    count('producerBlockedWaits');
    return waitForFree.call(this);
  };
}

if (workerData?.countRow !== undefined)
  await countInto(new Int32Array(workerData.countMemory), workerData.countRow);
