/** Absolute path of the C++ include directory (ringkit/spsc_ring/layout.hpp, ringkit/spsc_ring.hpp). */
declare const includeDir: string;

export { includeDir };
