# The user interface builds: the WebAssembly page (with Emscripten) and the native
# desktop window. Included from the top-level CMakeLists.txt in both configurations.
if(EMSCRIPTEN)
  if(NOT EXISTS ${RELAYLAB_IMGUI_DIR}/imgui.h)
    message(FATAL_ERROR "Dear ImGui sources not found in ${RELAYLAB_IMGUI_DIR}: run scripts/bootstrap")
  endif()
  set(WEB_FLAGS -sUSE_GLFW=3)
  relaylab_add_imgui(imgui_web)
  add_executable(relaylab_web web/main_web.cpp ${RELAYLAB_UI_SOURCES})
  target_link_libraries(relaylab_web PRIVATE sim engine imgui_web)
  # EM_ASM blocks name their arguments $0, $1, ...
  target_compile_options(relaylab_web PRIVATE -Wno-dollar-in-identifier-extension)
  set(FONT /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf)
  target_link_options(relaylab_web PRIVATE ${WEB_FLAGS}
    -sUSE_WEBGL2=1 -sFULL_ES3=1 -sALLOW_MEMORY_GROWTH=1 -sENVIRONMENT=web
    -sEXPORTED_FUNCTIONS=_main,_malloc,_free
    -sEXPORTED_RUNTIME_METHODS=ccall,cwrap,UTF8ToString
    "SHELL:--preload-file ${FONT}@/assets/DejaVuSans.ttf")
  set_target_properties(relaylab_web PROPERTIES OUTPUT_NAME relaylab SUFFIX ".js"
    RUNTIME_OUTPUT_DIRECTORY ${RELAYLAB_WEB_OUT})
  set_property(TARGET relaylab_web APPEND PROPERTY LINK_DEPENDS ${FONT})
  add_custom_command(TARGET relaylab_web POST_BUILD
    COMMAND ${CMAKE_COMMAND} -E copy_if_different
            ${CMAKE_SOURCE_DIR}/assets/web/index.html ${RELAYLAB_WEB_OUT}/index.html)
else()
  if(RELAYLAB_DESKTOP AND EXISTS ${RELAYLAB_IMGUI_DIR}/imgui.h)
    find_package(glfw3 CONFIG QUIET)
    find_package(OpenGL QUIET)
    if(glfw3_FOUND AND OpenGL_FOUND)
      relaylab_add_imgui(imgui_desktop)
      target_link_libraries(imgui_desktop PUBLIC glfw OpenGL::GL)
      add_executable(relaylab-desktop web/main_desktop.cpp ${RELAYLAB_UI_SOURCES})
      target_link_libraries(relaylab-desktop PRIVATE sim engine imgui_desktop)
      set_target_properties(relaylab-desktop PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
    endif()
  endif()
endif()
