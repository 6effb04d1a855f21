"""A cohort written by strata (tests/io/test_cohort.c) as h5py and anndata/mudata see it:
userblock, root/mod/obs/var attributes, obsmap, X dtypes and values."""
import sys
import h5py
import numpy as np

path = sys.argv[1]
with open(path, "rb") as fh:
    head = fh.read(512)
assert head.startswith(b"MuData (format-version=0.1.0;creator=strata;creator-version="), head[:80]
assert head.rstrip(b"\0").endswith(b")")
f = h5py.File(path, "r")
assert f.userblock_size == 512
a = f.attrs
assert a["encoding-type"] == "MuData" and a["encoding-version"] == "0.1.0" and a["axis"] == 0
assert a["encoder"] == "strata"
for k in ["mod", "obs", "var", "obsm", "obsp", "obsmap", "varm", "varp", "varmap", "uns"]:
    assert k in f, k
obs = f["obs"]
assert obs.attrs["encoding-type"] == "dataframe" and obs.attrs["encoding-version"] == "0.2.0"
assert obs.attrs["_index"] == "_index"
assert list(obs.attrs["column-order"]) == ["patient", "age", "site"]
ids = obs["_index"].asstr()[()]
assert obs["_index"].attrs["encoding-type"] == "string-array"
assert list(ids[:3]) == ["S00", "S01", "S02"] and len(ids) == 23
assert obs["patient"].asstr()[0] == "P0" and obs["patient"].asstr()[2] == "P1"
age = obs["age"][()]
assert age.dtype == np.float64 and np.isnan(age[5]) and age[6] == 46
assert list(f["mod"].attrs["mod-order"]) == ["alpha", "beta", "noX"]
for name in ["alpha", "beta", "noX"]:
    m = f["mod"][name]
    assert m.attrs["encoding-type"] == "anndata" and m.attrs["encoding-version"] == "0.1.0"
    assert m["obs"].attrs["encoding-type"] == "dataframe" and m["var"].attrs["encoding-type"] == "dataframe"
    om = f["obsmap"][name][()]
    assert om.dtype == np.uint32 and om.shape == (23,)
    present = ids[om > 0]
    order = np.argsort(om[om > 0])
    assert list(m["obs"]["_index"].asstr()[()]) == list(present[order])
alpha = f["mod/alpha/X"]
assert alpha.dtype == np.float64 and alpha.shape == (23, 17)
assert alpha.attrs["encoding-type"] == "array" and alpha.attrs["encoding-version"] == "0.2.0"
i, j = np.meshgrid(np.arange(23), np.arange(17), indexing="ij")
# numpy and libm sin may differ in the last ulp; the C side checks bit-exactness
assert np.allclose(alpha[()], np.sin(i * 31.0 + j) * 1e3, rtol=1e-14, atol=1e-12)
beta = f["mod/beta/X"]
assert beta.dtype == np.float32 and beta.shape == (15, 9)
r, j = np.meshgrid(np.arange(15), np.arange(9), indexing="ij")
assert np.array_equal(beta[()], (r * 0.5 - j * 0.25).astype(np.float32))
assert "X" not in f["mod/noX"]
assert f["mod/alpha/uns/strata_likelihood"].asstr()[()] == "gaussian"
var = f["var"]["_index"].asstr()[()]
assert len(var) == 17 + 9 + 2 and var[17] == "b0"
assert list(f["varmap/beta"][()][17:26]) == list(range(1, 10))
print("h5py view of the strata cohort OK")
