# How every ringkit package builds its Node addon with cmake-js, written once. Another package's
# CMakeLists.txt finds this file through
#   node -p "require('@ringkit/spsc-ring/include-dir').cmakeModule"
# and includes it. It sets C++20 and a Release default, names the twin's headers
# (RINGKIT_SPSC_INCLUDE_DIR) and defines ringkit_node_addon(target sources…): a Node-API 8 addon
# (cmake-js then takes the headers from node-api-headers and downloads nothing) with
# node-addon-api's C++ wrapper, the twin's headers, -Wall -Wextra and threads.
if(NOT CMAKE_CXX_STANDARD)
  set(CMAKE_CXX_STANDARD 20)
endif()
set(CMAKE_CXX_STANDARD_REQUIRED ON)
if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE Release)
endif()
set(RINGKIT_SPSC_INCLUDE_DIR ${CMAKE_CURRENT_LIST_DIR}/../native/include)
find_package(Threads REQUIRED)

function(ringkit_node_addon target)
  if(NOT CMAKE_JS_VERSION)
    message(FATAL_ERROR "${target} is a Node addon: build it with cmake-js "
                        "(npx --yes cmake-js@8 compile --out build), not plain cmake")
  endif()
  # node-addon-api is a dependency of every package with an addon: found from the package's folder.
  execute_process(
    COMMAND node -p "require('node-addon-api').include_dir"
    WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}
    OUTPUT_VARIABLE node_addon_api_dir
    OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE lookup)
  if(NOT lookup EQUAL 0)
    message(FATAL_ERROR "node-addon-api was not found from ${CMAKE_CURRENT_SOURCE_DIR}: "
                        "run \"npm install\" first")
  endif()
  add_library(${target} SHARED ${ARGN} ${CMAKE_JS_SRC})
  set_target_properties(${target} PROPERTIES PREFIX "" SUFFIX ".node")
  target_include_directories(${target} PRIVATE ${CMAKE_JS_INC} ${node_addon_api_dir}
                                               ${RINGKIT_SPSC_INCLUDE_DIR})
  target_compile_definitions(${target} PRIVATE NAPI_VERSION=8 NAPI_CPP_EXCEPTIONS)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  target_link_libraries(${target} PRIVATE ${CMAKE_JS_LIB} Threads::Threads)
endfunction()
