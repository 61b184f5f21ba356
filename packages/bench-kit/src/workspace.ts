import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

interface PackageJson {
  name?: string;
  private?: boolean;
  workspaces?: string[] | { packages?: string[] };
  ringkit?: { benchGate?: boolean };
  repository?: string | { url?: string };
}

function readPackageJson(dir: string): PackageJson | null {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
  } catch {
    return null;
  }
}

/** The closest folder at or above `from` whose package.json declares workspaces. */
export function findWorkspaceRoot(from: string): string | null {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const json = readPackageJson(dir);
    if (json?.workspaces) return dir;
    if (dirname(dir) === dir) return null;
  }
}

/** The name in the nearest package.json at or above `from`. */
export function findPackageName(from: string): string | null {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const name = readPackageJson(dir)?.name;
    if (name) return name;
    if (dirname(dir) === dir) return null;
  }
}

/** Where results go: $RINGKIT_BENCH_RESULTS, else the workspace's benchmark_results, else ./benchmark_results. */
export function defaultResultsDir(cwd: string): string {
  const fromEnv = process.env.RINGKIT_BENCH_RESULTS;
  if (fromEnv) return resolve(cwd, fromEnv);
  return join(findWorkspaceRoot(cwd) ?? resolve(cwd), 'benchmark_results');
}

export interface WorkspacePackage {
  readonly name: string;
  readonly dir: string;
  /** Must register at least one overhead benchmark against the budget. */
  readonly gated: boolean;
  /** Where the repository's files are on the web (`https://github.com/o/r/blob/HEAD/`), or null. */
  readonly repositoryFiles: string | null;
}

/**
 * The web address of a GitHub repository's files, from package.json's `repository`: a README
 * read on the registry's page has no repository around it, so its links must be absolute.
 */
export function repositoryFilesUrl(repository: PackageJson['repository']): string | null {
  const url = typeof repository === 'string' ? repository : repository?.url;
  const github = /github\.com[/:]([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(url ?? '');
  return github ? `https://github.com/${github[1]}/${github[2]}/blob/HEAD/` : null;
}

/**
 * The workspace's packages (patterns of the form `dir/*` or `dir`). A public
 * package is gated unless its package.json says `"ringkit": { "benchGate": false }`;
 * private ones (the demo) never are.
 */
export function listWorkspacePackages(root: string): WorkspacePackage[] {
  const json = readPackageJson(root);
  const patterns = Array.isArray(json?.workspaces)
    ? json.workspaces
    : (json?.workspaces?.packages ?? []);
  const dirs: string[] = [];
  for (const pattern of patterns) {
    if (pattern.endsWith('/*')) {
      const parent = join(root, pattern.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const entry of readdirSync(parent, { withFileTypes: true })) {
        if (entry.isDirectory()) dirs.push(join(parent, entry.name));
      }
    } else {
      dirs.push(join(root, pattern));
    }
  }
  const packages: WorkspacePackage[] = [];
  for (const dir of dirs.sort()) {
    const packageJson = readPackageJson(dir);
    if (!packageJson?.name) continue;
    packages.push({
      name: packageJson.name,
      dir,
      gated: packageJson.private !== true && packageJson.ringkit?.benchGate !== false,
      repositoryFiles: repositoryFilesUrl(packageJson.repository),
    });
  }
  return packages;
}
