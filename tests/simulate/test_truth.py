"""The planted truth of strata simulate is consistent with the data it wrote (np = STRATA_NP):
the data's empirical variance explained by the stored Z W^T matches the stored R^2 (per factor
and total, within the noise's sampling error); residual variances match the stored noise
precisions; Bernoulli views are 0/1 with the rate the truth implies; the missing fraction per view
is near the requested one; patients have 2-5 regions; the clone CCFs respect the tree and the
MAF read counts follow purity * CCF / 2; `strata ith` reads the mutation tables."""
import csv
import math
import os
import subprocess

import h5py
import numpy as np
from scipy import stats

from simlib import BIN, MPIEXEC, NP, Checker, strata

t = Checker()
miss = {"rna": 0.3, "meth": 0.1, "mut": 0.0}
p = strata(NP, "simulate", "-o", "truth.h5mu", "--patients", 120, "--regions", "2-5", "--seed", 3,
           "--views", "rna:gaussian:1500,meth:gaussian:800,mut:bernoulli:1200", "--factors", 6,
           "--view-factors", 2, "--missing", ",".join("%s=%g" % kv for kv in miss.items()),
           "--mutations", "tm", "--mutations-per-patient", 60, "--depth", 150)
t.check("wrote truth.h5mu" in p.stdout, "summary line on stdout")

f = h5py.File("truth.h5mu", "r")
tr = f["uns/strata_truth"]
names = [s.decode() for s in f["obs/_index"][:]]
pats = [s.decode() for s in f["obs/patient"][:]]
N = len(names)
Z = tr["Z"][:]
K = Z.shape[1]
views = [v.decode() if isinstance(v, bytes) else v for v in f["mod"].attrs["mod-order"]]
t.check(views == ["rna", "meth", "mut"], "mod-order %s" % views)
r2f, r2t, r2s = tr["r2_per_factor"][:], tr["r2_total"][:], tr["r2_view_specific"][:]
t.check(r2f.shape == (3, K) and r2t.shape == (3,) and r2s.shape == (3, 2), "R2 shapes")

# patients: 2..5 regions each, contiguous, named P####-R<region>
counts = {}
for s, pt in zip(names, pats):
    counts[pt] = counts.get(pt, 0) + 1
t.check(all(s.startswith(pt + "-R") for s, pt in zip(names, pats)), "sample ids are PATIENT-R<n>")
t.check(len(counts) == 120, "120 patients (%d)" % len(counts))
t.check(all(2 <= c <= 5 for c in counts.values()), "2..5 regions per patient")
t.check(len(set(counts.values())) == 4, "all region counts 2..5 occur")
region = f["obs/region"][:]
t.check(all(int(s.split("-R")[1]) == r for s, r in zip(names, region)), "region column matches ids")

def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))

for v, name in enumerate(views):
    g = tr[name]
    om = f["obsmap/" + name][:]
    X = f["mod/%s/X" % name][:].astype(np.float64)
    present = np.flatnonzero(om)
    rows = om[present] - 1
    # the writer stores a view's rows in sample order: obsmap = 1, 2, ... over present samples
    t.check(X.shape[0] == len(present) and np.array_equal(rows, np.arange(len(present))),
            "%s: obsmap rows consistent with X" % name)
    Y, idx = X, present
    frac = 1.0 - len(present) / N
    sd = math.sqrt(max(miss[name] * (1 - miss[name]), 1e-12) / N)
    t.check(abs(frac - miss[name]) <= 4 * sd + 1e-12, "%s: missing %.3f vs %.3f" % (name, frac, miss[name]))
    W, V, Zv = g["W"][:], g["V"][:], g["Zv"][:]
    act = g["active"][:]
    t.check(np.all(W[:, act == 0] == 0) and np.all(np.any(W[:, act == 1] != 0, axis=0)),
            "%s: inactive factors have zero loadings, active ones do not" % name)
    S = Z[idx] @ W.T + Zv[idx] @ V.T
    if "noise_precision" in g:
        tau = g["noise_precision"][:]
        SS = (Y ** 2).sum()
        for k in range(K):
            Fk = np.outer(Z[idx, k], W[:, k])
            emp = 1.0 - ((Y - Fk) ** 2).sum() / SS
            t.check(abs(emp - r2f[v, k]) < 0.006, "%s factor %d: empirical R2 %.4f vs planted %.4f" % (name, k, emp, r2f[v, k]))
        emp_t = 1.0 - ((Y - S) ** 2).sum() / SS
        t.check(abs(emp_t - r2t[v]) < 0.006, "%s: empirical total R2 %.4f vs planted %.4f" % (name, emp_t, r2t[v]))
        ratio = ((Y - S) ** 2).mean(axis=0) * tau
        t.check(abs(ratio.mean() - 1.0) < 0.05, "%s: residual variance x precision = %.3f" % (name, ratio.mean()))
        # the standardised noise is N(0,1): Kolmogorov-Smirnov and the two-sided 3-sigma tail
        eps = ((Y - S) * np.sqrt(tau)).ravel()
        ks = stats.kstest(eps, "norm")
        t.check(ks.pvalue > 1e-3, "%s: noise ~ N(0,1) (KS D %.4f, p %.2g)" % (name, ks.statistic, ks.pvalue))
        tail = np.mean(np.abs(eps) > 3)
        t.check(abs(tail - 0.0026998) < 5 * math.sqrt(0.0027 / eps.size), "%s: P(|noise| > 3) = %.5f" % (name, tail))
        t.check(0.5 < r2t[v] < 0.99, "%s: total R2 %.3f in a sensible range" % (name, r2t[v]))
    else:
        t.check(set(np.unique(Y)) <= {0.0, 1.0}, "%s: binary values" % name)
        prob = sigmoid(S + g["intercept"][:])
        sd = math.sqrt((prob * (1 - prob)).sum()) / prob.size
        t.check(abs(Y.mean() - prob.mean()) < 5 * sd, "%s: rate %.4f vs %.4f" % (name, Y.mean(), prob.mean()))
        hi, lo = prob > 0.8, prob < 0.2
        t.check(Y[hi].mean() > 0.75 and Y[lo].mean() < 0.25, "%s: calibrated" % name)
    t.check(abs(r2f[v].sum() + r2s[v].sum() - r2t[v]) < 0.2, "%s: factor R2 add up near the total" % name)

# clones: trunk = 1, children within parents, NaN beyond a patient's clusters
ccf, parent = tr["clones/ccf"][:], tr["clones/parent"][:]
pid = {pt: i for i, pt in enumerate(dict.fromkeys(pats))}
ok_trunk = np.all(ccf[:, 0] == 1.0)
ok_tree = True
for i in range(N):
    par = parent[pid[pats[i]]]
    ncl = int(np.sum(par >= 0)) + 1
    ok_tree &= bool(np.all(np.isnan(ccf[i, ncl:])) and not np.any(np.isnan(ccf[i, :ncl])))
    for c in range(ncl):
        kids = [k for k in range(ncl) if par[k] == c]
        ok_tree &= bool(sum(ccf[i, k] for k in kids) <= ccf[i, c] + 1e-12)
t.check(ok_trunk, "trunk CCF 1 everywhere")
t.check(ok_tree, "children CCFs fit in their parent")

purity = dict(zip(names, f["obs/purity"][:]))
with open("tm.maf.tsv") as fh:
    maf = list(csv.DictReader(fh, delimiter="\t"))
t.check(len({r["Tumor_Sample_Barcode"] for r in maf}) == N, "every region in the MAF")
row_of = {s: i for i, s in enumerate(names)}
groups = {}
ok_vaf = True
for r in maf:
    alt, ref = int(r["Alt_allele_depth"]), int(r["Ref_allele_depth"])
    ok_vaf &= abs(float(r["VAF"]) - alt / (alt + ref)) < 1e-5
    key = (r["Tumor_Sample_Barcode"], int(r["Cluster"]))
    a = groups.setdefault(key, [0, 0])
    a[0] += alt
    a[1] += alt + ref
t.check(ok_vaf, "VAF = alt / depth")
worst = 0.0
for (s, c), (alt, dep) in groups.items():
    pexp = purity[s] * ccf[row_of[s], c] / 2
    z = abs(alt / dep - pexp) / math.sqrt(max(pexp * (1 - pexp), 1e-9) / dep)
    worst = max(worst, z if pexp > 0 else (alt > 0) * 99)
t.check(worst < 5.5, "pooled VAF per region and cluster follows purity*CCF/2 (worst z %.2f)" % worst)

p = subprocess.run([MPIEXEC, "-n", str(NP), BIN, "ith", "--maf", "tm.maf.tsv",
                    "--clin", "tm.clin.tsv", "--ccf", "tm.ccf.tsv", "-o", "tm_ith"],
                   capture_output=True, text=True, timeout=240)
t.check(p.returncode == 0, "strata ith reads the simulated tables: %s" % p.stderr)
if p.returncode == 0:
    with open("tm_ith.patient.tsv") as fh:
        rows = [l for l in fh if not l.startswith("#")]
    t.check(len(rows) == 121, "ith reports every patient (%d rows)" % len(rows))
f.close()
os.remove("truth.h5mu")

# no view-specific factors: V and Zv are features x 0 and samples x 0 matrices (they used to be
# vectors read past a one-element array), and R2 per view-specific factor views x 0
strata(NP, "simulate", "-o", "vf0.h5mu", "--patients", 12, "--views", "rna:gaussian:40,mut:bernoulli:25",
       "--factors", 3, "--view-factors", 0, "--seed", 5)
with h5py.File("vf0.h5mu", "r") as g:
    tr0 = g["uns/strata_truth"]
    n0 = g["obs/_index"].shape[0]
    for v, d in (("rna", 40), ("mut", 25)):
        t.check(tr0[v]["V"].shape == (d, 0) and tr0[v]["Zv"].shape == (n0, 0),
                "--view-factors 0: %s V %s, Zv %s" % (v, tr0[v]["V"].shape, tr0[v]["Zv"].shape))
    t.check(tr0["r2_view_specific"].shape == (2, 0), "--view-factors 0: r2_view_specific %s" % (tr0["r2_view_specific"].shape,))
os.remove("vf0.h5mu")
t.finish()
