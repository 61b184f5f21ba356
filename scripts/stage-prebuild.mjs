#!/usr/bin/env node
// Copies a package's freshly built addons into its prebuilds/, which its tarball
// ships: installing the package then needs no compiler on this platform.
//   node ../../scripts/stage-prebuild.mjs NAME.node [NAME.node@abi …]   (run in the package)
// A Node-API addon serves every Node with N-API 8 (prebuilds/<platform>/); one
// that uses the V8 API (`@abi`) is keyed by the Node ABI it was built for
// (prebuilds/<platform>/node-abi-<modules>/).
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const root = process.cwd();
const platform = `${process.platform}-${process.arch}`;
const requested = process.argv.slice(2);
if (requested.length === 0) {
  console.error('stage-prebuild: name the addons to stage, e.g. "ringkit_spsc.node".');
  process.exit(2);
}
for (const argument of requested) {
  const [file, keyedBy] = argument.split('@');
  const folder =
    keyedBy === 'abi'
      ? join(root, 'prebuilds', platform, `node-abi-${process.versions.modules}`)
      : join(root, 'prebuilds', platform);
  const built = join(root, 'build', 'Release', file);
  if (!existsSync(built)) {
    console.error(`stage-prebuild: ${built} is missing; run "npm run build:native" first.`);
    process.exit(1);
  }
  mkdirSync(folder, { recursive: true });
  copyFileSync(built, join(folder, file));
  console.log(`stage-prebuild: ${join(folder, file)}`);
}
