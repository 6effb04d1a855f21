#!/usr/bin/env bash
# Long fuzzing runs of every parser that reads a user's file (tests/fuzz/): builds the clang
# ASan+UBSan+libFuzzer harnesses under BUILD_DIR/fuzz-build (the test suite's fixture builds the
# same there), then runs each harness in turn, one process at a time (the machine has 2 cores),
# for STRATA_FUZZ_SECONDS seconds (default 1800; STRATA_BENCH_SMALL=1: 60), each starting from
# its seed corpus and from what earlier runs found (BUILD_DIR/fuzz-corpus/<harness>, kept).
# Prints per harness: executions, exec/s, coverage (libFuzzer's cov = edges, ft = features),
# corpus size, crashes (a crash stops that harness's run; its input is saved under
# BUILD_DIR/fuzz-build/artifacts/) and the seconds it ran; then the totals.
# Usage: bench/fuzz/run.sh BUILD_DIR [HARNESS ...]   (default: every harness)
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$(cd "${1:?usage: bench/fuzz/run.sh BUILD_DIR [HARNESS ...]}" && pwd)
shift
fb="$build/fuzz-build"
secs=${STRATA_FUZZ_SECONDS:-1800}
[ "${STRATA_BENCH_SMALL:-0}" = 1 ] && secs=${STRATA_FUZZ_SECONDS:-60}
bash "$src/tests/fuzz/build.sh" "$fb" > "$build/fuzz-build.log" 2>&1 || {
  tail -30 "$build/fuzz-build.log" >&2
  echo "bench fuzz: building the harnesses failed (log: $build/fuzz-build.log)" >&2
  exit 3
}
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
  for f in "$src"/tests/fuzz/fuzz_*.c; do
    h=$(basename "$f" .c)
    h=${h#fuzz_}
    [ "$h" = common ] || harnesses+=("$h")
  done
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
for h in "${harnesses[@]}"; do
  mkdir -p "$build/fuzz-corpus/$h"
  echo "--- fuzz $h: $secs s ($(date -u +%H:%M:%S))" >&2
  bash "$src/tests/fuzz/run.sh" "$fb" "$h" "$secs" "$build/fuzz-corpus/$h" | tee -a "$out" || status=1
done
echo
printf '%-10s %14s %9s %7s %8s %8s %8s %9s\n' harness executions exec/s cov ft corpus crashes seconds
# fuzz H: N executions in S s (E/s), cov C ft F, corpus K, crashes X
awk '/^fuzz / {
  for (i = 1; i <= NF; i++) gsub(/[(),:]|\/s/, "", $i)
  printf "%-10s %14s %9s %7s %8s %8s %8s %9s\n", $2, $3, $8, $10, $12, $14, $16, $6
  tn += $3; ts += $6; tc += $16
} END { printf "%-10s %14d %9s %7s %8s %8s %8d %9d\n", "total", tn, "", "", "", "", tc, ts }' "$out"
echo "load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
exit $status
