/* `strata outcome`'s report (cli/cli_outcome.h): the key/value summary, the tables written by
 * io/outcome_results.c and what is printed.  Formatting only. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_outcome.h"
#include "strata/outcome_results.h"

/* "key\tvalue" lines of PREFIX.summary.tsv. */
typedef struct { int n; char *k[64]; char *v[64]; } summary_t;
static void put(summary_t *s, const char *key, const char *fmt, ...) STRATA_PRINTF(3, 4);
static void put(summary_t *s, const char *key, const char *fmt, ...) {
  if (s->n == 64) return;
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  s->k[s->n] = strdup(key);
  s->v[s->n] = strdup(buf);
  if (s->k[s->n] && s->v[s->n]) s->n++;
}

static const char *ties_name(int ties) { return ties == STRATA_COX_EFRON ? "efron" : "breslow"; }

static void summarise(const strata_cli_outcome_t *r, summary_t *sum) {
  const strata_outcome_cases_t *c = r->cases;
  const strata_cox_fit_t *m = r->multi;
  const strata_outcome_split_t *sp = r->split;
  if (sp->has_median) put(sum, "score_median", "%.17g", sp->median);
  put(sum, "patients", "%lld", (long long)c->npatients);
  put(sum, "patients_used", "%lld", (long long)c->n);
  put(sum, "patients_missing_outcome", "%lld", (long long)c->missing);
  put(sum, "events", "%lld", (long long)c->nev);
  put(sum, "time", "%s", r->time);
  put(sum, "event", "%s", r->event);
  put(sum, "strata", "%s", r->strata ? r->strata : "NA");
  put(sum, "strata_levels", "%d", c->nstrata);
  put(sum, "ties", "%s", ties_name(r->ties));
  put(sum, "patient_rule", "%s", strata_outcome_rule_name(r->rule));
  put(sum, "predictors", "%lld", (long long)r->npred);
  put(sum, "ranks", "%d", r->ranks);
  if (m) {
    put(sum, "multivariable_n", "%lld", (long long)m->n);
    put(sum, "multivariable_events", "%lld", (long long)m->events);
    put(sum, "multivariable_loglik0", "%.17g", m->loglik0);
    put(sum, "multivariable_loglik", "%.17g", m->loglik);
    put(sum, "multivariable_df", "%d", m->df);
    put(sum, "multivariable_lr", "%.17g", m->lr);
    put(sum, "multivariable_p_lr", "%.17g", m->p_lr);
    put(sum, "multivariable_wald", "%.17g", m->wald);
    put(sum, "multivariable_p_wald", "%.17g", m->p_wald);
    put(sum, "multivariable_score", "%.17g", m->score);
    put(sum, "multivariable_p_score", "%.17g", m->p_score);
    put(sum, "multivariable_iterations", "%d", m->iter);
    put(sum, "multivariable_status", "%s", strata_outcome_flag_name(m->status));
    put(sum, "multivariable_note", "%s", m->reason[0] ? m->reason : "NA");
  }
  put(sum, "score", "%s", r->score_name ? r->score_name : "NA");
  put(sum, "c_index", "%.17g", sp->conc.c);
  put(sum, "c_concordant", "%.0f", sp->conc.concordant);
  put(sum, "c_discordant", "%.0f", sp->conc.discordant);
  put(sum, "c_tied_score", "%.0f", sp->conc.tied_score);
  if (sp->ngroups) {
    put(sum, "logrank_chisq", "%.17g", sp->lr.chisq);
    put(sum, "logrank_df", "%d", sp->lr.df);
    put(sum, "logrank_p", "%.17g", sp->lr.p);
  }
}

/* The strongest predictors by LR p (NaN last; stable). */
static void print_top(const strata_cli_outcome_t *r) {
  int64_t *ord = malloc(sizeof *ord * (r->npred + 1)), no = 0;
  if (!ord) return;
  for (int64_t j = 0; j < r->npred; j++) ord[no++] = j;
  for (int64_t i = 1; i < no; i++)
    for (int64_t k = i; k > 0; k--) {
      double p1 = r->rows[ord[k - 1]].p_lr, p2 = r->rows[ord[k]].p_lr;
      if ((isnan(p1) && !isnan(p2)) || p2 < p1) {
        int64_t t = ord[k]; ord[k] = ord[k - 1]; ord[k - 1] = t;
      } else break;
    }
  if (r->top > 0) printf("\n%-20s %6s %6s %10s %22s %10s %10s  %s\n", "predictor", "n", "events", "HR", "95% CI", "p_lr", "q_bh", "flag");
  for (int64_t i = 0; i < no && i < r->top; i++) {
    const strata_cox_row_t *w = &r->rows[ord[i]];
    printf("%-20.20s %6lld %6lld %10.4g   [%8.4g, %8.4g] %10.3g %10.3g  %s\n", r->names[ord[i]],
           (long long)w->n, (long long)w->events, w->hr, w->hr_low, w->hr_high, w->p_lr, w->q_bh,
           strata_outcome_flag_name(w->flag));
  }
  free(ord);
}

/* Say which estimates are not finite numbers, not only in the flag column. */
static void warn_flagged(const strata_cli_outcome_t *r) {
  for (int fl = STRATA_COX_CONSTANT; fl <= STRATA_COX_NOT_CONVERGED; fl++) {
    int64_t cnt = 0;
    for (int64_t j = 0; j < r->npred; j++) cnt += r->rows[j].flag == fl;
    if (!cnt) continue;
    fprintf(stderr, "strata outcome: warning: %lld predictor(s) flagged %s (%s):", (long long)cnt,
            strata_outcome_flag_name(fl),
            fl == STRATA_COX_INFINITE ? "they separate the events; the hazard ratio is not finite"
            : fl == STRATA_COX_NOT_CONVERGED ? "raise --max-iter"
            : "no estimate, NA");
    for (int64_t j = 0, shown = 0; j < r->npred && shown < 5; j++)
      if (r->rows[j].flag == fl) { fprintf(stderr, " %s", r->names[j]); shown++; }
    fprintf(stderr, "%s\n", cnt > 5 ? " ..." : "");
  }
}

int strata_cli_outcome_report(const strata_cli_outcome_t *r) {
  static char *gn[2] = {"low", "high"};
  const strata_outcome_cases_t *c = r->cases;
  const strata_outcome_split_t *sp = r->split;
  summary_t sum = {0};
  summarise(r, &sum);
  strata_outcome_report_t rep = {
      .prefix = r->prefix, .patient_rule = strata_outcome_rule_name(r->rule), .npred = r->npred,
      .pred_names = r->names, .rows = r->rows, .multi = r->multi, .multi_names = r->multi_names,
      .ngroups = sp->ngroups, .group_names = gn, .km = sp->km, .nsummary = sum.n,
      .summary_keys = sum.k, .summary_values = sum.v};
  int st = strata_outcome_write(&rep);
  for (int i = 0; i < sum.n; i++) { free(sum.k[i]); free(sum.v[i]); }
  if (st) return st;
  printf("outcome: %lld patients, %lld events (%lld without an outcome left out), %lld predictors, "
         "ties %s, patient rule %s%s%s\n",
         (long long)c->n, (long long)c->nev, (long long)c->missing, (long long)r->npred,
         ties_name(r->ties), strata_outcome_rule_name(r->rule), r->strata ? ", strata " : "",
         r->strata ? r->strata : "");
  print_top(r);
  warn_flagged(r);
  if (r->multi)
    printf("\nmultivariable: %d predictors, %lld patients, LR %.4g (df %d, p %.3g)%s%s\n", r->multi->p,
           (long long)r->multi->n, r->multi->lr, r->multi->df, r->multi->p_lr,
           r->multi->reason[0] ? "; " : "", r->multi->reason);
  printf("score %s: C-index %.4f", r->score_name ? r->score_name : "NA", sp->conc.c);
  if (sp->ngroups) printf(", median split log-rank chi-square %.4g (p %.3g)", sp->lr.chisq, sp->lr.p);
  printf("\n");
  return STRATA_OK;
}
