#!/usr/bin/env bash
# Cohort I/O benchmark (issue 2): write a multi-GB cohort with the parallel writer (np 2), then
# read its view with strata_cohort_read_view at np 1 and 2 and compare with the sequential read
# bandwidth of the same file (dd) measured in the same run.  The page cache is dropped before
# each read when possible (root: /proc/sys/vm/drop_caches) -- "cold" -- else every read is warm.
# Prints a table: GB/s, ratio to dd, peak memory per rank (VmHWM) against its share of the data.
# Default 4000 x 100,000 float64 (3.2 GB); STRATA_BENCH_SMALL=1: 1000 x 50,000 (0.4 GB).
# Usage: bench/io/run.sh BUILD_DIR     (data in $STRATA_BENCH_DIR, default BUILD_DIR/bench-io)
set -euo pipefail
build=$(cd "${1:?usage: bench/io/run.sh BUILD_DIR}" && pwd)
exe="$build/bench/bench_io"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
. "$(dirname "${BASH_SOURCE[0]}")/../blas.sh"
export OMPI_MCA_btl=self,vader OMPI_MCA_mpi_yield_when_idle=1 OMPI_MCA_orte_execute_quiet=1
nobs=4000 nvar=100000
[ "${STRATA_BENCH_SMALL:-0}" = 1 ] && nobs=1000 nvar=50000
dir=${STRATA_BENCH_DIR:-$build/bench-io}
mkdir -p "$dir"
file="$dir/cohort.h5mu"
log=$(mktemp)
trap 'rm -f "$file" "$log" "$dir/dd.out"' EXIT

cache=cold
drop() {
  sync
  if [ "$cache" = cold ] && ! (echo 3 > /proc/sys/vm/drop_caches) 2>/dev/null; then cache=warm; fi
  # warm: read once so every measurement below sees the same (cached) state
  if [ "$cache" = warm ]; then cat "$file" > /dev/null; fi
}

# the file system's own sequential write bandwidth for the same size, flushed
bytes=$((nobs * nvar * 8))
dd if=/dev/zero of="$dir/dd.out" bs=16M count=$((bytes / 16777216)) conv=fdatasync 2>&1 |
  awk '/copied/ {print "ddwrite", $1, $(NF-3)}' >> "$log"
rm -f "$dir/dd.out"
t0=$(date +%s.%N)
mpiexec -n 2 "$exe" write "$file" $nobs $nvar 8 | tee -a "$log"
sync
t1=$(date +%s.%N)
echo "write+sync $(stat -c %s "$file") $(echo "$t1 - $t0" | bc)" >> "$log"
drop
dd if="$file" of=/dev/null bs=16M 2>&1 | awk -v f="$(stat -c %s "$file")" '/copied/ {print "dd", f, $(NF-3)}' >> "$log"
# direct MPI-IO path (default) at np 1 and 2 (rows or features split), then H5Dread for comparison
for run in "1 1x1 direct" "2 2x1 direct" "2 1x2 direct" "1 1x1 H5Dread" "2 2x1 H5Dread"; do
  set -- $run
  drop
  echo "== np $1 grid $2 $3" >> "$log"
  if [ "$3" = H5Dread ]; then
    STRATA_IO_HDF5_READ=1 mpiexec -n "$1" -x STRATA_IO_HDF5_READ "$exe" read "$file" "$2" >> "$log"
  else
    mpiexec -n "$1" "$exe" read "$file" "$2" >> "$log"
  fi
done
echo "cache $cache" >> "$log"
echo "load $(cut -d' ' -f1-3 /proc/loadavg)" >> "$log"
/usr/bin/python3 - "$log" <<'PY'
import sys
lines = [l.split() for l in open(sys.argv[1]) if l.strip()]
res, cur = [], None
for f in lines:
    if f[0] == "write":
        wbytes, wsec = int(f[1]), float(f[2])
    elif f[0] == "write+sync":
        wsync = float(f[2])
    elif f[0] == "ddwrite":
        ddw = int(f[1]) / float(f[2]) / 1e9
    elif f[0] == "dd":
        ddbytes, ddsec = int(f[1]), float(f[2])
    elif f[0] == "==":
        cur = {"np": f[2], "grid": f[4], "path": f[5], "ranks": []}
        res.append(cur)
    elif f[0] == "read":
        cur.update(bytes=int(f[1]), sec=float(f[2]), ok=f[3])
    elif f[0] == "rank":
        cur["ranks"].append((int(f[3]), int(f[5]), int(f[7]), float(f[9])))
    elif f[0] == "cache":
        cache = f[1]
    elif f[0] == "load":
        load = " ".join(f[1:])
seq = ddbytes / ddsec / 1e9
print(f"\ncohort I/O: X = {wbytes/1e9:.2f} GB float64, page cache {cache}, load average {load}")
print(f"sequential write (dd, fdatasync): {ddw:.2f} GB/s")
print(f"write (np 2, parallel writer): {wbytes/wsec/1e9:.2f} GB/s to the page cache, {wbytes/wsync/1e9:.2f} GB/s incl. sync "
      f"({wbytes/wsync/1e9/ddw:.0%} of dd)")
print(f"sequential read (dd bs=16M):   {seq:.2f} GB/s\n")
print(f"{'read_view':<26}{'GB/s':>7}{'vs dd':>8}{'wall s':>8}{'cpu s/rank':>11}{'share/rank':>12}{'peak/rank':>11}{'peak/share':>12}{'(peak-base)/share':>19}  values")
for r in res:
    gbs = r["bytes"] / r["sec"] / 1e9
    share = max(x[0] for x in r["ranks"])
    worst = max(r["ranks"], key=lambda x: x[1] / x[0])
    cpu = max(x[3] for x in r["ranks"])
    print(f"np {r['np']} grid {r['grid']:<4} {r['path']:<11}{gbs:>7.2f}{gbs/seq:>7.0%} {r['sec']:>7.2f}{cpu:>11.2f} {share/2**20:>9.0f} MiB{worst[1]/2**20:>7.0f} MiB"
          f"{worst[1]/worst[0]:>11.2f}x{(worst[1]-worst[2])/worst[0]:>17.2f}x  {r['ok']}")
print("\ntargets: read >= 70% of dd; peak memory per rank <= 1.2x its share (VmHWM, incl. MPI/HDF5 baseline)")
PY
