/* The MOFA2 trained-model HDF5 file (../shared/FORMATS.md) and the factor model's TSV tables.
 * Written by one process (rank 0) from a gathered, small model: factors, loadings, variance
 * explained, ELBO trace and names.  Implemented in io/mofa2.c; nothing numeric here. */
#ifndef STRATA_MOFA2_H
#define STRATA_MOFA2_H
#include <stdint.h>
#include "strata/error.h"

typedef struct strata_mofa2_model {
  const char *group;                 /* the single sample group ("group1") */
  int nviews, k;
  char *const *view_names;           /* [nviews] */
  int64_t nobs;
  char *const *sample_names;         /* [nobs] */
  const int64_t *nvar;               /* [nviews] */
  char *const *const *feature_names; /* [nviews][nvar[m]] */
  const double *z;                   /* [nobs x k] column-major E[Z] */
  double *const *w;                  /* [nviews][nvar x k] column-major E[W_m] */
  double *const *intercept;          /* [nviews][nvar] */
  const char *const *likelihood;     /* [nviews] "gaussian" | "bernoulli" */
  const double *r2;                  /* [nviews x k] column-major, fraction */
  const double *r2_total;            /* [nviews] fraction */
  const double *elbo;                /* [n_elbo] */
  const int64_t *elbo_iter;          /* [n_elbo] iteration of each ELBO value */
  const int64_t *elbo_k;             /* [n_elbo] number of factors at that evaluation */
  int64_t n_elbo, iterations;
  int64_t max_iter, elbo_freq, seed;
  int spikeslab;
  double seconds;                    /* training time */
} strata_mofa2_model_t;

/* Not collective (rank 0).  Write the model to `path` atomically (temporary name, rename):
 * /groups/groups, /views/views, /samples/<group>, /features/<view>, /intercepts/<view>/<group>,
 * /expectations/Z/<group> (k x nobs), /expectations/W/<view> (k x nvar), /model_options,
 * /training_opts (+ attr names), /training_stats/elbo and number_factors (one value per
 * iteration; elbo NaN where it was not evaluated) and time (total training seconds, 1 value), /variance_explained/r2_per_factor/<group>
 * (nviews x k, percent) and r2_total/<group> (percent).  STRATA_ERR_IO / STRATA_ERR_HDF5 on
 * failure, with no file left behind. */
STRATA_NODISCARD int strata_mofa2_write(const char *path, const strata_mofa2_model_t *m);

/* Not collective (rank 0).  PREFIX.Z.tsv (sample, Factor1..k), PREFIX.W.tsv (view, feature,
 * Factor1..k) and PREFIX.r2.tsv (view, Factor1..k, total; percent), each written atomically. */
STRATA_NODISCARD int strata_mofa2_write_tsv(const char *prefix, const strata_mofa2_model_t *m);

/* Not collective (any rank may call it; the file is only read).  Read the factors of a MOFA2
 * model file (strata factor's, or MOFA2's with one sample group): the sample names into
 * *samples[*nobs] and E[Z] into *z (nobs x k column-major).  STRATA_ERR_INPUT naming the file
 * and dataset when it is not such a model.  The caller frees each (*samples)[i], *samples and
 * *z.  Implemented in io/mofa2_read.c. */
STRATA_NODISCARD int strata_mofa2_read_z(const char *path, int64_t *nobs, int *k, char ***samples,
                                         double **z);

#endif
