strata_test_exe(test_checkpoint ${STRATA_AREA_DIR}/test_checkpoint.c)
strata_mpi_test(checkpoint EXE test_checkpoint NPROCS 1 2 4)
