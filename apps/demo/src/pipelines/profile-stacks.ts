import { endianness } from 'node:os';
import { basename } from 'node:path';
import type { KernelSymbols, UserMappings } from '@ringkit/bpf-ringbuf';

/**
 * struct profile_key of bpf-ringbuf's bpf/profile.bpf.c, 32 bytes in host byte order:
 *
 *   0        4                  8                12         16                      32
 *   | pid u32 | kernel stack i32 | user stack i32 | reserved | comm char[16]          |
 */
const ProfileKey = {
  PID: 0,
  KERNEL_STACK_ID: 4,
  USER_STACK_ID: 8,
  COMM: 16,
  COMM_BYTES: 16,
  BYTES: 32,
} as const;

/** bpf_get_stackid's -EFAULT: no stack of that kind (the kernel stack of a sample taken in user mode). */
const NO_STACK = -14;
/** Kernel frames a label names, innermost first: enough to say where, short enough to read. */
export const KERNEL_FRAMES_SHOWN = 3;

const littleEndian = endianness() === 'LE';

/** One entry of the `counts` map: which process, its two stack ids, its thread's name. */
export interface ProfileKeyFields {
  readonly pid: number;
  readonly kernelStackId: number;
  readonly userStackId: number;
  readonly comm: string;
}

export function decodeProfileKey(key: Uint8Array): ProfileKeyFields {
  if (key.byteLength !== ProfileKey.BYTES)
    throw new Error(
      `a profile key is ${ProfileKey.BYTES} bytes (struct profile_key), got ${key.byteLength}: open bpf/profile.bpf.o of the same bpf-ringbuf version.`,
    );
  const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
  const comm = Buffer.from(
    key.subarray(ProfileKey.COMM, ProfileKey.COMM + ProfileKey.COMM_BYTES),
  ).toString('latin1');
  return {
    pid: view.getUint32(ProfileKey.PID, littleEndian),
    kernelStackId: view.getInt32(ProfileKey.KERNEL_STACK_ID, littleEndian),
    userStackId: view.getInt32(ProfileKey.USER_STACK_ID, littleEndian),
    comm: comm.slice(0, comm.indexOf('\0') >>> 0),
  };
}

/** A `counts` value: the samples of that key since the map was last emptied (a u64). */
export function decodeSampleCount(value: Uint8Array): number {
  return Number(new DataView(value.buffer, value.byteOffset, 8).getBigUint64(0, littleEndian));
}

/** What the labeller needs of the stack-trace map: map.stackTrace(id) of bpf-ringbuf. */
export type StackTraces = (stackId: number) => readonly bigint[] | undefined;

/**
 * Turns a sampled key into the label the panel counts it under, `comm (pid): k1 ← k2 ← k3 ←
 * file+0xoffset` (innermost first: a few kernel frames by name, then the innermost user frame
 * as the offset into its file, for addr2line), or null when a stack of the sample was lost (an
 * error id other than "no stack of that kind", or an id the map no longer holds): those are
 * counted as dropped. A stack id names the same stack for as long as the map keeps it, so each
 * id is resolved once.
 */
export class StackLabeller {
  private readonly kernelParts = new Map<number, string | null>();
  private readonly userParts = new Map<string, string | null>();
  private readonly mappings = new Map<number, UserMappings | null>();

  constructor(
    private readonly stacks: StackTraces,
    /** null: kernel frames as addresses (kallsyms hidden from this process). */
    private readonly kernel: KernelSymbols | null,
    private readonly loadMappings: (pid: number) => UserMappings,
  ) {}

  label(key: ProfileKeyFields): string | null {
    const kernel = this.kernelPart(key.kernelStackId);
    const user = this.userPart(key.pid, key.userStackId);
    if (kernel === null || user === null) return null;
    const frames = [kernel, user].filter((part) => part !== '').join(' ← ');
    return `${key.comm} (${key.pid}): ${frames === '' ? '[no stack]' : frames}`;
  }

  /** '' for no kernel stack (a user-mode sample), null for a lost one. */
  private kernelPart(stackId: number): string | null {
    if (stackId === NO_STACK) return '';
    if (stackId < 0) return null;
    let part = this.kernelParts.get(stackId);
    if (part === undefined) {
      const addresses = this.stacks(stackId);
      part =
        addresses === undefined
          ? null
          : addresses
              .slice(0, KERNEL_FRAMES_SHOWN)
              .map((address) => this.kernelFrame(address))
              .join(' ← ');
      this.kernelParts.set(stackId, part);
    }
    return part;
  }

  private kernelFrame(address: bigint): string {
    const location = this.kernel?.lookup(address) ?? null;
    if (location === null) return `0x${address.toString(16)}`;
    return location.module === null ? location.name : `${location.name} [${location.module}]`;
  }

  /** The innermost user frame; '' for no user stack (a kernel thread), null for a lost one. */
  private userPart(pid: number, stackId: number): string | null {
    if (stackId === NO_STACK) return '';
    if (stackId < 0) return null;
    const cacheKey = `${pid}:${stackId}`;
    let part = this.userParts.get(cacheKey);
    if (part === undefined) {
      const innermost = this.stacks(stackId)?.[0];
      part = innermost === undefined ? null : this.userFrame(pid, innermost);
      this.userParts.set(cacheKey, part);
    }
    return part;
  }

  private userFrame(pid: number, address: bigint): string {
    let found = this.mappingsOf(pid)?.lookup(address) ?? null;
    if (found === null) {
      // Mapped since the process's maps were read (a library loaded, JIT code placed): read again.
      this.mappings.delete(pid);
      found = this.mappingsOf(pid)?.lookup(address) ?? null;
    }
    if (found === null) return `0x${address.toString(16)}`;
    const { mapping, fileOffset } = found;
    // Anonymous memory (a JIT's code) has no file to look the offset up in.
    if (mapping.path === '') return '[anon]';
    if (mapping.path.startsWith('[')) return mapping.path;
    return `${basename(mapping.path)}+0x${fileOffset.toString(16)}`;
  }

  private mappingsOf(pid: number): UserMappings | null {
    let mappings = this.mappings.get(pid);
    if (mappings === undefined) {
      try {
        mappings = this.loadMappings(pid);
      } catch {
        mappings = null; // the process is gone: its frames stay addresses
      }
      this.mappings.set(pid, mappings);
    }
    return mappings;
  }
}
