#!/bin/bash
# Issue 14, item 5: SIGTERM sent to mpirun (what scancel and most schedulers send) while a factor
# fit iterates: Open MPI forwards it to the ranks, which stop at the next iteration boundary,
# write the checkpoint and end with exit code 6 (the agreed code, recorded by the run's own
# run_end event, since Open MPI 4.1's mpirun reports 1 for a job it was told to terminate); the
# checkpoint is complete (no temporary left) and --resume continues from it to exit 0.
# The signal is sent once an iteration event is in --events-jsonl (polled; no fixed sleep).
# Open MPI 4.1's mpirun passes the SIGTERM on odls_base_sigkill_timeout seconds (default 1) after
# it received it (docs/cluster.md), so the fit is long (--max-iter 10^6) and must stop there.
source "$(dirname "$0")/lib.sh"
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2> /dev/null; rm -rf "$dir"' EXIT
cd "$dir" || exit 1

"$MPIEXEC" -n 1 "$S" simulate -o c.h5mu --patients 20 --views rna:gaussian:200,mut:bernoulli:50 --seed 7 > /dev/null 2>&1 \
  || { echo "FAIL: cannot simulate the cohort"; exit 1; }
args=(-k 4 --tol 0 --seed 2 --checkpoint ck.h5)

"$MPIEXEC" --oversubscribe -n "$np" "$S" factor c.h5mu -o m.h5 "${args[@]}" --max-iter 1000000 --events-jsonl ev.jsonl \
  > run.out 2> run.err &
pid=$!
for _ in $(seq 1200); do grep -q '"type":"iteration"' ev.jsonl 2> /dev/null && break; sleep 0.05; done
if ! grep -q '"type":"iteration"' ev.jsonl 2> /dev/null; then
  bad "no iteration event"
  finish
fi
kill -TERM "$pid"
wait "$pid"
mrc=$?
pid=
code=$("$STRATA_PYTHON" -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
end = [e for e in ev if e.get("type") == "run_end"]
ck = [e for e in ev if e.get("type") == "checkpoint"]
it = ck[-1].get("iteration", -1) if ck else -1
print(end[-1]["exit_code"] if end else -1, it)' ev.jsonl)
set -- $code
[ "$1" = 6 ] && ok "SIGTERM to mpirun: the run ended with exit code 6 (mpirun itself: $mrc)" \
  || bad "run_end exit code '$1' (mpirun $mrc): $(tail -3 run.err)"
[ "$2" -gt 0 ] && [ "$2" -lt 1000000 ] && ok "checkpoint at iteration $2 of 1000000" || bad "checkpoint iteration '$2'"
grep -q "stopped by a signal at iteration .*checkpoint written to 'ck.h5'" run.err && ok "the message names the checkpoint" \
  || bad "message: $(tail -3 run.err)"
[ -s ck.h5 ] && [ ! -e m.h5 ] && ! ls ./*.tmp.* > /dev/null 2>&1 && ok "checkpoint written, no model, no temporary" \
  || bad "files after SIGTERM: $(ls)"
# continue for 20 more iterations
ranks r "$np" factor c.h5mu -o m.h5 "${args[@]}" --max-iter $(($2 + 20)) --resume ck.h5
same_rc r "$np" 0 && [ -s m.h5 ] && ok "--resume from it: exit 0 on all ranks" || bad "resume: $rc $(tail -3 "$dir/r.err")"
"$STRATA_PYTHON" - m.h5 $(($2 + 20)) <<'PY' && ok "the resumed model has $(($2 + 20)) iterations" || bad "resumed model"
import sys, h5py
n = len(h5py.File(sys.argv[1], "r")["training_stats/elbo"])
assert n == int(sys.argv[2]), (n, sys.argv[2])
PY
finish
