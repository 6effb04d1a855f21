#!/bin/bash
# slurm/sweep.sbatch as a job array: every task runs the row of the parameter table its
# SLURM_ARRAY_TASK_ID names (k, method, seed, options) and writes its own result; a task
# index past the table fails with exit code 2 and a message naming the table.
source "$(dirname "$0")/lib.sh"
start_cluster
cd "$TMP" || exit 1
make_cohort "$TMP/c.h5mu"
printf '# a small sweep\nk\tmethod\tseed\toptions\n3\tfactor\t1\t--max-iter 40\n2\tfactor:random\t2\t--max-iter 40\n2\tnmf:hals\t1\t--max-iter 40 --views rna --negative shift\n' >params.tsv

a=$(sbatch --parsable --array=1-3 -n 1 "$SLURM_SRC/sweep.sbatch" params.tsv c.h5mu out) || { bad "sbatch --array"; finish; }
for t in 1 2 3; do
  st=$(wait_job "${a}_$t" 150)
  if [ "$st" = COMPLETED ]; then ok "array task $t COMPLETED"; else bad "array task $t: $st"; show "strata-sweep.${a}_$t.out"; fi
done
[ "$(squeue -h -t all -j "$a" -o %i | sort | tr '\n' ' ')" = "${a}_1 ${a}_2 ${a}_3 " ] \
  && ok "squeue lists the three tasks" || bad "squeue tasks: $(squeue -h -t all -j "$a" -o %i | tr '\n' ' ')"
for f in out/1.factor.k3.seed1.h5 out/2.factor_random.k2.seed2.h5 out/3.nmf_hals.k2.seed1.h5mu; do
  [ -s "$f" ] && ok "result $f" || bad "missing $f"
done
"$PY" - <<'PY' && ok "each task used its own row (K, init, seed, solver, views)" || bad "task parameters"
import h5py
a = h5py.File("out/1.factor.k3.seed1.h5", "r")
b = h5py.File("out/2.factor_random.k2.seed2.h5", "r")
assert a["expectations/Z/group1"].shape[0] <= 3 and b["expectations/Z/group1"].shape[0] <= 2
c = h5py.File("out/3.nmf_hals.k2.seed1.h5mu", "r")
assert c["obsm/X_nmf"].shape[1] == 2, c["obsm/X_nmf"].shape
assert c["mod/rna/varm/W_nmf"].shape == (300, 2), c["mod/rna/varm/W_nmf"].shape
PY
grep -q "array task 2: factor:random k=2 seed=2" "strata-sweep.${a}_2.out" && grep -q -- "--init random" "strata-sweep.${a}_2.out" \
  && ok "task 2 log names its row and passes --init random" || { bad "task 2 log"; show "strata-sweep.${a}_2.out"; }

b=$(sbatch --parsable --array=4 -n 1 "$SLURM_SRC/sweep.sbatch" params.tsv c.h5mu out)
st=$(wait_job "${b}_4" 60)
[ "$st" = FAILED ] && [ "$(job_exit "${b}_4")" = 2:0 ] && grep -q "params.tsv': only 3 parameter rows" "strata-sweep.${b}_4.out" \
  && ok "task 4 of a 3-row table: FAILED, exit 2, message names the table" \
  || { bad "task 4: $st $(job_exit "${b}_4")"; show "strata-sweep.${b}_4.out"; }
finish
