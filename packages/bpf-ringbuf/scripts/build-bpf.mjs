#!/usr/bin/env node
// Rebuilds the committed BPF objects (bpf/*.bpf.o and test/fixtures/*.bpf.o) from
// their C sources. Users never need this: the objects ship with the package, the
// way Go's bpf2go commits its output, so only people changing a program need clang.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { machine } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const folders = ['bpf', join('test', 'fixtures')];

const probe = spawnSync('clang', ['--version'], { encoding: 'utf8' });
if (probe.error) {
  console.error(
    'build-bpf: clang is not installed; run "apt-get install clang" (the committed .bpf.o files need no rebuild unless you change a program).',
  );
  process.exit(1);
}

// <asm/types.h> and friends live in the multiarch folder, which -target bpf does not search.
const multiarch = `/usr/include/${machine()}-linux-gnu`;
const includes = [...(existsSync(multiarch) ? ['-I', multiarch] : []), '-I', 'bpf'];

const sources = folders.flatMap((folder) => {
  const path = join(root, folder);
  if (!existsSync(path)) return [];
  return readdirSync(path)
    .filter((file) => file.endsWith('.bpf.c'))
    .sort()
    .map((file) => join(folder, file));
});

// Paths relative to the package root: the debug info then does not depend on where the
// checkout is, and rebuilding unchanged sources reproduces the committed objects byte for byte.
let failed = 0;
for (const source of sources) {
  const object = source.replace(/\.c$/, '.o');
  const args = ['-O2', '-g', '-Wall', '-target', 'bpf', ...includes, '-c', source, '-o', object];
  const result = spawnSync('clang', args, { cwd: root, stdio: 'inherit' });
  if (result.status === 0) {
    console.log(`build-bpf: ${object}`);
  } else {
    failed++;
    console.error(`build-bpf: ${source} did not compile (clang ${args.join(' ')})`);
  }
}
if (failed > 0) process.exit(1);
