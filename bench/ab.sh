#!/usr/bin/env bash
# Before/after benchmark of two builds of strata on the same machine in the same run: the
# randomized SVD (bench_svd), the factor model (bench_factor, fixed iterations) and NMF
# (bench_nmf, HALS, fixed iterations), at np 1 and 2, rounds interleaved (A B A B ...) so that
# host load falls on both alike.  Prints, per case, the median and the spread (min-max) of each
# build's time, the ratio B/A of the medians, and the load average before and after.
# Usage: bench/ab.sh BUILD_A BUILD_B [ROUNDS]     (e.g. the commit before a refactor and after)
#   STRATA_BENCH_SMALL=1   smaller problems (a quick look)
set -euo pipefail
A=$(cd "${1:?usage: bench/ab.sh BUILD_A BUILD_B [ROUNDS]}" && pwd)
B=$(cd "${2:?usage: bench/ab.sh BUILD_A BUILD_B [ROUNDS]}" && pwd)
rounds=${3:-5}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
export OMPI_MCA_btl=self,vader OMPI_MCA_mpi_yield_when_idle=1
. "$here/blas.sh"
N=2000; D=50000; fscale=0.25; fiters=60; nN=1000; nD=20000; niters=60
if [ "${STRATA_BENCH_SMALL:-0}" = 1 ]; then D=10000; fscale=0.1; nD=5000; fi
work=$(mktemp -d /tmp/strata-ab.XXXXXX)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$here/nmf/sk_nmf.py" gen "$work/nmf.f64" $nN $nD 10 1 >/dev/null
exe() { find "$1" -name "$2" -type f -perm -u+x | head -1; }
one() {  # BUILD CASE NP -> seconds
  local b=$1 c=$2 np=$3
  case $c in
    svd) mpiexec -n "$np" "$(exe "$b" bench_svd)" --rows $N --cols $D --k 10 --reps 1 --no-dense |
           awk '$1 == "randomized" { print $5 }' ;;
    factor) mpiexec -n "$np" "$(exe "$b" bench_factor)" --scale $fscale --tol 0 --max-iter $fiters --label ab |
           tr ' ' '\n' | awk -F= '$1 == "per_iter_s" { print $2 }' ;;
    nmf) mpiexec -n "$np" "$(exe "$b" bench_nmf)" --data "$work/nmf.f64" --n $nN --d $nD --k 10 --solver hals \
           --tol 0 --max-iter $niters | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["sec_per_iter"])' ;;
  esac
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
res=$work/res.tsv
for r in $(seq 1 "$rounds"); do
  for c in svd factor nmf; do
    for np in 1 2; do
      for side in A B; do
        b=$A; [ $side = B ] && b=$B
        t=$(one "$b" $c $np)
        printf '%s\t%s\t%s\t%s\n' $c $np $side "$t" >>"$res"
      done
    done
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$res" "$rounds" "$N" "$D" "$fscale" "$fiters" "$nN" "$nD" "$niters" <<'PY'
import sys, statistics as st
rows = [l.split('\t') for l in open(sys.argv[1]).read().split('\n') if l]
R, N, D, fs, fi, nN, nD, ni = sys.argv[2:]
what = {"svd": f"randomized SVD {N}x{D}, k=10, q=2: seconds per solve",
        "factor": f"factor model, bench_factor --scale {fs}, K=10, {fi} iterations: seconds per iteration",
        "nmf": f"NMF HALS {nN}x{nD}, k=10, {ni} iterations: seconds per iteration"}
print(f"A/B: {R} interleaved rounds; median [min-max]; ratio = median B / median A")
print("%-8s %2s %28s %28s %7s" % ("case", "np", "A", "B", "B/A"))
for c in ("svd", "factor", "nmf"):
    for np_ in ("1", "2"):
        a = [float(r[3]) for r in rows if r[0] == c and r[1] == np_ and r[2] == "A"]
        b = [float(r[3]) for r in rows if r[0] == c and r[1] == np_ and r[2] == "B"]
        if not a or not b: continue
        f = lambda x: "%.4f [%.4f-%.4f]" % (st.median(x), min(x), max(x))
        print("%-8s %2s %28s %28s %7.3f" % (c, np_, f(a), f(b), st.median(b) / st.median(a)))
for c in what: print(f"  {c}: {what[c]}")
PY
