/* PCA start for the factor model: a small randomized range finder (Halko-Martinsson-Tropp, two
 * power iterations, CholeskyQR2) on the concatenated preprocessed views, written for the factor
 * model's layout so it needs nothing from the general SVD solver.  Not a general SVD: it returns
 * only the scaled left singular vectors, with no accuracy guarantee beyond a good start. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mpi/scalapack_proto.h"
#include "strata/factor.h"
#include "strata/rng.h"

/* Orthonormalize the columns of the distributed Q (mloc x l, rows over grid rows) by CholeskyQR2;
 * a tiny ridge keeps Cholesky defined when the columns are (nearly) dependent. */
static int cholqr(const strata_grid_t *g, double *q, int64_t mloc, int l) {
  int st = STRATA_OK;
  double *gram = NULL;
  STRATA_MALLOC(gram, (size_t)l * l);
  for (int pass = 0; pass < 2; pass++) {
    memset(gram, 0, sizeof(double) * l * l);
    if (mloc > 0)
      cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, l, (int)mloc, 1.0, q, (int)mloc, 0.0,
                  gram, l);
    STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, gram, l * l, MPI_DOUBLE, MPI_SUM, g->colcomm));
    double tr = 0;
    for (int i = 0; i < l; i++) tr += gram[i + i * l];
    for (int i = 0; i < l; i++) gram[i + i * l] += 1e-12 * (tr > 0 ? tr : 1.0) / l;
    int info = 0;
    dpotrf_("U", &l, gram, &l, &info, 1);
    if (info != 0) STRATA_FAIL(STRATA_ERR_NUMERIC, "factor init: Cholesky QR failed (info %d)", info);
    if (mloc > 0)
      cblas_dtrsm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, (int)mloc, l,
                  1.0, gram, l, q, (int)mloc);
  }
cleanup:
  free(gram);
  return st;
}

int strata_factor_init_pca(int nviews, strata_dmat_t *const *views, int k, uint64_t seed,
                           double *z) {
  int st = STRATA_OK;
  const strata_grid_t *g = views[0]->grid;
  int64_t mloc = views[0]->mloc, dtot = 0;
  double *scale = NULL, *q = NULL, *p = NULL, *b = NULL, *c = NULL, *ev = NULL, *work = NULL;
  for (int m = 0; m < nviews; m++) dtot += views[m]->ncols;
  int64_t lmax = views[0]->nrows < dtot ? views[0]->nrows : dtot;
  int l = (int)(k + 10 < lmax ? k + 10 : lmax);
  int64_t maxloc = 0;
  for (int m = 0; m < nviews; m++) maxloc = views[m]->nloc > maxloc ? views[m]->nloc : maxloc;
  STRATA_CALLOC(scale, nviews);
  STRATA_CALLOC(q, (size_t)mloc * l);
  STRATA_CALLOC(p, (size_t)mloc * l);
  STRATA_CALLOC(b, (size_t)maxloc * l);
  STRATA_CALLOC(c, (size_t)l * l);
  STRATA_CALLOC(ev, l);

  /* each view divided by its Frobenius norm so that no view dominates the start */
  for (int m = 0; m < nviews; m++) {
    const strata_dmat_t *y = views[m];
    double s = 0;
    for (int64_t i = 0; i < y->mloc * y->nloc; i++) s += y->a[i] * y->a[i];
    scale[m] = s;
  }
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, scale, nviews, MPI_DOUBLE, MPI_SUM, g->comm));
  for (int m = 0; m < nviews; m++) scale[m] = scale[m] > 0 ? 1.0 / sqrt(scale[m]) : 0.0;

  /* P = sum_m Y_m Omega_m, Omega drawn by global feature index (rank-count independent) */
  for (int m = 0; m < nviews; m++) {
    const strata_dmat_t *y = views[m];
    for (int64_t d = 0; d < y->nloc; d++)
      for (int j = 0; j < l; j++)
        b[d + j * y->nloc] =
            strata_rng_normal_at(seed, 0x1000u + (uint64_t)m, (uint64_t)(y->col0 + d) * l + j);
    if (mloc > 0 && y->nloc > 0)
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)mloc, l, (int)y->nloc, scale[m],
                  y->a, (int)mloc, b, (int)y->nloc, 1.0, p, (int)mloc);
  }
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, p, (int)(mloc * l), MPI_DOUBLE, MPI_SUM, g->rowcomm));
  memcpy(q, p, sizeof(double) * mloc * l);
  STRATA_CHECK(cholqr(g, q, mloc, l));

  for (int it = 0; it <= 2; it++) {
    /* B_m = Y_m^T Q (sum over samples), then either P = sum_m Y_m B_m (power step) or the
     * small Gram C = sum_m B_m^T B_m whose eigenvectors rotate Q onto the singular vectors */
    memset(p, 0, sizeof(double) * mloc * l);
    memset(c, 0, sizeof(double) * l * l);
    for (int m = 0; m < nviews; m++) {
      const strata_dmat_t *y = views[m];
      memset(b, 0, sizeof(double) * y->nloc * l);
      if (mloc > 0 && y->nloc > 0)
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)y->nloc, l, (int)mloc, scale[m],
                    y->a, (int)mloc, q, (int)mloc, 0.0, b, (int)y->nloc);
      STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, b, (int)(y->nloc * l), MPI_DOUBLE, MPI_SUM,
                                     g->colcomm));
      if (it < 2) {
        if (mloc > 0 && y->nloc > 0)
          cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)mloc, l, (int)y->nloc,
                      scale[m], y->a, (int)mloc, b, (int)y->nloc, 1.0, p, (int)mloc);
      } else if (y->nloc > 0) {
        cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, l, (int)y->nloc, 1.0, b, (int)y->nloc,
                    1.0, c, l);
      }
    }
    if (it < 2) {
      STRATA_MPI_CHECK(
          MPI_Allreduce(MPI_IN_PLACE, p, (int)(mloc * l), MPI_DOUBLE, MPI_SUM, g->rowcomm));
      memcpy(q, p, sizeof(double) * mloc * l);
      STRATA_CHECK(cholqr(g, q, mloc, l));
    }
  }
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, c, l * l, MPI_DOUBLE, MPI_SUM, g->rowcomm));
  int info = 0, lwork = -1;
  double wq = 0;
  dsyev_("V", "U", &l, c, &l, ev, &wq, &lwork, &info, 1, 1);
  lwork = (int)wq;
  STRATA_MALLOC(work, lwork);
  dsyev_("V", "U", &l, c, &l, ev, work, &lwork, &info, 1, 1);
  if (info != 0) STRATA_FAIL(STRATA_ERR_NUMERIC, "factor init: dsyev failed (info %d)", info);
  /* eigenvalues ascending: factor j takes eigenvector l-1-j; its sign is fixed so that the
   * entry of largest magnitude is positive (deterministic whatever the rank count) */
  double sn = sqrt((double)views[0]->nrows);
  for (int j = 0; j < k; j++) {
    double *v = c + (size_t)(l - 1 - j) * l;
    int imax = 0;
    for (int i = 1; i < l; i++)
      if (fabs(v[i]) > fabs(v[imax]) + 1e-12) imax = i;
    double sgn = v[imax] < 0 ? -sn : sn;
    for (int64_t i = 0; i < mloc; i++) {
      double s = 0;
      for (int t = 0; t < l; t++) s += q[i + t * mloc] * v[t];
      z[i + j * mloc] = sgn * s;
    }
  }
cleanup:
  free(scale); free(q); free(p); free(b); free(c); free(ev); free(work);
  return st;
}
