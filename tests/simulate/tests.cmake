# strata simulate: identical output for any rank count, planted truth consistent with the data,
# bad options.  The scripts import simlib.py from this directory.
set(STRATA_SIM_PY env PYTHONPATH=${STRATA_AREA_DIR} ${STRATA_PYTHON})
strata_script_test(simulate_identical NPROCS 1 2 4 COMMAND ${STRATA_SIM_PY} ${STRATA_AREA_DIR}/test_identical.py)
strata_script_test(simulate_truth NPROCS 1 2 4 COMMAND ${STRATA_SIM_PY} ${STRATA_AREA_DIR}/test_truth.py)
strata_script_test(simulate_errors NPROCS 1 2 COMMAND ${STRATA_SIM_PY} ${STRATA_AREA_DIR}/test_errors.py)
