/* Internal to solvers/outcome/: shared checks, the risk-set order and the normal quantile. */
#ifndef STRATA_OUTCOME_IMPL_H
#define STRATA_OUTCOME_IMPL_H
#include <stdint.h>
#include "strata/outcome.h"

/* qnorm(0.975), the 95% interval's multiplier */
#define STRATA_Z975 1.959963984540054

/* STRATA_ERR_INPUT naming the patient when a time is negative/non-finite, an event not 0/1, a
 * stratum negative, or n < 1.  Not collective. */
int strata_outcome_check_surv(const strata_surv_t *s);
/* perm[n]: patients by stratum, then time descending, ties by index. */
int strata_outcome_risk_order(const strata_surv_t *s, int64_t *perm);
/* qnorm(p) for 0 < p < 1, to ~1e-15 relative. */
double strata_qnorm(double p);

#endif
