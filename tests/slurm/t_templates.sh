#!/bin/bash
# The other templates end to end, chained with job dependencies as a user would: simulate.sbatch
# writes a cohort and mutation tables; pca.sbatch, ith.sbatch and nmf.sbatch (afterok) run on
# them.  Every job completes, writes its result, and ran its command through srun --mpi=pmix
# with the monitor options.
source "$(dirname "$0")/lib.sh"
start_cluster
cd "$TMP" || exit 1
S=$SLURM_SRC
a=$(sbatch --parsable -n 2 "$S/simulate.sbatch" -o c.h5mu --patients 20 --regions 3 --factors 4 \
      --views rna:gaussian:200,cn:gaussian:100 --mutations mut --mutations-per-patient 30) || { bad "sbatch simulate"; finish; }
p=$(sbatch --parsable -n 2 -d "afterok:$a" "$S/pca.sbatch" c.h5mu -o pca.h5mu -k 4)
i=$(sbatch --parsable -n 2 -d "afterok:$a" "$S/ith.sbatch" --maf mut.maf.tsv --clin mut.clin.tsv --ccf mut.ccf.tsv -o ith)
n=$(sbatch --parsable -n 2 -d "afterok:$a" "$S/nmf.sbatch" c.h5mu -o nmf.h5mu -k 3 --negative shift --max-iter 50)
for job in "simulate:$a:c.h5mu" "pca:$p:pca.h5mu" "ith:$i:ith.patient.tsv" "nmf:$n:nmf.h5mu"; do
  IFS=: read -r name id file <<<"$job"
  st=$(wait_job "$id" 120)
  out=strata-$name.$id.out
  if [ "$st" = COMPLETED ] && [ -s "$file" ] && grep -q "srun --mpi=pmix .*strata $name --monitor tcp://127.0.0.1:0 --monitor-file $TMP/strata-monitor.$id.endpoint" "$out"; then
    ok "$name.sbatch: COMPLETED, $file written"
  else
    bad "$name.sbatch: $st, $file $( [ -s "$file" ] && echo present || echo missing)"; show "$out"
  fi
done
"$PY" - <<'PY' && ok "results have the expected shapes" || bad "result shapes"
import h5py
c = h5py.File("c.h5mu", "r"); n = c["obs/_index"].shape[0]
assert n == 60, n
assert h5py.File("pca.h5mu", "r")["obsm/X_pca"].shape == (60, 4)
assert h5py.File("nmf.h5mu", "r")["obsm/X_nmf"].shape == (60, 3)
rows = [l for l in open("ith.patient.tsv") if not l.startswith("#")]
assert len(rows) == 21, len(rows)   # header + 20 patients
PY
finish
