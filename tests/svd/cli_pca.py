"""`strata pca` / `strata svd` end to end at STRATA_NP ranks: a cohort .h5mu written here with h5py
(two views, one absent for some samples, NaN entries), results compared with numpy's SVD of the
matrix built explicitly by the documented rules (centring over observed entries, mean
imputation, absent samples contribute zero rows, MFA weights 1/sigma1), the scanpy layout of the
results file, TSV output, the input left unchanged, and error exits."""
import hashlib
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

NP = int(os.environ.get("STRATA_NP", "1"))
BIN = os.environ["STRATA_BIN"]
MPIEXEC = os.environ.get("STRATA_MPIEXEC", "mpiexec")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def strata(*args):
    cmd = [MPIEXEC, "-n", str(NP), BIN] + [str(a) for a in args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def strs(a):
    return np.array([s.encode() for s in a], dtype=h5py.string_dtype())


def dataframe(g, name, index, cols=None):
    df = g.create_group(name)
    df.attrs["encoding-type"] = "dataframe"
    df.attrs["encoding-version"] = "0.2.0"
    df.attrs["_index"] = "_index"
    df.attrs["column-order"] = np.array(list((cols or {}).keys()), dtype=h5py.string_dtype())
    d = df.create_dataset("_index", data=strs(index))
    d.attrs["encoding-type"] = "string-array"
    d.attrs["encoding-version"] = "0.2.0"
    for k, v in (cols or {}).items():
        d = df.create_dataset(k, data=strs(v))
        d.attrs["encoding-type"] = "string-array"
        d.attrs["encoding-version"] = "0.2.0"


def write_cohort(path, obs, patients, views):
    """views: name -> (X rows for the samples with the view, var names, obsmap)"""
    with h5py.File(path, "w") as f:
        f.attrs["encoding-type"] = "MuData"
        f.attrs["encoding-version"] = "0.1.0"
        f.attrs["axis"] = 0
        dataframe(f, "obs", obs, {"patient": patients})
        mod = f.create_group("mod")
        mod.attrs["mod-order"] = np.array(list(views.keys()), dtype=h5py.string_dtype())
        om = f.create_group("obsmap")
        for name, (X, var, obsmap) in views.items():
            ad = mod.create_group(name)
            ad.attrs["encoding-type"] = "anndata"
            ad.attrs["encoding-version"] = "0.1.0"
            vobs = [obs[i] for i in np.argsort(obsmap) if obsmap[i] > 0]
            dataframe(ad, "obs", vobs)
            dataframe(ad, "var", var)
            d = ad.create_dataset("X", data=X)
            d.attrs["encoding-type"] = "array"
            d.attrs["encoding-version"] = "0.2.0"
            om.create_dataset(name, data=np.asarray(obsmap, dtype=np.uint32))


def explicit(Xfull, present, center):
    """The documented preprocessing of one view (N x D with NaN, present mask)."""
    X = Xfull.copy()
    obs = present[:, None] & ~np.isnan(X)
    mu = np.where(obs, X, 0).sum(0) / np.maximum(obs.sum(0), 1)
    X = np.where(np.isnan(X), mu[None, :], X)
    X[~present, :] = mu[None, :] if center else 0.0
    return X - mu[None, :] if center else X


def flip(U, V):
    for c in range(U.shape[1]):
        i = np.argmax(np.abs(U[:, c]))
        if U[i, c] < 0:
            U[:, c] *= -1
            V[:, c] *= -1
    return U, V


rng = np.random.default_rng(5)
N = 40
obs = ["s%02d" % i for i in range(N)]
patients = ["p%d" % (i // 3) for i in range(N)]
# view rna: all samples; view meth: 30 samples (every fourth missing), with NaN entries
rna = rng.normal(size=(N, 4)) @ (rng.normal(size=(4, 30)) * np.array([8, 4, 2, 1])[:, None]) + 5
rna += 0.01 * rng.normal(size=rna.shape)
pres_m = np.array([i % 4 != 1 for i in range(N)])
meth_full = rng.normal(size=(N, 3)) @ (rng.normal(size=(3, 60)) * np.array([6, 3, 1])[:, None]) - 2
meth_full += 0.01 * rng.normal(size=meth_full.shape)
meth_full[rng.random(meth_full.shape) < 0.05] = np.nan
obsmap_m = np.zeros(N, dtype=np.uint32)
obsmap_m[pres_m] = np.arange(1, pres_m.sum() + 1)
meth_full[~pres_m, :] = np.nan

tmp = tempfile.mkdtemp(prefix="strata_svd_cli_")
coh = os.path.join(tmp, "cohort.h5mu")
write_cohort(coh, obs, patients, {
    "rna": (rna, ["g%d" % j for j in range(30)], np.arange(1, N + 1)),
    "meth": (meth_full[pres_m], ["cg%d" % j for j in range(60)], obsmap_m)})
md5_before = hashlib.md5(open(coh, "rb").read()).hexdigest()
all_present = np.ones(N, dtype=bool)

# 1. single view, exact, against numpy
out = os.path.join(tmp, "pca_rna.h5mu")
rc, so, se = strata("pca", coh, "-o", out, "-k", 4, "--views", "rna", "--method", "exact",
                    "--block-size", 8, "--tsv", os.path.join(tmp, "rna"))
check(rc == 0, "pca rna exact exit %d: %s" % (rc, se))
if rc == 0:
    A = explicit(rna, all_present, True)
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    U, V = flip(U[:, :4].copy(), Vt[:4].T.copy())
    with h5py.File(out, "r") as f:
        check(f.attrs["encoding-type"] == "MuData", "root encoding-type")
        Xp = f["obsm/X_pca"][...]
        PCs = f["mod/rna/varm/PCs"][...]
        var = f["uns/pca/variance"][...]
        ratio = f["uns/pca/variance_ratio"][...]
        check(Xp.shape == (N, 4) and PCs.shape == (30, 4), "shapes %s %s" % (Xp.shape, PCs.shape))
        check(np.allclose(Xp, U * s[:4], rtol=0, atol=1e-9 * s[0]), "X_pca = U S (max diff %.3g)" % np.abs(Xp - U * s[:4]).max())
        check(np.allclose(PCs, V, atol=1e-9), "PCs = V (max diff %.3g)" % np.abs(PCs - V).max())
        check(np.allclose(var, s[:4] ** 2 / (N - 1), rtol=1e-12), "variance")
        check(np.allclose(ratio, s[:4] ** 2 / (s ** 2).sum(), rtol=1e-12), "variance_ratio")
        check(f["uns/pca/params/svd_solver"][()].decode() == "exact", "svd_solver recorded")
        check([x.decode() for x in f["mod/rna/var/_index"][...]] == ["g%d" % j for j in range(30)], "var names")
        check([x.decode() for x in f["obs/_index"][...]] == obs, "obs names")
    sc = np.loadtxt(os.path.join(tmp, "rna.scores.tsv"), skiprows=1, usecols=range(1, 5))
    check(np.allclose(sc, U * s[:4], atol=1e-9 * s[0]), "TSV scores")
    check("# method exact: as asked" in so, "method line on stdout: %r" % so[:300])

# 2. joint PCA with MFA, missing view and NaN entries, randomized (auto)
out = os.path.join(tmp, "pca_joint.h5mu")
evfile = os.path.join(tmp, "events.jsonl")
rc, so, se = strata("pca", coh, "-o", out, "-k", 3, "--power-iters", 6, "--method", "randomized",
                    "--events-jsonl", evfile)
check(rc == 0, "joint pca exit %d: %s" % (rc, se))
if rc == 0:
    check("# method randomized: as asked" in so, "method line: %r" % so[:300])
    blocks, w = [], []
    for X, pres in ((rna, all_present), (meth_full, pres_m)):
        A = explicit(X, pres, True)
        s1 = np.linalg.svd(A, compute_uv=False)[0]
        w.append(1 / s1)
        blocks.append(A / s1)
    J = np.hstack(blocks)
    U, s, Vt = np.linalg.svd(J, full_matrices=False)
    U, V = flip(U[:, :3].copy(), Vt[:3].T.copy())
    with h5py.File(out, "r") as f:
        check(np.allclose(f["uns/pca/view_weights"][...], w, rtol=1e-8), "MFA weights %s vs %s" % (f["uns/pca/view_weights"][...], w))
        Xp = f["obsm/X_pca"][...]
        check(np.allclose(Xp, U * s[:3], atol=1e-6 * s[0]), "joint X_pca (max diff %.3g)" % np.abs(Xp - U * s[:3]).max())
        check(np.allclose(f["mod/meth/varm/PCs"][...], V[30:], atol=1e-6), "joint PCs of meth")
        check(np.allclose(f["uns/pca/singular_values"][...], s[:3], rtol=1e-8), "joint singular values")
        check(f["obsmap/meth"][...].tolist() == obsmap_m.tolist(), "obsmap copied")
    # progress: one iteration event per pass over the data, each objective an estimate of
    # sigma_1: 2q+2 passes, or q+2 on a grid with one process row, where a power iteration's two
    # products share one pass (q = 6 here, 4 for each view's MFA weight)
    import json, re
    gm = re.search(r"grid (\d+)x(\d+)", so)
    check(gm is not None, "grid on stdout: %r" % so[:300])
    one_row = gm is not None and gm.group(1) == "1"
    passes = (lambda q: q + 2) if one_row else (lambda q: 2 * q + 2)
    ev = [json.loads(x) for x in open(evfile) if x.strip()]
    it = [e for e in ev if e.get("type") == "iteration" and e.get("phase") == "svd"]
    check([e["iter"] for e in it] == list(range(1, passes(6) + 1)), "svd pass events: %s (grid %s)" % ([e.get("iter") for e in it], gm and gm.group(0)))
    check(it and abs(it[-1]["objective"] - s[0]) < 1e-8 * s[0], "last pass objective = sigma_1: %s vs %s" % (it[-1]["objective"] if it else None, s[0]))
    check(all(e["objective"] <= s[0] * (1 + 1e-12) for e in it), "pass objectives are Ritz values <= sigma_1")
    check(len([e for e in ev if e.get("phase") == "mfa-weight" and e.get("type") == "iteration"]) == 2 * passes(4),
          "MFA passes reported (2 views x %d)" % passes(4))

# 3. uncentred SVD, gram path, soft-impute runs and reports
out = os.path.join(tmp, "svd_meth.h5mu")
rc, so, se = strata("svd", coh, "-o", out, "-k", 2, "--views", "meth", "--method", "gram")
check(rc == 0, "svd gram exit %d: %s" % (rc, se))
if rc == 0:
    A = explicit(meth_full, pres_m, False)
    s = np.linalg.svd(A, compute_uv=False)
    with h5py.File(out, "r") as f:
        check(np.allclose(f["uns/svd/singular_values"][...], s[:2], rtol=1e-10), "svd singular values (gram)")
        check("X_svd" in f["obsm"] and "SVs" in f["mod/meth/varm"], "svd keys")
out = os.path.join(tmp, "pca_soft.h5mu")
rc, so, se = strata("pca", coh, "-o", out, "-k", 3, "--views", "meth", "--impute", "soft",
                    "--impute-tol", "1e-6", "--impute-maxiter", 300)
check(rc == 0 and "# soft-impute:" in so, "soft-impute exit %d: %s %s" % (rc, so[-300:], se))
# auto on a small matrix picks a dense solver and says why
check("# method exact: k+p = 13 is not small next to min(N,D) = 40" in so, "auto reason: %r" % so[:400])

# 3b. scaled PCA on an explicit grid shape (samples split over grid rows)
grid = {1: "1x1", 2: "2x1", 4: "2x2"}.get(NP, "%dx1" % NP)
out = os.path.join(tmp, "pca_scaled.h5mu")
rc, so, se = strata("pca", coh, "-o", out, "-k", 3, "--views", "rna", "--scale", "--grid", grid,
                    "--method", "randomized", "--power-iters", 6)
check(rc == 0 and ("grid %s" % grid) in so, "scaled pca on grid %s: exit %d %s" % (grid, rc, se))
if rc == 0:
    A = explicit(rna, all_present, True)
    A = A / A.std(axis=0, ddof=1)[None, :]
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    U, V = flip(U[:, :3].copy(), Vt[:3].T.copy())
    with h5py.File(out, "r") as f:
        check(np.allclose(f["obsm/X_pca"][...], U * s[:3], atol=1e-7 * s[0]), "scaled X_pca")
        check(np.allclose(f["uns/pca/variance_ratio"][...], s[:3] ** 2 / (s ** 2).sum(), rtol=1e-8), "scaled variance_ratio")

# 4. the input is untouched; errors
check(hashlib.md5(open(coh, "rb").read()).hexdigest() == md5_before, "input cohort unchanged")
rc, so, se = strata("pca", coh, "-o", coh)
check(rc == 1 and "is the input COHORT" in se and "never writes over its inputs" in se, "output == input: exit %d %s" % (rc, se))
rc, so, se = strata("pca", coh, "-o", os.path.join(tmp, "x.h5mu"), "--views", "protein")
check(rc == 2 and "no view 'protein'" in se and se.count("strata pca:") == 1, "unknown view: exit %d %s" % (rc, se))
rc, so, se = strata("pca", coh, "-o", os.path.join(tmp, "x.h5mu"), "-k", 41, "--views", "rna")
check(rc == 2 and "at most 30 components" in se, "k too large: exit %d %s" % (rc, se))
rc, so, se = strata("pca", coh, "-o", os.path.join(tmp, "x.h5mu"), "--method", "fast")
check(rc == 1 and "unknown method 'fast'" in se, "bad method: exit %d %s" % (rc, se))
rc, so, se = strata("pca", os.path.join(tmp, "missing.h5mu"), "-o", os.path.join(tmp, "x.h5mu"))
check(rc in (2, 3) and "missing.h5mu" in se, "missing input: exit %d %s" % (rc, se))
check(not os.path.exists(os.path.join(tmp, "x.h5mu")), "no partial output after errors")
rc, so, se = strata("pca", "--help")
check(rc == 0 and so.startswith("Usage: strata pca"), "--help")

print("%d failures" % len(failures))
sys.exit(1 if failures else 0)
