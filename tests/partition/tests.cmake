strata_test_exe(test_redist ${STRATA_AREA_DIR}/test_redist.c)
strata_mpi_test(partition_redist EXE test_redist NPROCS 1 2 4)
