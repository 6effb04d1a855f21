# io: h5util helpers, cohort reader/writer, import/check/info commands.
strata_test_exe(test_h5util ${STRATA_AREA_DIR}/test_h5util.c)
strata_script_test(io_h5util NPROCS 1 COMMAND bash -c
  "$<TARGET_FILE:test_h5util> h5util_out.h5 && ${STRATA_PYTHON} ${STRATA_AREA_DIR}/check_h5util.py h5util_out.h5")
strata_test_exe(test_cohort ${STRATA_AREA_DIR}/test_cohort.c)
strata_script_test(io_cohort NPROCS 1 2 4 COMMAND bash ${STRATA_AREA_DIR}/run_cohort.sh $<TARGET_FILE:test_cohort>)
strata_test_exe(cohort_dump ${STRATA_AREA_DIR}/cohort_dump.c)
strata_script_test(io_import NPROCS 1 2 4 COMMAND ${STRATA_PYTHON} ${STRATA_AREA_DIR}/test_import.py $<TARGET_FILE:cohort_dump>)
strata_script_test(io_interop NPROCS 1 2 4 COMMAND ${STRATA_PYTHON} ${STRATA_AREA_DIR}/test_interop.py $<TARGET_FILE:cohort_dump>)
strata_script_test(io_errors NPROCS 1 2 4 COMMAND ${STRATA_PYTHON} ${STRATA_AREA_DIR}/test_errors.py)
strata_script_test(io_usage NPROCS 1 COMMAND bash ${STRATA_AREA_DIR}/test_usage.sh)
# every integer option of every command is range-checked, naming the option (issue 14, item 7)
strata_script_test(io_options NPROCS 1 2 4 COMMAND bash ${STRATA_AREA_DIR}/test_options.sh)
# values that are not numbers: import refuses inf/1e400/NUL (or reads them as missing when asked),
# the methods refuse a cohort with +-Inf naming the first entry (issue 14, item 6)
strata_script_test(io_nonfinite NPROCS 1 2 4 COMMAND ${STRATA_PYTHON} ${STRATA_AREA_DIR}/test_nonfinite.py)
