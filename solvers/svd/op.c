/* The implicit joint operator A = [w_m (Y_m - c 1 mu_m^T) S_m^-1]_m of the SVD solvers: its
 * products with thin blocks (A X, A^T Z and the fused A A^T Q) as local kernels reduced over
 * grid rows or columns, and the replicated copy of a per-feature vector.  Not the
 * preprocessing that fills mu and S (preprocess.c) nor any decomposition. */
#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "solvers/la/kernels.h"
#include "solvers/svd/svd_impl.h"
#include "strata/util.h"

#define LD(n) ((n) > 0 ? (n) : 1)

/* ---- the operator --------------------------------------------------------------------------- */

int svd_check_count(int64_t n, const char *what) {
  int st = STRATA_OK;
  if (n > INT_MAX) STRATA_FAIL(STRATA_ERR_INPUT, "svd: %s has %lld elements, above the MPI count limit",
                               what, (long long)n);
cleanup:
  return st;
}

/* (Y - 1 mu^T) T = Y T - 1 (mu^T T): this grid column's partial mu^T T (T in tmp, from the
 * local product) is subtracted and summed with the others by the reduction over rowcomm. */
int svd_op_apply_finish(svd_op_t *op, int l, double *Y, const double *tmp) {
  int st = STRATA_OK;
  int64_t ldy = LD(op->mloc), ldx = LD(op->ntot);
  double *rsum = NULL;
  double t0 = strata_wtime();
  STRATA_CALLOC(rsum, l);
  if (op->center) {
    for (int m = 0; m < op->nviews; m++) {
      int64_t off = op->voff[m], n = op->views[m]->nloc;
      if (n > 0)
        cblas_dgemv(CblasColMajor, CblasTrans, (int)n, l, 1.0, tmp + off, (int)ldx, op->mu + off,
                    1, 1.0, rsum, 1);
    }
    for (int c = 0; c < l; c++)
      for (int64_t i = 0; i < op->mloc; i++) Y[c * ldy + i] -= rsum[c];
  }
  double t1 = strata_wtime();
  op->t_comp += t1 - t0;
  if (op->grid->npcol > 1) {
    STRATA_CHECK(svd_check_count(op->mloc * l, "a sketch block"));
    STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, Y, (int)(op->mloc * l), MPI_DOUBLE, MPI_SUM,
                                   op->grid->rowcomm));
  }
  op->t_comm += strata_wtime() - t1;
cleanup:
  free(rsum);
  return st;
}

/* Rows o .. o+nb of T (view m's D-side rows) = w S^-1 X: the scaling and weight act on the small
 * side of a product with A, in a loop the compiler vectorises */
static void scale_rows(const svd_op_t *op, int m, int64_t o, int64_t nb, int l, const double *X,
                       double *T) {
  int64_t ldx = LD(op->ntot);
  double w = op->w[m];
  const double *sinv = op->sinv + o;
  for (int c = 0; c < l; c++) {
    const double *x = X + c * ldx + o;
    double *t = T + c * ldx + o;
    for (int64_t j = 0; j < nb; j++) t[j] = w * sinv[j] * x[j];
  }
}

int svd_op_apply(svd_op_t *op, int l, const double *X, double *Y, double *tmp) {
  int64_t ldy = LD(op->mloc), ldx = LD(op->ntot);
  double t0 = strata_wtime();
  for (int c = 0; c < l; c++) memset(Y + c * ldy, 0, sizeof(double) * (size_t)op->mloc);
  for (int m = 0; m < op->nviews; m++) {
    const strata_dmat_t *v = op->views[m];
    int64_t off = op->voff[m], n = v->nloc;
    if (n == 0) continue;
    scale_rows(op, m, off, n, l, X, tmp);
    /* Y += A_m T (solvers/kernels.c: the data block streams once, no packed copy) */
    strata_tsmm_ab_stats(op->mloc, n, l, v->a, op->mloc, tmp + off, 1, ldx, Y, ldy,
                         op->defer_stats ? op->defer_stats + 3 * off : NULL);
  }
  op->t_comp += strata_wtime() - t0;
  op->data_passes++;
  return op->defer_stats ? STRATA_OK : svd_op_apply_finish(op, l, Y, tmp);
}

/* csum[c] = 1^T Z[:, c], this rank's partial column sums of an mloc x l block (zeros unless
 * centring: they only serve the mean's term of A^T Z) */
static void column_sums(const svd_op_t *op, int l, const double *Z, double *csum) {
  int64_t ldz = LD(op->mloc);
  for (int c = 0; c < l; c++) {
    csum[c] = 0;
    if (op->center)
      for (int64_t i = 0; i < op->mloc; i++) csum[c] += Z[c * ldz + i];
  }
}

/* Rows o .. o+nb of X (view m's D-side rows) from the raw local product A_m^T Z to A^T Z:
 * (Y - 1 mu^T)^T Z = Y^T Z - mu (1^T Z), with this grid row's partial column sums, then
 * w S^-1 (which commutes with the sum over grid rows), in one vectorised sweep */
static void finish_t_rows(const svd_op_t *op, int m, int64_t o, int64_t nb, int l,
                          const double *csum, double *X) {
  int64_t ldx = LD(op->ntot);
  double w = op->w[m];
  const double *sinv = op->sinv + o, *mu = op->mu + o;
  for (int c = 0; c < l; c++) {
    double *x = X + c * ldx + o, cs = csum[c];
    for (int64_t j = 0; j < nb; j++) x[j] = w * sinv[j] * (x[j] - mu[j] * cs);
  }
}

int svd_op_apply_t(svd_op_t *op, int l, const double *Z, double *X) {
  int st = STRATA_OK;
  int64_t ldz = LD(op->mloc), ldx = LD(op->ntot);
  double *csum = NULL;
  double t0 = strata_wtime();
  STRATA_CALLOC(csum, l);
  column_sums(op, l, Z, csum);
  for (int m = 0; m < op->nviews; m++) {
    const strata_dmat_t *v = op->views[m];
    int64_t off = op->voff[m], n = v->nloc;
    if (n == 0) continue;
    /* X_m = A_m^T Z (zeros on a rank without rows) */
    strata_tsmm_atb(op->mloc, n, l, v->a, op->mloc, Z, ldz, X + off, 1, ldx);
    finish_t_rows(op, m, off, n, l, csum, X);
  }
  double t1 = strata_wtime();
  op->t_comp += t1 - t0;
  op->data_passes++;
  if (op->grid->nprow > 1 && op->ntot > 0) {
    STRATA_CHECK(svd_check_count(op->ntot * l, "a D-side block"));
    STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, X, (int)(op->ntot * l), MPI_DOUBLE, MPI_SUM,
                                   op->grid->colcomm));
  }
  op->t_comm += strata_wtime() - t1;
cleanup:
  free(csum);
  return st;
}

/* Columns of A per block of the fused product: the block is read from memory by A^T Q and again
 * from cache by A (A^T Q).  Measured at 2000 x 100,000, l = 20: the same pass time (0.19-0.21 s)
 * for blocks of 128 kB to 4 MB, 0.26 s at 16 MB (past L3 with two ranks). */
#define FUSE_BLOCK_BYTES (2 << 20)

int svd_op_apply_aat(svd_op_t *op, int l, const double *Q, double *Y, double *tmp) {
  int st = STRATA_OK;
  int64_t ldq = LD(op->mloc), ldx = LD(op->ntot), mloc = op->mloc;
  double *csum = NULL;
  strata_zpack_t zp = {0};
  double t0 = strata_wtime();
  if (op->grid->nprow != 1)
    STRATA_FAIL(STRATA_ERR_INTERNAL, "svd: fused product on a grid with %d rows", op->grid->nprow);
  STRATA_CALLOC(csum, l);
  column_sums(op, l, Q, csum);
  for (int c = 0; c < l; c++) memset(Y + c * ldq, 0, sizeof(double) * (size_t)mloc);
  strata_zpack_init(&zp, mloc, l, Q, ldq);
  int64_t cb = mloc > 0 ? FUSE_BLOCK_BYTES / (8 * mloc) / 16 * 16 : 0;
  if (cb < 16) cb = 16;
  for (int m = 0; m < op->nviews; m++) {
    const strata_dmat_t *v = op->views[m];
    int64_t off = op->voff[m], n = v->nloc;
    for (int64_t j0 = 0; j0 < n; j0 += cb) {
      int64_t nb = n - j0 < cb ? n - j0 : cb, o = off + j0;
      const double *ab = v->a + j0 * mloc;
      /* T_b = A_b^T Q as svd_op_apply_t forms it (complete: the grid has one row), then
       * w S^-1 T_b in place as svd_op_apply forms it from X */
      strata_tsmm_atb_packed(&zp, nb, ab, mloc, tmp + o, 1, ldx);
      finish_t_rows(op, m, o, nb, l, csum, tmp);
      scale_rows(op, m, o, nb, l, tmp, tmp);
      /* Y += A_b T_b while the block is in cache (svd_op_apply) */
      strata_tsmm_ab(mloc, nb, l, ab, mloc, tmp + o, 1, ldx, Y, ldq);
    }
  }
  op->t_comp += strata_wtime() - t0;
  op->data_passes++;
  STRATA_CHECK(svd_op_apply_finish(op, l, Y, tmp));
cleanup:
  strata_zpack_free(&zp);
  free(csum);
  return st;
}


int svd_allgather_view_vec(const svd_op_t *op, int m, const double *local, double **full) {
  int st = STRATA_OK;
  const strata_dmat_t *v = op->views[m];
  int pc = op->grid->npcol;
  int *counts = NULL, *displs = NULL;
  double *f = NULL;
  STRATA_CHECK(svd_check_count(v->ncols, "a view's feature count"));
  STRATA_MALLOC(counts, pc);
  STRATA_MALLOC(displs, pc);
  for (int c = 0; c < pc; c++) {
    int64_t s0, cn;
    strata_block_range(v->ncols, pc, c, &s0, &cn);
    counts[c] = (int)cn;
    displs[c] = (int)s0;
  }
  STRATA_MALLOC(f, v->ncols);
  STRATA_MPI_CHECK(MPI_Allgatherv(local + op->voff[m], (int)v->nloc, MPI_DOUBLE, f, counts, displs,
                                  MPI_DOUBLE, op->grid->rowcomm));
cleanup:
  free(counts);
  free(displs);
  if (st) {
    free(f);
    f = NULL;
  }
  *full = f;
  return st;
}

