#!/bin/bash
# The main job on the bundled example data (examples/README.md): import miniACC into a cohort
# .h5mu under MPI, validate it, summarise it, fit the factor model with progress shown through
# the ZeroMQ monitor channel, and compute ITH on CRC_HZ.  Usage: examples/run_example.sh STRATA_BINARY
# Environment: STRATA_MPIEXEC (default mpirun), STRATA_NP (default 2), STRATA_OUT (default
# examples/out).
set -euo pipefail

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 STRATA_BINARY   (e.g. build/strata)" >&2
  exit 1
fi
strata=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${STRATA_OUT:-$here/out}
np=${STRATA_NP:-2}
mpiexec=${STRATA_MPIEXEC:-mpirun}
# mpirun refuses root unless told; one BLAS thread per rank; let ranks share cores
export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1} OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}
export OMPI_MCA_rmaps_base_oversubscribe=${OMPI_MCA_rmaps_base_oversubscribe:-1}
export OMPI_MCA_orte_execute_quiet=${OMPI_MCA_orte_execute_quiet:-1}
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
run() { "$mpiexec" -n "$np" "$strata" "$@"; }
section() { printf '\n=== %s ===\n' "$*"; }
mkdir -p "$out"
acc=$here/miniacc

# ---------------------------------------------------------------------------------------------
section "1. import miniACC (TCGA ACC, 5 views) -> $out/miniacc.h5mu  [np $np]"
run import -o "$out/miniacc.h5mu" --samples "$acc/samples.tsv.gz" --patient-column patientID \
  --view "rna=$acc/RNASeq2GeneNorm.tsv.gz:log1p" \
  --view "cn=$acc/gistict.tsv.gz" \
  --view "protein=$acc/RPPAArray.tsv.gz" \
  --view "mut=$acc/Mutations.tsv.gz:bernoulli" \
  --view "mirna=$acc/miRNASeqGene.tsv.gz:log1p"

# ---------------------------------------------------------------------------------------------
section "2. check the cohort"
run check "$out/miniacc.h5mu"

# ---------------------------------------------------------------------------------------------
section "3. summarise the cohort"
run info "$out/miniacc.h5mu"

# ---------------------------------------------------------------------------------------------
section "4. factor model (MOFA-style, K = 10) on miniACC -> $out/miniacc_factors.h5  [np $np]"
# Progress travels over the ZeroMQ monitor channel: 'strata monitor' binds a loopback port and
# writes it to a file, the job connects to it and publishes every event; the monitor prints
# them live and exits with the job's exit code.  Then the R^2 table and the top features.
ep=$out/monitor.endpoint
rm -f "$ep"
"$strata" monitor --bind tcp://127.0.0.1:0 --file "$ep" --plain --every 0.1 --timeout 60 &
monitor_pid=$!
for _ in $(seq 100); do [ -s "$ep" ] && break; sleep 0.1; done
[ -s "$ep" ] || { echo "run_example: the monitor did not start" >&2; exit 3; }
factor_rc=0
run factor "$out/miniacc.h5mu" -o "$out/miniacc_factors.h5" -k 10 --tsv "$out/miniacc_factors" \
  --monitor "connect:$(cat "$ep")" > "$out/miniacc_factors.txt" || factor_rc=$?
monitor_rc=0
wait "$monitor_pid" || monitor_rc=$?
[ "$factor_rc" -eq 0 ] || { echo "run_example: strata factor failed (exit $factor_rc)" >&2; exit "$factor_rc"; }
[ "$monitor_rc" -eq 0 ] || { echo "run_example: strata monitor exited $monitor_rc" >&2; exit "$monitor_rc"; }
echo
cat "$out/miniacc_factors.txt"

# ---------------------------------------------------------------------------------------------
section "5. ITH: CRC_HZ multi-region WES (6 patients, 57 regions) -> $out/crc_hz_ith.*  [np $np]"
# MesKit's vignette JSI options; the patient table follows (V402 jsi_multi = 0.341, as published)
crc=$here/crc_hz
run ith -q --maf "$crc/CRC_HZ.maf.tsv.gz" --clin "$crc/CRC_HZ.clin.tsv.gz" \
  --ccf "$crc/CRC_HZ.ccf.tsv.gz" --seg "$crc/CRC_HZ.seg.tsv.gz" \
  --jsi-pair-by-tumor --jsi-min-ccf 0.02 --jsi-use-adj-vaf --jsi-no-indel \
  -o "$out/crc_hz_ith" --results "$out/crc_hz_ith.h5"
grep -v '^#' "$out/crc_hz_ith.patient.tsv" | column -t -s $'\t'
