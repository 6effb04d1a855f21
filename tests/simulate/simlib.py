"""Shared helpers of the simulate tests: run strata under mpiexec with the ctest environment,
read a cohort's datasets with h5py."""
import os
import subprocess
import sys

import h5py
import numpy as np

BIN = os.environ["STRATA_BIN"]
MPIEXEC = os.environ.get("STRATA_MPIEXEC", "mpiexec")
NP = int(os.environ.get("STRATA_NP", "1"))


def strata(np_, *args, check=True):
    """Run strata on np_ ranks (one rank runs as an MPI singleton: no launcher start-up cost)."""
    launcher = [MPIEXEC, "-n", str(np_)] if np_ > 1 else []
    cmd = launcher + [BIN] + [str(a) for a in args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    if check and p.returncode != 0:
        sys.exit("FAIL: %s -> %d\n%s\n%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p


def datasets(path):
    """Every dataset of an HDF5 file as {name: numpy array} plus {name: attrs} of all objects."""
    data, attrs = {}, {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            attrs[name] = {k: obj.attrs[k] for k in obj.attrs}
            if isinstance(obj, h5py.Dataset):
                data[name] = obj[()]
        f.visititems(visit)
        attrs["/"] = {k: f.attrs[k] for k in f.attrs}
    return data, attrs


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL:", what)

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.exit(1 if self.failed else 0)


def same(a, b):
    """Exact equality of two dataset values (NaN == NaN, strings compared as bytes)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind == "f":
        return a.tobytes() == b.tobytes()
    return bool(np.array_equal(a, b))
