/* Dropping and reordering the factor model's factors: every factor-indexed array restricted to
 * a permutation of the factors, the entropies recomputed after a drop, and the drop step of an
 * iteration (factors whose largest R^2 over the views is below --drop-r2).  Not the R^2 itself
 * (bound.c) nor the final sort by R^2 (fit.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mpi/scalapack_proto.h"
#include "solvers/factor/factor_impl.h"
#include "strata/util.h"

/* Keep columns perm[0..Kn) of an ld x K array (in place when perm is increasing, else via tmp). */
static void permute_cols(double *a, int64_t ld, const int *perm, int Kn, double *tmp) {
  for (int k = 0; k < Kn; k++) memcpy(tmp + (size_t)k * ld, a + (size_t)perm[k] * ld, sizeof(double) * ld);
  memcpy(a, tmp, sizeof(double) * ld * Kn);
}
static void permute_sq(double *a, int64_t ld, int K, const int *perm, int Kn, double *tmp) {
  for (int j = 0; j < Kn; j++)
    for (int k = 0; k < Kn; k++)
      memcpy(tmp + (size_t)(k + j * Kn) * ld, a + (size_t)(perm[k] + perm[j] * K) * ld,
             sizeof(double) * ld);
  memcpy(a, tmp, sizeof(double) * ld * Kn * Kn);
}
static void permute_vec(double *a, const int *perm, int Kn) {
  double t[64];
  for (int k = 0; k < Kn; k++) t[k] = a[perm[k]];
  memcpy(a, t, sizeof(double) * Kn);
}

/* Restrict every factor-indexed array to the factors perm[0..Kn) in that order.  Not
 * collective (every rank applies the same perm). */
int factor_apply_perm(state_t *s, const int *perm, int Kn) {
  int st = STRATA_OK;
  int K = s->K;
  int64_t big = s->mloc;
  for (int m = 0; m < s->M; m++) big = s->v[m].nloc > big ? s->v[m].nloc : big;
  double *tmp = NULL;
  STRATA_MALLOC(tmp, (size_t)big * K * K);
  permute_cols(s->mu, s->mloc, perm, Kn, tmp);
  permute_sq(s->ezz, s->mloc, K, perm, Kn, tmp);
  for (int m = 0; m < s->M; m++) {
    vstate_t *v = &s->v[m];
    permute_cols(v->m, v->nloc, perm, Kn, tmp);
    permute_sq(v->eww, v->nloc, K, perm, Kn, tmp);
    if (s->o->spikeslab) {
      permute_cols(v->smu, v->nloc, perm, Kn, tmp);
      permute_cols(v->ss2, v->nloc, perm, Kn, tmp);
      permute_cols(v->sg, v->nloc, perm, Kn, tmp);
    }
    permute_vec(v->al_a, perm, Kn);
    permute_vec(v->al_b, perm, Kn);
    permute_vec(v->th_a, perm, Kn);
    permute_vec(v->th_b, perm, Kn);
  }
  s->K = Kn;
cleanup:
  free(tmp);
  return st;
}

/* The Z and W entropies (ldz, ldw) of dropped factors: after a drop, the log-determinants of
 * the marginal covariances of the kept factors are recomputed from E[zz^T] - E[z]E[z]^T. */
static void refresh_logdets(state_t *s) {
  int K = s->K, K2 = K * K;
  double a[64 * 64], ld = 0;
  for (int64_t i = 0; i < s->mloc; i++) {
    for (int j = 0; j < K; j++)
      for (int k = 0; k < K; k++)
        a[k + j * K] = s->ezz[i + (k + j * K) * s->mloc] - s->mu[i + k * s->mloc] * s->mu[i + j * s->mloc];
    int info = 0;
    dpotrf_("U", &K, a, &K, &info, 1);
    ld = 0;
    for (int k = 0; k < K; k++) ld += 2 * log(a[k + k * K]);
    s->ldz[i] = info ? s->ldz[i] : ld;
  }
  if (s->o->spikeslab) return;
  for (int m = 0; m < s->M; m++) {
    vstate_t *v = &s->v[m];
    int64_t nl = v->nloc;
    for (int64_t d = 0; d < nl; d++) {
      for (int j = 0; j < K; j++)
        for (int k = 0; k < K; k++)
          a[k + j * K] = v->eww[d + (k + j * K) * nl] - v->m[d + k * nl] * v->m[d + j * nl];
      int info = 0;
      dpotrf_("U", &K, a, &K, &info, 1);
      ld = 0;
      for (int k = 0; k < K; k++) ld += 2 * log(a[k + k * K]);
      v->ldw[d] = info ? v->ldw[d] : ld;
    }
  }
  (void)K2;
}

/* The drop step: factors whose R^2 stays below opts->drop_r2 in every view are removed (at
 * least one is kept), then the entropies and the statistics are recomputed for the kept ones.
 * r2 and r2t are scratch of M * K0 and M values.  Collective; the status of the drop is
 * agreed, that of the R^2 reduction is returned as it is. */
int factor_drop(state_t *s, double *r2, double *r2t) {
  int st = factor_r2_compute(s, r2, r2t);
  if (st) return st;
  int keep[64], kn = 0;
  for (int k = 0; k < s->K; k++) {
    double mx = -HUGE_VAL;
    for (int m = 0; m < s->M; m++) mx = fmax(mx, r2[m + k * s->M]);
    if (mx >= s->o->drop_r2) keep[kn++] = k;
  }
  if (kn == 0) keep[kn++] = 0;
  if (kn < s->K) {
    strata_log(s->g->comm, 2, "factor: iteration %lld: dropping %d factor(s) with R^2 < %g\n",
               (long long)s->iter, s->K - kn, s->o->drop_r2);
    st = factor_apply_perm(s, keep, kn);
    if (!st) refresh_logdets(s);
    if (!st) st = factor_all_stats(s);
    st = strata_agree(s->g->comm, st);
  }
  return st;
}
