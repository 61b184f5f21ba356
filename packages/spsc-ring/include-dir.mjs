// The C++ headers (ringkit/spsc_ring/layout.hpp, ringkit/spsc_ring.hpp) and the addon build preamble
// (cmake/ringkit_addon.cmake) for other packages' CMake.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
export const includeDir = join(root, 'native', 'include');
export const cmakeModule = join(root, 'cmake', 'ringkit_addon.cmake');
