/* Outcome models (solvers/outcome/) against R's survival package: the reference values in
 * data/reference.tsv were written by make_fixtures.R (coxph, concordance, survfit, survdiff on
 * slices of the miniACC clinical table, data/README.md); coefficients, SEs and test statistics
 * to 1e-6, C-index exact, Kaplan-Meier and Greenwood to 1e-10, log-rank chi-square to 1e-8.
 * The univariable table, split over ranks, must equal rank-local strata_cox_fit calls to 1e-12
 * at any rank count (np 1, 2, 4).  Also: a constant predictor is NA with a flag, separating
 * predictors are flagged INFINITE, all-censored data and negative times are bad input.
 * Usage: test_outcome DATA_DIR */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "strata/outcome.h"

static int g_rank, g_size;

/* ---- reference values ------------------------------------------------------------------- */
typedef struct { char key[128]; double v; } kv_t;
static kv_t *g_ref;
static int g_nref;

static double parse_num(const char *s) {
  if (strcmp(s, "NA") == 0) return NAN;
  if (strcmp(s, "Inf") == 0) return INFINITY;
  if (strcmp(s, "-Inf") == 0) return -INFINITY;
  return strtod(s, NULL);
}

static int load_ref(const char *path) {
  FILE *f = fopen(path, "r");
  char line[512];
  if (!f) return -1;
  int cap = 8192;
  g_ref = malloc(sizeof *g_ref * cap);
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#') continue;
    char *tab = strchr(line, '\t');
    if (!tab) continue;
    *tab = '\0';
    if (g_nref == cap) g_ref = realloc(g_ref, sizeof *g_ref * (cap *= 2));
    size_t kl = strlen(line);
    if (kl >= sizeof g_ref[g_nref].key) kl = sizeof g_ref[g_nref].key - 1;
    memcpy(g_ref[g_nref].key, line, kl);
    g_ref[g_nref].key[kl] = '\0';
    tab[strcspn(tab + 1, "\r\n") + 1] = '\0';
    g_ref[g_nref++].v = parse_num(tab + 1);
  }
  fclose(f);
  return 0;
}

/* The reference value of a key; missing keys fail the test and return NaN. */
static int ref_has(const char *key) {
  for (int i = 0; i < g_nref; i++)
    if (strcmp(g_ref[i].key, key) == 0) return 1;
  return 0;
}
static double ref(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static double ref(const char *fmt, ...) {
  char key[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(key, sizeof key, fmt, ap);
  va_end(ap);
  for (int i = 0; i < g_nref; i++)
    if (strcmp(g_ref[i].key, key) == 0) return g_ref[i].v;
  T_CHECK(0, "no reference value '%s'", key);
  return NAN;
}

/* both NaN, both the same infinity, or |a-b| <= tol max(1,|b|) */
#define T_SAME(a, b, tol, ...)                                                              \
  do {                                                                                      \
    double a_ = (a), b_ = (b);                                                              \
    int ok_ = (isnan(a_) && isnan(b_)) || (isinf(a_) && a_ == b_) ||                        \
              fabs(a_ - b_) <= (tol) * fmax(1.0, fabs(b_));                                 \
    char w_[200];                                                                           \
    snprintf(w_, sizeof w_, __VA_ARGS__);                                                   \
    T_CHECK(ok_, "%s: %.17g vs R %.17g (tol %g)", w_, a_, b_, (double)(tol));               \
  } while (0)

/* ---- data sets -------------------------------------------------------------------------- */
enum { MAXP = 16 };
typedef struct {
  int64_t n;
  double *time;
  int *event, *stratum, *g2, *g3;
  int np;
  char names[MAXP][32];
  double *x;  /* n x np column-major, NaN missing */
} data_t;

static int load_data(const char *path, data_t *d) {
  FILE *f = fopen(path, "r");
  char line[4096];
  memset(d, 0, sizeof *d);
  if (!f || !fgets(line, sizeof line, f)) return -1;
  /* header: time event stratum g2 g3 preds... */
  int col = 0;
  for (char *tok = strtok(line, "\t\r\n"); tok; tok = strtok(NULL, "\t\r\n"), col++)
    if (col >= 5 && d->np < MAXP) snprintf(d->names[d->np++], 32, "%s", tok);
  int cap = 64;
  d->time = malloc(sizeof(double) * cap);
  d->event = malloc(sizeof(int) * cap); d->stratum = malloc(sizeof(int) * cap);
  d->g2 = malloc(sizeof(int) * cap); d->g3 = malloc(sizeof(int) * cap);
  double *rows = malloc(sizeof(double) * cap * MAXP);
  while (fgets(line, sizeof line, f)) {
    if (d->n == cap) {
      cap *= 2;
      d->time = realloc(d->time, sizeof(double) * cap);
      d->event = realloc(d->event, sizeof(int) * cap); d->stratum = realloc(d->stratum, sizeof(int) * cap);
      d->g2 = realloc(d->g2, sizeof(int) * cap); d->g3 = realloc(d->g3, sizeof(int) * cap);
      rows = realloc(rows, sizeof(double) * cap * MAXP);
    }
    col = 0;
    for (char *tok = strtok(line, "\t\r\n"); tok; tok = strtok(NULL, "\t\r\n"), col++) {
      double v = parse_num(tok);
      if (col == 0) d->time[d->n] = v;
      else if (col == 1) d->event[d->n] = (int)v;
      else if (col == 2) d->stratum[d->n] = (int)v;
      else if (col == 3) d->g2[d->n] = (int)v;
      else if (col == 4) d->g3[d->n] = (int)v;
      else if (col - 5 < MAXP) rows[d->n * MAXP + col - 5] = v;
    }
    d->n++;
  }
  fclose(f);
  d->x = malloc(sizeof(double) * d->n * d->np);
  for (int64_t i = 0; i < d->n; i++)
    for (int k = 0; k < d->np; k++) d->x[i + k * d->n] = rows[i * MAXP + k];
  free(rows);
  return 0;
}

static int pred_index(const data_t *d, const char *name) {
  for (int k = 0; k < d->np; k++)
    if (strcmp(d->names[k], name) == 0) return k;
  return -1;
}

/* ---- checks ----------------------------------------------------------------------------- */
static const char *ties_name(int ties) { return ties == STRATA_COX_EFRON ? "efron" : "breslow"; }

static void check_univariable(const char *set, const data_t *d, int ties, int stratified) {
  strata_surv_t s = {d->n, d->time, d->event, stratified ? d->stratum : NULL};
  strata_cox_opts_t o;
  strata_cox_opts_default(&o);
  o.ties = ties;
  strata_cox_row_t *rows = calloc((size_t)d->np, sizeof *rows);
  int st = strata_cox_univariable(MPI_COMM_WORLD, &s, d->np, d->x, &o, rows);
  T_CHECK(st == STRATA_OK, "%s univariable: status %d (%s)", set, st, strata_err_msg());
  if (st) { free(rows); return; }
  const char *sfx = stratified ? ".strata" : "";
  for (int k = 0; k < d->np; k++) {
    const char *p = d->names[k];
    char pre[160];
    snprintf(pre, sizeof pre, "%s.%s.uni.%s%s", set, ties_name(ties), p, sfx);
    strata_cox_row_t *r = &rows[k];
    T_CHECK(r->n == (int64_t)ref("%s.n", pre), "%s n %lld", pre, (long long)r->n);
    T_CHECK(r->events == (int64_t)ref("%s.events", pre), "%s events %lld", pre, (long long)r->events);
    double rc = ref("%s.coef", pre);
    if (isnan(rc)) {
      /* coxph: NA coefficient (a constant predictor); strata reports it with a flag */
      T_CHECK(r->flag == STRATA_COX_CONSTANT && isnan(r->coef), "%s: constant predictor flag %d coef %g",
              pre, r->flag, r->coef);
      T_CHECK(isnan(r->q_bh), "%s: q of an NA row must be NA", pre);
      continue;
    }
    if (strcmp(p, "sep") == 0) {
      /* a separating predictor: the estimate diverges; it must be flagged, never a plain HR */
      T_CHECK(r->flag == STRATA_COX_INFINITE, "%s: separating predictor not flagged (flag %d, coef %g)",
              pre, r->flag, r->coef);
      continue;
    }
    if (ref("%s.infinite", pre) == 1) {
      T_CHECK(r->flag == STRATA_COX_INFINITE, "%s: coxph warns 'may be infinite', flag %d", pre, r->flag);
      continue;
    }
    T_CHECK(r->flag == STRATA_COX_OK, "%s: flag %d", pre, r->flag);
    T_SAME(r->coef, rc, 1e-6, "%s coef", pre);
    T_SAME(r->se, ref("%s.se", pre), 1e-6, "%s se", pre);
    T_SAME(r->z * r->z, ref("%s.wald", pre), 1e-6, "%s wald", pre);
    T_SAME(r->lr, ref("%s.lr", pre), 1e-6, "%s lr", pre);
    T_SAME(r->score, ref("%s.score", pre), 1e-6, "%s score", pre);
    T_SAME(r->p_wald, ref("%s.p_wald", pre), 1e-6, "%s p_wald", pre);
    T_SAME(r->hr, exp(rc), 1e-6, "%s hr", pre);
    T_SAME(r->hr_low, exp(rc - 1.959963984540054 * ref("%s.se", pre)), 1e-6, "%s hr_low", pre);
    T_SAME(r->hr_high, exp(rc + 1.959963984540054 * ref("%s.se", pre)), 1e-6, "%s hr_high", pre);
  }
  /* Benjamini-Hochberg over the LR p-values (unstratified Efron table) */
  if (!stratified && ties == STRATA_COX_EFRON) {
    int sep = pred_index(d, "sep");
    for (int k = 0; k < d->np; k++) {
      if (k == sep) continue;
      T_SAME(rows[k].p_lr, ref("%s.efron.uni.p_lr.%d", set, k + 1), 1e-6, "%s %s p_lr", set, d->names[k]);
      T_SAME(rows[k].q_bh, ref("%s.efron.uni.q_bh.%d", set, k + 1), 1e-6, "%s %s q_bh", set, d->names[k]);
    }
  }
  /* the sharded form with uneven blocks (rank r holds [np r^2 / size^2, ...)) gives the same rows */
  {
    int64_t lo = (int64_t)d->np * g_rank * g_rank / (g_size * g_size);
    int64_t hi = (int64_t)d->np * (g_rank + 1) * (g_rank + 1) / (g_size * g_size);
    strata_cox_row_t *rb = calloc((size_t)d->np, sizeof *rb);
    int bst = strata_cox_univariable_block(MPI_COMM_WORLD, &s, d->np, lo, hi - lo, d->x + lo * d->n, &o, rb);
    T_CHECK(bst == STRATA_OK, "%s block form: status %d", set, bst);
    for (int k = 0; k < d->np && !bst; k++)
      T_CHECK((rb[k].coef == rows[k].coef || (isnan(rb[k].coef) && isnan(rows[k].coef))) &&
                  (rb[k].q_bh == rows[k].q_bh || (isnan(rb[k].q_bh) && isnan(rows[k].q_bh))) &&
                  rb[k].flag == rows[k].flag && rb[k].n == rows[k].n,
              "%s %s: block form differs", set, d->names[k]);
    free(rb);
  }
  /* rank-count independence: each row equals a rank-local fit of the same patients */
  for (int k = 0; k < d->np; k++) {
    int64_t m = 0;
    double *xk = malloc(sizeof(double) * d->n), *tk = malloc(sizeof(double) * d->n);
    int *ek = malloc(sizeof(int) * d->n), *sk = malloc(sizeof(int) * d->n);
    for (int64_t i = 0; i < d->n; i++)
      if (isfinite(d->x[i + k * d->n])) {
        xk[m] = d->x[i + k * d->n]; tk[m] = d->time[i]; ek[m] = d->event[i]; sk[m] = d->stratum[i];
        m++;
      }
    strata_surv_t sk_s = {m, tk, ek, stratified ? sk : NULL};
    strata_cox_fit_t f;
    int fst = strata_cox_fit(&sk_s, 1, xk, &o, &f);
    if (fst == STRATA_OK && rows[k].flag != STRATA_COX_CONSTANT && rows[k].flag != STRATA_COX_NO_EVENTS) {
      T_SAME(rows[k].coef, f.coef[0], 1e-12, "%s %s: table vs local fit coef", set, d->names[k]);
      T_SAME(rows[k].se, f.se[0], 1e-12, "%s %s: table vs local fit se", set, d->names[k]);
      T_SAME(rows[k].lr, f.lr, 1e-12, "%s %s: table vs local fit lr", set, d->names[k]);
      T_CHECK(rows[k].flag == f.status, "%s %s: table flag %d vs local %d", set, d->names[k], rows[k].flag, f.status);
    } else if (fst == STRATA_OK) {
      T_CHECK(f.status == STRATA_COX_CONSTANT, "%s %s: local fit of a constant predictor: status %d",
              set, d->names[k], f.status);
    }
    strata_cox_fit_free(&f);
    free(xk); free(tk); free(ek); free(sk);
  }
  free(rows);
}

static void check_multivariable(const char *set, const data_t *d, int ties, int stratified) {
  const char *use[3] = {"age", "doublings", "ads"};
  int p = 3, idx[3];
  for (int k = 0; k < p; k++) idx[k] = pred_index(d, use[k]);
  double *x = malloc(sizeof(double) * d->n * p), *t = malloc(sizeof(double) * d->n);
  int *e = malloc(sizeof(int) * d->n), *sg = malloc(sizeof(int) * d->n);
  int64_t m = 0;
  for (int64_t i = 0; i < d->n; i++) {
    int ok = 1;
    for (int k = 0; k < p; k++) ok = ok && isfinite(d->x[i + idx[k] * d->n]);
    if (!ok) continue;
    t[m] = d->time[i]; e[m] = d->event[i]; sg[m] = d->stratum[i];
    m++;
  }
  int64_t r = 0;
  for (int64_t i = 0; i < d->n; i++) {
    int ok = 1;
    for (int k = 0; k < p; k++) ok = ok && isfinite(d->x[i + idx[k] * d->n]);
    if (!ok) continue;
    for (int k = 0; k < p; k++) x[r + k * m] = d->x[i + idx[k] * d->n];
    r++;
  }
  strata_surv_t s = {m, t, e, stratified ? sg : NULL};
  strata_cox_opts_t o;
  strata_cox_opts_default(&o);
  o.ties = ties;
  strata_cox_fit_t f;
  char pre[128];
  snprintf(pre, sizeof pre, "%s.%s.multi", set, ties_name(ties));
  int st = strata_cox_fit(&s, p, x, &o, &f);
  T_CHECK(st == STRATA_OK, "%s: status %d %s", pre, st, strata_err_msg());
  if (!st) {
    T_CHECK(f.n == (int64_t)ref("%s.n", pre), "%s n %lld", pre, (long long)f.n);
    T_CHECK(f.status == STRATA_COX_OK && f.converged, "%s status %d (%s)", pre, f.status, f.reason);
    for (int k = 0; k < p; k++) {
      T_SAME(f.coef[k], ref("%s.coef.%d", pre, k + 1), 1e-6, "%s coef %s", pre, use[k]);
      T_SAME(f.se[k], ref("%s.se.%d", pre, k + 1), 1e-6, "%s se %s", pre, use[k]);
    }
    T_SAME(f.loglik0, ref("%s.loglik0", pre), 1e-6, "%s loglik0", pre);
    T_SAME(f.loglik, ref("%s.loglik", pre), 1e-6, "%s loglik", pre);
    T_SAME(f.wald, ref("%s.wald", pre), 1e-6, "%s wald", pre);
    T_SAME(f.lr, ref("%s.lr", pre), 1e-6, "%s lr", pre);
    T_SAME(f.score, ref("%s.score", pre), 1e-6, "%s score", pre);
    T_CHECK(f.df == 3, "%s df %d", pre, f.df);
  }
  strata_cox_fit_free(&f);
  /* a constant column in a multivariable model: NA with a reason, the others still fitted */
  double *x2 = malloc(sizeof(double) * m * 2);
  for (int64_t i = 0; i < m; i++) { x2[i] = x[i]; x2[i + m] = 3.5; }
  st = strata_cox_fit(&s, 2, x2, &o, &f);
  T_CHECK(st == STRATA_OK && f.status == STRATA_COX_CONSTANT && isnan(f.coef[1]) && isfinite(f.coef[0]) &&
              f.df == 1 && strstr(f.reason, "variable 2"),
          "%s: constant column: st %d status %d reason '%s'", pre, st, f.status, f.reason);
  strata_cox_fit_free(&f);
  free(x2); free(x); free(t); free(e); free(sg);
}

static void check_concordance(const char *set, const data_t *d) {
  int k = pred_index(d, "age");
  for (int str = 0; str < 2; str++) {
    strata_surv_t s = {d->n, d->time, d->event, str ? d->stratum : NULL};
    strata_concordance_t c;
    int st = strata_concordance(&s, d->x + k * d->n, &c);
    const char *name = str ? "conc_strata" : "conc";
    T_CHECK(st == STRATA_OK, "%s %s status %d", set, name, st);
    T_CHECK(c.concordant == ref("%s.%s.concordant", set, name), "%s %s concordant %g", set, name, c.concordant);
    T_CHECK(c.discordant == ref("%s.%s.discordant", set, name), "%s %s discordant %g", set, name, c.discordant);
    T_CHECK(c.tied_score == ref("%s.%s.tied_score", set, name), "%s %s tied %g", set, name, c.tied_score);
    double rc = ref("%s.%s.c", set, name);
    T_CHECK(c.c == rc, "%s %s C %.17g vs R %.17g (exact)", set, name, c.c, rc);
  }
}

static void check_km(const char *set, const data_t *d) {
  strata_surv_t s = {d->n, d->time, d->event, NULL};
  for (int g = -1; g <= 1; g++) {
    char pre[128];
    snprintf(pre, sizeof pre, "%s.km.%s", set, g < 0 ? "all" : g == 0 ? "0" : "1");
    strata_km_t km;
    int st = strata_km_fit(&s, g < 0 ? NULL : d->g2, g, 0.95, &km);
    T_CHECK(st == STRATA_OK, "%s status %d", pre, st);
    if (st) continue;
    T_CHECK(km.m == (int64_t)ref("%s.m", pre), "%s rows %lld", pre, (long long)km.m);
    int64_t m = km.m < (int64_t)ref("%s.m", pre) ? km.m : (int64_t)ref("%s.m", pre);
    const char *sfx = "";
    for (int64_t i = 0; i < m; i++) {
      /* R names a length-1 vector's element without a suffix */
      char idx[32];
      if (m == 1) snprintf(idx, sizeof idx, "%s", sfx);
      else snprintf(idx, sizeof idx, ".%lld", (long long)i + 1);
      T_SAME(km.time[i], ref("%s.time%s", pre, idx), 1e-10, "%s time[%lld]", pre, (long long)i);
      T_SAME(km.n_risk[i], ref("%s.n_risk%s", pre, idx), 1e-10, "%s n_risk[%lld]", pre, (long long)i);
      T_SAME(km.n_event[i], ref("%s.n_event%s", pre, idx), 1e-10, "%s n_event[%lld]", pre, (long long)i);
      T_SAME(km.n_censor[i], ref("%s.n_censor%s", pre, idx), 1e-10, "%s n_censor[%lld]", pre, (long long)i);
      T_SAME(km.surv[i], ref("%s.surv%s", pre, idx), 1e-10, "%s surv[%lld]", pre, (long long)i);
      T_SAME(km.std_err[i], ref("%s.std_err%s", pre, idx), 1e-10, "%s std_err[%lld]", pre, (long long)i);
      T_SAME(km.lower[i], ref("%s.lower%s", pre, idx), 1e-10, "%s lower[%lld]", pre, (long long)i);
      T_SAME(km.upper[i], ref("%s.upper%s", pre, idx), 1e-10, "%s upper[%lld]", pre, (long long)i);
    }
    strata_km_free(&km);
  }
}

static void check_logrank(const char *set, const data_t *d) {
  const char *names[3] = {"g2", "g3", "g2_strata"};
  for (int t = 0; t < 3; t++) {
    char pre[128];
    snprintf(pre, sizeof pre, "%s.logrank.%s", set, names[t]);
    if (!ref_has(strcat(strcpy((char[160]){0}, pre), ".chisq"))) continue;
    strata_surv_t s = {d->n, d->time, d->event, t == 2 ? d->stratum : NULL};
    int G = t == 1 ? 3 : 2;
    strata_logrank_t lr;
    int st = strata_logrank(&s, t == 1 ? d->g3 : d->g2, G, &lr);
    T_CHECK(st == STRATA_OK, "%s status %d %s", pre, st, strata_err_msg());
    if (st) continue;
    T_SAME(lr.chisq, ref("%s.chisq", pre), 1e-8, "%s chisq", pre);
    for (int g = 0; g < G; g++) {
      T_SAME(lr.observed[g], ref("%s.observed.%d", pre, g + 1), 1e-10, "%s observed %d", pre, g);
      T_SAME(lr.expected[g], ref("%s.expected.%d", pre, g + 1), 1e-10, "%s expected %d", pre, g);
    }
    T_CHECK(lr.df == G - 1, "%s df %d", pre, lr.df);
    strata_logrank_free(&lr);
  }
}

/* All censored, negative time: bad input with a message; agreed in the univariable table. */
static void check_errors(void) {
  double t[4] = {1, 2, 3, 4}, x[4] = {0.5, 1, 2, 0};
  int e[4] = {0, 0, 0, 0};
  strata_surv_t s = {4, t, e, NULL};
  strata_cox_fit_t f;
  int st = strata_cox_fit(&s, 1, x, NULL, &f);
  T_CHECK(st == STRATA_ERR_INPUT && strstr(strata_err_msg(), "censored"), "all censored: %d '%s'", st,
          strata_err_msg());
  strata_err_clear();
  strata_cox_row_t row;
  st = strata_cox_univariable(MPI_COMM_WORLD, &s, 1, x, NULL, &row);
  T_CHECK(st == STRATA_ERR_INPUT, "all censored, univariable: %d", st);
  strata_err_clear();
  e[2] = 1;
  t[1] = -2;
  st = strata_cox_fit(&s, 1, x, NULL, &f);
  T_CHECK(st == STRATA_ERR_INPUT && strstr(strata_err_msg(), "patient 2"), "negative time: %d '%s'", st,
          strata_err_msg());
  strata_err_clear();
  /* the p-value helpers against closed forms */
  T_NEAR(strata_pchisq_upper(3.841458820694124, 1), 0.05, 1e-12, "pchisq df1");
  T_NEAR(strata_pchisq_upper(7.814727903251178, 3), 0.05, 1e-12, "pchisq df3");
  T_NEAR(strata_pchisq_upper(9.487729036781154, 4), 0.05, 1e-12, "pchisq df4");
  double p[5] = {0.01, NAN, 0.04, 0.03, 0.5}, q[5];
  T_CHECK(strata_p_adjust_bh(5, p, q) == STRATA_OK, "bh");
  /* p.adjust(c(0.01, NA, 0.04, 0.03, 0.5), "BH") = 0.04 NA 0.0533.. 0.0533.. 0.5 */
  T_NEAR(q[0], 0.04, 1e-15, "bh q1");
  T_CHECK(isnan(q[1]), "bh NA");
  T_NEAR(q[2], 0.16 / 3, 1e-15, "bh q3");
  T_NEAR(q[3], 0.16 / 3, 1e-15, "bh q4");
  T_NEAR(q[4], 0.5, 1e-15, "bh q5");
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
  const char *dir = argc > 1 ? argv[1] : "data";
  char path[1024];
  snprintf(path, sizeof path, "%s/reference.tsv", dir);
  T_CHECK(load_ref(path) == 0, "cannot read %s", path);
  const char *sets[3] = {"acc", "months", "single"};
  for (int i = 0; i < 3 && g_nref; i++) {
    data_t d;
    snprintf(path, sizeof path, "%s/%s.tsv", dir, sets[i]);
    if (load_data(path, &d) != 0) {
      T_CHECK(0, "cannot read %s", path);
      continue;
    }
    for (int ties = 0; ties < 2; ties++) {
      check_univariable(sets[i], &d, ties, 0);
      if (strcmp(sets[i], "months") == 0) check_univariable(sets[i], &d, ties, 1);
      if (strcmp(sets[i], "single") != 0) check_multivariable(sets[i], &d, ties, strcmp(sets[i], "months") == 0);
    }
    check_concordance(sets[i], &d);
    check_km(sets[i], &d);
    check_logrank(sets[i], &d);
    free(d.time); free(d.event); free(d.stratum); free(d.g2); free(d.g3); free(d.x);
  }
  check_errors();
  free(g_ref);
  int rc = strata_test_finish();
  MPI_Finalize();
  return rc;
}
