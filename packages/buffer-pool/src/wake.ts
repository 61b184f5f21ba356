import { Control, type RoleLine } from './control.js';
import { LaneQueue, PoolWord, QUEUES_PER_LANE, type RoleKind } from './layout.js';
import { nudgeReceiver } from './queues.js';
import type { LaneQueues, PoolSpec } from './spec.js';

export type QueueName = keyof LaneQueues;
/** A lane's queues by their place in it (layout.ts's LaneQueue). */
const QUEUE_NAMES: readonly QueueName[] = (Object.keys(LaneQueue) as QueueName[]).sort(
  (a, b) => LaneQueue[a] - LaneQueue[b],
);

export interface QueueAddress {
  readonly lane: number;
  readonly name: QueueName;
}

/** The queue a role waits on when it has a thread to itself. */
export function inputOf(kind: RoleKind, lane: number): QueueAddress {
  if (kind === 'producer') return { lane, name: 'free' };
  if (kind === 'drain') return { lane, name: 'ready' };
  if (kind === 'collector') return { lane, name: 'collect' };
  return { lane: 0, name: 'done' };
}

/** Stored in the control block's wake table; 0 means "the role's own input". */
export function queueCode(address: QueueAddress): number {
  return 1 + address.lane * QUEUES_PER_LANE + LaneQueue[address.name];
}

function queueAt(spec: PoolSpec, code: number): LaneQueues[QueueName] {
  const lane = Math.floor((code - 1) / QUEUES_PER_LANE);
  return spec.lanes[lane]![QUEUE_NAMES[(code - 1) % QUEUES_PER_LANE]!];
}

/**
 * Knocks where a role sleeps. A thread that runs several roles sleeps on one
 * queue (its first role's input) and writes that queue's code into the wake
 * table for each of its roles; whoever gives a role work reads it and nudges the
 * right queue, so no role waits for a tick because it shares a thread.
 */
export class RoleWaker {
  private readonly line: RoleLine;
  private readonly ownCode: number;

  constructor(
    private readonly spec: PoolSpec,
    control: Control,
    kind: RoleKind,
    lane: number,
  ) {
    this.line = control.line(kind, lane);
    this.ownCode = queueCode(inputOf(kind, lane));
  }

  /** Wakes the role's thread if it sleeps (cheap when it does not). */
  wake(): void {
    const code = this.line.wakeTarget || this.ownCode;
    nudgeReceiver(queueAt(this.spec, code));
  }

  /**
   * After pushing to the role's own input: that push already woke a thread
   * sleeping there; nudge only when the role's thread sleeps somewhere else.
   */
  wakeIfElsewhere(): void {
    const code = this.line.wakeTarget;
    if (code !== 0 && code !== this.ownCode) nudgeReceiver(queueAt(this.spec, code));
  }
}

/** Records, on a role's own line, the queue its thread sleeps on. */
export function announceSleepQueue(line: RoleLine, address: QueueAddress | undefined): void {
  line.wakeTarget = address === undefined ? 0 : queueCode(address);
}

/** A participant met a block it never received: flag it for replenish (which re-broadcasts it) and wake replenish. */
export function askForBlock(spec: PoolSpec, replenish?: { wake(): void }): void {
  const control = new Control(spec.control);
  Atomics.store(control.words, PoolWord.BLOCK_WANTED, 1);
  (replenish ?? new RoleWaker(spec, control, 'replenish', 0)).wake();
}
