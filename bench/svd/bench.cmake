# SVD/PCA benchmark (issue 3): bench/svd/run.sh runs bench_svd at np 1 and 2 and makes the table.
add_executable(bench_svd ${STRATA_AREA_DIR}/bench_svd.c)
target_link_libraries(bench_svd PRIVATE strata_core)
target_include_directories(bench_svd PRIVATE ${PROJECT_SOURCE_DIR})
