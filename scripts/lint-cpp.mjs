#!/usr/bin/env node
// Checks (or with --fix, rewrites) the formatting of a package's C, C++, CUDA and
// Objective-C++ sources with clang-format, using the repository's .clang-format.
import { spawnSync } from 'node:child_process';

const SOURCE = /\.(c|cc|cpp|cxx|h|hh|hpp|cu|cuh|mm)$/;

/** The package's C-family sources that git tracks or would track: build folders are ignored files. */
function listSources() {
  const listed = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    encoding: 'utf8',
  });
  if (listed.status !== 0) {
    console.error(
      'lint-cpp: this is not a git checkout; run "npm run lint" inside the ringkit repository.',
    );
    process.exit(1);
  }
  return listed.stdout.split('\n').filter((file) => SOURCE.test(file));
}

const fix = process.argv.includes('--fix');
const files = listSources();
if (files.length === 0) process.exit(0);

const probe = spawnSync('clang-format', ['--version'], { encoding: 'utf8' });
if (probe.error) {
  console.error(
    'lint-cpp: clang-format is not installed; run "bash scripts/install-system-deps.sh" (or apt-get install clang-format).',
  );
  process.exit(1);
}

const args = fix ? ['-i', ...files] : ['--dry-run', '--Werror', ...files];
const result = spawnSync('clang-format', args, { stdio: 'inherit' });
if (result.status !== 0) {
  console.error(
    `lint-cpp: ${files.length} C/C++ file(s) checked; formatting differs. Run "npm run format" to fix.`,
  );
  process.exit(1);
}
console.log(`lint-cpp: ${files.length} C/C++ file(s) formatted as .clang-format says.`);
