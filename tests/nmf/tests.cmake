strata_test_exe(test_nmf ${STRATA_AREA_DIR}/test_nmf.c)
strata_mpi_test(nmf EXE test_nmf NPROCS 1 2 4)
