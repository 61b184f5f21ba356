// A private npm registry for one run: Verdaccio 6.8.0 (6.10 needs Node 22), installed into a
// throwaway folder rather than the workspace (CI alone needs it, and its ~300 packages would
// otherwise sit in every developer's install), storing into that folder, listening on
// localhost. @ringkit/* is published there anonymously and never looked up upstream, so an
// install can only get the tarballs this run published; everything else proxies to the
// registry npm is configured with.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { installInto } from '../install-into.mjs';

const VERSION = '6.8.0';

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function config(storage, upstream) {
  return [
    `storage: ${storage}`,
    'uplinks:',
    '  upstream:',
    `    url: ${upstream}`,
    'packages:',
    "  '@ringkit/*':",
    '    access: $all',
    '    publish: $anonymous',
    '    unpublish: $anonymous',
    "  '**':",
    '    access: $all',
    '    proxy: upstream',
    'log: { type: stdout, format: pretty, level: warn }',
    '',
  ].join('\n');
}

/**
 * Installs and starts Verdaccio under `folder`; resolves to `{ url, npmrc, stop }` once it
 * answers. `npmrc` points npm at it; `stop()` kills it (synchronous, safe to call twice).
 */
export async function startRegistry(folder) {
  const prefix = join(folder, 'verdaccio');
  installInto(prefix, `verdaccio@${VERSION}`);
  const storage = join(folder, 'storage');
  mkdirSync(storage, { recursive: true });
  const upstream = execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim();
  const configFile = join(folder, 'verdaccio.yaml');
  writeFileSync(configFile, config(storage, upstream));

  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const log = openSync(join(folder, 'verdaccio.log'), 'a');
  const server = spawn(
    process.execPath,
    [
      join(prefix, 'node_modules', 'verdaccio', 'bin', 'verdaccio'),
      '--config',
      configFile,
      '--listen',
      `127.0.0.1:${port}`,
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      process.kill(-server.pid, 'SIGTERM'); // its whole process group
    } catch {
      // already gone
    }
  };

  const npmrc = join(folder, 'npmrc');
  // Publishing is anonymous, but npm refuses to publish with no token at all: any placeholder
  // passes, and Verdaccio treats a token it did not issue as anonymous.
  writeFileSync(npmrc, `registry=${url}\n//127.0.0.1:${port}/:_authToken=anonymous-placeholder\n`);

  for (let waited = 0; ; waited += 250) {
    if (server.exitCode !== null)
      throw new Error(
        `REGISTRY_DOWN: Verdaccio exited (${server.exitCode}); see ${folder}/verdaccio.log.`,
      );
    const answered = await fetch(`${url}-/ping`).then(
      (response) => response.ok,
      () => false,
    );
    if (answered) break;
    if (waited > 30_000) {
      stop();
      throw new Error('REGISTRY_DOWN: Verdaccio did not answer on localhost within 30 s.');
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { url, npmrc, stop, version: VERSION };
}
