# Sourced by bench/<area>/run.sh: run OpenBLAS's best kernels for this CPU, and say which.
# Debian 12's OpenBLAS 0.3.21 predates AMD Zen 4/5 and uses its AVX2 (Haswell) kernels there
# although the CPU has AVX-512 -- and this project's machines also set OPENBLAS_CORETYPE=Haswell
# in the environment.  DGEMM: 55 (Haswell) vs 95 GF/s (SkylakeX) on the development Zen 5.
# strata's own kernels use AVX-512, so the references (scikit-learn, LAPACK, ScaLAPACK) and the
# DGEMM peak of the rooflines must too, or every ratio would flatter strata.  On an AVX-512 CPU
# the benchmarks therefore set OPENBLAS_CORETYPE=SkylakeX whatever the environment says;
# STRATA_BENCH_KEEP_CORETYPE=1 keeps the environment's choice instead.
if [ "${STRATA_BENCH_KEEP_CORETYPE:-0}" != 1 ] && grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
  [ -n "${OPENBLAS_CORETYPE:-}" ] && [ "$OPENBLAS_CORETYPE" != SkylakeX ] &&
    echo "bench: OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE replaced by SkylakeX (the CPU has AVX-512)" >&2
  export OPENBLAS_CORETYPE=SkylakeX
fi
echo "bench: OpenBLAS kernels ${OPENBLAS_CORETYPE:-chosen by OpenBLAS}" >&2
