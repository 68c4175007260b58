# The relaylab command (native): the CLI, the simulator front end and the relay.
# Included from the top-level CMakeLists.txt (native configuration only).
file(GLOB RELAYLAB_NATIVE_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/native/*.cpp)
add_executable(relaylab ${RELAYLAB_NATIVE_SOURCES})
target_link_libraries(relaylab PRIVATE sim engine CLI11::CLI11 Threads::Threads)
target_include_directories(relaylab SYSTEM PRIVATE ${RELAYLAB_THIRD_INCLUDE})
set_target_properties(relaylab PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
