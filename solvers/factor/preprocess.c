/* The factor model's data before the first iteration: the lists of missing entries, the
 * per-feature counts, centring (Gaussian) or the shift to y - 1/2 (Bernoulli), the tau prior
 * rates, and the marks of observed Bernoulli entries.  Not the initial q(Z), q(W) (state.c). */
#include <math.h>
#include <stdlib.h>

#include "solvers/factor/factor_impl.h"

/* The CSC of missing entries: done before the NaNs are overwritten, so preprocess is split in
 * two passes over the block (this one first). */
int factor_missing_lists(state_t *s, int m) {
  int st = STRATA_OK;
  vstate_t *v = &s->v[m];
  strata_dmat_t *y = v->y;
  int64_t ml = v->mloc, nl = v->nloc, nmiss = 0;
  for (int64_t d = 0; d < nl; d++)
    for (int64_t i = 0; i < ml; i++)
      if (y->present[i] && isnan(y->a[i + d * ml])) nmiss++;
  STRATA_MALLOC(v->mrow, nmiss);
  STRATA_CALLOC(v->mptr, nl + 1);
  nmiss = 0;
  for (int64_t d = 0; d < nl; d++) {
    for (int64_t i = 0; i < ml; i++)
      if (y->present[i] && isnan(y->a[i + d * ml])) v->mrow[nmiss++] = (int32_t)i;
    v->mptr[d + 1] = nmiss;
  }
cleanup:
  return st;
}

int factor_preprocess(state_t *s, int m, const char *name) {
  int st = STRATA_OK;
  vstate_t *v = &s->v[m];
  strata_dmat_t *y = v->y;
  int64_t ml = v->mloc, nl = v->nloc;
  double *sum = NULL;
  STRATA_CALLOC(v->icpt, nl);
  STRATA_CALLOC(v->nd, nl);
  STRATA_CALLOC(v->yy, nl);
  STRATA_CALLOC(sum, 2 * nl + 2);
  /* per-feature observed count and sum over present rows; Bernoulli values checked */
  int64_t bad = 0;
  for (int64_t d = 0; d < nl; d++)
    for (int64_t i = 0; i < ml; i++) {
      double x = y->a[i + d * ml];
      if (!y->present[i] || isnan(x)) continue;
      if (v->lik == STRATA_LIK_BERNOULLI && x != 0.0 && x != 1.0) bad++;
      sum[d] += x;
      sum[nl + d] += 1;
    }
  st = bad ? strata_err_set(STRATA_ERR_INPUT, __FILE__, __LINE__, __func__,
                            "factor: view '%s' is Bernoulli but has values other than 0 and 1",
                            name)
           : STRATA_OK;
  st = strata_agree(s->g->comm, st);
  if (st) goto cleanup;
  STRATA_CHECK(factor_reduce(s, sum, 2 * nl, s->g->colcomm));
  double tot = 0;
  for (int64_t d = 0; d < nl; d++) tot += s->g->myrow == 0 ? sum[nl + d] : 0;
  STRATA_CHECK(factor_reduce(s, &tot, 1, s->g->comm));
  if (tot == 0) {
    st = strata_err_set(STRATA_ERR_INPUT, __FILE__, __LINE__, __func__,
                        "factor: view '%s' has no observed values", name);
    goto cleanup;
  }
  for (int64_t d = 0; d < nl; d++) {
    v->nd[d] = sum[nl + d];
    double mean = v->nd[d] > 0 ? sum[d] / v->nd[d] : 0;
    if (v->lik == STRATA_LIK_BERNOULLI) {
      double p = fmin(fmax(mean, 0.01), 0.99);
      v->icpt[d] = log(p / (1 - p));
    } else {
      v->icpt[d] = mean;
    }
    for (int64_t i = 0; i < ml; i++) {
      double *x = &y->a[i + d * ml];
      if (!y->present[i]) { *x = 0; continue; }
      if (isnan(*x)) { *x = 0; continue; }
      *x = v->lik == STRATA_LIK_BERNOULLI ? *x - 0.5 : *x - mean;
      if (v->lik == STRATA_LIK_GAUSSIAN) v->yy[d] += *x * *x;
    }
  }
  STRATA_CHECK(factor_reduce(s, v->yy, nl, s->g->colcomm));
  STRATA_CALLOC(v->tau_b0, nl);
  for (int64_t d = 0; d < nl; d++) v->tau_b0[d] = PRIOR_B0 + 0.5 * TAU_FLOOR * v->yy[d];
  {
    double pm = v->mptr[nl] > 0 && v->lik == STRATA_LIK_GAUSSIAN;
    STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &pm, 1, MPI_DOUBLE, MPI_MAX, s->g->comm));
    v->partial = pm > 0;
  }
cleanup:
  free(sum);
  return st;
}

/* Bernoulli views: lam2 = 2 lambda(|b_d|) (xi for W = 0) on observed entries, 0 on missing
 * ones; a nonzero lam2 is what marks an entry as observed from here on (fresh start and resume). */
void factor_bernoulli_mark(state_t *s) {
  int64_t ml = s->mloc;
  for (int m = 0; m < s->M; m++) {
    vstate_t *v = &s->v[m];
    if (v->lik != STRATA_LIK_BERNOULLI) continue;
    for (int64_t d = 0; d < v->nloc; d++)
      for (int64_t i = 0; i < ml; i++)
        v->lam2[i + d * ml] = v->y->present[i] ? factor_lambda2(v->icpt[d]) : 0;
    for (int64_t d = 0; d < v->nloc; d++)
      for (int64_t p = v->mptr[d]; p < v->mptr[d + 1]; p++) v->lam2[v->mrow[p] + d * ml] = 0;
  }
}
