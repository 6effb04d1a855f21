#!/usr/bin/python3
"""strata nmf end to end (run at np 1, 2, 4): import a planted two-view cohort (clusters shared
across views, NaN entries, samples absent from one view), fit it, and check the results file
with h5py against the planted truth; --k-range chooses the planted k; a negative value fails
with exit 2 naming view, sample and feature; a simulated signal writes a checkpoint (exit 6)
and --resume finishes with exactly the factors of an uninterrupted run."""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

NP = int(os.environ.get("STRATA_NP", "1"))
BIN = os.environ["STRATA_BIN"]
MPIEXEC = os.environ.get("STRATA_MPIEXEC", "mpiexec")
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what, file=sys.stderr)


def strata(*args, env=None):
    cmd = [MPIEXEC, "-n", str(NP), BIN] + [str(a) for a in args]
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run(cmd, capture_output=True, text=True, env=e, timeout=240)


def write_view(path, ids, feats, Y):
    with open(path, "w") as f:
        f.write("sample\t" + "\t".join(feats) + "\n")
        for i, s in enumerate(ids):
            f.write(s + "\t" + "\t".join("NA" if np.isnan(v) else repr(float(v)) for v in Y[i]) + "\n")


rng = np.random.default_rng(5)
N, k = 60, 3
label = np.arange(N) % k
H = np.where(np.arange(k)[None, :] == label[:, None], 1 + 0.5 * rng.random((N, k)), 0.1 * rng.random((N, k)))
ids = ["S%02d" % i for i in range(N)]
patients = ["P%02d" % (i // 3) for i in range(N)]
D = {"rna": 50, "meth": 40}
Y = {}
for m, d in D.items():
    W = rng.random((d, k)) ** 2
    Y[m] = H @ W.T + 0.05 * rng.random((N, d))
    Y[m][rng.random((N, d)) < 0.03] = np.nan

with tempfile.TemporaryDirectory() as tmp:
    t = lambda name: os.path.join(tmp, name)
    with open(t("samples.tsv"), "w") as f:
        f.write("sample\tpatient\n")
        for s, p in zip(ids, patients):
            f.write(f"{s}\t{p}\n")
    write_view(t("rna.tsv"), ids, ["g%d" % j for j in range(D["rna"])], Y["rna"])
    keep = [i for i in range(N) if i % 10 != 4]  # six samples lack methylation
    write_view(t("meth.tsv"), [ids[i] for i in keep], ["cg%d" % j for j in range(D["meth"])], Y["meth"][keep])
    r = strata("import", "-o", t("c.h5mu"), "--samples", t("samples.tsv"),
               "--view", "rna=" + t("rna.tsv"), "--view", "meth=" + t("meth.tsv"))
    check(r.returncode == 0, "import: " + r.stderr)

    # 1. fit with k chosen from 2..5 by consensus
    r = strata("nmf", "--k-range", "2:5", "--runs", "4", "--tol", "1e-5", "--max-iter", "200",
               "-o", t("r.h5mu"), t("c.h5mu"))
    check(r.returncode == 0, "nmf k-range: " + r.stderr)
    check("chosen k\t3" in r.stdout, "k-range chooses 3:\n" + r.stdout)
    if r.returncode == 0:
        with h5py.File(t("r.h5mu"), "r") as f:
            Hh = f["obsm/X_nmf"][()]
            check(Hh.shape == (N, 3), "X_nmf shape %s" % (Hh.shape,))
            check(f["mod/rna/varm/W_nmf"].shape == (50, 3) and f["mod/meth/varm/W_nmf"].shape == (40, 3),
                  "W_nmf shapes")
            clu = f["obs/nmf_cluster"][()]
            check(np.array_equal(clu - 1, Hh.argmax(axis=1)), "nmf_cluster = argmax H + 1")
            # planted clusters recovered up to a relabelling
            pairs = {(a, b) for a, b in zip(clu, label)}
            check(len(pairs) == 3 and len({a for a, _ in pairs}) == 3, "clusters %s" % sorted(pairs))
            obj = f["uns/nmf/objective"][()]
            check(np.all(np.diff(obj) <= 1e-12 * obj[:-1]), "objective non-increasing")
            ks = f["uns/nmf/k_selection"]
            check(list(ks["k"][()]) == [2, 3, 4, 5] and ks["best_k"][()] == 3, "k_selection stored")
            check(f["uns/nmf/params/solver"][()] in (b"hals", "hals"), "params stored")
            # relative error recomputed from the file's factors on the observed entries
            num = den = 0.0
            for m, rows in (("rna", list(range(N))), ("meth", keep)):
                Wm = f["mod/%s/varm/W_nmf" % m][()]
                R = (Hh @ Wm.T)[rows]
                Ym = Y[m][rows]
                ok = ~np.isnan(Ym)
                num += ((Ym - R)[ok] ** 2).sum()
                den += (Ym[ok] ** 2).sum()
            rel = f["uns/nmf/rel_error"][()]
            check(abs(np.sqrt(num / den) - rel) < 1e-9, "rel_error %g vs recomputed %g" % (rel, np.sqrt(num / den)))
            check(rel < 0.05, "fit %g" % rel)
        check(not os.path.exists(t("r.h5mu.ckpt.h5")), "finished run leaves no checkpoint")

    # 2. negative value: exit 2, message names view, sample and feature, no output file
    Yn = Y["meth"][keep].copy()
    Yn[7, 12] = -1.5
    write_view(t("neg.tsv"), [ids[i] for i in keep], ["cg%d" % j for j in range(D["meth"])], Yn)
    r = strata("import", "-o", t("n.h5mu"), "--samples", t("samples.tsv"),
               "--view", "rna=" + t("rna.tsv"), "--view", "meth=" + t("neg.tsv"))
    check(r.returncode == 0, "import neg: " + r.stderr)
    r = strata("nmf", "-k", "3", "-o", t("neg_out.h5mu"), t("n.h5mu"))
    sample = ids[keep[7]]
    check(r.returncode == 2, "negative exit code %d" % r.returncode)
    check("meth" in r.stderr and "'%s'" % sample in r.stderr and "'cg12'" in r.stderr,
          "negative message: " + r.stderr)
    check(r.stderr.count("strata nmf:") == 1, "one error line: " + r.stderr)
    check(not os.path.exists(t("neg_out.h5mu")), "no output after an error")
    r = strata("nmf", "-k", "3", "--negative", "clip", "--max-iter", "20", "-o", t("neg_out.h5mu"), t("n.h5mu"))
    check(r.returncode == 0 and os.path.exists(t("neg_out.h5mu")), "--negative clip runs: " + r.stderr)

    # 3. signal -> checkpoint (exit 6) -> resume equals the uninterrupted run
    common = ["-k", "3", "--solver", "anls", "--tol", "0", "--max-iter", "25"]
    r = strata("nmf", *common, "-o", t("full.h5mu"), t("c.h5mu"))
    check(r.returncode == 0, "uninterrupted: " + r.stderr)
    r = strata("nmf", *common, "-o", t("part.h5mu"), "--checkpoint", t("ck.h5"), t("c.h5mu"),
               env={"STRATA_STOP_AFTER": "9"})
    check(r.returncode == 6 and "--resume" in r.stderr, "signal exit %d: %s" % (r.returncode, r.stderr))
    check(os.path.exists(t("ck.h5")) and not os.path.exists(t("part.h5mu")), "checkpoint, no output")
    r = strata("nmf", *common, "-o", t("part.h5mu"), "--resume", t("ck.h5"), t("c.h5mu"))
    check(r.returncode == 0, "resume: " + r.stderr)
    if r.returncode == 0:
        with h5py.File(t("full.h5mu"), "r") as a, h5py.File(t("part.h5mu"), "r") as b:
            check(np.array_equal(a["obsm/X_nmf"][()], b["obsm/X_nmf"][()]), "resumed H equals uninterrupted H")
            check(np.array_equal(a["mod/meth/varm/W_nmf"][()], b["mod/meth/varm/W_nmf"][()]), "resumed W")
            check(np.array_equal(a["uns/nmf/objective"][()], b["uns/nmf/objective"][()]), "resumed trace")
    # a checkpoint from another k is refused with exit 2
    r = strata("nmf", "-k", "2", "--solver", "anls", "-o", t("x.h5mu"), "--resume", t("ck.h5"), t("c.h5mu"))
    check(r.returncode == 2 and "ck.h5" in r.stderr, "wrong checkpoint: %d %s" % (r.returncode, r.stderr))

    # 4. usage errors
    r = strata("nmf", "--solver", "bogus", t("c.h5mu"))
    check(r.returncode == 1 and "--solver" in r.stderr, "bad solver: " + r.stderr)
    r = strata("nmf", "--views", "nope", t("c.h5mu"))
    check(r.returncode == 2 and "nope" in r.stderr, "unknown view: " + r.stderr)

print("nmf cli: %d failures" % failures)
sys.exit(1 if failures else 0)
