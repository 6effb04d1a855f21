#!/bin/bash
# A 2-task strata factor job submitted with slurm/factor.sbatch (srun --mpi=pmix inside the
# batch job) gives the same model as the same run under mpirun -n 2, and the template passed
# the monitor endpoint file in the submit directory (t_monitor.sh follows a job through it).
source "$(dirname "$0")/lib.sh"
start_cluster
cd "$TMP" || exit 1
make_cohort "$TMP/c.h5mu"
args=(-k 5 --max-iter 150 --seed 3)

j=$(sbatch --parsable -n 2 "$SLURM_SRC/factor.sbatch" c.h5mu -o srun.h5 "${args[@]}") || { bad "sbatch"; finish; }
mpi 2 "$STRATA_BIN" factor c.h5mu -o mpirun.h5 "${args[@]}" >mpirun.out 2>&1 || { bad "mpirun factor"; show mpirun.out; }
st=$(wait_job "$j" 150)
if [ "$st" = COMPLETED ] && [ "$(job_exit "$j")" = 0:0 ]; then
  ok "factor job $j COMPLETED, exit 0:0"
else
  bad "factor job $j: $st exit $(job_exit "$j")"; show "strata-factor.$j.out"
fi
grep -q "srun --mpi=pmix .* factor --monitor tcp://127.0.0.1:0 --monitor-file $TMP/strata-monitor.$j.endpoint" "strata-factor.$j.out" \
  && ok "the template ran srun --mpi=pmix with the monitor file in the submit directory" \
  || { bad "srun line"; show "strata-factor.$j.out"; }
grep -q "grid 1x2\|grid 2x1" "strata-factor.$j.out" && ok "the job ran on 2 ranks" || { bad "not 2 ranks"; show "strata-factor.$j.out"; }
if msg=$(same_factor srun.h5 mpirun.h5 1e-12 2>&1); then ok "srun result == mpirun result: $msg"; else bad "$msg"; fi
finish
