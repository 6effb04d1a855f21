strata_test_exe(test_core ${STRATA_AREA_DIR}/test_core.c)
strata_mpi_test(core EXE test_core NPROCS 1 2 4)
