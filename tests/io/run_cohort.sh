#!/bin/bash
# Write and read a cohort at STRATA_NP ranks (test_cohort; both read paths), then check the
# file with h5py.
set -euo pipefail
exe=$1
"$STRATA_MPIEXEC" -n "$STRATA_NP" "$exe"
# the same through H5Dread instead of the direct MPI-IO path of contiguous X
STRATA_IO_HDF5_READ=1 "$STRATA_MPIEXEC" -n "$STRATA_NP" -x STRATA_IO_HDF5_READ "$exe"
"$STRATA_PYTHON" "$(dirname "$0")/check_cohort.py" "cohort_np${STRATA_NP}.h5mu"
