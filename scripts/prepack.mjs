#!/usr/bin/env node
// Every package's prepack (npm pack and npm publish run it in the package folder): refuses to
// pack a tarball that would install broken, then puts the repository's LICENSE beside
// package.json, where npm always includes it (postpack.mjs takes it away again). The license
// is copied, not kept in each package, so its one text cannot drift between tarballs.
//   PACK_NO_DIST      an entry point package.json names (exports, main, module, types, bin) is missing
//   PACK_NO_PREBUILD  a prebuild the package claims (prebuild-claims.mjs) is missing
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { claimedPrebuilds } from './prebuild-claims.mjs';

const root = resolve(import.meta.dirname, '..');
const dir = process.cwd();
const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));

/** Every file path package.json promises to users, from its entry-point fields. */
function entryPoints(value) {
  if (typeof value === 'string') return value.includes('*') ? [] : [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(entryPoints);
}

function refuse(code, sentence) {
  console.error(`${code}: ${manifest.name} cannot be packed: ${sentence}`);
  process.exit(1);
}

const promised = [manifest.main, manifest.module, manifest.types, manifest.exports, manifest.bin]
  .flatMap(entryPoints)
  .filter((path) => path !== './package.json');
const missingEntry = promised.find((path) => !existsSync(join(dir, path)));
if (missingEntry !== undefined)
  refuse('PACK_NO_DIST', `${missingEntry} is missing; run "npm run build" before packing.`);

const missingPrebuild = claimedPrebuilds(manifest).find(({ path }) => !existsSync(join(dir, path)));
if (missingPrebuild !== undefined) {
  const node = missingPrebuild.abi === null ? '' : ` (Node ABI ${missingPrebuild.abi})`;
  refuse(
    'PACK_NO_PREBUILD',
    `${missingPrebuild.path}${node} is missing, and its native loader looks for it there; build it with "npm run build:native" under that Node before packing.`,
  );
}

copyFileSync(join(root, 'LICENSE'), join(dir, 'LICENSE'));
