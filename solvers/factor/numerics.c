/* The small numerics the factor model's stages share: digamma, the inverse of a small SPD
 * matrix, the Jaakkola-Jordan lambda and the timed sum-reduction.  Not for anything with a
 * dimension of the data: those kernels are in solvers/la. */
#include <math.h>

#include "solvers/factor/factor_impl.h"
#include "strata/util.h"

double factor_digamma(double x) {
  double r = 0;
  while (x < 6) { r -= 1 / x; x += 1; }
  double f = 1 / (x * x);
  return r + log(x) - 0.5 / x -
         f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132)))));
}

/* a (K x K, SPD, full storage) <- a^-1; *logdet = log det of the input.  Returns 0, or j+1
 * when the leading minor of order j+1 is not positive.  A plain Cholesky written out: called
 * once per sample and once per feature with K <= 64, where a LAPACK call's overhead would cost
 * more than the arithmetic. */
int factor_spd_inverse(double *a, int K, double *logdet) {
  double l[64 * 64], li[64 * 64];
  double ld = 0;
  for (int j = 0; j < K; j++) {
    double d = a[j + j * K];
    for (int p = 0; p < j; p++) d -= l[j + p * K] * l[j + p * K];
    if (!(d > 0)) return j + 1;
    d = sqrt(d);
    l[j + j * K] = d;
    ld += 2 * log(d);
    for (int i = j + 1; i < K; i++) {
      double t = a[i + j * K];
      for (int p = 0; p < j; p++) t -= l[i + p * K] * l[j + p * K];
      l[i + j * K] = t / d;
    }
  }
  for (int j = 0; j < K; j++) {
    li[j + j * K] = 1 / l[j + j * K];
    for (int i = j + 1; i < K; i++) {
      double t = 0;
      for (int p = j; p < i; p++) t -= l[i + p * K] * li[p + j * K];
      li[i + j * K] = t / l[i + i * K];
    }
  }
  for (int j = 0; j < K; j++)
    for (int i = j; i < K; i++) {
      double t = 0;
      for (int p = i; p < K; p++) t += li[p + i * K] * li[p + j * K];
      a[i + j * K] = t;
      a[j + i * K] = t;
    }
  *logdet = ld;
  return 0;
}

int factor_reduce(state_t *s, double *buf, int64_t n, MPI_Comm comm) {
  int st = STRATA_OK;
  if (n > INT32_MAX) STRATA_FAIL(STRATA_ERR_INTERNAL, "factor: reduction of %lld values too large", (long long)n);
  double t0 = strata_wtime();
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_DOUBLE, MPI_SUM, comm));
  s->t_comm += strata_wtime() - t0;
cleanup:
  return st;
}

double factor_lambda2(double xi) {
  xi = fabs(xi);
  return xi < 1e-6 ? 0.25 - xi * xi / 24.0 : tanh(xi / 2) / (2 * xi);
}
