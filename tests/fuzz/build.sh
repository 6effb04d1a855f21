#!/usr/bin/env bash
# Configure and build the fuzz harnesses (tests/fuzz/CMakeLists.txt) with clang into OUTDIR.
# Usage: tests/fuzz/build.sh OUTDIR
# Needs the Debian packages clang and libclang-rt-14-dev (libFuzzer's runtime), which
# ./dev.sh deps installs; exits 3 naming them when they are missing.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:?usage: tests/fuzz/build.sh OUTDIR}
cc=${STRATA_FUZZ_CC:-$(command -v clang || command -v clang-14 || true)}
if [ -z "$cc" ]; then
  echo "fuzz: clang not found: apt-get install clang libclang-rt-14-dev (or ./dev.sh deps)" >&2
  exit 3
fi
rt=$("$cc" -print-runtime-dir 2>/dev/null || true)
if [ ! -f "$rt/libclang_rt.fuzzer-x86_64.a" ] && [ ! -f "$rt/libclang_rt.fuzzer.a" ]; then
  echo "fuzz: $cc has no libFuzzer runtime in '$rt': apt-get install libclang-rt-14-dev (or ./dev.sh deps)" >&2
  exit 3
fi
mkdir -p "$out"
CC="$cc" cmake -S "$here" -B "$out" -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$out/configure.log" 2>&1 || {
  cat "$out/configure.log" >&2
  exit 3
}
cmake --build "$out" -j "${STRATA_FUZZ_JOBS:-2}"
