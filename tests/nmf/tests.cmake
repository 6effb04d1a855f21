# Joint NMF: solver tests on every grid shape, and the strata nmf command end to end.
strata_test_exe(test_nmf ${STRATA_AREA_DIR}/test_nmf.c)
strata_mpi_test(nmf EXE test_nmf NPROCS 1 2 4)
strata_script_test(nmf_cli NPROCS 1 2 4 COMMAND ${STRATA_PYTHON} ${STRATA_AREA_DIR}/test_nmf_cli.py)
