import { speedup } from '@ringkit/bench-kit';

/** One side of a pipeline speedup: moves `buffers` buffers per call, stopped at teardown. */
export interface PipelineSide {
  run(buffers: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A speedup in buffers per second between two pipelines that stay alive for the whole bench
 * (both started in setup, both stopped in teardown).
 */
export function pipelineSpeedup(options: {
  readonly name: string;
  readonly description: string;
  readonly atLeast: number;
  readonly start: () => Promise<[baseline: PipelineSide, candidate: PipelineSide]>;
}) {
  let sides: [PipelineSide, PipelineSide] | undefined;
  return speedup({
    name: options.name,
    description: options.description,
    atLeast: options.atLeast,
    itemsPerIteration: 1,
    baseline: { batch: (buffers: number) => sides![0].run(buffers) },
    candidate: { batch: (buffers: number) => sides![1].run(buffers) },
    setup: async () => {
      sides = await options.start();
    },
    teardown: async () => {
      const [a, b] = sides!;
      sides = undefined;
      await Promise.all([a.stop(), b.stop()]);
    },
  });
}
