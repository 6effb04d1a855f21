# Distributed SVD/PCA: solver paths against LAPACK on every grid shape (np 1, 2, 4).
strata_test_exe(test_svd ${STRATA_AREA_DIR}/test_svd.c)
strata_mpi_test(svd_randomized EXE test_svd NPROCS 1 2 4 ARGS randomized)
strata_mpi_test(svd_exact EXE test_svd NPROCS 1 2 4 ARGS exact)
strata_mpi_test(svd_gram EXE test_svd NPROCS 1 2 4 ARGS gram)
# strata pca / svd end to end on an h5py-written cohort, against numpy (np 1, 2, 4).
strata_script_test(svd_cli NPROCS 1 2 4 COMMAND ${STRATA_PYTHON} ${STRATA_AREA_DIR}/cli_pca.py)
