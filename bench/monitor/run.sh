#!/usr/bin/env bash
# Monitor overhead (issue 5), two measurements, each in ONE run with the conditions interleaved:
#  1. bench_monitor: a factor-like loop (two local GEMMs + one Allreduce per iteration) with no
#     events at all, a publisher without subscriber, a live `strata monitor` and a stalled one
#     (SIGSTOPped after its queues were filled past the high-water mark), rotated over rounds.
#  2. `strata factor` on the bundled miniACC cohort: segments with no subscriber, a live and a
#     stalled monitor, switched from outside while it runs; iteration times from its own events.
# Target: live and stalled within 1% of no subscriber.
# Usage: bench/monitor/run.sh BUILD_DIR
# Sizes (defaults): NP=2 ranks for the loop: 2000 samples x 5000 features, K=10, 10 rounds x 30
# iterations per condition; FACTOR_NP="1 2" for factor (at np 1 no MPI waiting blurs the
# publisher's own cost): --tol 0 --drop-r2 0 (constant cost per iteration), NSEG=15 segments of
# SEGTIME=3 s, then SIGTERM (checkpoint, exit 6).  STRATA_BENCH_SMALL=1: 2 rounds, 6 x 2 s.
set -euo pipefail
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
export OMPI_MCA_mpi_yield_when_idle=1 OPENBLAS_NUM_THREADS=1 OMPI_MCA_orte_execute_quiet=1
. "$(dirname "${BASH_SOURCE[0]}")/../blas.sh"
np=${NP:-2}
rounds=10 iters=30 nseg=${NSEG:-15} segtime=${SEGTIME:-3}
if [ "${STRATA_BENCH_SMALL:-0}" = 1 ]; then rounds=2 nseg=${NSEG:-6} segtime=${SEGTIME:-2}; fi
bin=$(find "$build" -name bench_monitor -type f -perm -u+x | head -1)
strata=$build/strata
work=$(mktemp -d /tmp/strata-bench-monitor.XXXXXX)
mon=0
cleanup() {
  if [ "$mon" != 0 ]; then kill -CONT "$mon" 2> /dev/null || true; kill -KILL "$mon" 2> /dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) at start"

echo "--- 1. factor-like loop"
mpiexec -n "$np" "$bin" --strata "$strata" --dir "$work" --rounds "$rounds" \
  --iters "$iters" ${BENCH_ARGS:-}
# proof that the stalled subscriber made the publisher drop (and the run did not wait):
/usr/bin/python3 - "$work" << 'PY'
import glob, json, sys
for fn in sorted(glob.glob(sys.argv[1] + "/monitor-stalled-*.jsonl"))[:3]:
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

# --- 2. strata factor, conditions switched from outside the running job -----------------------
fw=
iterations() {
  local n
  n=$(grep -c '"type":"iteration"' "$fw/events.jsonl" 2> /dev/null || true)
  echo "${n:-0}"
}
stop_monitor() {
  if [ "$mon" != 0 ]; then kill -CONT "$mon"; kill -KILL "$mon"; wait "$mon" 2> /dev/null || true; mon=0; fi
}
start_monitor() { # start_monitor TAG: a plain-text monitor, returns once it is subscribed
  "$strata" monitor --file "$fw/ep" --plain --timeout 600 --jsonl "$fw/mon-$1.jsonl" > /dev/null 2>&1 &
  mon=$!
  for _ in $(seq 200); do [ -s "$fw/mon-$1.jsonl" ] && return 0; sleep 0.05; done
}
factor_bench() { # factor_bench NP
  local fnp=$1 acc=$src/examples/miniacc
  fw=$work/factor$fnp
  mkdir -p "$fw"
  echo "--- 2. strata factor on miniACC (np $fnp, $nseg segments of $segtime s)"
  mpiexec -n "$fnp" "$strata" import -q -o "$fw/acc.h5mu" --samples "$acc/samples.tsv.gz" \
    --patient-column patientID --view "rna=$acc/RNASeq2GeneNorm.tsv.gz:log1p" \
    --view "cn=$acc/gistict.tsv.gz" --view "protein=$acc/RPPAArray.tsv.gz" \
    --view "mut=$acc/Mutations.tsv.gz:bernoulli" --view "mirna=$acc/miRNASeqGene.tsv.gz:log1p"
  # runs until stopped: SIGTERM makes strata checkpoint and exit 6 at an iteration boundary
  mpiexec -n "$fnp" "$strata" factor -q "$fw/acc.h5mu" -o "$fw/model.h5" \
    --max-iter 100000000 --tol 0 --drop-r2 0 --monitor tcp://127.0.0.1:0 --monitor-file "$fw/ep" \
    --events-jsonl "$fw/events.jsonl" > /dev/null &
  local run=$! i mode t0
  while [ "$(iterations)" -lt 20 ]; do sleep 0.05; done
  # short segments, the conditions rotating, so that the drift of a shared machine hits all
  # three alike; the switching itself (a monitor process starting) is not timed
  : > "$fw/segments"
  for ((i = 0; i < nseg; i++)); do
    t0=$(date +%s.%N)
    stop_monitor
    case $((i % 3)) in
      0) mode=none ;;
      1) mode=live; start_monitor "live$i" ;;
      2) mode=stalled; start_monitor "stalled$i"; kill -STOP "$mon" ;;
    esac
    echo "$t0 $(date +%s.%N) $mode" >> "$fw/segments"
    sleep "$segtime"
  done
  echo "$(date +%s.%N) $(date +%s.%N) end" >> "$fw/segments"
  stop_monitor
  kill -TERM $run
  wait $run || true
  /usr/bin/python3 - "$fw" << 'PY'
import json, statistics, sys
d = sys.argv[1]
segs = [(float(a), float(b), m) for a, b, m in (l.split() for l in open(d + "/segments"))]
segs, t_end = segs[:-1], segs[-1][0]
its = [json.loads(l) for l in open(d + "/events.jsonl")]
its = [m for m in its if m["type"] == "iteration"]
per = {}
for k, (t_switch, t_ready, mode) in enumerate(segs):
    t_next = segs[k + 1][0] if k + 1 < len(segs) else t_end
    for a, b in zip(its, its[1:]):
        if t_ready + 0.1 <= a["t"] and b["t"] <= t_next:
            per.setdefault(mode, []).append(b["t"] - a["t"])
print("%d segments, conditions rotating none/live/stalled, %d iterations in all" % (len(segs), len(its)))
print("| condition | iterations timed | median ms/iter | mean ms/iter | median vs none | mean vs none |")
print("|---|---|---|---|---|---|")
base_med, base_mean = statistics.median(per["none"]), statistics.mean(per["none"])
for m in ("none", "live", "stalled"):
    v = per.get(m, [])
    if v:
        print("| %s | %d | %.3f | %.3f | %.4f | %.4f |" % (m, len(v), 1e3 * statistics.median(v),
              1e3 * statistics.mean(v), statistics.median(v) / base_med, statistics.mean(v) / base_mean))
PY
}
for fnp in ${FACTOR_NP:-1 2}; do factor_bench "$fnp"; done
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
