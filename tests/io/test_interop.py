"""Files written by h5py the way anndata and mudata write them are read correctly by strata:
a .h5mu with a dense float32 view (gzip-chunked), a CSR view without obsmap (matched by id), a
float64 view whose obsmap marks absent samples, an int32 count view, obs columns that are categorical (with a missing code),
vlen strings, bool, nullable integer and float; and an .h5ad with CSR X and a categorical
patient column.  Values come back exactly (cohort_dump), `strata check` and `strata info` pass.
Usage: test_interop.py COHORT_DUMP_EXE"""
import os
import shutil
import sys

import h5py
import numpy as np

from iotest import NP, check, finish, mpirun, read_dump, same, strata

dump_exe = sys.argv[1]
work = "interop_np%d" % NP
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
rng = np.random.default_rng(3)
S = h5py.string_dtype("utf-8")


def enc(obj, t, v):
    obj.attrs["encoding-type"] = t
    obj.attrs["encoding-version"] = v


def strings(g, name, vals):
    d = g.create_dataset(name, data=np.array(vals, dtype=object), dtype=S)
    enc(d, "string-array", "0.2.0")


def dataframe(g, name, index, cols):
    df = g.create_group(name)
    enc(df, "dataframe", "0.2.0")
    df.attrs["_index"] = "_index"
    if cols:
        df.attrs.create("column-order", list(cols), dtype=S)
    else:  # anndata writes an empty float array for no columns
        df.attrs["column-order"] = np.array([], dtype=float)
    strings(df, "_index", index)
    for k, (kind, val) in cols.items():
        if kind == "cat":
            codes, cats = val
            c = df.create_group(k)
            enc(c, "categorical", "0.2.0")
            c.attrs["ordered"] = False
            c.create_dataset("codes", data=np.array(codes, dtype=np.int8))
            strings(c, "categories", cats)
        elif kind == "str":
            strings(df, k, val)
        elif kind == "nullable-integer":
            values, mask = val
            c = df.create_group(k)
            enc(c, "nullable-integer", "0.1.0")
            c.create_dataset("values", data=np.array(values, dtype=np.int64))
            c.create_dataset("mask", data=np.array(mask, dtype=bool))
        else:
            d = df.create_dataset(k, data=val)
            enc(d, "array", "0.2.0")
    return df


def anndata(g, obs_ids, var_ids, X, sparse=False):
    enc(g, "anndata", "0.1.0")
    dataframe(g, "obs", obs_ids, {})
    dataframe(g, "var", var_ids, {})
    for k in ("obsm", "varm", "layers", "uns", "obsp", "varp"):
        enc(g.create_group(k), "dict", "0.1.0")
    if sparse:
        x = g.create_group("X")
        enc(x, "csr_matrix", "0.1.0")
        x.attrs["shape"] = np.array(X.shape, dtype=np.int64)
        rows, cols = np.nonzero(np.nan_to_num(X, nan=1.0))
        x.create_dataset("data", data=X[rows, cols])
        x.create_dataset("indices", data=cols.astype(np.int32))
        x.create_dataset("indptr", data=np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=X.shape[0]))]).astype(np.int64))
    else:
        d = g.create_dataset("X", data=X, compression="gzip")
        enc(d, "array", "0.2.0")


ids = ["r%02d" % i for i in range(13)]
pat_codes = [0, 0, 1, 1, 1, 2, 3, 3, 4, 4, 4, 4, 5]
pat_cats = ["pA", "pB", "pC", "pD", "pE", "pF"]
cols = {
    "patient_id": ("cat", (pat_codes, pat_cats)),
    "stage": ("cat", ([0, 1, -1, 2, 0, 1, 2, -1, 0, 1, 2, 0, 1], ["I", "II", "III"])),
    "age": ("num", np.array([50.5, np.nan] + list(np.arange(60.0, 71.0)))),
    "smoker": ("num", np.array([True, False] * 6 + [True])),
    "site": ("str", ["s%d" % (i % 4) for i in range(13)]),
    "count": ("nullable-integer", ([3] * 13, [False, True] + [False] * 11)),
}
rna_rows = [ids[i] for i in (4, 0, 1, 2, 7, 9, 10, 12, 3)]      # another order than obs
atac_rows = [ids[i] for i in (0, 2, 5, 6, 8, 11)]
prot_rows = ids[:]                                              # obsmap marks 3 absent below
Xr = rng.normal(size=(9, 6)).astype(np.float32)
Xr[2, 3] = np.nan
Xa = np.where(rng.random((6, 8)) < 0.6, 0.0, rng.normal(size=(6, 8)))
Xp = rng.normal(size=(10, 3))
absent_p = {1, 5, 9}
Xc = rng.integers(0, 1000, size=(13, 4)).astype(np.int32)
with h5py.File(f"{work}/foreign.h5mu", "w", userblock_size=512) as f:
    enc(f, "MuData", "0.1.0")
    f.attrs["encoder"] = "mudata"
    f.attrs["encoder-version"] = "0.2.3"
    dataframe(f, "obs", ids, cols)
    dataframe(f, "var", [], {})
    mod = f.create_group("mod")
    mod.attrs.create("mod-order", ["rna", "atac", "prot", "cnt"], dtype=S)
    anndata(mod.create_group("rna"), rna_rows, ["g%d" % j for j in range(6)], Xr)
    anndata(mod.create_group("atac"), atac_rows, ["peak%d" % j for j in range(8)], Xa, sparse=True)
    prot_ids = [s for i, s in enumerate(ids) if i not in absent_p]
    anndata(mod.create_group("prot"), prot_ids, ["ab%d" % j for j in range(3)], Xp)
    anndata(mod.create_group("cnt"), ids, ["c%d" % j for j in range(4)], Xc)  # int32 counts, no obsmap
    om = f.create_group("obsmap")
    m = np.zeros(13, dtype=np.uint32)
    for r, s in enumerate(rna_rows):
        m[ids.index(s)] = r + 1
    om.create_dataset("rna", data=m)
    m = np.zeros(13, dtype=np.uint32)
    for r, s in enumerate(prot_ids):
        m[ids.index(s)] = r + 1
    om.create_dataset("prot", data=m)
with open(f"{work}/foreign.h5mu", "r+b") as fh:
    fh.write(b"MuData (format-version=0.1.0;creator=mudata;creator-version=0.2.3)")

Xh = np.where(rng.random((13, 5)) < 0.5, 0.0, rng.normal(size=(13, 5))).astype(np.float32)
with h5py.File(f"{work}/single.h5ad", "w") as f:
    enc(f, "anndata", "0.1.0")
    dataframe(f, "obs", ids, {"patient": ("cat", (pat_codes, pat_cats))})
    dataframe(f, "var", ["f%d" % j for j in range(5)], {})
    x = f.create_group("X")
    enc(x, "csr_matrix", "0.1.0")
    x.attrs["shape"] = np.array([13, 5])
    rows, cc = np.nonzero(Xh)
    x.create_dataset("data", data=Xh[rows, cc])
    x.create_dataset("indices", data=cc.astype(np.int64))
    x.create_dataset("indptr", data=np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=13))]))

grid = "%dx1" % NP if NP < 4 else "2x2"
rc, so, se = mpirun(dump_exe, f"{work}/foreign.h5mu", f"{work}/dump.txt", grid)
check(rc == 0, "dump foreign.h5mu: " + se)
d = read_dump(f"{work}/dump.txt")
check(d["meta"] == (13, 6, "patient_id"), "meta %s" % (d["meta"],))
check(d["obs"] == [(s, pat_cats[c]) for s, c in zip(ids, pat_codes)], "ids and categorical patients")
check(d["cols"]["stage"] == (0, ["I", "II", None, "III", "I", "II", "III", None, "I", "II", "III", "I", "II"]), "categorical with -1")
check(d["cols"]["age"][0] == 1 and d["cols"]["age"][1][:3] == ["50.5", None, "60"], "float column with NaN: %s" % d["cols"]["age"][1][:3])
check(d["cols"]["smoker"] == (1, ["1", "0"] * 6 + ["1"]), "bool column")
check(d["cols"]["site"] == (0, ["s%d" % (i % 4) for i in range(13)]), "vlen string column")
check(d["cols"]["count"] == (1, ["3", None] + ["3"] * 11), "nullable integer")
check(d["order"] == ["rna", "atac", "prot", "cnt"], "mod-order")


def compare(view, rows, X, dtype_bytes, sparse):
    v = d["views"][view]
    check(v["dtype"] == dtype_bytes and v["sparse"] == sparse, f"{view} dtype {v['dtype']} sparse {v['sparse']}")
    bad = 0
    for s in ids:
        present, vals = v["rows"][s]
        if s in rows:
            want = [float(x) for x in X[rows.index(s)]]
            bad += present != 1 or any(not same(a, b) for a, b in zip(vals, want))
        else:
            bad += present != 0 or any(a == a for a in vals)
    check(bad == 0, f"{view}: {bad} samples differ")


compare("rna", rna_rows, Xr, 4, 0)
compare("atac", atac_rows, Xa, 8, 1)
compare("prot", prot_ids, Xp, 8, 0)
compare("cnt", ids, Xc, 4, 0)

rc, so, se = mpirun(dump_exe, f"{work}/single.h5ad", f"{work}/dump_h5ad.txt", grid)
check(rc == 0, "dump single.h5ad: " + se)
d = read_dump(f"{work}/dump_h5ad.txt")
check(d["order"] == ["single"] and d["meta"] == (13, 6, "patient"), "h5ad: one view named after the file")
compare("single", ids, Xh, 4, 1)

for path in (f"{work}/foreign.h5mu", f"{work}/single.h5ad"):
    rc, so, se = strata("check", path)
    check(rc == 0 and "OK" in so, f"check {path}: {rc} {so} {se}")
    rc, so, se = strata("info", path)
    check(rc == 0 and "patients: 6" in so, f"info {path}: {rc} {so} {se}")
rc, so, se = strata("info", f"{work}/foreign.h5mu")
check("atac" in so and "float64/csr" in so and "10/13" in so and "int32" in so, "info lists views: " + so)
finish()
