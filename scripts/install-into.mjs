// Installs one npm package into a folder of its own (npm install --prefix), outside the
// workspace: tools the scripts fetch when they run (Verdaccio, other Node versions), never
// devDependencies of the monorepo.
import { execFileSync } from 'node:child_process';

/** `npm install --prefix <prefix> <spec>`, quietly; npm's errors still reach stderr. */
export function installInto(prefix, spec, { save = true } = {}) {
  execFileSync(
    'npm',
    [
      'install',
      '--prefix',
      prefix,
      '--no-audit',
      '--no-fund',
      ...(save ? [] : ['--no-save']),
      '--loglevel=error',
      spec,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}
