# Sourced by bench/<area>/run.sh: run OpenBLAS's best kernels for this CPU, and say which.
# Debian 12's OpenBLAS 0.3.21 predates AMD Zen 4/5 and falls back to its AVX2 (Haswell) kernels
# there although the CPU has AVX-512: DGEMM 55 vs 95 GF/s on this project's Zen 5 VM.  With the
# AVX-512 kernels the references (scikit-learn, LAPACK, ScaLAPACK) and the DGEMM peak of the
# rooflines run as fast as this BLAS can, so every ratio is against the best it does here.
# An OPENBLAS_CORETYPE already set is kept.
if [ -z "${OPENBLAS_CORETYPE:-}" ] && grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
  export OPENBLAS_CORETYPE=SkylakeX
fi
echo "bench: OpenBLAS kernels ${OPENBLAS_CORETYPE:-chosen by OpenBLAS}" >&2
