/* Private to solvers/nmf/: the problem (struct strata_nmf, one nmf_view_t per view), the
 * iterate (nmf_state_t) and the functions the stages share.  Not a public API (strata/nmf.h is).
 * The files depend one way: solve.c (the iteration, its steps, the result) -> rows.c (per-row
 * solvers), init.c (random and NNDSVD starts, the adapter to solvers/la/range.c), state.c
 * (checkpoint) -> dense.c (small products, reductions).  setup.c (create/destroy, data checks,
 * masks) and results.c (release, labels, gathers) call no other file here. */
#ifndef STRATA_NMF_IMPL_H
#define STRATA_NMF_IMPL_H
#include <cblas.h>
#include <stdint.h>

#include "strata/nmf.h"

typedef struct nmf_view {
  strata_dmat_t *y;    /* borrowed; missing entries hold 0 while the problem exists */
  double weight;
  int all_present;     /* global: every sample has the view */
  int has_nan;         /* global: some present sample has a NaN entry */
  int64_t nmiss;       /* local NaN entries inside present rows */
  int64_t *cptr;       /* [nloc+1] CSC of those entries: rows crow[cptr[j]..cptr[j+1]) */
  int32_t *crow;
  int64_t *rptr;       /* [mloc+1] CSR: columns rcol[rptr[i]..rptr[i+1]) */
  int32_t *rcol;
  double ss, sum;      /* global sum of squares / sum of observed entries */
  int64_t nobs;        /* global number of observed entries */
  double shift;
  int64_t clipped;
} nmf_view_t;

struct strata_nmf {
  const strata_grid_t *grid;
  int nviews;
  nmf_view_t *v;
  int64_t N, mloc;
  const int64_t *rows;
  int any_nan, all_present;
};

/* The iterate of one solve: what a checkpoint holds (with the objective trace). */
typedef struct nmf_state {
  int k, M;
  double *H;        /* [mloc*k] */
  double **W;       /* [M][nloc*k] */
  double *WtW;      /* [M*k*k] global Grams of the current W_m */
  double *HpHp;     /* [M*k*k] Gram of H over the samples present in view m (HtH if all) */
  double *trace;    /* [max_iter] */
  int64_t iter;
  int converged;
} nmf_state_t;

/* ---- dense.c: small dense helpers on the factor layouts (k x n, one row's k values contiguous) */

/* C (m x n, ldc) = alpha op(A) op(B) + beta C; tolerates empty local blocks. */
void nmf_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int64_t m, int64_t n, int64_t kk,
              double alpha, const double *A, int64_t lda, const double *B, int64_t ldb,
              double beta, double *C, int64_t ldc);
/* G (k x k, full) = Xt Xt^T for Xt k x n column-major. */
void nmf_gram(int k, int64_t n, const double *Xt, double *G);
/* Zt (l x mloc) += alpha (Y X)^T with X given as Xt (l x nloc); tmp: mloc * l doubles. */
void nmf_prod_yx(int64_t mloc, int64_t nloc, int l, double alpha, const double *Xt,
                 const double *y, double *Zt, double *tmp);
/* Xt (l x nloc) = alpha (Y^T Z)^T with Z given as Zt (l x mloc); tmp: mloc * l doubles. */
void nmf_prod_ytz(int64_t mloc, int64_t nloc, int l, double alpha, const double *Zt,
                  const double *y, double *Xt, double *tmp);
/* G += s x x^T (full k x k). */
void nmf_outer_add(int k, double s, const double *x, double *G);
/* Collective on comm: in-place sum of n doubles, in pieces whose counts fit an int. */
int nmf_allreduce_sum(double *buf, int64_t n, MPI_Comm comm);

/* ---- rows.c: the non-negative update of one row (k loadings of a sample or a feature) ------ */

/* `inner` HALS or MU sweeps, or one exact BPP solve (ANLS), of min_{x>=0} 1/2 x'Gx - b'x.
 * ws: 3k + k*k doubles, iws: 2k ints. */
void nmf_update_row(int solver, int inner, int k, const double *G, const double *b, double *x,
                    double *ws, int *iws);

/* ---- init.c: the starts --------------------------------------------------------------------- */

/* Sum of the local feature counts over the views (the local width of [Y_1 .. Y_M]). */
int64_t nmf_total_nloc(const strata_nmf_t *p);
/* H and W from the counter RNG by global index (identical on every grid). */
void nmf_init_random(const strata_nmf_t *p, nmf_state_t *s, uint64_t seed);
/* Collective: Zt (l x mloc) = Q^T and Xt (l x sum nloc) = Q^T A for A = [sqrt(l_m) Y_m]. */
int nmf_range_finder(const strata_nmf_t *p, int l, int power, uint64_t seed, uint64_t stream0,
                     double *Zt, double *Xt);
/* Collective: NNDSVD (fill_avg: NNDSVDa) start; Qt_pre/B_pre reuse a range basis of l_pre
 * columns (the compressed problem's), or NULL to compute one. */
int nmf_init_nndsvd(const strata_nmf_t *p, nmf_state_t *s, uint64_t seed, int fill_avg,
                    int l_pre, const double *Qt_pre, const double *B_pre);

/* ---- state.c: the iterate and its checkpoint ------------------------------------------------ */

/* Allocates s for rank k and max_iter iterations (zeroed); nmf_state_free releases it. */
int nmf_state_alloc(const strata_nmf_t *p, int k, int64_t max_iter, nmf_state_t *s);
void nmf_state_free(nmf_state_t *s);
/* Collective over the grid row: s->WtW from s->W, with 2 scalars per view (tq, or zeros)
 * summed in the same buffer; buf: M*k*k + 2M doubles, holds the sums on return. */
int nmf_reduce_wtw(const strata_nmf_t *p, nmf_state_t *s, double *buf, const double *tq);
/* Collective: write s to o->checkpoint / read it from o->resume (checking the shapes). */
int nmf_ckpt_write(const strata_nmf_t *p, const strata_nmf_opts_t *o, const nmf_state_t *s);
int nmf_ckpt_read(const strata_nmf_t *p, const strata_nmf_opts_t *o, nmf_state_t *s);

#endif
