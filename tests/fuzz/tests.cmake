# fuzz: the libFuzzer harnesses of every parser that reads a user's file (tests/fuzz/README.md).
# The suite builds them itself: fuzz_build configures tests/fuzz as a project of its own with
# clang (ASan + UBSan + libFuzzer) under this build tree, then each fuzz_<parser> test runs its
# seed corpus (with the regression inputs of every crash found) and new inputs for
# STRATA_FUZZ_SECONDS seconds.  A crash, leak, sanitizer report, harness check or an input over
# the per-input time limit fails the test and prints the input to reproduce.  Label: fuzz.
# The long runs are bench/fuzz/run.sh.
set(STRATA_FUZZ_SECONDS 15 CACHE STRING "seconds of new inputs per fuzz harness in the test suite")
set(STRATA_FUZZ_BUILD ${CMAKE_BINARY_DIR}/fuzz-build)
add_test(NAME fuzz_build COMMAND bash ${STRATA_AREA_DIR}/build.sh ${STRATA_FUZZ_BUILD})
set_tests_properties(fuzz_build PROPERTIES FIXTURES_SETUP strata_fuzz_build LABELS "fuzz"
                     TIMEOUT 1800 PROCESSORS 2)
file(GLOB STRATA_FUZZ_HARNESS_SOURCES CONFIGURE_DEPENDS ${STRATA_AREA_DIR}/fuzz_*.c)
list(REMOVE_ITEM STRATA_FUZZ_HARNESS_SOURCES ${STRATA_AREA_DIR}/fuzz_common.c)
foreach(src ${STRATA_FUZZ_HARNESS_SOURCES})
  get_filename_component(h ${src} NAME_WE)
  string(REGEX REPLACE "^fuzz_" "" h ${h})
  add_test(NAME fuzz_${h} COMMAND bash ${STRATA_AREA_DIR}/run.sh ${STRATA_FUZZ_BUILD} ${h} ${STRATA_FUZZ_SECONDS})
  set_tests_properties(fuzz_${h} PROPERTIES FIXTURES_REQUIRED strata_fuzz_build LABELS "fuzz"
                       TIMEOUT ${STRATA_TEST_TIMEOUT})
endforeach()
