/** Absolute path of the C++ include directory (ringkit/layout.hpp, ringkit/spsc_ring.hpp). */
declare const includeDir: string;

export { includeDir };
