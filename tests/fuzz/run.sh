#!/usr/bin/env bash
# Run one fuzz harness: first every input of its seed corpus (tests/fuzz/corpus/HARNESS, which
# also keeps the input of every crash found so far), then new inputs for SECONDS seconds, in one
# process.  Used by the test suite (tests/fuzz/tests.cmake, a short run) and bench/fuzz/run.sh
# (the long runs).
# Usage: tests/fuzz/run.sh FUZZ_BUILD HARNESS SECONDS [CORPUS_DIR]
#   FUZZ_BUILD  a build of tests/fuzz (tests/fuzz/build.sh)
#   CORPUS_DIR  where the inputs that found new coverage are kept, to start the next run from
#               (default: a temporary directory removed at exit)
# Exit 0 when no input crashed, leaked, hit a sanitizer report, a harness check or the time
# limit of one input (STRATA_FUZZ_TIMEOUT, default 25 s); otherwise libFuzzer's non-zero code, with
# the input saved as FUZZ_BUILD/artifacts/HARNESS-crash-<sha1> (or leak-, timeout-, oom-).
# Prints one line: fuzz HARNESS: N executions in S s (E/s), cov C ft F, corpus K, crashes X.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(cd "${1:?usage: run.sh FUZZ_BUILD HARNESS SECONDS [CORPUS_DIR]}" && pwd)
h=${2:?harness name}
secs=${3:?seconds}
exe="$build/fuzz_$h"
[ -x "$exe" ] || { echo "fuzz: no harness $exe (build it with tests/fuzz/build.sh)" >&2; exit 3; }
seeds="$here/corpus/$h"
[ -d "$seeds" ] || { echo "fuzz: no seed corpus $seeds" >&2; exit 3; }
tmp=$(mktemp -d)
# the harness's files live on tmpfs when there is one, in a directory removed even after a crash
shm=$(mktemp -d -p /dev/shm 2> /dev/null || mktemp -d)
trap 'rm -rf "$tmp" "$shm"' EXIT
export STRATA_FUZZ_DIR=$shm
corpus=${4:-$tmp/corpus}
mkdir -p "$corpus" "$build/artifacts"

# MPI singleton as root, one BLAS thread; sanitizers: stop at the first report, leaks checked
# per input by libFuzzer (not at exit: Open MPI never frees what MPI_Init took), Open MPI's own
# one-time allocations suppressed (lsan.supp)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
export OMPI_MCA_orte_execute_quiet=1 OPENBLAS_NUM_THREADS=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-leak_check_at_exit=0:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/lsan.supp:print_suppressions=0}
if ! command -v llvm-symbolizer > /dev/null; then
  for s in /usr/lib/llvm-14/bin/llvm-symbolizer /usr/bin/llvm-symbolizer-14; do
    [ -x "$s" ] && export ASAN_SYMBOLIZER_PATH=$s && break
  done
fi
dict=()
[ -f "$here/dict/$h.dict" ] && dict=(-dict="$here/dict/$h.dict")
log="$tmp/log"
t0=$(date +%s.%N)
"$exe" -max_total_time="$secs" -timeout="${STRATA_FUZZ_TIMEOUT:-25}" -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$build/artifacts/$h-" "${dict[@]}" "$corpus" "$seeds" > "$log" 2>&1
rc=$?
t1=$(date +%s.%N)
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
n=$(find "$corpus" -type f | wc -l)
crashes=0
[ $rc -ne 0 ] && crashes=1
printf 'fuzz %s: %s executions in %.0f s (%s/s), cov %s ft %s, corpus %s, crashes %s\n' "$h" "${execs:-0}" \
  "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "${rate:-0}" "${cov:-0}" "${ft:-0}" "$n" "$crashes"
if [ $rc -ne 0 ]; then
  # the report (sanitizer or harness check), without libFuzzer's progress lines
  grep -v '^#[0-9]\|^INFO:\|^	NEW_FUNC' "$log" | tail -80 >&2
  art=$(ls -t "$build/artifacts/$h-"* 2> /dev/null | head -1)
  echo "fuzz $h: FAILED (libFuzzer exit $rc); input: ${art:-none saved}" >&2
  [ -n "$art" ] && echo "  reproduce: $exe $art;  minimise: $exe -minimize_crash=1 -runs=100000 $art" >&2
  exit $rc
fi
exit 0
