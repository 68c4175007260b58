# Writes a C++ source holding every assets/scenarios/*.json as a string, so that the
# relaylab binary and the web page carry the built-in scenarios with them.
# Usage: cmake -DSCENARIO_DIR=... -DOUTPUT=... -P embed-scenarios.cmake
file(GLOB files "${SCENARIO_DIR}/*.json")
list(SORT files)
set(out "// Generated from assets/scenarios by scripts/embed-scenarios.cmake: do not edit.\n")
string(APPEND out "#include \"sim/library.hpp\"\n\nnamespace relaylab::sim {\n\nnamespace {\n")
string(APPEND out "const BuiltinScenario k_builtin[] = {\n")
foreach(f ${files})
  get_filename_component(name "${f}" NAME_WE)
  file(READ "${f}" text)
  # A built-in scenario must say how it ends (the unit tests check every one against its
  # "expect" block); only a user's own world file may leave it out.
  string(JSON n_expect ERROR_VARIABLE err LENGTH "${text}" expect)
  if(err OR n_expect EQUAL 0)
    message(FATAL_ERROR "${f}: a built-in scenario needs a non-empty \"expect\" array (${err})")
  endif()
  string(APPEND out "    {\"${name}\", R\"relaylab_json(${text})relaylab_json\"},\n")
endforeach()
string(APPEND out "};\n}  // namespace\n\n")
string(APPEND out "std::span<const BuiltinScenario> builtin_scenarios() { return k_builtin; }\n\n}  // namespace relaylab::sim\n")
file(WRITE "${OUTPUT}.tmp" "${out}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUTPUT}.tmp" "${OUTPUT}")
