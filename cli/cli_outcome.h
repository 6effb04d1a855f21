/* `strata outcome`'s report (cli/cli_outcome_report.c): the summary table handed to
 * io/outcome_results.c and the lines printed on rank 0. */
#ifndef STRATA_CLI_OUTCOME_H
#define STRATA_CLI_OUTCOME_H
#include <stdint.h>
#include "strata/outcome.h"

typedef struct strata_cli_outcome {
  const char *prefix, *time, *event, *strata; /* the options as given (strata NULL: none) */
  int ties, rule, ranks;
  int64_t top;                                /* --top: rows of the printed table */
  const strata_outcome_cases_t *cases;        /* patients, missing, events, strata levels */
  int64_t npred;                              /* the univariable table */
  char *const *names;
  const strata_cox_row_t *rows;
  const strata_cox_fit_t *multi;              /* NULL: no multivariable model */
  char *const *multi_names;
  const char *score_name;                     /* NULL: no score */
  const strata_outcome_split_t *split;
} strata_cli_outcome_t;

/* Rank 0 only.  Write PREFIX.*.tsv (strata_outcome_write, with the summary key/values built
 * here) and, when written, print the summary line, the --top predictors by LR p, warnings
 * (stderr) naming flagged predictors, the multivariable line and the score line. */
int strata_cli_outcome_report(const strata_cli_outcome_t *r);

#endif
