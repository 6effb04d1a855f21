/* PCA start for the factor model: the shared randomized range finder (solvers/la, two power
 * iterations) on the concatenated views, each divided by its Frobenius norm, then the rotation
 * of the basis onto the leading left singular vectors.  Not a general SVD: it returns only the
 * scaled left singular vectors, with no accuracy guarantee beyond a good start. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mpi/scalapack_proto.h"
#include "solvers/la/la.h"
#include "strata/factor.h"

#define LD(n) ((n) > 0 ? (n) : 1)

/* A = [scale_m Y_m]_m; feature-side blocks are the views' local columns concatenated */
typedef struct init_op {
  int nviews;
  strata_dmat_t *const *views;
  const double *scale;
  const int64_t *voff;  /* [nviews+1] */
  int64_t mloc, ntot;
  uint64_t seed;
} init_op_t;

static int init_apply(void *ctx, int l, const double *X, double *Y) {
  const init_op_t *a = ctx;
  const strata_grid_t *g = a->views[0]->grid;
  if (a->mloc > 0) memset(Y, 0, sizeof(double) * (size_t)a->mloc * l);
  for (int m = 0; m < a->nviews; m++) {
    const strata_dmat_t *y = a->views[m];
    if (a->mloc > 0 && y->nloc > 0)
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)a->mloc, l, (int)y->nloc,
                  a->scale[m], y->a, (int)a->mloc, X + a->voff[m], (int)LD(a->ntot), 1.0, Y,
                  (int)a->mloc);
  }
  if (MPI_Allreduce(MPI_IN_PLACE, Y, (int)(a->mloc * l), MPI_DOUBLE, MPI_SUM, g->rowcomm) != MPI_SUCCESS)
    return strata_err_set(STRATA_ERR_MPI, __FILE__, __LINE__, __func__, "mpi: factor init reduction failed");
  return STRATA_OK;
}

static int init_apply_t(void *ctx, int l, const double *Z, double *X) {
  const init_op_t *a = ctx;
  const strata_grid_t *g = a->views[0]->grid;
  int64_t ldx = LD(a->ntot);
  for (int c = 0; c < l; c++) memset(X + c * ldx, 0, sizeof(double) * (size_t)a->ntot);
  for (int m = 0; m < a->nviews; m++) {
    const strata_dmat_t *y = a->views[m];
    if (a->mloc > 0 && y->nloc > 0)
      cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)y->nloc, l, (int)a->mloc,
                  a->scale[m], y->a, (int)a->mloc, Z, (int)a->mloc, 0.0, X + a->voff[m], (int)ldx);
  }
  if (a->ntot > 0 && MPI_Allreduce(MPI_IN_PLACE, X, (int)(ldx * l), MPI_DOUBLE, MPI_SUM, g->colcomm) != MPI_SUCCESS)
    return strata_err_set(STRATA_ERR_MPI, __FILE__, __LINE__, __func__, "mpi: factor init reduction failed");
  return STRATA_OK;
}

static void init_omega(void *ctx, int l, double *X) {
  const init_op_t *a = ctx;
  for (int m = 0; m < a->nviews; m++)
    strata_la_omega_normal(a->seed, 0x1000u + (uint64_t)m, a->views[m]->col0, a->views[m]->nloc, l,
                           X + a->voff[m], LD(a->ntot));
}

int strata_factor_init_pca(int nviews, strata_dmat_t *const *views, int k, uint64_t seed,
                           double *z) {
  int st = STRATA_OK;
  const strata_grid_t *g = views[0]->grid;
  int64_t mloc = views[0]->mloc, dtot = 0, *voff = NULL;
  double *scale = NULL, *q = NULL, *b = NULL, *c = NULL, *ev = NULL, *work = NULL;
  for (int m = 0; m < nviews; m++) dtot += views[m]->ncols;
  int64_t lmax = views[0]->nrows < dtot ? views[0]->nrows : dtot;
  int l = (int)(k + 10 < lmax ? k + 10 : lmax);
  STRATA_CALLOC(scale, nviews);
  STRATA_CALLOC(voff, nviews + 1);
  for (int m = 0; m < nviews; m++) voff[m + 1] = voff[m] + views[m]->nloc;
  STRATA_CALLOC(q, (size_t)LD(mloc) * l);
  STRATA_CALLOC(b, (size_t)LD(voff[nviews]) * l);
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

  /* Q spans the leading left singular subspace, B = A^T Q; the small Gram C = B^T B (summed over
   * features) has the eigenvectors that rotate Q onto the singular vectors */
  init_op_t a = {nviews, views, scale, voff, mloc, voff[nviews], seed};
  strata_la_op_t op = {g, mloc, voff[nviews], &a, init_apply, init_apply_t, init_omega};
  STRATA_CHECK(strata_la_range(&op, l, 2, q, b));
  if (voff[nviews] > 0)
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, l, (int)voff[nviews], 1.0, b,
                (int)voff[nviews], 0.0, c, l);
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
  free(scale); free(voff); free(q); free(b); free(c); free(ev); free(work);
  return st;
}
