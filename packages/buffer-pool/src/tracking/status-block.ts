/**
 * What the sender thread tells the tracker, in shared memory, so `stats()`,
 * `flush()` and blocking sends read it without waiting for either thread's event
 * loop. The sender is the only writer of every field but FLUSH_REQUESTS. LAYOUT.md
 * draws the block; TypeScript's alone (no C++ reads it).
 */

/** Indices into the block read as an Int32Array. */
export const StatusWord = {
  /**
   * Events handled (sent or dropped while disconnected) mod 2³²: the word
   * blocking senders and flush() sleep on.
   */
  HANDLED_LOW: 0,
  /** 1 while a connection is open. */
  CONNECTED: 1,
  /** Seqlock over the error text: odd while it is being written. */
  ERROR_VERSION: 2,
  /** Bytes of UTF-8 in the error text. */
  ERROR_LENGTH: 3,
  /** Bumped by the tracker's flush(): "write now, whatever the batch size". */
  FLUSH_REQUESTS: 4,
  /**
   * Bumped at each of the sender's polls: the tracker reads the clock at its
   * first event after one, so no event time is older than a poll.
   */
  POLLS: 5,
} as const;

/** Indices into the block read as a BigInt64Array: exact counts. */
export const StatusCounter = {
  /** Events handled. */
  HANDLED: 4,
  /** Events whose frame the socket accepted. */
  SENT: 5,
  DROPPED_WHILE_DISCONNECTED: 6,
  /** Connections opened after the first. */
  RECONNECTS: 7,
  FRAMES: 8,
} as const;

/** The last error the sender saw, in UTF-8, on a line of its own after the counters. */
const ERROR_OFFSET = 128;
const ERROR_BYTES = 512;
const STATUS_BYTES = ERROR_OFFSET + ERROR_BYTES;

/** Handed to the sender thread in workerData, so the layout is written down only here. */
export const statusLayout = {
  word: StatusWord,
  counter: StatusCounter,
  errorOffset: ERROR_OFFSET,
  errorBytes: ERROR_BYTES,
} as const;
export type StatusLayout = typeof statusLayout;

export function createStatusBlock(): SharedArrayBuffer {
  return new SharedArrayBuffer(STATUS_BYTES);
}

export interface SenderStatus {
  readonly handled: number;
  readonly sent: number;
  readonly droppedWhileDisconnected: number;
  readonly reconnects: number;
  readonly frames: number;
  readonly connected: boolean;
  readonly lastError: string | null;
}

/** The tracker's read-only view of the block. */
export class StatusReader {
  readonly words: Int32Array;
  private readonly counters: BigInt64Array;
  private readonly errorText: Uint8Array;

  constructor(block: SharedArrayBuffer) {
    this.words = new Int32Array(block, 0, 8);
    this.counters = new BigInt64Array(block, 0, ERROR_OFFSET / 8);
    this.errorText = new Uint8Array(block, ERROR_OFFSET, ERROR_BYTES);
  }

  handled(): number {
    return Number(Atomics.load(this.counters, StatusCounter.HANDLED));
  }

  read(): SenderStatus {
    const counter = (index: number) => Number(Atomics.load(this.counters, index));
    return {
      handled: counter(StatusCounter.HANDLED),
      sent: counter(StatusCounter.SENT),
      droppedWhileDisconnected: counter(StatusCounter.DROPPED_WHILE_DISCONNECTED),
      reconnects: counter(StatusCounter.RECONNECTS),
      frames: counter(StatusCounter.FRAMES),
      connected: Atomics.load(this.words, StatusWord.CONNECTED) === 1,
      lastError: this.lastError(),
    };
  }

  /**
   * Seqlock read: retry while the sender is mid-write or wrote during our copy.
   * Bounded, because a sender stopped mid-write (terminate()) leaves the version odd.
   */
  private lastError(): string | null {
    for (let attempt = 0; attempt < 1000; attempt++) {
      const before = Atomics.load(this.words, StatusWord.ERROR_VERSION);
      if (before === 0) return null;
      if ((before & 1) === 1) continue;
      const length = Math.min(Atomics.load(this.words, StatusWord.ERROR_LENGTH), ERROR_BYTES);
      // slice() copies out of shared memory: TextDecoder refuses shared views.
      const copy = this.errorText.slice(0, length);
      if (Atomics.load(this.words, StatusWord.ERROR_VERSION) === before)
        return new TextDecoder().decode(copy);
    }
    return 'sender thread stopped while recording its last error';
  }
}
