#!/usr/bin/env bash
# Factor model benchmark (issue 4): TRACERx-sized simulated cohort, 1,644 regions, Gaussian
# views of 20,000, 5,000 and 2,000 features, 10% of regions missing view 2 and 10% view 3,
# K = 10.  strata at np 1 and 2 to convergence (--tol 1e-6), MOFA v1 (Debian python3-mofapy,
# sparsity on as its default, same data) for a fixed number of iterations.  Prints a table
# with the ratios against the targets: >= 50x less time per iteration than MOFA v1, peak
# memory <= 1.5x the rank's data, np 1 -> 2 at least 1.8x faster.
# Usage: bench/factor/run.sh BUILD_DIR
# Environment: STRATA_BENCH_SMALL=1 (quarter size in samples and features), MOFA_ITERS (5),
#              STRATA_TOL (1e-6), STRATA_MAX_ITER (1000).
set -euo pipefail
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
export OMPI_MCA_mpi_yield_when_idle=1 OPENBLAS_NUM_THREADS=1
. "$(dirname "${BASH_SOURCE[0]}")/../blas.sh"
scale=1
[ "${STRATA_BENCH_SMALL:-0}" = 1 ] && scale=0.25
mofa_iters=${MOFA_ITERS:-5}
tol=${STRATA_TOL:-1e-6}
maxit=${STRATA_MAX_ITER:-1000}
bin=$(find "$build" -name bench_factor -type f -perm -u+x | head -1)
work=$(mktemp -d /tmp/strata-bench-factor.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
out=$work/results.txt
for np in 1 2; do
  mpiexec -n $np "$bin" --scale $scale --tol "$tol" --max-iter "$maxit" \
    --label "strata-np$np" | grep '^RESULT' | tee -a "$out"
done
mpiexec -n 1 "$bin" --scale $scale --dump "$work" >/dev/null
dims=$(awk '/strata-np1/ { for (i = 1; i <= NF; i++) if ($i ~ /^D=/) print substr($i, 3) }' "$out")
n=$(awk '/strata-np1/ { for (i = 1; i <= NF; i++) if ($i ~ /^N=/) print substr($i, 3) }' "$out")
/usr/bin/python3 "$here/mofa1.py" "$work" "$n" "$dims" 10 "$mofa_iters" 1 2>/dev/null | grep '^RESULT' | tee -a "$out"
rm -f "$work"/view*.f64
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$out" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    rows[f[1]] = {k: v for k, v in (x.split("=", 1) for x in f[2:])}
s1, s2, m = rows["strata-np1"], rows["strata-np2"], rows["mofa1"]
g = lambda r, k: float(r[k])
print()
m.setdefault("compute_per_iter_s", m["cpu_per_iter_s"])
print("%-12s %5s %5s %9s %9s %10s %10s %11s %8s %9s" % ("run", "iters", "conv", "total s", "s/iter", "compute*", "cpu s/it+", "peak MB/rk", "data MB", "peak/data"))
for name, r in (("strata np1", s1), ("strata np2", s2), ("MOFA v1", m)):
    print("%-12s %5s %5s %9.2f %9.4f %10.4f %10.4f %11.1f %8.1f %9.2f" % (name, r["iters"], r["converged"],
          g(r, "total_s"), g(r, "per_iter_s"), g(r, "compute_per_iter_s"), g(r, "cpu_per_iter_s"), g(r, "peak_MB"), g(r, "data_MB"), g(r, "peak_over_data")))
print("(* wall seconds per iteration outside reductions, slowest rank, start included; MOFA v1: CPU)")
print("(+ CPU seconds per iteration of the busiest rank, start included; MPI waits spin and count)")
r_iter = g(m, "per_iter_s") / g(s1, "per_iter_s")
r_cpu = g(m, "cpu_per_iter_s") / g(s1, "cpu_per_iter_s")
speed = g(s1, "per_iter_s") / g(s2, "per_iter_s")
speed_comp = g(s1, "compute_per_iter_s") / g(s2, "compute_per_iter_s")
speed_tot = g(s1, "total_s") / g(s2, "total_s")
mem = max(g(s1, "peak_over_data"), g(s2, "peak_over_data"))
print()
print("MOFA v1 / strata np1 time per iteration: %.1fx wall, %.1fx CPU (target >= 50x)  %s" % (r_iter, r_cpu, "OK" if r_iter >= 50 else "MISSED"))
print("strata np1 -> np2: %.2fx per iteration, %.2fx to convergence, %.2fx outside reductions (target >= 1.8x)  %s" % (speed, speed_tot, speed_comp, "OK" if speed >= 1.8 else "MISSED"))
print("strata peak memory / data per rank: %.2f (target <= 1.5)  %s" % (mem, "OK" if mem <= 1.5 else "MISSED"))
print("same result at np 1 and 2: ELBO %s vs %s, %s vs %s factors" % (s1["elbo"], s2["elbo"], s1["final_K"], s2["final_K"]))
PY
