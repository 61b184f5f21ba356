#!/usr/bin/env node
// The registry this project is built against serves only the linux-x64 builds of
// packages that ship one binary per platform (biome, esbuild, rollup, turbo). npm
// then leaves the other platforms' optional packages out of package-lock.json, and
// `npm ci` refuses the lockfile as "missing" them. This records each one as an
// optional entry (name and version only), which `npm ci` accepts and skips where it
// cannot be fetched; on a registry that has them, npm fetches them as usual.
// Runs as the root postinstall; a no-op once the lockfile is complete.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const lockPath = join(resolve(import.meta.dirname, '..'), 'package-lock.json');
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const entries = lock.packages ?? {};

/** Where node would find `name` from the package at `fromPath` (its own node_modules, then up). */
function resolvesFrom(fromPath, name) {
  let base = fromPath;
  for (;;) {
    const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (entries[candidate]) return candidate;
    if (base === '') return null;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut === -1 ? '' : base.slice(0, cut);
  }
}

const added = [];
for (const [path, entry] of Object.entries(entries)) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    if (resolvesFrom(path, name) || !/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(spec)) continue;
    const stub = { version: spec, optional: true };
    if (entry.dev) stub.dev = true;
    entries[`node_modules/${name}`] = stub;
    added.push(`${name}@${spec}`);
  }
}

if (added.length > 0) {
  lock.packages = Object.fromEntries(
    Object.entries(entries).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)),
  );
  writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(
    `complete-lockfile: recorded ${added.length} optional platform package(s) this registry does not serve.`,
  );
}
