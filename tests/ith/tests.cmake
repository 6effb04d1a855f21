# ITH (issue 6): metric unit tests on hand-computed cases at np 1, 2, 4; CRC_HZ end to end
# (MesKit vignette V402 JSI = 0.341, independent Python reference, np-identical tables);
# latent-space ITH vs numpy (MOFA2 model and .h5mu); GDC, PyClone-VI and CONIPHER inputs;
# bad-input errors of the mutation readers; NaN/inf/NUL in the inputs (exit 2 on every rank, file,
# line and column named, nothing written); a full disk (tmpfs mounted by the test, skipped where
# mounting is not allowed): exit 3 on every rank and no output or temporary left.
strata_test_exe(test_ith ${STRATA_AREA_DIR}/test_ith.c)
strata_mpi_test(ith_unit EXE test_ith NPROCS 1 2 4)
strata_script_test(ith_crc_hz NPROCS 1 2 4 COMMAND bash ${STRATA_AREA_DIR}/crc_hz.sh)
strata_script_test(ith_errors NPROCS 1 2 4 COMMAND bash ${STRATA_AREA_DIR}/errors.sh)
strata_script_test(ith_formats NPROCS 1 2 4 COMMAND bash ${STRATA_AREA_DIR}/formats.sh)
strata_script_test(ith_latent NPROCS 1 2 4 COMMAND bash ${STRATA_AREA_DIR}/latent.sh)
strata_script_test(ith_nonfinite NPROCS 1 2 4 COMMAND bash ${STRATA_AREA_DIR}/nonfinite.sh)
strata_script_test(ith_fulldisk NPROCS 1 2 4 COMMAND bash ${STRATA_AREA_DIR}/fulldisk.sh)
foreach(np 1 2 4)
  set_tests_properties(ith_fulldisk_np${np} PROPERTIES SKIP_RETURN_CODE 77)
endforeach()
