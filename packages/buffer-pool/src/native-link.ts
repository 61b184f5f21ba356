import { BroadcastChannel } from 'node:worker_threads';
import { BlockDirectory } from './blocks.js';
import { PoolError } from './errors.js';
import { channelName, type LaneQueues, type PoolSpec } from './spec.js';
import { askForBlock, queueCode } from './wake.js';

/**
 * What every native role's JS side shares: the pool checks, the shared memory
 * as the addon takes it, and the feed of blocks to a native thread (the pool's
 * channel, plus a direct hand-over from a native replenish in this thread).
 */

/** Native threads sleep on futexes and write spsc rings: refuse any other pool before a role is taken. */
export function checkNativePool(spec: PoolSpec, what: string): void {
  const pool = spec.options;
  if (pool.waitDomain !== 'os')
    throw new PoolError(
      'INVALID_OPTIONS',
      `${what} needs a pool created with waitDomain 'os': a JS thread sleeping in Atomics.wait is never woken by a native thread, waitDomain=${pool.waitDomain}.`,
    );
  if (pool.queueKind !== 'spsc')
    throw new PoolError(
      'INVALID_OPTIONS',
      `${what} works on spsc queues only, queueKind=${pool.queueKind}; create the pool with queueKind 'spsc'.`,
    );
}

/** Every queue of the pool at its wake-table code - 1 (wake.ts): the native wakers knock on any. */
export function queuesByCode(spec: PoolSpec): Uint8Array[] {
  const views: Uint8Array[] = [];
  spec.lanes.forEach((queues, lane) => {
    for (const name of Object.keys(queues) as (keyof LaneQueues)[])
      views[queueCode({ lane, name }) - 1] = new Uint8Array(queues[name].buffer);
  });
  return views;
}

/** The memory a native role works in: views, since Node-API cannot read a bare SharedArrayBuffer. */
export function nativeMemory(spec: PoolSpec) {
  return {
    control: new Uint8Array(spec.control),
    queues: queuesByCode(spec),
    // The spec's blocks, and any other this thread has seen.
    blocks: [...new BlockDirectory(channelName(spec), spec.control, spec.blocks).blocks],
  };
}

/** The sizes every native role checks its memory against. */
export function nativeGeometry(spec: PoolSpec) {
  const { lanes, bufferSize, buffersPerBlock, maxBlocks, tickMs, spin } = spec.options;
  return { lanes, bufferSize, buffersPerBlock, maxBlocks, tickMs, spin };
}

type AddBlock = (block: number, bytes: Uint8Array) => unknown;

/**
 * Native roles started in this thread, per pool: a native replenish here hands
 * each new block to them directly, before any of its ids is queued, so they
 * never wait for the channel's message to come round this thread's event loop.
 */
const nativeRolesHere = new WeakMap<SharedArrayBuffer, Set<AddBlock>>();

export function handToNativeRoles(spec: PoolSpec, block: number, buffer: SharedArrayBuffer): void {
  for (const add of nativeRolesHere.get(spec.control) ?? []) add(block, new Uint8Array(buffer));
}

/**
 * Hands blocks announced on the pool's channel to a native thread, and asks for
 * one it met without having it (as blocks.ts does: the message first, then the flag).
 */
export class BlockFeed {
  private readonly channel: BroadcastChannel;
  private listening = true;
  private target: AddBlock | undefined;
  private readonly direct: AddBlock = (block, bytes) => this.target?.(block, bytes);

  constructor(private readonly spec: PoolSpec) {
    // Listen before the thread starts, so no block announced from now on is missed.
    this.channel = new BroadcastChannel(channelName(spec));
    (this.channel as unknown as { unref(): void }).unref();
    this.channel.onmessage = (event) => {
      const body = (event as MessageEvent).data as {
        type?: string;
        block?: number;
        buffer?: unknown;
      };
      if (body?.type === 'block' && body.buffer instanceof SharedArrayBuffer)
        this.target?.(body.block!, new Uint8Array(body.buffer));
    };
    let here = nativeRolesHere.get(spec.control);
    if (here === undefined) {
      here = new Set();
      nativeRolesHere.set(spec.control, here);
    }
    here.add(this.direct);
  }

  /** Where blocks go from now on: the started thread's addBlock. */
  feed(addBlock: AddBlock): void {
    this.target = addBlock;
  }

  /** The native thread met a block it was never given. */
  readonly askFor = (block: number): void => {
    if (!this.listening) return;
    this.channel.postMessage({ type: 'want', block });
    askForBlock(this.spec);
  };

  close(): void {
    if (!this.listening) return;
    this.listening = false;
    this.target = undefined;
    this.channel.close();
    nativeRolesHere.get(this.spec.control)?.delete(this.direct);
  }
}
