import { BroadcastChannel, type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import { PoolError } from './errors.js';
import { BufferId } from './layout.js';

/**
 * A buffer id is (block << 16 | index), layout.ts's BufferId: block numbers
 * count up from 0 as replenish allocates, index is the buffer's place in its
 * block. Resolving an id is two shifts and an array lookup, never a search.
 */
const { BLOCK_SHIFT, INDEX_MASK } = BufferId;
export const blockOf = (id: number): number => id >>> BLOCK_SHIFT;
export const indexOf = (id: number): number => id & INDEX_MASK;
export const bufferId = (block: number, index: number): number =>
  ((block << BLOCK_SHIFT) | index) >>> 0;

interface BlockMessage {
  readonly type: 'block';
  readonly block: number;
  readonly buffer: SharedArrayBuffer;
}
interface WantMessage {
  readonly type: 'want';
  readonly block: number;
}
type DirectoryMessage = BlockMessage | WantMessage;

const WANT_TIMEOUT_MS = 5000;
const ASK_AGAIN_MS = 100;

/**
 * Blocks already seen in this thread, per pool (keyed by the spec's control
 * block object): roles sharing a thread share registrations, so a role that
 * joins late in the thread that allocated a block never has to ask for it.
 */
const seenInThisThread = new WeakMap<SharedArrayBuffer, Uint8Array[]>();

/**
 * Which blocks this participant can see. Registration is handing a block's
 * SharedArrayBuffer over once: the allocator broadcasts it on the pool's
 * channel before any of its ids enter a queue, and a participant picks it up
 * (synchronously, on the first id it meets) with receiveMessageOnPort. A
 * participant in another thread that joined after a broadcast asks for it
 * again ('want'); the allocator answers from its next loop.
 */
export class BlockDirectory {
  /** blocks[b] is block b's bytes; a buffer is bytes [index·size, (index+1)·size). */
  readonly blocks: Uint8Array[];
  /** Blocks this participant added after it attached: counted so steady state can be shown to add none. */
  registrations = 0;
  private channel: BroadcastChannel | undefined;

  constructor(
    private readonly channelName: string,
    pool: SharedArrayBuffer,
    known: readonly SharedArrayBuffer[],
    private readonly onWant?: () => void,
  ) {
    let blocks = seenInThisThread.get(pool);
    if (blocks === undefined) {
      blocks = [];
      seenInThisThread.set(pool, blocks);
    }
    this.blocks = blocks;
    known.forEach((buffer, block) => {
      blocks[block] ??= new Uint8Array(buffer);
    });
  }

  private open(): BroadcastChannel {
    if (this.channel === undefined) {
      this.channel = new BroadcastChannel(this.channelName);
      // A directory must never keep its thread's event loop alive.
      (this.channel as unknown as { unref(): void }).unref();
    }
    return this.channel;
  }

  /** Listens from now on: call before the participant's first queue operation. */
  listen(): void {
    this.open();
  }

  /** Takes every message waiting on the channel; returns the blocks others asked for. */
  pump(): number[] {
    // receiveMessageOnPort takes a BroadcastChannel too (Node ≥ 15.4); the types only name MessagePort.
    const channel = this.open() as unknown as MessagePort;
    const wanted: number[] = [];
    for (
      let message = receiveMessageOnPort(channel);
      message;
      message = receiveMessageOnPort(channel)
    ) {
      const body = message.message as DirectoryMessage;
      if (body.type === 'block') this.add(body.block, body.buffer);
      else if (body.type === 'want') wanted.push(body.block);
    }
    return wanted;
  }

  add(block: number, buffer: SharedArrayBuffer): void {
    if (this.blocks[block] !== undefined) return;
    this.blocks[block] = new Uint8Array(buffer);
    this.registrations++;
  }

  /** The allocator's half: registers a new block with every participant. */
  announce(block: number, buffer: SharedArrayBuffer): void {
    this.blocks[block] = new Uint8Array(buffer);
    this.open().postMessage({ type: 'block', block, buffer } satisfies BlockMessage);
  }

  /** The bytes of `block`, fetching its registration if this participant has not seen it yet. */
  bytes(block: number): Uint8Array {
    return this.blocks[block] ?? this.fetch(block);
  }

  private fetch(block: number): Uint8Array {
    this.pump();
    const deadline = performance.now() + WANT_TIMEOUT_MS;
    const pause = new Int32Array(new SharedArrayBuffer(4));
    let nextAsk = 0;
    while (this.blocks[block] === undefined) {
      const now = performance.now();
      if (now > deadline)
        throw new PoolError(
          'UNKNOWN_BLOCK',
          `block ${block} was never registered with this participant within ${WANT_TIMEOUT_MS} ms: is the pool's replenish running, and was this id made by this pool?`,
        );
      // Asked again every ASK_AGAIN_MS: replenish may have cleared the flag before the message reached its port.
      if (now >= nextAsk) {
        this.open().postMessage({ type: 'want', block } satisfies WantMessage);
        this.onWant?.();
        nextAsk = now + ASK_AGAIN_MS;
      }
      Atomics.wait(pause, 0, 0, 1);
      this.pump();
    }
    return this.blocks[block]!;
  }

  close(): void {
    this.channel?.close();
    this.channel = undefined;
  }
}
