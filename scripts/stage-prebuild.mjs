#!/usr/bin/env node
// Copies a package's freshly built addons into its prebuilds/, which its tarball
// ships: installing the package then needs no compiler on this platform.
//   node ../../scripts/stage-prebuild.mjs   (run in the package, after cmake-js)
// The addons are those package.json lists in "ringkit.addons" (prebuild-claims.mjs): a
// Node-API addon serves every Node with N-API 8 (prebuilds/<platform>/); one that uses the V8
// API ("NAME.node@abi") is keyed by the Node ABI it was built for
// (prebuilds/<platform>/node-abi-<modules>/).
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { addonsOf, prebuildPath } from './prebuild-claims.mjs';

const root = process.cwd();
const platform = `${process.platform}-${process.arch}`;
const addons = addonsOf(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')));
if (addons.length === 0) {
  console.error('stage-prebuild: package.json lists no "ringkit.addons" to stage.');
  process.exit(2);
}
for (const addon of addons) {
  const built = join(root, 'build', 'Release', addon.file);
  if (!existsSync(built)) {
    console.error(`stage-prebuild: ${built} is missing; run "npm run build:native" first.`);
    process.exit(1);
  }
  const staged = join(root, prebuildPath(addon, platform, process.versions.modules));
  mkdirSync(dirname(staged), { recursive: true });
  copyFileSync(built, staged);
  console.log(`stage-prebuild: ${staged}`);
}
