# Factor model benchmark (issue 4): bench/factor/run.sh runs it against MOFA v1 (mofapy).
add_executable(bench_factor ${STRATA_AREA_DIR}/bench_factor.c)
target_link_libraries(bench_factor PRIVATE strata_core)
target_include_directories(bench_factor PRIVATE ${PROJECT_SOURCE_DIR})
