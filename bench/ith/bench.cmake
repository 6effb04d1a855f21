# ITH benchmark (issue 6): a simulated 100x TRACERx100 cohort; bench/ith/run.sh runs it.
add_executable(gen_mutations ${STRATA_AREA_DIR}/gen_mutations.c)
