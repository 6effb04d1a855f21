/* Private to solvers/svd/: the implicit joint operator A (see include/strata/svd.h), its
 * preprocessing and the three decompositions of A.  Not a public API.  The files depend one way:
 * svd.c (driver) -> randomized.c, exact.c -> preprocess.c -> op.c -> solvers/la. */
#ifndef STRATA_SVD_IMPL_H
#define STRATA_SVD_IMPL_H
#include <stdint.h>
#include "strata/dmat.h"
#include "strata/events.h"
#include "strata/svd.h"

/* The operator A = [w_m (Y_m - c 1 mu_m^T) S_m^-1]_m on the views' grid.  "D-side" arrays (one
 * value per feature, e.g. mu, or D x l blocks) are stored locally as the concatenation of the
 * views' local column blocks: ntot = sum nloc_m rows, view m at rows voff[m] .. voff[m+1]. */
typedef struct svd_op {
  const strata_grid_t *grid;
  int nviews;
  strata_dmat_t *const *views;
  int64_t N, D;        /* global shape of A */
  int64_t mloc, ntot;  /* local rows, local D-side rows */
  int64_t *voff;       /* [nviews+1] local D-side offsets */
  double *mu;          /* [ntot] feature means (used only when center) */
  double *sinv;        /* [ntot] 1 / standard deviation, or 1 */
  double *w;           /* [nviews] view weights */
  int center;
  double t_comp, t_comm;  /* seconds spent in local compute and in reductions (for events) */
  /* Deferred preprocessing (see strata_svd_compute): while defer_stats is set, svd_op_apply
   * only forms the local uncentred product and gathers the feature statistics into it;
   * svd_randomized then completes the preprocessing and the product. */
  double *defer_stats;    /* [3 ntot] count, mean, m2 per local feature, or NULL */
  double *view_ss;        /* [nviews] the preprocessing's ||A_m||_F^2 / w_m^2 */
  int64_t n_empty;        /* features without an observed value */
  int data_passes;        /* sweeps over the data so far: products and preprocessing */
} svd_op_t;

/* Collective over rowcomm: Y (mloc x l, ld max(1,mloc)) = A X, X (ntot x l, ld max(1,ntot)).
 * tmp holds ntot*l doubles (T = w S^-1 X on return).  While op->defer_stats is set it only forms
 * the local uncentred product and the statistics, and is not collective (svd_randomized then
 * completes it). */
int svd_op_apply(svd_op_t *op, int l, const double *X, double *Y, double *tmp);
/* Collective over rowcomm: the second half of svd_op_apply in deferred mode -- subtract this
 * grid column's mu^T T (T in tmp) from the local product Y and reduce Y over rowcomm. */
int svd_op_apply_finish(svd_op_t *op, int l, double *Y, const double *tmp);
/* Collective over colcomm: X (ntot x l) = A^T Z, Z (mloc x l). */
int svd_op_apply_t(svd_op_t *op, int l, const double *Z, double *X);

/* Collective over rowcomm, on a grid with one process row only: Y (mloc x l) = A A^T Q in one
 * pass over the data -- each column block of A is read from memory for A^T Q and multiplied
 * again from cache by A.  tmp (ntot x l) holds T = w S^-1 A^T Q on return, as in svd_op_apply. */
int svd_op_apply_aat(svd_op_t *op, int l, const double *Q, double *Y, double *tmp);

/* STRATA_ERR_INPUT naming `what` when n elements exceed an MPI count (int). */
int svd_check_count(int64_t n, const char *what);

/* ---- preprocessing (preprocess.c) ---- */
/* The missing entries of present samples of one view on this rank, for soft-impute. */
typedef struct missing {
  int64_t n;      /* missing entries of present samples, this rank, this view */
  int64_t *idx;   /* [n] local column-major positions */
} missing_t;
/* Collective over colcomm: feature statistics of view m over the observed entries of present
 * rows, mean imputation in place, feature scales (scale != 0); adds the view's
 * ||A_m||_F^2 / w_m^2 to *ss and records the missing positions in *miss when keep_missing.
 * pre: statistics already gathered by a deferred first product, or NULL. */
int svd_preprocess_view(svd_op_t *op, int m, int scale, int keep_missing, missing_t *miss,
                        int64_t *n_empty, double *ss, const double *pre);
/* Collective over grid->comm: feature means again after soft-impute changed the entries. */
int svd_recenter(svd_op_t *op);
/* Collective over grid->comm: ||A||_F^2 of the preprocessed operator. */
int svd_total_ss(const svd_op_t *op, double *out);

/* The three decompositions.  Each writes s[k], U (mloc x k, ld max(1,mloc)) and V (ntot x k,
 * ld max(1,ntot)) before sign normalisation; collective over grid->comm. */
int svd_randomized(svd_op_t *op, int k, int p, int q, uint64_t seed, strata_events_t *ev,
                   const char *phase, double *s, double *U, double *V);
int svd_exact(svd_op_t *op, int k, int nb, strata_events_t *ev, double *s, double *U, double *V);
/* The largest local array, in elements, of pdgesvd's own redistribution of its M x mn left
 * vectors from one row per process in turn (ceil(M / P) rows, P = nprow npcol) to the nb x nb
 * block-cyclic U; svd_exact refuses to start when it reaches the limit, STRATA_MR2D_LIMIT unless
 * a test lowers it with svd_exact_set_mr2d_limit (0 restores it). */
int64_t svd_exact_u_local_max(int64_t M, int64_t mn, int nb, int nprow, int npcol);
void svd_exact_set_mr2d_limit(int64_t limit);
/* 1 if svd_exact can run op with block size nb; *need is that largest local array. */
int svd_exact_fits(const svd_op_t *op, int nb, int64_t *need);
int svd_gram(svd_op_t *op, int k, int nb, strata_events_t *ev, double *s, double *U, double *V);

/* Collective over rowcomm: the full D_m-vector of a D-side per-feature array of view m
 * (e.g. mu), replicated; the caller frees *full. */
int svd_allgather_view_vec(const svd_op_t *op, int m, const double *local, double **full);

#endif
