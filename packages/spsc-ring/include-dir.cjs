// The C++ headers (ringkit/layout.hpp, ringkit/spsc_ring.hpp) for other packages' CMake:
//   execute_process(COMMAND node -p "require('@ringkit/spsc-ring/include-dir').includeDir" ...)
const path = require('node:path');

module.exports = { includeDir: path.join(__dirname, 'native', 'include') };
