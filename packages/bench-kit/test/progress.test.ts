import { describe, expect, it } from 'vitest';
import { createProgressLine } from '../src/progress.js';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return {
    writes,
    stream: { isTTY, write: (text: string) => writes.push(text) } as unknown as NodeJS.WriteStream,
  };
}

describe('live progress', () => {
  it('redraws one line on a TTY with the samples so far and the current estimate', () => {
    const { writes, stream } = fakeStream(true);
    const line = createProgressLine(stream);
    line.update({
      bench: 'push',
      kind: 'overhead',
      samples: 60,
      estimate: { median: 1.5, low: -0.25, high: 3, confidence: 0.95 },
      elapsedMs: 2500,
    });
    line.clear();
    expect(writes[0]).toBe('\r\x1b[K  push: 60 pairs, +1.50% [−0.25%, +3.00%], 2.5 s');
    expect(writes[1]).toBe('\r\x1b[K');
  });

  it('stays silent when the stream is not a terminal', () => {
    const { writes, stream } = fakeStream(false);
    const line = createProgressLine(stream);
    line.update({ bench: 'push', kind: 'throughput', samples: 1, estimate: null, elapsedMs: 1 });
    line.clear();
    expect(writes).toEqual([]);
  });
});
