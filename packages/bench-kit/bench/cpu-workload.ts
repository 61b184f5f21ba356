/**
 * A small CPU-bound workload whose cost is linear in `rounds`, so `rounds × 1.15`
 * is a real +15% slowdown: more of the same work, not a sleep or a timer trick.
 */
const data = Float64Array.from({ length: 64 }, (_, index) => index * 1.5 + 1);
let sink = 0;

export function createCpuWorkload(rounds: number): () => void {
  return () => {
    let accumulator = 0;
    for (let round = 0; round < rounds; round++) {
      for (let index = 0; index < data.length; index++)
        accumulator += Math.sqrt((data[index] as number) + round);
    }
    // Published so the optimiser cannot drop the loop as dead code.
    sink += accumulator;
  };
}

export function workloadSink(): number {
  return sink;
}
