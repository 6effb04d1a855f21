# NMF benchmark (issue 8): bench/nmf/run.sh runs bench_nmf at np 1 and 2 against scikit-learn.
add_executable(bench_nmf ${STRATA_AREA_DIR}/bench_nmf.c)
target_link_libraries(bench_nmf PRIVATE strata_core)
target_include_directories(bench_nmf PRIVATE ${PROJECT_SOURCE_DIR})
