/* The generative model behind `strata simulate`: TRACERx-shaped synthetic cohorts (patients with
 * several tumour regions; views with planted shared and view-specific factors; Gaussian and
 * Bernoulli views; regions missing views; multi-region mutations with a planted clone tree).
 * Every number is drawn from the counter-based RNG at a position fixed by (seed, purpose, view,
 * element), so any rank can generate any row and the output does not depend on the rank count.
 * Implemented in simulate/simulate.c (numbers only); the writers are io/simulate_write.c and
 * io/simulate_truth.c (strata/simulate_io.h). */
#ifndef STRATA_SIMULATE_H
#define STRATA_SIMULATE_H
#include <stdint.h>
#include "strata/error.h"

typedef enum { STRATA_SIM_GAUSSIAN = 0, STRATA_SIM_BERNOULLI = 1 } strata_sim_lik_t;

typedef struct strata_sim_view {
  char name[64];
  strata_sim_lik_t lik;
  int64_t nvar;
  double missing;  /* probability that a region lacks this view */
} strata_sim_view_t;

typedef struct strata_sim_params {
  uint64_t seed;
  int64_t npatients;
  int rmin, rmax;            /* regions per patient, uniform in [rmin, rmax] */
  int nviews;
  strata_sim_view_t *views;  /* [nviews], copied by strata_sim_create */
  int K;                     /* shared factors */
  int Kv;                    /* view-specific factors per view */
  double active;             /* probability that a shared factor is active in a view */
  double density;            /* fraction of non-zero loadings of an active factor */
  double noise;              /* Gaussian views: noise sd is noise * U(0.5, 1.5) per feature */
  double patient_corr;       /* correlation of the factor values of two regions of a patient */
} strata_sim_params_t;

/* The cohort-level truth, identical on every rank. */
typedef struct strata_sim {
  strata_sim_params_t par;   /* views owned */
  int64_t nobs;              /* regions (samples) */
  int32_t *patient;          /* [nobs] patient of each sample (patients in order) */
  int32_t *region;           /* [nobs] 1-based region number within its patient */
  int64_t *patient_first;    /* [npatients+1] samples of patient p: [first[p], first[p+1]) */
  double *purity;            /* [nobs] tumour purity of each region, U(0.3, 0.9) */
  double *Z;                 /* [nobs*K] shared factors, row-major */
} strata_sim_t;

/* Not collective, deterministic.  Draw patients, regions, purity and the shared factors Z
 * (z = sqrt(rho) * patient effect + sqrt(1-rho) * region effect, each N(0,1)).  Memory O(N*K).
 * STRATA_ERR_INPUT for impossible parameters (naming the parameter). */
STRATA_NODISCARD int strata_sim_create(const strata_sim_params_t *par, strata_sim_t **out);
/* NULL-safe; sets *s to NULL. */
void strata_sim_destroy(strata_sim_t **s);
/* 1 if sample i has view v (drawn with probability 1 - views[v].missing). */
int strata_sim_present(const strata_sim_t *s, int v, int64_t i);

/* One view's truth: loadings (ARD-like: shared factor k is either inactive in the view, all its
 * loadings 0, or active with scale U(0.5, 1.5) and spike-and-slab loadings of the given
 * density), view-specific factors and loadings, per-feature noise / intercepts.  O(D*(K+Kv)). */
typedef struct strata_sim_loadings {
  int64_t nvar;
  int K, Kv;
  unsigned char *active;  /* [K] */
  double *W;              /* [K*nvar] k-major: W[k*nvar + d] */
  double *V;              /* [Kv*nvar] view-specific loadings, k-major */
  double *Zv;             /* [nobs*Kv] view-specific factors, row-major */
  double *sd;             /* [nvar] Gaussian: noise sd (precision 1/sd^2); Bernoulli: NULL */
  double *bias;           /* [nvar] Bernoulli: logit intercept N(-1, 0.5^2); Gaussian: NULL */
  double *wnorm2;         /* [K+Kv] squared norms of the loading columns (W then V) */
  double noise_var;       /* Gaussian: sum of the features' noise variances */
} strata_sim_loadings_t;

/* Not collective, deterministic: the loadings of view v.  Free with strata_sim_loadings_destroy. */
STRATA_NODISCARD int strata_sim_loadings(const strata_sim_t *s, int v, strata_sim_loadings_t **out);
void strata_sim_loadings_destroy(strata_sim_loadings_t **l);

/* Per-row sums from which the planted R^2 follow (see strata_sim_r2): layout per row:
 * [0] sum s^2 (signal), [1] sum noise variance, then for each of the K shared factors and then
 * each of the Kv view-specific ones: sum s*f_k and sum f_k^2, f_k = z_k w_k^T. */
int strata_sim_nstats(const strata_sim_t *s);

/* Not collective: generate the full rows of view v for the global samples samples[0..nr)
 * into out (row-major nr x nvar) and their per-row sums into stats (nr x nstats, may be NULL).
 * Gaussian: y = Z W^T + Zv V^T + noise; Bernoulli: y ~ Bernoulli(logistic(Z W^T + Zv V^T + b)).
 * The values of a row do not depend on which other rows are generated with it. */
void strata_sim_rows(const strata_sim_t *s, int v, const strata_sim_loadings_t *l,
                     const int64_t *samples, int64_t nr, double *out, double *stats);

/* The planted variance explained of view v from the sums over its present rows (summed in
 * global row order by the caller): r2_factor[k] (K shared), r2_specific[j] (Kv),
 * *r2_total.  Gaussian views: the expectation over the noise of MOFA's R^2 = 1 - RSS/SS given
 * Z, W, noise (per factor with the rank-1 reconstruction z_k w_k^T):
 * (2 sum s*f_k - sum f_k^2) / (sum s^2 + sum noise var); total = sum s^2 / (sum s^2 + noise).
 * Bernoulli views: the same on the logit scale with the logistic variance pi^2/3 as noise and the
 * intercepts left out (McKelvey-Zavoina). */
void strata_sim_r2(const strata_sim_t *s, const double *sums, double *r2_factor,
                   double *r2_specific, double *r2_total);

/* ---- multi-region mutations with a planted clone tree -------------------------------------- */
typedef struct strata_sim_clones {
  int maxc;          /* max clusters per patient */
  int *nclust;       /* [npatients] clusters of each patient (cluster 0 = trunk, clonal) */
  int *parent;       /* [npatients*maxc] parent cluster, -1 for the trunk and unused slots */
  double *ccf;       /* [nobs*maxc] cancer cell fraction of each cluster in each region, NaN
                        for unused slots; children never sum above their parent */
} strata_sim_clones_t;

/* Not collective, deterministic: 2..maxc clusters per patient, a random tree (parent drawn among
 * the earlier clusters), CCFs per region (a subclone is absent from a region with probability
 * 0.3, else a U(0.1, 1) share of its parent, rescaled so siblings fit in their parent). */
STRATA_NODISCARD int strata_sim_clones(const strata_sim_t *s, int maxc, strata_sim_clones_t **out);
void strata_sim_clones_destroy(strata_sim_clones_t **c);

/* The mutations of one patient: n mutations, each in one cluster, observed in every region of
 * the patient (diploid, VAF = purity * CCF / 2; depth ~ mean_depth * exp(0.3 N(0,1)),
 * alt ~ Binomial(depth, VAF)).  Arrays are [n] or [n*R] (row-major, R = regions). */
typedef struct strata_sim_mutations {
  int64_t n;
  int R;
  int32_t *cluster, *chrom, *vclass; /* vclass indexes vclass_names */
  const char *const *vclass_names;   /* strata_sim_vclass_names (so writers need not link it) */
  int64_t *pos;
  char *ref, *alt;
  int32_t *depth, *altc;             /* [n*R] */
} strata_sim_mutations_t;
extern const char *const strata_sim_vclass_names[];
/* Not collective, deterministic: about mean_mutations (U(0.5, 1.5) x) mutations for patient p,
 * 40% of them truncal.  Free with strata_sim_mutations_free. */
STRATA_NODISCARD int strata_sim_patient_mutations(const strata_sim_t *s,
                                                  const strata_sim_clones_t *c, int64_t p,
                                                  int mean_mutations, int mean_depth,
                                                  strata_sim_mutations_t *out);
void strata_sim_mutations_free(strata_sim_mutations_t *m);

#endif
