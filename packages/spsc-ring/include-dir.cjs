// The C++ headers (ringkit/layout.hpp, ringkit/spsc_ring.hpp) and the addon build preamble
// (cmake/ringkit_addon.cmake) for other packages' CMake:
//   execute_process(COMMAND node -p "require('@ringkit/spsc-ring/include-dir').cmakeModule" ...)
const path = require('node:path');

module.exports = {
  includeDir: path.join(__dirname, 'native', 'include'),
  cmakeModule: path.join(__dirname, 'cmake', 'ringkit_addon.cmake'),
};
