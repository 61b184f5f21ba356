export declare function minimalRingBytes(capacity: number, recordSize: number): number;
export declare class MinimalRing {
  constructor(buffer: SharedArrayBuffer, capacity: number, recordSize: number);
  push(record: Uint8Array): void;
  pop<T>(handler: (data: Uint8Array, offset: number) => T): T;
  empty(): boolean;
}
