/* Distributed truncated SVD / PCA of one or several views (include/strata/svd.h): in-place
 * preprocessing (feature means, scales, mean imputation), the implicit joint operator as local
 * GEMMs reduced over grid rows/columns, TSQR, the randomized range finder, MFA weights,
 * soft-impute, sign normalisation and gathering.  The ScaLAPACK paths (pdgesvd, Gram) are in
 * svd_exact.c.  No file I/O here. */
#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpi/scalapack_proto.h"
#include "solvers/kernels.h"
#include "solvers/svd_impl.h"
#include "strata/rng.h"
#include "strata/svd.h"
#include "strata/util.h"

#define LD(n) ((n) > 0 ? (n) : 1)

void strata_svd_opts_default(strata_svd_opts_t *o) {
  memset(o, 0, sizeof *o);
  o->k = 10;
  o->oversample = 10;
  o->power_iters = 2;
  o->method = STRATA_SVD_AUTO;
  o->center = 1;
  o->scale = 0;
  o->mfa = 1;
  o->impute = STRATA_IMPUTE_MEAN;
  o->impute_tol = 1e-5;
  o->impute_maxiter = 100;
  o->soft_lambda = 0.0;
  o->mfa_power_iters = 4;
  o->nb = 64;
  o->seed = 42;
}

const char *strata_svd_method_name(int method) {
  switch (method) {
    case STRATA_SVD_AUTO: return "auto";
    case STRATA_SVD_RANDOMIZED: return "randomized";
    case STRATA_SVD_EXACT: return "exact";
    case STRATA_SVD_GRAM: return "gram";
    default: return "?";
  }
}

int strata_svd_method_parse(const char *name) {
  for (int m = STRATA_SVD_AUTO; m <= STRATA_SVD_GRAM; m++)
    if (strcmp(name, strata_svd_method_name(m)) == 0) return m;
  return -1;
}

int strata_svd_choose_method(int64_t N, int64_t D, int k, int p, int nviews, char *reason,
                             size_t reason_size) {
  int64_t mn = N < D ? N : D;
  int64_t l = (int64_t)k + p;
  int method;
  char buf[200];
  /* A sketch of l columns costs q+2 to 2q+2 passes over the data; a dense solver costs
   * O(N D min(N,D)).  When l is a sizeable fraction of min(N,D), or min(N,D) is small, the dense
   * solvers cost about the same and are exact. */
  if (mn <= 256 || 2 * l >= mn) {
    if (D > 4 * N && N <= 40000) {
      method = STRATA_SVD_GRAM;
      snprintf(buf, sizeof buf,
               "gram: k+p = %lld is not small next to min(N,D) = %lld and the data are wide "
               "(D = %lld > 4N), so the N x N Gram matrix is the cheap exact route",
               (long long)l, (long long)mn, (long long)D);
    } else {
      method = STRATA_SVD_EXACT;
      snprintf(buf, sizeof buf,
               "exact: k+p = %lld is not small next to min(N,D) = %lld, so a dense pdgesvd costs "
               "about what a sketch would",
               (long long)l, (long long)mn);
    }
  } else {
    method = STRATA_SVD_RANDOMIZED;
    snprintf(buf, sizeof buf,
             "randomized: k+p = %lld << min(N,D) = %lld, a few passes over the data instead of "
             "O(N D min(N,D)) dense work",
             (long long)l, (long long)mn);
  }
  (void)nviews;
  if (reason && reason_size) snprintf(reason, reason_size, "%s", buf);
  return method;
}

int strata_svd_sketch_width(int k, int p, int64_t mn) {
  /* (Rounding k+p up to the 8-wide GEMM kernel was measured: 24 columns took 7% longer than
   * 20 in wall time at 2000 x 50000, so the width is exactly k+p.) */
  int64_t l = (int64_t)k + p;
  return (int)(l < mn ? l : mn);
}

/* ---- the operator --------------------------------------------------------------------------- */

static int check_count(int64_t n, const char *what) {
  int st = STRATA_OK;
  if (n > INT_MAX) STRATA_FAIL(STRATA_ERR_INPUT, "svd: %s has %lld elements, above the MPI count limit",
                               what, (long long)n);
cleanup:
  return st;
}

/* (Y - 1 mu^T) T = Y T - 1 (mu^T T): this grid column's partial mu^T T (T in tmp, from the
 * local product) is subtracted and summed with the others by the reduction over rowcomm. */
static int op_apply_finish(svd_op_t *op, int l, double *Y, const double *tmp) {
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
    STRATA_CHECK(check_count(op->mloc * l, "a sketch block"));
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
  return op->defer_stats ? STRATA_OK : op_apply_finish(op, l, Y, tmp);
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
    STRATA_CHECK(check_count(op->ntot * l, "a D-side block"));
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
  STRATA_CHECK(op_apply_finish(op, l, Y, tmp));
cleanup:
  strata_zpack_free(&zp);
  free(csum);
  return st;
}

/* ---- TSQR ------------------------------------------------------------------------------------ */

static int lapack_qr(int m, int n, double *A, int lda, double *tau) {
  int st = STRATA_OK, info = 0, lwork = -1;
  double wq = 0, *work = NULL;
  dgeqrf_(&m, &n, A, &lda, tau, &wq, &lwork, &info);
  lwork = (int)wq + 1;
  STRATA_MALLOC(work, lwork);
  dgeqrf_(&m, &n, A, &lda, tau, work, &lwork, &info);
  if (info) STRATA_FAIL(STRATA_ERR_NUMERIC, "svd: dgeqrf failed (info %d)", info);
cleanup:
  free(work);
  return st;
}

static int lapack_orgqr(int m, int n, double *A, int lda, const double *tau) {
  int st = STRATA_OK, info = 0, lwork = -1;
  double wq = 0, *work = NULL;
  dorgqr_(&m, &n, &n, A, &lda, tau, &wq, &lwork, &info);
  lwork = (int)wq + 1;
  STRATA_MALLOC(work, lwork);
  dorgqr_(&m, &n, &n, A, &lda, tau, work, &lwork, &info);
  if (info) STRATA_FAIL(STRATA_ERR_NUMERIC, "svd: dorgqr failed (info %d)", info);
cleanup:
  free(work);
  return st;
}

/* CholeskyQR2 (Yamamoto et al. 2015): R1 = chol(A^T A) with the Gram summed over comm,
 * A <- A R1^-1, once more for R2, R = R2 R1.  Two BLAS-3 sweeps over A and one l x l reduction
 * each, where Householder QR of a tall block is BLAS-2 bound (measured at 100,000 x 60: 0.27 s
 * against 0.02 s).  Its orthogonality is at working precision while cond(A) stays well below
 * eps^-1/2, so it is used only when the first factor's condition estimate is under 1e6
 * (*used = 1); otherwise A is left untouched for the Householder path (*used = 0).  The
 * decision is made on the reduced Gram, identical on every rank. */
static int cholqr2(MPI_Comm comm, int64_t m, int l, double *A, int64_t lda, double *R, int *used) {
  int st = STRATA_OK, info = 0;
  double *G = NULL, *R1 = NULL, *work = NULL;
  int *iwork = NULL;
  *used = 0;
  STRATA_MALLOC(G, (size_t)l * l);
  STRATA_MALLOC(R1, (size_t)l * l);
  STRATA_MALLOC(work, 3 * (size_t)l);
  STRATA_MALLOC(iwork, l);
  for (int pass = 0; pass < 2; pass++) {
    memset(G, 0, sizeof(double) * (size_t)l * l);
    if (m > 0)
      cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, l, (int)m, 1.0, A, (int)lda, 0.0, G, l);
    STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, G, l * l, MPI_DOUBLE, MPI_SUM, comm));
    dpotrf_("U", &l, G, &l, &info, 1);
    if (info != 0) {
      if (pass == 0) goto cleanup; /* not positive definite: rank-deficient, Householder */
      STRATA_FAIL(STRATA_ERR_NUMERIC, "svd: second Cholesky QR pass failed (info %d)", info);
    }
    for (int c = 0; c < l; c++)
      for (int i = c + 1; i < l; i++) G[c * l + i] = 0.0;
    if (pass == 0) {
      double rcond = 0;
      dtrcon_("1", "U", "N", &l, G, &l, &rcond, work, iwork, &info, 1, 1, 1);
      if (info != 0 || !(rcond >= 1e-6)) goto cleanup;
      memcpy(R1, G, sizeof(double) * (size_t)l * l);
    }
    if (m > 0)
      cblas_dtrsm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, (int)m, l,
                  1.0, G, l, A, (int)lda);
  }
  if (R) {
    /* R = R2 R1 */
    cblas_dtrmm(CblasColMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, l, l, 1.0, G, l,
                R1, l);
    memcpy(R, R1, sizeof(double) * (size_t)l * l);
  }
  *used = 1;
cleanup:
  free(G);
  free(R1);
  free(work);
  free(iwork);
  return st;
}

int svd_tsqr(MPI_Comm comm, int64_t m, int l, double *A, int64_t lda, double *R) {
  int st = STRATA_OK, size = 1, rank = 0, used = 0;
  st = cholqr2(comm, m, l, A, lda, R, &used);
  if (st || used) return st;
  double *Rloc = NULL, *S = NULL, *tau = NULL, *tmp = NULL;
  MPI_Comm_size(comm, &size);
  MPI_Comm_rank(comm, &rank);
  int64_t r = m < l ? m : l;
  int64_t ls = (int64_t)size * l;
  STRATA_CALLOC(Rloc, (size_t)l * l);
  STRATA_MALLOC(tau, l);
  /* stage 1: local QR; with fewer rows than columns the block itself is "R" and Q_i = I */
  if (m >= l && m > 0) {
    STRATA_CHECK(lapack_qr((int)m, l, A, (int)lda, tau));
    for (int c = 0; c < l; c++)
      for (int i = 0; i <= c; i++) Rloc[c * l + i] = A[c * lda + i];
    STRATA_CHECK(lapack_orgqr((int)m, l, A, (int)lda, tau));
  } else {
    for (int c = 0; c < l; c++)
      for (int64_t i = 0; i < m; i++) Rloc[c * l + i] = A[c * lda + i];
  }
  /* stage 2: the stacked l x l factors of all ranks, QR'd identically on every rank */
  STRATA_MALLOC(S, (size_t)ls * l);
  if (size > 1) {
    double *all = NULL;
    STRATA_MALLOC(tmp, (size_t)ls * l);
    all = tmp;
    STRATA_MPI_CHECK(MPI_Allgather(Rloc, l * l, MPI_DOUBLE, all, l * l, MPI_DOUBLE, comm));
    for (int p = 0; p < size; p++)
      for (int c = 0; c < l; c++)
        memcpy(S + c * ls + (int64_t)p * l, all + ((int64_t)p * l + c) * l, (size_t)l * sizeof(double));
  } else {
    memcpy(S, Rloc, (size_t)l * l * sizeof(double));
  }
  STRATA_CHECK(lapack_qr((int)ls, l, S, (int)ls, tau));
  if (R) {
    memset(R, 0, (size_t)l * l * sizeof(double));
    for (int c = 0; c < l; c++)
      for (int i = 0; i <= c; i++) R[c * l + i] = S[c * ls + i];
  }
  STRATA_CHECK(lapack_orgqr((int)ls, l, S, (int)ls, tau));
  /* my rows of Q = Q_i * (my r x l block of the stacked Q) */
  const double *blk = S + (int64_t)rank * l;
  if (m >= l && m > 0) {
    free(tmp);
    tmp = NULL;
    STRATA_MALLOC(tmp, (size_t)m * l);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)m, l, l, 1.0, A, (int)lda, blk,
                (int)ls, 0.0, tmp, (int)m);
    for (int c = 0; c < l; c++) memcpy(A + c * lda, tmp + c * m, (size_t)m * sizeof(double));
  } else {
    for (int c = 0; c < l; c++)
      for (int64_t i = 0; i < r; i++) A[c * lda + i] = blk[c * ls + i];
  }
cleanup:
  free(Rloc);
  free(S);
  free(tau);
  free(tmp);
  return st;
}

/* ---- randomized range finder ---------------------------------------------------------------- */

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

typedef struct missing missing_t;
static int preprocess_view(svd_op_t *op, int m, int scale, int keep_missing, missing_t *miss,
                           int64_t *n_empty, double *ss, const double *pre);

/* Collective over grid->comm: complete the deferred preprocessing with the statistics the first
 * product gathered (mean-imputing any NaN in place), then the first product itself -- or, when
 * some rank had a NaN, take it again on the imputed data. */
static int finish_deferred(svd_op_t *op, int l, const double *X, double *Y, double *tmp) {
  int st = STRATA_OK, nan_loc = 0, redo = 0;
  for (int m = 0; m < op->nviews && !st; m++) {
    const strata_dmat_t *v = op->views[m];
    const double *pre = op->defer_stats + 3 * op->voff[m];
    for (int64_t j = 0; j < v->nloc; j++) nan_loc |= pre[3 * j] < (double)v->mloc;
    st = preprocess_view(op, m, 0, 0, NULL, &op->n_empty, &op->view_ss[m], pre);
  }
  STRATA_CHECK(strata_agree(op->grid->comm, st));
  STRATA_MPI_CHECK(MPI_Allreduce(&nan_loc, &redo, 1, MPI_INT, MPI_MAX, op->grid->comm));
  free(op->defer_stats);
  op->defer_stats = NULL;
  STRATA_CHECK(redo ? svd_op_apply(op, l, X, Y, tmp) : op_apply_finish(op, l, Y, tmp));
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
  STRATA_CHECK(svd_tsqr(g->rowcomm, op->ntot, l, X, ldn, NULL));
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
    if (fwd) STRATA_CHECK(svd_tsqr(g->colcomm, op->mloc, l, Y, ldm, R));
    else STRATA_CHECK(svd_tsqr(g->rowcomm, op->ntot, l, X, ldn, R));
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

/* ---- preprocessing ------------------------------------------------------------------------- */

struct missing {
  int64_t n;      /* missing entries of present samples, this rank, this view */
  int64_t *idx;   /* [n] local column-major positions */
};

/* Collective over colcomm: feature statistics of view m over the observed entries of present
 * rows -- count, mean and sum of squared deviations, per rank in one sweep (a column is
 * contiguous, so its second look is in cache) and combined over grid rows with Chan et al.'s
 * pairwise update in grid-row order (identical on every rank) -- then the in-place mean
 * imputation (see svd.h), which touches only columns with a missing entry and absent rows.
 * Adds the view's ||A_m||_F^2 / w_m^2 to *ss (exact for the imputed matrix) and records the
 * missing positions when asked. */
static int preprocess_view(svd_op_t *op, int m, int scale, int keep_missing, missing_t *miss,
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
    STRATA_CHECK(check_count(3 * n * nr, "the feature statistics"));
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
static int recenter(svd_op_t *op) {
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
static int total_ss(const svd_op_t *op, double *out) {
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

/* Collective over grid->comm: make the largest-magnitude entry of each U column positive
 * (ties: the lowest global row), flipping V with it. */
static int flip_signs(const svd_op_t *op, int k, double *U, double *V) {
  int st = STRATA_OK;
  int64_t ldm = LD(op->mloc), ldn = LD(op->ntot);
  int nr = op->grid->nprow;
  double *mine = NULL, *all = NULL;
  const int64_t *rows = op->views[0]->rows;
  STRATA_MALLOC(mine, 3 * (size_t)k);
  STRATA_MALLOC(all, 3 * (size_t)k * nr);
  for (int c = 0; c < k; c++) {
    double best = -1, val = 0, row = (double)INT64_MAX;
    for (int64_t i = 0; i < op->mloc; i++) {
      double a = fabs(U[c * ldm + i]);
      if (a > best) {
        best = a;
        val = U[c * ldm + i];
        row = (double)rows[i];
      }
    }
    mine[3 * c] = best;
    mine[3 * c + 1] = val;
    mine[3 * c + 2] = row;
  }
  STRATA_MPI_CHECK(MPI_Allgather(mine, 3 * k, MPI_DOUBLE, all, 3 * k, MPI_DOUBLE, op->grid->colcomm));
  for (int c = 0; c < k; c++) {
    double best = -1, val = 0, row = 0;
    for (int p = 0; p < nr; p++) {
      const double *e = all + (size_t)p * 3 * k + 3 * c;
      if (e[0] > best || (e[0] == best && e[2] < row)) {
        best = e[0];
        val = e[1];
        row = e[2];
      }
    }
    if (val < 0) {
      for (int64_t i = 0; i < op->mloc; i++) U[c * ldm + i] = -U[c * ldm + i];
      for (int64_t j = 0; j < op->ntot; j++) V[c * ldn + j] = -V[c * ldn + j];
    }
  }
cleanup:
  free(mine);
  free(all);
  return st;
}

int svd_allgather_view_vec(const svd_op_t *op, int m, const double *local, double **full) {
  int st = STRATA_OK;
  const strata_dmat_t *v = op->views[m];
  int pc = op->grid->npcol;
  int *counts = NULL, *displs = NULL;
  double *f = NULL;
  STRATA_CHECK(check_count(v->ncols, "a view's feature count"));
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

/* ---- the driver ------------------------------------------------------------------------------ */

static int solve(svd_op_t *op, int method, const strata_svd_opts_t *o, int k, const char *phase,
                 double *s, double *U, double *V) {
  switch (method) {
    case STRATA_SVD_RANDOMIZED:
      return svd_randomized(op, k, o->oversample, o->power_iters, o->seed, o->ev, phase, s, U, V);
    case STRATA_SVD_EXACT: return svd_exact(op, k, o->nb, o->ev, s, U, V);
    case STRATA_SVD_GRAM: return svd_gram(op, k, o->nb, o->ev, s, U, V);
    default: return strata_err_set(STRATA_ERR_INTERNAL, __FILE__, __LINE__, __func__,
                                   "svd: unknown method %d", method);
  }
}

void strata_svd_result_destroy(strata_svd_result_t **rp) {
  if (!rp || !*rp) return;
  strata_svd_result_t *r = *rp;
  free(r->s);
  free(r->variance);
  free(r->variance_ratio);
  free(r->view_weight);
  free(r->view_sigma1);
  free(r->u);
  if (r->v)
    for (int m = 0; m < r->nviews; m++) free(r->v[m]);
  free(r->v);
  free(r->nloc);
  free(r);
  *rp = NULL;
}

/* The first singular value of view m alone (centred, scaled, unweighted) by a small randomized
 * pass: the MFA weight's denominator. */
static int view_sigma1(svd_op_t *op, int m, const strata_svd_opts_t *o, double *sigma1) {
  int st = STRATA_OK;
  svd_op_t sub = *op;
  int64_t voff[2] = {0, op->voff[m + 1] - op->voff[m]};
  double w1 = 1.0, s1 = 0, *U = NULL, *V = NULL;
  sub.nviews = 1;
  sub.views = op->views + m;
  sub.D = op->views[m]->ncols;
  sub.ntot = voff[1];
  sub.voff = voff;
  sub.mu = op->mu + op->voff[m];
  sub.sinv = op->sinv + op->voff[m];
  sub.w = &w1;
  STRATA_MALLOC(U, LD(sub.mloc));
  STRATA_MALLOC(V, LD(sub.ntot));
  int64_t mn = sub.N < sub.D ? sub.N : sub.D;
  int p = (int)(mn - 1 < 9 ? mn - 1 : 9);
  STRATA_CHECK(svd_randomized(&sub, 1, p, o->mfa_power_iters, o->seed, o->ev, "mfa-weight",
                              &s1, U, V));
  *sigma1 = s1;
  op->data_passes += sub.data_passes;
cleanup:
  free(U);
  free(V);
  return st;
}

/* Not collective: validate the views and options, set up the operator and allocate the result. */
static int svd_setup(int nviews, strata_dmat_t *const *views, const strata_svd_opts_t *o,
                     svd_op_t *op, strata_svd_result_t **rp) {
  int st = STRATA_OK;
  strata_svd_result_t *r = NULL;
  const strata_grid_t *g = views[0]->grid;
  op->grid = g;
  op->nviews = nviews;
  op->views = views;
  op->N = views[0]->nrows;
  op->mloc = views[0]->mloc;
  op->center = o->center;
  for (int m = 1; m < nviews; m++) {
    const strata_dmat_t *v = views[m];
    int same = v->grid == g && v->nrows == op->N && v->mloc == op->mloc;
    for (int64_t i = 0; same && i < op->mloc; i++) same = v->rows[i] == views[0]->rows[i];
    if (!same) STRATA_FAIL(STRATA_ERR_INTERNAL, "svd: view %d has another grid or row layout than view 1", m + 1);
  }
  STRATA_CALLOC(op->voff, nviews + 1);
  for (int m = 0; m < nviews; m++) {
    op->voff[m + 1] = op->voff[m] + views[m]->nloc;
    op->D += views[m]->ncols;
  }
  op->ntot = op->voff[nviews];
  int64_t mn = op->N < op->D ? op->N : op->D;
  if (o->k < 1 || o->k > mn)
    STRATA_FAIL(STRATA_ERR_INPUT, "svd: k = %d components asked, but the matrix is %lld x %lld (k must be in 1..%lld)",
                o->k, (long long)op->N, (long long)op->D, (long long)mn);
  if (o->oversample < 0 || o->power_iters < 0)
    STRATA_FAIL(STRATA_ERR_INPUT, "svd: oversampling and power iterations must be >= 0");
  if (o->weights)
    for (int m = 0; m < nviews; m++)
      if (!(o->weights[m] > 0) || !isfinite(o->weights[m]))
        STRATA_FAIL(STRATA_ERR_INPUT, "svd: view weight %d is %g; weights must be positive", m + 1, o->weights[m]);
  STRATA_CALLOC(op->mu, LD(op->ntot));
  STRATA_CALLOC(op->sinv, LD(op->ntot));
  STRATA_CALLOC(op->w, nviews);
  STRATA_CALLOC(r, 1);
  r->k = o->k;
  r->nviews = nviews;
  r->nrows = op->N;
  r->mloc = op->mloc;
  STRATA_CALLOC(r->s, o->k);
  STRATA_CALLOC(r->variance, o->k);
  STRATA_CALLOC(r->variance_ratio, o->k);
  STRATA_CALLOC(r->view_weight, nviews);
  STRATA_CALLOC(r->view_sigma1, nviews);
  STRATA_CALLOC(r->u, (size_t)LD(op->mloc) * o->k);
  STRATA_CALLOC(r->nloc, nviews);
  STRATA_CALLOC(r->v, nviews);
  r->method = o->method;
  if (r->method == STRATA_SVD_AUTO) {
    r->method = strata_svd_choose_method(op->N, op->D, o->k, o->oversample, nviews, r->method_reason,
                                         sizeof r->method_reason);
    int64_t need = 0;
    if (r->method == STRATA_SVD_EXACT && !svd_exact_fits(op, o->nb, &need)) {
      r->method = STRATA_SVD_RANDOMIZED;
      snprintf(r->method_reason, sizeof r->method_reason,
               "randomized: exact would pass ScaLAPACK's redistribution limit (pdgesvd's left "
               "vectors, %lld elements on one process)",
               (long long)need);
    }
  } else {
    snprintf(r->method_reason, sizeof r->method_reason, "%s: as asked", strata_svd_method_name(r->method));
  }
cleanup:
  if (st) strata_svd_result_destroy(&r);
  *rp = r;
  return st;
}

/* Collective: soft-impute refits after the first decomposition (see svd.h).  Each refit puts the
 * rank-k fit (singular values shrunk by soft_lambda) into the missing entries, re-estimates the
 * means and decomposes again; stops when the imputed values move by less than impute_tol
 * relative to ||A||_F.  Every rank holds the U rows and V rows its missing entries need. */
static int soft_impute(svd_op_t *op, const strata_svd_opts_t *o, const missing_t *miss,
                       strata_svd_result_t *r, double *V) {
  int st = STRATA_OK;
  const strata_grid_t *g = op->grid;
  int64_t ldm = LD(op->mloc), ldn = LD(op->ntot);
  for (int it = 1; it <= o->impute_maxiter; it++) {
    double ch2 = 0, tss = 0, ch = 0;
    for (int m = 0; m < op->nviews; m++) {
      strata_dmat_t *v = (strata_dmat_t *)op->views[m];
      int64_t mloc = LD(v->mloc);
      for (int64_t t = 0; t < miss[m].n; t++) {
        int64_t i = miss[m].idx[t] % mloc, j = miss[m].idx[t] / mloc, jj = op->voff[m] + j;
        double fit = 0;
        for (int c = 0; c < o->k; c++) {
          double sc = r->s[c] - o->soft_lambda;
          if (sc > 0) fit += r->u[c * ldm + i] * sc * V[c * ldn + jj];
        }
        /* back from A's scale: y = c mu + s fit / w */
        double ynew = (op->center ? op->mu[jj] : 0.0) + fit / (op->w[m] * op->sinv[jj]);
        double d = (ynew - v->a[miss[m].idx[t]]) * op->w[m] * op->sinv[jj];
        ch2 += d * d;
        v->a[miss[m].idx[t]] = ynew;
      }
    }
    st = MPI_Allreduce(MPI_IN_PLACE, &ch2, 1, MPI_DOUBLE, MPI_SUM, g->comm) == MPI_SUCCESS
             ? STRATA_OK
             : strata_err_set(STRATA_ERR_MPI, __FILE__, __LINE__, __func__, "mpi: soft-impute reduction failed");
    if (!st && op->center) st = recenter(op);
    if (!st) st = total_ss(op, &tss);
    if (!st) {
      ch = tss > 0 ? sqrt(ch2 / tss) : 0.0;
      st = solve(op, r->method, o, o->k, "svd", r->s, r->u, V);
    }
    st = strata_agree(g->comm, st);
    if (st) return st;
    r->impute_iters = it;
    r->impute_change = ch;
    strata_ev_iteration(o->ev, "soft-impute", it, o->impute_maxiter, r->s[0], ch, op->t_comp, op->t_comm);
    if (ch < o->impute_tol) {
      r->impute_converged = 1;
      break;
    }
  }
  if (!r->impute_converged)
    strata_ev_warning(o->ev, "soft-impute stopped after %d refits with change %.3g >= tol %.3g",
                      r->impute_iters, r->impute_change, o->impute_tol);
  return st;
}

int strata_svd_compute(int nviews, strata_dmat_t *const *views, const strata_svd_opts_t *o,
                       strata_svd_result_t **out) {
  int st = STRATA_OK;
  svd_op_t op;
  strata_svd_result_t *r = NULL;
  missing_t *miss = NULL;
  double *V = NULL, *view_ss = NULL;
  memset(&op, 0, sizeof op);
  *out = NULL;
  if (nviews < 1 || !views || !views[0])
    return strata_err_set(STRATA_ERR_INTERNAL, __FILE__, __LINE__, __func__, "svd: no views");
  MPI_Comm comm = views[0]->grid->comm;
  st = svd_setup(nviews, views, o, &op, &r);
  if (!st && !(miss = calloc((size_t)nviews, sizeof *miss)))
    st = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
  if (!st && !(view_ss = calloc((size_t)nviews, sizeof *view_ss)))
    st = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
  if (!st && !(V = calloc((size_t)LD(op.ntot) * o->k, sizeof *V)))
    st = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
  st = strata_agree(comm, st);
  if (st) goto cleanup;

  /* Preprocessing, in place.  For the randomized method without scaling, MFA or soft-impute,
   * with every sample present in every view, it is deferred: the first product gathers the
   * feature statistics from each chunk of the data while it is in cache (centring is applied
   * after the product anyway), which saves a whole pass over the data; a NaN found then is
   * mean-imputed and that product taken again. */
  op.view_ss = view_ss;
  int defer = r->method == STRATA_SVD_RANDOMIZED && !o->scale && !(o->mfa && nviews > 1) &&
              o->impute != STRATA_IMPUTE_SOFT;
  for (int m = 0; m < nviews && defer; m++)
    for (int64_t i = 0; i < views[m]->mloc; i++) defer &= views[m]->present[i] != 0;
  if (MPI_Allreduce(MPI_IN_PLACE, &defer, 1, MPI_INT, MPI_MIN, comm) != MPI_SUCCESS)
    st = strata_err_set(STRATA_ERR_MPI, __FILE__, __LINE__, __func__, "mpi: reduction failed");
  if (!st && defer) {
    if (!(op.defer_stats = malloc(sizeof(double) * 3 * (size_t)LD(op.ntot))))
      st = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
    for (int64_t j = 0; j < op.ntot; j++) op.sinv[j] = 1.0;
  }
  for (int m = 0; m < nviews && !st && !defer; m++)
    st = preprocess_view(&op, m, o->scale, o->impute == STRATA_IMPUTE_SOFT, &miss[m], &op.n_empty,
                         &view_ss[m], NULL);
  if (!defer) op.data_passes++;
  st = strata_agree(comm, st);
  if (st) goto cleanup;

  /* MFA weights: with two or more views each is divided by its own first singular value */
  for (int m = 0; m < nviews; m++) {
    double uw = o->weights ? o->weights[m] : 1.0;
    op.w[m] = uw;
    if (o->mfa && nviews > 1) {
      st = view_sigma1(&op, m, o, &r->view_sigma1[m]);
      if (!st && !(r->view_sigma1[m] > 0))
        st = strata_err_set(STRATA_ERR_INPUT, __FILE__, __LINE__, __func__,
                            "svd: view %d is constant after centring (first singular value 0), "
                            "it cannot be MFA-weighted", m + 1);
      st = strata_agree(comm, st);
      if (st) goto cleanup;
      op.w[m] = uw / r->view_sigma1[m];
    }
    r->view_weight[m] = op.w[m];
  }

  st = strata_agree(comm, solve(&op, r->method, o, o->k, "svd", r->s, r->u, V));
  if (st) goto cleanup;
  if (op.n_empty > 0)
    strata_ev_warning(o->ev, "svd: %lld features have no observed value (treated as 0)",
                      (long long)op.n_empty);
  if (o->impute == STRATA_IMPUTE_SOFT) STRATA_CHECK(soft_impute(&op, o, miss, r, V));

  r->data_passes = op.data_passes;
  st = flip_signs(&op, o->k, r->u, V);
  /* ||A||_F^2: from the statistics pass, unless soft-impute has changed the data since */
  if (!st && o->impute == STRATA_IMPUTE_SOFT) {
    st = total_ss(&op, &r->total_ss);
  } else if (!st) {
    double t = 0;
    for (int m = 0; m < nviews; m++) t += op.w[m] * op.w[m] * view_ss[m];
    st = MPI_Allreduce(&t, &r->total_ss, 1, MPI_DOUBLE, MPI_SUM, op.grid->rowcomm) == MPI_SUCCESS
             ? STRATA_OK
             : strata_err_set(STRATA_ERR_MPI, __FILE__, __LINE__, __func__, "mpi: reduction failed");
  }
  for (int c = 0; c < o->k && !st; c++) {
    r->variance[c] = op.N > 1 ? r->s[c] * r->s[c] / (double)(op.N - 1) : 0.0;
    r->variance_ratio[c] = r->total_ss > 0 ? r->s[c] * r->s[c] / r->total_ss : 0.0;
  }
  for (int m = 0; m < nviews && !st; m++) {
    int64_t n = views[m]->nloc, ldn = LD(op.ntot);
    r->nloc[m] = n;
    if (!(r->v[m] = malloc((size_t)LD(n) * o->k * sizeof(double)))) {
      st = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
      break;
    }
    for (int c = 0; c < o->k; c++)
      memcpy(r->v[m] + c * LD(n), V + c * ldn + op.voff[m], (size_t)n * sizeof(double));
  }
  st = strata_agree(comm, st);
cleanup:
  if (st) strata_svd_result_destroy(&r);
  *out = r;
  if (miss)
    for (int m = 0; m < nviews; m++) free(miss[m].idx);
  free(miss);
  free(V);
  free(view_ss);
  free(op.voff);
  free(op.mu);
  free(op.sinv);
  free(op.w);
  free(op.defer_stats);
  return st;
}

int strata_svd_gather(const strata_svd_result_t *r, strata_dmat_t *const *views, int root,
                      double **u, double ***v) {
  int st = STRATA_OK;
  const strata_grid_t *g = views[0]->grid;
  int size = g->size, k = r->k;
  int *counts = NULL, *displs = NULL;
  double *sendu = NULL, *recv = NULL, *U = NULL, **Vs = NULL;
  int64_t *rowsall = NULL, *rowsend = NULL;
  *u = NULL;
  *v = NULL;
  STRATA_MALLOC(counts, size);
  STRATA_MALLOC(displs, size);
  /* U: the ranks of grid column 0 send their rows (row-major per row: k values) */
  int64_t mine = g->mycol == 0 ? r->mloc : 0;
  STRATA_CHECK(check_count(r->nrows * k, "the gathered U"));
  STRATA_MALLOC(sendu, LD(mine) * k);
  STRATA_MALLOC(rowsend, LD(mine));
  for (int64_t i = 0; i < mine; i++) {
    rowsend[i] = views[0]->rows[i];
    for (int c = 0; c < k; c++) sendu[i * k + c] = r->u[c * LD(r->mloc) + i];
  }
  int cnt = (int)mine;
  STRATA_MPI_CHECK(MPI_Gather(&cnt, 1, MPI_INT, counts, 1, MPI_INT, root, g->comm));
  if (g->rank == root) {
    int64_t tot = 0;
    for (int p = 0; p < size; p++) {
      displs[p] = (int)tot;
      tot += counts[p];
    }
    STRATA_MALLOC(rowsall, LD(tot));
  }
  STRATA_MPI_CHECK(MPI_Gatherv(rowsend, cnt, MPI_INT64_T, rowsall, counts, displs, MPI_INT64_T, root, g->comm));
  if (g->rank == root)
    for (int p = 0; p < size; p++) {
      counts[p] *= k;
      displs[p] *= k;
    }
  if (g->rank == root) STRATA_MALLOC(recv, (size_t)LD(r->nrows) * k);
  STRATA_MPI_CHECK(MPI_Gatherv(sendu, cnt * k, MPI_DOUBLE, recv, counts, displs, MPI_DOUBLE, root, g->comm));
  if (g->rank == root) {
    STRATA_MALLOC(U, (size_t)LD(r->nrows) * k);
    for (int64_t i = 0; i < r->nrows; i++)
      for (int c = 0; c < k; c++) U[c * r->nrows + rowsall[i]] = recv[i * k + c];
  }
  /* V_m: the ranks of grid row 0 send their feature block (contiguous, in grid-column order) */
  if (g->rank == root) STRATA_CALLOC(Vs, r->nviews);
  for (int m = 0; m < r->nviews; m++) {
    int64_t D = views[m]->ncols, n = g->myrow == 0 ? r->nloc[m] : 0;
    double *send = NULL, *rv = NULL;
    STRATA_CHECK(check_count(D * k, "a gathered V"));
    send = malloc((size_t)LD(n) * k * sizeof(double));
    if (!send) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
    for (int64_t j = 0; j < n; j++)
      for (int c = 0; c < k; c++) send[j * k + c] = r->v[m][c * LD(r->nloc[m]) + j];
    if (g->rank == root) {
      for (int p = 0; p < size; p++) {
        int prow = p / g->npcol, pcol = p % g->npcol;
        int64_t s0, cn;
        strata_block_range(D, g->npcol, pcol, &s0, &cn);
        counts[p] = prow == 0 ? (int)(cn * k) : 0;
        displs[p] = (int)(s0 * k);
      }
      rv = malloc((size_t)LD(D) * k * sizeof(double));
      Vs[m] = malloc((size_t)LD(D) * k * sizeof(double));
      if (!rv || !Vs[m]) {
        free(send);
        free(rv);
        STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
      }
    }
    int rc = MPI_Gatherv(send, (int)(n * k), MPI_DOUBLE, rv, counts, displs, MPI_DOUBLE, root, g->comm);
    free(send);
    if (rc != MPI_SUCCESS) {
      free(rv);
      STRATA_FAIL(STRATA_ERR_MPI, "mpi: gathering V failed");
    }
    if (g->rank == root)
      for (int64_t j = 0; j < D; j++)
        for (int c = 0; c < k; c++) Vs[m][c * D + j] = rv[j * k + c];
    free(rv);
  }
cleanup:
  free(counts);
  free(displs);
  free(sendu);
  free(recv);
  free(rowsall);
  free(rowsend);
  if (st) {
    free(U);
    if (Vs)
      for (int m = 0; m < r->nviews; m++) free(Vs[m]);
    free(Vs);
    U = NULL;
    Vs = NULL;
  }
  *u = U;
  *v = Vs;
  return st;
}
