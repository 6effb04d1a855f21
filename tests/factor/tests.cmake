strata_test_exe(test_factor ${STRATA_AREA_DIR}/test_factor.c)
# planted-truth recovery, ELBO monotone, np-rank fit == 1-rank fit, bad options
strata_mpi_test(factor EXE test_factor NPROCS 1 2 4 ARGS planted)
# checkpoint -> simulated signal -> resume in a new process equals the uninterrupted run
strata_script_test(factor_resume NPROCS 1 2 4
  COMMAND bash ${STRATA_AREA_DIR}/resume.sh $<TARGET_FILE:test_factor>)
# the command end to end: MOFA2 file (h5py), TSV, np == 1 rank, bad options, signal + resume
strata_script_test(factor_cli NPROCS 1 2 4
  COMMAND bash ${STRATA_AREA_DIR}/cli.sh $<TARGET_FILE:test_factor>)
