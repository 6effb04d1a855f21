/* MOFA-style group factor analysis on the process grid: Y_m ~ Z W_m^T for views m = 1..M,
 * fitted by mean-field variational inference (Gaussian views with per-feature noise precision,
 * Bernoulli views through the Jaakkola-Jordan bound, ARD on W per view and factor, optional
 * spike-and-slab on W).  Z rows follow samples (grid rows), W_m rows follow features (grid
 * columns); every per-iteration sum is a local GEMM reduced over grid->rowcomm or colcomm.
 * Implemented in solvers/factor.c (+ factor_init.c for the PCA start).  No file I/O here except
 * the checkpoint (through strata/checkpoint.h). */
#ifndef STRATA_FACTOR_H
#define STRATA_FACTOR_H
#include <stdint.h>
#include "strata/dmat.h"
#include "strata/state.h"
#include "strata/error.h"
#include "strata/events.h"
#include "strata/grid.h"

enum { STRATA_LIK_GAUSSIAN = 0, STRATA_LIK_BERNOULLI = 1 };

typedef struct strata_factor_opts {
  int k;                       /* initial number of factors (1..64) */
  int64_t max_iter;            /* iterations (default 1000) */
  double tol;                  /* stop when |dELBO| / |ELBO| < tol (default 1e-6) */
  int elbo_freq;               /* evaluate the ELBO (and test convergence) every n iterations (1) */
  double drop_r2;              /* drop factors whose largest R^2 over views is below this (0.01);
                                  0 keeps all factors */
  int spikeslab;               /* spike-and-slab prior on W (0) */
  int init_random;             /* 0: PCA (randomized SVD of the concatenated centred views);
                                  1: random N(0,1) Z from the seed */
  uint64_t seed;               /* RNG seed (init, randomized SVD) */
  strata_state_t *checkpoint;  /* where to write the state (strata/state.h; e.g. a checkpoint
                                  file from strata_ckpt_state_create), or NULL; borrowed */
  int64_t checkpoint_every;    /* write the checkpoint every n iterations (0: only on signal) */
  strata_state_t *resume;      /* resume from this stored state, or NULL; borrowed */
  const char *const *view_names; /* [nviews] names for messages, or NULL */
} strata_factor_opts_t;

/* Defaults listed above. */
void strata_factor_opts_default(strata_factor_opts_t *o);

/* The fitted model.  Local parts follow the views' distribution; replicated parts are the same
 * on every rank.  Factors are sorted by decreasing total R^2 (summed over views). */
typedef struct strata_factor {
  const strata_grid_t *grid;   /* borrowed */
  int nviews, k;               /* views and the final number of factors */
  int64_t nobs;                /* global samples */
  int64_t mloc;                /* local samples (rows of part grid->myrow) */
  int64_t *rows;               /* [mloc] global row indices of my samples (owned) */
  double *z;                   /* [mloc x k] column-major: E[Z] of my samples (replicated along
                                  my grid row) */
  int64_t *nvar, *col0, *nloc; /* [nviews] global features, first local feature, local count */
  double **w;                  /* [nviews][nloc x k] column-major: E[W_m] of my features */
  double **intercept;          /* [nviews][nloc]: feature means (Gaussian) or logit (Bernoulli) */
  int *likelihood;             /* [nviews] STRATA_LIK_* */
  double *r2;                  /* [nviews x k] R^2 (fraction) of view m, factor k: r2[m + k*M] */
  double *r2_total;            /* [nviews] R^2 of the full reconstruction */
  double *elbo;                /* [n_elbo] ELBO trace (one per evaluation) */
  int64_t n_elbo;
  int64_t *elbo_iter;          /* [n_elbo] iteration of each ELBO value */
  int64_t *elbo_k;             /* [n_elbo] number of factors at that evaluation (the ELBO is
                                  monotone only between evaluations with the same count) */
  int64_t iterations;          /* iterations run (including before a resume) */
  int converged;
  double seconds;              /* wall time of the fit (this run) */
  double seconds_iter;         /* of which in the iterations (without preprocessing, start) */
  int64_t iterations_run;      /* iterations run by this call (without those before a resume) */
  double seconds_comm;         /* of seconds, in reductions on this rank (waiting included) */
} strata_factor_t;

/* Collective over views[0]->grid->comm.  Fit the model to nviews distributed matrices with the
 * same rows (same grid, same row partition, same nobs).  The views' local blocks are used as
 * working storage and overwritten (Gaussian: centred, missing entries 0; Bernoulli: y - 1/2,
 * missing 0), so no second copy of a Gaussian view exists (a Bernoulli view keeps one more
 * array of its block's size: 2 lambda(xi) per entry); do not use the views afterwards.
 * Extra memory per rank otherwise: O((mloc + nloc) K^2) (per-sample and per-feature second
 * moments).  Communication per iteration: O(mloc K) over rowcomm and O(nloc K) over colcomm,
 * times K when a view is Bernoulli or has missing entries in present samples.
 * likelihood[m] is STRATA_LIK_GAUSSIAN or STRATA_LIK_BERNOULLI (Bernoulli values must be 0/1).
 * ev may be NULL; every iteration emits strata_ev_iteration.
 * Returns STRATA_OK with *out set; STRATA_ERR_INPUT (agreed) when K is not usable (K <= 0,
 * K > 64 or K > min(N, sum of features)), a view has no observed value, a Bernoulli view has a value not
 * in {0,1}, or the resume file does not match; STRATA_INTERRUPTED after writing the checkpoint
 * when strata_signal_pending() fired at an iteration boundary (then *out is NULL).
 * Free *out with strata_factor_destroy. */
STRATA_NODISCARD int strata_factor_fit(int nviews, strata_dmat_t *const *views,
                                       const int *likelihood, const strata_factor_opts_t *opts,
                                       strata_events_t *ev, strata_factor_t **out);
/* NULL-safe; sets *f to NULL.  Not collective. */
void strata_factor_destroy(strata_factor_t **f);

/* Collective over f->grid->comm.  Gather E[Z] (nobs x k, column-major, rows in global order) and
 * each E[W_m] (nvar[m] x k) and intercepts to rank `root`; other ranks get NULL.  The caller
 * frees *z, each (*w)[m], *w, each (*icpt)[m] and *icpt (free(NULL) is fine). */
STRATA_NODISCARD int strata_factor_gather(const strata_factor_t *f, int root, double **z,
                                          double ***w, double ***icpt);

/* Collective over grid->comm.  Initial E[Z] (mloc x k, column-major) from the top k left
 * singular vectors of the concatenated views (each centred view divided by its Frobenius norm,
 * missing entries 0), scaled to unit variance; a randomized range finder with two power
 * iterations whose random matrix depends on the seed and global feature indices only, so the
 * result does not depend on the rank count.  Implemented in solvers/factor_init.c. */
STRATA_NODISCARD int strata_factor_init_pca(int nviews, strata_dmat_t *const *views, int k,
                                            uint64_t seed, double *z);

#endif
