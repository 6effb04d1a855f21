"""strata simulate gives the same data for any rank count: the cohort written at np = STRATA_NP
with small slabs (many collective writes per rank) equals the one written at np 1 with the
default slab, dataset by dataset and bit for bit, the two files are byte-identical (no object
timestamps are recorded), and the mutation tables are byte-identical."""
import filecmp
import os

from simlib import NP, Checker, datasets, same, strata

t = Checker()
common = ["simulate", "--patients", 40, "--regions", "1-7", "--seed", 7, "--factors", 4,
          "--views", "rna:gaussian:20000,cn:gaussian:300,mut:bernoulli:700",
          "--missing", "rna=0.2,mut=0.4", "--dtype", "float64", "--clusters", 4,
          "--mutations-per-patient", 30]
strata(1, *common, "-o", "ref.h5mu", "--mutations", "ref_mut")
strata(NP, *common, "-o", "np.h5mu", "--mutations", "np_mut", "--slab-mb", 1)
a, aa = datasets("ref.h5mu")
b, ba = datasets("np.h5mu")
t.check(sorted(a) == sorted(b), "same dataset names")
for name in a:
    t.check(name in b and same(a[name], b[name]), "dataset %s identical at np 1 and np %d" % (name, NP))
for name in aa:
    t.check(name in ba and sorted(aa[name]) == sorted(ba[name]), "attribute names of %s" % name)
    for k in aa[name]:
        if name in ba and k in ba[name]:
            t.check(same(aa[name][k], ba[name][k]), "attribute %s:%s" % (name, k))
t.check(filecmp.cmp("ref.h5mu", "np.h5mu", shallow=False), "cohort files byte-identical at np 1 and np %d" % NP)
t.check(a["mod/rna/X"].shape[1] == 20000 and a["mod/rna/X"].dtype.itemsize == 8, "float64 X")
for suf in (".maf.tsv", ".ccf.tsv", ".clin.tsv", ".clones.tsv"):
    t.check(filecmp.cmp("ref_mut" + suf, "np_mut" + suf, shallow=False), "mutation table %s identical" % suf)
# a different seed changes the data (the comparison above can fail)
strata(1, *[c if c != 7 else 8 for c in common], "-o", "other.h5mu")
c, _ = datasets("other.h5mu")
t.check(not same(a["uns/strata_truth/Z"], c["uns/strata_truth/Z"]), "another seed gives another Z")
for f in ("ref.h5mu", "np.h5mu", "other.h5mu"):
    os.remove(f)
t.finish()
