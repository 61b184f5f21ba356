// Completions as data: the ring pushes one completion record per fence the device reported
// into an @ringkit/spsc-ring fixed ring in a SharedArrayBuffer (ring.completionBuffer). Its one
// reader — ring.completions() on this thread, or a CompletionReader in a worker it was posted
// to — decodes them from shared memory with no native call. Layout: src/layout.ts, LAYOUT.md.
import { createRing, FixedConsumer } from '@ringkit/spsc-ring';
import { CommandRingError } from './errors.js';
import { Completion } from './layout.js';

const { Field } = Completion;
const TWO_TO_32 = 2 ** 32;

/** One command as the device ran it. */
export interface CommandCompletion {
  fence: number;
  slot: number;
  /** What the device did; a completed fence may still reject in JS (POISONED, CLOSE_TIMEOUT). */
  status: 'completed' | 'failed';
  errorCode: 'COMMAND_FAILED' | undefined;
  /** When it started and ended, in nanoseconds of the executor's or device's host clock (process.hrtime's). */
  startNs: number;
  endNs: number;
  /** Ops recorded into the slot. */
  opCount: number;
}

/** A fresh completion ring: what a ring writes its completion records into. */
export function createCompletionBuffer(): SharedArrayBuffer {
  return createRing({
    kind: 'fixed',
    capacity: Completion.CAPACITY,
    recordSize: Completion.RECORD_BYTES,
    waitDomain: 'os', // the writer is a native thread
  });
}

/** A u64 as a number: exact below 2^53 ns (104 days of uptime on the steady clock). */
function u64At(view: DataView, offset: number): number {
  return view.getUint32(offset + 4, true) * TWO_TO_32 + view.getUint32(offset, true);
}

function decode(view: DataView, offset: number): CommandCompletion {
  const failed = view.getUint32(offset + Field.STATUS, true) === Completion.Status.FAILED;
  const errorCode = view.getUint32(offset + Field.ERROR_CODE, true);
  return {
    fence: u64At(view, offset + Field.FENCE),
    slot: view.getUint32(offset + Field.SLOT, true),
    status: failed ? 'failed' : 'completed',
    errorCode: errorCode === Completion.ErrorCode.COMMAND_FAILED ? 'COMMAND_FAILED' : undefined,
    startNs: u64At(view, offset + Field.START_NS),
    endNs: u64At(view, offset + Field.END_NS),
    opCount: view.getUint32(offset + Field.OP_COUNT, true),
  };
}

/**
 * The completion ring's reader. A ring has one: ring.completions(), or a CompletionReader
 * attached in a worker to the ring.completionBuffer it was posted.
 */
export class CompletionReader {
  readonly #consumer: FixedConsumer;

  constructor(buffer: SharedArrayBuffer) {
    let consumer: FixedConsumer;
    try {
      consumer = FixedConsumer.attach(buffer, { waitDomain: 'os' });
    } catch (error) {
      throw new CommandRingError(
        'INVALID_OPTIONS',
        `a CompletionReader attaches to a ring's completionBuffer; this buffer is not one (${(error as Error).message})`,
        { cause: error },
      );
    }
    const { recordSize } = consumer.descriptor;
    if (recordSize !== Completion.RECORD_BYTES)
      throw new CommandRingError(
        'INVALID_OPTIONS',
        `a completion ring holds ${Completion.RECORD_BYTES}-byte records, this ring ${recordSize}-byte ones: pass ring.completionBuffer.`,
      );
    this.#consumer = consumer;
  }

  /** Every record waiting now (up to `limit`), consumed: a plain read of shared memory. */
  read(limit = Number.POSITIVE_INFINITY): CommandCompletion[] {
    const batch: CommandCompletion[] = [];
    this.#consumer.drain((data, offset, count) => {
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
      for (let i = 0; i < count; i++)
        batch.push(decode(view, offset + i * Completion.RECORD_BYTES));
    }, limit);
    return batch;
  }

  /**
   * The next batch: what is waiting, or, when nothing is, the records of the next wake-up (the
   * ring wakes its reader once per batch, not once per command). Empty once the ring closed and
   * everything was read.
   */
  async nextBatch(): Promise<CommandCompletion[]> {
    for (;;) {
      const batch = this.read();
      if (batch.length > 0) return batch;
      if ((await this.#consumer.waitAsync({ spin: 0 })) === 'closed') return this.read();
    }
  }

  /** nextBatch(), blocking this thread (for workers). */
  nextBatchSync(): CommandCompletion[] {
    for (;;) {
      const batch = this.read();
      if (batch.length > 0) return batch;
      if (this.#consumer.wait({ spin: 0 }) === 'closed') return this.read();
    }
  }

  /** Records the ring dropped because this reader fell a whole ring behind. */
  get dropped(): number {
    return this.#consumer.stats().dropped;
  }
}
