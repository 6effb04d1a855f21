#!/bin/bash
# Issue 14, item 5: temporaries of killed runs.  A run on an output removes the "<name>.tmp.<pid>"
# files an earlier run on the same output left (pid not running on this host), and nothing
# else: not a live process's temporary, not a name that only resembles the pattern, not another
# output's temporary, never one of its inputs.  Then for real: `strata simulate` killed with
# SIGKILL while it writes leaves its temporary, and the next run on that output removes it.
source "$(dirname "$0")/lib.sh"
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2> /dev/null; rm -rf "$dir"' EXIT
cd "$dir" || exit 1

"$MPIEXEC" -n 1 "$S" simulate -o c.h5mu --patients 12 --views rna:gaussian:60,mut:bernoulli:20 --seed 5 > /dev/null 2>&1 \
  || { echo "FAIL: cannot simulate the cohort"; exit 1; }
# a pid that is certainly not running: a finished child of this shell
sleep 0 &
dead=$!
wait $dead
kill -0 "$dead" 2> /dev/null && { echo "FAIL: pid $dead still running"; exit 1; }
for f in m.h5.tmp.$dead m.h5.ckpt.tmp.$dead m.h5.tmp.$$ m.h5.tmp.12ab m.h5.tmp. other.h5.tmp.$dead; do
  echo stale > "$f"
done
cp c.h5mu in.h5.tmp.$dead
want=$(sha in.h5.tmp.$dead)

ranks a "$np" factor c.h5mu -o m.h5 -k 3 --max-iter 20
same_rc a "$np" 0 && [ -s m.h5 ] && ok "factor ran (exit 0 on all ranks)" || bad "factor: $rc $(head -3 "$dir/a.err")"
[ ! -e m.h5.tmp.$dead ] && [ ! -e m.h5.ckpt.tmp.$dead ] && ok "the dead run's output and checkpoint temporaries are removed" \
  || bad "stale temporaries kept: $(ls)"
grep -q "removed 'm.h5.tmp.$dead'" "$dir/a.err" || grep -q "removed '\./m.h5.tmp.$dead'" "$dir/a.err" \
  && ok "the removal is reported" || bad "no removal message: $(head -3 "$dir/a.err")"
[ -e m.h5.tmp.$$ ] && ok "a live process's temporary is kept" || bad "removed a live process's temporary"
[ -e m.h5.tmp.12ab ] && [ -e m.h5.tmp. ] && ok "names outside the pattern are kept" || bad "removed a name outside the pattern"
[ -e other.h5.tmp.$dead ] && ok "another output's temporary is kept" || bad "removed another output's temporary"

# an input named like a stale temporary of the output is never removed
ranks b "$np" factor in.h5.tmp.$dead -o in.h5 -k 3 --max-iter 20
same_rc b "$np" 0 && [ -e in.h5.tmp.$dead ] && [ "$(sha in.h5.tmp.$dead)" = "$want" ] \
  && ok "an input named <output>.tmp.<dead pid> is kept and unchanged" || bad "input: $rc $(ls) $(head -2 "$dir/b.err")"

# SIGKILL while simulate writes: its temporary stays; the next run on the output removes it
"$MPIEXEC" --oversubscribe -n "$np" "$S" simulate -o big.h5mu --patients 150 --views rna:gaussian:30000 --dtype float64 \
  > /dev/null 2>&1 &
pid=$!
for _ in $(seq 600); do ls big.h5mu.tmp.* > /dev/null 2>&1 && break; sleep 0.05; done
if ls big.h5mu.tmp.* > /dev/null 2>&1; then
  kids=$(pgrep -P "$pid")
  kill -9 $kids "$pid" 2> /dev/null
  wait "$pid" 2> /dev/null
  pid=
  # the ranks are gone once their pids are (reaped by init after mpirun died)
  for _ in $(seq 600); do alive=0; for k in $kids; do kill -0 "$k" 2> /dev/null && alive=1; done; [ $alive -eq 0 ] && break; sleep 0.05; done
  left=$(ls big.h5mu.tmp.* 2> /dev/null)
  [ -n "$left" ] && [ ! -e big.h5mu ] && ok "kill -9 left $left" || bad "after kill -9: $(ls)"
  ranks c "$np" simulate -o big.h5mu --patients 5 --views rna:gaussian:10
  same_rc c "$np" 0 && [ -s big.h5mu ] && ! ls big.h5mu.tmp.* > /dev/null 2>&1 \
    && ok "the next simulate on big.h5mu removed it and wrote the cohort" || bad "after rerun: $rc $(ls) $(head -2 "$dir/c.err")"
else
  wait "$pid"
  pid=
  bad "simulate never showed its temporary"
fi
finish
