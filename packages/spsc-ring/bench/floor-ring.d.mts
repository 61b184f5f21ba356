export declare function floorRingBytes(capacity: number, recordSize: number): number;
export declare class FloorRing {
  constructor(buffer: SharedArrayBuffer, capacity: number, recordSize: number);
  readonly data: Uint8Array;
  /** Byte offset in `data` of the last claim. */
  readonly offset: number;
  claim(wanted: number): number;
  beginSend(): void;
  endSend(): void;
  publish(count: number): void;
  empty(): boolean;
  static consume(
    buffer: SharedArrayBuffer,
    capacity: number,
    recordSize: number,
    handler: (data: Uint8Array, offset: number, count: number) => void,
  ): never;
}
