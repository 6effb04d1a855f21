/* The result tables of `strata outcome` (TSV, written by rank 0, each under a temporary name and
 * all renamed together at the end).  Implemented in io/outcome_results.c; nothing numeric. */
#ifndef STRATA_OUTCOME_RESULTS_H
#define STRATA_OUTCOME_RESULTS_H
#include <stdint.h>
#include "strata/error.h"
#include "strata/outcome.h"

typedef struct strata_outcome_report {
  const char *prefix;                 /* files PREFIX.<table>.tsv */
  const char *patient_rule;           /* recorded in the univariable table */
  int64_t npred;                      /* univariable table: rows[npred] named pred_names */
  char *const *pred_names;
  const strata_cox_row_t *rows;
  const strata_cox_fit_t *multi;      /* NULL: no multivariable table */
  char *const *multi_names;           /* [multi->p] */
  int ngroups;                        /* Kaplan-Meier curves: km[ngroups] named group_names */
  char *const *group_names;
  const strata_km_t *km;
  int nsummary;                       /* key/value lines of PREFIX.summary.tsv */
  char *const *summary_keys;
  char *const *summary_values;
} strata_outcome_report_t;

/* Not collective (rank 0).  Write PREFIX.univariable.tsv (predictor n events coef se hr hr_low
 * hr_high z p_wald lr p_lr score p_score q_bh flag patient_rule; NA where not estimable),
 * PREFIX.multivariable.tsv (predictor coef se hr hr_low hr_high z p_wald flag) when r->multi,
 * PREFIX.km.tsv (group time n_risk n_event n_censor surv std_err lower upper) when
 * r->ngroups > 0, and PREFIX.summary.tsv (key value).  Numbers %.17g (lossless).  STRATA_ERR_IO naming the
 * file; then no output and no temporary is left. */
STRATA_NODISCARD int strata_outcome_write(const strata_outcome_report_t *r);
/* The flag's word in the tables: ok, constant, no_events, infinite, not_converged. */
const char *strata_outcome_flag_name(int flag);

/* The file names strata_outcome_write creates, for the command's path checks. */
#define STRATA_OUTCOME_SUFFIXES {".univariable.tsv", ".multivariable.tsv", ".km.tsv", ".summary.tsv"}

#endif
