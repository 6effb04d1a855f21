#!/bin/bash
# Checkpoint, stop by a (simulated) signal, resume in a new process: the resumed fit must equal
# the uninterrupted one (test_factor resume compares them).  Usage: resume.sh TEST_FACTOR_EXE
set -euo pipefail
exe=$1
np=${STRATA_NP:-1}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
run() { "${STRATA_MPIEXEC:-mpiexec}" -n "$np" "$exe" "$@"; }
run stop "$dir"
test -f "$dir/factor.ckpt"
run resume "$dir"
