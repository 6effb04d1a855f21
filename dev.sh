#!/usr/bin/env bash
# strata's one entry point for set-up on a Debian 12 machine:
#   ./dev.sh example   install what is missing, build, run the main job on the bundled example
#   ./dev.sh test      install what is missing, build, run the whole test suite (ctest, np 1 2 4)
#   ./dev.sh bench     install what is missing, build, run the benchmarks (bench/)
#   ./dev.sh deps      only check/install the Debian packages
#   ./dev.sh build     deps + build into ./build
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${STRATA_BUILD_DIR:-$here/build}

# Debian packages: toolchain, MPI, parallel HDF5, ScaLAPACK, ZeroMQ, BLAS, JSON, Slurm for the
# cluster tests, and python3-h5py/numpy/sklearn/matplotlib/mofapy for interoperability tests,
# reference benchmarks and plots.
PACKAGES=(build-essential cmake pkg-config gfortran libopenmpi-dev openmpi-bin
  libscalapack-openmpi-dev libhdf5-openmpi-dev hdf5-tools libzmq3-dev libopenblas-dev
  liblapack-dev libjansson-dev zlib1g-dev slurm-wlm munge python3 python3-h5py python3-numpy
  python3-scipy python3-sklearn python3-matplotlib python3-mofapy procps
  clang libclang-rt-14-dev llvm-14)

deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local line="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "dev.sh: missing Debian packages. As root, run:" >&2
    echo "  $line" >&2
    exit 3
  fi
  echo "dev.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build() {
  cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_WERROR=ON >/dev/null
  cmake --build "$build" -j "$(nproc)"
}

mpienv() {
  # mpirun refuses root unless told; one BLAS thread per rank; let 4 ranks share 2 cores
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1 OMPI_MCA_btl=self,vader
  # keep the exit code of a failing run, without mpirun's "non-zero status" banner
  export OMPI_MCA_orte_execute_quiet=1
  export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
}

cmd=${1:-}
case "$cmd" in
  deps) deps ;;
  build) deps; build ;;
  example)
    deps; build; mpienv
    exec "$here/examples/run_example.sh" "$build/strata" ;;
  test)
    deps; build; mpienv
    cd "$build"
    ctest --output-on-failure -j "$(nproc)" ${STRATA_CTEST_ARGS:-} ;;
  bench)
    deps; build; mpienv
    exec "$here/bench/run.sh" "$build" ;;
  *)
    sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 1 ;;
esac
