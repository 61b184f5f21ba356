import { availableParallelism } from 'node:os';
import type { Pipeline, PipelineContext, PipelineFigures } from '../pipeline.js';
import { sentenceOf } from '../pipeline.js';
import { startBpfSyscallSource } from './bpf-syscall-source.js';
import { startSyntheticSyscallSource } from './synthetic-syscall-source.js';
import { SyscallAggregator } from './syscall-aggregator.js';
import type { SyscallSource } from './syscall-source.js';

/** Syscalls listed on the dashboard (it ranks them by rate and shows the busiest). */
const TOP = 16;

/**
 * eBPF: every syscall entry on the machine, through bpf-ringbuf's per-CPU
 * kernel rings, counted by a JS aggregator. Where BPF cannot run (no
 * privileges, no libbpf, no addon) a synthetic source takes its place, and the
 * banner carries bpf-ringbuf's own sentence saying why.
 */
export function createSyscallsPipeline(): Pipeline {
  let source: SyscallSource | null = null;
  let aggregator: SyscallAggregator | null = null;
  let banner: string | null = null;

  return {
    id: 'syscalls',
    title: 'eBPF syscalls',
    async start(context: PipelineContext) {
      aggregator = new SyscallAggregator(context.trace, context.tracePid);
      // Events are drawn on one track per CPU: per-CPU rings, per-CPU timelines.
      for (let cpu = 0; cpu < availableParallelism(); cpu++)
        context.trace.nameThread(context.tracePid, cpu, `CPU ${cpu}`);
      let reason = 'the --synthetic flag asked for them.';
      if (!context.forceSynthetic) {
        try {
          source = startBpfSyscallSource(aggregator, context.fail);
        } catch (error) {
          reason = sentenceOf(error);
        }
      }
      if (source === null) {
        // bpf-ringbuf's sentence as it is: it already says what to do about it.
        banner = `Showing synthetic syscall events, not the kernel's: ${reason}`;
        source = await startSyntheticSyscallSource(
          aggregator,
          `${context.namePrefix}-events`,
          context.fail,
        );
      }
    },
    observeMetrics(metrics, attributes) {
      return source === null ? [] : [source.observeMetrics(metrics, 'syscalls', attributes)];
    },
    snapshot(): PipelineFigures {
      if (source === null || aggregator === null)
        return { banner, sources: [], rings: [], panels: [] };
      return {
        banner,
        sources: [{ name: source.name, delivered: aggregator.total, dropped: source.dropped() }],
        rings: source.rings(),
        books: source.books(),
        panels: [
          {
            kind: 'top-list',
            title: 'Top syscalls',
            itemName: 'syscall',
            counts: aggregator.top(TOP),
          },
        ],
      };
    },
    async stop() {
      if (source === null)
        return { produced: 0, delivered: 0, dropped: 0, ok: true, detail: 'never started' };
      return source.stop();
    },
  };
}
