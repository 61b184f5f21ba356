#!/usr/bin/env node
// Runs some of a package's tests under every other Node a V8-API prebuild is claimed for
// (prebuild-claims.mjs; Node 22 and 24 while CI's Node is 20), each with that Node first on
// the PATH: the loader then finds no local build of that ABI and must load the staged
// prebuild. The full suite stays on CI's Node; these are the tests the ABI decides.
//   node scripts/test-on-other-nodes.mjs packages/spsc-ring test/shared-memory.test.ts …
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { nodeHomeFor, otherNodesUnavailableReason } from './node-binaries.mjs';
import { PREBUILT_NODE_ABIS } from './prebuild-claims.mjs';

const root = resolve(import.meta.dirname, '..');
const [packageDir, ...testFiles] = process.argv.slice(2);
if (packageDir === undefined || testFiles.length === 0) {
  console.error('test-on-other-nodes: name a package folder and its test files.');
  process.exit(2);
}
const others = PREBUILT_NODE_ABIS.filter((abi) => abi !== process.versions.modules);
const unavailable = otherNodesUnavailableReason();
if (unavailable !== '') {
  if (process.env.RINGKIT_NO_SKIP === '1') {
    console.error(`test-on-other-nodes: RINGKIT_NO_SKIP=1 forbids skipping: ${unavailable}.`);
    process.exit(1);
  }
  console.log(`test-on-other-nodes: skipped: ${unavailable}.`);
  process.exit(0);
}

// The JSON report goes elsewhere: the package's own .vitest/results.json is the full suite's.
const reports = mkdtempSync(join(tmpdir(), 'ringkit-other-nodes-'));
let failed = 0;
try {
  for (const abi of others) {
    const bin = join(nodeHomeFor(abi), 'bin');
    const env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH}` };
    const version = execFileSync('node', ['--version'], { env, encoding: 'utf8' }).trim();
    console.log(`\n--- ${packageDir} on Node ${version} (ABI ${abi}): ${testFiles.join(' ')}`);
    const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
    const outputFile = `--outputFile.json=${join(reports, `${abi}.json`)}`;
    // One file at a time: these tests time processes and signals on a 2-core machine.
    const result = spawnSync(
      'node',
      [vitest, 'run', '--no-file-parallelism', outputFile, ...testFiles],
      {
        cwd: join(root, packageDir),
        env,
        stdio: 'inherit',
      },
    );
    if (result.status !== 0) {
      failed++;
      console.error(`test-on-other-nodes: ${packageDir}'s tests failed on Node ${version}.`);
    }
  }
} finally {
  rmSync(reports, { recursive: true, force: true });
}
process.exit(failed > 0 ? 1 : 0);
