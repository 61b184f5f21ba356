// The baseline the ring has to beat: a plain SharedArrayBuffer command queue of `depth`
// entries, fed from the event loop (post, Atomics.notify; when full, await Atomics.waitAsync)
// and run by a worker that polls 50 µs before it sleeps (bench/sab-executor.mjs). What a user
// writes in a few lines without ringkit, running the same busy op as the cpu backend.
import { Worker } from 'node:worker_threads';
import { encodeFor } from './decode-loop.js';
import { BYTE_LENGTH, Index, MAX_DEPTH } from './sab-layout.mjs';

export class SabQueue {
  readonly depth: number;
  readonly #words: Int32Array;
  readonly #busyNs: Float64Array;
  readonly #worker: Worker;
  #posted = 0;

  constructor(depth: number, spinUs = 50) {
    if (!Number.isInteger(depth) || depth < 1 || depth > MAX_DEPTH)
      throw new RangeError(
        `SabQueue depth must be a whole number from 1 to ${MAX_DEPTH}, got ${depth}.`,
      );
    this.depth = depth;
    const buffer = new SharedArrayBuffer(BYTE_LENGTH);
    this.#words = new Int32Array(buffer);
    this.#busyNs = new Float64Array(buffer, Index.BUSY_NS_BYTE, 1);
    this.#worker = new Worker(new URL('./sab-executor.mjs', import.meta.url), {
      workerData: { buffer, depth, spinUs },
    });
  }

  /** Nanoseconds the executor ran ops, preemption left out (read when the queue is idle). */
  get executorBusyNs(): number {
    return this.#busyNs[0] as number;
  }

  /** `commands` commands of `executeUs`, each encoded for `encodeUs` here; resolves when all ran. */
  async run(commands: number, executeUs: number, encodeUs = 0): Promise<number> {
    const words = this.#words;
    for (let i = 0; i < commands; i++) {
      await this.#waitUntilDone(this.#posted - this.depth + 1);
      encodeFor(encodeUs);
      words[Index.OPS + (this.#posted % this.depth)] = executeUs;
      Atomics.store(words, Index.POSTED, ++this.#posted);
      Atomics.notify(words, Index.POSTED);
    }
    await this.#waitUntilDone(this.#posted);
    return commands;
  }

  async #waitUntilDone(count: number): Promise<void> {
    for (;;) {
      const done = Atomics.load(this.#words, Index.DONE);
      if (done >= count) return;
      const wait = Atomics.waitAsync(this.#words, Index.DONE, done);
      if (wait.async) await wait.value;
    }
  }

  async close(): Promise<void> {
    Atomics.store(this.#words, Index.STOP, 1);
    Atomics.notify(this.#words, Index.POSTED);
    await this.#worker.terminate(); // ends it even while it sleeps in Atomics.wait
  }
}
