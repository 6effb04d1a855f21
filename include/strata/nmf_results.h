/* Writing NMF results (io/nmf_results.c) as a new MuData file: H in obsm/X_nmf, W_m in
 * mod/<view>/varm/W_nmf, the cluster of each sample in obs, the objective trace and the
 * consensus k-selection summary in uns/nmf.  Rank 0 writes what it holds (the caller gathers the
 * small factors first with strata_nmf_gather_h/_w); nothing numeric here. */
#ifndef STRATA_NMF_RESULTS_H
#define STRATA_NMF_RESULTS_H
#include <stdint.h>
#include "strata/error.h"

/* Everything a results file holds; all arrays are borrowed. */
typedef struct strata_nmf_results {
  int64_t nobs;
  char *const *obs_names;        /* [nobs] */
  int nviews;
  char *const *view_names;       /* [nviews] */
  const int64_t *nvar;           /* [nviews] */
  char *const *const *var_names; /* [nviews][nvar[m]] */
  const uint32_t *const *obsmap; /* [nviews][nobs] input obsmap (1-based row, 0 = absent) */
  int k;
  const double *h;               /* [nobs*k] row-major H */
  const double *const *w;        /* [nviews][nvar*k] row-major W_m */
  const int64_t *cluster;        /* [nobs] argmax of H, 0-based, -1 = none */
  int64_t iterations;
  const double *objective;       /* [iterations] */
  int converged;
  double rel_error, seconds;
  const char *solver, *init;     /* "hals" | "anls" | "mu"; "random" | "nndsvd" | "nndsvda" */
  int64_t seed, max_iter;
  double tol;
  const double *view_weight;     /* [nviews] */
  const double *shift;           /* [nviews] value subtracted by --negative shift (0 = none) */
  const char *negative;          /* "error" | "shift" | "clip" */
  const char *input;             /* the input path (recorded in uns) */
  /* k selection (nk = 0: not run) */
  int nk, runs, best_k;
  const int *ks;
  const double *cophenetic, *dispersion, *ksel_error, *ksel_clusters;
} strata_nmf_results_t;

/* Not collective (rank 0).  Write a MuData file at `path` (temporary name, renamed on success):
 *   obs (ids; column nmf_cluster = argmax of H, 1-based factor number as int64, 0 = none),
 *   var (all views' features), obsmap/varmap, obsm/X_nmf = H (N x k),
 *   mod/<view> AnnData with the view's obs and var and varm/W_nmf = W_m (D_m x k),
 *   uns/nmf/{objective, rel_error, iterations, converged, view_names, view_weights, shift,
 *   params/{k, solver, init, seed, tol, max_iter, negative, input}} and, after a k range,
 *   uns/nmf/k_selection/{k, cophenetic, dispersion, rel_error, clusters_used, best_k,
 *   runs}. */
STRATA_NODISCARD int strata_nmf_results_write_h5mu(const char *path, const strata_nmf_results_t *r);

#endif
