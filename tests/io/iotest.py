"""Shared helpers of the io script tests: run strata (or a test program) under mpiexec at
STRATA_NP ranks, parse the dumps of cohort_dump, parse TSV files independently of strata."""
import gzip
import os
import subprocess
import sys

NP = int(os.environ.get("STRATA_NP", "1"))
BIN = os.environ["STRATA_BIN"]
MPIEXEC = os.environ.get("STRATA_MPIEXEC", "mpiexec")
failures = []
# mpirun waits odls_base_sigkill_timeout (1 s) after a rank exits non-zero; error tests run many
os.environ.setdefault("OMPI_MCA_odls_base_sigkill_timeout", "0")


def mpirun(exe, *args, np=None):
    """Run exe under mpiexec; returns (exit code, stdout, stderr) of the whole job."""
    cmd = [MPIEXEC, "-n", str(np or NP), exe] + [str(a) for a in args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def strata(*args, np=None):
    return mpirun(BIN, *args, np=np)


def check(cond, what):
    if cond:
        return True
    failures.append(what)
    print("FAIL:", what, file=sys.stderr)
    return False


def finish():
    print("%d failures" % len(failures))
    sys.exit(1 if failures else 0)


def read_table(path, sep=None):
    """Rows of a TSV/CSV (optionally gzipped), split on sep, blank lines skipped."""
    opener = gzip.open if path.endswith(".gz") else open
    if sep is None:
        sep = "," if path.rstrip(".gz").endswith(".csv") or path.endswith(".csv.gz") else "\t"
    with opener(path, "rt") as fh:
        return [line.rstrip("\r\n").split(sep) for line in fh if line.strip()]


def cell(s):
    s = s.strip()
    if s.upper() in ("", "NA", "NAN", "N/A", "NULL"):
        return float("nan")
    return float(s)


def read_dump(path):
    """cohort_dump output -> dict(meta, obs, cols, views{name: dict(nvar, dtype, sparse, lik, var, rows)})."""
    d = {"obs": [], "cols": {}, "views": {}, "order": []}
    view = None
    with open(path) as fh:
        for line in fh:
            f = line.rstrip("\n").split("\t")
            if f[0] == "meta":
                d["meta"] = (int(f[1]), int(f[2]), f[3])
            elif f[0] == "obs":
                d["obs"].append((f[1], f[2]))
            elif f[0] == "col":
                d["cols"][f[1]] = (int(f[2]), [None if x == "<NULL>" else x for x in f[3:]])
            elif f[0] == "view":
                view = {"nvar": int(f[2]), "dtype": int(f[3]), "sparse": int(f[4]), "lik": f[5], "rows": {}}
                d["views"][f[1]] = view
                d["order"].append(f[1])
            elif f[0] == "var":
                view["var"] = f[1:]
            elif f[0] == "row":
                view["rows"][f[1]] = (int(f[2]), [float.fromhex(x) for x in f[3:]])
    return d


def same(a, b):
    """Bit-exact equality of two floats, NaN equal to NaN."""
    return (a != a and b != b) or (a == b and str(a) == str(b))
