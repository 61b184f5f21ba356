/** Absolute path of the C++ include directory (ringkit/layout.hpp, ringkit/spsc_ring.hpp). */
declare const includeDir: string;
/** Absolute path of cmake/ringkit_addon.cmake: every ringkit addon's build preamble. */
declare const cmakeModule: string;

export { cmakeModule, includeDir };
