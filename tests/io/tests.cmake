# io: h5util helpers, cohort reader/writer, import/check/info commands.
strata_test_exe(test_h5util ${STRATA_AREA_DIR}/test_h5util.c)
strata_script_test(io_h5util NPROCS 1 COMMAND bash -c
  "$<TARGET_FILE:test_h5util> h5util_out.h5 && ${STRATA_PYTHON} ${STRATA_AREA_DIR}/check_h5util.py h5util_out.h5")
strata_test_exe(test_cohort ${STRATA_AREA_DIR}/test_cohort.c)
strata_script_test(io_cohort NPROCS 1 2 4 COMMAND bash ${STRATA_AREA_DIR}/run_cohort.sh $<TARGET_FILE:test_cohort>)
