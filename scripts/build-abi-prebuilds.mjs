#!/usr/bin/env node
// Builds and stages a package's V8-API addons ("NAME.node@abi" in ringkit.addons) for every
// Node ABI a release claims other than the running Node's (stage-prebuild.mjs stages that
// one): each with that Node first on the PATH, whose own headers CMakeLists.txt finds from
// `node`, into build/node-abi-<N>/, then copied to prebuilds/<platform>/node-abi-<N>/.
//   node ../../scripts/build-abi-prebuilds.mjs   (run in the package, after build:native)
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { nodeHomeFor, otherNodesUnavailableReason } from './node-binaries.mjs';
import { addonsOf, PREBUILT_NODE_ABIS, prebuildPath } from './prebuild-claims.mjs';

const dir = process.cwd();
const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
const keyed = addonsOf(manifest).filter((addon) => addon.abiKeyed);
const others = PREBUILT_NODE_ABIS.filter((abi) => abi !== process.versions.modules);
const unavailable = otherNodesUnavailableReason();
if (keyed.length === 0 || others.length === 0) process.exit(0);
if (unavailable !== '') {
  console.log(`build-abi-prebuilds: skipped (${unavailable}); a release is made on linux-x64.`);
  process.exit(0);
}

const cmakeJs = join(
  resolve(import.meta.dirname, '..'),
  'node_modules',
  'cmake-js',
  'bin',
  'cmake-js',
);
const platform = `${process.platform}-${process.arch}`;
for (const abi of others) {
  const bin = join(nodeHomeFor(abi), 'bin');
  const out = join('build', `node-abi-${abi}`);
  for (const addon of keyed) {
    const target = addon.file.replace(/\.node$/, '');
    execFileSync(
      join(bin, 'node'),
      [cmakeJs, 'compile', '--out', out, '--log-level', 'warn', '--target', target],
      {
        cwd: dir,
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH}` },
      },
    );
    const staged = join(dir, prebuildPath(addon, platform, abi));
    mkdirSync(dirname(staged), { recursive: true });
    copyFileSync(join(dir, out, 'Release', addon.file), staged);
    console.log(`build-abi-prebuilds: ${staged}`);
  }
}
