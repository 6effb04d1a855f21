#!/bin/bash
# strata monitor --file follows a Slurm job from outside it: the job (slurm/factor.sbatch)
# writes its endpoint to strata-monitor.<jobid>.endpoint in the submit directory; a monitor
# started right after sbatch, outside the job, waits for that file, receives the run's
# events up to run_end and exits with the run's exit code.  The run lasts seconds (10000
# iterations): a run shorter than the subscription handshake could end before any event arrives.
source "$(dirname "$0")/lib.sh"
start_cluster
cd "$TMP" || exit 1
make_cohort "$TMP/c.h5mu"

j=$(sbatch --parsable -n 2 "$SLURM_SRC/factor.sbatch" c.h5mu -o m.h5 -k 5 --max-iter 10000 --tol 0 --drop-r2 0) \
  || { bad "sbatch"; finish; }
"$STRATA_BIN" monitor --file "strata-monitor.$j.endpoint" --jsonl mon.jsonl --plain --timeout 60 \
  >mon.out 2>&1
rc=$?
st=$(wait_job "$j" 120)
[ "$st" = COMPLETED ] && ok "job $j COMPLETED" || { bad "job $j: $st"; show "strata-factor.$j.out"; }
[ $rc -eq 0 ] && ok "strata monitor exited with the run's exit code 0" || { bad "monitor exit $rc"; show mon.out; }
"$PY" - mon.jsonl "$j" <<'PY' && ok "monitor received run_start, iterations in order and run_end" || bad "monitor events"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
types = [e.get("type") for e in ev]
its = [e["iter"] for e in ev if e.get("type") == "iteration"]
assert "run_end" in types, types[-5:]
end = [e for e in ev if e.get("type") == "run_end"][-1]
assert end["exit_code"] == 0 and end["status_code"] == 0, end
assert its and its == sorted(its), its[:10]
assert its[-1] == 10000, its[-1]
# run_start itself or a snapshot carrying it (a late joiner gets the state that way)
assert "run_start" in types or any(e.get("type") == "snapshot" for e in ev), types[:5]
print("events: %d, iterations %d..%d" % (len(ev), its[0], its[-1]))
PY
grep -q "factor" mon.out && ok "monitor printed progress lines" || { bad "monitor output"; show mon.out; }
finish
