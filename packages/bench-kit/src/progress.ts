import { formatInterval, formatValue } from './format.js';
import type { Progress } from './runner.js';

/**
 * A live line on a TTY (samples so far, current estimate), redrawn in place;
 * silent elsewhere so logs and CI output stay clean.
 */
export function createProgressLine(stream: NodeJS.WriteStream = process.stderr): {
  update: (progress: Progress) => void;
  clear: () => void;
} {
  if (!stream.isTTY) return { update: () => {}, clear: () => {} };
  return {
    update(progress) {
      const unit =
        progress.unit ??
        ({ overhead: '%', speedup: '×', throughput: 'items/s', latency: 'ns' } as const)[
          progress.kind
        ];
      const estimate = progress.estimate
        ? `${formatValue(unit, progress.estimate.median)} ${formatInterval(unit, progress.estimate.low, progress.estimate.high)}`
        : '…';
      const what =
        progress.kind === 'throughput'
          ? 'samples'
          : progress.kind === 'latency'
            ? 'events'
            : 'pairs';
      stream.write(
        `\r\x1b[K  ${progress.bench}: ${progress.samples} ${what}, ${estimate}, ${(progress.elapsedMs / 1000).toFixed(1)} s`,
      );
    },
    clear() {
      stream.write('\r\x1b[K');
    },
  };
}
