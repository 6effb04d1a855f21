/* The MuData layout every strata results file shares (PCA/SVD, NMF): root attributes, the
 * global obs (sample ids, optionally one int64 column), var (all views' features, view by view),
 * obsm/<obsm_key> (nobs x k), obsmap/varmap, and mod/<view> with its own obs and var and
 * varm/<varm_key> (nvar x k).  The caller adds uns.  Written by rank 0 into a file from
 * strata_h5out_create; not collective.  Implemented in io/h5mu_results.c. */
#ifndef STRATA_H5MU_RESULTS_H
#define STRATA_H5MU_RESULTS_H
#include <hdf5.h>
#include <stdint.h>
#include "strata/error.h"

typedef struct strata_h5mu_results {
  int64_t nobs;
  char *const *obs_names;            /* [nobs] */
  const char *obs_int_name;          /* optional int64 obs column (NULL: none) */
  const int64_t *obs_int;            /* [nobs] */
  int nviews;
  char *const *view_names;           /* [nviews] */
  const int64_t *nvar;               /* [nviews] */
  char *const *const *var_names;     /* [nviews][nvar[m]] */
  const uint32_t *const *obsmap;     /* [nviews][nobs], 1-based row in the view, 0 = absent */
  int k;                             /* columns of obsm and varm */
  const char *obsm_key;              /* e.g. "X_pca" */
  const double *obsm;                /* nobs x k */
  const char *varm_key;              /* e.g. "PCs" */
  const double *const *varm;         /* [nviews] nvar[m] x k */
  int colmajor;                      /* obsm and varm are column-major (1) or row-major (0) */
} strata_h5mu_results_t;

/* Write the layout above into the open file f (its root group). */
STRATA_NODISCARD int strata_h5mu_results_write(hid_t f, const strata_h5mu_results_t *r);

#endif
