/** Absolute path of the C++ include directory (ringkit/layout.hpp, ringkit/spsc_ring.hpp). */
export declare const includeDir: string;
/** Absolute path of cmake/ringkit_addon.cmake: every ringkit addon's build preamble. */
export declare const cmakeModule: string;
