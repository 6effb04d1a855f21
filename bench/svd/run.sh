#!/usr/bin/env bash
# SVD/PCA benchmark (issue 3): bench_svd at np 1 and 2 on 2000 x 100,000 and 1644 x 200,000
# float64, k = 10 and 50: strata randomized vs the roofline bound (STREAM triad and DGEMM peak
# measured in the same run), and the dense references (strata exact = pdgesvd path, raw
# ScaLAPACK pdgesvd, LAPACK dgesdd on one rank) measured on a scaled matrix (N/4 x D/40) and
# extrapolated by N^2 D -- those columns are labelled "extrap.".
# Usage: bench/svd/run.sh BUILD_DIR      (STRATA_BENCH_SMALL=1: D/5, for a quick look)
set -euo pipefail
build=$(cd "${1:?usage: bench/svd/run.sh BUILD_DIR}" && pwd)
exe="$build/bench/bench_svd"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
. "$(dirname "${BASH_SOURCE[0]}")/../blas.sh"
export OMPI_MCA_btl=self,vader OMPI_MCA_mpi_yield_when_idle=1
div=1
[ "${STRATA_BENCH_SMALL:-0}" = 1 ] && div=5
out=$(mktemp -d)
sizes=("2000 $((100000 / div))" "1644 $((200000 / div))")
for sz in "${sizes[@]}"; do
  set -- $sz
  for np in 1 2; do
    mpiexec -n $np "$exe" --rows "$1" --cols "$2" --ref-rows $(($1 / 4)) --ref-cols $(($2 / 40)) \
      --k 10,50 > "$out/$1x$2.np$np.txt"
  done
done
/usr/bin/python3 - "$out" <<'PY'
import glob, os, re, sys
d = sys.argv[1]
res = {}
for f in sorted(glob.glob(os.path.join(d, "*.txt"))):
    m = re.match(r"(\d+)x(\d+)\.np(\d)\.txt", os.path.basename(f))
    key = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
    r = res.setdefault(key, {"rand": {}, "bound": {}})
    for line in open(f):
        w = line.split()
        if not w:
            continue
        if w[0] == "stream_triad_GBps": r["bw"] = float(w[1])
        elif w[0] == "dgemm_peak_GFps": r["peak"] = float(w[1])
        elif w[0] == "randomized":
            r["rand"][int(w[2])] = float(w[4])
            r.setdefault("passes", {})[int(w[2])] = int(w[w.index("passes") + 1])
        elif w[0] == "bound":
            r["bound"][int(w[2])] = (float(w[4]), float(w[6]), float(w[8]))
            r.setdefault("bwk", {})[int(w[2])] = float(w[12])
            r.setdefault("peakk", {})[int(w[2])] = float(w[14])
        elif w[0].endswith("_extrapolated"): r[w[0]] = float(w[2])
        elif w[0].endswith("_measured"): r[w[0]] = float(w[2])
        elif w[0] == "scaled": r["scaled"] = "%sx%s" % (w[2], w[4])
print("SVD/PCA benchmark (float64, q = 2 power iterations, p = 10; bound = max(bytes/STREAM, flops/DGEMM peak),")
print("bytes = the passes over the data the solve reports (2q+2 products; q+2 passes on a grid with one process row,")
print("where a power iteration's two products share one; the centring statistics ride on the first), flops = (2q+2) 2 N D (k+p);")
print(" GB/s and GF/s: the better of the measurements just before and just after each randomized run)")
print("%-14s %2s %7s %7s %3s %6s %9s %9s %6s %10s %10s %10s %9s" % ("size", "np", "GB/s", "GF/s", "k", "passes", "rand s", "bound s", "ratio",
      "exact s*", "pdgesvd s*", "dgesdd s*", "pdg/rand"))
for (N, D, np), r in sorted(res.items()):
    for k in sorted(r["rand"]):
        t = r["rand"][k]; b = r["bound"][k][0]
        print("%-14s %2d %7.1f %7.1f %3d %6d %9.3f %9.3f %6.2f %10.1f %10.1f %10.1f %9.1f" % (
            "%dx%d" % (N, D), np, r["bwk"][k], r["peakk"][k], k, r["passes"][k], t, b, t / b, r.get("exact_extrapolated", float("nan")),
            r.get("pdgesvd_extrapolated", float("nan")), r.get("dgesdd_extrapolated", float("nan")),
            r.get("pdgesvd_extrapolated", float("nan")) / t))
print("* extrapolated by N^2 D from a measured run on the scaled matrix:")
for (N, D, np), r in sorted(res.items()):
    print("  %dx%d np %d: scaled %s measured exact %.3f s, pdgesvd %.3f s, dgesdd %.3f s" % (
        N, D, np, r.get("scaled", "?"), r.get("exact_measured", float("nan")), r.get("pdgesvd_measured", float("nan")),
        r.get("dgesdd_measured", float("nan"))))
print("speedup np 1 -> 2 (randomized):")
for (N, D, np), r in sorted(res.items()):
    if np == 2 and (N, D, 1) in res:
        for k in sorted(r["rand"]):
            print("  %dx%d k %d: %.2fx (target >= 1.8)" % (N, D, k, res[(N, D, 1)]["rand"][k] / r["rand"][k]))
PY
rm -rf "$out"
