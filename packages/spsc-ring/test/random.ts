/** Seeded byte generator (xorshift32), so a failing fuzz case can be replayed. */
export function createRandomBytes(seed: number): (target: Uint8Array) => void {
  let state = seed >>> 0 || 1;
  return (target) => {
    for (let i = 0; i < target.length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      target[i] = state & 0xff;
    }
  };
}
