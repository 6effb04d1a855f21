/* Preprocessing of the SVD operator, in place on the views: feature statistics over observed
 * entries, mean imputation of missing entries and absent samples, feature scales, re-centring
 * after soft-impute and the total sum of squares.  Not the products (op.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "solvers/la/kernels.h"
#include "solvers/svd/svd_impl.h"
#include "strata/util.h"

#define LD(n) ((n) > 0 ? (n) : 1)

/* Collective over colcomm: feature statistics of view m over the observed entries of present
 * rows -- count, mean and sum of squared deviations, per rank in one sweep (a column is
 * contiguous, so its second look is in cache) and combined over grid rows with Chan et al.'s
 * pairwise update in grid-row order (identical on every rank) -- then the in-place mean
 * imputation (see svd.h), which touches only columns with a missing entry and absent rows.
 * Adds the view's ||A_m||_F^2 / w_m^2 to *ss (exact for the imputed matrix) and records the
 * missing positions when asked. */
int svd_preprocess_view(svd_op_t *op, int m, int scale, int keep_missing, missing_t *miss,
                           int64_t *n_empty, double *ss, const double *pre) {
  int st = STRATA_OK;
  strata_dmat_t *v = (strata_dmat_t *)op->views[m];
  int64_t n = v->nloc, mloc = v->mloc, off = op->voff[m], npres = 0, nabs_loc = 0;
  int nr = op->grid->nprow;
  double *loc = NULL, *all = NULL;
  unsigned char *dirty = NULL;
  STRATA_CALLOC(loc, 3 * (size_t)LD(n));
  STRATA_CALLOC(dirty, LD(n));
  for (int64_t i = 0; i < mloc; i++) nabs_loc += !v->present[i];
  if (nabs_loc == 0 && pre) memcpy(loc, pre, sizeof(double) * 3 * (size_t)n);
  else strata_colstats(mloc, n, v->a, mloc, nabs_loc ? v->present : NULL, loc);
  for (int64_t j = 0; j < n; j++)
    dirty[j] = loc[3 * j] + (double)nabs_loc < (double)mloc || nabs_loc > 0;
  npres = mloc - nabs_loc;
  if (nr > 1) {
    STRATA_CHECK(svd_check_count(3 * n * nr, "the feature statistics"));
    STRATA_MALLOC(all, 3 * (size_t)LD(n) * nr);
    STRATA_MPI_CHECK(MPI_Allgather(loc, (int)(3 * n), MPI_DOUBLE, all, (int)(3 * n), MPI_DOUBLE,
                                   op->grid->colcomm));
    STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &npres, 1, MPI_INT64_T, MPI_SUM, op->grid->colcomm));
    for (int64_t j = 0; j < n; j++) {
      double na = 0, ma = 0, m2a = 0;
      for (int p = 0; p < nr; p++) {
        const double *e = all + (size_t)p * 3 * n + 3 * j;
        double nb = e[0], nab = na + nb;
        if (nb == 0) continue;
        double d = e[1] - ma;
        ma += d * nb / nab;
        m2a += e[2] + d * d * na * nb / nab;
        na = nab;
      }
      loc[3 * j] = na;
      loc[3 * j + 1] = ma;
      loc[3 * j + 2] = m2a;
    }
  }
  double tss = 0;
  for (int64_t j = 0; j < n; j++) {
    double cnt = loc[3 * j], mu = loc[3 * j + 1], m2 = loc[3 * j + 2];
    op->mu[off + j] = mu;
    if (cnt == 0) (*n_empty)++;
    double sd = cnt > 1 ? sqrt(m2 / (cnt - 1)) : 0.0;
    /* constant features keep scale 1 (as scanpy does) rather than dividing by zero */
    op->sinv[off + j] = scale && sd > 0 ? 1.0 / sd : 1.0;
    /* centred: imputed and absent entries are 0; uncentred: imputed entries are mu */
    double colss = op->center ? m2 : m2 + ((double)npres) * mu * mu;
    tss += colss * op->sinv[off + j] * op->sinv[off + j];
  }
  *ss += tss;
  if (keep_missing) {
    int64_t nm = 0;
    for (int64_t j = 0; j < n; j++)
      if (dirty[j])
        for (int64_t i = 0; i < mloc; i++) nm += v->present[i] && isnan(v->a[j * mloc + i]);
    STRATA_MALLOC(miss->idx, nm);
    miss->n = 0;
    for (int64_t j = 0; j < n; j++)
      if (dirty[j])
        for (int64_t i = 0; i < mloc; i++)
          if (v->present[i] && isnan(v->a[j * mloc + i])) miss->idx[miss->n++] = j * mloc + i;
  }
  for (int64_t j = 0; j < n; j++) {
    if (!dirty[j]) continue;
    double *col = v->a + j * mloc;
    for (int64_t i = 0; i < mloc; i++) {
      if (!v->present[i]) col[i] = op->center ? op->mu[off + j] : 0.0;
      else if (isnan(col[i])) col[i] = op->mu[off + j];
    }
  }
cleanup:
  free(loc);
  free(all);
  free(dirty);
  return st;
}

/* Collective over colcomm: re-estimate the feature means from the current (imputed) values of
 * the present rows and reset the absent rows to them, so that soft-impute fits
 * Y = 1 mu^T + U S V^T with mu consistent with the filled matrix. */
int svd_recenter(svd_op_t *op) {
  int st = STRATA_OK;
  double *acc = NULL;
  STRATA_CALLOC(acc, LD(op->ntot) + 1);
  for (int m = 0; m < op->nviews; m++) {
    const strata_dmat_t *v = op->views[m];
    int64_t off = op->voff[m];
    for (int64_t j = 0; j < v->nloc; j++)
      for (int64_t i = 0; i < v->mloc; i++)
        if (v->present[i]) acc[off + j] += v->a[j * v->mloc + i];
  }
  if (op->grid->nprow > 1 && op->ntot > 0)
    STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, acc, (int)op->ntot, MPI_DOUBLE, MPI_SUM, op->grid->colcomm));
  for (int m = 0; m < op->nviews; m++) {
    strata_dmat_t *v = (strata_dmat_t *)op->views[m];
    int64_t off = op->voff[m], np = 0;
    for (int64_t i = 0; i < v->mloc; i++) np += v->present[i];
    if (op->grid->nprow > 1) STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &np, 1, MPI_INT64_T, MPI_SUM, op->grid->colcomm));
    for (int64_t j = 0; j < v->nloc; j++) {
      if (np > 0) op->mu[off + j] = acc[off + j] / (double)np;
      for (int64_t i = 0; i < v->mloc; i++)
        if (!v->present[i]) v->a[j * v->mloc + i] = op->mu[off + j];
    }
  }
cleanup:
  free(acc);
  return st;
}

/* Collective over grid->comm: ||A||_F^2 with the current weights. */
int svd_total_ss(const svd_op_t *op, double *out) {
  int st = STRATA_OK;
  double t = 0;
  for (int m = 0; m < op->nviews; m++) {
    const strata_dmat_t *v = op->views[m];
    double tv = 0;
    for (int64_t j = 0; j < v->nloc; j++) {
      double mu = op->center ? op->mu[op->voff[m] + j] : 0.0, si = op->sinv[op->voff[m] + j];
      double tc = 0;
      for (int64_t i = 0; i < v->mloc; i++) {
        double d = (v->a[j * v->mloc + i] - mu);
        tc += d * d;
      }
      tv += tc * si * si;
    }
    t += op->w[m] * op->w[m] * tv;
  }
  STRATA_MPI_CHECK(MPI_Allreduce(&t, out, 1, MPI_DOUBLE, MPI_SUM, op->grid->comm));
cleanup:
  return st;
}
