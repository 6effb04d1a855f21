#!/bin/bash
# strata factor end to end on a planted cohort written by test_factor: the MOFA2 file's layout
# (h5py), TSV tables, the printed R^2 table, np-rank == 1-rank results, bad options with their
# exit codes and messages, signal -> checkpoint (exit 6) -> --resume == uninterrupted.
# Usage: cli.sh TEST_FACTOR_EXE
set -uo pipefail
exe=$1
np=${STRATA_NP:-1}
py=${STRATA_PYTHON:-/usr/bin/python3}
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
fails=0
mpi() { local n=$1; shift; "${STRATA_MPIEXEC:-mpiexec}" -n "$n" "$@"; }
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

mpi 1 "$exe" write "$dir/c.h5mu" empty >/dev/null || { echo "FAIL: cannot write cohort"; exit 1; }
args=(-k 8 --views rna,cn,mut)

mpi "$np" "$STRATA_BIN" factor "$dir/c.h5mu" -o "$dir/m.h5" "${args[@]}" --tsv "$dir/t" >"$dir/out" 2>"$dir/err"
rc=$?
[ $rc -eq 0 ] && ok "fit exit 0" || { bad "fit exit $rc"; cat "$dir/err"; }
grep -q "variance explained" "$dir/out" && grep -q "^rna " "$dir/out" && grep -q "top features" "$dir/out" \
  && ok "summary printed" || { bad "summary"; cat "$dir/out"; }
for t in Z W r2; do [ -s "$dir/t.$t.tsv" ] && ok "t.$t.tsv" || bad "missing t.$t.tsv"; done
ls "$dir"/*.tmp.* >/dev/null 2>&1 && bad "temporary files left" || ok "no temporary files"

"$STRATA_PYTHON" - "$dir/m.h5" <<'PY' || fails=$((fails + 1))
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
def s(x): return [v.decode() if isinstance(v, bytes) else v for v in x]
assert s(f["groups/groups"][()]) == ["group1"]
assert s(f["views/views"][()]) == ["rna", "cn", "mut"], s(f["views/views"][()])
assert len(f["samples/group1"]) == 300
K = f["expectations/Z/group1"].shape[0]
assert f["expectations/Z/group1"].shape == (K, 300) and 5 <= K <= 8, K
for v, d in (("rna", 200), ("cn", 150), ("mut", 120)):
    assert f["expectations/W/" + v].shape == (K, d)
    assert len(f["features/" + v]) == d and f["intercepts/%s/group1" % v].shape == (d,)
r2 = f["variance_explained/r2_per_factor/group1"][()]
assert r2.shape == (3, K) and np.all(np.diff(r2.sum(axis=0)) <= 1e-9), r2
tot = f["variance_explained/r2_total/group1"][()]
assert tot.shape == (3,) and 50 < tot[0] < 100 and 50 < tot[1] < 100, tot
assert s(f["model_options/likelihoods"][()]) == ["gaussian", "gaussian", "bernoulli"]
names = s(f["training_opts"].attrs["names"])
assert names[:2] == ["maxiter", "freqELBO"], names
e = f["training_stats/elbo"][()]
assert len(e) >= 10 and np.all(np.isfinite(e)), e[:5]
assert len(f["training_stats/number_factors"]) == len(e)
print("ok: MOFA2 layout (K=%d, R2 total %s)" % (K, np.round(tot, 2)))
PY

if [ "$np" -gt 1 ]; then
  mpi 1 "$STRATA_BIN" factor "$dir/c.h5mu" -o "$dir/m1.h5" "${args[@]}" >/dev/null 2>&1
  "$STRATA_PYTHON" - "$dir/m.h5" "$dir/m1.h5" 1e-8 <<'PY' && ok "np $np == np 1" || bad "np $np != np 1"
import sys, h5py, numpy as np
a, b, tol = h5py.File(sys.argv[1]), h5py.File(sys.argv[2]), float(sys.argv[3])
for k in ["expectations/Z/group1", "expectations/W/rna", "expectations/W/mut"]:
    x, y = a[k][()], b[k][()]
    assert x.shape == y.shape, (k, x.shape, y.shape)
    d = np.abs(x - y).max() / np.abs(y).max()
    assert d <= tol, (k, d)
PY
  if [ "$np" -eq 2 ]; then
    # samples split over grid rows instead of features over grid columns
    mpi 2 "$STRATA_BIN" factor --grid 2x1 "$dir/c.h5mu" -o "$dir/m21.h5" "${args[@]}" >/dev/null 2>&1
    "$STRATA_PYTHON" - "$dir/m21.h5" "$dir/m1.h5" 1e-8 <<'PY' && ok "grid 2x1 == np 1" || bad "grid 2x1 != np 1"
import sys, h5py, numpy as np
a, b, tol = h5py.File(sys.argv[1]), h5py.File(sys.argv[2]), float(sys.argv[3])
for k in ["expectations/Z/group1", "expectations/W/rna", "expectations/W/mut"]:
    x, y = a[k][()], b[k][()]
    assert x.shape == y.shape, (k, x.shape, y.shape)
    d = np.abs(x - y).max() / np.abs(y).max()
    assert d <= tol, (k, d)
PY
  fi
fi

# bad options: exit code and one clear message
expect() {
  local want=$1 msg=$2; shift 2
  mpi "$np" "$STRATA_BIN" factor "$@" >"$dir/o" 2>"$dir/e"
  local rc=$?
  if [ $rc -eq "$want" ] && grep -q -- "$msg" "$dir/e"; then ok "exit $want: $msg"
  else bad "expected exit $want with '$msg', got $rc: $(cat "$dir/e")"; fi
}
expect 2 "-k 0 is not usable" "$dir/c.h5mu" -o "$dir/x.h5" -k 0
expect 2 "-k 301 is not usable" "$dir/c.h5mu" -o "$dir/x.h5" -k 301
expect 2 "unknown view 'foo'" "$dir/c.h5mu" -o "$dir/x.h5" --views rna,foo
expect 2 "'empty' has no observed values" "$dir/c.h5mu" -o "$dir/x.h5" --views rna,empty
expect 1 "gaussian or bernoulli" "$dir/c.h5mu" -o "$dir/x.h5" --likelihood rna=poisson
[ -e "$dir/x.h5" ] && bad "partial output after an error" || ok "no output after errors"

# a signal at iteration 6 -> checkpoint, exit 6; resume -> same model as uninterrupted
STRATA_STOP_AFTER=6 mpi "$np" "$STRATA_BIN" factor "$dir/c.h5mu" -o "$dir/r.h5" "${args[@]}" \
  --checkpoint "$dir/ck.h5" >/dev/null 2>"$dir/e"
rc=$?
[ $rc -eq 6 ] && [ -f "$dir/ck.h5" ] && [ ! -e "$dir/r.h5" ] && ok "signal: exit 6, checkpoint" \
  || bad "signal: exit $rc $(cat "$dir/e")"
mpi "$np" "$STRATA_BIN" factor "$dir/c.h5mu" -o "$dir/r.h5" "${args[@]}" --resume "$dir/ck.h5" >/dev/null 2>"$dir/e" \
  || bad "resume failed: $(cat "$dir/e")"
"$STRATA_PYTHON" - "$dir/m.h5" "$dir/r.h5" 1e-12 <<'PY' && ok "resumed == uninterrupted" || bad "resumed != uninterrupted"
import sys, h5py, numpy as np
a, b, tol = h5py.File(sys.argv[1]), h5py.File(sys.argv[2]), float(sys.argv[3])
for k in ["expectations/Z/group1", "expectations/W/rna", "expectations/W/cn", "expectations/W/mut",
          "training_stats/elbo"]:
    x, y = a[k][()], b[k][()]
    assert x.shape == y.shape, (k, x.shape, y.shape)
    d = np.nanmax(np.abs(x - y)) / np.nanmax(np.abs(y))
    assert d <= tol, (k, d)
PY
# a real SIGUSR1 to mpirun (forwarded to the ranks) once iterations run: checkpoint, exit 6
# (mpiexec itself in the background, not a shell function, so that $! is mpiexec's pid)
"${STRATA_MPIEXEC:-mpiexec}" -n "$np" "$STRATA_BIN" factor "$dir/c.h5mu" \
  -o "$dir/s.h5" "${args[@]}" --tol 0 --max-iter 1000000 --checkpoint "$dir/sig.ckpt" \
  --progress >/dev/null 2>"$dir/sig.err" &
pid=$!
for _ in $(seq 1 300); do grep -q "factor 3/" "$dir/sig.err" 2>/dev/null && break; sleep 0.1; done
kill -USR1 $pid
wait $pid
rc=$?
pid=
[ $rc -eq 6 ] && [ -f "$dir/sig.ckpt" ] && grep -q "stopped by a signal" "$dir/sig.err" \
  && ok "SIGUSR1: exit 6 with a checkpoint" || bad "SIGUSR1: exit $rc $(tail -3 "$dir/sig.err")"

echo "$fails failed"
[ $fails -eq 0 ]
