/* Tall-skinny products: AVX-512 and AVX2 instances of solvers/kernels_tmpl.h chosen at run time,
 * and a portable version.  See solvers/kernels.h. */
#include <stdlib.h>
#include <string.h>

#include "solvers/la/kernels.h"

enum { ISA_PORTABLE, ISA_AVX2, ISA_AVX512 };

/* ---- portable -------------------------------------------------------------------------------- */

static void ab_portable(int64_t m, int64_t n, int l, const double *a, int64_t lda, const double *b,
                        int64_t brs, int64_t bcs, double *out, int64_t ldo) {
  for (int64_t d = 0; d < n; d++)
    for (int j = 0; j < l; j++) {
      double bj = b[d * brs + (int64_t)j * bcs];
      double *o = out + (int64_t)j * ldo;
      const double *ac = a + d * lda;
      for (int64_t i = 0; i < m; i++) o[i] += ac[i] * bj;
    }
}

static void atb_portable(int64_t m, int64_t n, int l, const double *a, int64_t lda, const double *z,
                         int64_t ldz, double *out, int64_t ors, int64_t ocs) {
  for (int64_t d = 0; d < n; d++)
    for (int j = 0; j < l; j++) {
      const double *ac = a + d * lda, *zc = z + (int64_t)j * ldz;
      double s = 0;
      for (int64_t i = 0; i < m; i++) s += ac[i] * zc[i];
      out[d * ors + (int64_t)j * ocs] = s;
    }
}

/* with absent rows (present[i] == 0) left out; four independent partial sums per sweep */
static void colstats_portable(int64_t m, const double *col, const unsigned char *present,
                              double *out) {
  double c[4] = {0, 0, 0, 0}, s[4] = {0, 0, 0, 0}, q[4] = {0, 0, 0, 0};
  for (int64_t i = 0; i < m; i++) {
    double y = col[i];
    int ok = (!present || present[i]) && y == y;
    c[i & 3] += ok;
    s[i & 3] += ok ? y : 0.0;
  }
  double n = (c[0] + c[1]) + (c[2] + c[3]);
  double mu = n > 0 ? ((s[0] + s[1]) + (s[2] + s[3])) / n : 0.0;
  for (int64_t i = 0; i < m; i++) {
    double y = col[i], d = y - mu;
    q[i & 3] += (!present || present[i]) && y == y ? d * d : 0.0;
  }
  out[0] = n;
  out[1] = mu;
  out[2] = (q[0] + q[1]) + (q[2] + q[3]);
}

#if defined(__GNUC__) && defined(__x86_64__)
#define HAVE_X86 1
#include <immintrin.h>

/* ---- AVX-512: 3 x 8 tiles (24 accumulators) for both products ---------------------------- */
#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
#define FN(x) x##_avx512
#define V __m512d
#define VW 8
#define M __mmask8
#define VMASK(r) ((__mmask8)((1u << (r)) - 1u))
#define VZERO() _mm512_setzero_pd()
#define VLOAD(p) _mm512_loadu_pd(p)
#define VLOADM(p, k) _mm512_maskz_loadu_pd((k), (p))
#define VSTORE(p, v) _mm512_storeu_pd((p), (v))
#define VSTOREM(p, k, v) _mm512_mask_storeu_pd((p), (k), (v))
#define VBCAST(p) _mm512_set1_pd(*(p))
#define VFMA(a, b, c) _mm512_fmadd_pd((a), (b), (c))
#define VADD(a, b) _mm512_add_pd((a), (b))
#define VSUB(a, b) _mm512_sub_pd((a), (b))
#define VHSUM(v) _mm512_reduce_add_pd(v)
#define VORD(v) _mm512_cmp_pd_mask((v), (v), _CMP_ORD_Q)
#define VMAND(a, b) ((__mmask8)((a) & (b)))
#define VSEL(k, v) _mm512_maskz_mov_pd((k), (v))
#define VCOUNT(k) __builtin_popcount((unsigned)(k))
#define AB_RV 3
#define AB_CW 8
#define ATB_NV 3
#define ATB_ND 8
#define ATB_REM 1
#define VBCASTP(p, P) \
  ((P) == 2 ? _mm512_castps_pd(_mm512_broadcast_f32x4(_mm_castpd_ps(_mm_loadu_pd(p)))) \
            : (P) == 4 ? _mm512_broadcast_f64x4(_mm256_loadu_pd(p)) : _mm512_loadu_pd(p))
#include "solvers/la/kernels_tmpl.h"
#pragma GCC pop_options

/* ---- AVX2 + FMA: 2 x 6 and 3 x 4 tiles (12 accumulators) ------------------------ */
#pragma GCC push_options
#pragma GCC target("avx2,fma")
static inline double avx2_hsum(__m256d v) {
  __m128d lo = _mm256_castpd256_pd128(v), hi = _mm256_extractf128_pd(v, 1);
  lo = _mm_add_pd(lo, hi);
  return _mm_cvtsd_f64(_mm_add_sd(lo, _mm_unpackhi_pd(lo, lo)));
}
static inline __m256i avx2_mask(int r) {
  return _mm256_set_epi64x(r > 3 ? -1 : 0, r > 2 ? -1 : 0, r > 1 ? -1 : 0, r > 0 ? -1 : 0);
}
#define FN(x) x##_avx2
#define V __m256d
#define VW 4
#define M __m256i
#define VMASK(r) avx2_mask(r)
#define VZERO() _mm256_setzero_pd()
#define VLOAD(p) _mm256_loadu_pd(p)
#define VLOADM(p, k) _mm256_maskload_pd((p), (k))
#define VSTORE(p, v) _mm256_storeu_pd((p), (v))
#define VSTOREM(p, k, v) _mm256_maskstore_pd((p), (k), (v))
#define VBCAST(p) _mm256_broadcast_sd(p)
#define VFMA(a, b, c) _mm256_fmadd_pd((a), (b), (c))
#define VADD(a, b) _mm256_add_pd((a), (b))
#define VSUB(a, b) _mm256_sub_pd((a), (b))
#define VHSUM(v) avx2_hsum(v)
#define VORD(v) _mm256_castpd_si256(_mm256_cmp_pd((v), (v), _CMP_ORD_Q))
#define VMAND(a, b) _mm256_and_si256((a), (b))
#define VSEL(k, v) _mm256_and_pd(_mm256_castsi256_pd(k), (v))
#define VCOUNT(k) __builtin_popcount((unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(k)))
#define AB_RV 2
#define AB_CW 6
#define ATB_NV 3
#define ATB_ND 4
#define ATB_REM 0 /* the 16 registers are spent on the panel */
#define VBCASTP(p, P) VBCAST(p)
#include "solvers/la/kernels_tmpl.h"
#pragma GCC pop_options
#endif

/* ---- dispatch ------------------------------------------------------------------------------- */

static int g_forced = -1;

static int best_isa(void) {
#ifdef HAVE_X86
  static int isa = -1;
  if (isa < 0) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) isa = ISA_AVX512;
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) isa = ISA_AVX2;
    else isa = ISA_PORTABLE;
  }
  return isa;
#else
  return ISA_PORTABLE;
#endif
}

static int isa(void) { return g_forced >= 0 ? g_forced : best_isa(); }

const char *strata_kernels_isa(void) {
  static const char *names[] = {"portable", "avx2", "avx512"};
  return names[isa()];
}

int strata_kernels_force(const char *name) {
  if (!name) {
    g_forced = -1;
    return 0;
  }
  int want = !strcmp(name, "avx512") ? ISA_AVX512 : !strcmp(name, "avx2") ? ISA_AVX2
             : !strcmp(name, "portable") ? ISA_PORTABLE : -1;
  if (want < 0 || want > best_isa()) return -1;
  g_forced = want;
  return 0;
}

void strata_tsmm_ab(int64_t m, int64_t n, int l, const double *a, int64_t lda, const double *b,
                    int64_t brs, int64_t bcs, double *out, int64_t ldo) {
  strata_tsmm_ab_stats(m, n, l, a, lda, b, brs, bcs, out, ldo, NULL);
}

void strata_tsmm_ab_stats(int64_t m, int64_t n, int l, const double *a, int64_t lda,
                          const double *b, int64_t brs, int64_t bcs, double *out, int64_t ldo,
                          double *stats) {
  if (m <= 0 || n <= 0 || l <= 0) {
    if (stats && n > 0) strata_colstats(m, n, a, lda, NULL, stats);
    return;
  }
#ifdef HAVE_X86
  int s = isa();
  if (s != ISA_PORTABLE) {
    /* 16 columns of A per chunk times l packed B values; on the heap past a few pages */
    double stackbuf[16 * 64], *pack = stackbuf;
    if (l > 64 && !(pack = malloc(sizeof(double) * 16 * (size_t)l))) s = ISA_PORTABLE;
    if (s == ISA_AVX512) ab_avx512(m, n, l, a, lda, b, brs, bcs, out, ldo, pack, stats);
    else if (s == ISA_AVX2) ab_avx2(m, n, l, a, lda, b, brs, bcs, out, ldo, pack, stats);
    if (pack != stackbuf) free(pack);
    if (s != ISA_PORTABLE) return;
  }
#endif
  ab_portable(m, n, l, a, lda, b, brs, bcs, out, ldo);
  if (stats) strata_colstats(m, n, a, lda, NULL, stats);
}

void strata_zpack_init(strata_zpack_t *zp, int64_t m, int l, const double *z, int64_t ldz) {
  zp->m = m;
  zp->l = l;
  zp->z = z;
  zp->ldz = ldz;
  zp->buf = NULL;
  zp->isa = ISA_PORTABLE;
#ifdef HAVE_X86
  int s = isa();
  if (s != ISA_PORTABLE && m > 0 && l > 0) {
    int pw = s == ISA_AVX512 ? 24 : 12;
    /* Z packed row-wise in panels of 24 (AVX-512) or 12 (AVX2) columns, then the leftover
     * columns (kernels_tmpl.h): ceil(m / P) groups of 8 lanes, P >= 2 */
    size_t bytes = sizeof(double) * ((size_t)m * (size_t)((l + pw - 1) / pw * pw) + 4 * ((size_t)m + 8));
    if ((zp->buf = aligned_alloc(64, (bytes + 63) / 64 * 64))) {
      zp->isa = s;
      if (s == ISA_AVX512) atb_pack_avx512(m, l, z, ldz, zp->buf);
      else atb_pack_avx2(m, l, z, ldz, zp->buf);
    }
  }
#endif
}

void strata_zpack_free(strata_zpack_t *zp) {
  free(zp->buf);
  zp->buf = NULL;
}

void strata_tsmm_atb_packed(const strata_zpack_t *zp, int64_t n, const double *a, int64_t lda,
                            double *out, int64_t ors, int64_t ocs) {
  int64_t m = zp->m;
  int l = zp->l;
  if (n <= 0 || l <= 0) return;
  if (m <= 0) {
    for (int64_t d = 0; d < n; d++)
      for (int j = 0; j < l; j++) out[d * ors + (int64_t)j * ocs] = 0.0;
    return;
  }
#ifdef HAVE_X86
  if (zp->isa == ISA_AVX512) {
    atb_avx512(m, n, l, a, lda, zp->buf, out, ors, ocs);
    return;
  }
  if (zp->isa == ISA_AVX2) {
    atb_avx2(m, n, l, a, lda, zp->buf, out, ors, ocs);
    return;
  }
#endif
  atb_portable(m, n, l, a, lda, zp->z, zp->ldz, out, ors, ocs);
}

void strata_tsmm_atb(int64_t m, int64_t n, int l, const double *a, int64_t lda, const double *z,
                     int64_t ldz, double *out, int64_t ors, int64_t ocs) {
  if (n <= 0 || l <= 0) return;
  strata_zpack_t zp;
  strata_zpack_init(&zp, m, l, z, ldz);
  strata_tsmm_atb_packed(&zp, n, a, lda, out, ors, ocs);
  strata_zpack_free(&zp);
}

void strata_colstats(int64_t m, int64_t n, const double *a, int64_t lda,
                     const unsigned char *present, double *out) {
  for (int64_t j = 0; j < n; j++) {
    const double *col = a + j * lda;
#ifdef HAVE_X86
    const double *next = j + 1 < n ? col + lda : NULL;
    int s = present ? ISA_PORTABLE : isa();
    if (s == ISA_AVX512) {
      colstats_avx512(m, col, next, out + 3 * j);
      continue;
    }
    if (s == ISA_AVX2) {
      colstats_avx2(m, col, next, out + 3 * j);
      continue;
    }
#endif
    colstats_portable(m, col, present, out + 3 * j);
  }
}
