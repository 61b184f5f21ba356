/** Nanoseconds from an arbitrary origin. Injected so tests can drive a virtual clock. */
export type Clock = () => number;

export const monotonicClock: Clock = () => Number(process.hrtime.bigint());
