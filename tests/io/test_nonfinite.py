"""Values that are not numbers are bad input (issue 14, item 6).  strata import refuses inf,
infinity, 1e400 (and, with --float32, values beyond float) in a view or a numeric covariate and a
NUL byte anywhere: exit 2 on every rank, the message names file, line and column, the inputs are
byte-identical afterwards (sha256) and no output or temporary is left; --nonfinite missing reads
such values as NaN (checked in the written X against the hand-made table); empty, NA, NaN, -nan
stay missing values.  The methods (pca, svd, factor, nmf) given a cohort with +-Inf in X (written
here with h5py, as another tool would) exit 2 on every rank naming the view, the count and the
first bad entry by sample and feature id, leaving no output.
Usage: test_nonfinite.py"""
import glob
import hashlib
import os
import shutil
import subprocess

import h5py
import numpy as np

from iotest import BIN, MPIEXEC, NP, check, finish, strata

W = "nonfinite_np%d" % NP
shutil.rmtree(W, ignore_errors=True)
os.makedirs(W)


def put(name, data):
    path = f"{W}/{name}"
    with open(path, "wb") as fh:
        fh.write(data.encode() if isinstance(data, str) else data)
    return path


def sha(paths):
    return {p: hashlib.sha256(open(p, "rb").read()).hexdigest() for p in paths}


def per_rank(*args):
    """Run strata under mpiexec with every rank's own exit code recorded (the wrapper exits 0,
    so mpirun never kills a rank before it wrote its code).  Returns (codes, rank 0 stderr,
    all stderr)."""
    for f in glob.glob(f"{W}/rc.*") + glob.glob(f"{W}/err.*"):
        os.remove(f)
    script = ('r=${OMPI_COMM_WORLD_RANK:-${PMIX_RANK:-0}}; "$@" > /dev/null 2> "%s/err.$r"; '
              'echo $? > "%s/rc.$r"; exit 0' % (W, W))
    subprocess.run([MPIEXEC, "-n", str(NP), "bash", "-c", script, "_", BIN] + [str(a) for a in args],
                   timeout=300, capture_output=True)
    codes = sorted(int(open(f).read()) for f in glob.glob(f"{W}/rc.*"))
    errs = [open(f).read() for f in sorted(glob.glob(f"{W}/err.*"))]
    err0 = open(f"{W}/err.0").read() if os.path.exists(f"{W}/err.0") else ""
    return codes, err0, "".join(errs)


samples = put("samples.tsv", "sample\tpatient\tage\nA\tp1\t1\nB\tp1\t2\nC\tp2\t3\nD\tp3\t4\n")


def view(cell, bycol=False):
    if bycol:
        return "feature\tA\tB\tC\tD\nf1\t1\t2\t3\t4\nf2\t5\t6\t%s\t8\n" % cell
    return "id\tf1\tf2\nA\t1\t2\nB\t3\t4\nC\t5\t%s\nD\t7\t8\n" % cell


# (name, files {name: text}, view spec suffix, extra args, expected message, samples file)
cases = []
for cell in ["1e400", "inf", "-Infinity", "+INF", "-1e999", "0x1p2000"]:
    cases.append((f"view cell {cell}", view(cell), "", [], f"v.tsv:4: column 3: value '{cell}' is not a finite number (sample 'C', feature 'f2')", None))
cases.append(("by column", view("inf", True), ":bycol", [], "v.tsv:3: column 4: value 'inf' is not a finite number (sample 'C', feature 'f2')", None))
cases.append(("beyond float32", view("1e39"), "", ["--float32"], "v.tsv:4: column 3: value '1e39' is not a finite number in float32 (--float32)", None))
cases.append(("NUL byte in a cell", view("1\x002"), "", [], "v.tsv:4: column 3: NUL byte", None))
cases.append(("NUL byte in the samples table", view("6"), "", [], "samples_nul.tsv:3: column 3: NUL byte",
              "sample\tpatient\tage\nA\tp1\t1\nB\tp1\t2\x00\nC\tp2\t3\nD\tp3\t4\n"))
cases.append(("covariate inf", view("6"), "", [], "samples_inf.tsv:4: column 3 ('age'): value 'inf' is not a finite number (sample 'C')",
              "sample\tpatient\tage\nA\tp1\t1\nB\tp1\t2\nC\tp2\tinf\nD\tp3\t4\n"))

for i, (name, text, spec, extra, msg, samp_text) in enumerate(cases):
    d = f"{W}/case{i}"
    os.makedirs(d)
    v = f"{d}/v.tsv"
    with open(v, "wb") as fh:
        fh.write(text.encode())
    samp = samples
    if samp_text is not None:
        samp = f"{d}/" + ("samples_nul.tsv" if "\x00" in samp_text else "samples_inf.tsv")
        with open(samp, "wb") as fh:
            fh.write(samp_text.encode())
    before = sha([v, samp])
    out = f"{d}/out.h5mu"
    codes, err0, errs = per_rank("import", "-o", out, "--samples", samp, "--view", "v=" + v + spec, *extra)
    check(codes == [2] * NP, f"{name}: exit codes per rank {codes} (want 2 on each of {NP})")
    check(msg in err0, f"{name}: message {msg!r} not in {err0!r}")
    check("--nonfinite missing" in err0 or "NUL" in msg, f"{name}: the message names the way out: {err0!r}")
    check(errs.count("strata import:") == 1, f"{name}: one message, got {errs!r}")
    check(sha([v, samp]) == before, f"{name}: an input changed")
    check(glob.glob(f"{d}/out*") == [], f"{name}: files left: {glob.glob(d + '/out*')}")

# --nonfinite missing: the value is stored as NaN, everything else as given
v = put("miss.tsv", view("-inf"))
samp = put("samples_cov.tsv", "sample\tpatient\tage\nA\tp1\t1\nB\tp1\t1e400\nC\tp2\t3\nD\tp3\t4\n")
rc, so, se = strata("import", "-o", f"{W}/miss.h5mu", "--samples", samp, "--view", "v=" + v, "--nonfinite", "missing")
check(rc == 0, f"--nonfinite missing: exit {rc}: {se}")
if rc == 0:
    with h5py.File(f"{W}/miss.h5mu", "r") as f:
        x = f["mod/v/X"][:]
        want = np.array([[1, 2], [3, 4], [5, np.nan], [7, 8]])
        check(x.shape == want.shape and np.array_equal(np.isnan(x), np.isnan(want)) and
              np.array_equal(np.nan_to_num(x), np.nan_to_num(want)), f"--nonfinite missing: X = {x}")
        age = f["obs/age"][:]
        check(np.isnan(age[1]) and list(age[[0, 2, 3]]) == [1, 3, 4], f"--nonfinite missing: covariate {age}")
rc, so, se = strata("import", "-o", f"{W}/x.h5mu", "--samples", samples, "--view", "v=" + v, "--nonfinite", "drop")
check(rc == 1 and "--nonfinite wants error or missing, got 'drop'" in se, f"--nonfinite drop: {rc} {se!r}")
check(glob.glob(f"{W}/x.h5mu*") == [], "--nonfinite drop: files left")

# missing values stay missing values
for cell in ["", "NA", "NaN", "nan", "-nan", "N/A", "null", " NA "]:
    v = put("na.tsv", view(cell))
    rc, so, se = strata("import", "-o", f"{W}/na.h5mu", "--samples", samples, "--view", "v=" + v)
    check(rc == 0, f"missing cell {cell!r}: exit {rc}: {se}")
    if rc == 0:
        with h5py.File(f"{W}/na.h5mu", "r") as f:
            x = f["mod/v/X"][:]
            check(np.isnan(x[2, 1]) and np.isfinite(np.delete(x.ravel(), 5)).all(), f"missing cell {cell!r}: X = {x}")
    os.remove(f"{W}/na.h5mu")

# the methods given a cohort with +-Inf in X, written by another tool
rng = np.random.default_rng(7)
n, p = 12, 6
vals = rng.uniform(1, 2, size=(n, p))
samp = put("samples12.tsv", "sample\tpatient\n" + "".join("S%d\tP%d\n" % (i, i // 2) for i in range(n)))
v = put("pos.tsv", "id\t" + "\t".join("g%d" % j for j in range(p)) + "\n" +
        "".join("S%d\t" % i + "\t".join("%.6f" % x for x in vals[i]) + "\n" for i in range(n)))
cohort = f"{W}/bad.h5mu"
rc, so, se = strata("import", "-o", cohort, "--samples", samp, "--view", "rna=" + v)
check(rc == 0, "import of the positive cohort: " + se)
with h5py.File(cohort, "r+") as f:
    x = f["mod/rna/X"]
    x[9, 4] = -np.inf  # the first bad entry: sample S7 comes before S9
    x[7, 2] = np.inf
    x[11, 0] = np.inf
before = sha([cohort])
for cmd in (["pca", cohort, "-o", f"{W}/m.h5mu", "--components", "2"],
            ["svd", cohort, "-o", f"{W}/m.h5mu", "--components", "2"],
            ["factor", cohort, "-o", f"{W}/m.h5mu", "-k", "2"],
            ["nmf", cohort, "-o", f"{W}/m.h5mu", "-k", "2"]):
    codes, err0, errs = per_rank(*cmd)
    check(codes == [2] * NP, f"{cmd[0]} on Inf: exit codes per rank {codes} (want 2 on each of {NP})")
    want = "view 'rna' holds 3 non-finite values (first: +Inf at sample 'S7', feature 'g2')"
    check(want in err0, f"{cmd[0]} on Inf: {want!r} not in {err0!r}")
    check(errs.count("strata %s:" % cmd[0]) == 1, f"{cmd[0]}: one message, got {errs!r}")
    check(glob.glob(f"{W}/m.h5mu*") == [], f"{cmd[0]}: files left {glob.glob(W + '/m.h5mu*')}")
    check(sha([cohort]) == before, f"{cmd[0]}: the cohort changed")
finish()
