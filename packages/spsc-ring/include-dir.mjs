// The C++ headers (ringkit/layout.hpp, ringkit/spsc_ring.hpp) for other packages' CMake.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const includeDir = join(dirname(fileURLToPath(import.meta.url)), 'native', 'include');
