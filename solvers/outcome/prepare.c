/* The patient-level data of an outcome analysis (include/strata/outcome.h): sample values to
 * patients by a rule, the patients with an outcome, the complete cases of a multivariable
 * model, the choice of predictors, a predictor column held by one rank, and the median split of
 * a risk score with its C-index, Kaplan-Meier curves and log-rank test.  Numbers only. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "strata/outcome.h"

const char *strata_outcome_rule_name(int rule) {
  static const char *names[] = {"mean", "max", "min"};
  return rule >= 0 && rule < 3 ? names[rule] : "unknown";
}

int strata_outcome_rule_parse(const char *s) {
  for (int r = 0; r < 3; r++)
    if (strcmp(s, strata_outcome_rule_name(r)) == 0) return r;
  return -1;
}

int strata_outcome_to_patients(int64_t nobs, const int32_t *patient, int64_t npatients, int rule,
                               const double *v, double *out) {
  int st = STRATA_OK;
  int64_t *cnt = NULL;
  STRATA_CALLOC(cnt, npatients);
  for (int64_t p = 0; p < npatients; p++) out[p] = NAN;
  for (int64_t i = 0; i < nobs; i++) {
    if (!isfinite(v[i])) continue;
    int64_t p = patient[i];
    if (cnt[p] == 0) out[p] = v[i];
    else if (rule == STRATA_OUTCOME_MEAN) out[p] += v[i];
    else if (rule == STRATA_OUTCOME_MAX) out[p] = v[i] > out[p] ? v[i] : out[p];
    else out[p] = v[i] < out[p] ? v[i] : out[p];
    cnt[p]++;
  }
  if (rule == STRATA_OUTCOME_MEAN)
    for (int64_t p = 0; p < npatients; p++)
      if (cnt[p] > 0) out[p] /= (double)cnt[p];
cleanup:
  free(cnt);
  return st;
}

int strata_outcome_block_to_patients(int64_t nobs, const int32_t *patient, int64_t npatients, int rule,
                                     int64_t mloc, const int64_t *rows, const double *a, int64_t nloc,
                                     int64_t n, const int64_t *pidx, double *out) {
  int st = STRATA_OK;
  double *full = NULL, *pat = NULL;
  STRATA_MALLOC(full, nobs + 1);
  STRATA_MALLOC(pat, npatients + 1);
  for (int64_t j = 0; j < nloc; j++) {
    for (int64_t i = 0; i < nobs; i++) full[i] = NAN;
    for (int64_t r = 0; r < mloc; r++) full[rows[r]] = a[r + j * mloc];
    STRATA_CHECK(strata_outcome_to_patients(nobs, patient, npatients, rule, full, pat));
    for (int64_t i = 0; i < n; i++) out[i + j * n] = pat[pidx[i]];
  }
cleanup:
  free(full);
  free(pat);
  return st;
}

int strata_outcome_cases_select(strata_outcome_cases_t *c, int64_t nrep, double *x) {
  int st = STRATA_OK;
  int64_t P = c->npatients, n = 0;
  c->nev = 0;
  STRATA_MALLOC(c->ptime, P);
  STRATA_MALLOC(c->pevent, P);
  STRATA_MALLOC(c->pstrat, P);
  STRATA_MALLOC(c->pidx, P);
  for (int64_t p = 0; p < P; p++)
    if (c->ok[p]) {
      c->pidx[n] = p;
      c->ptime[n] = c->time[p];
      c->pevent[n] = c->event[p];
      c->pstrat[n] = c->stratum[p];
      for (int64_t j = 0; j < nrep; j++) x[n + j * P] = x[p + j * P];
      c->nev += c->event[p];
      n++;
    }
  c->n = n;
  for (int64_t j = 1; j < nrep; j++) memmove(x + j * n, x + j * P, sizeof *x * n);
cleanup:
  return st;
}

void strata_outcome_cases_free(strata_outcome_cases_t *c) {
  if (!c) return;
  free(c->time); free(c->event); free(c->stratum); free(c->ok);
  free(c->ptime); free(c->pevent); free(c->pstrat); free(c->pidx);
  memset(c, 0, sizeof *c);
}

int strata_outcome_column(MPI_Comm comm, int64_t j, int64_t nrep, const double *xp, int64_t n,
                          const int64_t *blk, const double *xv, double *out) {
  int st = STRATA_OK, rank, size;
  if (j < nrep) {
    memcpy(out, xp + j * n, sizeof *out * n);
    goto cleanup;
  }
  STRATA_MPI_CHECK(MPI_Comm_rank(comm, &rank));
  STRATA_MPI_CHECK(MPI_Comm_size(comm, &size));
  int64_t jj = j - nrep;
  int owner = 0;
  while (owner < size - 1 && !(jj < blk[2 * owner] + blk[2 * owner + 1])) owner++;
  if (rank == owner) memcpy(out, xv + (jj - blk[2 * owner]) * n, sizeof *out * n);
  if (n > INT32_MAX) STRATA_FAIL(STRATA_ERR_INPUT, "%lld patients exceed one broadcast", (long long)n);
  STRATA_MPI_CHECK(MPI_Bcast(out, (int)n, MPI_DOUBLE, owner, comm));
cleanup:
  return st;
}

int strata_outcome_select(int64_t npred, char *const *names, const strata_cox_row_t *rows,
                          const char *spec, int *sel, int *nsel) {
  int st = STRATA_OK;
  char *list = NULL, *save = NULL;
  *nsel = 0;
  if (spec ? strcmp(spec, "all") == 0 : npred <= 20) {
    for (int64_t j = 0; j < npred; j++)
      if (rows[j].flag != STRATA_COX_CONSTANT && rows[j].flag != STRATA_COX_NO_EVENTS &&
          rows[j].flag != STRATA_COX_INFINITE)
        sel[(*nsel)++] = (int)j;
  } else if (spec && strcmp(spec, "none") != 0) {
    list = strdup(spec);
    if (!list) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
    for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
      int64_t j = 0;
      while (j < npred && strcmp(names[j], tok) != 0) j++;
      if (j == npred) STRATA_FAIL(STRATA_ERR_USAGE, "--multivariable: '%s' is not a predictor", tok);
      sel[(*nsel)++] = (int)j;
    }
  }
cleanup:
  free(list);
  return st;
}

int strata_cox_fit_complete(const strata_surv_t *s, int p, const double *x, const strata_cox_opts_t *opts,
                            int *ok, strata_cox_fit_t *out) {
  int st = STRATA_OK;
  int64_t n = s->n, m = 0;
  double *mt = NULL, *mx = NULL;
  int *me = NULL, *ms = NULL;
  for (int64_t i = 0; i < n; i++) {
    ok[i] = 1;
    for (int k = 0; k < p; k++) ok[i] &= isfinite(x[i + k * n]) != 0;
    m += ok[i];
  }
  STRATA_MALLOC(mt, m + 1);
  STRATA_MALLOC(me, m + 1);
  STRATA_MALLOC(ms, m + 1);
  STRATA_MALLOC(mx, m * p);
  for (int64_t i = 0, r = 0; i < n; i++)
    if (ok[i]) {
      mt[r] = s->time[i];
      me[r] = s->event[i];
      ms[r] = s->strata ? s->strata[i] : 0;
      for (int k = 0; k < p; k++) mx[r + k * m] = x[i + k * n];
      r++;
    }
  strata_surv_t sm = {m, mt, me, s->strata ? ms : NULL};
  STRATA_CHECK(strata_cox_fit(&sm, p, mx, opts, out));
cleanup:
  free(mt); free(me); free(ms); free(mx);
  return st;
}

int strata_outcome_pick(int64_t npred, char *const *names, const strata_cox_row_t *rows, const char *name,
                        int64_t *best) {
  int st = STRATA_OK;
  *best = -1;
  if (name) {
    for (int64_t j = 0; j < npred; j++)
      if (strcmp(names[j], name) == 0) *best = j;
    if (*best < 0) STRATA_FAIL(STRATA_ERR_USAGE, "--score: '%s' is not a predictor or 'multivariable'", name);
  } else {
    for (int64_t j = 0; j < npred; j++)
      if (!isnan(rows[j].p_lr) && (*best < 0 || rows[j].p_lr < rows[*best].p_lr)) *best = j;
  }
cleanup:
  return st;
}

void strata_outcome_linear_predictor(int64_t n, int p, const double *x, const double *coef, const int *ok,
                                     double *score) {
  for (int64_t i = 0; i < n; i++) {
    double e = 0;
    for (int k = 0; k < p; k++) e += isnan(coef[k]) ? 0 : coef[k] * x[i + k * n];
    score[i] = ok[i] ? e : NAN;
  }
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int strata_outcome_split(const strata_surv_t *s, const double *score, strata_outcome_split_t *out) {
  int st = STRATA_OK;
  int64_t n = s->n, nsc = 0;
  double *sorted = NULL;
  int *group = NULL;
  memset(out, 0, sizeof *out);
  out->conc.c = NAN;
  out->median = NAN;
  STRATA_MALLOC(sorted, n);
  STRATA_MALLOC(group, n);
  for (int64_t i = 0; i < n; i++)
    if (isfinite(score[i])) sorted[nsc++] = score[i];
  if (nsc >= 2) {
    qsort(sorted, (size_t)nsc, sizeof *sorted, cmp_double);
    double med = nsc % 2 ? sorted[nsc / 2] : (sorted[nsc / 2 - 1] + sorted[nsc / 2]) / 2;
    int64_t hi = 0;
    for (int64_t i = 0; i < n; i++) {
      group[i] = isfinite(score[i]) ? (score[i] > med ? 1 : 0) : -1;
      hi += group[i] == 1;
    }
    STRATA_CHECK(strata_concordance(s, score, &out->conc));
    if (hi > 0 && hi < nsc) {
      out->ngroups = 2;
      for (int g = 0; g < 2; g++) STRATA_CHECK(strata_km_fit(s, group, g, 0.95, &out->km[g]));
      STRATA_CHECK(strata_logrank(s, group, 2, &out->lr));
    }
    out->median = med;
    out->has_median = 1;
  }
cleanup:
  free(sorted);
  free(group);
  return st;
}

void strata_outcome_split_free(strata_outcome_split_t *s) {
  if (!s) return;
  strata_km_free(&s->km[0]);
  strata_km_free(&s->km[1]);
  strata_logrank_free(&s->lr);
}
