import { endianness } from 'node:os';
import { BpfError } from './errors.js';

/** A map key: its bytes, or for 4- and 8-byte keys the unsigned integer they hold. */
export type MapKey = Uint8Array | number | bigint;

// The kernel stores keys in the host's byte order, as the BPF program wrote them.
const littleEndian = endianness() === 'LE';

/** The bytes of `key` for a map of `keySize`-byte keys named `mapName`. */
export function keyBytes(key: MapKey, keySize: number, mapName: string): Uint8Array {
  if (key instanceof Uint8Array) return key;
  const bytes = new Uint8Array(keySize);
  const view = new DataView(bytes.buffer);
  if (
    keySize === 4 &&
    typeof key === 'number' &&
    Number.isInteger(key) &&
    key >= 0 &&
    key < 2 ** 32
  ) {
    view.setUint32(0, key, littleEndian);
    return bytes;
  }
  if (keySize === 8 && (typeof key === 'bigint' || Number.isSafeInteger(key))) {
    const wide = BigInt(key);
    if (wide >= 0n && wide < 2n ** 64n) {
      view.setBigUint64(0, wide, littleEndian);
      return bytes;
    }
  }
  throw new BpfError(
    'INVALID_KEY',
    keySize === 4 || keySize === 8
      ? `key ${String(key)} does not fit map '${mapName}''s ${keySize}-byte keys: pass an unsigned integer below 2^${keySize * 8}${keySize === 8 ? ' (a bigint above 2^53)' : ''}, or the key's ${keySize} bytes as a Uint8Array.`
      : `key ${String(key)} is a number but map '${mapName}' has ${keySize}-byte keys: pass them as a Uint8Array of ${keySize} bytes.`,
  );
}
