"""strata import -> read back, bit-exact: small views in every supported layout (rows and
columns, TSV, CSV, gzip, NA/NaN/empty cells, log1p, bernoulli) are imported at STRATA_NP ranks
with tiny blocks (many collective writes), read back with strata_cohort_read_view (cohort_dump,
two grid shapes) and compared value by value with Python's own parse of the same text.
Usage: test_import.py COHORT_DUMP_EXE"""
import gzip
import math
import os
import random
import shutil
import sys

import h5py
import numpy as np

from iotest import NP, check, finish, mpirun, read_dump, read_table, same, strata, cell

dump_exe = sys.argv[1]
work = "import_np%d" % NP
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
rng = random.Random(7)

samples = ["S%02d" % i for i in range(1, 15)]
patients = []
p = 0
while len(patients) < len(samples):
    p += 1
    patients += ["P%d" % p] * min(1 + p % 4, len(samples) - len(patients))
with open(f"{work}/samples.tsv", "w") as fh:
    fh.write("sample\tcase_id\tage\tsite\n")
    for i, (s, pt) in enumerate(zip(samples, patients)):
        age = "NA" if i == 3 else str(30 + i)
        fh.write(f"{s}\t{pt}\t{age}\t{'ab'[i % 2]}-site\n")


def num():
    r = rng.random()
    if r < 0.08:
        return rng.choice(["NA", "NaN", ""])
    if r < 0.15:
        return str(rng.randint(-5, 5))
    return repr(rng.uniform(-1e3, 1e3) * 10 ** rng.randint(-6, 6))


def write(path, rows, sep="\t"):
    text = "".join(sep.join(r) + "\n" for r in rows)
    if path.endswith(".gz"):
        with gzip.open(path, "wt") as fh:
            fh.write(text)
    else:
        with open(path, "w") as fh:
            fh.write(text)


# A: samples as rows, gzip, a subset of the samples in another order
a_s = rng.sample(samples, 11)
write(f"{work}/a.tsv.gz", [["id"] + ["ga%d" % j for j in range(7)]] + [[s] + [num() for _ in range(7)] for s in a_s])
# B: samples as columns, CSV (with a quoted id)
b_s = rng.sample(samples, 9)
write(f"{work}/b.csv", [["feature"] + b_s] + [['"fb%d"' % j] + [num() for _ in b_s] for j in range(5)], ",")
# C: counts, log1p
c_s = samples[:]
write(f"{work}/c.tsv", [["sample"] + ["m%d" % j for j in range(4)]] + [[s] + [str(rng.randint(0, 5000)) for _ in range(4)] for s in c_s])
# D: 0/1 mutations with a missing cell
d_s = samples[2:]
write(f"{work}/d.tsv", [["sample", "TP53", "KRAS", "APC"]] + [[s] + [rng.choice(["0", "1", "0", "NA"]) for _ in range(3)] for s in d_s])

out = f"{work}/cohort.h5mu"
rc, so, se = strata("import", "-o", out, "--samples", f"{work}/samples.tsv", "--block-mb", "0.0002",
                    "--view", f"alpha={work}/a.tsv.gz", "--view", f"beta={work}/b.csv:bycol",
                    "--view", f"counts={work}/c.tsv:log1p", "--view", f"mut={work}/d.tsv:bernoulli")
check(rc == 0, "import exit %d: %s" % (rc, se))
check("14 samples, 6 patients, 4 views" in so, "import summary: " + so)
check(sorted(os.listdir(work)) == sorted(["samples.tsv", "a.tsv.gz", "b.csv", "c.tsv", "d.tsv", "cohort.h5mu"]),
      "no temporary left: %s" % os.listdir(work))


def expected(view):
    """sample -> list of expected values, from Python's parse of the text files."""
    if view == "beta":
        rows = read_table(f"{work}/b.csv", ",")
        ids = rows[0][1:]
        return {s: [cell(r[1 + k]) for r in rows[1:]] for k, s in enumerate(ids)}, [r[0].strip('"') for r in rows[1:]]
    path = {"alpha": "a.tsv.gz", "counts": "c.tsv", "mut": "d.tsv"}[view]
    rows = read_table(f"{work}/{path}")
    f = (lambda x: math.log2(x + 1.0)) if view == "counts" else (lambda x: x)
    return {r[0]: [f(cell(x)) for x in r[1:]] for r in rows[1:]}, rows[0][1:]


grids = ["%dx1" % NP] + (["1x%d" % NP] if NP > 1 else [])
for grid in grids:
    dfile = f"{work}/dump_{grid}.txt"
    rc, so, se = mpirun(dump_exe, out, dfile, grid)
    check(rc == 0, "cohort_dump %s: %s" % (grid, se))
    d = read_dump(dfile)
    check(d["meta"] == (14, 6, "patient"), "meta %s" % (d["meta"],))
    check(d["obs"] == list(zip(samples, patients)), "obs ids and patients")
    check(d["cols"]["age"][0] == 1 and d["cols"]["age"][1][3] is None and d["cols"]["age"][1][4] == "34", "age column")
    check(d["cols"]["site"] == (0, ["ab"[i % 2] + "-site" for i in range(14)]), "site column")
    check(d["order"] == ["alpha", "beta", "counts", "mut"], "views in order")
    for name in d["order"]:
        v = d["views"][name]
        want, var = expected(name)
        check(v["var"] == var, f"{name} var ids")
        check(v["dtype"] == 8 and v["lik"] == ("bernoulli" if name == "mut" else "gaussian"), f"{name} dtype/likelihood")
        bad = 0
        for s in samples:
            present, vals = v["rows"][s]
            if s in want:
                bad += present != 1 or any(not same(x, y) for x, y in zip(vals, want[s]))
            else:
                bad += present != 0 or not all(x != x for x in vals)
        check(bad == 0, f"{name} grid {grid}: {bad} samples differ")

# check and info on the imported cohort (regions per patient: sizes 2, 3, 4, 1, 2, 2)
rc, so, se = strata("check", out)
check(rc == 0 and "OK" in so and "14 samples, 6 patients, 4 views" in so, f"check: {rc} {so} {se}")
rc, so, se = strata("info", out)
check(rc == 0 and "regions per patient: 1 region: 1 patient, 2 regions: 3 patients, 3 regions: 1 patient, "
      "4 regions: 1 patient" in so, f"info regions: {so}")
check("counts" in so and "mut" in so and "bernoulli" in so and "float64" in so, f"info views: {so}")

# the stored arrays as h5py sees them: view rows in file order, float64, exact
f = h5py.File(out, "r")
alpha = f["mod/alpha/X"][()]
want, _ = expected("alpha")
check(alpha.dtype == np.float64 and alpha.shape == (11, 7), "alpha X shape/dtype")
check(list(f["mod/alpha/obs/_index"].asstr()[()]) == a_s, "alpha rows in file order")
check(all(same(float(alpha[i, j]), want[s][j]) for i, s in enumerate(a_s) for j in range(7)), "alpha bit-exact in h5py")
om = f["obsmap/beta"][()]
check([samples[i] for i in np.argsort(om) if om[i] > 0] == b_s and (om > 0).sum() == 9, "beta obsmap")
f.close()

# float32 storage: the float32 rounding of the parsed values
out32 = f"{work}/cohort32.h5mu"
rc, so, se = strata("import", "-o", out32, "--samples", f"{work}/samples.tsv", "--float32", "--view", f"alpha={work}/a.tsv.gz")
check(rc == 0, "float32 import: " + se)
rc, so, se = mpirun(dump_exe, out32, f"{work}/dump32.txt")
d = read_dump(f"{work}/dump32.txt")
want, _ = expected("alpha")
v = d["views"]["alpha"]
check(v["dtype"] == 4, "float32 dtype")
check(all(same(x, float(np.float32(y))) for s in want for x, y in zip(v["rows"][s][1], want[s])), "float32 values")
finish()
