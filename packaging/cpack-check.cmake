# Read by cpack (CPACK_PROJECT_CONFIG_FILE): a Debian package of a build
# configured for /usr/local would start /usr/local/sbin/sealguardd.
if(CPACK_GENERATOR STREQUAL "DEB" AND NOT CPACK_PACKAGING_INSTALL_PREFIX STREQUAL "/usr")
  message(FATAL_ERROR "sealguard's Debian packages need a build configured with "
    "-DCMAKE_INSTALL_PREFIX=/usr (this one: ${CPACK_PACKAGING_INSTALL_PREFIX}); script/package does it")
endif()
