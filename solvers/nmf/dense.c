/* Small dense helpers of the NMF stages on the factor layouts (k x n, one sample's or feature's
 * k values contiguous): a GEMM and a Gram that accept empty local blocks, the two data-sized
 * products through solvers/la's tall-skinny kernels, a rank-1 update and a chunked sum-reduction.
 * Not for an update rule (rows.c) nor a step of the iteration (solve.c). */
#include <cblas.h>
#include <string.h>

#include "solvers/la/kernels.h"
#include "solvers/nmf/nmf_impl.h"
#include "strata/util.h"

/* C (m x n, ldc) = alpha op(A) op(B) + beta C that tolerates empty local blocks (BLAS rejects
 * lda = 0, and a zero inner dimension must still scale C). */
void nmf_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int64_t m, int64_t n, int64_t kk,
              double alpha, const double *A, int64_t lda, const double *B, int64_t ldb,
              double beta, double *C, int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (kk == 0) {
    for (int64_t j = 0; j < n; j++)
      for (int64_t i = 0; i < m; i++) C[i + j * ldc] = beta == 0.0 ? 0.0 : beta * C[i + j * ldc];
    return;
  }
  cblas_dgemm(CblasColMajor, ta, tb, (int)m, (int)n, (int)kk, alpha, A, (int)(lda ? lda : 1), B,
              (int)(ldb ? ldb : 1), beta, C, (int)(ldc ? ldc : 1));
}

/* G (k x k, full) = Xt Xt^T for Xt k x n column-major (the Gram of a row-major n x k factor). */
void nmf_gram(int k, int64_t n, const double *Xt, double *G) {
  memset(G, 0, sizeof(double) * (size_t)k * (size_t)k);
  if (n > 0) cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, k, (int)n, 1.0, Xt, k, 0.0, G, k);
  for (int c = 0; c < k; c++)
    for (int r = c + 1; r < k; r++) G[r + c * k] = G[c + r * k];
}

/* The two data-sized products in the factor layouts (k x n, one sample's or feature's k values
 * contiguous), through the tall-skinny kernels (solvers/la/kernels.c), which stream the data block
 * once instead of packing a copy of it as a general GEMM does.  tmp: mloc * l doubles. */

/* Zt (l x mloc) += alpha (Y X)^T with X given as Xt (l x nloc) */
void nmf_prod_yx(int64_t mloc, int64_t nloc, int l, double alpha, const double *Xt,
                 const double *y, double *Zt, double *tmp) {
  if (mloc == 0 || nloc == 0) return;
  memset(tmp, 0, sizeof(double) * (size_t)mloc * (size_t)l);
  strata_tsmm_ab(mloc, nloc, l, y, mloc, Xt, l, 1, tmp, mloc);
  for (int64_t i = 0; i < mloc; i++)
    for (int c = 0; c < l; c++) Zt[c + i * l] += alpha * tmp[i + c * mloc];
}

/* Xt (l x nloc) = alpha (Y^T Z)^T with Z given as Zt (l x mloc) */
void nmf_prod_ytz(int64_t mloc, int64_t nloc, int l, double alpha, const double *Zt,
                  const double *y, double *Xt, double *tmp) {
  if (nloc == 0) return;
  for (int64_t i = 0; i < mloc; i++)
    for (int c = 0; c < l; c++) tmp[i + c * mloc] = alpha * Zt[c + i * l];
  strata_tsmm_atb(mloc, nloc, l, y, mloc, tmp, mloc, Xt, l, 1);
}

/* G += s x x^T (full k x k) */
void nmf_outer_add(int k, double s, const double *x, double *G) {
  for (int c = 0; c < k; c++) {
    double xc = s * x[c];
    for (int r = 0; r < k; r++) G[r + c * k] += xc * x[r];
  }
}

int nmf_allreduce_sum(double *buf, int64_t n, MPI_Comm comm) {
  int st = STRATA_OK;
  /* large buffers go in pieces so that counts stay within int */
  for (int64_t off = 0; off < n; off += (int64_t)1 << 30) {
    int64_t cnt = n - off < ((int64_t)1 << 30) ? n - off : ((int64_t)1 << 30);
    STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, buf + off, (int)cnt, MPI_DOUBLE, MPI_SUM, comm));
  }
cleanup:
  return st;
}
