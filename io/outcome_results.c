/* Writer of `strata outcome`'s tables (include/strata/outcome_results.h): TSV files under
 * temporary names, renamed together once all are written.  Formatting only; the statistics
 * come from solvers/outcome/ through cli/. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/outcome_results.h"
#include "strata/util.h"

const char *strata_outcome_flag_name(int flag) {
  switch (flag) {
  case STRATA_COX_OK: return "ok";
  case STRATA_COX_CONSTANT: return "constant";
  case STRATA_COX_NO_EVENTS: return "no_events";
  case STRATA_COX_INFINITE: return "infinite";
  case STRATA_COX_NOT_CONVERGED: return "not_converged";
  default: return "unknown";
  }
}

static void num(FILE *f, double v) {
  if (isnan(v)) fputs("\tNA", f);
  else if (isinf(v)) fputs(v > 0 ? "\tInf" : "\t-Inf", f);
  else fprintf(f, "\t%.17g", v);
}

enum { NFILES = 4 };

int strata_outcome_write(const strata_outcome_report_t *r) {
  int st = STRATA_OK;
  static const char *sfx[NFILES] = STRATA_OUTCOME_SUFFIXES;
  char path[NFILES][4200], tmp[NFILES][4300];
  int open_[NFILES] = {0};
  FILE *f = NULL;
  for (int i = 0; i < NFILES; i++) {
    snprintf(path[i], sizeof path[i], "%s%s", r->prefix, sfx[i]);
    strata_tmpname(path[i], tmp[i], sizeof tmp[i]);
  }
#define OPEN(i)                                                                 \
  do {                                                                          \
    f = fopen(tmp[i], "w");                                                     \
    if (!f) STRATA_FAIL(STRATA_ERR_IO, "cannot write '%s'", path[i]);           \
    open_[i] = 1;                                                               \
  } while (0)
#define CLOSE(i)                                                                \
  do {                                                                          \
    int bad_ = ferror(f);                                                       \
    bad_ |= fclose(f) != 0;                                                     \
    f = NULL;                                                                   \
    if (bad_) STRATA_FAIL(STRATA_ERR_IO, "cannot write '%s'", path[i]);         \
  } while (0)

  OPEN(0);
  fputs("predictor\tn\tevents\tcoef\tse\thr\thr_low\thr_high\tz\tp_wald\tlr\tp_lr\tscore\tp_score\tq_bh"
        "\tflag\tpatient_rule\n", f);
  for (int64_t j = 0; j < r->npred; j++) {
    const strata_cox_row_t *w = &r->rows[j];
    fprintf(f, "%s\t%lld\t%lld", r->pred_names[j], (long long)w->n, (long long)w->events);
    num(f, w->coef); num(f, w->se); num(f, w->hr); num(f, w->hr_low); num(f, w->hr_high);
    num(f, w->z); num(f, w->p_wald); num(f, w->lr); num(f, w->p_lr); num(f, w->score);
    num(f, w->p_score); num(f, w->q_bh);
    fprintf(f, "\t%s\t%s\n", strata_outcome_flag_name(w->flag), r->patient_rule ? r->patient_rule : "NA");
  }
  CLOSE(0);
  if (r->multi) {
    const strata_cox_fit_t *m = r->multi;
    OPEN(1);
    fputs("predictor\tcoef\tse\thr\thr_low\thr_high\tz\tp_wald\tflag\n", f);
    for (int k = 0; k < m->p; k++) {
      double b = m->coef[k], se = m->se[k];
      fprintf(f, "%s", r->multi_names[k]);
      num(f, b); num(f, se); num(f, exp(b)); num(f, exp(b - 1.959963984540054 * se));
      num(f, exp(b + 1.959963984540054 * se)); num(f, b / se);
      num(f, isnan(b) ? NAN : erfc(fabs(b / se) / sqrt(2.0)));
      fprintf(f, "\t%s\n", strata_outcome_flag_name(m->flag[k]));
    }
    CLOSE(1);
  }
  if (r->ngroups > 0) {
    OPEN(2);
    fputs("group\ttime\tn_risk\tn_event\tn_censor\tsurv\tstd_err\tlower\tupper\n", f);
    for (int g = 0; g < r->ngroups; g++) {
      const strata_km_t *k = &r->km[g];
      for (int64_t i = 0; i < k->m; i++) {
        fputs(r->group_names[g], f);
        num(f, k->time[i]); num(f, k->n_risk[i]); num(f, k->n_event[i]); num(f, k->n_censor[i]);
        num(f, k->surv[i]); num(f, k->std_err[i]); num(f, k->lower[i]); num(f, k->upper[i]);
        fputc('\n', f);
      }
    }
    CLOSE(2);
  }
  OPEN(3);
  fputs("key\tvalue\n", f);
  for (int i = 0; i < r->nsummary; i++) fprintf(f, "%s\t%s\n", r->summary_keys[i], r->summary_values[i]);
  CLOSE(3);
  /* all written: rename together */
  for (int i = 0; i < NFILES; i++)
    if (open_[i] && rename(tmp[i], path[i]) != 0) STRATA_FAIL(STRATA_ERR_IO, "cannot write '%s'", path[i]);
    else open_[i] = 0;
#undef OPEN
#undef CLOSE
cleanup:
  if (f) fclose(f);
  for (int i = 0; i < NFILES; i++)
    if (open_[i]) remove(tmp[i]);
  return st;
}
