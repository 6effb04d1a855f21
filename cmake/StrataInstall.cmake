# cmake --install: the strata command, libstrata (shared and static), the public headers with
# the umbrella strata/strata.h, a CMake package (find_package(strata): imported targets
# strata::strata_shared and strata::strata_static) and a pkg-config file (strata.pc).
install(TARGETS strata_shared strata_static EXPORT strataTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET strata)
  install(TARGETS strata RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
# The public headers (include/strata/*.h, the umbrella strata/strata.h among them) and the
# generated version header.
file(GLOB STRATA_PUBLIC_HEADERS ${PROJECT_SOURCE_DIR}/include/strata/*.h)
install(FILES ${STRATA_PUBLIC_HEADERS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/strata)
install(FILES ${STRATA_GENERATED}/strata/version.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/strata)

include(CMakePackageConfigHelpers)
set(STRATA_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/strata)
install(EXPORT strataTargets NAMESPACE strata:: DESTINATION ${STRATA_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/strataConfig.cmake.in
  ${PROJECT_BINARY_DIR}/strataConfig.cmake INSTALL_DESTINATION ${STRATA_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/strataConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/strataConfig.cmake ${PROJECT_BINARY_DIR}/strataConfigVersion.cmake
        DESTINATION ${STRATA_CMAKEDIR})

# pkg-config: the link line of the static library is in Libs.private / Requires.private
set(STRATA_PC_REQUIRES_PRIVATE "${STRATA_SCALAPACK_PC}")
if(STRATA_WITH_IO)
  string(APPEND STRATA_PC_REQUIRES_PRIVATE " libzmq jansson zlib")
  set(STRATA_PC_HDF5_CFLAGS "")
  foreach(d ${HDF5_INCLUDE_DIRS})
    string(APPEND STRATA_PC_HDF5_CFLAGS " -I${d}")
  endforeach()
endif()
get_filename_component(CBLAS_NAME ${CBLAS_LIB} NAME_WE)
string(REGEX REPLACE "^lib" "" CBLAS_NAME ${CBLAS_NAME})
set(STRATA_PC_LIBS_PRIVATE "-llapack -l${CBLAS_NAME} -lm -lpthread")
if(STRATA_WITH_IO)
  foreach(l ${HDF5_LIBRARIES})  # HDF5 itself; its own dependencies come with its shared library
    if(l MATCHES "hdf5")
      string(APPEND STRATA_PC_LIBS_PRIVATE " ${l}")
    endif()
  endforeach()
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/strata.pc.in ${PROJECT_BINARY_DIR}/strata.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/strata.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
