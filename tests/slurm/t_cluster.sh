#!/bin/bash
# slurm/cluster.sh: start, status, env, a 2-task srun and a 2-rank MPI program through PMIx,
# restart over a stale directory (daemons SIGKILLed, pid files and socket left behind), stop
# (also with a job running that ignores SIGTERM),
# and that the daemons go away when the test that started them fails (EXIT trap) or is killed
# outright (the --owner watchdog).
# Usage: t_cluster.sh MPI_TEST_EXE   (an MPI program that exits 0 when it works, e.g. test_core)
source "$(dirname "$0")/lib.sh"
mpi_exe=$1

daemon_pids() { local d; for d in munged slurmctld slurmd; do cat "$1/run/$d.pid" 2>/dev/null; echo; done | grep -v '^$'; }
all_gone() { local p; for p in "$@"; do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
wait_gone() { local n=$1 i; shift; for i in $(seq 1 "$n"); do all_gone "$@" && return 0; sleep 0.5; done; return 1; }

start_cluster
"$SLURM_SRC/cluster.sh" status "$CLUSTER" >"$TMP/status" && grep -q "slurmd: running" "$TMP/status" \
  && ok "status: running" || { bad "status"; cat "$TMP/status"; }
[ "$("$SLURM_SRC/cluster.sh" env "$CLUSTER")" = "export SLURM_CONF=$CLUSTER/slurm.conf" ] \
  && ok "env prints SLURM_CONF" || bad "env"
grep -q "^SlurmctldPort=[0-9]" "$CLUSTER/slurm.conf" && grep -q "^NodeName=$(hostname -s) " "$CLUSTER/slurm.conf" \
  && ok "slurm.conf has a chosen port and the node line of slurmd -C" || bad "slurm.conf"
[ "$(sinfo -h -N -o %T)" = idle ] && ok "node idle" || bad "node not idle: $(sinfo -h -N -o %T)"

[ "$(srun -n 2 hostname | wc -l)" -eq 2 ] && ok "srun -n 2 runs two tasks" || bad "srun -n 2 hostname"
if srun --mpi=pmix -n 2 "$mpi_exe" >"$TMP/mpi.out" 2>&1; then
  ok "2-rank MPI program through srun --mpi=pmix: $(tail -n 1 "$TMP/mpi.out")"
else
  bad "MPI program under srun"; show "$TMP/mpi.out"
fi
[ "$(srun -n 2 "$STRATA_BIN" --version | grep -c '^strata ')" -ge 1 ] && ok "strata --version under srun" \
  || bad "strata --version under srun"

# Stale directory: SIGKILL every daemon (pid files, socket and state stay), start again.
old=$(daemon_pids "$CLUSTER")
kill -KILL $old 2>/dev/null
wait_gone 20 $old || bad "SIGKILLed daemons still alive"
if "$SLURM_SRC/cluster.sh" start "$CLUSTER" --owner $$ 2>"$TMP/restart.err" \
   && [ "$(srun -n 1 echo again)" = again ]; then
  ok "restart over a stale directory"
else
  bad "restart over a stale directory"; cat "$TMP/restart.err"
fi
# Starting over a running cluster stops it first (no second set of daemons).
pids=$(daemon_pids "$CLUSTER")
"$SLURM_SRC/cluster.sh" start "$CLUSTER" 2>/dev/null
wait_gone 20 $pids && ok "start over a running cluster replaces its daemons" || bad "old daemons survive a second start"

# stop with a job running that ignores SIGTERM (as strata does while it checkpoints): the job's
# processes go too, without waiting for KillWait.
sbatch -o /dev/null --wrap "trap '' TERM; srun bash -c 'trap \"\" TERM; echo \$\$ >$TMP/step.pid; exec sleep 300'" >/dev/null
for i in $(seq 1 100); do [ -s "$TMP/step.pid" ] && break; sleep 0.2; done
step=$(cat "$TMP/step.pid" 2>/dev/null)
[ -n "$step" ] && kill -0 "$step" 2>/dev/null && ok "a job step ignoring SIGTERM runs (pid $step)" || bad "job step did not start"
t0=$SECONDS
pids=$(daemon_pids "$CLUSTER")
"$SLURM_SRC/cluster.sh" stop "$CLUSTER"
[ -n "$step" ] && ! kill -0 "$step" 2>/dev/null && ok "stop ended the running job's processes" || bad "job process $step survived stop"
all_gone $pids && ok "stop: daemons gone in $((SECONDS - t0)) s" || bad "stop left daemons: $pids"
"$SLURM_SRC/cluster.sh" status "$CLUSTER" >/dev/null && bad "status after stop says running" || ok "status after stop exits 1"

# A failing test: start a cluster, fail; its EXIT trap must stop the daemons.
child=$TMP/child
cat >"$child.sh" <<CHILD
source "$STRATA_SRC/tests/slurm/lib.sh"
start_cluster
daemon_pids() { for d in munged slurmctld slurmd; do cat "\$CLUSTER/run/\$d.pid"; done; }
daemon_pids >"$child.pids"
bad "deliberate failure"
finish
CHILD
bash "$child.sh" >"$child.out" 2>&1
rc=$?
pids=$(cat "$child.pids" 2>/dev/null)
if [ $rc -ne 0 ] && [ -n "$pids" ] && wait_gone 20 $pids; then
  ok "a failing test stops its daemons (exit $rc)"
else
  bad "failing test: exit $rc, daemons '$pids' still alive or never started"; show "$child.out"
fi

# A killed test (SIGKILL: no trap runs): the --owner watchdog stops the daemons.
base2=$TMP/killed
bash -c '"$1" start "$2" --owner $$ >/dev/null 2>&1 || exit 1; kill -KILL $$' killed "$SLURM_SRC/cluster.sh" "$base2"
pids=$(daemon_pids "$base2")
if [ -n "$pids" ] && wait_gone 30 $pids; then
  ok "a SIGKILLed test's daemons are stopped by the watchdog"
else
  bad "daemons of a SIGKILLed owner still alive: $pids"
  "$SLURM_SRC/cluster.sh" stop "$base2"
fi
finish
