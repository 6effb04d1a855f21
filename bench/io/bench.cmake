# Cohort I/O benchmark (issue 2): bench/io/run.sh writes a multi-GB cohort with the parallel
# writer and reads it back at np 1 and 2 against the sequential bandwidth of dd.
add_executable(bench_io ${STRATA_AREA_DIR}/bench_io.c)
target_link_libraries(bench_io PRIVATE strata_core)
target_include_directories(bench_io PRIVATE ${PROJECT_SOURCE_DIR})
