# Outcome models (Cox, C-index, Kaplan-Meier, log-rank) against R's survival package through
# committed fixtures (make_fixtures.R wrote data/reference.tsv; CI needs no R), np 1, 2, 4.
strata_test_exe(test_outcome ${STRATA_AREA_DIR}/test_outcome.c)
strata_mpi_test(outcome_lib EXE test_outcome NPROCS 1 2 4 ARGS ${STRATA_AREA_DIR}/data)
