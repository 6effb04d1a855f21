"""strata simulate: usage and bad options exit 1 with one message naming the option; an output
it cannot create exits 3 naming the path and leaves no file behind (cohort nor mutation
tables); --help prints the usage on stdout with exit 0.  Every case runs at np 1; at np > 1 the
cases marked parallel run too (option parsing is identical on every rank, so a few suffice to
show that one message comes out and no rank hangs)."""
import glob
import os

from simlib import NP, Checker, strata

t = Checker()
cases = [
    ([], 1, "Usage: strata simulate"),
    (["--patients", 5], 1, "-o/--output is required"),
    (["-o", "x.h5mu", "--views", "rna:poisson:10"], 1, "likelihood 'poisson'"),
    (["-o", "x.h5mu", "--views", "rna:gaussian"], 1, "--views wants NAME:gaussian|bernoulli:FEATURES"),
    (["-o", "x.h5mu", "--views", "a:gaussian:5,a:bernoulli:5"], 1, "view 'a' given twice"),
    (["-o", "x.h5mu", "--views", "rna:gaussian:0"], 1, "FEATURES must be between 1 and"),
    (["-o", "x.h5mu", "--regions", "5-2"], 1, "--regions wants MIN-MAX"),
    (["-o", "x.h5mu", "--regions", "3x"], 1, "--regions wants an integer, got '3x'"),
    (["-o", "x.h5mu", "--missing", "foo=0.1"], 1, "no view called 'foo'"),
    (["-o", "x.h5mu", "--missing", "1.5"], 1, "--missing must be between"),
    (["-o", "x.h5mu", "--dtype", "float16"], 1, "--dtype wants float32 or float64"),
    (["-o", "x.h5mu", "--patients", "0"], 1, "--patients must be between"),
    (["-o", "x.h5mu", "--factors", "ten"], 1, "--factors wants an integer"),
    (["-o", "x.h5mu", "--bogus"], 1, "unknown option"),
    (["-o", "x.h5mu", "extra"], 1, "unexpected argument 'extra'"),
    (["-o", "no_such_dir/x.h5mu", "--patients", 3], 3, "no_such_dir/x.h5mu"),
    (["-o", "y.h5mu", "--patients", 3, "--mutations", "no_such_dir/m"], 3, "no_such_dir/m.maf.tsv"),
]
parallel = {"--bogus", "foo=0.1", "no_such_dir/x.h5mu", "no_such_dir/m"}
for args, code, msg in cases:
    if NP > 1 and not parallel.intersection(str(a) for a in args):
        continue
    p = strata(NP, "simulate", *args, check=False)
    t.check(p.returncode == code, "%s: exit %d, want %d (%s)" % (args, p.returncode, code, p.stderr.strip()))
    t.check(msg in p.stderr, "%s: stderr names '%s': %s" % (args, msg, p.stderr.strip()))
    if code != 1 or args:
        lines = [l for l in p.stderr.splitlines() if l.startswith("strata simulate:")]
        t.check(len(lines) == 1, "%s: one message line, got %d" % (args, len(lines)))
t.check(not os.path.exists("x.h5mu") and not os.path.exists("y.h5mu"), "no cohort left behind")
t.check(glob.glob("*.tmp.*") == [] and glob.glob("no_such_dir*") == [], "no temporary files left")
p = strata(NP, "simulate", "--help", check=False)
t.check(p.returncode == 0 and p.stdout.startswith("Usage: strata simulate"), "--help on stdout, exit 0")
t.finish()
