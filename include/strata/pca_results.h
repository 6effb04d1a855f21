/* Writing PCA/SVD results the way scanpy and muon store them, in a new .h5mu (the input cohort is
 * never modified) and optionally as TSV tables.  Rank 0 writes what it holds; the caller gathers
 * the (small) results first (strata_svd_gather).  Nothing numeric here. */
#ifndef STRATA_PCA_RESULTS_H
#define STRATA_PCA_RESULTS_H
#include <stdint.h>
#include "strata/error.h"

/* Everything a results file holds; all arrays are borrowed. */
typedef struct strata_pca_results {
  int centered;                  /* 1: PCA (keys X_pca, PCs, uns/pca); 0: SVD (X_svd, SVs, uns/svd) */
  int64_t nobs;
  char *const *obs_names;        /* [nobs] */
  int nviews;
  char *const *view_names;       /* [nviews] */
  const int64_t *nvar;           /* [nviews] */
  char *const *const *var_names; /* [nviews][nvar[m]] */
  const uint32_t *const *obsmap; /* [nviews][nobs] the input's obsmap (1-based row, 0 = absent) */
  int k;
  const double *s;               /* [k] singular values */
  const double *variance;        /* [k] s^2 / (nobs - 1) */
  const double *variance_ratio;  /* [k] */
  const double *view_weight;     /* [nviews] weights applied (MFA x user) */
  const double *u;               /* [nobs*k] column-major left singular vectors */
  const double *const *v;        /* [nviews][nvar*k] column-major right singular vectors */
  const char *method;            /* "randomized" | "exact" | "gram" */
  const char *method_reason;
  int scaled, mfa, oversample, power_iters;
  const char *impute;            /* "mean" | "soft" */
  int impute_iters;
  double impute_change;
  const char *input;             /* the input path (recorded in uns) */
} strata_pca_results_t;

/* Not collective (rank 0).  Write a MuData file at `path` (temporary name, renamed on success):
 *   obs (ids), var (all views' features), obsmap/varmap, mod/<view> AnnData with the view's obs
 *   and var and varm/PCs (D_m x k, the view's block of V), obsm/X_pca = U diag(s) (N x k),
 *   uns/pca/{variance, variance_ratio, singular_values, view_weights, view_names, params/...}.
 * With centered = 0 the keys are X_svd, SVs and uns/svd.  No X is written. */
STRATA_NODISCARD int strata_pca_results_write_h5mu(const char *path, const strata_pca_results_t *r);

/* Not collective (rank 0).  Write PREFIX.scores.tsv (sample, PC1..PCk = U diag(s)),
 * PREFIX.loadings.tsv (view, feature, PC1..PCk = V) and PREFIX.variance.tsv (component,
 * singular_value, variance, variance_ratio), each atomically (temporary name + rename). */
STRATA_NODISCARD int strata_pca_results_write_tsv(const char *prefix, const strata_pca_results_t *r);

#endif
