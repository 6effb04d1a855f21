/* The randomized SVD of the joint operator (Halko, Martinsson & Tropp 2011): a Rademacher
 * sketch by global feature index, q power iterations (fused into one pass each on a grid with
 * one process row), TSQR after every pass and the small SVD of the last triangular factor.
 * Completes the deferred preprocessing on the first pass.  Not the dense paths (exact.c). */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mpi/scalapack_proto.h"
#include "solvers/la/la.h"
#include "solvers/svd/svd_impl.h"
#include "strata/rng.h"
#include "strata/util.h"

#define LD(n) ((n) > 0 ? (n) : 1)

int strata_svd_sketch_width(int k, int p, int64_t mn) {
  /* (Rounding k+p up to the 8-wide GEMM kernel was measured: 24 columns took 7% longer than
   * 20 in wall time at 2000 x 50000, so the width is exactly k+p.) */
  int64_t l = (int64_t)k + p;
  return (int)(l < mn ? l : mn);
}


/* Stream of the random test matrix of view m: a function of the global feature index only,
 * so the sketch (and the answer) does not depend on the grid. */
#define SVD_RNG_STREAM 0x5356440000ull

static int small_svd(int l, double *R, double *s, double *Ur, double *VrT) {
  int st = STRATA_OK, info = 0, lwork = -1;
  int *iwork = NULL;
  double wq = 0, *work = NULL;
  STRATA_MALLOC(iwork, 8 * (size_t)l);
  dgesdd_("A", &l, &l, R, &l, s, Ur, &l, VrT, &l, &wq, &lwork, iwork, &info, 1);
  lwork = (int)wq + 1;
  STRATA_MALLOC(work, lwork);
  dgesdd_("A", &l, &l, R, &l, s, Ur, &l, VrT, &l, work, &lwork, iwork, &info, 1);
  if (info) STRATA_FAIL(STRATA_ERR_NUMERIC, "svd: dgesdd on the %d x %d sketch failed (info %d)", l, l, info);
cleanup:
  free(iwork);
  free(work);
  return st;
}

/* The largest singular value of the l x l triangular factor (dgesdd without vectors; R is
 * left untouched). */
static int largest_sv(int l, const double *R, double *out) {
  int st = STRATA_OK, info = 0, lwork = -1;
  double *a = NULL, *sv = NULL, *work = NULL, wq = 0, dummy = 0;
  int *iwork = NULL;
  STRATA_MALLOC(a, (size_t)l * l);
  STRATA_MALLOC(sv, l);
  STRATA_MALLOC(iwork, 8 * (size_t)l);
  memcpy(a, R, (size_t)l * l * sizeof(double));
  int one = 1;
  dgesdd_("N", &l, &l, a, &l, sv, &dummy, &one, &dummy, &one, &wq, &lwork, iwork, &info, 1);
  lwork = (int)wq + 1;
  STRATA_MALLOC(work, lwork);
  dgesdd_("N", &l, &l, a, &l, sv, &dummy, &one, &dummy, &one, work, &lwork, iwork, &info, 1);
  if (info) STRATA_FAIL(STRATA_ERR_NUMERIC, "svd: dgesdd on the %d x %d sketch factor failed (info %d)", l, l, info);
  *out = sv[0];
cleanup:
  free(a);
  free(sv);
  free(work);
  free(iwork);
  return st;
}


/* Collective over grid->comm: complete the deferred preprocessing with the statistics the first
 * product gathered (mean-imputing any NaN in place), then the first product itself -- or, when
 * some rank had a NaN, take it again on the imputed data. */
static int finish_deferred(svd_op_t *op, int l, const double *X, double *Y, double *tmp) {
  int st = STRATA_OK, nan_loc = 0, redo = 0;
  for (int m = 0; m < op->nviews && !st; m++) {
    const strata_dmat_t *v = op->views[m];
    const double *pre = op->defer_stats + 3 * op->voff[m];
    for (int64_t j = 0; j < v->nloc; j++) nan_loc |= pre[3 * j] < (double)v->mloc;
    st = svd_preprocess_view(op, m, 0, 0, NULL, &op->n_empty, &op->view_ss[m], pre);
  }
  STRATA_CHECK(strata_agree(op->grid->comm, st));
  STRATA_MPI_CHECK(MPI_Allreduce(&nan_loc, &redo, 1, MPI_INT, MPI_MAX, op->grid->comm));
  free(op->defer_stats);
  op->defer_stats = NULL;
  STRATA_CHECK(redo ? svd_op_apply(op, l, X, Y, tmp) : svd_op_apply_finish(op, l, Y, tmp));
cleanup:
  return st;
}

int svd_randomized(svd_op_t *op, int k, int p, int q, uint64_t seed, strata_events_t *ev,
                   const char *phase, double *s, double *U, double *V) {
  int st = STRATA_OK;
  const strata_grid_t *g = op->grid;
  int64_t mn = op->N < op->D ? op->N : op->D;
  int l = strata_svd_sketch_width(k, p, mn);
  int64_t ldm = LD(op->mloc), ldn = LD(op->ntot);
  double *X = NULL, *Y = NULL, *Y2 = NULL, *tmp = NULL, *R = NULL, *sl = NULL, *Ur = NULL,
         *VrT = NULL;
  int fused = g->nprow == 1 && q > 0, npass = fused ? q + 2 : 2 * q + 2, pass = 0;
  double prev = 0;
  STRATA_MALLOC(X, (size_t)ldn * l);
  STRATA_MALLOC(tmp, (size_t)ldn * l);
  STRATA_MALLOC(Y, (size_t)ldm * l);
  if (fused) STRATA_MALLOC(Y2, (size_t)ldm * l);
  STRATA_MALLOC(R, (size_t)l * l);
  STRATA_MALLOC(sl, l);
  STRATA_MALLOC(Ur, (size_t)l * l);
  STRATA_MALLOC(VrT, (size_t)l * l);
  /* Rademacher (+-1) test matrix: entry (f, c) of view m is bit c mod 64 of hash number
   * f * ceil(l/64) + c / 64 -- one hash per 64 entries (Box-Muller normals cost 45 ns a pair,
   * 0.05 s of a 0.8 s solve at 100,000 x 20).  Random sign matrices are sub-Gaussian and
   * sketch a range as well as Gaussian ones do. */
  int nh = (l + 63) / 64;
  for (int m = 0; m < op->nviews; m++) {
    const strata_dmat_t *v = op->views[m];
    for (int64_t j = 0; j < v->nloc; j++)
      for (int h = 0; h < nh; h++) {
        uint64_t bits = strata_rng_hash(seed, SVD_RNG_STREAM + (uint64_t)m, (uint64_t)(v->col0 + j) * (uint64_t)nh + (uint64_t)h);
        for (int c = 64 * h; c < l && c < 64 * h + 64; c++)
          X[c * ldn + op->voff[m] + j] = (bits >> (c - 64 * h)) & 1 ? 1.0 : -1.0;
      }
  }
  /* An orthonormal start (same range as the random one) makes every pass a product with an
   * orthonormal block B, so sigma_max(R) = sigma_max(A B) <= sigma_1 is a Ritz estimate of
   * sigma_1, reported as the pass's objective; after the last pass it is the returned s[0]. */
  STRATA_CHECK(strata_la_tsqr(g->rowcomm, op->ntot, l, X, ldn, NULL));
  /* Each pass: one product with A or A^T, re-orthonormalised by TSQR -- or, on a grid with one
   * process row (every rank holds whole columns), the two products of a power iteration fused
   * into one pass over the data, Y = A (A^T Q), re-orthonormalised after it: q + 2 passes
   * instead of 2q + 2.  The sketch is the same, range((A A^T)^q A Omega); A^T Q is not
   * re-orthonormalised inside the fused pass, which squares the spread of the columns' scales
   * (sigma_1^2 / sigma_l^2) and costs accuracy only for singular values below sqrt(eps) sigma_1
   * (Halko et al. 2011, sec. 4.5), and the TSQR falls back to Householder when CholeskyQR2
   * would lose it. */
  for (pass = 1; pass <= npass; pass++) {
    op->t_comp = op->t_comm = 0;
    int fwd = fused ? pass < npass : pass % 2 == 1, aat = fused && pass > 1 && pass < npass;
    if (aat) {
      STRATA_CHECK(svd_op_apply_aat(op, l, Y, Y2, tmp));
      double *sw = Y;
      Y = Y2;
      Y2 = sw;
    } else if (fwd) {
      STRATA_CHECK(svd_op_apply(op, l, X, Y, tmp));
      if (op->defer_stats) STRATA_CHECK(finish_deferred(op, l, X, Y, tmp));
    } else {
      STRATA_CHECK(svd_op_apply_t(op, l, Y, X));
    }
    double t0 = strata_wtime();
    if (fwd) STRATA_CHECK(strata_la_tsqr(g->colcomm, op->mloc, l, Y, ldm, R));
    else STRATA_CHECK(strata_la_tsqr(g->rowcomm, op->ntot, l, X, ldn, R));
    op->t_comm += strata_wtime() - t0;
    double est = 0;
    STRATA_CHECK(largest_sv(l, R, &est));
    if (aat) est = sqrt(est); /* sigma_max(A A^T Q) <= sigma_1^2 */
    strata_ev_iteration(ev, phase, pass, npass, est, prev > 0 ? fabs(est - prev) / prev : 1.0,
                        op->t_comp, op->t_comm);
    prev = est;
  }
  /* After the last pass X = Q_b with A^T Q = Q_b R: R = Ur S Vr^T gives
   * A ~ Q Q^T A = (Q Vr) S (Q_b Ur)^T. */
  STRATA_CHECK(small_svd(l, R, sl, Ur, VrT));
  for (int c = 0; c < k; c++) s[c] = sl[c];
  if (op->mloc > 0)
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)op->mloc, k, l, 1.0, Y, (int)ldm,
                VrT, l, 0.0, U, (int)ldm);
  if (op->ntot > 0)
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)op->ntot, k, l, 1.0, X, (int)ldn,
                Ur, l, 0.0, V, (int)ldn);
cleanup:
  free(X);
  free(Y);
  free(Y2);
  free(tmp);
  free(R);
  free(sl);
  free(Ur);
  free(VrT);
  return st;
}

