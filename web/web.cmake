# The user interface builds: the WebAssembly page (with Emscripten) and the native
# desktop window. Included from the top-level CMakeLists.txt in both configurations.
if(EMSCRIPTEN)
  if(NOT EXISTS ${RELAYLAB_IMGUI_DIR}/imgui.h)
    message(FATAL_ERROR "Dear ImGui sources not found in ${RELAYLAB_IMGUI_DIR}: run scripts/bootstrap")
  endif()

  # Fonts: DejaVu from fonts-dejavu-core, cut to the glyphs the UI uses (the same set
  # as ui::glyph_ranges() in web/ui/theme.cpp) and without hinting, which Dear ImGui's
  # rasteriser ignores: 760 KB + 340 KB become about 40 KB + 30 KB. Without fontTools
  # (Debian: python3-fonttools) the whole fonts are shipped.
  set(FONT /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf)
  set(FONT_MONO /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf)
  # Latin-1, Latin Extended-A and -B, Greek and Coptic, Cyrillic (names and addresses in
  # many languages, e.g. SMTPUTF8's ü@dest.test), then the UI's signs: the same ranges as
  # glyph_ranges() in web/ui/theme.cpp.
  set(RELAYLAB_GLYPHS "U+0020-024F,U+0370-03FF,U+0400-04FF,U+2013-2014,U+2018-201D,U+2022,U+2026,U+2190-2193,U+2212,U+25A0,U+25B6,U+25C0,U+2713,U+2717")
  find_program(RELAYLAB_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  if(NOT RELAYLAB_PYTHON3)
    find_program(RELAYLAB_PYTHON3 NAMES python3)
  endif()
  set(fonttools_ok 1)
  if(RELAYLAB_PYTHON3)
    execute_process(COMMAND ${RELAYLAB_PYTHON3} -c "import fontTools.subset"
                    RESULT_VARIABLE fonttools_ok OUTPUT_QUIET ERROR_QUIET)
  endif()
  set(WEB_FONT_DIR ${CMAKE_BINARY_DIR}/web_fonts)
  set(WEB_FONTS ${WEB_FONT_DIR}/DejaVuSans.ttf ${WEB_FONT_DIR}/DejaVuSansMono.ttf)
  if(fonttools_ok EQUAL 0)
    foreach(pair "${FONT}|DejaVuSans.ttf" "${FONT_MONO}|DejaVuSansMono.ttf")
      string(REPLACE "|" ";" pair "${pair}")
      list(GET pair 0 src)
      list(GET pair 1 dst)
      add_custom_command(OUTPUT ${WEB_FONT_DIR}/${dst}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${WEB_FONT_DIR}
        COMMAND ${RELAYLAB_PYTHON3} -m fontTools.subset ${src} --unicodes=${RELAYLAB_GLYPHS}
                --no-hinting --layout-features= --output-file=${WEB_FONT_DIR}/${dst}
        DEPENDS ${src} ${CMAKE_SOURCE_DIR}/web/web.cmake
        COMMENT "Subsetting ${dst} for the web page")
    endforeach()
  else()
    message(WARNING "fontTools not found (apt-get install python3-fonttools): shipping whole fonts")
    add_custom_command(OUTPUT ${WEB_FONTS}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${WEB_FONT_DIR}
      COMMAND ${CMAKE_COMMAND} -E copy ${FONT} ${FONT_MONO} ${WEB_FONT_DIR}/
      DEPENDS ${FONT} ${FONT_MONO})
  endif()
  add_custom_target(relaylab_web_fonts DEPENDS ${WEB_FONTS})

  set(WEB_FLAGS -sUSE_GLFW=3)
  relaylab_add_imgui(imgui_web)
  add_executable(relaylab_web web/main_web.cpp ${RELAYLAB_UI_SOURCES})
  add_dependencies(relaylab_web relaylab_web_fonts)
  target_link_libraries(relaylab_web PRIVATE sim engine imgui_web)
  # EM_ASM blocks name their arguments $0, $1, ...
  target_compile_options(relaylab_web PRIVATE -Wno-dollar-in-identifier-extension)
  target_link_options(relaylab_web PRIVATE ${WEB_FLAGS}
    -sUSE_WEBGL2=1 -sFULL_ES3=1 -sALLOW_MEMORY_GROWTH=1 -sENVIRONMENT=web
    -sEXPORTED_FUNCTIONS=_main,_malloc,_free,_relaylab_version,_relaylab_call
    -sEXPORTED_RUNTIME_METHODS=ccall,cwrap,UTF8ToString
    "SHELL:--preload-file ${WEB_FONT_DIR}/DejaVuSans.ttf@/assets/DejaVuSans.ttf"
    "SHELL:--preload-file ${WEB_FONT_DIR}/DejaVuSansMono.ttf@/assets/DejaVuSansMono.ttf")
  set_target_properties(relaylab_web PROPERTIES OUTPUT_NAME relaylab SUFFIX ".js"
    RUNTIME_OUTPUT_DIRECTORY ${RELAYLAB_WEB_OUT})
  set_property(TARGET relaylab_web APPEND PROPERTY LINK_DEPENDS ${WEB_FONTS})
  # The page's own files (index.html and any script or style beside it).
  file(GLOB RELAYLAB_PAGE_FILES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/assets/web/*)
  add_custom_command(TARGET relaylab_web POST_BUILD
    COMMAND ${CMAKE_COMMAND} -E copy_if_different ${RELAYLAB_PAGE_FILES} ${RELAYLAB_WEB_OUT}/)

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
      # Xvfb + relaylab-desktop + `import -window root`: the window draws (tests/desktop/run.sh).
      add_test(NAME desktop COMMAND ${CMAKE_SOURCE_DIR}/tests/desktop/run.sh $<TARGET_FILE:relaylab-desktop>)
      set_tests_properties(desktop PROPERTIES TIMEOUT 60)
    endif()
  endif()
endif()
