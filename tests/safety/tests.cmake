# safety (issue 14, items 1, 2, 4, 5): nothing a user gives strata is destroyed.
# an output is never an input (identity, symlinks, hard links, checkpoints, prefixes, event
# files); a missing output directory is exit 3 before any work
strata_script_test(safety_paths NPROCS 1 2 4 COMMAND bash ${STRATA_AREA_DIR}/paths.sh)
