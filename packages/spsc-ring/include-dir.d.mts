/** Absolute path of the C++ include directory (ringkit/layout.hpp, ringkit/spsc_ring.hpp). */
export declare const includeDir: string;
