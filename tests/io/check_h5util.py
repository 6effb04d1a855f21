"""Check the file written by test_h5util with h5py: values, dtypes and anndata attributes."""
import sys
import h5py
import numpy as np

path = sys.argv[1]
with open(path, "rb") as fh:
    assert fh.read(44) == b"MuData (format-version=0.1.0;creator=strata;", "userblock"
f = h5py.File(path, "r")
assert f.userblock_size == 512
assert f.attrs["encoding-type"] == "MuData"
u = f["uns"]
assert u.attrs["encoding-type"] == "dict" and u.attrs["encoding-version"] == "0.1.0"
assert np.array_equal(u["cm"][()], [[1, 2, 3], [4, 5, 6]]) and u["cm"].dtype == np.float64
rm = u["rm32"][()]
assert rm.dtype == np.float32 and rm.shape == (3, 2)
assert np.array_equal(rm[:2], [[1.5, 2.5], [3.5, 4.5]]) and rm[2, 0] == 5.5 and np.isnan(rm[2, 1])
assert u["cm"].attrs["encoding-type"] == "array" and u["cm"].attrs["encoding-version"] == "0.2.0"
assert list(u["i64"][()]) == [-1, 0, 1 << 40]
assert list(u["s"].asstr()[()]) == ["a", "", "été"]
assert u["s"].attrs["encoding-type"] == "string-array"
assert list(u.attrs["names"]) == ["a", "", "été"]
assert u.attrs["k"] == 7 and u.attrs["x"] == "replaced"
assert u.attrs["ordered"] is np.True_ or bool(u.attrs["ordered"]) is True
obs = f["obs"]
assert obs.attrs["encoding-type"] == "dataframe" and obs.attrs["_index"] == "_index"
assert list(obs.attrs["column-order"]) == ["age"]
assert list(obs["_index"].asstr()[()]) == ["s1", "s2"]
assert list(obs["age"][()]) == [50.0, 61.0]
print("h5py check OK")
