# The relaylab command (native): the CLI, the simulator front end and the relay.
# Included from the top-level CMakeLists.txt (native configuration only).
find_package(OpenSSL REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(CARES REQUIRED IMPORTED_TARGET libcares)

# native_core: the relay's files without sockets (spool, configuration, users, local
# delivery, log), shared by the relaylab command and the unit tests.
set(RELAYLAB_NATIVE_CORE_SOURCES
  ${CMAKE_SOURCE_DIR}/native/spool.cpp ${CMAKE_SOURCE_DIR}/native/spool_record.cpp
  ${CMAKE_SOURCE_DIR}/native/config.cpp
  ${CMAKE_SOURCE_DIR}/native/users.cpp ${CMAKE_SOURCE_DIR}/native/local_delivery.cpp
  ${CMAKE_SOURCE_DIR}/native/log.cpp ${CMAKE_SOURCE_DIR}/native/fd_budget.cpp
  ${CMAKE_SOURCE_DIR}/native/tls_cert.cpp
  ${CMAKE_SOURCE_DIR}/native/inbox_store.cpp ${CMAKE_SOURCE_DIR}/native/mailpit_api.cpp
  ${CMAKE_SOURCE_DIR}/native/http_auth.cpp ${CMAKE_SOURCE_DIR}/native/chaos_api.cpp
  ${CMAKE_SOURCE_DIR}/native/live_hub.cpp ${CMAKE_SOURCE_DIR}/native/live_event.cpp
  ${CMAKE_SOURCE_DIR}/native/rooms.cpp)
add_library(native_core STATIC ${RELAYLAB_NATIVE_CORE_SOURCES})
target_link_libraries(native_core PUBLIC engine sim PkgConfig::SODIUM OpenSSL::Crypto)
target_include_directories(native_core SYSTEM PRIVATE ${RELAYLAB_THIRD_INCLUDE})

file(GLOB RELAYLAB_NATIVE_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/native/*.cpp)
list(REMOVE_ITEM RELAYLAB_NATIVE_SOURCES ${RELAYLAB_NATIVE_CORE_SOURCES})
add_executable(relaylab ${RELAYLAB_NATIVE_SOURCES})
target_link_libraries(relaylab PRIVATE native_core sim engine CLI11::CLI11 Threads::Threads
  OpenSSL::SSL OpenSSL::Crypto PkgConfig::SODIUM PkgConfig::CARES)
target_include_directories(relaylab SYSTEM PRIVATE ${RELAYLAB_THIRD_INCLUDE})
# Boost 1.74's awaitable.hpp uses std::exchange without <utility> (GCC 12, C++20); the
# relay's files include native/asio.hpp, which includes <utility> first.
target_compile_definitions(relaylab PRIVATE BOOST_ASIO_NO_DEPRECATED)
set_target_properties(relaylab PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})

# Integration tests: real clients (swaks, smtplib, openssl, dnsmasq) against `relaylab serve`
# on loopback addresses only; tests/integration/lib.sh reserves free ports for each run.
file(GLOB RELAYLAB_INTEGRATION_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/integration/*_test.sh)
foreach(script ${RELAYLAB_INTEGRATION_TESTS})
  get_filename_component(name ${script} NAME_WE)
  add_test(NAME integration.${name} COMMAND bash ${script} $<TARGET_FILE:relaylab>)
  set_tests_properties(integration.${name} PROPERTIES TIMEOUT 300 LABELS integration)
endforeach()
