/* The factor model's two data-sized products, Y*B and Y^T*Z with k <= 64 columns, written so
 * that each reads the local data block from memory exactly once: a general GEMM packs (copies)
 * the big operand on every call, which for k ~ 10 costs as much as the arithmetic.  AVX2+FMA
 * versions are chosen at run time; the portable versions sum in the same order per lane.
 * Results are deterministic for a given machine; not a replacement for BLAS elsewhere. */
#include <string.h>

#include "solvers/factor_kernels.h"

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>
#define HAVE_X86 1
#endif

/* Y columns are taken 4 at a time so that each pass over out (which stays in cache) covers
 * four columns of Y (which streams from memory). */
static void ymul_generic(int64_t m, int64_t n, int k, const double *y, const double *b,
                         double *out) {
  int64_t d = 0;
  for (; d + 4 <= n; d += 4) {
    const double *y0 = y + d * m, *y1 = y0 + m, *y2 = y1 + m, *y3 = y2 + m;
    for (int j = 0; j < k; j++) {
      double b0 = b[d + j * n], b1 = b[d + 1 + j * n], b2 = b[d + 2 + j * n], b3 = b[d + 3 + j * n];
      double *o = out + (int64_t)j * m;
      for (int64_t i = 0; i < m; i++) o[i] += y0[i] * b0 + y1[i] * b1 + y2[i] * b2 + y3[i] * b3;
    }
  }
  for (; d < n; d++)
    for (int j = 0; j < k; j++) {
      double bj = b[d + j * n];
      double *o = out + (int64_t)j * m;
      for (int64_t i = 0; i < m; i++) o[i] += y[i + d * m] * bj;
    }
}

static void ytmul_generic(int64_t m, int64_t n, int k, const double *y, const double *z,
                          double *out) {
  for (int64_t d = 0; d < n; d++)
    for (int j = 0; j < k; j++) {
      const double *yc = y + d * m, *zc = z + (int64_t)j * m;
      double s = 0;
      for (int64_t i = 0; i < m; i++) s += yc[i] * zc[i];
      out[d + (int64_t)j * n] = s;
    }
}

#ifdef HAVE_X86
__attribute__((target("avx2,fma"))) static void ymul_avx2(int64_t m, int64_t n, int k,
                                                          const double *y, const double *b,
                                                          double *out) {
  int64_t d = 0, m4 = m & ~(int64_t)3;
  /* eight columns per pass over out first (half the cache traffic on out), then four */
  for (; d + 8 <= n; d += 8) {
    const double *yc = y + d * m;
    for (int64_t i = 0; i < m4; i += 4) {
      __m256d a0 = _mm256_loadu_pd(yc + i), a1 = _mm256_loadu_pd(yc + m + i);
      __m256d a2 = _mm256_loadu_pd(yc + 2 * m + i), a3 = _mm256_loadu_pd(yc + 3 * m + i);
      __m256d a4 = _mm256_loadu_pd(yc + 4 * m + i), a5 = _mm256_loadu_pd(yc + 5 * m + i);
      __m256d a6 = _mm256_loadu_pd(yc + 6 * m + i), a7 = _mm256_loadu_pd(yc + 7 * m + i);
      for (int j = 0; j < k; j++) {
        const double *bj = b + d + (int64_t)j * n;
        double *o = out + (int64_t)j * m + i;
        __m256d acc = _mm256_loadu_pd(o);
        acc = _mm256_fmadd_pd(a0, _mm256_broadcast_sd(bj), acc);
        acc = _mm256_fmadd_pd(a1, _mm256_broadcast_sd(bj + 1), acc);
        acc = _mm256_fmadd_pd(a2, _mm256_broadcast_sd(bj + 2), acc);
        acc = _mm256_fmadd_pd(a3, _mm256_broadcast_sd(bj + 3), acc);
        acc = _mm256_fmadd_pd(a4, _mm256_broadcast_sd(bj + 4), acc);
        acc = _mm256_fmadd_pd(a5, _mm256_broadcast_sd(bj + 5), acc);
        acc = _mm256_fmadd_pd(a6, _mm256_broadcast_sd(bj + 6), acc);
        acc = _mm256_fmadd_pd(a7, _mm256_broadcast_sd(bj + 7), acc);
        _mm256_storeu_pd(o, acc);
      }
    }
    for (int64_t i = m4; i < m; i++)
      for (int j = 0; j < k; j++) {
        const double *bj = b + d + (int64_t)j * n;
        double t = out[i + (int64_t)j * m];
        for (int c = 0; c < 8; c++) t += yc[i + c * m] * bj[c];
        out[i + (int64_t)j * m] = t;
      }
  }
  for (; d + 4 <= n; d += 4) {
    const double *y0 = y + d * m, *y1 = y0 + m, *y2 = y1 + m, *y3 = y2 + m;
    for (int64_t i = 0; i < m4; i += 4) {
      __m256d a0 = _mm256_loadu_pd(y0 + i), a1 = _mm256_loadu_pd(y1 + i);
      __m256d a2 = _mm256_loadu_pd(y2 + i), a3 = _mm256_loadu_pd(y3 + i);
      for (int j = 0; j < k; j++) {
        const double *bj = b + d + (int64_t)j * n;
        double *o = out + (int64_t)j * m + i;
        __m256d acc = _mm256_loadu_pd(o);
        acc = _mm256_fmadd_pd(a0, _mm256_broadcast_sd(bj), acc);
        acc = _mm256_fmadd_pd(a1, _mm256_broadcast_sd(bj + 1), acc);
        acc = _mm256_fmadd_pd(a2, _mm256_broadcast_sd(bj + 2), acc);
        acc = _mm256_fmadd_pd(a3, _mm256_broadcast_sd(bj + 3), acc);
        _mm256_storeu_pd(o, acc);
      }
    }
    for (int64_t i = m4; i < m; i++)
      for (int j = 0; j < k; j++) {
        const double *bj = b + d + (int64_t)j * n;
        out[i + (int64_t)j * m] += y0[i] * bj[0] + y1[i] * bj[1] + y2[i] * bj[2] + y3[i] * bj[3];
      }
  }
  for (; d < n; d++)
    for (int j = 0; j < k; j++) {
      double bj = b[d + (int64_t)j * n];
      double *o = out + (int64_t)j * m;
      for (int64_t i = 0; i < m; i++) o[i] += y[i + d * m] * bj;
    }
}

/* Four Y columns against two Z columns at a time: 8 accumulators, each Y column read from
 * cache k/2 times but from memory once. */
__attribute__((target("avx2,fma"))) static double hsum(__m256d v) {
  __m128d lo = _mm256_castpd256_pd128(v), hi = _mm256_extractf128_pd(v, 1);
  lo = _mm_add_pd(lo, hi);
  return _mm_cvtsd_f64(_mm_add_sd(lo, _mm_unpackhi_pd(lo, lo)));
}

__attribute__((target("avx2,fma"))) static void ytmul_avx2(int64_t m, int64_t n, int k,
                                                           const double *y, const double *z,
                                                           double *out) {
  int64_t d = 0, m4 = m & ~(int64_t)3;
  for (; d + 4 <= n; d += 4) {
    const double *yc[4] = {y + d * m, y + (d + 1) * m, y + (d + 2) * m, y + (d + 3) * m};
    for (int j = 0; j < k; j += 2) {
      int two = j + 1 < k;
      const double *z0 = z + (int64_t)j * m, *z1 = two ? z0 + m : z0;
      __m256d s00 = _mm256_setzero_pd(), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00,
              s30 = s00, s31 = s00;
      for (int64_t i = 0; i < m4; i += 4) {
        __m256d w0 = _mm256_loadu_pd(z0 + i), w1 = _mm256_loadu_pd(z1 + i);
        __m256d a = _mm256_loadu_pd(yc[0] + i);
        s00 = _mm256_fmadd_pd(a, w0, s00);
        s01 = _mm256_fmadd_pd(a, w1, s01);
        a = _mm256_loadu_pd(yc[1] + i);
        s10 = _mm256_fmadd_pd(a, w0, s10);
        s11 = _mm256_fmadd_pd(a, w1, s11);
        a = _mm256_loadu_pd(yc[2] + i);
        s20 = _mm256_fmadd_pd(a, w0, s20);
        s21 = _mm256_fmadd_pd(a, w1, s21);
        a = _mm256_loadu_pd(yc[3] + i);
        s30 = _mm256_fmadd_pd(a, w0, s30);
        s31 = _mm256_fmadd_pd(a, w1, s31);
      }
      double r[4][2] = {{hsum(s00), hsum(s01)}, {hsum(s10), hsum(s11)},
                        {hsum(s20), hsum(s21)}, {hsum(s30), hsum(s31)}};
      for (int c = 0; c < 4; c++)
        for (int64_t i = m4; i < m; i++) {
          r[c][0] += yc[c][i] * z0[i];
          r[c][1] += yc[c][i] * z1[i];
        }
      for (int c = 0; c < 4; c++) {
        out[d + c + (int64_t)j * n] = r[c][0];
        if (two) out[d + c + (int64_t)(j + 1) * n] = r[c][1];
      }
    }
  }
  for (; d < n; d++)
    for (int j = 0; j < k; j++) {
      const double *yc0 = y + d * m, *zc = z + (int64_t)j * m;
      double s = 0;
      for (int64_t i = 0; i < m; i++) s += yc0[i] * zc[i];
      out[d + (int64_t)j * n] = s;
    }
}

static int g_generic = 0;

static int use_avx2(void) {
  static int have = -1;
  if (g_generic) return 0;
  if (have < 0) {
    __builtin_cpu_init();
    have = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }
  return have;
}
#endif

void strata_factor_kernels_generic(int on) {
#ifdef HAVE_X86
  g_generic = on;
#else
  (void)on;
#endif
}

void strata_factor_ymul(int64_t m, int64_t n, int k, const double *y, const double *b, double *out) {
  if (m <= 0 || n <= 0 || k <= 0) return;
#ifdef HAVE_X86
  if (use_avx2()) {
    ymul_avx2(m, n, k, y, b, out);
    return;
  }
#endif
  ymul_generic(m, n, k, y, b, out);
}

void strata_factor_ytmul(int64_t m, int64_t n, int k, const double *y, const double *z, double *out) {
  if (n <= 0 || k <= 0) return;
  if (m <= 0) {
    for (int j = 0; j < k; j++) memset(out + (int64_t)j * n, 0, sizeof(double) * (size_t)n);
    return;
  }
#ifdef HAVE_X86
  if (use_avx2()) {
    ytmul_avx2(m, n, k, y, z, out);
    return;
  }
#endif
  ytmul_generic(m, n, k, y, z, out);
}
