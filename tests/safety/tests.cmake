# safety (issue 14, items 1, 2, 4, 5): nothing a user gives strata is destroyed.
# an output is never an input (identity, symlinks, hard links, checkpoints, prefixes, event
# files); a missing output directory is exit 3 before any work
strata_script_test(safety_paths NPROCS 1 2 4 COMMAND bash ${STRATA_AREA_DIR}/paths.sh)
# a full disk (1 MiB tmpfs mounted by the test, skipped with exit 77 without root) is exit 3 on
# every rank for simulate, import, factor, pca, nmf and a checkpoint, with nothing left behind
strata_script_test(safety_full_disk NPROCS 1 2 4 COMMAND bash ${STRATA_AREA_DIR}/full_disk.sh)
foreach(np 1 2 4)
  set_tests_properties(safety_full_disk_np${np} PROPERTIES SKIP_RETURN_CODE 77)
endforeach()
# temporaries left by killed runs (SIGKILL) are removed by the next run on the same output, and
# nothing else is (live pids, other names, inputs)
strata_script_test(safety_stale_tmp NPROCS 1 2 4 COMMAND bash ${STRATA_AREA_DIR}/stale_tmp.sh)
# SIGTERM to mpirun while factor iterates: checkpoint, exit 6, resumable
strata_script_test(safety_sigterm NPROCS 1 2 4 COMMAND bash ${STRATA_AREA_DIR}/sigterm.sh)
