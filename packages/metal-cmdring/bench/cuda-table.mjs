// The README's CUDA table, from what the GPU check printed on the device machine
// (`node test/fixtures/cuda-check.mjs --timings > …/cuda-h200/js-cuda-h200.txt`): GPU busy
// time by kernel length, ring size and whether each command also copies 16 bytes back, and
// the gap between kernels with two slots or more. Writes cuda-h200/gpu-busy.md beside it.
// `node bench/cuda-table.mjs [folder]` (default: benchmark_results/metal-cmdring/cuda-h200).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const folder =
  process.argv[2] ??
  fileURLToPath(new URL('../../../benchmark_results/metal-cmdring/cuda-h200/', import.meta.url));
const source = join(folder, 'js-cuda-h200.txt');
const lines = readFileSync(source, 'utf8')
  .split('\n')
  .filter((line) => line.startsWith('{'));
const device = lines.map((line) => JSON.parse(line)).find((check) => check.device)?.device;
const timings = lines.map((line) => JSON.parse(line)).filter((check) => check.check === 'timing');

const percent = (fraction) => `${(fraction * 100).toFixed(1)}%`;
const rows = [];
const kernels = [...new Set(timings.map((timing) => timing.kernelUs))].sort((a, b) => a - b);
for (const kernelUs of kernels) {
  for (const [mode, holds] of [
    ['copy-back', 'kernel + 16-byte copy back'],
    ['no copy', 'kernel only'],
  ]) {
    const ofRing = (size) =>
      timings.find((t) => t.kernelUs === kernelUs && t.mode === mode && t.ringSize === size);
    const cells = [1, 2, 3, 4].map((size) => ofRing(size));
    if (cells.some((cell) => cell === undefined)) continue;
    const gaps = cells.slice(1).map((cell) => cell.gapUs);
    const gap = `${Math.min(...gaps).toFixed(1)}–${Math.max(...gaps).toFixed(1)} µs`;
    rows.push(
      `| ${kernelUs} µs | ${holds} | ${cells.map((cell) => percent(cell.gpuBusy)).join(' | ')} | ${gap} |`,
    );
  }
}

const text = [
  `# GPU busy time by ring size, CUDA on an ${device ?? 'NVIDIA GPU'}`,
  '',
  `From \`js-cuda-h200.txt\` (\`node test/fixtures/cuda-check.mjs --timings\`, E = 0): the spin kernel stamps \`%globaltimer\` at its start and end; GPU busy = Σ kernel time / (last end − first start). Written by \`node bench/cuda-table.mjs\`.`,
  '',
  '| kernel | what each command holds | ring 1 | ring 2 | ring 3 | ring 4 | gap between kernels, ring ≥ 2 |',
  '|---:|---|---:|---:|---:|---:|---:|',
  ...rows,
  '',
].join('\n');
writeFileSync(join(folder, 'gpu-busy.md'), text);
console.log(text);
