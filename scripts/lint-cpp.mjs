#!/usr/bin/env node
// Checks (or with --fix, rewrites) the formatting of a package's C, C++, CUDA and
// Objective-C++ sources with clang-format, using the repository's .clang-format.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const SOURCE = /\.(c|cc|cpp|cxx|h|hh|hpp|cu|cuh|mm)$/;
const SKIP = new Set(['node_modules', 'build', 'dist', '.turbo', 'vendor']);

function listSources(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name) || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listSources(path));
    else if (SOURCE.test(entry.name)) found.push(path);
  }
  return found;
}

const fix = process.argv.includes('--fix');
const files = listSources(process.cwd());
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
console.log(
  `lint-cpp: ${files.length} C/C++ file(s) formatted as .clang-format says (${relative(process.cwd(), process.cwd()) || '.'}).`,
);
