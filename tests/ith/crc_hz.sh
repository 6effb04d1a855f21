#!/bin/bash
# CRC_HZ end to end: `strata ith` at np $STRATA_NP with MesKit's vignette JSI options must give
# V402 JSI = 0.341 and agree with the independent Python re-implementation (ref_ith.py) on every
# reproducible column; with default options too; the three tables must be byte-identical to
# the np 1 run; plain-text inputs (split into byte ranges over the ranks) give the same tables.
# Also writes the HDF5 results group, stores the rows in a cohort file and reads them back
# (--store/--cohort), checking both with h5py.
set -euo pipefail
E="$STRATA_SRC/examples/crc_hz"
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
run() { local np=$1; shift; "$STRATA_MPIEXEC" -np "$np" "$STRATA_BIN" ith -q "$@"; }
IN=(--maf "$E/CRC_HZ.maf.tsv.gz" --clin "$E/CRC_HZ.clin.tsv.gz" --ccf "$E/CRC_HZ.ccf.tsv.gz"
    --seg "$E/CRC_HZ.seg.tsv.gz")
VIG=(--jsi-pair-by-tumor --jsi-min-ccf 0.02 --jsi-use-adj-vaf --jsi-no-indel)
run "$STRATA_NP" "${IN[@]}" "${VIG[@]}" -o "$W/vig" --results "$W/vig.h5"
run "$STRATA_NP" "${IN[@]}" -o "$W/def"
"$STRATA_PYTHON" "$STRATA_SRC/tests/ith/ref_ith.py" "$E/CRC_HZ.maf.tsv.gz" "$E/CRC_HZ.clin.tsv.gz" \
    "$E/CRC_HZ.ccf.tsv.gz" "$W/vig" --by-tumor-jsi
"$STRATA_PYTHON" "$STRATA_SRC/tests/ith/ref_ith.py" "$E/CRC_HZ.maf.tsv.gz" "$E/CRC_HZ.clin.tsv.gz" \
    "$E/CRC_HZ.ccf.tsv.gz" "$W/def"
# the published number, straight from the table
v=$(awk -F'\t' '$1=="V402"{print $11}' "$W/vig.patient.tsv")
[[ "$(printf '%.3f' "$v")" == "0.341" ]] || { echo "V402 jsi_multi $v, expected 0.341"; exit 1; }
"$STRATA_PYTHON" - "$W/vig.h5" "$W/vig.patient.tsv" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], 'r'); g = f['ith/patient']
assert g.attrs['encoding-type'] == 'dataframe'
assert 'MesKit calJSI (pairByTumor=TRUE' in f['ith'].attrs['conventions']
names = [x.decode() for x in g['patient'][:]]
jsi = dict(zip(names, g['jsi_multi'][:]))
assert abs(jsi['V402'] - 0.3410852713) < 1e-9, jsi['V402']
assert len(f['ith/pair/fst']) == len(f['ith/pair/unit'])
print('h5 ok:', len(names), 'patients')
PY
# plain (uncompressed) inputs are split into byte ranges over the ranks: same tables
for f in maf clin ccf seg; do gzip -dc "$E/CRC_HZ.$f.tsv.gz" > "$W/p.$f.tsv"; done
run "$STRATA_NP" --maf "$W/p.maf.tsv" --clin "$W/p.clin.tsv" --ccf "$W/p.ccf.tsv" --seg "$W/p.seg.tsv" \
    "${VIG[@]}" -o "$W/plain"
for k in region pair patient; do
  cmp <(grep -v '^#' "$W/vig.$k.tsv") <(grep -v '^#' "$W/plain.$k.tsv") ||
    { echo "plain-file (range-split) run differs in $k"; exit 1; }
done
# rows stored in a cohort file (uns/strata/mutations) and read back per rank: same tables
run "$STRATA_NP" "${IN[@]}" "${VIG[@]}" --store "$W/cohort.h5" -o "$W/stored"
run "$STRATA_NP" --cohort "$W/cohort.h5" --seg "$E/CRC_HZ.seg.tsv.gz" "${VIG[@]}" -o "$W/back"
for k in region pair patient; do
  cmp <(grep -v '^#' "$W/vig.$k.tsv") <(grep -v '^#' "$W/back.$k.tsv") ||
    { echo "--cohort run differs in $k"; exit 1; }
done
"$STRATA_PYTHON" - "$W/cohort.h5" <<'PY'
import sys, h5py
g = h5py.File(sys.argv[1], 'r')['uns/strata/mutations']
r = g['rows']
assert r['chromosome'].attrs['encoding-type'] == 'categorical'
assert len(r['vaf']) == 14279 == g['patient_offsets'][-1], len(r['vaf'])   # 38,337 - 24,058 VAF==0
assert abs(max(r['ccf'][:]) - 1.0) < 1e-12    # capped
print('stored rows ok')
PY
if [[ "$STRATA_NP" != 1 ]]; then
  run 1 "${IN[@]}" "${VIG[@]}" -o "$W/one"
  for k in region pair patient; do
    cmp "$W/one.$k.tsv" "$W/vig.$k.tsv" || { echo "np $STRATA_NP differs from np 1 in $k"; exit 1; }
  done
  echo "np $STRATA_NP tables identical to np 1"
fi
