/* What the outcome models share: input checks, the risk-set order, and the chi-square and
 * normal distribution functions for p-values and intervals.  No model here. */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "solvers/outcome/outcome_impl.h"
#include "strata/outcome.h"

int strata_outcome_check_surv(const strata_surv_t *s) {
  int st = STRATA_OK;
  if (!s || s->n < 1) STRATA_FAIL(STRATA_ERR_INPUT, "outcome: no patients");
  for (int64_t i = 0; i < s->n; i++) {
    if (!isfinite(s->time[i]) || s->time[i] < 0)
      STRATA_FAIL(STRATA_ERR_INPUT, "outcome: patient %lld: time %g is negative or not finite",
                  (long long)i + 1, s->time[i]);
    if (s->event[i] != 0 && s->event[i] != 1)
      STRATA_FAIL(STRATA_ERR_INPUT, "outcome: patient %lld: event %d is not 0 or 1", (long long)i + 1,
                  s->event[i]);
    if (s->strata && s->strata[i] < 0)
      STRATA_FAIL(STRATA_ERR_INPUT, "outcome: patient %lld: stratum %d is negative", (long long)i + 1,
                  s->strata[i]);
  }
cleanup:
  return st;
}

static const strata_surv_t *sort_ctx;
static int cmp_risk(const void *pa, const void *pb) {
  int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
  const strata_surv_t *s = sort_ctx;
  int sa = s->strata ? s->strata[a] : 0, sb = s->strata ? s->strata[b] : 0;
  if (sa != sb) return sa < sb ? -1 : 1;
  if (s->time[a] != s->time[b]) return s->time[a] > s->time[b] ? -1 : 1;
  return a < b ? -1 : a > b;  /* stable: the result does not depend on qsort */
}

/* Patients ordered by stratum, then time descending (ties by index). */
int strata_outcome_risk_order(const strata_surv_t *s, int64_t *perm) {
  for (int64_t i = 0; i < s->n; i++) perm[i] = i;
  sort_ctx = s;
  qsort(perm, (size_t)s->n, sizeof *perm, cmp_risk);
  sort_ctx = NULL;
  return STRATA_OK;
}

/* ---- distributions ---------------------------------------------------------------------- */

/* Regularised upper incomplete gamma Q(a, x): series for x < a + 1, Lentz's continued fraction
 * otherwise. */
static double gamma_q(double a, double x) {
  if (x <= 0) return 1;
  double lg = lgamma(a);
  if (x < a + 1) {
    double ap = a, sum = 1 / a, del = sum;
    for (int n = 0; n < 10000; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (fabs(del) < fabs(sum) * 1e-17) break;
    }
    return 1 - sum * exp(-x + a * log(x) - lg);
  }
  double b = x + 1 - a, c = 1 / DBL_MIN, d = 1 / b, h = d;
  for (int i = 1; i < 10000; i++) {
    double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (fabs(d) < DBL_MIN) d = DBL_MIN;
    c = b + an / c;
    if (fabs(c) < DBL_MIN) c = DBL_MIN;
    d = 1 / d;
    double del = d * c;
    h *= del;
    if (fabs(del - 1) < 1e-17) break;
  }
  return exp(-x + a * log(x) - lg) * h;
}

double strata_pchisq_upper(double x, int df) {
  if (isnan(x) || df <= 0) return NAN;
  if (x <= 0) return 1;
  if (df == 1) return erfc(sqrt(x / 2));
  if (df == 2) return exp(-x / 2);
  return gamma_q(df / 2.0, x / 2);
}

/* Acklam's rational approximation refined by one Halley step on erfc. */
double strata_qnorm(double p) {
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  if (!(p > 0 && p < 1)) return NAN;
  double q, x;
  if (p < 0.02425) {
    q = sqrt(-2 * log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p > 1 - 0.02425) {
    q = sqrt(-2 * log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else {
    q = p - 0.5;
    double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  for (int it = 0; it < 2; it++) {
    double e = 0.5 * erfc(-x / sqrt(2)) - p;
    double u = e * sqrt(2 * M_PI) * exp(x * x / 2);
    x = x - u / (1 + x * u / 2);
  }
  return x;
}
