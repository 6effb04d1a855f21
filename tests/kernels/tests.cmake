# The tall-skinny kernels (solvers/kernels.c) against cblas_dgemm: every instruction set the CPU
# has, odd shapes and every tile tail, padded leading dimensions, both operand layouts.
strata_test_exe(test_kernels ${STRATA_AREA_DIR}/test_kernels.c)
strata_mpi_test(kernels EXE test_kernels NPROCS 1)
