import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { BpfError } from './errors.js';

/**
 * Addresses of a stack-trace map (map.stackTrace(id)) made readable: kernel ones by
 * the nearest symbol of /proc/kallsyms at or below them (`name+0xoffset [module]`),
 * user ones by the mapping of /proc/PID/maps they fall in (`0xaddress file+0xoffset`,
 * the offset into the mapped file, for addr2line or a symbol table of your own).
 */

/** Where a kernel address lies: the nearest symbol at or below it. */
export interface KernelLocation {
  readonly name: string;
  /** The module it belongs to; null for the kernel image. */
  readonly module: string | null;
  /** Bytes past the symbol's start. */
  readonly offset: bigint;
}

// kallsyms types of code: text and weak symbols, local or global.
const CODE_TYPES = new Set(['t', 'T', 'w', 'W']);

/** The kernel's code symbols, sorted by address for a binary search per lookup. */
export class KernelSymbols {
  private readonly addresses: BigUint64Array;
  private readonly names: readonly string[];
  private readonly modules: readonly (string | null)[];

  private constructor(
    addresses: BigUint64Array,
    names: readonly string[],
    modules: readonly (string | null)[],
  ) {
    this.addresses = addresses;
    this.names = names;
    this.modules = modules;
  }

  /**
   * Reads the text of /proc/kallsyms (`address type name [module]` per line). All
   * addresses 0 is what a reader without CAP_SYSLOG sees (kernel.kptr_restrict):
   * SYMBOLS_UNAVAILABLE, since every lookup would be wrong.
   */
  static parse(text: string, source = 'kallsyms'): KernelSymbols {
    const entries: { address: bigint; name: string; module: string | null }[] = [];
    let hidden = 0;
    for (const line of text.split('\n')) {
      const [address, type, name, module] = line.split(/\s+/);
      if (address === undefined || type === undefined || name === undefined) continue;
      if (!CODE_TYPES.has(type) || !/^[0-9a-f]+$/i.test(address)) continue;
      const value = BigInt(`0x${address}`);
      if (value === 0n) {
        hidden++;
        continue;
      }
      entries.push({
        address: value,
        name,
        module: module ? module.replace(/^\[|\]$/g, '') : null,
      });
    }
    if (entries.length === 0)
      throw new BpfError(
        'SYMBOLS_UNAVAILABLE',
        hidden > 0
          ? `${source} shows every kernel address as 0: read it as root (CAP_SYSLOG), or lower kernel.kptr_restrict.`
          : `${source} lists no kernel code symbols: give it the text of /proc/kallsyms.`,
      );
    entries.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
    return new KernelSymbols(
      BigUint64Array.from(entries, (entry) => entry.address),
      entries.map((entry) => entry.name),
      entries.map((entry) => entry.module),
    );
  }

  /** Code symbols known. */
  get size(): number {
    return this.addresses.length;
  }

  /** The symbol `address` lies in (the nearest at or below it), or null below the first. */
  lookup(address: bigint): KernelLocation | null {
    const addresses = this.addresses;
    let low = 0;
    let high = addresses.length - 1;
    if (high < 0 || address < addresses[0]!) return null;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (addresses[middle]! <= address) low = middle;
      else high = middle - 1;
    }
    return {
      name: this.names[low]!,
      module: this.modules[low]!,
      offset: address - addresses[low]!,
    };
  }

  /** `name+0x1f`, `name+0x1f [module]`, or the address in hex when no symbol holds it. */
  format(address: bigint): string {
    const location = this.lookup(address);
    if (location === null) return hex(address);
    const module = location.module === null ? '' : ` [${location.module}]`;
    return `${location.name}+0x${location.offset.toString(16)}${module}`;
  }
}

/** Reads /proc/kallsyms (or `path`): SYMBOLS_UNAVAILABLE when it cannot be read or hides addresses. */
export function loadKernelSymbols(path = '/proc/kallsyms'): KernelSymbols {
  return KernelSymbols.parse(readText(path), path);
}

/** One line of /proc/PID/maps. */
export interface UserMapping {
  readonly start: bigint;
  readonly end: bigint;
  /** The file offset mapped at `start`. */
  readonly fileOffset: bigint;
  /** The mapped file, or a pseudo-name such as `[heap]`, `[stack]`; '' for anonymous memory. */
  readonly path: string;
}

/** The memory map of one process, as it was when read. */
export class UserMappings {
  readonly mappings: readonly UserMapping[];

  private constructor(mappings: readonly UserMapping[]) {
    this.mappings = mappings;
  }

  /** Reads the text of /proc/PID/maps (`start-end perms offset dev inode path` per line). */
  static parse(text: string): UserMappings {
    const mappings: UserMapping[] = [];
    for (const line of text.split('\n')) {
      const match = /^([0-9a-f]+)-([0-9a-f]+)\s+\S+\s+([0-9a-f]+)\s+\S+\s+\d+\s*(.*)$/i.exec(line);
      if (match === null) continue;
      mappings.push({
        start: BigInt(`0x${match[1]}`),
        end: BigInt(`0x${match[2]}`),
        fileOffset: BigInt(`0x${match[3]}`),
        path: match[4]!.trim(),
      });
    }
    mappings.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    return new UserMappings(mappings);
  }

  /** The mapping holding `address`, and the offset into its file; null outside every mapping. */
  lookup(address: bigint): { readonly mapping: UserMapping; readonly fileOffset: bigint } | null {
    let low = 0;
    let high = this.mappings.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const mapping = this.mappings[middle]!;
      if (address < mapping.start) high = middle - 1;
      else if (address >= mapping.end) low = middle + 1;
      else return { mapping, fileOffset: address - mapping.start + mapping.fileOffset };
    }
    return null;
  }

  /** `0x7f3a… libc.so.6+0x2a1c`, `0x55… [heap]`, or the address alone outside every mapping. */
  format(address: bigint): string {
    const found = this.lookup(address);
    if (found === null) return hex(address);
    const { mapping, fileOffset } = found;
    if (mapping.path === '') return `${hex(address)} [anon]`;
    if (mapping.path.startsWith('['))
      return `${hex(address)} ${mapping.path}+0x${(address - mapping.start).toString(16)}`;
    return `${hex(address)} ${basename(mapping.path)}+0x${fileOffset.toString(16)}`;
  }
}

/** Reads /proc/PID/maps: SYMBOLS_UNAVAILABLE when the process is gone or hidden. */
export function loadUserMappings(pid: number): UserMappings {
  if (!Number.isInteger(pid) || pid <= 0)
    throw new BpfError(
      'INVALID_OPTIONS',
      `pid must be a process id (a whole number > 0), got ${pid}.`,
    );
  return UserMappings.parse(readText(`/proc/${pid}/maps`));
}

function hex(address: bigint): string {
  return `0x${address.toString(16)}`;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'an error';
    throw new BpfError(
      'SYMBOLS_UNAVAILABLE',
      `${path} cannot be read (${code}): check that the process exists and that you may read it (root reads every process's).`,
      { cause: error },
    );
  }
}
