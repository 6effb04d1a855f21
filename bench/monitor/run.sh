#!/usr/bin/env bash
# Monitor overhead (issue 5): iteration time of a factor-like loop with no events at all, a
# publisher without subscriber, a live `strata monitor` and a stalled (SIGSTOPped) one, in the
# same run, interleaved over rounds.  Target: live and stalled within 1% of none.
# Usage: bench/monitor/run.sh BUILD_DIR     (STRATA_BENCH_SMALL=1: 2 rounds x 30 iterations)
# Sizes: NP (default 2) ranks, 2000 samples x 5000 features, K=10, 10 rounds x 30 iterations.
set -euo pipefail
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
export OMPI_MCA_mpi_yield_when_idle=1 OPENBLAS_NUM_THREADS=1
np=${NP:-2}
rounds=10 iters=30
if [ "${STRATA_BENCH_SMALL:-0}" = 1 ]; then rounds=2 iters=30; fi
bin=$(find "$build" -name bench_monitor -type f -perm -u+x | head -1)
strata=$build/strata
work=$(mktemp -d /tmp/strata-bench-monitor.XXXXXX)
trap 'rm -rf "$work"' EXIT
mpiexec -n "$np" --oversubscribe "$bin" --strata "$strata" --dir "$work" --rounds "$rounds" \
  --iters "$iters" ${BENCH_ARGS:-}
# proof that the stalled subscriber made the publisher drop (and the run did not wait):
/usr/bin/python3 - "$work" <<'PY'
import glob, json, sys
for fn in sorted(glob.glob(sys.argv[1] + "/monitor-stalled-*.jsonl")):
    got, first, published = 0, None, 0
    for line in open(fn):
        m = json.loads(line)
        if "seq" in m:
            got += 1
            first = m["seq"] if first is None else first
            published = max(published, m["seq"])
        elif first is not None:
            published = max(published, m.get("last_seq", 0))
    if first is not None:
        print("stalled subscriber %s: received %d of %d events published while it was connected, %d dropped at the high-water mark"
              % (fn.rsplit("-", 1)[-1].split(".")[0], got, published - first + 1, published - first + 1 - got))
PY
