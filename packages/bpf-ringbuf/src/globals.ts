import { native } from './errors.js';
import type { RawGlobalInfo, RawObject } from './native-binding.js';

/**
 * A global variable's value: a number for integers of 1, 2 and 4 bytes, a bigint
 * for 8-byte integers (a number is accepted when writing), a Uint8Array of its
 * exact size for anything else (and for any variable, when writing).
 */
export type GlobalValue = number | bigint | Uint8Array;

/** A global variable of the object, as its BTF datasec declares it. */
export type GlobalInfo = RawGlobalInfo;

/**
 * The global variables of a loaded object, by name. `.data` and `.bss` are read and
 * written through the kernel map's own memory, so a write is what the program reads
 * next, and a counter the program keeps is read as it is now. `.rodata` is frozen at
 * load: read it here, set it with `openObject(path, { globals })`.
 */
export class BpfGlobals {
  private readonly raw: () => RawObject;
  private readonly infos: readonly GlobalInfo[];

  /** @internal Use object.globals. */
  constructor(raw: () => RawObject, infos: readonly GlobalInfo[]) {
    this.raw = raw;
    this.infos = infos;
  }

  /** Every global: name, section, offset, size and kind ('unsigned', 'signed' or 'bytes'). */
  list(): readonly GlobalInfo[] {
    return this.infos;
  }

  /** The value now (UNKNOWN_GLOBAL, listing the globals, when there is none of that name). */
  get(name: string): GlobalValue {
    const raw = this.raw();
    return native(() => raw.readGlobal(name));
  }

  /**
   * Writes a `.data` or `.bss` global; the program sees it at its next read.
   * READ_ONLY_GLOBAL for `.rodata`, INVALID_VALUE when the value does not fit.
   */
  set(name: string, value: GlobalValue): void {
    const raw = this.raw();
    native(() => raw.writeGlobal(name, value));
  }
}
