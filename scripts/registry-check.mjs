#!/usr/bin/env node
// The registry check: what a user gets from `npm install @ringkit/<name>`, proven through a
// real registry rather than tarball paths. It starts a private Verdaccio on localhost
// (registry/verdaccio.mjs), publishes every package with the release script
// (`npm run release`: build, packaging check, changeset publish), then for each package, in
// an empty project whose PATH holds only node and npm (no compiler, so nothing can be built):
// installs that one package by name, then on Node 20, 22 and 24 (every Node a prebuild is
// claimed for: prebuild-claims.mjs) runs its README's first example as copied out of the
// README, and one real call through ESM and CJS (package-probes.mjs). Last, it publishes
// a patch of spsc-ring and shows that an existing buffer-pool install takes it within its
// caret range, and that a minor (0.x) and a major bump are refused by that range.
// The registry and every folder it used are gone when it ends, however it ends.
//   node scripts/registry-check.mjs            (.ci/run runs it after the packaging check)
// Any failure ends it with one line "registry check: …" and exit 1.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { nodeHomeFor, otherNodesUnavailableReason } from './node-binaries.mjs';
import { probeScripts } from './package-probes.mjs';
import { PREBUILT_NODE_ABIS } from './prebuild-claims.mjs';
import { firstExample } from './registry/readme-example.mjs';
import { startRegistry } from './registry/verdaccio.mjs';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'ringkit-registry-'));
let registry = null;

// Nothing left behind: the registry stops and the folder goes on every way out.
function cleanUp() {
  registry?.stop();
  rmSync(work, { recursive: true, force: true });
}
process.on('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(signal, () => process.exit(128 + (signal === 'SIGINT' ? 2 : 15)));

class CheckFailed extends Error {}
const fail = (sentence) => {
  throw new CheckFailed(sentence);
};

/**
 * How each package's README example is run and what it must print. bench-kit's example is a
 * benchmark suite: it is loaded (which validates it) and each baseline called once, not
 * measured — its measurements belong to npm test's example test, not to a packaging check.
 */
const EXAMPLES = {
  '@ringkit/spsc-ring': {
    args: [],
    expect: /worker read 1000000 records, sum of ids 499999500000/,
  },
  '@ringkit/buffer-pool': { args: [], expect: /home: true/ },
  '@ringkit/metal-cmdring': { args: ['2'], expect: /\{ drained: true, abandonedFences: 0 \}/ },
  '@ringkit/bpf-ringbuf': {
    args: ['1'],
    expect: /^\d+ syscalls in 1 s, 0 dropped in the kernel$/m,
    needs: () =>
      process.platform === 'linux' && process.getuid?.() === 0
        ? ''
        : 'its example loads BPF programs, which needs root on Linux',
  },
  // Its README example observes a ring, so spsc-ring is installed beside it (otel depends on none).
  '@ringkit/otel': {
    args: [],
    alongside: ['@ringkit/spsc-ring'],
    expect: /^ringkit_ring_records_dropped_total\{.*\} 3976$/m,
  },
  '@ringkit/bench-kit': {
    loader: (file) => [
      '--import',
      'tsx',
      '-e',
      `import(${JSON.stringify(`./${file}`)}).then(async (module) => {
        // tsx loads a .ts file in a project without "type": "module" as CommonJS: one more default.
        const suite = module.default.benches ? module.default : module.default.default;
        for (const bench of suite.benches) if (typeof bench.baseline === 'function') await bench.baseline();
        console.log('suite: ' + suite.benches.map((bench) => bench.name).join(', '));
      })`,
    ],
    expect: /^suite: foreach-vs-loop, fill-1k, startup$/m,
  },
};

/** `{ version, path }` of the running Node and of each other Node a prebuild is claimed for. */
function nodesToRun() {
  const others = PREBUILT_NODE_ABIS.filter((abi) => abi !== process.versions.modules);
  const unavailable = otherNodesUnavailableReason();
  if (unavailable !== '' && others.length > 0) {
    if (process.env.RINGKIT_NO_SKIP === '1')
      fail(`RINGKIT_NO_SKIP=1 forbids skipping Node ABIs ${others.join(', ')}: ${unavailable}.`);
    console.log(`  other Nodes skipped: ${unavailable}`);
    return [{ version: process.version, path: process.execPath }];
  }
  return [
    { version: process.version, path: process.execPath },
    ...others.map((abi) => {
      const path = join(nodeHomeFor(abi), 'bin', 'node');
      return { version: execFileSync(path, ['--version'], { encoding: 'utf8' }).trim(), path };
    }),
  ];
}

function publicPackages() {
  return readdirSync(join(root, 'packages'))
    .map((name) => ({ dir: join(root, 'packages', name) }))
    .map(({ dir }) => ({
      dir,
      manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')),
    }))
    .filter(({ manifest }) => !manifest.private);
}

/** A PATH holding node, npm and sh only: an install that needed a compiler fails here. */
function nodeOnlyPath() {
  const bin = join(work, 'bin');
  mkdirSync(bin);
  const npmCli = realpathSync(
    execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim(),
  );
  symlinkSync(process.execPath, join(bin, 'node'));
  symlinkSync(npmCli, join(bin, 'npm'));
  symlinkSync(join(dirname(npmCli), 'npx-cli.js'), join(bin, 'npx'));
  symlinkSync('/bin/sh', join(bin, 'sh')); // npm runs install scripts (esbuild's) with sh
  const compilers = ['cc', 'gcc', 'c++', 'g++', 'clang', 'cmake', 'make'];
  const found = spawnSync(
    '/bin/sh',
    ['-c', compilers.map((tool) => `command -v ${tool}`).join('; ')],
    {
      env: { PATH: bin },
      encoding: 'utf8',
    },
  ).stdout.trim();
  if (found !== '') fail(`the node-only PATH still finds a compiler (${found}).`);
  return bin;
}

let env = null;
const fullPath = process.env.PATH;
/** Runs a command in `cwd` under the check's environment; returns stdout, or fails with its output. */
function run(command, args, cwd, { timeoutSeconds = 300, extraEnv = {} } = {}) {
  const result = spawnSync(command, args, {
    cwd,
    env: { ...env, ...extraEnv },
    encoding: 'utf8',
    timeout: timeoutSeconds * 1000,
  });
  if (result.status !== 0) {
    const shown = [command, ...args].map((arg) => (arg.length > 80 ? `${arg.slice(0, 60)}…` : arg));
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`
      .trim()
      .split('\n')
      .slice(-15)
      .join('\n');
    fail(
      `${shown.join(' ')} in ${cwd} failed (exit ${result.status ?? result.signal}):\n${output}`,
    );
  }
  return result.stdout;
}

function emptyProject(label) {
  const project = mkdtempSync(join(work, `${label.replace(/\W+/g, '-')}-`));
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'user-project', version: '1.0.0', private: true }, null, 2)}\n`,
  );
  return project;
}

const installedVersion = (project, name) =>
  JSON.parse(
    readFileSync(join(project, 'node_modules', ...name.split('/'), 'package.json'), 'utf8'),
  ).version;

/** Installs the package alone, by name, into an empty project; returns the project. */
function installAlone({ manifest }) {
  const name = manifest.name;
  const project = emptyProject(name);
  const started = performance.now();
  run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      name,
      ...(EXAMPLES[name]?.alongside ?? []),
    ],
    project,
  );
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const version = installedVersion(project, name);
  if (version !== manifest.version)
    fail(`${name} installed as ${version}, not ${manifest.version}.`);
  if (!existsSync(join(project, 'node_modules', ...name.split('/'), 'LICENSE')))
    fail(`${name}@${version} was published without its LICENSE.`);
  const pulled = Object.keys(manifest.dependencies ?? {})
    .filter((dependency) => dependency.startsWith('@ringkit/'))
    .map((dependency) => `${dependency}@${installedVersion(project, dependency)}`);
  console.log(
    `  ${name}@${version}: installed alone by name in ${seconds} s${pulled.length > 0 ? `, pulling ${pulled.join(', ')} through its range` : ''}`,
  );
  return project;
}

/** Runs the package's README example and its probe (ESM and CJS) in `project` under `node`. */
function runInstalled({ dir, manifest }, project, node) {
  const name = manifest.name;
  const on = { extraEnv: { PATH: `${dirname(node.path)}${delimiter}${env.PATH}` } };
  const example = firstExample(readFileSync(join(dir, 'README.md'), 'utf8'));
  const how =
    EXAMPLES[name] ?? fail(`no way to run ${name}'s README example; add one to EXAMPLES.`);
  const missing = how.needs?.() ?? '';
  let ran = `README example ${example.file} skipped (${missing})`;
  if (missing !== '' && process.env.RINGKIT_NO_SKIP === '1')
    fail(`RINGKIT_NO_SKIP=1 forbids skipping ${name}'s README example: ${missing}.`);
  if (missing === '') {
    writeFileSync(join(project, example.file), example.code);
    const args = how.loader ? how.loader(example.file) : [example.file, ...how.args];
    const output = run(node.path, args, project, { ...on, timeoutSeconds: 120 });
    if (!how.expect.test(output))
      fail(
        `${name}'s README example (${example.file}) printed no ${how.expect} on Node ${node.version}:\n${output.trim()}`,
      );
    ran = `README example ${example.file} runs as written`;
  }
  const { esm, cjs } = probeScripts(name);
  const called = run(node.path, ['-e', esm], project, on).trim();
  run(node.path, ['-e', cjs], project, on);
  console.log(`  ${name} on Node ${node.version}: ${ran}; ESM and CJS: ${called}`);
}

/** Publishes spsc-ring's released tarball again as `version`, the code unchanged (a maintainer's step: full PATH). */
function publishSpscRingAs(version) {
  const folder = mkdtempSync(join(work, `spsc-ring-${version}-`));
  const maintainer = { extraEnv: { PATH: fullPath } };
  const [packed] = JSON.parse(
    run(
      'npm',
      ['pack', '--json', '--pack-destination', folder, '@ringkit/spsc-ring@0.1.0'],
      folder,
      maintainer,
    ),
  );
  run('tar', ['-xzf', packed.filename], folder, maintainer);
  const packageDir = join(folder, 'package');
  const manifestFile = join(packageDir, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  writeFileSync(manifestFile, JSON.stringify({ ...manifest, version }, null, 2));
  // The tarball is already checked; its prepack names repository scripts it does not ship.
  run('npm', ['publish', '--ignore-scripts', '--loglevel=error', packageDir], folder, maintainer);
}

/** An existing buffer-pool install takes a spsc-ring patch, and refuses 0.2.0 and 1.0.0. */
function checkRanges(project) {
  const range = JSON.parse(
    readFileSync(join(project, 'node_modules', '@ringkit', 'buffer-pool', 'package.json'), 'utf8'),
  ).dependencies['@ringkit/spsc-ring'];
  const before = installedVersion(project, '@ringkit/spsc-ring');
  publishSpscRingAs('0.1.1');
  run('npm', ['update', '--no-audit', '--no-fund', '--loglevel=error'], project);
  const patched = installedVersion(project, '@ringkit/spsc-ring');
  if (patched !== '0.1.1')
    fail(`buffer-pool's spsc-ring stayed ${patched} after npm update; ${range} should take 0.1.1.`);
  console.log(
    `  spsc-ring 0.1.1 published: npm update takes it (${before} → ${patched}, range ${range})`,
  );

  publishSpscRingAs('0.2.0');
  publishSpscRingAs('1.0.0');
  const latest = run('npm', ['view', '@ringkit/spsc-ring', 'dist-tags.latest'], project).trim();
  run('npm', ['update', '--no-audit', '--no-fund', '--loglevel=error'], project);
  const kept = installedVersion(project, '@ringkit/spsc-ring');
  if (kept !== '0.1.1')
    fail(
      `buffer-pool's spsc-ring became ${kept} after 0.2.0 and 1.0.0 were published; ${range} must refuse them.`,
    );
  console.log(`  spsc-ring 0.2.0 and 1.0.0 published (latest ${latest}): npm update keeps 0.1.1`);
  const called = run(process.execPath, ['-e', probeScripts('@ringkit/buffer-pool').esm], project);
  console.log(`  buffer-pool on spsc-ring 0.1.1: ${called.trim()}`);
}

async function main() {
  const started = performance.now();
  registry = await startRegistry(work);
  console.log(`registry: Verdaccio ${registry.version} at ${registry.url}`);
  env = {
    ...process.env,
    npm_config_userconfig: registry.npmrc,
    npm_config_registry: registry.url,
    npm_config_cache: join(work, 'npm-cache'),
    npm_config_update_notifier: 'false',
    // Ask the registry every time: a cached packument would hide the versions published mid-run.
    npm_config_prefer_online: 'true',
  };

  // The release script, as a maintainer runs it; no git tags here (this is not the release).
  run('npm', ['run', 'release', '--', '--no-git-tag'], root, { timeoutSeconds: 600 });
  const packages = publicPackages();
  for (const { manifest } of packages) {
    const published = run(
      'npm',
      ['view', `${manifest.name}@${manifest.version}`, 'version'],
      root,
    ).trim();
    if (published !== manifest.version)
      fail(`${manifest.name}@${manifest.version} was not published.`);
  }
  console.log(
    `published with npm run release: ${packages.map(({ manifest }) => `${manifest.name}@${manifest.version}`).join(', ')}`,
  );

  // Every Node a V8-API prebuild is claimed for runs what was installed (the install itself
  // builds nothing, so one install serves them all).
  const nodes = nodesToRun();
  env.PATH = nodeOnlyPath();
  console.log(
    `users' projects: PATH=${env.PATH} (node, npm and sh only; no cc, g++, cmake or make)`,
  );
  const projects = new Map();
  for (const pkg of packages) projects.set(pkg.manifest.name, installAlone(pkg));
  for (const node of nodes)
    for (const pkg of packages) runInstalled(pkg, projects.get(pkg.manifest.name), node);
  checkRanges(projects.get('@ringkit/buffer-pool'));
  env.PATH = fullPath;
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  console.log(
    `registry check: ${packages.length} package(s) install and run from the registry (${seconds} s).`,
  );
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`registry check: ${error instanceof CheckFailed ? error.message : error.stack}`);
    process.exit(1);
  },
);
