/* solvers/kernels.c against cblas_dgemm (the reference) for every instruction set this CPU runs:
 * shapes that exercise every row, column and panel tail of the register tiles, padded leading
 * dimensions (the padding must stay untouched), the thin operand stored by columns and by rows,
 * and the accumulate (A*B) versus overwrite (A^T*Z) contracts. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <mpi.h>

#include "check.h"
#include "solvers/la/kernels.h"
#include "strata/rng.h"

#define PAD 987.5 /* a value the kernels never write */

static double maxdiff(const double *a, const double *b, size_t n) {
  double e = 0;
  for (size_t i = 0; i < n; i++) e = fmax(e, fabs(a[i] - b[i]));
  return e;
}

static void one_case(const char *isa, int64_t m, int64_t n, int l, int rowmajor) {
  int64_t lda = m + 2, ldo = m + 1, ldb = n + 3;
  double *a = malloc(sizeof(double) * (size_t)(lda * n));
  double *b = malloc(sizeof(double) * (size_t)(ldb * l)), *bc = malloc(sizeof(double) * (size_t)(n * l));
  double *o1 = malloc(sizeof(double) * (size_t)(ldo * l)), *o2 = malloc(sizeof(double) * (size_t)(ldo * l));
  int64_t ldz = m + 3, ldx = n + 2;
  double *z = malloc(sizeof(double) * (size_t)(ldz * l));
  double *x1 = malloc(sizeof(double) * (size_t)(ldx * l)), *x2 = malloc(sizeof(double) * (size_t)(ldx * l));
  for (int64_t i = 0; i < lda * n; i++)
    a[i] = (i % lda) < m ? strata_rng_normal_at(7, 1, (uint64_t)i) : NAN; /* padding is poison */
  for (int64_t d = 0; d < n; d++)
    for (int j = 0; j < l; j++) bc[d + j * n] = strata_rng_normal_at(7, 2, (uint64_t)(d + j * n));
  /* B by columns (ld n+3) or by rows (ld l) */
  int64_t brs = rowmajor ? l : 1, bcs = rowmajor ? 1 : ldb;
  for (int64_t d = 0; d < n; d++)
    for (int j = 0; j < l; j++) b[d * brs + j * bcs] = bc[d + j * n];
  for (int64_t i = 0; i < ldo * l; i++) o1[i] = o2[i] = (i % ldo) < m ? 0.25 * (double)(i % 7) : PAD;
  for (int64_t i = 0; i < ldz * l; i++) z[i] = (i % ldz) < m ? strata_rng_normal_at(7, 3, (uint64_t)i) : NAN;
  for (int64_t i = 0; i < ldx * l; i++) x1[i] = x2[i] = PAD;

  /* half the cases through the statistics variant, whose product must be the same */
  double *st1 = malloc(sizeof(double) * (size_t)(3 * n)), *st2 = malloc(sizeof(double) * (size_t)(3 * n));
  if (rowmajor) strata_tsmm_ab(m, n, l, a, lda, b, brs, bcs, o1, ldo);
  else {
    strata_tsmm_ab_stats(m, n, l, a, lda, b, brs, bcs, o1, ldo, st1);
    strata_colstats(m, n, a, lda, NULL, st2);
    T_CHECK(memcmp(st1, st2, sizeof(double) * (size_t)(3 * n)) == 0,
            "%s %lld x %lld l %d: statistics from the product differ from strata_colstats", isa,
            (long long)m, (long long)n, l);
  }
  free(st1);
  free(st2);
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)m, l, (int)n, 1.0, a, (int)lda, bc,
              (int)n, 1.0, o2, (int)ldo);
  double e1 = maxdiff(o1, o2, (size_t)(ldo * l));

  /* A^T Z into n x l by columns (ld n+2), or by rows when rowmajor (ld l) */
  int64_t ors = rowmajor ? l : 1, ocs = rowmajor ? 1 : ldx;
  strata_tsmm_atb(m, n, l, a, lda, z, ldz, x1, ors, ocs);
  double *ref = malloc(sizeof(double) * (size_t)(n * l));
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)n, l, (int)m, 1.0, a, (int)lda, z,
              (int)ldz, 0.0, ref, (int)n);
  for (int64_t d = 0; d < n; d++)
    for (int j = 0; j < l; j++) x2[d * ors + j * ocs] = ref[d + j * n];
  double e2 = maxdiff(x1, x2, (size_t)(ldx * l));
  /* sums of up to 100 products of N(0,1) values: 1e-12 is a few hundred ulps */
  T_CHECK(e1 <= 1e-12 && e2 <= 1e-12,
          "%s %s %lld x %lld, l = %d: A*B err %.3g, A^T*Z err %.3g (padding must stay %.1f)", isa,
          rowmajor ? "rows" : "columns", (long long)m, (long long)n, l, e1, e2, PAD);
  /* one packing of Z reused over two column blocks (svd's fused pass): the same sums, each column
   * accumulated in the same order whichever tile it falls in */
  strata_zpack_t zp;
  strata_zpack_init(&zp, m, l, z, ldz);
  double *x3 = malloc(sizeof(double) * (size_t)(ldx * l));
  for (int64_t i = 0; i < ldx * l; i++) x3[i] = PAD;
  int64_t h = n / 2 + (n > 2); /* uneven halves */
  strata_tsmm_atb_packed(&zp, h, a, lda, x3, ors, ocs);
  strata_tsmm_atb_packed(&zp, n - h, a + h * lda, lda, x3 + h * ors, ors, ocs);
  strata_zpack_free(&zp);
  T_CHECK(memcmp(x1, x3, sizeof(double) * (size_t)(ldx * l)) == 0,
          "%s %lld x %lld, l = %d: packed A^T*Z over blocks %lld + %lld differs", isa, (long long)m,
          (long long)n, l, (long long)h, (long long)(n - h));
  free(x3);
  free(a); free(b); free(bc); free(o1); free(o2); free(z); free(x1); free(x2); free(ref);
}

/* strata_colstats against a two-pass long double reference, NaNs at every lane position */
static void colstats_case(const char *isa, int64_t m, int nan_every) {
  double *col = malloc(sizeof(double) * (size_t)(m + 1));
  for (int64_t i = 0; i < m; i++)
    col[i] = nan_every && i % nan_every == 1 ? NAN : 3.0 + strata_rng_normal_at(9, 1, (uint64_t)i);
  col[m] = 1e300; /* past the end: must not be read into the sums */
  long double c = 0, s = 0, q = 0;
  for (int64_t i = 0; i < m; i++)
    if (!isnan(col[i])) {
      c += 1;
      s += col[i];
    }
  long double mu = c > 0 ? s / c : 0;
  for (int64_t i = 0; i < m; i++)
    if (!isnan(col[i])) q += (col[i] - mu) * (col[i] - mu);
  double st[6] = {-1, -1, -1, -1, -1, -1};
  strata_colstats(m, 1, col, m, NULL, st);
  /* the same column twice at ld m+1 (the second shifted by one element): identical results */
  double *two = malloc(sizeof(double) * (size_t)(2 * m + 2));
  memcpy(two, col, sizeof(double) * (size_t)m);
  two[m] = -7.0;
  memcpy(two + m + 1, col, sizeof(double) * (size_t)m);
  double st2[6];
  strata_colstats(m, 2, two, m + 1, NULL, st2);
  T_CHECK(memcmp(st, st2, 3 * sizeof(double)) == 0 && memcmp(st, st2 + 3, 3 * sizeof(double)) == 0,
          "%s colstats m %lld: two columns differ from one", isa, (long long)m);
  free(two);
  /* rows marked absent are left out exactly as if they were NaN */
  if (m > 0) {
    unsigned char *pres = malloc((size_t)m);
    double *nanned = malloc(sizeof(double) * (size_t)m), sp[3], sn[3];
    for (int64_t i = 0; i < m; i++) {
      pres[i] = i % 5 != 2;
      nanned[i] = pres[i] ? col[i] : NAN;
    }
    strata_colstats(m, 1, col, m, pres, sp);
    strata_colstats(m, 1, nanned, m, NULL, sn);
    T_CHECK(sp[0] == sn[0] && fabs(sp[1] - sn[1]) <= 1e-13 * (1 + fabs(sn[1])) &&
                fabs(sp[2] - sn[2]) <= 1e-12 * (1 + sn[2]),
            "%s colstats m %lld: absent rows %g %.17g %.17g vs NaN rows %g %.17g %.17g", isa,
            (long long)m, sp[0], sp[1], sp[2], sn[0], sn[1], sn[2]);
    free(pres);
    free(nanned);
  }
  double cnt = st[0], mean = st[1], m2 = st[2];
  T_CHECK(cnt == (double)c && fabs(mean - (double)mu) <= 1e-13 * (1 + fabsl(mu)) &&
              fabs(m2 - (double)q) <= 1e-12 * (1 + (double)q),
          "%s colstats m %lld nan every %d: %g %.17g %.17g vs %g %.17g %.17g", isa, (long long)m,
          nan_every, cnt, mean, m2, (double)c, (double)mu, (double)q);
  free(col);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  const char *isas[] = {"portable", "avx2", "avx512"};
  /* rows: tails of the 24-row (AVX-512) and 8-row (AVX2) tiles; columns of A: of the 16-column
   * chunk and the 8/4-column broadcast tiles; l: of the 8/6-column and 24/12-lane panels, and
   * every size of the row-lane remainder (l = 49..52) */
  const int64_t ms[] = {1, 7, 8, 23, 24, 25, 50, 97};
  const int64_t ns[] = {1, 3, 8, 16, 17, 41};
  const int ls[] = {1, 5, 8, 9, 13, 24, 25, 49, 50, 51, 52, 70};
  int ran = 0;
  for (int s = 0; s < 3; s++) {
    if (strata_kernels_force(isas[s]) != 0) {
      printf("kernels: this CPU has no %s; skipped\n", isas[s]);
      continue;
    }
    T_CHECK(strcmp(strata_kernels_isa(), isas[s]) == 0, "forced %s, runs %s", isas[s], strata_kernels_isa());
    ran++;
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++)
      for (size_t j = 0; j < sizeof ns / sizeof ns[0]; j++)
        for (size_t k = 0; k < sizeof ls / sizeof ls[0]; k++)
          for (int rm = 0; rm < 2; rm++) one_case(isas[s], ms[i], ns[j], ls[k], rm);
    for (int64_t m = 0; m <= 40; m++)
      for (int ne = 0; ne <= 3; ne++) colstats_case(isas[s], m, ne);
    colstats_case(isas[s], 1001, 7);
    /* m == 0: A*B leaves out alone, A^T*Z writes zeros */
    double o = 3.0, x[4] = {PAD, PAD, PAD, PAD};
    strata_tsmm_ab(0, 4, 1, NULL, 1, x, 1, 4, &o, 1);
    strata_tsmm_atb(0, 2, 2, NULL, 1, NULL, 1, x, 1, 2);
    T_CHECK(o == 3.0 && x[0] == 0 && x[1] == 0 && x[2] == 0 && x[3] == 0, "%s: empty rows", isas[s]);
  }
  strata_kernels_force(NULL);
  T_CHECK(ran >= 1 && strata_kernels_force("sse9") == -1, "ISA forcing");
  printf("kernels: run-time choice %s\n", strata_kernels_isa());
  int rc = strata_test_finish();
  MPI_Finalize();
  return rc;
}
