"""Every bad input of strata import / check / info gives exit 2 on all ranks, one message
naming the file (and line or dataset), and leaves no output file or temporary behind.  The Inf
case is detected only by the rank whose block holds the value ("[rank R]" in the message).
Usage: test_errors.py"""
import glob
import gzip
import os
import shutil
from concurrent.futures import ThreadPoolExecutor

import h5py
import numpy as np

from iotest import NP, check, finish, strata

work = "errors_np%d" % NP
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
W = work


def put(name, text, gz=False):
    path = f"{W}/{name}"
    if gz:
        with gzip.open(path, "wt") as fh:
            fh.write(text)
    else:
        with open(path, "w") as fh:
            fh.write(text)
    return path


samples = put("samples.tsv", "sample\tpatient\tage\nA\tp1\t1\nB\tp1\t2\nC\tp2\t3\nD\tp3\tNA\n")
good = put("good.tsv", "id\tf1\tf2\nA\t1\t2\nB\t3\tNA\nC\t5\t6\n")
big = "id\tf1\tf2\n" + "".join("A%d\t1\t2\n" % i for i in range(3000))
# four valid rows of many random values, cut in the middle of the compressed stream
rnd = np.random.default_rng(1)
wide = "id\t" + "\t".join("f%d" % j for j in range(20000)) + "\n"
wide += "".join(s + "\t" + "\t".join("%.12f" % x for x in rnd.random(20000)) + "\n" for s in "ABCD")
trunc_full = gzip.compress(wide.encode())
with open(f"{W}/trunc.tsv.gz", "wb") as fh:
    fh.write(trunc_full[: len(trunc_full) // 2])

cases = [
    # (name, view files / args, expected message parts)
    ("ragged row", ["--view", "v=" + put("ragged.tsv", "id\tf1\tf2\nA\t1\t2\nB\t3\n")],
     ["ragged.tsv:3: ragged row: 2 fields, expected 3"]),
    ("non-numeric cell", ["--view", "v=" + put("nonnum.tsv.gz", "id\tf1\tf2\nA\t1\t2\nB\t3\tabc\n", gz=True)],
     ["nonnum.tsv.gz:3: non-numeric value 'abc' (sample 'B', feature 'f2')"]),
    ("duplicate sample id", ["--view", "v=" + put("dup.tsv", "id\tf1\nA\t1\nB\t2\nA\t3\n")],
     ["dup.tsv:4: duplicate sample id 'A' (first at line 2)"]),
    ("sample missing from the samples table", ["--view", "v=" + put("unknown.tsv", "id\tf1\nA\t1\nZ\t2\n")],
     ["unknown.tsv:3: sample 'Z' is not in the samples table"]),
    ("empty file", ["--view", "v=" + put("empty.tsv", "")], ["empty.tsv: empty file"]),
    ("empty gzip file", ["--view", "v=" + put("empty.tsv.gz", "", gz=True)], ["empty.tsv.gz: empty file"]),
    ("truncated gzip", ["--view", f"v={W}/trunc.tsv.gz"], ["trunc.tsv.gz: truncated or corrupt gzip data after line"]),
    ("zero features", ["--view", "v=" + put("nofeat.tsv", "id\nA\nB\n")], ["nofeat.tsv:1: view 'v' has no features"]),
    ("zero features by column", ["--view", "v=" + put("nofeat_col.tsv", "feature\tA\tB\n") + ":bycol"],
     ["nofeat_col.tsv: view 'v' has no features"]),
    ("bernoulli value", ["--view", "v=" + put("mut.tsv", "id\tTP53\nA\t0\nB\t2\n") + ":bernoulli"],
     ["mut.tsv:3: feature 'TP53': value '2' in a bernoulli view"]),
    ("log1p of a negative", ["--view", "v=" + put("neg.tsv", "id\tg\nA\t-1\n") + ":log1p"], ["neg.tsv:2: feature 'g'"]),
    ("missing view file", ["--view", f"v={W}/nonexistent.tsv"], ["cannot open", "nonexistent.tsv"], 3),
]
no_patient = put("nopatient.tsv", "sample\tage\nA\t1\nB\t2\n")
dup_samples = put("dupsamples.tsv", "sample\tpatient\nA\tp1\nB\tp1\nA\tp2\n")
ragged_samples = put("raggedsamples.tsv", "sample\tpatient\nA\tp1\nB\n")
out = f"{W}/out.h5mu"


def run_case(i, name, args, msgs, code):
    """One bad import to its own output name (cases run concurrently: mpirun start-up dominates)."""
    o = f"{W}/out{i}.h5mu"
    want = code[0] if code else 2
    rc, so, se = strata("import", "-o", o, "--samples", samples, *args)
    check(rc == want, f"{name}: exit {rc} (want {want}): {se}")
    for m in msgs:
        check(m in se, f"{name}: message {m!r} not in {se!r}")
    check(se.count("strata import:") == 1, f"{name}: one message, got {se!r}")
    check(glob.glob(o + "*") == [], f"{name}: files left: {glob.glob(o + '*')}")


def run_table(i, name, samp, extra, msg):
    o = f"{W}/tab{i}.h5mu"
    rc, so, se = strata("import", "-o", o, "--samples", samp, *extra, "--view", "v=" + good)
    check(rc == 2 and msg in se, f"{name}: exit {rc}, {se!r}")
    check(glob.glob(o + "*") == [], f"{name}: files left")


with ThreadPoolExecutor(max_workers=4) as pool:
    jobs = [pool.submit(run_case, i, name, args, msgs, code) for i, (name, args, msgs, *code) in enumerate(cases)]
    jobs += [pool.submit(run_table, i, *c) for i, c in enumerate([
        ("no patient column", no_patient, [], "nopatient.tsv:1: no patient column"),
        ("named patient column absent", samples, ["--patient-column", "case"], "samples.tsv:1: no column 'case' (--patient-column)"),
        ("duplicate sample in the table", dup_samples, [], "dupsamples.tsv:4: duplicate sample id 'A' (first at line 2)"),
        ("ragged samples table", ragged_samples, [], "raggedsamples.tsv:3: ragged row: 1 fields, expected 2"),
    ])]
    for j in jobs:
        j.result()

# usage errors: exit 1
for args, msg in [(["-o", out, "--samples", samples], "at least one --view"),
                  (["-o", out, "--samples", samples, "--view", "v"], "--view wants NAME=PATH"),
                  (["-o", out, "--samples", samples, "--view", "v=" + good + ":log2"], "unknown option ':log2'"),
                  (["--samples", samples, "--view", "v=" + good], "-o/--output is required")]:
    rc, so, se = strata("import", *args)
    check(rc == 1 and msg in se, f"usage {args}: exit {rc}, {se!r}")
    check(glob.glob(out + "*") == [], f"usage {args}: files left")

# check / info on files that are not cohorts
notcohort = f"{W}/plain.h5"
with h5py.File(notcohort, "w") as f:
    f.create_dataset("x", data=np.arange(3))
put("text.h5mu", "hello\n")
for cmd in ("check", "info"):
    rc, so, se = strata(cmd, notcohort)
    check(rc == 2 and "plain.h5' is not a cohort" in se, f"{cmd} plain HDF5: {rc} {se!r}")
    if cmd == "info":  # the same open path as check: the other two cases once is enough
        continue
    rc, so, se = strata(cmd, f"{W}/text.h5mu")
    check(rc == 2 and "text.h5mu' is not an HDF5 file" in se, f"{cmd} text file: {rc} {se!r}")
    rc, so, se = strata(cmd, f"{W}/absent.h5mu")
    check(rc == 3 and "cannot open" in se, f"{cmd} absent file: {rc} {se!r}")

# a cohort with one Inf in the last sample (written by another tool: strata import refuses
# Inf): only the rank holding that row sees it
rc, so, se = strata("import", "-o", f"{W}/inf.h5mu", "--samples", samples,
                    "--view", "v=" + put("inf.tsv", "id\tf1\tf2\nA\t1\t2\nB\t3\t4\nC\t5\t6\nD\t7\t8\n"))
check(rc == 0, "import: " + se)
with h5py.File(f"{W}/inf.h5mu", "r+") as f:
    f["mod/v/X"][3, 1] = np.inf
rc, so, se = strata("check", "--grid", "%dx1" % min(NP, 3), f"{W}/inf.h5mu", np=min(NP, 3))
check(rc == 2 and "non-finite value (Inf) for sample 'D', feature 'f2'" in se, f"check Inf: {rc} {se!r}")
if NP > 1:
    check("[rank %d]" % (min(NP, 3) - 1) in se, f"Inf reported by the last rank: {se!r}")
# obsmap inconsistent with X: a sample mapped past the end
with h5py.File(f"{W}/inf.h5mu", "r+") as f:
    om = f["obsmap/v"]
    om[0] = 9
rc, so, se = strata("check", f"{W}/inf.h5mu")
check(rc == 2 and "/obsmap/v: entry 0 = 9 is out of range" in se, f"bad obsmap: {rc} {se!r}")
finish()
