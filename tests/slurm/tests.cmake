# Slurm tests: each starts a private single-node cluster (slurm/cluster.sh) in a temporary
# directory and stops it with a trap.  RESOURCE_LOCK slurm: never two clusters at once (they
# would share the node's cores and slow each other's jobs).
set(STRATA_SLURM_TESTS cluster factor_srun requeue array monitor templates scaling)
foreach(t ${STRATA_SLURM_TESTS})
  set(extra)
  if(t STREQUAL "cluster")
    set(extra $<TARGET_FILE:test_core>)
  endif()
  strata_script_test(slurm_${t} NPROCS 2 LABELS slurm
                     COMMAND bash ${STRATA_AREA_DIR}/t_${t}.sh ${extra})
  set_tests_properties(slurm_${t}_np2 PROPERTIES RESOURCE_LOCK slurm TIMEOUT 240)
endforeach()
