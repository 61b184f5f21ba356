import manifest from '../package.json' with { type: 'json' };

/** The instrumentation scope's version: this package's own (tsup bundles the manifest's field). */
export const VERSION: string = manifest.version;
