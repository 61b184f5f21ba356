#!/usr/bin/env node
// The packaging check: every public workspace package is packed (its prepack refuses a
// tarball without dist/ or a claimed prebuild), its tarball must carry the LICENSE and every
// prebuild it claims, it is linted with publint and "are the types wrong", installed alone
// (with only the @ringkit tarballs it depends on) into an empty project, and one real call,
// native part included, runs through import (ESM) and through require (CJS).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { probeScripts } from './package-probes.mjs';
import { claimedPrebuilds } from './prebuild-claims.mjs';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'ringkit-pack-'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const bin = (name) => join(root, 'node_modules', '.bin', name);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
    // A long argument is a script given to node -e: its error names the line, not the whole script.
    const shown = args.map((arg) => (arg.length > 80 ? `${arg.slice(0, 60)}…` : arg));
    throw new Error(`${[command, ...shown].join(' ')} failed (exit ${result.status}):\n${output}`);
  }
  return result.stdout;
}

function workspacePackages() {
  const found = [];
  for (const parent of ['packages', 'apps']) {
    let entries = [];
    try {
      entries = readdirSync(join(root, parent), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const dir = join(root, parent, entry.name);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (!manifest.private) found.push({ dir, manifest });
    }
  }
  return found;
}

/** What a tarball must carry beyond its entry points: the license and every claimed prebuild. */
function missingFromTarball(manifest, packed) {
  const shipped = new Set(packed.files.map((file) => file.path));
  return ['LICENSE', ...claimedPrebuilds(manifest).map(({ path }) => path)].filter(
    (path) => !shipped.has(path),
  );
}

const packages = workspacePackages();
const tarballs = new Map();
let failures = 0;
for (const { dir, manifest } of packages) {
  try {
    const [packed] = JSON.parse(
      run(npm, ['pack', '--json', '--pack-destination', work], { cwd: dir }),
    );
    const missing = missingFromTarball(manifest, packed);
    if (missing.length > 0)
      throw new Error(`its tarball lacks ${missing.join(', ')}; its "files" must ship them.`);
    tarballs.set(manifest.name, join(work, packed.filename));
    console.log(
      `packed ${manifest.name}@${manifest.version}: ${packed.entryCount} files, ${packed.size} bytes`,
    );
  } catch (error) {
    failures++;
    console.error(`  ${manifest.name}: FAILED to pack\n${error.message}`);
  }
}

/** The tarballs of @ringkit packages this one needs at run time, transitively. */
function ringkitClosure(name, seen = new Set()) {
  if (seen.has(name)) return seen;
  seen.add(name);
  const entry = packages.find((candidate) => candidate.manifest.name === name);
  for (const dependency of Object.keys({
    ...entry?.manifest.dependencies,
    ...entry?.manifest.peerDependencies,
  })) {
    if (packages.some(({ manifest }) => manifest.name === dependency))
      ringkitClosure(dependency, seen);
  }
  return seen;
}

/**
 * A call that needs the addon, per package whose advice is checked: with the prebuild gone, its
 * NATIVE_UNAVAILABLE sentence must give a build command that works in the installed package
 * (metal-cmdring's once said "npm run build:native", which an installed package cannot run).
 */
const BUILD_ADVICE_PROBES = {
  '@ringkit/metal-cmdring': "m.openRing({ backend: 'cpu' })",
};

function checkBuildAdvice(name, project, probe) {
  const root = join(project, 'node_modules', ...name.split('/'));
  rmSync(join(root, 'prebuilds'), { recursive: true, force: true });
  const ask = `const m = await import(${JSON.stringify(name)}); try { ${probe}; } catch (error) { console.log(error.message); }`;
  const sentence = run(process.execPath, ['--input-type=module', '-e', ask], { cwd: project });
  const command = /build it with "([^"]+)"/.exec(sentence)?.[1];
  if (command === undefined) throw new Error(`no build command in: ${sentence.trim()}`);
  run('bash', ['-c', command], { cwd: project });
  const loads = `const m = await import(${JSON.stringify(name)}); if (m.nativeUnavailableReason() !== '') throw new Error(m.nativeUnavailableReason());`;
  run(process.execPath, ['--input-type=module', '-e', loads], { cwd: project });
}

for (const { dir, manifest } of packages) {
  const name = manifest.name;
  const tarball = tarballs.get(name);
  if (tarball === undefined) continue; // its packing failed, and was counted
  try {
    run(bin('publint'), ['run', '--strict', '--pack', 'npm', dir], { cwd: dir });
    console.log(`  ${name}: publint clean`);
    run(bin('attw'), [tarball, '--format', 'ascii'], { cwd: work });
    console.log(`  ${name}: types resolve under node10, node16 (CJS and ESM) and bundler`);

    const project = mkdtempSync(join(work, 'consumer-'));
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }),
    );
    const needed = [...ringkitClosure(name)].map((dependency) => tarballs.get(dependency));
    if (needed.includes(undefined))
      throw new Error('a ringkit package it depends on failed to pack.');
    run(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error', ...needed], {
      cwd: project,
    });

    // A package with a native part must load it from the tarball's prebuild, with no compiler
    // involved, from both builds: each finds its addon from its own location.
    const { esm, cjs } = probeScripts(name);
    const called = run(process.execPath, ['-e', esm], { cwd: project }).trim();
    run(process.execPath, ['-e', cjs], { cwd: project });
    for (const command of Object.keys(manifest.bin ?? {})) {
      execFileSync(join(project, 'node_modules', '.bin', command), ['--help'], {
        cwd: project,
        stdio: 'ignore',
      });
    }
    console.log(
      `  ${name}: installs alone from its tarball; through import (ESM) and require (CJS): ${called}${manifest.bin ? '; bin answers --help' : ''}`,
    );
    const advice = BUILD_ADVICE_PROBES[name];
    if (advice !== undefined) {
      checkBuildAdvice(name, project, advice);
      console.log(`  ${name}: without its prebuild, the build command its error gives works here`);
    }
  } catch (error) {
    failures++;
    console.error(`  ${name}: FAILED\n${error.message}`);
  }
}

rmSync(work, { recursive: true, force: true });
if (failures > 0) {
  console.error(`packaging check: ${failures} of ${packages.length} package(s) failed.`);
  process.exit(1);
}
console.log(`packaging check: all ${packages.length} package(s) passed.`);
