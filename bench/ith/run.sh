#!/usr/bin/env bash
# ITH benchmark (issue 6): a simulated 100x TRACERx100 cohort (default 10,000 patients x 2-7
# regions x 1,000 mutation rows per region, ~45M MAF rows + the CCF file, plain TSV so that the
# ranks read byte ranges in parallel) through `strata ith` at np 1 and 2: wall time, largest
# per-rank peak memory, region pairs per second, and the 1 -> 2 rank speedup.
# Usage: bench/ith/run.sh BUILD_DIR
# Environment: ITH_BENCH_PATIENTS=N (default 10000; STRATA_BENCH_SMALL=1 -> 1000),
#              ITH_BENCH_NPS="1 2", ITH_BENCH_DIR=DIR (scratch, ~110 bytes per row; removed after).
set -euo pipefail
build=$(cd "${1:?usage: bench/ith/run.sh BUILD_DIR}" && pwd)
P=${ITH_BENCH_PATIENTS:-10000}
[[ "${STRATA_BENCH_SMALL:-0}" == 1 && -z "${ITH_BENCH_PATIENTS:-}" ]] && P=1000
nps=${ITH_BENCH_NPS:-"1 2"}
dir=${ITH_BENCH_DIR:-$(mktemp -d /tmp/strata-ith-bench.XXXXXX)}
mkdir -p "$dir"
trap 'rm -f "$dir"/sim.* "$dir"/out_np*' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
. "$(dirname "${BASH_SOURCE[0]}")/../blas.sh"
export OMPI_MCA_btl=self,vader OMPI_MCA_mpi_yield_when_idle=1
mpiexec=${MPIEXEC:-mpirun}
t0=$(date +%s.%N)
gen=$("$build/bench/gen_mutations" "$dir" "$P" 1000 42)
echo "generated: $gen in $(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN{printf "%.1f", a-b}') s ($(du -sh "$dir" | cut -f1)); load: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A T M PAIRS C
for np in $nps; do
  log=$("$mpiexec" -np "$np" "$build/strata" ith --maf "$dir/sim.maf.tsv" \
        --clin "$dir/sim.clin.tsv" --ccf "$dir/sim.ccf.tsv" -o "$dir/out_np$np" 2>&1 | tee /dev/stderr |
        grep '^ith: .* region pairs in')
  T[$np]=$(sed -E 's/.* pairs in ([0-9.]+) s .*/\1/' <<<"$log")
  M[$np]=$(sed -E 's/.*peak rank memory ([0-9]+) MiB.*/\1/' <<<"$log")
  C[$np]=$(sed -E 's/.*busiest rank CPU ([0-9.]+) s.*/\1/' <<<"$log")
  PAIRS[$np]=$(sed -E 's/.* regions, ([0-9]+) region pairs.*/\1/' <<<"$log")
done
first=${nps%% *}
for np in $nps; do
  [[ $np == "$first" ]] && continue
  for k in region pair patient; do
    cmp -s "$dir/out_np$first.$k.tsv" "$dir/out_np$np.$k.tsv" || { echo "np $np $k table differs from np $first"; exit 1; }
  done
done
echo
echo "ITH benchmark: $gen, load $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo "(wall = strata's own time to the written tables; CPU = the busiest rank's CPU time, which is"
echo " what the wall time would be on an idle machine: on a shared, oversubscribed one use both)"
printf '| np | wall (s) | busiest-rank CPU (s) | peak memory per rank (MiB) | region pairs / s (wall) | speedup wall | speedup CPU | memory ratio |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for np in $nps; do
  awk -v np="$np" -v t="${T[$np]}" -v c="${C[$np]}" -v m="${M[$np]}" -v p="${PAIRS[$np]}" \
      -v t1="${T[$first]}" -v c1="${C[$first]}" -v m1="${M[$first]}" 'BEGIN {
    printf "| %s | %.2f | %.2f | %s | %.0f | %.2f | %.2f | %.2f |\n", np, t, c, m, p / t, t1 / t, c1 / c, m / m1 }'
done
echo "(tables identical across np: yes)"
