#!/bin/bash
# Write and read a cohort at STRATA_NP ranks (test_cohort), then check the file with h5py.
set -euo pipefail
exe=$1
"$STRATA_MPIEXEC" -n "$STRATA_NP" --oversubscribe "$exe"
"$STRATA_PYTHON" "$(dirname "$0")/check_cohort.py" "cohort_np${STRATA_NP}.h5mu"
