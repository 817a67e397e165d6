# zc_add_module(<name> [INTERNAL] <sources>...): every library module is declared the same way — target zc_<name>
# with the alias zc::<name>, built as libzcrec_<name>, its include/ public, its src/ private, the project's warnings
# on. The module's CMakeLists adds only what is its own: dependencies and extra include paths.
#
# A public module (fifo, media, catalog, recorder, playback) is what `cmake --install` and the Debian package ship:
# a shared library with a SONAME (libzcrec_<name>.so.${ZC_SOVERSION}, see ZC_SOVERSION) when ZC_SHARED_LIBS is ON (the default), a static
# one otherwise, and its headers. An INTERNAL module (units, service) is a static library linked into the zcrec and
# zcrecd executables only: it has no ABI to keep and is not installed.
function(zc_add_module name)
  set(target zc_${name})
  set(sources ${ARGN})
  set(internal OFF)
  if(sources AND "${ARGV1}" STREQUAL "INTERNAL")
    set(internal ON)
    list(POP_FRONT sources)
  endif()
  if(internal OR NOT ZC_SHARED_LIBS)
    add_library(${target} STATIC ${sources})
  else()
    add_library(${target} SHARED ${sources})
  endif()
  add_library(zc::${name} ALIAS ${target})
  # DEFINE_SYMBOL "": no -Dzc_<name>_EXPORTS on the shared build's command lines, so a static and a shared build
  # compile identical commands (ccache hits across them; nothing in zcrec uses the macro).
  set_target_properties(${target} PROPERTIES OUTPUT_NAME zcrec_${name} EXPORT_NAME ${name} DEFINE_SYMBOL ""
                                             VERSION ${PROJECT_VERSION} SOVERSION ${ZC_SOVERSION})
  target_include_directories(${target}
    PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  zc_set_warnings(${target})
  if(NOT internal)
    install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT zcrec)
  endif()
endfunction()
