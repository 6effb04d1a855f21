#!/bin/bash
# The other input formats of `strata ith` at np $STRATA_NP:
#  - GDC MAF (t_ref_count/t_alt_count, VAF = alt/(ref+alt)) made from CRC_HZ + a sample table:
#    presence metrics (mutations, public/shared/private, Jaccard) equal the MesKit-MAF run, and
#    MATH equals the formula on alt/(ref+alt) (checked in Python);
#  - PyClone-VI output + sample table: clone counts and Shannon/Gini-Simpson from
#    cellular_prevalence by the linear-chain proportions, computed by hand in Python
#    (prevalence 0 = absent in that region);
#  - CONIPHER input: VAF from counts (VAR_COUNT 0 = absent), clusters from CCF_PHYLO.
set -euo pipefail
E="$STRATA_SRC/examples/crc_hz"
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
run() { "$STRATA_MPIEXEC" -np "$STRATA_NP" "$STRATA_BIN" ith -q "$@"; }
gzip -dc "$E/CRC_HZ.maf.tsv.gz" | awk -F'\t' 'BEGIN{OFS="\t"}
  NR==1{print "#version gdc-1.0"; print "Hugo_Symbol","Chromosome","Start_Position","End_Position",
        "Variant_Classification","Variant_Type","Reference_Allele","Tumor_Seq_Allele2",
        "Tumor_Sample_Barcode","t_depth","t_ref_count","t_alt_count"; next}
  {print $1,$2,$3,$4,$5,$6,$7,$8,$12,$9+$10,$9,$10}' > "$W/gdc.maf"
run --format gdc --maf "$W/gdc.maf" --samples "$E/CRC_HZ.clin.tsv.gz" -o "$W/gdc"
run --maf "$E/CRC_HZ.maf.tsv.gz" --clin "$E/CRC_HZ.clin.tsv.gz" -o "$W/meskit"

cat > "$W/pyclone.tsv" <<'T'
mutation_id	sample_id	cluster_id	cellular_prevalence	cellular_prevalence_std	cluster_assignment_prob
m1	S1	0	0.9	0.01	0.99
m1	S2	0	0.9	0.01	0.99
m2	S1	1	0.5	0.02	0.9
m2	S2	1	0.0	0.02	0.9
m3	S1	2	0.1	0.02	0.8
m3	S2	2	0.3	0.02	0.8
m4	S1	2	0.1	0.02	0.8
m4	S2	2	0.3	0.02	0.8
T
printf 'sample_id\tpatient\nS1\tPX\nS2\tPX\n' > "$W/pyc_samples.tsv"
run --format pyclone --maf "$W/pyclone.tsv" --samples "$W/pyc_samples.tsv" -o "$W/pyc"

cat > "$W/conipher.tsv" <<'T'
CASE_ID	SAMPLE	CHR	POS	REF	ALT	REF_COUNT	VAR_COUNT	DEPTH	CLUSTER	CCF_PHYLO	CCF_OBS	MUT_COPY	COPY_NUMBER_A	COPY_NUMBER_B	ACF	PLOIDY
C1	R1	1	100	A	G	60	40	100	1	1.0	1.0	1	1	1	0.8	2
C1	R2	1	100	A	G	70	30	100	1	0.9	0.9	1	1	1	0.8	2
C1	R1	2	200	C	T	80	20	100	2	0.4	0.4	1	1	1	0.8	2
C1	R2	2	200	C	T	100	0	100	2	0.0	0.0	0	1	1	0.8	2
C1	R1	3	300	G	A	90	10	100	2	0.2	0.2	1	1	1	0.8	2
C1	R2	3	300	G	A	95	5	100	2	0.1	0.1	1	1	1	0.8	2
T
run --format conipher --maf "$W/conipher.tsv" -o "$W/con"

"$STRATA_PYTHON" - "$W" <<'PY'
import csv, math, sys
W = sys.argv[1]
def rd(p): return list(csv.DictReader((l for l in open(p) if not l.startswith('#')), delimiter='\t'))
def rround(x, d):
    p = 10.0 ** d; x10 = p * x; f = math.floor(x10); c = math.ceil(x10)
    xd, xu = f / p, c / p
    return xu if (xu - x < x - xd or (xu - x == x - xd and f % 2 == 1)) else xd
def med(v):
    v = sorted(v); n = len(v); return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2
def math_score(v):
    m = med(v); return rround(100 * 1.4826 * med([abs(x - m) for x in v]) / m, 3)
bad = 0
def check(what, got, exp, tol=1e-9):
    global bad
    ok = (got == 'NA') if exp is None else (got != 'NA' and abs(float(got) - exp) <= tol * max(1, abs(exp)))
    if not ok: bad += 1; print('MISMATCH', what, got, exp)
# GDC vs MesKit: presence metrics identical; MATH on alt/(ref+alt)
g = {r['patient']: r for r in rd(W + '/gdc.patient.tsv')}
m = {r['patient']: r for r in rd(W + '/meskit.patient.tsv')}
for p in m:
    for c in ('n_samples', 'n_mut', 'n_public', 'n_shared', 'n_private', 'jaccard_mean'):
        check(f'gdc {p} {c}', g[p][c], float(m[p][c]))
vafs = {}
for r in rd(W + '/gdc.maf'):
    a, ref = int(r['t_alt_count']), int(r['t_ref_count'])
    if a > 0: vafs.setdefault(r['Tumor_Sample_Barcode'], []).append(a / (a + ref))
for r in rd(W + '/gdc.region.tsv'):
    check(f"gdc math {r['sample']}", r['math'], math_score(vafs[r['sample']]))
# PyClone-VI: S1 chain .9 > .5 > .1 -> proportions .4 .4 .1 (normalised by .9);
#             S2: cluster 1 at 0 is absent, chain .9 > .3 -> .6 .3
def div(props):
    t = sum(props); q = [x / t for x in props]
    return -sum(x * math.log(x) for x in q), 1 - sum(x * x for x in q)
reg = {r['sample']: r for r in rd(W + '/pyc.region.tsv')}
for s, props, n in (('S1', [.4, .4, .1], 3), ('S2', [.6, .3], 2)):
    h, gs = div(props)
    check(f'pyclone {s} n_clones', reg[s]['n_clones'], n)
    check(f'pyclone {s} shannon', reg[s]['shannon'], h)
    check(f'pyclone {s} gini_simpson', reg[s]['gini_simpson'], gs)
pt = rd(W + '/pyc.patient.tsv')[0]
check('pyclone n_clones', pt['n_clones'], 3)
check('pyclone shannon_mean', pt['shannon_mean'], (div([.4, .4, .1])[0] + div([.6, .3])[0]) / 2)
check('pyclone math NA (no VAF)', reg['S1']['math'], None)
# m2 has prevalence 0 in S2: absent there (private to S1); m1 m3 m4 public
check('pyclone private', pt['n_private'], 1)
check('pyclone public', pt['n_public'], 3)
# CONIPHER: R1 VAF .4 .2 .1; R2 .3 .05 (VAR_COUNT 0 row absent); clusters: R1 c1 1.0, c2 mean(.4,.2)=.3
#           -> chain 1 > .3 -> .7 .3; R2 c1 .9, c2 .1 -> .8 .1
reg = {r['sample']: r for r in rd(W + '/con.region.tsv')}
check('conipher R1 math', reg['R1']['math'], math_score([.4, .2, .1]))
check('conipher R2 math', reg['R2']['math'], math_score([.3, .05]))
check('conipher R2 n_mut', reg['R2']['n_mut'], 2)
check('conipher R1 shannon', reg['R1']['shannon'], div([.7, .3])[0])
check('conipher R2 shannon', reg['R2']['shannon'], div([.8, .1])[0])
pt = rd(W + '/con.patient.tsv')[0]
check('conipher private', pt['n_private'], 1)
check('conipher public', pt['n_public'], 2)
pair = rd(W + '/con.pair.tsv')[0]
check('conipher jaccard', pair['jaccard'], 2 / 3)
print(f'{bad} mismatches')
sys.exit(1 if bad else 0)
PY
