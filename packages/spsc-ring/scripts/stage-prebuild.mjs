#!/usr/bin/env node
// Copies the freshly built addon to prebuilds/<platform>-<arch>/, which the
// tarball ships: installing the package then needs no compiler on this platform.
// Node-API only, so one binary serves every Node version with N-API 8.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const built = join(root, 'build', 'Release', 'ringkit_spsc.node');
if (!existsSync(built)) {
  console.error(`stage-prebuild: ${built} is missing; run "npm run build:native" first.`);
  process.exit(1);
}
const folder = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
mkdirSync(folder, { recursive: true });
copyFileSync(built, join(folder, 'ringkit_spsc.node'));
console.log(`stage-prebuild: ${join(folder, 'ringkit_spsc.node')}`);
