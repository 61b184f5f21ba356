// Which prebuilt addons a package's tarball must carry: one place that the staging script,
// the prepack guard, the packaging check and the registry check all read, so none of them can
// disagree about what a release ships.
//
// A package lists its addons in package.json as `"ringkit": { "addons": [...] }`, named as its
// native loader looks for them: "ringkit_spsc.node" is a Node-API addon (one prebuild per
// platform, serving every Node), "ringkit_shm.node@abi" is built against V8's API (one prebuild
// per platform and Node ABI).

/** The platforms every release carries prebuilds for (`${process.platform}-${process.arch}`). */
export const PREBUILT_PLATFORMS = ['linux-x64'];

/**
 * The Node majors a V8-API addon is prebuilt for, by ABI (process.versions.modules): every
 * Node that `engines` (>=20.19) admits today. build-abi-prebuilds.mjs builds each one.
 */
export const NODE_MAJOR_OF_ABI = { 115: '20', 127: '22', 137: '24' };
export const PREBUILT_NODE_ABIS = Object.keys(NODE_MAJOR_OF_ABI);

/** The addons a manifest names: `{ file, abiKeyed }` each. */
export function addonsOf(manifest) {
  return (manifest.ringkit?.addons ?? []).map((entry) => {
    const [file, keyedBy] = entry.split('@');
    return { file, abiKeyed: keyedBy === 'abi' };
  });
}

/** Where an addon's prebuild lives in the package, for one platform (and ABI, when keyed by it). */
export function prebuildPath({ file, abiKeyed }, platform, abi) {
  return abiKeyed
    ? `prebuilds/${platform}/node-abi-${abi}/${file}`
    : `prebuilds/${platform}/${file}`;
}

/** Every prebuild the package's tarball must carry: `{ path, file, platform, abi }`. */
export function claimedPrebuilds(manifest) {
  return addonsOf(manifest).flatMap((addon) =>
    PREBUILT_PLATFORMS.flatMap((platform) =>
      (addon.abiKeyed ? PREBUILT_NODE_ABIS : [null]).map((abi) => ({
        path: prebuildPath(addon, platform, abi),
        file: addon.file,
        platform,
        abi,
      })),
    ),
  );
}
