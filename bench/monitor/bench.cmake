# Monitor overhead benchmark (issue 5): bench/monitor/run.sh runs it.
add_executable(bench_monitor ${STRATA_AREA_DIR}/bench_monitor.c)
target_link_libraries(bench_monitor PRIVATE strata_core)
target_include_directories(bench_monitor PRIVATE ${PROJECT_SOURCE_DIR})
