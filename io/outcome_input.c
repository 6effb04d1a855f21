/* The inputs of `strata outcome` (include/strata/outcome_input.h): the per-patient outcome from
 * obs columns and the sample-level predictors from a MOFA2 model's Z, obs columns and a view's
 * feature names.  Reading and checking only. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/mofa2.h"
#include "strata/outcome_input.h"
#include "strata/util.h"

static int find_col(const strata_cohort_t *co, const char *name) {
  for (int c = 0; c < co->ncols; c++)
    if (strcmp(co->cols[c].name, name) == 0) return c;
  return -1;
}

static int need_col(const strata_cohort_t *co, const char *opt, const char *name, int *out) {
  int st = STRATA_OK;
  *out = find_col(co, name);
  if (*out < 0) {
    char have[1024] = "";
    for (int i = 0; i < co->ncols; i++)
      snprintf(have + strlen(have), sizeof have - strlen(have), "%s%s", i ? ", " : "", co->cols[i].name);
    STRATA_FAIL(STRATA_ERR_INPUT, "%s: %s: no obs column '%s' (the cohort has: %s)", co->path, opt, name, have);
  }
cleanup:
  return st;
}

/* The obs columns of a comma list (up to max) into idx[*n]. */
static int need_cols(const strata_cohort_t *co, const char *opt, const char *list, int max, int *idx, int *n) {
  int st = STRATA_OK;
  char *copy = strdup(list), *save = NULL;
  *n = 0;
  if (!copy) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
  for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    if (*n == max) STRATA_FAIL(STRATA_ERR_USAGE, "%s lists more than %d columns", opt, max);
    STRATA_CHECK(need_col(co, opt, tok, &idx[*n]));
    (*n)++;
  }
cleanup:
  free(copy);
  return st;
}

/* Numeric value of obs column c at row i (NaN when missing); numbers stored as strings are
 * parsed.  *bad = 1 when a present string is not a number. */
static double col_value(const strata_column_t *c, int64_t i, int *bad) {
  *bad = 0;
  if (c->is_numeric) return c->num[i];
  const char *s = c->str[i];
  if (!s || !*s || strcmp(s, "NA") == 0 || strcmp(s, "nan") == 0 || strcmp(s, "NaN") == 0) return NAN;
  char *end;
  double v = strtod(s, &end);
  if (*end) { *bad = 1; return NAN; }
  return v;
}

/* The time of obs row i: the first of the nt columns tc with a value; checked. */
static int row_time(const strata_cohort_t *co, const int *tc, int nt, int64_t i, double *t) {
  int st = STRATA_OK, bad = 0;
  *t = NAN;
  for (int k = 0; k < nt && isnan(*t); k++) {
    *t = col_value(&co->cols[tc[k]], i, &bad);
    if (bad)
      STRATA_FAIL(STRATA_ERR_INPUT, "%s: obs row %lld (sample '%s'): --time column '%s' is '%s', not a number",
                  co->path, (long long)i + 1, co->obs_names[i], co->cols[tc[k]].name, co->cols[tc[k]].str[i]);
  }
  if (!isnan(*t) && (!isfinite(*t) || *t < 0))
    STRATA_FAIL(STRATA_ERR_INPUT, "%s: obs row %lld (sample '%s'): survival time %g is negative or infinite",
                co->path, (long long)i + 1, co->obs_names[i], *t);
cleanup:
  return st;
}

int strata_outcome_read_cases(const strata_cohort_t *co, const char *time_cols, const char *event_col,
                              const char *strata_col, strata_outcome_cases_t *c) {
  int st = STRATA_OK;
  int tc[8], nt = 0, ec = -1, sc = -1, nlev = 0;
  char **levels = NULL;
  int64_t *first = NULL, P = co->npatients;
  c->npatients = P;
  STRATA_MALLOC(c->time, P);
  STRATA_MALLOC(c->event, P);
  STRATA_MALLOC(c->stratum, P);
  STRATA_MALLOC(c->ok, P);
  STRATA_CHECK(need_cols(co, "--time", time_cols, 8, tc, &nt));
  STRATA_CHECK(need_col(co, "--event", event_col, &ec));
  if (strata_col) STRATA_CHECK(need_col(co, "--strata", strata_col, &sc));
  STRATA_MALLOC(first, P);
  STRATA_CALLOC(levels, co->nobs + 1);
  for (int64_t p = 0; p < P; p++) {
    c->time[p] = NAN;
    c->event[p] = c->stratum[p] = -1;
    first[p] = -1;
  }
  for (int64_t i = 0; i < co->nobs; i++) {
    int64_t p = co->patient[i];
    int bad = 0;
    double t;
    STRATA_CHECK(row_time(co, tc, nt, i, &t));
    double e = col_value(&co->cols[ec], i, &bad);
    if (bad || (!isnan(e) && e != 0 && e != 1))
      STRATA_FAIL(STRATA_ERR_INPUT, "%s: obs row %lld (sample '%s'): --event column '%s' must be 0 or 1, got '%s'",
                  co->path, (long long)i + 1, co->obs_names[i], event_col,
                  co->cols[ec].str[i] ? co->cols[ec].str[i] : "?");
    if (!isnan(t)) {
      if (!isnan(c->time[p]) && c->time[p] != t)
        STRATA_FAIL(STRATA_ERR_INPUT, "%s: patient '%s': obs rows %lld and %lld give survival times %g and %g",
                    co->path, co->patient_names[p], (long long)first[p] + 1, (long long)i + 1, c->time[p], t);
      c->time[p] = t;
      first[p] = i;
    }
    if (!isnan(e)) {
      if (c->event[p] >= 0 && c->event[p] != (int)e)
        STRATA_FAIL(STRATA_ERR_INPUT, "%s: patient '%s': its samples disagree on --event '%s' (obs row %lld)",
                    co->path, co->patient_names[p], event_col, (long long)i + 1);
      c->event[p] = (int)e;
    }
    if (sc >= 0 && co->cols[sc].str[i] && c->stratum[p] < 0) {
      const char *v = co->cols[sc].str[i];
      int l = 0;
      while (l < nlev && strcmp(levels[l], v) != 0) l++;
      if (l == nlev) levels[nlev++] = (char *)v;
      c->stratum[p] = l;
    }
  }
  c->missing = 0;
  for (int64_t p = 0; p < P; p++) {
    c->ok[p] = !isnan(c->time[p]) && c->event[p] >= 0 && (sc < 0 || c->stratum[p] >= 0);
    if (!c->ok[p]) c->missing++;
  }
  c->nstrata = sc >= 0 ? nlev : 0;
cleanup:
  free(first);
  free(levels);
  return st;
}

/* Z of the model at its samples' rows of the cohort (NaN elsewhere), columns Factor1..k. */
static int read_factors(const strata_cohort_t *co, const char *path, strata_outcome_preds_t *p, int *kz,
                        double **xs) {
  int st = STRATA_OK;
  char **zs = NULL;
  double *z = NULL;
  int64_t nz = 0, N = co->nobs, *zrow = NULL;
  STRATA_CHECK(strata_mofa2_read_z(path, &nz, kz, &zs, &z));
  STRATA_MALLOC(zrow, nz);
  for (int64_t j = 0; j < nz; j++) {
    zrow[j] = -1;
    for (int64_t i = 0; i < N; i++)
      if (strcmp(zs[j], co->obs_names[i]) == 0) { zrow[j] = i; break; }
    if (zrow[j] < 0)
      STRATA_FAIL(STRATA_ERR_INPUT, "%s: sample '%s' of the model is not in the cohort %s", path, zs[j], co->path);
  }
  STRATA_CALLOC(p->names, *kz);
  p->nrep = *kz;
  STRATA_MALLOC(*xs, N * *kz);
  for (int k = 0; k < *kz; k++) {
    char nb[32];
    snprintf(nb, sizeof nb, "Factor%d", k + 1);
    if (!(p->names[k] = strdup(nb))) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
    for (int64_t i = 0; i < N; i++) (*xs)[i + k * N] = NAN;
    for (int64_t j = 0; j < nz; j++) (*xs)[zrow[j] + k * N] = z[j + k * nz];
  }
cleanup:
  if (zs)
    for (int64_t j = 0; j < nz; j++) free(zs[j]);
  free(zs); free(z); free(zrow);
  return st;
}

int strata_outcome_read_preds(const strata_cohort_t *co, const char *factors, const char *obs,
                              const char *view, strata_outcome_preds_t *p) {
  int st = STRATA_OK, kz = 0, nobs_cols = 0, *obs_idx = NULL;
  double *zx = NULL;
  int64_t N = co->nobs;
  memset(p, 0, sizeof *p);
  p->vi = -1;
  if (factors) STRATA_CHECK(read_factors(co, factors, p, &kz, &zx));
  STRATA_MALLOC(obs_idx, 1024);
  if (obs) STRATA_CHECK(need_cols(co, "--obs", obs, 1024, obs_idx, &nobs_cols));
  p->nrep = kz + nobs_cols;
  if (view) {
    p->vi = strata_cohort_find_view(co, view);
    if (p->vi < 0) STRATA_FAIL(STRATA_ERR_INPUT, "%s: --view: no view '%s'", co->path, view);
    p->nview = co->views[p->vi].nvar;
  }
  char **names = realloc(p->names, sizeof *names * (size_t)(p->nrep + p->nview + 1));
  if (!names) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
  p->names = names;
  for (int64_t j = kz; j < p->nrep + p->nview; j++) names[j] = NULL;
  STRATA_MALLOC(p->xs, N * p->nrep);
  if (kz) memcpy(p->xs, zx, sizeof *zx * N * kz);
  for (int c = 0; c < nobs_cols; c++) {
    const strata_column_t *col = &co->cols[obs_idx[c]];
    names[kz + c] = strdup(col->name);
    for (int64_t i = 0; i < N; i++) {
      int bad = 0;
      p->xs[i + (kz + c) * N] = col_value(col, i, &bad);
      if (bad)
        STRATA_FAIL(STRATA_ERR_INPUT, "%s: obs row %lld (sample '%s'): --obs column '%s' is '%s', not a number",
                    co->path, (long long)i + 1, co->obs_names[i], col->name, col->str[i]);
    }
  }
  for (int64_t j = 0; j < p->nview; j++) {
    size_t len = strlen(view) + strlen(co->views[p->vi].var_names[j]) + 2;
    names[p->nrep + j] = malloc(len);
    if (names[p->nrep + j]) snprintf(names[p->nrep + j], len, "%s:%s", view, co->views[p->vi].var_names[j]);
  }
  for (int64_t j = 0; j < p->nrep + p->nview; j++)
    if (!names[j]) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
cleanup:
  free(obs_idx);
  free(zx);
  return st;
}

void strata_outcome_preds_free(strata_outcome_preds_t *p) {
  if (!p) return;
  if (p->names)
    for (int64_t j = 0; j < p->nrep + p->nview; j++) free(p->names[j]);
  free(p->names);
  free(p->xs);
  memset(p, 0, sizeof *p);
  p->vi = -1;
}
