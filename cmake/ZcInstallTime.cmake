# Runs inside `cmake --install` / `cpack` (install(CODE) in ZcInstall.cmake): writes the files that name installed
# paths with the prefix of this installation, and installs them (file(INSTALL) puts them under $DESTDIR, as
# every other file).
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(ZC_INSTALL_FULL_SYSCONFDIR /etc)
else()
  set(ZC_INSTALL_FULL_SYSCONFDIR ${CMAKE_INSTALL_PREFIX}/etc)
endif()
set(CMAKE_INSTALL_FULL_BINDIR ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR})
set(CMAKE_INSTALL_FULL_DOCDIR ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DOCDIR})

function(zc_install_file file destination)
  file(INSTALL DESTINATION "${destination}" TYPE FILE FILES "${file}")
endfunction()

configure_file(${ZC_SOURCE_DIR}/cmake/zcrec.pc.in ${ZC_INSTALL_TIME_DIR}/zcrec.pc @ONLY)
zc_install_file(${ZC_INSTALL_TIME_DIR}/zcrec.pc ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig)

if(ZC_WITH_SERVICE)
  configure_file(${ZC_SOURCE_DIR}/service/systemd/zcrecd.service.in ${ZC_INSTALL_TIME_DIR}/zcrecd.service @ONLY)
  zc_install_file(${ZC_INSTALL_TIME_DIR}/zcrecd.service ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
  # The unit's configuration: a conffile of the package; an existing one is never overwritten by an install.
  if(EXISTS "$ENV{DESTDIR}${ZC_INSTALL_FULL_SYSCONFDIR}/zcrec/zcrecd.yaml")
    message(STATUS "Kept: $ENV{DESTDIR}${ZC_INSTALL_FULL_SYSCONFDIR}/zcrec/zcrecd.yaml")
  else()
    configure_file(${ZC_SOURCE_DIR}/service/systemd/zcrecd.yaml.in ${ZC_INSTALL_TIME_DIR}/zcrecd.yaml @ONLY)
    zc_install_file(${ZC_INSTALL_TIME_DIR}/zcrecd.yaml ${ZC_INSTALL_FULL_SYSCONFDIR}/zcrec)
  endif()
endif()
