#!/bin/bash
# Latent-space ITH at np $STRATA_NP: random factor scores for the CRC_HZ regions, written as a
# MOFA2 model (two groups, expectations/Z/<group> K x N_g) and as an .h5mu obsm/X_pca; strata's
# latent_ith must equal numpy's: mean Euclidean distance between a patient's regions divided by
# the mean distance between patient centroids over all patient pairs.
set -euo pipefail
E="$STRATA_SRC/examples/crc_hz"
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
"$STRATA_PYTHON" - "$E" "$W" <<'PY'
import gzip, csv, itertools, sys
import h5py, numpy as np
E, W = sys.argv[1:3]
names = [r['Tumor_Sample_Barcode'] for r in csv.DictReader(gzip.open(E + '/CRC_HZ.clin.tsv.gz', 'rt'), delimiter='\t')]
pat = [n.split('_')[0] for n in names]
Z = np.random.default_rng(7).normal(size=(len(names), 4))
s = h5py.string_dtype()
with h5py.File(W + '/lat.h5mu', 'w') as f:
    f.create_group('obs').attrs['_index'] = '_index'
    f['obs'].create_dataset('_index', data=np.array(names[::-1], dtype=object), dtype=s)
    f.create_group('obsm').create_dataset('X_pca', data=Z[::-1])
with h5py.File(W + '/model.h5', 'w') as f:
    h = len(names) // 3
    f.create_dataset('groups/groups', data=np.array(['a', 'b'], dtype=object), dtype=s)
    f.create_dataset('views/views', data=np.array(['v'], dtype=object), dtype=s)
    f.create_dataset('samples/a', data=np.array(names[:h], dtype=object), dtype=s)
    f.create_dataset('samples/b', data=np.array(names[h:], dtype=object), dtype=s)
    f.create_dataset('expectations/Z/a', data=Z[:h].T)
    f.create_dataset('expectations/Z/b', data=Z[h:].T)
ps = list(dict.fromkeys(pat))
idx = {p: [i for i in range(len(names)) if pat[i] == p] for p in ps}
cen = {p: Z[idx[p]].mean(0) for p in ps}
btw = np.mean([np.linalg.norm(cen[a] - cen[b]) for a, b in itertools.combinations(ps, 2)])
with open(W + '/expected.tsv', 'w') as f:
    for p in ps:
        w = np.mean([np.linalg.norm(Z[a] - Z[b]) for a, b in itertools.combinations(idx[p], 2)])
        f.write(f'{p}\t{w / btw!r}\n')
PY
for L in lat.h5mu model.h5; do
  "$STRATA_MPIEXEC" -np "$STRATA_NP" "$STRATA_BIN" ith -q --maf "$E/CRC_HZ.maf.tsv.gz" \
    --clin "$E/CRC_HZ.clin.tsv.gz" --latent "$W/$L" -o "$W/out"
  "$STRATA_PYTHON" - "$W/out.patient.tsv" "$W/expected.tsv" "$L" <<'PY'
import csv, sys
got = {r['patient']: float(r['latent_ith']) for r in csv.DictReader(
    (l for l in open(sys.argv[1]) if not l.startswith('#')), delimiter='\t')}
bad = 0
for line in open(sys.argv[2]):
    p, v = line.split('\t'); v = float(v)
    if abs(got[p] - v) > 1e-9 * max(1, abs(v)): bad += 1; print('MISMATCH', sys.argv[3], p, got[p], v)
print(sys.argv[3], 'latent_ith', 'ok' if not bad else 'FAILED', len(got), 'patients')
sys.exit(1 if bad else 0)
PY
done
