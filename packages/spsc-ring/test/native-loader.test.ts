import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import { nativeUnavailableReason } from '../src/native.js';
import { type AddonSpec, nativeAddon, packageRootOf } from '../src/native-loader.js';

const scratch = mkdtempSync(join(tmpdir(), 'ringkit-loader-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const noNative = process.env.RINGKIT_NO_NATIVE;
afterEach(() => {
  if (noNative === undefined) delete process.env.RINGKIT_NO_NATIVE;
  else process.env.RINGKIT_NO_NATIVE = noNative;
});

class FakeError extends Error {
  readonly code = 'NATIVE_UNAVAILABLE';
}

let packages = 0;
/** A package folder with a dist/ module, and the spec of an addon it would hold. */
function fakePackage(overrides: Partial<AddonSpec> = {}): { root: string; spec: AddonSpec } {
  const root = join(scratch, `package-${++packages}`);
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(join(root, 'package.json'), '{ "name": "@example/fake" }');
  const spec: AddonSpec = {
    packageName: '@example/fake',
    from: { dirname: join(root, 'dist'), url: undefined },
    file: 'fake.node',
    needs: 'cmake and a C++20 compiler',
    error: (sentence) => new FakeError(sentence),
    ...overrides,
  };
  return { root, spec };
}

const platform = `${process.platform}-${process.arch}`;

describe('packageRootOf', () => {
  it('is one folder above the calling module, from CommonJS’s __dirname or ESM’s URL', () => {
    expect(packageRootOf({ dirname: '/opt/pkg/dist', url: undefined })).toBe('/opt/pkg');
    // node -e sets a global __dirname of '.': not believed, the URL is used.
    const url = pathToFileURL('/opt/pkg/dist/index.js').href;
    expect(packageRootOf({ dirname: '.', url })).toBe('/opt/pkg');
    expect(packageRootOf({ dirname: undefined, url })).toBe('/opt/pkg');
  });
});

describe('nativeAddon', () => {
  it('with nothing built, names the platform, the paths searched and a build command that works installed', () => {
    delete process.env.RINGKIT_NO_NATIVE;
    const { root, spec } = fakePackage();
    const addon = nativeAddon(spec);
    expect(addon.binding()).toBeNull();
    const searched = [
      join(root, 'build', 'Release', 'fake.node'),
      join(root, 'prebuilds', platform, 'fake.node'),
    ];
    expect(addon.unavailableReason()).toBe(
      `no native addon fake.node is built for ${platform} (looked for ${searched.join(' and ')})`,
    );
    expect(addon.buildCommand).toBe(`cd ${root} && npx --yes cmake-js@8 compile --out build`);
    expect(() => addon.require('a fake thread')).toThrow(FakeError);
    expect(() => addon.require('a fake thread')).toThrow(
      `a fake thread needs @example/fake's native addon, but ${addon.unavailableReason()}; build it with "${addon.buildCommand}" (needs cmake and a C++20 compiler).`,
    );
  });

  it('keys an addon built against V8’s API by the Node ABI, and says which', () => {
    delete process.env.RINGKIT_NO_NATIVE;
    const { root, spec } = fakePackage({ abiKeyed: true, buildArguments: '--CDTESTS=OFF' });
    const addon = nativeAddon(spec);
    const abi = process.versions.modules;
    expect(addon.unavailableReason()).toContain(`built for ${platform} and Node ABI ${abi}`);
    expect(addon.unavailableReason()).toContain(
      join(root, 'prebuilds', platform, `node-abi-${abi}`, 'fake.node'),
    );
    expect(addon.buildCommand).toMatch(/compile --out build --CDTESTS=OFF$/);
  });

  it('names the Node ABIs an addon built against V8’s API is prebuilt for, when this one is not', () => {
    delete process.env.RINGKIT_NO_NATIVE;
    const { root, spec } = fakePackage({ abiKeyed: true });
    // Two ABIs this Node is not (so neither is tried): one known, one not.
    const other = process.versions.modules === '137' ? '115' : '137';
    for (const abi of ['1', other]) {
      mkdirSync(join(root, 'prebuilds', platform, `node-abi-${abi}`), { recursive: true });
      writeFileSync(join(root, 'prebuilds', platform, `node-abi-${abi}`, 'fake.node'), '');
    }
    mkdirSync(join(root, 'prebuilds', platform, 'node-abi-127')); // empty: not a prebuild
    const node = other === '137' ? '24' : '20';
    expect(nativeAddon(spec).unavailableReason()).toContain(
      `built for ${platform} and Node ABI ${process.versions.modules}, prebuilt only for Node ABIs 1, ${other} (Node ${node}) (looked for`,
    );
  });

  it('reports a file that does not load, with its path and the loader’s first line', () => {
    delete process.env.RINGKIT_NO_NATIVE;
    const { root, spec } = fakePackage();
    const broken = join(root, 'build', 'Release', 'fake.node');
    mkdirSync(join(root, 'build', 'Release'), { recursive: true });
    writeFileSync(broken, 'not an ELF file');
    const reason = nativeAddon(spec).unavailableReason();
    expect(reason).toMatch(
      new RegExp(
        `^the native addon fake\\.node failed to load \\(${broken.replaceAll('/', '\\/')}: .+\\)$`,
      ),
    );
    expect(reason).not.toContain('\n');
    // A package that knows the cause of a failure says so instead.
    const explained = nativeAddon({
      ...spec,
      explain: (failures) => (failures.length === 1 ? 'libfake.so.1 is not installed' : undefined),
    });
    expect(explained.unavailableReason()).toBe('libfake.so.1 is not installed');
  });

  it('honours RINGKIT_NO_NATIVE=1, advising to unset it rather than to build', () => {
    process.env.RINGKIT_NO_NATIVE = '1';
    const { spec } = fakePackage();
    const addon = nativeAddon(spec);
    expect(addon.binding()).toBeNull();
    expect(addon.unavailableReason()).toBe('the native addon is disabled by RINGKIT_NO_NATIVE=1');
    expect(() => addon.require('x')).toThrow(
      "x needs @example/fake's native addon, but the native addon is disabled by RINGKIT_NO_NATIVE=1; unset RINGKIT_NO_NATIVE to use it.",
    );
  });

  it('says when the addon cannot exist on this machine, with no build advice', () => {
    delete process.env.RINGKIT_NO_NATIVE;
    const { spec } = fakePackage({ unsupported: () => 'fakes exist only on Plan 9' });
    expect(() => nativeAddon(spec).require('x')).toThrow(
      "x needs @example/fake's native addon, but fakes exist only on Plan 9.",
    );
  });

  const skipReal = requireOrSkip(
    nativeUnavailableReason() === '',
    `the native addon is not built: ${nativeUnavailableReason()}`,
  );
  it.skipIf(skipReal)('loads a real addon (this package’s own)', () => {
    const addon = nativeAddon<{ layout(): Record<string, number> }>({
      packageName: '@ringkit/spsc-ring',
      from: { dirname: new URL('.', import.meta.url).pathname, url: undefined },
      file: 'ringkit_spsc.node',
      needs: 'cmake and a C++20 compiler',
      error: (sentence) => new FakeError(sentence),
    });
    expect(addon.unavailableReason()).toBe('');
    expect(typeof addon.require('the layout').layout).toBe('function');
  });
});
