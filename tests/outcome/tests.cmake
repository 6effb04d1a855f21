# Outcome models (Cox, C-index, Kaplan-Meier, log-rank) against R's survival package through
# committed fixtures (make_fixtures.R wrote data/reference.tsv; CI needs no R), np 1, 2, 4.
strata_test_exe(test_outcome ${STRATA_AREA_DIR}/test_outcome.c)
strata_mpi_test(outcome_lib EXE test_outcome NPROCS 1 2 4 ARGS ${STRATA_AREA_DIR}/data)
# strata outcome end to end: the CLI's TSV tables against the same R fixtures, region-level
# predictors through --patient-rule, missing outcomes counted, error exits (np 1, 2, 4).
strata_script_test(outcome_cli NPROCS 1 2 4 COMMAND ${STRATA_PYTHON} ${STRATA_AREA_DIR}/cli_outcome.py)
