# strata_module(NAME SOURCES ... [USES module ...] [LIBS lib ...] [PRIVATE_INCLUDES dir ...])
#
# One folder = one object library strata_<NAME> (position-independent, for the shared and the
# static libstrata).  USES names the strata folders it may call (the allowed arrows of
# docs/design.md); LIBS the third-party libraries it may call.  Nothing else is visible to it:
# HDF5's headers, for instance, are on io/'s include path only.
#
# The arrow check: strata_<NAME>_arrows, a shared library of the same objects linked with
# -Wl,--no-undefined against the arrow checks of USES and LIBS only.  A call across a forbidden
# arrow is an undefined symbol there, and the build stops naming it.  (Not installed.)
set(STRATA_MODULES "" CACHE INTERNAL "")
function(strata_module name)
  cmake_parse_arguments(M "" "" "SOURCES;USES;LIBS;PRIVATE_INCLUDES" ${ARGN})
  set(t strata_${name})
  add_library(${t} OBJECT ${M_SOURCES})
  set_target_properties(${t} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  target_include_directories(${t} PUBLIC ${PROJECT_SOURCE_DIR}/include ${STRATA_GENERATED}
                             PRIVATE ${PROJECT_SOURCE_DIR} ${M_PRIVATE_INCLUDES})
  target_compile_definitions(${t} PUBLIC _POSIX_C_SOURCE=200809L _DEFAULT_SOURCE)
  target_link_libraries(${t} PUBLIC MPI::MPI_C PRIVATE ${M_LIBS})
  foreach(u ${M_USES})
    target_link_libraries(${t} PRIVATE strata_${u})
  endforeach()
  add_library(${t}_arrows SHARED $<TARGET_OBJECTS:${t}>)
  target_link_options(${t}_arrows PRIVATE -Wl,--no-undefined)
  set_target_properties(${t}_arrows PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/arrows)
  target_link_libraries(${t}_arrows PRIVATE MPI::MPI_C ${M_LIBS})
  foreach(u ${M_USES})
    target_link_libraries(${t}_arrows PRIVATE strata_${u}_arrows)
  endforeach()
  set(STRATA_MODULES ${STRATA_MODULES} ${name} CACHE INTERNAL "")
endfunction()
