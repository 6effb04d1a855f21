#!/usr/bin/env bash
# strata simulate write benchmark (issue 2): a TRACERx-sized cohort (421 patients x 1-7 regions,
# views rna 20,000 + meth 450,000 Gaussian + mut 50,000 Bernoulli features, float32: ~3.5 GB of
# X) written at np 1 and 2, against the sequential write bandwidth of dd (bs=1M, same byte
# count, conv=fdatasync) on the same file system in the same run.
# Reported per np: strata's own X throughput (generation + collective writes, to the page
# cache), the wall time including a final `sync` (comparable with dd's fdatasync), both as
# GB/s and as a ratio to dd, the peak resident memory of each rank (VmHWM) and each rank's CPU
# seconds (user+sys; far below the wall time means the cores were shared with other jobs).
# Usage: bench/simulate/run.sh BUILD_DIR
# Environment: SIM_BENCH_PATIENTS (421), SIM_BENCH_VIEWS (the views above), SIM_BENCH_NPS
# ("1 2"), SIM_BENCH_DIR (scratch; files removed after), STRATA_BENCH_SMALL=1 (meth 45,000).
set -euo pipefail
build=$(cd "${1:?usage: bench/simulate/run.sh BUILD_DIR}" && pwd)
P=${SIM_BENCH_PATIENTS:-421}
views=${SIM_BENCH_VIEWS:-rna:gaussian:20000,meth:gaussian:450000,mut:bernoulli:50000}
[[ "${STRATA_BENCH_SMALL:-0}" == 1 && -z "${SIM_BENCH_VIEWS:-}" ]] &&
  views=rna:gaussian:20000,meth:gaussian:45000,mut:bernoulli:5000
nps=${SIM_BENCH_NPS:-"1 2"}
dir=${SIM_BENCH_DIR:-$(mktemp -d /tmp/strata-sim-bench.XXXXXX)}
mkdir -p "$dir"
trap 'rm -f "$dir"/sim_np*.h5mu "$dir"/dd.bin "$dir"/time_np*; [[ -z "${SIM_BENCH_DIR:-}" ]] && rmdir "$dir"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
. "$(dirname "${BASH_SOURCE[0]}")/../blas.sh"
export OMPI_MCA_btl=self,vader OMPI_MCA_mpi_yield_when_idle=1
mpiexec=${MPIEXEC:-mpirun}
now() { date +%s.%N; }

declare -A GBS WALL SYNCGBS MEM BYTES CPU
for np in $nps; do
  rm -f "$dir/sim_np$np.h5mu"
  sync
  t0=$(now)
  out=$("$mpiexec" -np "$np" /usr/bin/time -f "hwm_kb %M cpu_s %U %S" -o "$dir/time_np$np" -a \
        "$build/strata" simulate -o "$dir/sim_np$np.h5mu" --patients "$P" --views "$views" \
        --seed 1 --missing 0.1 --dtype float32)
  t1=$(now)
  sync
  t2=$(now)
  echo "np $np: $out" | head -1
  # "wrote F: ... 3.512 GB of X in 12.34 s (0.285 GB/s)"
  BYTES[$np]=$(sed -nE 's/.* ([0-9.]+) GB of X in .*/\1/p' <<<"$out")
  GBS[$np]=$(sed -nE 's/.*\(([0-9.]+) GB\/s\).*/\1/p' <<<"$out")
  WALL[$np]=$(echo "$t2 - $t0" | bc -l)
  SYNCGBS[$np]=$(echo "${BYTES[$np]} / ${WALL[$np]}" | bc -l)
  MEM[$np]=$(awk '/hwm_kb/ {printf "%s%.0f", sep, $2/1024; sep="/"}' "$dir/time_np$np")
  CPU[$np]=$(awk '/hwm_kb/ {printf "%s%.1f", sep, $4+$5; sep="/"}' "$dir/time_np$np")
  [[ $np != "${nps%% *}" ]] && rm -f "$dir/sim_np${nps%% *}.h5mu"
done
rm -f "$dir"/sim_np*.h5mu
first=${nps%% *}
mb=$(echo "${BYTES[$first]} * 1000000000 / 1048576" | bc)
sync
ddout=$(dd if=/dev/zero of="$dir/dd.bin" bs=1M count="$mb" conv=fdatasync 2>&1 | tail -1)
ddgbs=$(awk -v mb="$mb" '{for (i = 1; i <= NF; i++) if ($i == "s,") t = $(i-1)} END {printf "%.4f", mb*1048576/1e9/t}' <<<"$ddout")
rm -f "$dir/dd.bin"

echo
echo "simulate write benchmark: $P patients, views $views, float32, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo "dd if=/dev/zero bs=1M count=$mb conv=fdatasync: $ddout -> $ddgbs GB/s"
printf '| np | X written (GB) | strata GB/s (to page cache) | ratio to dd | wall incl. sync (s) | GB/s incl. sync | ratio to dd | peak RSS per rank (MiB) | CPU s per rank |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for np in $nps; do
  printf '| %s | %s | %.3f | %.2f | %.1f | %.3f | %.2f | %s | %s |\n' "$np" "${BYTES[$np]}" "${GBS[$np]}" \
    "$(echo "${GBS[$np]} / $ddgbs" | bc -l)" "${WALL[$np]}" "${SYNCGBS[$np]}" \
    "$(echo "${SYNCGBS[$np]} / $ddgbs" | bc -l)" "${MEM[$np]}" "${CPU[$np]}"
done
