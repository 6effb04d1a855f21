# Slurm tests: each starts a private single-node cluster (slurm/cluster.sh) in a temporary
# directory and stops it with a trap.  RESOURCE_LOCK slurm: never two clusters at once (they
# would share the node's cores and slow each other's jobs).
# name:script[:argument]
set(STRATA_SLURM_TESTS cluster:cluster factor_srun:factor_srun requeue:requeue:factor
    requeue_nmf:requeue:nmf array:array monitor:monitor templates:templates scaling:scaling)
foreach(spec ${STRATA_SLURM_TESTS})
  string(REPLACE ":" ";" spec "${spec}")
  list(GET spec 0 name)
  list(GET spec 1 script)
  set(extra)
  list(LENGTH spec n)
  if(n GREATER 2)
    list(GET spec 2 extra)
  endif()
  if(name STREQUAL "cluster")
    set(extra $<TARGET_FILE:test_core>)
  endif()
  strata_script_test(slurm_${name} NPROCS 2 LABELS slurm
                     COMMAND bash ${STRATA_AREA_DIR}/t_${script}.sh ${extra})
  set_tests_properties(slurm_${name}_np2 PROPERTIES RESOURCE_LOCK slurm TIMEOUT 240)
endforeach()
