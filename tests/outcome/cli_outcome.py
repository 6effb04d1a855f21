"""`strata outcome` end to end at STRATA_NP ranks against R's survival package: the fixture
data/acc.tsv (92 miniACC patients, written by make_fixtures.R) becomes a cohort whose samples are
regions (half the patients have two regions whose values average to the patient's: the default
--patient-rule mean must give R's per-patient numbers), plus patients without an outcome;
the univariable TSV must match coxph to 1e-6 (coef, se, Wald, LR, score), the C-index of age
exactly and the Kaplan-Meier tables of the median split of age to 1e-10 (survfit), the log-rank
chi-square to 1e-8 (survdiff).  Error paths: negative time (exit 2 naming the row), all
censored (exit 2), unknown column (exit 2), no predictors (exit 1)."""
import math
import os
import shutil
import subprocess
import sys
import tempfile

BIN = os.environ["STRATA_BIN"]
NP = int(os.environ.get("STRATA_NP", "1"))
MPIEXEC = os.environ.get("STRATA_MPIEXEC", "mpiexec")
HERE = os.path.dirname(os.path.abspath(__file__))
fails = 0
checks = 0


def check(cond, msg):
    global fails, checks
    checks += 1
    if not cond:
        fails += 1
        print("FAIL:", msg)


def run(*args):
    cmd = [MPIEXEC, "-n", str(NP), BIN] + [str(a) for a in args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def num(s):
    return {"NA": math.nan, "Inf": math.inf, "-Inf": -math.inf}.get(s, None) if s in ("NA", "Inf", "-Inf") else float(s)


def same(a, b, tol):
    if math.isnan(a) and math.isnan(b):
        return True
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= tol * max(1.0, abs(b))


ref = {}
with open(os.path.join(HERE, "data", "reference.tsv")) as f:
    for line in f:
        if line.startswith("#"):
            continue
        k, v = line.rstrip("\n").split("\t")
        ref[k] = num(v)

rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(HERE, "data", "acc.tsv"))]
head, data = rows[0], rows[1:]
preds = head[5:]

tmp = tempfile.mkdtemp(prefix="strata_outcome_")


def write_cohort(name, data, extra=(), neg_row=None, censor_all=False, zcol=None, bad_event_row=None,
                 split_time_row=None):
    """samples table + a one-feature view; patient i has regions P<i>_a (and P<i>_b for odd i).
    zcol: {sample: value} written as one more obs column z1."""
    samples = os.path.join(tmp, name + ".samples.tsv")
    view = os.path.join(tmp, name + ".view.tsv")
    with open(samples, "w") as s, open(view, "w") as v:
        s.write("sample\tpatient\ttime\tevent\tstratum\t" + "\t".join(preds) + ("\tz1" if zcol else "") + "\n")
        v.write("sample\tage\tads\n")
        for i, r in enumerate(data):
            t, e = r[0], r[1]
            if censor_all:
                e = "0"
            if neg_row is not None and i == neg_row:
                t = "-3"
            if bad_event_row is not None and i == bad_event_row:
                e = "2"
            vals = r[5:]
            if i % 2 == 1:
                # two regions, values x - d and x + d: their mean is x
                for tag, sgn in (("a", -1), ("b", 1)):
                    vv = []
                    for p, x in zip(preds, vals):
                        if x == "NA" or p in ("const", "sep", "doublings"):
                            vv.append(x)
                        else:
                            vv.append(repr(float(x) + sgn * 0.25))
                    if zcol:
                        vv.append(zcol["P%d_%s" % (i, tag)])
                    tt = t if not (split_time_row == i and tag == "b") else str(float(t) + 1)
                    s.write("P%d_%s\tP%d\t%s\t%s\t%s\t%s\n" % (i, tag, i, tt, e, r[2], "\t".join(vv)))
                    v.write("P%d_%s\t%s\t%s\n" % (i, tag, vv[preds.index("age")], vv[preds.index("ads")]))
            else:
                vals = vals + ([zcol["P%d_a" % i]] if zcol else [])
                s.write("P%d_a\tP%d\t%s\t%s\t%s\t%s\n" % (i, i, t, e, r[2], "\t".join(vals)))
                v.write("P%d_a\t%s\t%s\n" % (i, vals[preds.index("age")], vals[preds.index("ads")]))
        for j, r in enumerate(extra):
            s.write("X%d_a\tX%d\t%s\t%s\t0\t%s\n" % (j, j, r[0], r[1], "\t".join(["1"] * (len(preds) + (1 if zcol else 0)))))
            v.write("X%d_a\t1\t1\n" % j)
    h5 = os.path.join(tmp, name + ".h5mu")
    p = subprocess.run([BIN, "import", "-o", h5, "-s", samples, "--view", "x=" + view],
                       capture_output=True, text=True)
    check(p.returncode == 0, "import %s: %s" % (name, p.stderr))
    return h5


# --- the main comparison ----------------------------------------------------------------
h5 = write_cohort("acc", data, extra=[("NA", "1"), ("100", "NA")])
out = os.path.join(tmp, "acc")
p = run("outcome", h5, "--obs", ",".join(preds), "--time", "time", "--event", "event",
        "--score", "age", "-o", out)
check(p.returncode == 0, "outcome exit %d: %s" % (p.returncode, p.stderr))
uni = {}
with open(out + ".univariable.tsv") as f:
    cols = f.readline().rstrip("\n").split("\t")
    for line in f:
        r = dict(zip(cols, line.rstrip("\n").split("\t")))
        uni[r["predictor"]] = r
need = "predictor n events coef se hr hr_low hr_high p_wald p_lr q_bh".split()
check(all(c in cols for c in need), "univariable columns %s" % cols)
for pname in preds:
    k = "acc.efron.uni." + pname
    r = uni.get(pname)
    if r is None:
        check(False, "no row for " + pname)
        continue
    check(int(r["n"]) == ref[k + ".n"] and int(r["events"]) == ref[k + ".events"],
          "%s n/events %s %s" % (pname, r["n"], r["events"]))
    check(r["patient_rule"] == "mean", "%s rule %s" % (pname, r["patient_rule"]))
    if math.isnan(ref[k + ".coef"]):
        check(r["flag"] == "constant" and r["coef"] == "NA", "%s: constant -> NA, got %s %s" % (pname, r["flag"], r["coef"]))
        continue
    if pname == "sep" or ref[k + ".infinite"] == 1:
        check(r["flag"] == "infinite", "%s: separating predictor flagged, got %s" % (pname, r["flag"]))
        continue
    check(r["flag"] == "ok", "%s flag %s" % (pname, r["flag"]))
    for col, key in (("coef", "coef"), ("se", "se"), ("lr", "lr"), ("score", "score"), ("p_wald", "p_wald")):
        check(same(num(r[col]), ref[k + "." + key], 1e-6), "%s %s: %s vs R %r" % (pname, col, r[col], ref[k + "." + key]))
    check(same(num(r["z"]) ** 2, ref[k + ".wald"], 1e-6), "%s wald" % pname)
    check(same(num(r["hr"]), math.exp(ref[k + ".coef"]), 1e-6), "%s hr" % pname)
    check(same(num(r["q_bh"]), ref["acc.efron.uni.q_bh.%d" % (preds.index(pname) + 1)], 1e-6), "%s q_bh" % pname)

summ = dict(l.rstrip("\n").split("\t") for l in open(out + ".summary.tsv"))
check(summ.get("patients_missing_outcome") == "2", "missing outcome counted: %s" % summ.get("patients_missing_outcome"))
check(summ.get("patients_used") == "92", "patients used %s" % summ.get("patients_used"))
check(summ.get("patient_rule") == "mean", "rule recorded")
check(float(summ["c_index"]) == ref["acc.conc.c"], "C-index %s vs R %r (exact)" % (summ["c_index"], ref["acc.conc.c"]))
check(same(float(summ["logrank_chisq"]), ref["acc.logrank.g2.chisq"], 1e-8), "log-rank %s vs %r" % (summ["logrank_chisq"], ref["acc.logrank.g2.chisq"]))
km = {"low": [], "high": []}
with open(out + ".km.tsv") as f:
    kc = f.readline().rstrip("\n").split("\t")
    for line in f:
        r = dict(zip(kc, line.rstrip("\n").split("\t")))
        km[r["group"]].append(r)
for g, rg in (("low", "0"), ("high", "1")):
    k = "acc.km." + rg
    check(len(km[g]) == ref[k + ".m"], "km %s rows %d vs %r" % (g, len(km[g]), ref[k + ".m"]))
    for i, r in enumerate(km[g][: int(ref[k + ".m"])]):
        for col in ("time", "n_risk", "n_event", "n_censor", "surv", "std_err", "lower", "upper"):
            check(same(num(r[col]), ref["%s.%s.%d" % (k, col, i + 1)], 1e-10),
                  "km %s row %d %s: %s vs %r" % (g, i, col, r[col], ref["%s.%s.%d" % (k, col, i + 1)]))

# stratified by gender: C-index and log-rank of the median split of age within strata
p = run("outcome", h5, "--obs", "age", "--time", "time", "--event", "event", "--strata", "stratum",
        "-o", out + "_s")
check(p.returncode == 0, "--strata exit %d %s" % (p.returncode, p.stderr))
ss = dict(l.rstrip("\n").split("\t") for l in open(out + "_s.summary.tsv"))
check(float(ss["c_index"]) == ref["acc.conc_strata.c"], "stratified C %s vs R %r" % (ss["c_index"], ref["acc.conc_strata.c"]))
check(same(float(ss["logrank_chisq"]), ref["acc.logrank.g2_strata.chisq"], 1e-8),
      "stratified log-rank %s vs R %r" % (ss["logrank_chisq"], ref["acc.logrank.g2_strata.chisq"]))
check(ss["strata_levels"] == "2", "strata levels %s" % ss["strata_levels"])

# the features of a view as predictors (each rank reads and fits its block of features)
p = run("outcome", h5, "--view", "x", "--time", "time", "--event", "event", "-o", out + "_v")
check(p.returncode == 0, "--view exit %d %s" % (p.returncode, p.stderr))
vrows = {}
with open(out + "_v.univariable.tsv") as f:
    vc = f.readline().rstrip("\n").split("\t")
    for line in f:
        r = dict(zip(vc, line.rstrip("\n").split("\t")))
        vrows[r["predictor"]] = r
check(sorted(vrows) == ["x:ads", "x:age"], "view rows %s" % sorted(vrows))
for pname in ("age", "ads"):
    r, k = vrows.get("x:" + pname, {}), "acc.efron.uni." + pname
    check(r.get("n") == "%d" % ref[k + ".n"], "view %s n %s" % (pname, r.get("n")))
    for col in ("coef", "se", "lr", "score"):
        check(same(num(r.get(col, "NA")), ref[k + "." + col], 1e-6), "view %s %s: %s vs R %r" % (pname, col, r.get(col), ref[k + "." + col]))
pl = sorted(num(vrows[k]["p_lr"]) for k in vrows)
check(same(num(vrows["x:age"]["q_bh"]), min(1.0, min(2 * pl[0], pl[1]) if num(vrows["x:age"]["p_lr"]) == pl[0] else pl[1]), 1e-12),
      "view q_bh over the table")

# the max rule on the two-region patients differs from mean: it must be recorded and used
p = run("outcome", h5, "--obs", "age", "--time", "time", "--event", "event", "--patient-rule", "max",
        "-o", out + "_max")
check(p.returncode == 0, "max rule exit %d %s" % (p.returncode, p.stderr))
r = open(out + "_max.univariable.tsv").read().splitlines()[1].split("\t")
check(r[-1] == "max" and not same(float(r[3]), ref["acc.efron.uni.age.coef"], 1e-6),
      "max rule recorded and changes the estimate: %s" % r)

# --- factors from a MOFA2 model: Z read back from the model file must give the same table as
# the same values (from strata factor --tsv) given as an obs column
model = os.path.join(tmp, "model.h5")
p = run("factor", h5, "-o", model, "-k", "1", "--drop-r2", "0", "--tsv", os.path.join(tmp, "model"))
check(p.returncode == 0, "factor exit %d %s" % (p.returncode, p.stderr))
zv = {}
with open(os.path.join(tmp, "model.Z.tsv")) as f:
    f.readline()
    for line in f:
        a = line.rstrip("\n").split("\t")
        zv[a[0]] = a[1]
zcoh = write_cohort("z", data, extra=[("NA", "1"), ("100", "NA")], zcol=zv)
p1 = run("outcome", h5, "--factors", model, "--time", "time", "--event", "event", "--patient-rule", "max", "-o", out + "_f")
p2 = run("outcome", zcoh, "--obs", "z1", "--time", "time", "--event", "event", "--patient-rule", "max", "-o", out + "_z")
check(p1.returncode == 0 and p2.returncode == 0, "factors run: %s %s" % (p1.stderr, p2.stderr))
rf = open(out + "_f.univariable.tsv").read().splitlines()[1].split("\t")
rz = open(out + "_z.univariable.tsv").read().splitlines()[1].split("\t")
check(rf[0] == "Factor1" and rf[1] == rz[1] == "92", "factor row %s" % rf[:3])
for c in range(3, 15):
    check(same(float(rf[c]), float(rz[c]), 1e-7), "Factor1 from the model vs from obs, column %d: %s vs %s" % (c, rf[c], rz[c]))

# --- error paths ---------------------------------------------------------------------------
bad = write_cohort("neg", data, neg_row=4)
p = run("outcome", bad, "--obs", "age", "--time", "time", "--event", "event", "-o", out + "_neg")
check(p.returncode == 2 and "P4_a" in p.stderr and "negative" in p.stderr,
      "negative time: exit %d, %s" % (p.returncode, p.stderr))
check(not os.path.exists(out + "_neg.univariable.tsv"), "no output after an error")
cens = write_cohort("cens", data, censor_all=True)
p = run("outcome", cens, "--obs", "age", "--time", "time", "--event", "event", "-o", out + "_cens")
check(p.returncode == 2 and "censored" in p.stderr, "all censored: exit %d, %s" % (p.returncode, p.stderr))
bev = write_cohort("bev", data, bad_event_row=6)
p = run("outcome", bev, "--obs", "age", "--time", "time", "--event", "event", "-o", out + "_bev")
check(p.returncode == 2 and "P6_a" in p.stderr and "0 or 1" in p.stderr, "event 2: exit %d, %s" % (p.returncode, p.stderr))
spl = write_cohort("spl", data, split_time_row=7)
p = run("outcome", spl, "--obs", "age", "--time", "time", "--event", "event", "-o", out + "_spl")
check(p.returncode == 2 and "P7" in p.stderr and "survival times" in p.stderr,
      "regions of one patient disagree on the time: exit %d, %s" % (p.returncode, p.stderr))
p = run("outcome", h5, "--obs", "nosuch", "--time", "time", "--event", "event", "-o", out + "_x")
check(p.returncode == 2 and "nosuch" in p.stderr, "unknown column: exit %d, %s" % (p.returncode, p.stderr))
p = run("outcome", h5, "--time", "time", "--event", "event", "-o", out + "_x")
check(p.returncode == 1, "no predictors: exit %d" % p.returncode)

if not fails:
    shutil.rmtree(tmp, ignore_errors=True)
print("%s: %d checks, %d failure(s)" % (os.path.basename(__file__), checks, fails))
sys.exit(1 if fails else 0)
