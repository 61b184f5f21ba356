import { RingError } from './errors.js';
import {
  type AttachExpectations,
  describeRing,
  initialiseRing,
  type RingOptions,
  ringByteLength,
} from './header.js';
import { HEADER_BYTES } from './layout.js';
import { requireSharedMemory } from './native.js';

/**
 * Rings in named POSIX shared memory, for two processes of the same user:
 * created with mode 0600, mapped whole, handed over as a real SharedArrayBuffer.
 * Such rings always use wait domain "os" (futex on the shared words).
 */

const NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$/;

/** Names are one path component: letters, digits, ".", "_", "-"; no "/", no "..", at most 200. */
export function checkSharedName(name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name) || name.includes('..')) {
    throw new RingError(
      'INVALID_NAME',
      `shared-memory name must be 1 to 200 letters, digits, ".", "_" or "-", not starting with "." or "-" and without "..", name=${JSON.stringify(name)}`,
    );
  }
  return name;
}

interface NativeFailure {
  code?: string;
  message?: string;
}

function translate(name: string, error: unknown): RingError {
  const { code, message } = (error ?? {}) as NativeFailure;
  switch (code) {
    case 'EXISTS':
      return new RingError(
        'SHARED_EXISTS',
        `a shared-memory object named "${name}" already exists; attach to it with attachShared, or remove it with unlinkShared first.`,
      );
    case 'NOT_FOUND':
      return new RingError(
        'SHARED_NOT_FOUND',
        `no shared-memory object named "${name}" exists; create it with createShared first (or check the name).`,
      );
    case 'PERMISSION':
      return new RingError(
        'SHARED_PERMISSION',
        `shared-memory object "${name}" is not private to this user (${message}); ringkit only attaches to objects of its own user with mode 0600.`,
      );
    case 'TRUNCATED':
      return new RingError(
        'BUFFER_TOO_SMALL',
        `shared-memory object "${name}" is empty; it is not a ring (was its creator killed before it sized it?).`,
      );
    case 'MEMORY_CAGE':
      return new RingError('MEMORY_CAGE', `${message}.`);
    case 'INVALID_NAME':
      return new RingError(
        'INVALID_NAME',
        `shared-memory name ${JSON.stringify(name)} is not valid.`,
      );
    default:
      return new RingError(
        'SHARED_SYSTEM',
        `shared-memory object "${name}": ${message ?? String(error)}.`,
        { cause: error },
      );
  }
}

/** Creates a new ring in a new shared-memory object (mode 0600). Fails if the name exists. */
export function createShared(name: string, options: RingOptions): SharedArrayBuffer {
  checkSharedName(name);
  if (options?.waitDomain === 'process') {
    throw new RingError(
      'INVALID_OPTIONS',
      'a ring in shared memory is waited on across processes: use waitDomain "os" (the default for createShared).',
    );
  }
  const ringOptions: RingOptions = { ...options, waitDomain: 'os' };
  const byteLength = ringByteLength(ringOptions);
  let buffer: SharedArrayBuffer;
  try {
    buffer = requireSharedMemory().createShared(name, byteLength);
  } catch (error) {
    throw error instanceof RingError ? error : translate(name, error);
  }
  initialiseRing(new Int32Array(buffer, 0, HEADER_BYTES >> 2), ringOptions);
  return buffer;
}

/**
 * Maps an existing shared ring, never writing to it: refused unless it is a
 * valid ring of wait domain "os" whose header describes exactly the object's size.
 */
export function attachShared(
  name: string,
  expect: Omit<AttachExpectations, 'waitDomain'> = {},
): SharedArrayBuffer {
  checkSharedName(name);
  let buffer: SharedArrayBuffer;
  try {
    buffer = requireSharedMemory().attachShared(name);
  } catch (error) {
    throw error instanceof RingError ? error : translate(name, error);
  }
  const descriptor = describeRing(buffer, { ...expect, waitDomain: 'os' });
  const expected = HEADER_BYTES + descriptor.dataBytes;
  if (buffer.byteLength !== expected) {
    throw new RingError(
      'BAD_GEOMETRY',
      `shared-memory object "${name}" is ${buffer.byteLength} bytes but its ring header describes ${expected}; it was resized or is not this ring.`,
    );
  }
  return buffer;
}

/** Removes the name; processes that attached keep their mapping. False if there was no such object. */
export function unlinkShared(name: string): boolean {
  checkSharedName(name);
  try {
    return requireSharedMemory().unlinkShared(name);
  } catch (error) {
    throw translate(name, error);
  }
}
