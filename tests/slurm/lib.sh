# Sourced by every tests/slurm/*.sh: a private Slurm cluster under a temporary directory,
# started by the test itself and stopped by an EXIT trap (and, should the test be killed with
# SIGKILL, by cluster.sh's --owner watchdog), plus job polling helpers.  Not a test by itself.
set -uo pipefail
: "${STRATA_BIN:?set by ctest}" "${STRATA_SRC:?set by ctest}"
SLURM_SRC=$STRATA_SRC/slurm
PY=${STRATA_PYTHON:-/usr/bin/python3}
MPIEXEC=${STRATA_MPIEXEC:-mpiexec}
TMP=$(mktemp -d /tmp/strata-slurm-test.XXXXXX)
chmod 0755 "$TMP"            # munged wants every parent of its socket searchable
CLUSTER=$TMP/cluster
fails=0
passes=0

ok() { echo "ok: $*"; passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
# Print a file (a job's output) into the test log, for diagnosis.
show() { echo "---- $1"; tail -n "${2:-40}" "$1" 2>/dev/null; echo "----"; }

cleanup() {
  "$SLURM_SRC/cluster.sh" stop "$CLUSTER" >/dev/null 2>&1
  if [ "${KEEP_TMP:-0}" = 1 ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

start_cluster() {
  if ! "$SLURM_SRC/cluster.sh" start "$CLUSTER" --owner $$; then
    echo "FAIL: the local Slurm cluster did not start"
    exit 1
  fi
  eval "$("$SLURM_SRC/cluster.sh" env "$CLUSTER")"
  export STRATA=$STRATA_BIN
}

mpi() { local n=$1; shift; "$MPIEXEC" -n "$n" "$@"; }

# The state of job $1 (an array task as ID_TASK); empty when Slurm does not know it.
job_state() { squeue -h -t all -j "$1" -o %T 2>/dev/null | head -n 1; }

# Wait until job $1 reaches a final state (at most $2 seconds, default 120); prints the state.
# A squeue poll loop: sbatch --wait polls far more coarsely.
wait_job() {
  local j=$1 limit=${2:-120} t0=$SECONDS s=""
  while [ $((SECONDS - t0)) -lt "$limit" ]; do
    s=$(job_state "$j")
    case $s in
      COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE | PREEMPTED)
        echo "$s"; return 0 ;;
    esac
    sleep 0.2
  done
  echo "STILL_${s:-UNKNOWN}"
  return 1
}

# "A:B" exit code of job $1 (exit status : signal) as scontrol reports it.
job_exit() { scontrol show job "$1" | sed -n 's/.* ExitCode=\([0-9]*:[0-9]*\).*/\1/p' | head -n 1; }

# Simulated cohort shared by the factor tests: 120 regions, 3 views, K = 5 planted factors.
make_cohort() {
  mpi 2 "$STRATA_BIN" simulate -o "$1" --patients 40 --regions 3 --factors 5 --seed 7 \
    --views rna:gaussian:300,cn:gaussian:200,mut:bernoulli:100 --missing 0.1 >/dev/null 2>"$TMP/sim.err" \
    || { cat "$TMP/sim.err"; echo "FAIL: strata simulate"; exit 1; }
}

# Compare two factor models (MOFA2 files): Z, every W and the ELBO trace within relative $3.
same_factor() {
  "$PY" - "$1" "$2" "$3" <<'PY'
import sys, h5py, numpy as np
a, b, tol = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r"), float(sys.argv[3])
keys = ["expectations/Z/group1", "training_stats/elbo"] + ["expectations/W/" + v for v in a["expectations/W"]]
for k in keys:
    x, y = a[k][()], b[k][()]
    if x.shape != y.shape:
        sys.exit("%s: shapes %s and %s" % (k, x.shape, y.shape))
    d = np.max(np.abs(x - y)) / max(np.max(np.abs(y)), 1e-300)
    if not d <= tol:
        sys.exit("%s differs: max relative %.3g > %g" % (k, d, tol))
print("models agree (%s) within %g" % (", ".join(keys), tol))
PY
}

# Compare two nmf results (.h5mu): H, every W_m and the objective trace within relative $3.
same_nmf() {
  "$PY" - "$1" "$2" "$3" <<'PY'
import sys, h5py, numpy as np
a, b, tol = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r"), float(sys.argv[3])
keys = ["obsm/X_nmf", "uns/nmf/objective"] + ["mod/%s/varm/W_nmf" % v for v in a["mod"]]
for k in keys:
    x, y = a[k][()], b[k][()]
    if x.shape != y.shape:
        sys.exit("%s: shapes %s and %s" % (k, x.shape, y.shape))
    d = np.max(np.abs(x - y)) / max(np.max(np.abs(y)), 1e-300)
    if not d <= tol:
        sys.exit("%s differs: max relative %.3g > %g" % (k, d, tol))
print("results agree (%s) within %g" % (", ".join(keys), tol))
PY
}

finish() {
  echo "$passes passed, $fails failed"
  [ "$fails" -eq 0 ]
  exit $?
}
