/* Kaplan-Meier with Greenwood variance (survfit), the log-rank test (survdiff, rho = 0) and
 * Harrell's C (concordance).  Replicated computations on small data (patients, not features);
 * no file I/O. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "solvers/outcome/outcome_impl.h"
#include "strata/outcome.h"

/* ---- concordance ------------------------------------------------------------------------ */

int strata_concordance(const strata_surv_t *s, const double *score, strata_concordance_t *out) {
  int st = STRATA_OK;
  memset(out, 0, sizeof *out);
  STRATA_CHECK(strata_outcome_check_surv(s));
  for (int64_t i = 0; i < s->n; i++) {
    if (!isfinite(score[i])) continue;
    for (int64_t j = i + 1; j < s->n; j++) {
      if (!isfinite(score[j])) continue;
      if (s->strata && s->strata[i] != s->strata[j]) continue;
      int64_t a = i, b = j;  /* a: the shorter time */
      if (s->time[j] < s->time[i] || (s->time[j] == s->time[i] && s->event[j] > s->event[i])) {
        a = j;
        b = i;
      }
      if (!s->event[a]) continue;  /* the shorter is censored (or both censored at one time) */
      if (s->time[a] == s->time[b] && s->event[b]) {
        out->tied_time += 1;       /* two events at one time: not comparable */
        continue;
      }
      if (score[a] > score[b]) out->concordant += 1;
      else if (score[a] < score[b]) out->discordant += 1;
      else out->tied_score += 1;
    }
  }
  double tot = out->concordant + out->discordant + out->tied_score;
  /* (concordant + tied / 2) / tot, evaluated as concordancefit does for reverse = TRUE
   * (Somers' d of the reversed score, then 1 - (d + 1) / 2) so the double is R's to the bit */
  if (tot > 0) {
    double somer = (out->discordant - out->concordant) / tot;
    out->c = 1 - (somer + 1) / 2;
  } else {
    out->c = NAN;
  }
cleanup:
  return st;
}

/* ---- Kaplan-Meier ----------------------------------------------------------------------- */

void strata_km_free(strata_km_t *k) {
  if (!k) return;
  free(k->time); free(k->n_risk); free(k->n_event); free(k->n_censor);
  free(k->surv); free(k->std_err); free(k->lower); free(k->upper);
  memset(k, 0, sizeof *k);
}

static const strata_surv_t *km_ctx;
static int cmp_time_asc(const void *pa, const void *pb) {
  int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
  if (km_ctx->time[a] != km_ctx->time[b]) return km_ctx->time[a] < km_ctx->time[b] ? -1 : 1;
  return a < b ? -1 : a > b;
}

int strata_km_fit(const strata_surv_t *s, const int *group, int g, double conf_level, strata_km_t *out) {
  int st = STRATA_OK;
  int64_t *idx = NULL, m = 0;
  memset(out, 0, sizeof *out);
  STRATA_CHECK(strata_outcome_check_surv(s));
  if (!(conf_level > 0 && conf_level < 1))
    STRATA_FAIL(STRATA_ERR_INPUT, "km: confidence level %g is not in (0, 1)", conf_level);
  STRATA_MALLOC(idx, s->n);
  for (int64_t i = 0; i < s->n; i++)
    if (!group || group[i] == g) idx[m++] = i;
  km_ctx = s;
  qsort(idx, (size_t)m, sizeof *idx, cmp_time_asc);
  km_ctx = NULL;
  int64_t rows = 0;
  for (int64_t r = 0; r < m; r++)
    if (r == 0 || s->time[idx[r]] != s->time[idx[r - 1]]) rows++;
  out->m = rows;
  STRATA_MALLOC(out->time, rows); STRATA_MALLOC(out->n_risk, rows);
  STRATA_MALLOC(out->n_event, rows); STRATA_MALLOC(out->n_censor, rows);
  STRATA_MALLOC(out->surv, rows); STRATA_MALLOC(out->std_err, rows);
  STRATA_MALLOC(out->lower, rows); STRATA_MALLOC(out->upper, rows);
  double z = strata_qnorm(1 - (1 - conf_level) / 2), surv = 1, varhaz = 0;
  int64_t k = 0;
  for (int64_t r = 0; r < m;) {
    double t = s->time[idx[r]], d = 0, c = 0, nrisk = (double)(m - r);
    int64_t q = r;
    for (; q < m && s->time[idx[q]] == t; q++) {
      if (s->event[idx[q]]) d += 1;
      else c += 1;
    }
    if (d > 0) {
      surv *= (nrisk - d) / nrisk;
      varhaz += nrisk > d ? d / (nrisk * (nrisk - d)) : INFINITY;
    }
    out->time[k] = t;
    out->n_risk[k] = nrisk;
    out->n_event[k] = d;
    out->n_censor[k] = c;
    out->surv[k] = surv;
    out->std_err[k] = sqrt(varhaz);
    if (surv > 0) {
      double lo = exp(log(surv) - z * out->std_err[k]), hi = exp(log(surv) + z * out->std_err[k]);
      out->lower[k] = lo;
      out->upper[k] = hi < 1 ? hi : 1;
    } else {
      out->lower[k] = out->upper[k] = NAN;
    }
    k++;
    r = q;
  }
cleanup:
  if (st) strata_km_free(out);
  free(idx);
  return st;
}

/* ---- log-rank --------------------------------------------------------------------------- */

void strata_logrank_free(strata_logrank_t *l) {
  if (!l) return;
  free(l->n); free(l->observed); free(l->expected); free(l->var);
  memset(l, 0, sizeof *l);
}

int strata_logrank(const strata_surv_t *s, const int *group, int ngroups, strata_logrank_t *out) {
  int st = STRATA_OK, G = ngroups;
  int64_t *perm = NULL;
  double *nr = NULL, *dr = NULL, *a = NULL, *y = NULL;
  int *keep = NULL;
  memset(out, 0, sizeof *out);
  STRATA_CHECK(strata_outcome_check_surv(s));
  if (G < 2) STRATA_FAIL(STRATA_ERR_INPUT, "logrank: %d group(s), need at least 2", G);
  out->ngroups = G;
  STRATA_CALLOC(out->n, G); STRATA_CALLOC(out->observed, G); STRATA_CALLOC(out->expected, G);
  STRATA_CALLOC(out->var, (size_t)G * G);
  STRATA_CALLOC(nr, G); STRATA_CALLOC(dr, G); STRATA_CALLOC(keep, G);
  for (int64_t i = 0; i < s->n; i++) {
    if (group[i] >= G) STRATA_FAIL(STRATA_ERR_INPUT, "logrank: patient %lld: group %d >= %d", (long long)i + 1, group[i], G);
    if (group[i] >= 0) out->n[group[i]] += 1;
  }
  /* risk order: stratum, time descending; walk each stratum's times from the largest, the
   * numbers at risk being everyone with time >= t */
  STRATA_MALLOC(perm, s->n);
  STRATA_CHECK(strata_outcome_risk_order(s, perm));
  for (int64_t i = 0; i < s->n;) {
    int64_t pi = perm[i];
    int sti = s->strata ? s->strata[pi] : 0;
    if (i == 0 || sti != (s->strata ? s->strata[perm[i - 1]] : 0))
      for (int j = 0; j < G; j++) nr[j] = 0;
    for (int j = 0; j < G; j++) dr[j] = 0;
    int64_t q = i;
    for (; q < s->n; q++) {
      int64_t pq = perm[q];
      if ((s->strata ? s->strata[pq] : 0) != sti || s->time[pq] != s->time[pi]) break;
      if (group[pq] < 0) continue;
      nr[group[pq]] += 1;
      if (s->event[pq]) dr[group[pq]] += 1;
    }
    double n = 0, d = 0;
    for (int j = 0; j < G; j++) { n += nr[j]; d += dr[j]; }
    if (d > 0) {
      for (int j = 0; j < G; j++) {
        out->observed[j] += dr[j];
        out->expected[j] += d * nr[j] / n;
      }
      if (n > 1) {
        double kk = d * (n - d) / (n - 1);
        for (int j = 0; j < G; j++)
          for (int l = 0; l < G; l++)
            out->var[j + l * G] += kk * nr[j] / n * ((j == l) - nr[l] / n);
      }
    }
    i = q;
  }
  /* survdiff: groups with expected 0 are dropped, then the first remaining one */
  int nk = 0, first = -1;
  for (int j = 0; j < G; j++)
    if (out->expected[j] > 0) {
      if (first < 0) first = j;
      else keep[nk++] = j;
    }
  out->df = nk;
  if (nk < 1) {
    out->chisq = 0;
    out->p = NAN;
    goto cleanup;
  }
  STRATA_MALLOC(a, (size_t)nk * nk);
  STRATA_MALLOC(y, nk);
  for (int r = 0; r < nk; r++) {
    y[r] = out->observed[keep[r]] - out->expected[keep[r]];
    for (int c = 0; c < nk; c++) a[r + c * nk] = out->var[keep[r] + keep[c] * G];
  }
  /* Gaussian elimination with partial pivoting on the small symmetric system a z = y */
  double *z = NULL;
  STRATA_MALLOC(z, nk);
  memcpy(z, y, sizeof *y * nk);
  for (int c = 0; c < nk; c++) {
    int piv = c;
    for (int r = c + 1; r < nk; r++)
      if (fabs(a[r + c * nk]) > fabs(a[piv + c * nk])) piv = r;
    if (a[piv + c * nk] == 0) {
      free(z);
      STRATA_FAIL(STRATA_ERR_INPUT, "logrank: the variance matrix is singular");
    }
    if (piv != c) {
      for (int k = 0; k < nk; k++) {
        double t = a[c + k * nk]; a[c + k * nk] = a[piv + k * nk]; a[piv + k * nk] = t;
      }
      double t = z[c]; z[c] = z[piv]; z[piv] = t;
    }
    for (int r = c + 1; r < nk; r++) {
      double f = a[r + c * nk] / a[c + c * nk];
      for (int k = c; k < nk; k++) a[r + k * nk] -= f * a[c + k * nk];
      z[r] -= f * z[c];
    }
  }
  for (int c = nk - 1; c >= 0; c--) {
    double t = z[c];
    for (int k = c + 1; k < nk; k++) t -= a[c + k * nk] * z[k];
    z[c] = t / a[c + c * nk];
  }
  out->chisq = 0;
  for (int r = 0; r < nk; r++) out->chisq += z[r] * y[r];
  free(z);
  out->p = strata_pchisq_upper(out->chisq, out->df);
cleanup:
  if (st) strata_logrank_free(out);
  free(perm); free(nr); free(dr); free(keep); free(a); free(y);
  return st;
}
