/* The inputs of `strata outcome` read from the cohort's obs columns and a MOFA2 model: the
 * outcome of each patient and the sample-level predictors.  Implemented in io/outcome_input.c;
 * nothing numeric (bringing samples to patients is solvers/outcome/). */
#ifndef STRATA_OUTCOME_INPUT_H
#define STRATA_OUTCOME_INPUT_H
#include <stdint.h>
#include "strata/cohort.h"
#include "strata/error.h"
#include "strata/outcome.h"

/* Not collective (the obs are replicated: every rank gets the same answer).  Allocate and fill
 * c->npatients, time, event, stratum, ok, missing, nstrata from the obs columns: time_cols a
 * comma list of up to 8 columns (the first with a value counts), event_col 0/1, strata_col NULL
 * or a column whose levels number the strata in order of appearance.  Numbers stored as
 * strings are parsed.  STRATA_ERR_INPUT naming the file, row, sample or patient: unknown
 * column, a time not a number, negative or infinite, an event not 0/1, samples of a patient
 * that disagree.  The caller frees c with strata_outcome_cases_free, also on error. */
STRATA_NODISCARD int strata_outcome_read_cases(const strata_cohort_t *co, const char *time_cols,
                                               const char *event_col, const char *strata_col,
                                               strata_outcome_cases_t *c);

/* The predictors: nrep replicated sample-level columns (the model's Factor1..K matched to the
 * cohort's samples by name, then the obs columns) and nview features of one view (read
 * separately, strata_cohort_read_view_finite), named "view:feature" after them. */
typedef struct strata_outcome_preds {
  int64_t nrep, nview;  /* npred = nrep + nview */
  int vi;               /* the view's index, -1 without one */
  char **names;         /* [nrep + nview] */
  double *xs;           /* [nobs x nrep] column-major, NaN = missing */
} strata_outcome_preds_t;

/* Not collective.  Read the predictors of factors (a MOFA2 model file or NULL), obs (a comma
 * list of up to 1024 numeric obs columns or NULL) and view (a view name or NULL).
 * STRATA_ERR_INPUT naming the file: a model sample not in the cohort, an unknown column or
 * view, an obs value that is not a number; STRATA_ERR_USAGE for more than 1024 columns.  Free
 * with strata_outcome_preds_free, also on error. */
STRATA_NODISCARD int strata_outcome_read_preds(const strata_cohort_t *co, const char *factors,
                                               const char *obs, const char *view,
                                               strata_outcome_preds_t *p);
void strata_outcome_preds_free(strata_outcome_preds_t *p);

#endif
