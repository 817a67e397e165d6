# `cmake --install` puts the executables, the libraries, headers, a CMake package (find_package(zcrec)), zcrec.pc,
# the systemd unit and the configuration in place; `cpack -G DEB` in the build directory packs the same tree into
# a Debian package (docs/packaging.md).
include(CMakePackageConfigHelpers)
set(ZC_INSTALL_TARGETS zc_fifo)
foreach(t zc_media zc_ingest zc_catalog zc_recorder zc_playback)
  if(TARGET ${t})
    list(APPEND ZC_INSTALL_TARGETS ${t})
  endif()
endforeach()
install(TARGETS ${ZC_INSTALL_TARGETS} EXPORT zcrecTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT zcrecTargets NAMESPACE zc:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/zcrec)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/zcrecConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/zcrecConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/zcrec)
# Before 1.0 a minor release may break the ABI (the SONAME says major.minor), so only the same minor is compatible.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(zc_compatibility SameMinorVersion)
else()
  set(zc_compatibility SameMajorVersion)
endif()
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/zcrecConfigVersion.cmake
  COMPATIBILITY ${zc_compatibility})
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/zcrecConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/zcrecConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/zcrec)

# Files that name installed paths are made at install time, not at configure time: `cpack` installs with its own
# prefix (/usr) from a build configured for another (by default /usr/local), and zcrec.pc, the unit and the
# configuration must be where the unit and the .pc say. cmake/ZcInstallTime.cmake does it with the prefix of the
# installation that runs; /etc is the configuration directory for the prefix /usr (Debian), <prefix>/etc for any
# other, so `cmake --install build --prefix ~/zc` writes nothing outside ~/zc.
install(CODE "
  set(ZC_SOURCE_DIR \"${PROJECT_SOURCE_DIR}\")
  set(ZC_INSTALL_TIME_DIR \"${CMAKE_CURRENT_BINARY_DIR}/install-time\")
  set(ZC_WITH_SERVICE $<TARGET_EXISTS:zcrecd>)
  set(PROJECT_VERSION \"${PROJECT_VERSION}\")
  set(CMAKE_INSTALL_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
  set(CMAKE_INSTALL_LIBDIR \"${CMAKE_INSTALL_LIBDIR}\")
  set(CMAKE_INSTALL_INCLUDEDIR \"${CMAKE_INSTALL_INCLUDEDIR}\")
  set(CMAKE_INSTALL_DOCDIR \"${CMAKE_INSTALL_DOCDIR}\")
  include(\"${CMAKE_CURRENT_LIST_DIR}/ZcInstallTime.cmake\")")
if(TARGET zcrecd)
  # The commented example of every key, next to the docs the unit points at.
  install(FILES ${PROJECT_SOURCE_DIR}/examples/zcrecd.yaml DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
  install(FILES ${PROJECT_SOURCE_DIR}/docs/service.md ${PROJECT_SOURCE_DIR}/docs/packaging.md
          DESTINATION ${CMAKE_INSTALL_DOCDIR})
endif()

# The Debian package: one package with everything above (docs/packaging.md says why one).
set(CPACK_PACKAGE_NAME zcrec)
set(CPACK_PACKAGE_VENDOR zcrec)
set(CPACK_PACKAGE_CONTACT "zcrec maintainers <zcrec@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "shared-memory live frame rings, pre-roll MP4 recording and playback for NVRs")
set(CPACK_PACKAGE_DESCRIPTION
    "zcrec moves live camera frames between processes through a shared-memory ring, records them with pre-roll
into fragmented MP4 segments indexed in SQLite, and replays them. This package has the zcrec command, the zcrecd
service with its systemd unit, and the libraries with their headers, CMake package and pkg-config file.")
# Install with CMAKE_INSTALL_PREFIX=/usr and DESTDIR=the staging tree, so that the files written at install time
# name /usr, not the staging directory.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION video)
# Stripped, as Debian ships binaries (the build tree keeps the debug information); it also makes packing fast.
set(CPACK_STRIP_FILES ON)
# Depends from the ELF files' needs (dpkg-shlibdeps); our own libraries are in the package itself, found in the
# build tree and skipped as "no package" (--ignore-missing-info).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS "")
foreach(t ${ZC_INSTALL_TARGETS})
  list(APPEND CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${CMAKE_BINARY_DIR}/${t})
endforeach()
list(TRANSFORM CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS REPLACE "/zc_([a-z]+)$" "/\\1")
# A shlibs file, so that packages built against these libraries get a Depends on this one.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
# The postinst makes the unit's user; the headers need FFmpeg's (zc/media includes them) to build against.
# `zcrec serve` loads GStreamer elements at run time (appsrc, the RTP payloaders): plugins, not linked libraries,
# so dpkg-shlibdeps cannot see them.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, gstreamer1.0-plugins-base, gstreamer1.0-plugins-good")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libavformat-dev, libavcodec-dev, libavutil-dev, libswscale-dev, pkg-config")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/service/systemd/postinst
                                       ${PROJECT_SOURCE_DIR}/service/systemd/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
