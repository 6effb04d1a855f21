#!/usr/bin/env python3
"""Independent re-implementation of MesKit 1.1.2 / maftools ITH metrics (../shared/ITH.md) in plain
Python, used to check `strata ith` on CRC_HZ.  Usage:
  ref_ith.py MAF CLIN CCF OUT_PREFIX [--by-tumor-jsi]   (OUT_PREFIX = strata's -o prefix)
Reads strata's PREFIX.{region,pair,patient}.tsv and compares every reproducible column; exits 1
on any mismatch.  The JSI options are MesKit's vignette ones when --by-tumor-jsi is given."""
import csv, gzip, itertools, math, sys
from collections import OrderedDict, defaultdict

maf_p, clin_p, ccf_p, prefix = sys.argv[1:5]
vignette = '--by-tumor-jsi' in sys.argv

def rd(p):
    with (gzip.open(p, 'rt') if p.endswith('.gz') else open(p)) as fh:
        r = csv.reader((l for l in fh if not l.startswith('#')), delimiter='\t')
        h = next(r)
        return [dict(zip(h, x)) for x in r]

def rround(x, d):
    if x is None or math.isnan(x): return x
    p = 10.0 ** d; x10 = p * x; f = math.floor(x10); c = math.ceil(x10)
    xd = f / p; xu = c / p; du = xu - x; dd = x - xd
    return xu if (du < dd or (du == dd and f % 2 == 1)) else xd

def median(v):
    v = sorted(v); n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2

clin = {r['Tumor_Sample_Barcode']: r for r in rd(clin_p)}
ccf = {(r['Patient_ID'], r['Tumor_Sample_Barcode'], r['Chromosome'], r['Start_Position']): r for r in rd(ccf_p)}
NONSYN = {"Frame_Shift_Del", "Frame_Shift_Ins", "Splice_Site", "Translation_Start_Site",
          "Nonsense_Mutation", "Nonstop_Mutation", "In_Frame_Del", "In_Frame_Ins", "Missense_Mutation"}
rows = []
for r in rd(maf_p):
    c = clin[r['Tumor_Sample_Barcode']]
    if float(r['VAF']) == 0 or r['Chromosome'] in ('M', 'MT'): continue
    r = dict(r, Tumor_ID=c['Tumor_ID'], Patient_ID=c['Patient_ID'])
    r['vaf'] = float(r['VAF']); r['depth'] = int(r['Ref_allele_depth']) + int(r['Alt_allele_depth'])
    r['mid'] = (r['Chromosome'], r['Start_Position'], r['Reference_Allele'], r['Tumor_Seq_Allele2'])
    cr = ccf.get((r['Patient_ID'], r['Tumor_Sample_Barcode'], r['Chromosome'], r['Start_Position']))
    v = float(cr['CCF']) if cr and cr['CCF'] not in ('', 'NA') else None
    s = float(cr['CCF_Std']) if cr and cr['CCF_Std'] not in ('', 'NA') else None
    r['ccf'] = None if v is None else min(v, 1.0)
    r['ci'] = None if (r['ccf'] is None or s is None) else r['ccf'] + 1.959963984540054 * s
    rows.append(r)
if max(r['vaf'] for r in rows) > 1:
    for r in rows: r['vaf'] /= 100
grp = defaultdict(list)
for r in rows: grp[(r['Patient_ID'], r['Tumor_ID'], r['mid'])].append(r)
for g in grp.values():
    tac = None if any(r['ccf'] is None for r in g) else rround(sum(r['ccf'] * r['depth'] for r in g) / sum(r['depth'] for r in g), 3)
    anyci = any(r['ci'] is not None and r['ci'] < 1 for r in g)
    any05 = any(r['ccf'] is not None and r['ccf'] < 0.5 for r in g)
    for r in g:
        r['tac'] = tac
        if len(g) == 1: sub = r['ci'] is not None and r['ci'] < 1
        else: sub = tac is not None and tac < 0.5 and anyci and any05
        r['cs'] = 'Subclonal' if sub else 'Clonal'

patients = list(OrderedDict.fromkeys(r['Patient_ID'] for r in rows))
bad = 0
def check(what, got, exp, tol=1e-9):
    global bad
    if exp is None or (isinstance(exp, float) and math.isnan(exp)):
        ok = got == 'NA'
    else:
        ok = got != 'NA' and abs(float(got) - exp) <= tol * max(1, abs(exp))
    if not ok:
        bad += 1
        if bad <= 20: print('MISMATCH', what, got, exp)

out_reg = {(r['patient'], r['sample']): r for r in rd(prefix + '.region.tsv')}
out_pair = {(r['patient'], r['unit'], r['a'], r['b']): r for r in rd(prefix + '.pair.tsv')}
out_pat = {r['patient']: r for r in rd(prefix + '.patient.tsv')}
for p in patients:
    d = [r for r in rows if r['Patient_ID'] == p]
    samples = list(OrderedDict.fromkeys(r['Tumor_Sample_Barcode'] for r in d))
    tumors = list(OrderedDict.fromkeys(r['Tumor_ID'] for r in d))
    for s in samples:
        v = [r['vaf'] for r in d if r['Tumor_Sample_Barcode'] == s]
        med = median(v); mad = 1.4826 * median([abs(x - med) for x in v])
        o = out_reg[(p, s)]
        check(f'{p} {s} math', o['math'], rround(100 * mad / med, 3))
        c = [r['ccf'] for r in d if r['Tumor_Sample_Barcode'] == s and r['ccf'] is not None]
        check(f'{p} {s} ccf_auc', o['ccf_auc'], 1 - sum(c) / len(c))
        st = [r['cs'] for r in d if r['Tumor_Sample_Barcode'] == s and r['ccf'] is not None]
        check(f'{p} {s} n_subclonal', o['n_subclonal'], float(st.count('Subclonal')))
    # SP
    pres = defaultdict(set)
    for r in d: pres[r['mid']].add(r['Tumor_Sample_Barcode'])
    u = [len(x) for x in pres.values()]
    check(f'{p} private', out_pat[p]['n_private'], float(sum(1 for x in u if x == 1)))
    check(f'{p} public', out_pat[p]['n_public'], float(sum(1 for x in u if x != 1 and x == len(samples))))
    # pairs of samples: Fst, Nei, Jaccard
    first = {}
    for r in d: first.setdefault((r['mid'], r['Tumor_Sample_Barcode']), r)
    fl, nl = [], []
    for a, b in itertools.combinations(samples, 2):
        o = out_pair[(p, 'sample', a, b)]
        N = []; D = []
        for m in pres:
            ra = first.get((m, a)); rb = first.get((m, b))
            ra = ra if ra and ra['depth'] >= 2 and 0 <= ra['vaf'] <= 1 else None
            rb = rb if rb and rb['depth'] >= 2 and 0 <= rb['vaf'] <= 1 else None
            if not ra and not rb: continue
            v1, d1 = (ra['vaf'], ra['depth']) if ra else (0.0, 0)
            v2, d2 = (rb['vaf'], rb['depth']) if rb else (0.0, 0)
            N.append((v1 - v2) ** 2 - v1 * (1 - v1) / (d1 - 1) - v2 * (1 - v2) / (d2 - 1))
            D.append(v1 * (1 - v2) + v2 * (1 - v1))
        f = (sum(N) / len(N)) / (sum(D) / len(D)); fl.append(f)
        check(f'{p} {a} {b} fst', o['fst'], f)
        xs = []
        for m in pres:
            ra = first.get((m, a)); rb = first.get((m, b))
            x = ra['ccf'] if ra and ra['ccf'] is not None else None
            y = rb['ccf'] if rb and rb['ccf'] is not None else None
            if x is None and y is None: continue
            xs.append((x or 0.0, y or 0.0))
        num = sum(x * y + (1 - x) * (1 - y) for x, y in xs)
        den = math.sqrt(sum(x * x + (1 - x) ** 2 for x, _ in xs) * sum(y * y + (1 - y) ** 2 for _, y in xs))
        nei = -math.log(num / den); nl.append(nei)
        check(f'{p} {a} {b} nei', o['nei'], nei)
        A = {m for m in pres if a in pres[m]}; B = {m for m in pres if b in pres[m]}
        check(f'{p} {a} {b} jaccard', o['jaccard'], len(A & B) / len(A | B))
    check(f'{p} fst_mean', out_pat[p]['fst_mean'], sum(fl) / len(fl) if fl else float('nan'))
    check(f'{p} nei_mean', out_pat[p]['nei_mean'], sum(nl) / len(nl) if nl else float('nan'))
    # JSI (calJSI), samples or tumours
    def jsi_rows():
        out = []
        for r in d:
            if r['ccf'] is None: continue
            v = r['ccf'] / 2 if vignette else r['vaf']
            if not (0 <= v <= 1): continue
            if vignette and (r['Variant_Type'] != 'SNP' or r['ccf'] < 0.02): continue
            out.append(r)
        return out
    jr = jsi_rows()
    key = 'Tumor_ID' if vignette else 'Tumor_Sample_Barcode'
    units = tumors if vignette else samples
    S1 = P1 = P2 = 0.0; npairs = 0
    for a, b in itertools.combinations(units, 2):
        m = {}
        for r in jr:
            if r[key] not in (a, b): continue
            m.setdefault(r['mid'], {}).setdefault(r[key], ((r['tac'] if vignette else r['ccf']), r['cs']))
        pc1 = pc2 = ss = 0
        for e in m.values():
            c1, s1 = e.get(a, (0, 'x')); c2, s2 = e.get(b, (0, 'x'))
            if c1 is None or c2 is None or c1 + c2 == 0: continue
            pc1 += s1 == 'Clonal' and c1 > 0 and c2 == 0
            pc2 += s2 == 'Clonal' and c1 == 0 and c2 > 0
            ss += s1 == 'Subclonal' and s2 == 'Subclonal' and c1 > 0 and c2 > 0
        o = out_pair[(p, 'tumor' if vignette else 'sample', a, b)]
        check(f'{p} {a} {b} jsi', o['jsi'], ss / (pc1 + pc2 + ss) if pc1 + pc2 + ss else 0.0)
        S1 += ss; P1 += pc1; P2 += pc2; npairs += 1
    if npairs:
        multi = (S1 / npairs) / (P1 / npairs + P2 / npairs + S1 / npairs) if P1 + P2 + S1 else 0.0
        check(f'{p} jsi_multi', out_pat[p]['jsi_multi'], multi)
        if p == 'V402' and vignette:
            print(f'V402 JSI = {multi:.6f} (MesKit vignette: 0.341)')
            if round(multi, 3) != 0.341 or rround(float(out_pat[p]['jsi_multi']), 3) != 0.341:
                bad += 1; print('MISMATCH V402 JSI is not 0.341')
print(f'{bad} mismatches over {len(patients)} patients')
sys.exit(1 if bad else 0)
