#!/usr/bin/env node
// Copies the freshly built addon into prebuilds/, which the tarball ships:
// installing the package then needs no compiler on this platform. The addon is
// Node-API only (version 8), so one binary serves every Node of the platform.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const file = 'ringkit_bpf_ringbuf.node';
const folder = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
const built = join(root, 'build', 'Release', file);
if (!existsSync(built)) {
  console.error(`stage-prebuild: ${built} is missing; run "npm run build:native" first.`);
  process.exit(1);
}
mkdirSync(folder, { recursive: true });
copyFileSync(built, join(folder, file));
console.log(`stage-prebuild: ${join(folder, file)}`);
