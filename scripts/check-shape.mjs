#!/usr/bin/env node
// The shape check: sibling packages look alike, so a reader who knows one knows all. For every
// workspace package (packages/* and apps/*) it asserts the rules below and prints one sentence
// per broken rule, naming the package and the fix; exit 1 when any is broken.
// `node scripts/check-shape.mjs [repository root]` (.ci/run runs it).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(process.argv[2] ?? join(import.meta.dirname, '..'));
const problems = [];
const broken = (where, sentence) => problems.push(`${where}: ${sentence}`);

function workspacePackages() {
  const found = [];
  for (const parent of ['packages', 'apps']) {
    const dir = join(root, parent);
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && existsSync(join(path, 'package.json')))
        found.push({
          path,
          where: relative(root, path),
          manifest: readJson(join(path, 'package.json')),
        });
    }
  }
  return found;
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

const isDirectory = (path) => existsSync(path) && statSync(path).isDirectory();
const SOURCE = /\.(ts|mts|cts|mjs|cjs|js)$/;
/** Files under `dir`, recursively, skipping node_modules. */
function filesUnder(dir) {
  if (!isDirectory(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules') return [];
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * 1. README: a runnable example before the first section, then API → Guarantees → Measured,
 * whose tables bench-kit readme writes from benchmark_results/ (.ci/run checks them).
 */
function checkReadme({ path, where, manifest }) {
  if (manifest.private) return; // the demo's README is a user guide, not a package reference
  const readme = join(path, 'README.md');
  if (!existsSync(readme))
    return broken(where, 'has no README.md; write one (example, API, guarantees, measured).');
  const text = readFileSync(readme, 'utf8');
  const firstSection = text.search(/^## /m);
  if (!/^```/m.test(firstSection < 0 ? text : text.slice(0, firstSection)))
    broken(
      where,
      'README.md opens with no runnable example: put a code block before the first "## " section.',
    );
  const headings = [...text.matchAll(/^## (.+)$/gm)].map((match) => match[1]);
  const at = (pattern) => headings.findIndex((heading) => pattern.test(heading));
  const order = [
    ['"## API…" (or "## The API")', at(/^(The )?API\b/)],
    ['"## Guarantees"', at(/^Guarantees\b/)],
    ['"## Measured…"', at(/^Measured\b/)],
  ];
  for (const [name, index] of order)
    if (index < 0)
      broken(
        where,
        `README.md has no ${name} section; sections go example → API → guarantees → measured.`,
      );
  const indices = order.map(([, index]) => index).filter((index) => index >= 0);
  if (indices.some((index, i) => i > 0 && index < indices[i - 1]))
    broken(where, 'README.md sections are out of order: API, then Guarantees, then Measured.');
  const measured = text.slice(Math.max(0, text.search(/^## Measured\b/m)));
  if (!/^[ \t]*<!-- bench-kit (table|copy): /m.test(measured))
    broken(
      where,
      'README.md\'s Measured section has no generated table: put its figures between "<!-- bench-kit table: <benches> -->" and "<!-- bench-kit table end -->" and run npx bench-kit readme.',
    );
}

/** 2. examples/: every file in it is run by test/examples.test.ts. */
function checkExamples({ path, where, manifest }) {
  if (manifest.private) return;
  const examples = filesUnder(join(path, 'examples'));
  if (examples.length === 0)
    return broken(
      where,
      'has no examples/ folder: the README example lives there as a file that a test runs.',
    );
  const testFile = join(path, 'test', 'examples.test.ts');
  const test = existsSync(testFile) ? readFileSync(testFile, 'utf8') : '';
  for (const example of examples) {
    const name = relative(join(path, 'examples'), example);
    if (!test.includes(name))
      broken(
        where,
        `examples/${name} is not run by test/examples.test.ts; add a test that runs it.`,
      );
  }
}

/** 3. tsconfig include: every entry exists, and every source folder that exists is included. */
function checkTsconfig({ path, where }) {
  const tsconfig = join(path, 'tsconfig.json');
  if (!existsSync(tsconfig)) return broken(where, 'has no tsconfig.json.');
  const include = readJson(tsconfig).include ?? [];
  for (const entry of include)
    if (!existsSync(join(path, entry)))
      broken(where, `tsconfig.json includes "${entry}", which does not exist; remove it.`);
  for (const folder of ['src', 'test', 'bench', 'examples', 'scripts']) {
    const sources = filesUnder(join(path, folder)).filter((file) => SOURCE.test(file));
    if (sources.length > 0 && !include.includes(folder))
      broken(where, `tsconfig.json does not include "${folder}", which holds sources; add it.`);
  }
}

/** 4. Results only under benchmark_results/. */
function checkResults({ path, where }) {
  for (const file of filesUnder(path)) {
    const name = relative(path, file);
    if (/(^|\/)(results|benchmark_results)\//.test(name))
      broken(
        where,
        `${name} is a results file outside benchmark_results/; move it to benchmark_results/${where.split('/').pop()}/.`,
      );
    else if (
      file.endsWith('.json') &&
      readFileSync(file, 'utf8').includes('"ringkit-bench-result"')
    )
      broken(where, `${name} is a bench-kit result outside benchmark_results/; move it there.`);
  }
}

function git(args) {
  const run = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  return run.status === 0 ? run.stdout.split('\n').filter(Boolean) : null;
}

/** 5. No tracked build output (addons: every one comes from npm run build). */
function checkTrackedBuilds() {
  const tracked = git(['ls-files', '*.node']);
  if (tracked === null) return; // not a git checkout: nothing tracked to check
  for (const file of tracked)
    broken(
      file,
      'is build output tracked by git; remove it (git rm --cached) — builds come from npm run build.',
    );
}

/** 6. No tests, fakes or benchmarks in a tarball. */
function checkTarball({ path, where, manifest }) {
  if (manifest.private) return;
  const npm = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: path,
    encoding: 'utf8',
  });
  if (npm.status !== 0)
    return broken(where, `npm pack --dry-run failed: ${npm.stderr.trim().split('\n')[0]}`);
  const [packed] = JSON.parse(npm.stdout);
  for (const { path: file } of packed.files)
    if (/(^|\/)(test|tests|bench|__tests__)\//.test(file) || /fake/i.test(file))
      broken(
        where,
        `its tarball ships ${file} (a test, fake or benchmark); leave it out of "files".`,
      );
}

/** 7. One place for test support: test-support/ at the root, no per-package copies. */
function checkTestSupport({ path, where }) {
  for (const file of filesUnder(join(path, 'test')))
    if (/(^|\/)skip\.(ts|mjs|js)$/.test(file))
      broken(
        where,
        `${relative(path, file)} copies the skip helper; import it from test-support/skip.ts.`,
      );
}

/** 8. Test aids behind a "./test" export: the main entry exports nothing named for tests. */
function checkMainEntry({ path, where }) {
  const entry = join(path, 'src', 'index.ts');
  if (!existsSync(entry)) return;
  const exported = [...readFileSync(entry, 'utf8').matchAll(/export\s*(?:type\s*)?\{([^}]*)\}/g)]
    .flatMap((match) => match[1].split(','))
    .map((name) =>
      name
        .replace(/\btype\b/, '')
        .trim()
        .split(/\s+as\s+/)
        .pop(),
    )
    .filter(Boolean);
  for (const name of exported)
    if (/test/i.test(name))
      broken(
        where,
        `the main entry exports ${name}, a test aid; export it from a "./test" entry instead.`,
      );
}

/**
 * 9. The addons a package's loader looks for are the ones package.json's "ringkit.addons"
 * lists: staging, the prepack guard and the packaging check read that list
 * (prebuild-claims.mjs), so an addon missing from it would ship without its prebuild.
 */
function checkAddonList({ path, where, manifest }) {
  const loaded = filesUnder(join(path, 'src'))
    .filter((file) => file.endsWith('.ts'))
    .flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/nativeAddon<\w+>\(\{([\s\S]*?)\n\}\);/g)].map(
        (call) => {
          const name = /file:\s*'([\w.-]+\.node)'/.exec(call[1])?.[1];
          return /abiKeyed:\s*true/.test(call[1]) ? `${name}@abi` : name;
        },
      ),
    )
    .filter(Boolean)
    .sort();
  const listed = [...(manifest.ringkit?.addons ?? [])].sort();
  if (loaded.join() !== listed.join())
    broken(
      where,
      `its loader looks for [${loaded.join(', ')}] but package.json's "ringkit.addons" lists [${listed.join(', ')}]; make them the same.`,
    );
}

const packages = workspacePackages();
for (const pkg of packages) {
  checkReadme(pkg);
  checkExamples(pkg);
  checkTsconfig(pkg);
  checkResults(pkg);
  checkTarball(pkg);
  checkTestSupport(pkg);
  checkMainEntry(pkg);
  checkAddonList(pkg);
}
checkTrackedBuilds();

if (problems.length > 0) {
  for (const problem of problems) console.error(`shape: ${problem}`);
  console.error(`shape check: ${problems.length} rule(s) broken in ${packages.length} package(s).`);
  process.exit(1);
}
console.log(`shape check: ${packages.length} package(s) follow every rule.`);
