import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * How every ringkit package finds its native addon, written once
 * (`@ringkit/spsc-ring/native-loader`): the local build first
 * (build/Release), then the prebuild shipped in the tarball
 * (prebuilds/<platform>/, or prebuilds/<platform>/node-abi-<N>/ for an addon
 * built against V8's API rather than Node-API only). When neither loads, one
 * sentence says why: the platform, the ABI where it matters, the paths
 * searched, and a build command that works in an installed package.
 * RINGKIT_NO_NATIVE=1 turns every addon off (the pure-JS paths then run).
 */

/** Where the calling module is: pass `typeof __dirname === 'string' ? __dirname : undefined` and `import.meta.url`. */
export interface ModuleLocation {
  /** CommonJS's __dirname; under ESM a global one (node -e sets '.') is not believed. */
  readonly dirname: string | undefined;
  /** ESM's import.meta.url (undefined in a CommonJS build). */
  readonly url: string | undefined;
}

export interface AddonSpec {
  /** The package as users install it, e.g. '@ringkit/buffer-pool'. */
  readonly packageName: string;
  /** A module one folder below the package root (src/ or dist/): the root is found from it. */
  readonly from: ModuleLocation;
  /** The addon's file name, e.g. 'ringkit_buffer_pool.node'. */
  readonly file: string;
  /** Built against V8's API: prebuilds are kept per Node ABI. Default false (Node-API only). */
  readonly abiKeyed?: boolean;
  /** What building needs, for the advice, e.g. 'cmake and a C++20 compiler'. */
  readonly needs: string;
  /** cmake-js arguments the package's build adds (e.g. '--CDRINGKIT_CMDRING_TESTS=OFF'). */
  readonly buildArguments?: string;
  /** Why the addon cannot exist on this machine at all (checked first), or undefined. */
  readonly unsupported?: () => string | undefined;
  /** A clearer reason for load failures that have a known cause (a missing library), or undefined. */
  readonly explain?: (failures: readonly string[]) => string | undefined;
  /** The package's coded error (code NATIVE_UNAVAILABLE) carrying `sentence`. */
  readonly error: (sentence: string) => Error;
}

export interface NativeAddon<Binding> {
  /** The addon, or null when it is unavailable (see `unavailableReason`). Loaded once. */
  binding(): Binding | null;
  /** Why the addon is unavailable, or '' when it loaded. */
  unavailableReason(): string;
  /** The addon, or the package's NATIVE_UNAVAILABLE error saying what needed it, why, and how to build it. */
  require(what: string): Binding;
  /** The package root the addon is looked for under. */
  readonly root: string;
  /** The command that builds the addon in that root, installed or in the repository. */
  readonly buildCommand: string;
}

/** The package root: one folder above the calling module's. */
export function packageRootOf(from: ModuleLocation): string {
  const here =
    from.dirname !== undefined && isAbsolute(from.dirname)
      ? from.dirname
      : dirname(fileURLToPath(from.url ?? ''));
  return join(here, '..');
}

interface Loaded<Binding> {
  readonly binding: Binding | null;
  readonly reason: string;
  /** What to do about it: build it, unset RINGKIT_NO_NATIVE, or nothing (unsupported here). */
  readonly advice: 'build' | 'enable' | 'none';
}

export function nativeAddon<Binding>(spec: AddonSpec): NativeAddon<Binding> {
  const root = packageRootOf(spec.from);
  const extra = spec.buildArguments === undefined ? '' : ` ${spec.buildArguments}`;
  // npx --yes: never a prompt; cmake-js 8 takes Node-API headers from node-addon-api (a dependency).
  const buildCommand = `cd ${root} && npx --yes cmake-js@8 compile --out build${extra}`;
  let loaded: Loaded<Binding> | undefined;
  const load = (): Loaded<Binding> => {
    loaded ??= loadAddon<Binding>(spec, root);
    return loaded;
  };
  return {
    root,
    buildCommand,
    binding: () => load().binding,
    unavailableReason: () => load().reason,
    require(what) {
      const { binding, reason, advice } = load();
      if (binding !== null) return binding;
      const fix =
        advice === 'build'
          ? `; build it with "${buildCommand}" (needs ${spec.needs})`
          : advice === 'enable'
            ? '; unset RINGKIT_NO_NATIVE to use it'
            : '';
      throw spec.error(`${what} needs ${spec.packageName}'s native addon, but ${reason}${fix}.`);
    },
  };
}

function loadAddon<Binding>(spec: AddonSpec, root: string): Loaded<Binding> {
  const unsupported = spec.unsupported?.();
  if (unsupported !== undefined) return { binding: null, reason: unsupported, advice: 'none' };
  if (process.env.RINGKIT_NO_NATIVE === '1')
    return {
      binding: null,
      reason: 'the native addon is disabled by RINGKIT_NO_NATIVE=1',
      advice: 'enable',
    };
  const platform = `${process.platform}-${process.arch}`;
  const abi = process.versions.modules;
  const candidates = [
    join(root, 'build', 'Release', spec.file),
    spec.abiKeyed
      ? join(root, 'prebuilds', platform, `node-abi-${abi}`, spec.file)
      : join(root, 'prebuilds', platform, spec.file),
  ];
  const requireFromRoot = createRequire(join(root, 'package.json'));
  const failures: string[] = [];
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    try {
      return { binding: requireFromRoot(candidate) as Binding, reason: '', advice: 'none' };
    } catch (error) {
      failures.push(`${candidate}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  const explained = failures.length > 0 ? spec.explain?.(failures) : undefined;
  if (explained !== undefined) return { binding: null, reason: explained, advice: 'build' };
  const built = `${platform}${spec.abiKeyed ? ` and Node ABI ${abi}` : ''}`;
  const prebuilt = spec.abiKeyed ? prebuiltFor(root, platform, spec.file) : '';
  const reason =
    failures.length > 0
      ? `the native addon ${spec.file} failed to load (${failures.join('; ')})`
      : `no native addon ${spec.file} is built for ${built}${prebuilt} (looked for ${candidates.join(' and ')})`;
  return { binding: null, reason, advice: 'build' };
}

/** Node's major for each ABI (process.versions.modules) a prebuild may be keyed by. */
const NODE_OF_ABI: Readonly<Record<string, string>> = {
  '108': '18',
  '115': '20',
  '120': '21',
  '127': '22',
  '131': '23',
  '137': '24',
  '141': '25',
};

/** ", prebuilt for Node ABIs 115 (Node 20), 127 (Node 22)": the ABIs this package ships, or ''. */
function prebuiltFor(root: string, platform: string, file: string): string {
  let folders: string[];
  try {
    folders = readdirSync(join(root, 'prebuilds', platform));
  } catch {
    return '';
  }
  const abis = folders
    .map((folder) => /^node-abi-(\d+)$/.exec(folder)?.[1])
    .filter((abi): abi is string => abi !== undefined)
    .filter((abi) => existsSync(join(root, 'prebuilds', platform, `node-abi-${abi}`, file)))
    .sort((a, b) => Number(a) - Number(b));
  if (abis.length === 0) return '';
  const named = abis.map((abi) =>
    NODE_OF_ABI[abi] === undefined ? abi : `${abi} (Node ${NODE_OF_ABI[abi]})`,
  );
  return `, prebuilt only for Node ABIs ${named.join(', ')}`;
}
