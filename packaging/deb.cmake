# The Debian packages, by `cpack -G DEB` (script/package configures a build
# for it: prefix /usr, the unit where this distribution's systemd keeps
# packaged units).  Two packages from the install components:
#   sealguard         the daemon, sealctl, libsealguard.so.0, the fcntl shim,
#                     the unit, the manual pages, the policies as examples
#   libsealguard-dev  sealguard.h, libsealguard.so and .a, libsealguard.pc,
#                     sg_add_seals(3)
# Dependencies are computed by dpkg-shlibdeps from what the binaries link.

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sealguard)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${SG_DEB_MAINTAINER})
# No CPACK_PACKAGE_DESCRIPTION_SUMMARY: CPackDeb would put it before each
# component's description, whose first line is its own synopsis.
# Absolute destinations (the unit) land in the package, never on this host.
set(CPACK_SET_DESTDIR ON)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR})
set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_CURRENT_LIST_DIR}/cpack-check.cmake)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL sealguard dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${SG_DEB_REVISION})
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Debian packages ship stripped binaries.
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_SEALGUARD_PACKAGE_NAME sealguard)
set(CPACK_DEBIAN_SEALGUARD_PACKAGE_SECTION admin)
# libsealguard.so.0 is in this package: a shlibs file, and the ldconfig
# trigger (debian/triggers; CPack would call ldconfig from postinst and
# postrm, but those are ours).
set(CPACK_DEBIAN_SEALGUARD_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_DEBIAN_SEALGUARD_PACKAGE_CONTROL_EXTRA
  ${CMAKE_CURRENT_LIST_DIR}/debian/postinst
  ${CMAKE_CURRENT_LIST_DIR}/debian/prerm
  ${CMAKE_CURRENT_LIST_DIR}/debian/postrm
  ${CMAKE_CURRENT_LIST_DIR}/debian/triggers)
set(CPACK_COMPONENT_SEALGUARD_DESCRIPTION "seal policy enforcer on the BPF LSM
sealguard brings memfd seal semantics (F_SEAL_WRITE, SHRINK, GROW,
FUTURE_WRITE, EXEC) to any file and any holder, by policy: BPF LSM
programs enforce the seals with the kernel's own errnos, and the daemon
sealguardd adds seals on request (libsealguard, sealctl) or by policy.
.
The package holds sealguardd, sealctl, libsealguard, the fcntl shim
libsealguard-fcntl.so (F_ADD_SEALS and F_GET_SEALS through sealguard for
unmodified programs), the systemd unit (not enabled) and the shipped
policies as examples in /usr/share/sealguard/policies.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libsealguard-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_COMPONENT_DEV_DESCRIPTION "seal policy enforcer on the BPF LSM - development files
sg_add_seals() and sg_get_seals(), fcntl-style seals on any file through
sealguardd: the header, the shared library's link, the static library,
the pkg-config file and the manual page.")

include(CPack)
cpack_add_component(sealguard DISPLAY_NAME sealguard)
cpack_add_component(dev DISPLAY_NAME libsealguard-dev DEPENDS sealguard)
