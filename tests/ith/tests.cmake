# ITH (issue 6): metric unit tests on hand-computed cases at np 1, 2, 4; CRC_HZ end to end
# (MesKit vignette V402 JSI = 0.341, independent Python reference, np-identical tables);
# latent-space ITH vs numpy (MOFA2 model and .h5mu); GDC, PyClone-VI and CONIPHER inputs;
# bad-input errors of the mutation readers.
strata_test_exe(test_ith ${STRATA_AREA_DIR}/test_ith.c)
strata_mpi_test(ith_unit EXE test_ith NPROCS 1 2 4)
strata_script_test(ith_crc_hz NPROCS 1 2 4 COMMAND bash ${STRATA_AREA_DIR}/crc_hz.sh)
strata_script_test(ith_errors NPROCS 1 2 COMMAND bash ${STRATA_AREA_DIR}/errors.sh)
strata_script_test(ith_formats NPROCS 1 2 COMMAND bash ${STRATA_AREA_DIR}/formats.sh)
strata_script_test(ith_latent NPROCS 1 2 4 COMMAND bash ${STRATA_AREA_DIR}/latent.sh)
