import {
  chmodSync,
  lstatSync,
  mkdtempSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { connect, type Server } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { TrackingError } from './errors.js';

/** sun_path is 108 bytes on Linux, 104 elsewhere, NUL included. */
const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103;
const PRIVATE_DIRECTORY_PREFIX = '.ringkit-';

/**
 * Listens on `socketPath` with the socket file at mode 0600 from the moment it
 * has that name. bind() creates the file with the process umask, so binding the
 * real name and then chmod-ing leaves a window in which another user may connect.
 * Instead: bind inside a fresh private directory (mkdtemp makes it 0700, so no
 * other user can reach anything in it), chmod 0600 there, then rename(2) into
 * place, which is atomic and keeps the mode. Same directory's filesystem, so the
 * rename cannot cross devices. Returns the socket file's inode, so close()
 * removes the file only if it is still ours.
 */
export async function listenPrivately(server: Server, socketPath: string): Promise<number> {
  const target = resolve(socketPath);
  const directory = dirname(target);
  const temporaryLength = Buffer.byteLength(
    join(directory, `${PRIVATE_DIRECTORY_PREFIX}XXXXXX`, 's'),
  );
  const longest = Math.max(Buffer.byteLength(target), temporaryLength);
  if (longest > MAX_SOCKET_PATH_BYTES)
    throw new TrackingError(
      'SOCKET_PATH',
      `socket path ${target} needs ${longest} bytes with its temporary name, over the ${MAX_SOCKET_PATH_BYTES} bytes a Unix socket path may have; choose a shorter path, such as one under /tmp.`,
    );
  await refuseLiveServer(target);
  const privateDirectory = mkdtempSync(join(directory, PRIVATE_DIRECTORY_PREFIX));
  const temporary = join(privateDirectory, 's');
  try {
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(temporary, () => {
        server.off('error', fail);
        done();
      });
    });
    chmodSync(temporary, 0o600);
    renameSync(temporary, target);
    return statSync(target).ino;
  } catch (error) {
    server.close();
    throw new TrackingError(
      'SOCKET_PATH',
      `could not listen on ${target}: ${(error as Error).message}; check the directory exists and is writable.`,
      { cause: error },
    );
  } finally {
    rmSync(privateDirectory, { recursive: true, force: true });
  }
}

/** A socket file at the path is fine to replace only if nobody answers on it (left by a crash). */
async function refuseLiveServer(target: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(target).isSocket();
  } catch {
    return; // nothing there
  }
  if (!isSocket)
    throw new TrackingError(
      'SOCKET_PATH',
      `${target} exists and is not a socket; remove it or choose another socketPath.`,
    );
  const answered = await new Promise<boolean>((done) => {
    const probe = connect(target);
    probe.once('connect', () => {
      probe.destroy();
      done(true);
    });
    probe.once('error', () => done(false));
  });
  if (answered)
    throw new TrackingError(
      'ADDRESS_IN_USE',
      `a server is already listening on ${target}; close it or choose another socketPath.`,
    );
}

/** Removes the socket file if it is still the one we bound (another server may have replaced it). */
export function removeSocketFile(socketPath: string, inode: number): void {
  try {
    if (lstatSync(socketPath).ino === inode) unlinkSync(socketPath);
  } catch {
    // Already gone.
  }
}
