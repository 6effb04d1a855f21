/* Distributed truncated SVD and PCA of one view or of several views jointly.
 *
 * The operator decomposed is the joint matrix
 *     A = [ w_1 (Y_1 - c 1 mu_1^T) S_1^-1 , ... , w_M (Y_M - c 1 mu_M^T) S_M^-1 ]
 * (N samples x sum D_m features) where Y_m is view m as a strata_dmat_t, mu_m its per-feature
 * means over observed entries, S_m the per-feature standard deviations (optional scaling),
 * c = 1 for PCA and 0 for the uncentred SVD, and w_m the view weight (user weight, divided by the
 * view's first singular value under MFA weighting).  A is never formed: centring, scaling and
 * weighting are rank-one / diagonal corrections to local GEMMs, and products with A are sums
 * over views.
 *
 * Missing data.  Before solving, every view is preprocessed IN PLACE (the dmat is the caller's
 * copy of the data, so no second copy is made): a missing entry (NaN) of a sample that has the
 * view is replaced by its feature mean over observed entries (mean imputation, which contributes
 * 0 after centring); the rows of samples that lack the view altogether (present[i] = 0) are set
 * to the feature mean when centring and to 0 otherwise, so that such a sample contributes
 * nothing to that view's block of A (its row there is exactly zero) and its scores come from its
 * other views only.  With STRATA_IMPUTE_SOFT, missing entries are instead imputed iteratively
 * from the rank-k fit (soft-impute: the singular values shrunk by soft_lambda), starting from the
 * mean imputation, re-estimating the feature means from the filled matrix at each refit (the
 * model is Y = 1 mu^T + U S V^T), until the imputed values change by less than impute_tol
 * relative to ||A||_F.  The MFA weights are computed once, after mean imputation.  Soft-impute
 * keeps the positions of the missing entries (8 bytes each), never a second copy of the data.
 *
 * Methods.  Randomized: Rademacher (+-1) test block of k+p columns (a function of the global
 * feature index, so the answer does not depend on the grid), q power iterations, every product
 * re-orthonormalised over the grid rows or columns -- CholeskyQR2 (two Gram reductions) while the
 * block's condition estimate is below 1e6, Householder TSQR beyond -- the small SVD replicated.
 * The two data-sized products of each pass run in strata's tall-skinny kernels
 * (solvers/kernels.h).  Without scaling, MFA or soft-impute, and with every sample present in
 * every view, the statistics pass of the preprocessing rides on the first product (each chunk of
 * the data is summarised while it is in cache; a NaN found there is imputed and the product
 * taken again), so the whole solve reads the data 2q+2 times.  On a grid with one process row
 * (every rank holds whole columns: the default for wide data) a power iteration's two products
 * share one pass, A (A^T Q) by column blocks read once from memory and again from cache, and
 * the solve reads the data q+2 times.  Exact:
 * ScaLAPACK pdgesvd on a block-cyclic copy (centred, scaled and weighted in that copy), U from
 * it and V = A^T U S^-1 by one pass of the implicit operator.  Gram: G = sum_m A_m A_m^T by
 * pdsyrk on one view's block-cyclic copy at a time, pdsyevd, then V as for exact (accurate for
 * singular values well above sqrt(eps) sigma_1).  One progress event per pass over the data.
 * Memory per rank beyond its block of the data: randomized O((N/Pr + D/Pc) (k+p)); exact one
 * block-cyclic copy of the joint matrix (plus, with several views, one view's copy while it is
 * moved in); gram one view's copy at a time plus the distributed N x N Gram matrix. */
#ifndef STRATA_SVD_H
#define STRATA_SVD_H
#include <stdint.h>
#include "strata/dmat.h"
#include "strata/error.h"
#include "strata/events.h"

enum {
  STRATA_SVD_AUTO = 0,        /* choose by shape and k (strata_svd_choose_method) */
  STRATA_SVD_RANDOMIZED = 1,  /* Halko-Martinsson-Tropp range finder + power iterations */
  STRATA_SVD_EXACT = 2,       /* ScaLAPACK pdgesvd on a block-cyclic copy */
  STRATA_SVD_GRAM = 3         /* N x N Gram by pdsyrk, pdsyevd, V = A^T U Sigma^-1 */
};
enum { STRATA_IMPUTE_MEAN = 0, STRATA_IMPUTE_SOFT = 1 };

typedef struct strata_svd_opts {
  int k;               /* components wanted (>= 1) */
  int oversample;      /* randomized: extra sketch columns p (default 10) */
  int power_iters;     /* randomized: power iterations q (default 2) */
  int method;          /* STRATA_SVD_* (default AUTO) */
  int center;          /* 1: subtract feature means (PCA, default); 0: uncentred SVD */
  int scale;           /* 1: divide each feature by its standard deviation (observed entries) */
  int mfa;             /* 1: divide each view by its first singular value (default 1; only
                          applied with two or more views) */
  const double *weights;  /* [nviews] user weights multiplying the MFA weights, or NULL (all 1) */
  int impute;          /* STRATA_IMPUTE_MEAN (default) or STRATA_IMPUTE_SOFT */
  double impute_tol;   /* soft-impute: stop when ||change of imputed values|| / ||A||_F < tol */
  int impute_maxiter;  /* soft-impute: at most this many refits (default 100) */
  double soft_lambda;  /* soft-impute: shrinkage of the singular values (default 0 = hard) */
  int mfa_power_iters; /* power iterations of the cheap first-singular-value pass (default 4) */
  int nb;              /* block size of the block-cyclic copy (exact, gram; default 64) */
  uint64_t seed;       /* random test matrix seed (default 42) */
  strata_events_t *ev; /* progress events (may be NULL) */
} strata_svd_opts_t;

/* Fill *o with the defaults above (k = 10).  Not collective. */
void strata_svd_opts_default(strata_svd_opts_t *o);

/* The result.  Rows of u follow the views' dmat rows (dmat->rows); rows of v[m] follow view m's
 * local column block (dmat->col0 ...).  u is replicated over the ranks of a grid row, v[m] over
 * the ranks of a grid column.  Signs: in each component the entry of U of largest magnitude is
 * positive (sklearn's svd_flip convention), so results do not depend on the rank count. */
typedef struct strata_svd_result {
  int k, nviews;
  int method;              /* the method actually used */
  char method_reason[200]; /* why (auto), e.g. "randomized: k+p = 20 << min(N,D) = 2000" */
  int64_t nrows;           /* N */
  double *s;               /* [k] singular values of A */
  double *variance;        /* [k] s^2 / (N - 1) (PCA convention; also for SVD) */
  double *variance_ratio;  /* [k] s^2 / ||A||_F^2 */
  double total_ss;         /* ||A||_F^2 after weighting (sum of all squared singular values) */
  double *view_weight;     /* [nviews] w_m actually applied */
  double *view_sigma1;     /* [nviews] first singular value of each (centred, scaled) view
                              before weighting (computed when mfa is on, else 0) */
  int64_t mloc;            /* local rows */
  double *u;               /* [mloc*k] column-major, ld = max(1, mloc) */
  int64_t *nloc;           /* [nviews] local columns of each view */
  double **v;              /* [nviews] each [nloc[m]*k], column-major, ld = max(1, nloc[m]) */
  int impute_iters;        /* soft-impute refits done (0 for mean imputation) */
  double impute_change;    /* last relative change of the imputed values */
  int impute_converged;    /* 1 if impute_change < impute_tol (soft-impute) */
  int data_passes;         /* sweeps over the whole local data: the statistics pass (unless it
                              rode on the first product), MFA weight passes and the products
                              (randomized: 2q+2, or q+2 on a grid with one process row, where
                              both products of a power iteration share a pass) */
} strata_svd_result_t;

/* Collective over the grid of the views.  Compute the top-k SVD of the joint operator A above.
 * All views must share one grid and one row partition (same nrows and rows).  The views are
 * preprocessed in place (see the top of this header) and are otherwise not modified.
 * Errors: STRATA_ERR_INPUT for inconsistent views or k > min(N, D); STRATA_ERR_NUMERIC if a
 * LAPACK/ScaLAPACK routine reports failure.  The status is agreed on every rank.  The caller
 * frees *out with strata_svd_result_destroy. */
STRATA_NODISCARD int strata_svd_compute(int nviews, strata_dmat_t *const *views,
                                        const strata_svd_opts_t *opts,
                                        strata_svd_result_t **out);
/* NULL-safe; sets *r to NULL. */
void strata_svd_result_destroy(strata_svd_result_t **r);

/* Not collective.  The method AUTO resolves to for an N x D operator with k components and p
 * oversampling over nviews views, with a one-line reason written to reason (may be NULL). */
int strata_svd_choose_method(int64_t N, int64_t D, int k, int p, int nviews, char *reason,
                             size_t reason_size);
/* Not collective.  Columns of the randomized sketch for k components, oversampling p and
 * min(N,D) = mn: min(k+p, mn). */
int strata_svd_sketch_width(int k, int p, int64_t mn);
/* Name of a method ("randomized", ...) and its parse (-1 if unknown). */
const char *strata_svd_method_name(int method);
int strata_svd_method_parse(const char *name);

/* Collective over the views' grid.  Gather U (N x k, rows in global order, column-major) and
 * V_m (D_m x k per view, column-major) to rank `root` of grid->comm for writing results; on other
 * ranks the outputs are NULL.  The caller frees *u and each (*v)[m] and *v.  Scores in the
 * scanpy sense (X_pca) are U diag(s). */
STRATA_NODISCARD int strata_svd_gather(const strata_svd_result_t *r, strata_dmat_t *const *views,
                                       int root, double **u, double ***v);

#endif
