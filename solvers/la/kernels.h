/* Private to solvers/: the two tall-skinny products that every factorisation spends its time in,
 * A (m x n, a local data block, column-major) times a thin operand of l columns, and its
 * transpose.  Each streams A from memory once and keeps the thin operand and the output tile in
 * registers and L1, where a general GEMM would pack (copy) the big operand on every call.
 * Not a general BLAS: no alpha/beta, one layout for A.  Also the per-column statistics pass. */
#ifndef STRATA_SOLVERS_KERNELS_H
#define STRATA_SOLVERS_KERNELS_H
#include <stdint.h>

/* out (m x l, column-major, ld ldo) += A (m x n, ld lda) * B, where B[d, j] = b[d*brs + j*bcs].
 * Not collective.  Needs lda >= m and ldo >= m. */
void strata_tsmm_ab(int64_t m, int64_t n, int l, const double *a, int64_t lda, const double *b,
                    int64_t brs, int64_t bcs, double *out, int64_t ldo);

/* strata_tsmm_ab that also writes strata_colstats of A's columns to stats (3 per column; NULL
 * for none), taken from each chunk of columns while it is in cache: the statistics cost no
 * extra pass over memory. */
void strata_tsmm_ab_stats(int64_t m, int64_t n, int l, const double *a, int64_t lda,
                          const double *b, int64_t brs, int64_t bcs, double *out, int64_t ldo,
                          double *stats);

/* out[d*ors + j*ocs] = sum_i A[i, d] Z[i, j] for d < n, j < l (A^T Z), with Z m x l column-major
 * (ld ldz).  m == 0 gives zeros.  Not collective. */
void strata_tsmm_atb(int64_t m, int64_t n, int l, const double *a, int64_t lda, const double *z,
                     int64_t ldz, double *out, int64_t ors, int64_t ocs);

/* Z (m x l, column-major, ld ldz) packed once for several strata_tsmm_atb_packed calls, e.g. over
 * column blocks of one A.  Keeps a pointer to z (read again only by the portable kernel, which
 * is also the fallback when the packing buffer cannot be allocated).  Not collective. */
typedef struct strata_zpack {
  int64_t m, ldz;
  int l, isa;
  const double *z;
  double *buf;
} strata_zpack_t;
void strata_zpack_init(strata_zpack_t *zp, int64_t m, int l, const double *z, int64_t ldz);
void strata_zpack_free(strata_zpack_t *zp);
/* strata_tsmm_atb with a packed Z: out[d*ors + j*ocs] = (A^T Z)[d, j], A m x n (ld lda). */
void strata_tsmm_atb_packed(const strata_zpack_t *zp, int64_t n, const double *a, int64_t lda,
                            double *out, int64_t ors, int64_t ocs);

/* For each column j < n of A (m x n, ld lda): out[3j], out[3j+1], out[3j+2] = count, mean and
 * sum of squared deviations from the mean of its non-NaN entries in the rows with present[i]
 * != 0 (present NULL: every row).  One pass over A at memory speed (each column is swept twice,
 * the second time in cache; vectorised when present is NULL). */
void strata_colstats(int64_t m, int64_t n, const double *a, int64_t lda,
                     const unsigned char *present, double *out);

/* Which instruction set the kernels use: "avx512", "avx2" or "portable". */
const char *strata_kernels_isa(void);

/* For tests and benchmarks: force "avx512", "avx2" or "portable" (refused, returning -1, when the
 * CPU lacks it); NULL restores the run-time choice.  Not thread-safe. */
int strata_kernels_force(const char *isa);

#endif
