import { createRandom, normalDeviate } from '../src/stats.js';

/**
 * A clock that only moves when a workload says it did: sampling logic can be
 * tested exactly, with noise we choose, on any machine at any load.
 */
export function createVirtualClock() {
  let now = 0;
  return {
    clock: () => now,
    advance(ns: number) {
      now += ns;
    },
  };
}

/** A workload costing `nsPerIteration`, with multiplicative log-normal noise per iteration. */
export function virtualWorkload(
  clock: ReturnType<typeof createVirtualClock>,
  nsPerIteration: number,
  options: { noise?: number; seed?: number } = {},
) {
  const random = createRandom(options.seed ?? 1);
  const noise = options.noise ?? 0.03;
  return () => {
    clock.advance(nsPerIteration * Math.exp(noise * normalDeviate(random)));
  };
}
