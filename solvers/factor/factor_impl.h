/* Private to solvers/factor/: the state of one fit (state_t, a vstate_t per view), the model's
 * constants and the functions its stages share.  Not a public API (include/strata/factor.h is).
 * The files depend one way: fit.c (driver, result) -> drop.c (dropping, reordering factors),
 * state.c (allocation, start, checkpoint; -> init.c, the PCA start) -> bound.c (ELBO and its
 * trace, R^2), updates.c (the sweep, statistics of q(Z)), preprocess.c -> numerics.c. */
#ifndef STRATA_FACTOR_IMPL_H
#define STRATA_FACTOR_IMPL_H
#include <stdint.h>

#include "strata/factor.h"
#include "strata/state.h"

/* Uninformative Gamma priors on precisions (as MOFA) and a flat Beta(1,1) on the slab
 * probability. */
#define PRIOR_A0 1e-14
#define PRIOR_B0 1e-14
#define THETA_A0 1.0
#define THETA_B0 1.0
#define CHUNK 256
/* The noise precision prior of Gaussian feature d has rate PRIOR_B0 + TAU_FLOOR * (sum of
 * squares of the feature) / 2: a pseudo-residual that keeps tau_d * var_d below ~1/TAU_FLOOR.
 * Without it a feature that a factor can copy (N small, e.g. a copy-number gene carried by one
 * factor) drives tau_d to infinity and the updates lose all precision (the bound is unbounded
 * there); with it the per-feature R^2 is capped at 1 - 1e-6, which real data never reaches. */
#define TAU_FLOOR 1e-6

typedef struct vstate {
  strata_dmat_t *y;
  int lik;
  int64_t nloc, mloc, nvar;
  double *icpt;             /* [nloc] feature mean (Gaussian) or fixed logit intercept (Bernoulli) */
  /* Gaussian */
  int partial;              /* some present sample misses some entry (any rank) */
  int64_t *mptr;            /* [nloc+1] CSC of missing entries of present rows */
  int32_t *mrow;
  double *nd, *yy;          /* [nloc] observed count and sum of squares per feature (global) */
  double *tau_a, *tau_b, *etau; /* [nloc]; etau = 0 marks a feature without information */
  double *tau_b0;           /* [nloc] prior rate of tau_d (see TAU_FLOOR) */
  /* Bernoulli: 2*lambda(xi) for observed entries, 0 for missing */
  double *lam2;
  /* q(W) */
  double *m, *eww, *ldw;    /* [nloc x K], [nloc x K^2], [nloc] */
  double *smu, *ss2, *sg;   /* spike-and-slab [nloc x K] */
  double *al_a, *al_b;      /* [K] ARD */
  double *th_a, *th_b;      /* [K] slab probability */
  /* statistics of q(Z) seen from this view's features (reduced over samples) */
  double *h;                /* [nloc x K] (h, gf, gsh point into state_t.statbuf) */
  double *gf;               /* [nloc x K^2] per-feature weighted sum of E[z z^T], or NULL */
  double *gsh;              /* [K^2] sum of E[z z^T] over present samples (Gaussian) */
  double *tmp;              /* [nloc x K] scratch */
} vstate_t;

typedef struct state {
  const strata_grid_t *g;
  const strata_factor_opts_t *o;
  int M, K, K0;
  int64_t N, mloc;
  vstate_t *v;
  double *mu, *ezz, *ldz;   /* q(Z): [mloc x K], [mloc x K^2], [mloc] */
  double *zbuf;             /* scratch for the Z update */
  double *statbuf;          /* h, gsh, gf of every view (factor_all_stats) */
  int need_persample;       /* a Bernoulli or partially observed view exists */
  double t_comm;
  double bern_lik;          /* Bernoulli likelihood bound from the last statistics pass */
  double *elbo;
  int64_t *elbo_iter, *elbo_k, n_elbo, cap_elbo;
  int64_t iter;
} state_t;

/* ---- numerics.c: small numerics every stage uses ------------------------------------------- */

double factor_digamma(double x);
/* a (K x K, SPD, full storage) <- a^-1, *logdet = log det of the input; 0 or j+1 when the
 * leading minor of order j+1 is not positive.  K <= 64. */
int factor_spd_inverse(double *a, int K, double *logdet);
/* 2 lambda(xi) of the Jaakkola-Jordan bound */
double factor_lambda2(double xi);
/* Collective over comm: in-place sum of buf[0..n), its time added to s->t_comm. */
int factor_reduce(state_t *s, double *buf, int64_t n, MPI_Comm comm);

/* ---- preprocess.c: the data before the first iteration ------------------------------------- */

/* The CSC of missing entries of view m (before factor_preprocess overwrites the NaNs).  Not
 * collective. */
int factor_missing_lists(state_t *s, int m);
/* View m checked, centred (or shifted to y - 1/2), its counts, sums of squares and tau prior
 * rates.  Collective. */
int factor_preprocess(state_t *s, int m, const char *name);
/* Bernoulli views: lam2 marks the observed entries.  Not collective. */
void factor_bernoulli_mark(state_t *s);

/* ---- updates.c: the coordinate-ascent updates ---------------------------------------------- */

/* Collective: Bernoulli xi and the statistics of q(Z) of every view. */
int factor_all_stats(state_t *s);
/* Not collective: the expected residual sum of squares of Gaussian feature d (local). */
double factor_expected_sse(const vstate_t *v, int K, int64_t d);
/* Collective: one sweep W -> alpha, theta -> Z -> statistics -> tau.  Status not agreed. */
int factor_sweep(state_t *s);

/* ---- bound.c: the ELBO, its trace, variance explained -------------------------------------- */

/* Not collective: room for need entries of the ELBO trace. */
int factor_grow_elbo(state_t *s, int64_t need);
/* Collective: the ELBO appended to the trace; *rel its relative change, *converged set. */
int factor_elbo_record(state_t *s, double *e, double *rel, int *converged);
/* Collective: r2[m + k*M] and r2tot[m] for the current K factors. */
int factor_r2_compute(state_t *s, double *r2, double *r2tot);

/* ---- drop.c: dropping and reordering factors ----------------------------------------------- */

/* Not collective: keep factors perm[0..Kn) in that order. */
int factor_apply_perm(state_t *s, const int *perm, int Kn);
/* Collective: drop the factors below opts->drop_r2 (r2, r2t: scratch of M * K0 and M). */
int factor_drop(state_t *s, double *r2, double *r2t);

/* ---- state.c: allocation, the initial state, the checkpoint -------------------------------- */

/* Not collective: shapes and options checked, s->v filled (s zeroed by the caller). */
int factor_state_setup(state_t *s, int nviews, strata_dmat_t *const *views,
                       const int *likelihood, const strata_factor_opts_t *opts);
/* Not collective: every array of q for K0 factors, zeroed. */
int factor_state_alloc(state_t *s);
/* Frees what s holds (not s itself); NULL-safe. */
void factor_state_free(state_t *s);
/* Collective (the PCA start): q before the first W update. */
int factor_initial_state(state_t *s, strata_dmat_t *const *views);
/* Collective: the state to opts->checkpoint, or back from opts->resume. */
int factor_ckpt_write(state_t *s);
int factor_ckpt_read(state_t *s);

#endif
