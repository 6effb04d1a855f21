/* The per-row non-negative solvers of NMF: once G (k x k) and b (k) of one sample or feature
 * are formed, a HALS sweep, a multiplicative (MU) update, or an exact NNLS solve by block
 * principal pivoting (ANLS) with its small Cholesky solve.  Purely local and serial: no data
 * block, no communication (both are in solve.c). */
#include <float.h>
#include <math.h>
#include <string.h>

#include "solvers/nmf/nmf_impl.h"

/* HALS keeps entries at least this large so that a factor column never dies (Gillis 2014). */
#define NMF_FLOOR 1e-16
/* Added to MU denominators (as scikit-learn does) so that a zero Gram row cannot divide by 0. */
#define NMF_MU_EPS 1e-16

/* One HALS sweep: exact coordinate descent on 1/2 x'Gx - b'x over x >= NMF_FLOOR. */
static void hals_row(int k, const double *G, const double *b, double *x) {
  for (int c = 0; c < k; c++) {
    double g = G[c + c * k];
    if (g <= 0.0) { /* no observed entry touches this coordinate */
      x[c] = 0.0;
      continue;
    }
    double s = b[c];
    for (int q = 0; q < k; q++) s -= G[c + q * k] * x[q];
    double v = x[c] + s / g;
    x[c] = v > NMF_FLOOR ? v : NMF_FLOOR;
  }
}

/* Lee-Seung multiplicative update x <- x .* b ./ (G x). */
static void mu_row(int k, const double *G, const double *b, double *x, double *den) {
  for (int c = 0; c < k; c++) {
    double s = 0.0;
    for (int q = 0; q < k; q++) s += G[c + q * k] * x[q];
    den[c] = s;
  }
  for (int c = 0; c < k; c++) x[c] *= (b[c] > 0.0 ? b[c] : 0.0) / (den[c] + NMF_MU_EPS);
}

/* Cholesky solve of the n x n SPD matrix A (column-major, overwritten) with rhs b (overwritten
 * by the solution).  Returns -1 if A is not numerically positive definite. */
static int chol_solve(int n, double *A, double *b) {
  for (int j = 0; j < n; j++) {
    double s = A[j + j * n];
    for (int q = 0; q < j; q++) s -= A[j + q * n] * A[j + q * n];
    if (!(s > 0.0)) return -1;
    double d = sqrt(s);
    A[j + j * n] = d;
    for (int i = j + 1; i < n; i++) {
      double t = A[i + j * n];
      for (int q = 0; q < j; q++) t -= A[i + q * n] * A[j + q * n];
      A[i + j * n] = t / d;
    }
  }
  for (int i = 0; i < n; i++) {
    double t = b[i];
    for (int q = 0; q < i; q++) t -= A[i + q * n] * b[q];
    b[i] = t / A[i + i * n];
  }
  for (int i = n - 1; i >= 0; i--) {
    double t = b[i];
    for (int q = i + 1; q < n; q++) t -= A[q + i * n] * b[q];
    b[i] = t / A[i + i * n];
  }
  return 0;
}

/* Solve the unconstrained problem on the passive set F: x_F = G_FF^{-1} b_F, x elsewhere 0,
 * y = G x - b with y_F = 0.  A singular G_FF (a dead factor) gets a tiny ridge. */
static void bpp_passive(int k, const double *G, const double *b, const int *F, double *x,
                        double *y, double *L, double *r, int *idx) {
  int nf = 0;
  for (int i = 0; i < k; i++)
    if (F[i]) idx[nf++] = i;
  double dmax = 0.0;
  for (int a = 0; a < nf; a++) dmax = fmax(dmax, G[idx[a] + idx[a] * k]);
  for (int attempt = 0; attempt < 2; attempt++) {
    for (int a = 0; a < nf; a++) {
      r[a] = b[idx[a]];
      for (int c = 0; c < nf; c++) L[a + c * nf] = G[idx[a] + idx[c] * k];
      if (attempt) L[a + a * nf] += 1e-12 * dmax + DBL_MIN;
    }
    if (chol_solve(nf, L, r) == 0) break;
    if (attempt) memset(r, 0, sizeof(double) * (size_t)nf);
  }
  for (int i = 0; i < k; i++) x[i] = 0.0;
  for (int a = 0; a < nf; a++) x[idx[a]] = r[a];
  for (int i = 0; i < k; i++) {
    double s = -b[i];
    for (int q = 0; q < k; q++) s += G[i + q * k] * x[q];
    y[i] = F[i] ? 0.0 : s;
  }
}

/* NNLS min_{x>=0} 1/2 x'Gx - b'x by block principal pivoting (Kim & Park, SISC 2011), warm
 * started from the support of x.  ws: 2k + k*k doubles + k; iws: 2k ints. */
static void bpp_row(int k, const double *G, const double *b, double *x, double *ws, int *iws) {
  double *y = ws, *r = ws + k, *L = ws + 2 * k;
  int *F = iws, *idx = iws + k;
  double bscale = 0.0;
  for (int i = 0; i < k; i++) {
    F[i] = x[i] > 0.0;
    bscale = fmax(bscale, fabs(b[i]));
  }
  /* y_i below -ytol counts as infeasible: exact zero tests cycle on round-off */
  double ytol = 1e-14 * bscale;
  bpp_passive(k, G, b, F, x, y, L, r, idx);
  int alpha = 3, beta = k + 1;
  for (int it = 0; it < 10 * k + 20; it++) {
    int nv = 0, last = -1;
    for (int i = 0; i < k; i++)
      if ((F[i] && x[i] < 0.0) || (!F[i] && y[i] < -ytol)) {
        nv++;
        last = i;
      }
    if (nv == 0) break;
    if (nv < beta) {
      beta = nv;
      alpha = 3;
    } else if (alpha >= 1) {
      alpha--;
    } else {
      /* backup rule: flip only the largest infeasible index, which guarantees termination */
      F[last] = !F[last];
      bpp_passive(k, G, b, F, x, y, L, r, idx);
      continue;
    }
    for (int i = 0; i < k; i++)
      if ((F[i] && x[i] < 0.0) || (!F[i] && y[i] < -ytol)) F[i] = !F[i];
    bpp_passive(k, G, b, F, x, y, L, r, idx);
  }
  for (int i = 0; i < k; i++)
    if (x[i] < 0.0) x[i] = 0.0;
}

/* Rows are independent once G and b are formed, so `inner` sweeps over one row equal `inner`
 * sweeps over the whole factor: the accelerated HALS/MU of Gillis & Glineur (2012), which reuse
 * the expensive products for several cheap O(k^2) sweeps.  ANLS solves exactly in one. */
void nmf_update_row(int solver, int inner, int k, const double *G, const double *b, double *x,
                    double *ws, int *iws) {
  if (solver == STRATA_NMF_ANLS) {
    bpp_row(k, G, b, x, ws, iws);
    return;
  }
  for (int r = 0; r < inner; r++) {
    if (solver == STRATA_NMF_HALS)
      hals_row(k, G, b, x);
    else
      mu_row(k, G, b, x, ws);
  }
}
