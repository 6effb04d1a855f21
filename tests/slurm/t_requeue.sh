#!/bin/bash
# Checkpoint, requeue, resume: a 2-task factor (or nmf) job from slurm/<command>.sbatch is sent
# SIGUSR1 with scancel -s USR1 (what --signal=USR1@120 does before the time limit); strata
# writes its checkpoint and exits 6, the template requeues the job, the job starts again with
# SLURM_RESTART_COUNT=1, resumes from the checkpoint and ends with the same result (factor: Z,
# W, ELBO trace; nmf: H, W, objective trace) as an uninterrupted run at the same rank count.
# Usage: t_requeue.sh [factor|nmf]
source "$(dirname "$0")/lib.sh"
cmd=${1:-factor}
start_cluster
cd "$TMP" || exit 1
make_cohort "$TMP/c.h5mu"
# --tol 0: a fixed number of iterations, long enough that the signal lands mid-run. scancel's
# signal reaches the tasks through slurmctld, slurmd and srun, which can take a second on a busy
# host, so each run lasts several seconds (600 factor iterations took 0.21 s and once finished
# before the signal arrived).
case $cmd in
  factor) args=(-k 5 --max-iter 20000 --tol 0 --seed 3); res=slurm.h5; ref=ref.h5 ;;
  nmf) args=(-k 4 --max-iter 20000 --tol 0 --seed 3 --negative shift); res=slurm.h5mu; ref=ref.h5mu ;;
  *) echo "usage: t_requeue.sh [factor|nmf]"; exit 1 ;;
esac
maxit=${args[3]}

j=$(STRATA_EVENTS_JSONL=$TMP/ev.jsonl sbatch --parsable -n 2 "$SLURM_SRC/$cmd.sbatch" c.h5mu -o "$res" "${args[@]}") \
  || { bad "sbatch"; finish; }
out=strata-$cmd.$j.out

# Signal once the run iterates (its signal handlers are installed by then).
t0=$SECONDS
until grep -q '"type":"iteration"' ev.jsonl 2>/dev/null; do
  [ $((SECONDS - t0)) -lt 60 ] || { bad "no iteration event within 60 s"; show "$out"; finish; }
  sleep 0.1
done
scancel -s USR1 "$j" && ok "scancel -s USR1 $j while it iterates"

# The job comes back PENDING with Restarts=1; start it now instead of after the requeue delay.
t0=$SECONDS
while :; do
  info=$(scontrol show job "$j")
  if echo "$info" | grep -q "JobState=PENDING" && echo "$info" | grep -q "Restarts=1"; then break; fi
  st=$(job_state "$j")
  case $st in COMPLETED | FAILED | CANCELLED) bad "job ended ($st) instead of being requeued"; show "$out"; finish ;; esac
  [ $((SECONDS - t0)) -lt 60 ] || { bad "job not requeued within 60 s ($st)"; show "$out"; finish; }
  sleep 0.2
done
ok "job requeued (PENDING, Restarts=1)"
# slurmd refuses a credential issued in the same second as the revocation of the job's old one
# ("Job credential revoked"): let the clock move on before starting the job again.
sleep 2
scontrol update JobId="$j" StartTime=now
st=$(wait_job "$j" 150)
[ "$st" = COMPLETED ] && [ "$(job_exit "$j")" = 0:0 ] && ok "requeued job COMPLETED, exit 0:0" \
  || { bad "requeued job: $st exit $(job_exit "$j")"; show "$out"; }

grep -q "strata $cmd: .*checkpoint" "$out" && ok "strata reported the checkpoint" || { bad "no checkpoint message"; show "$out"; }
grep -q "Exited with exit code 6" "$out" && ok "the interrupted run exited 6" || bad "no exit code 6 in the job output"
grep -q "checkpoint written to .*; requeueing job $j" "$out" && ok "the template requeued the job" || bad "no requeue line"
grep -q "restart 1: resuming from $TMP/strata-$cmd.$j.ckpt.h5" "$out" \
  && ok "SLURM_RESTART_COUNT=1 and the checkpoint found: resumed with --resume" \
  || { bad "no resume line for restart 1"; show "$out"; }
# The checkpoint event says where the first run stopped: strictly inside the run.
it=$("$PY" -c '
import json, sys
c = [json.loads(l) for l in open(sys.argv[1]) if "\"checkpoint\"" in l]
c = [e for e in c if e.get("type") == "checkpoint"]
print(c[0]["iteration"] if c else -1)' ev.jsonl)
[ "$it" -gt 0 ] && [ "$it" -lt "$maxit" ] && ok "checkpoint at iteration $it of $maxit" || bad "checkpoint iteration '$it'"
grep -c '"type":"run_start"' ev.jsonl | grep -qx 2 && ok "two runs (the first and the resumed one)" || bad "expected 2 run_start events"
# The uninterrupted reference, after the job (the two would share the cores otherwise).
mpi 2 "$STRATA_BIN" "$cmd" c.h5mu -o "$ref" "${args[@]}" >ref.out 2>&1 || { bad "reference run"; show ref.out; }
if msg=$(same_$cmd "$res" "$ref" 1e-12 2>&1); then ok "resumed == uninterrupted: $msg"; else bad "$msg"; fi
finish
