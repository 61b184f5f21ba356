#!/usr/bin/env node
// Copies the freshly built addons into prebuilds/, which the tarball ships:
// installing the package then needs no compiler on this platform. The Node-API
// addon serves every Node with N-API 8; the shared-memory addon uses the V8 API
// and is keyed by the Node ABI it was built for.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const platform = `${process.platform}-${process.arch}`;
const addons = [
  { file: 'ringkit_spsc.node', folder: join(root, 'prebuilds', platform) },
  {
    file: 'ringkit_shm.node',
    folder: join(root, 'prebuilds', platform, `node-abi-${process.versions.modules}`),
  },
];
for (const { file, folder } of addons) {
  const built = join(root, 'build', 'Release', file);
  if (!existsSync(built)) {
    console.error(`stage-prebuild: ${built} is missing; run "npm run build:native" first.`);
    process.exit(1);
  }
  mkdirSync(folder, { recursive: true });
  copyFileSync(built, join(folder, file));
  console.log(`stage-prebuild: ${join(folder, file)}`);
}
