/* Joint non-negative matrix factorisation on the process grid (solvers/nmf/).
 *
 * Views Y_m (samples x features, strata_dmat_t, NaN = missing) are factorised as
 * Y_m ~ H W_m^T with a shared non-negative sample factor H (N x k) and non-negative view loadings
 * W_m (D_m x k), minimising sum_m lambda_m ||M_m .* (Y_m - H W_m^T)||_F^2 over the observed
 * entries M_m.  Solvers: HALS (exact coordinate descent), ANLS with block-principal-pivoting
 * NNLS, and multiplicative updates (Lee-Seung) as a baseline.  Layout as in MPI-FAUN/PLANC: the
 * rows of H follow the samples (replicated along a grid row), the rows of W_m follow the
 * features (replicated along a grid column); per iteration the k x k Grams are allreduced and
 * the products Y W / Y^T H are local GEMMs reduced over rowcomm / colcomm.
 *
 * Factor storage: every local factor block is row-major (n x k, row i at [i*k]), i.e. a k x n
 * column-major matrix, so that one sample's or one feature's k loadings are contiguous. */
#ifndef STRATA_NMF_H
#define STRATA_NMF_H
#include <stdint.h>
#include "strata/dmat.h"
#include "strata/state.h"
#include "strata/error.h"
#include "strata/events.h"
#include "strata/grid.h"

enum { STRATA_NMF_HALS = 0, STRATA_NMF_ANLS = 1, STRATA_NMF_MU = 2 };
enum { STRATA_NMF_INIT_RANDOM = 0, STRATA_NMF_INIT_NNDSVD = 1, STRATA_NMF_INIT_NNDSVDA = 2 };
/* What to do with negative observed values: fail (exit 2, message names view, sample, feature),
 * subtract the view's minimum, or set them to zero. */
enum { STRATA_NMF_NEG_ERROR = 0, STRATA_NMF_NEG_SHIFT = 1, STRATA_NMF_NEG_CLIP = 2 };

/* Optional names used in error messages (any pointer may be NULL: indices are printed). */
typedef struct strata_nmf_names {
  char *const *views;        /* [nviews] */
  char *const *obs;          /* [N] sample ids, global order */
  char **const *var;         /* [nviews][D_m] feature ids */
} strata_nmf_names_t;

typedef struct strata_nmf_opts {
  int k;                     /* rank (>= 1) */
  int solver;                /* STRATA_NMF_HALS (default), _ANLS, _MU */
  int init;                  /* STRATA_NMF_INIT_RANDOM (default), _NNDSVD, _NNDSVDA */
  uint64_t seed;             /* random init and the randomized SVD of NNDSVD (default 1) */
  int64_t max_iter;          /* default 500 */
  int inner;                 /* HALS/MU sweeps per factor update on the same products
                                (accelerated HALS, Gillis & Glineur 2012); default 1 */
  int compress;              /* 0 (default): iterate on the data.  l >= k: randomized NMF
                                (Erichson et al. 2018): iterate on B_m = Q^T Y_m with Q an
                                l-column orthonormal basis of the joint range (2 power
                                iterations), O((N+D) l k) per iteration instead of O(N D k);
                                views must have no missing entries; the reported rel_error is
                                exact (full data) */
  double tol;                /* stop when |f_{t-1} - f_t| / f_{t-1} < tol (default 1e-4); 0 = never */
  strata_state_t *checkpoint; /* write the state here (strata/state.h) on a signal / every
                                checkpoint_every; NULL = never; borrowed */
  int64_t checkpoint_every;  /* also checkpoint every this many iterations (0 = only on a signal) */
  strata_state_t *resume;    /* continue from this stored state (same ranks, grid, k, solver);
                                NULL = fresh start; borrowed */
  strata_events_t *ev;       /* progress events (NULL = none) */
  const char *phase;         /* phase name in events (default "nmf") */
} strata_nmf_opts_t;

/* Fill *o with the defaults above (k = 0 must still be set). */
void strata_nmf_opts_default(strata_nmf_opts_t *o);

/* A factorisation problem: the views, their weights and masks, reusable for several solves
 * (several seeds or ranks for the consensus summary). */
typedef struct strata_nmf strata_nmf_t;

/* Collective over grid->comm.  Borrow nviews matrices (same grid and row partition, which must
 * outlive the problem) with view weights (NULL = all 1; each > 0).  Negative observed values
 * are handled by `negative`: STRATA_NMF_NEG_ERROR fails with STRATA_ERR_INPUT naming the view,
 * sample and feature of the first negative entry (in global row-major order); SHIFT subtracts the
 * view's minimum from its observed entries; CLIP sets negatives to 0 (both modify the data and
 * are logged at verbosity 1).  Infinite values are STRATA_ERR_INPUT.  While the problem exists
 * the missing entries (NaN, and the rows of samples absent from a view) hold 0; destroy puts the
 * NaN back.  names may be NULL. */
STRATA_NODISCARD int strata_nmf_create(const strata_grid_t *grid, int nviews,
                                       strata_dmat_t *const *views, const double *weights,
                                       int negative, const strata_nmf_names_t *names,
                                       strata_nmf_t **out);
/* Not collective.  Restores the NaN entries.  NULL-safe; sets *p to NULL. */
void strata_nmf_destroy(strata_nmf_t **p);
/* Not collective: the grid the problem lives on (borrowed). */
const strata_grid_t *strata_nmf_grid(const strata_nmf_t *p);
/* Not collective: the shift subtracted from view m by STRATA_NMF_NEG_SHIFT (0 if none), and the
 * number of entries set to zero by CLIP (global). */
double strata_nmf_shift(const strata_nmf_t *p, int m);
int64_t strata_nmf_clipped(const strata_nmf_t *p, int m);

typedef struct strata_nmf_result {
  int k, nviews;
  int64_t nrows;             /* N */
  int64_t mloc;              /* local samples (the rows of the views' local blocks) */
  int64_t *rows;             /* [mloc] their global indices */
  double *H;                 /* [mloc*k] row-major */
  int64_t *ncols, *nloc, *col0;  /* [nviews] global and local feature counts, first local feature */
  double **W;                /* [nviews][nloc*k] row-major */
  int64_t iterations;        /* iterations done in total (including before a resume) */
  double *objective;         /* [iterations] objective after each iteration */
  int converged;             /* 1 if the tolerance was met */
  double rel_error;          /* sqrt(sum_m l_m ||M.*(Y-HW^T)||^2 / sum_m l_m ||M.*Y||^2), exact */
  double seconds;            /* wall time of the iterations in this call */
  double cpu_seconds;        /* this process's CPU time of those iterations (clock()) */
} strata_nmf_result_t;

/* Collective over grid->comm.  Factorise with options o.  On success *out holds the result
 * (caller frees with strata_nmf_result_destroy); the columns are scaled so that
 * sum_m l_m ||W_m[:,c]||^2 = 1 (the scale moves to H, which makes argmax(H) comparable across
 * factors).  A signal (strata_signal_pending) stops at an iteration boundary: the state is
 * written to o->checkpoint (when set) and STRATA_INTERRUPTED is returned with *out = NULL.
 * Non-convergence within max_iter is a result (converged = 0), not an error. */
STRATA_NODISCARD int strata_nmf_solve(strata_nmf_t *p, const strata_nmf_opts_t *o,
                                      strata_nmf_result_t **out);
/* NULL-safe; sets *r to NULL. */
void strata_nmf_result_destroy(strata_nmf_result_t **r);

/* Collective over grid->comm.  Cluster label of every sample, argmax_c H[i,c] (ties: lowest c;
 * -1 for a sample whose H row is all zero), on every rank: labels[N]. */
STRATA_NODISCARD int strata_nmf_assign(const strata_nmf_result_t *r, const strata_grid_t *grid,
                                       int64_t *labels);
/* Collective over grid->comm.  Gather H (N x k, row-major, global sample order) or W_m
 * (D_m x k, row-major) to rank `root`; *out is NULL elsewhere; the caller frees it. */
STRATA_NODISCARD int strata_nmf_gather_h(const strata_nmf_result_t *r, const strata_grid_t *grid,
                                         int root, double **out);
STRATA_NODISCARD int strata_nmf_gather_w(const strata_nmf_result_t *r, const strata_grid_t *grid,
                                         int m, int root, double **out);

/* ---- choosing k: consensus clustering over seeds (solvers/nmf/consensus.c) ----------------- */
typedef struct strata_nmf_ksel {
  int nk;                    /* number of ranks tried */
  int *k;                    /* [nk] */
  int nruns;                 /* seeds per rank */
  double *cophenetic;        /* [nk] cophenetic correlation of the consensus matrix */
  double *dispersion;        /* [nk] Kim & Park dispersion: mean 4 (C_ij - 1/2)^2, 1 = crisp */
  double *rel_error;         /* [nk] mean final relative error over the runs */
  double *clusters;          /* [nk] mean number of non-empty argmax clusters over the runs */
  int best_k;                /* the chosen rank (see strata_nmf_select_k) */
} strata_nmf_ksel_t;

/* Collective over grid->comm.  For every k in [kmin, kmax], solve nruns times with seeds
 * o->seed, o->seed+1, ... (other options from o; checkpointing is not used), assign clusters by
 * argmax of H, build the consensus matrix C (fraction of runs in which two samples share a
 * cluster, N x N on rank 0) and its cophenetic correlation (Pearson correlation of 1 - C with
 * the cophenetic distances of average-linkage clustering of 1 - C; Brunet et al. 2004).  The
 * chosen k is where the stability begins to fall: the largest k whose cophenetic correlation
 * and dispersion are both within 0.01 of their maxima and whose runs all use every one of the
 * k clusters (else the largest stable k ignoring cluster use; else by cophenetic alone).
 * Results are on every rank.  Memory: two N x N doubles on
 * rank 0.  A signal stops it with STRATA_INTERRUPTED (no checkpoint). */
STRATA_NODISCARD int strata_nmf_select_k(strata_nmf_t *p, const strata_nmf_opts_t *o, int kmin,
                                         int kmax, int nruns, strata_nmf_ksel_t **out);
/* NULL-safe; sets *s to NULL. */
void strata_nmf_ksel_destroy(strata_nmf_ksel_t **s);

/* Not collective.  Cophenetic correlation of the n x n consensus matrix C (column-major,
 * symmetric, C_ii = 1) by average linkage on 1 - C (nearest-neighbour chain, O(n^2) time and
 * memory); also returns the dispersion.  Exposed for tests. */
STRATA_NODISCARD int strata_nmf_cophenetic(int64_t n, const double *C, double *cophenetic,
                                           double *dispersion);

#endif
