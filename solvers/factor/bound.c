/* The factor model's evidence lower bound (ELBO) and its trace over the iterations, and the
 * variance explained (R^2) per view and factor.  Read-only on q: no update here (updates.c),
 * and R^2 is only computed, the choice of factors it drives is in drop.c and fit.c. */
#include <math.h>
#include <stdlib.h>

#include "solvers/factor/factor_impl.h"

/* E_q[log p(x)] - E_q[log q(x)] for p = Gamma(a0, b0), q = Gamma(a, b) (rate form). */
static double gamma_kl_term(double a0, double b0, double a, double b) {
  double ex = a / b, elx = factor_digamma(a) - log(b);
  return (a0 * log(b0) - lgamma(a0) + (a0 - 1) * elx - b0 * ex) -
         (a * log(b) - lgamma(a) + (a - 1) * elx - b * ex);
}

static double lbeta(double a, double b) { return lgamma(a) + lgamma(b) - lgamma(a + b); }

static double beta_kl_term(double a0, double b0, double a, double b) {
  double el = factor_digamma(a) - factor_digamma(a + b);
  double el1 = factor_digamma(b) - factor_digamma(a + b);
  return ((a0 - 1) * el + (b0 - 1) * el1 - lbeta(a0, b0)) -
         ((a - 1) * el + (b - 1) * el1 - lbeta(a, b));
}


/* Collective.  Each term is added on exactly one rank of the ranks that replicate it. */
static int elbo(state_t *s, double *out) {
  int st = STRATA_OK;
  int K = s->K;
  const strata_grid_t *g = s->g;
  double e = s->bern_lik;
  if (g->mycol == 0)
    for (int64_t i = 0; i < s->mloc; i++) {
      double tr = 0;
      for (int k = 0; k < K; k++) tr += s->ezz[i + (k + k * K) * s->mloc];
      e += 0.5 * s->ldz[i] + 0.5 * K - 0.5 * tr;
    }
  for (int m = 0; m < s->M; m++) {
    vstate_t *v = &s->v[m];
    int64_t nl = v->nloc;
    if (g->myrow == 0) {
      double ea[64], ela[64], elt[64], elt1[64];
      for (int k = 0; k < K; k++) {
        ea[k] = v->al_a[k] / v->al_b[k];
        ela[k] = factor_digamma(v->al_a[k]) - log(v->al_b[k]);
        elt[k] = factor_digamma(v->th_a[k]) - factor_digamma(v->th_a[k] + v->th_b[k]);
        elt1[k] = factor_digamma(v->th_b[k]) - factor_digamma(v->th_a[k] + v->th_b[k]);
      }
      for (int64_t d = 0; d < nl; d++) {
        if (v->lik == STRATA_LIK_GAUSSIAN && v->etau[d] > 0) {
          double sse = factor_expected_sse(v, K, d);
          double elt_d = factor_digamma(v->tau_a[d]) - log(v->tau_b[d]);
          e += 0.5 * v->nd[d] * (elt_d - log(2 * M_PI)) - 0.5 * v->etau[d] * sse;
          e += gamma_kl_term(PRIOR_A0, v->tau_b0[d], v->tau_a[d], v->tau_b[d]);
        }
        if (!s->o->spikeslab) {
          e += 0.5 * v->ldw[d] + 0.5 * K;
          for (int k = 0; k < K; k++) e += 0.5 * ela[k] - 0.5 * ea[k] * v->eww[d + (k + k * K) * nl];
        } else {
          for (int k = 0; k < K; k++) {
            double gm = v->sg[d + k * nl], mu = v->smu[d + k * nl], s2 = v->ss2[d + k * nl];
            e += gm * (0.5 * ela[k] - 0.5 * ea[k] * (mu * mu + s2) + 0.5 * log(s2) + 0.5);
            e += gm * elt[k] + (1 - gm) * elt1[k];
            if (gm > 0) e -= gm * log(gm);
            if (gm < 1) e -= (1 - gm) * log1p(-gm);
          }
        }
      }
      if (g->mycol == 0)
        for (int k = 0; k < K; k++) {
          e += gamma_kl_term(PRIOR_A0, PRIOR_B0, v->al_a[k], v->al_b[k]);
          if (s->o->spikeslab) e += beta_kl_term(THETA_A0, THETA_B0, v->th_a[k], v->th_b[k]);
        }
    }
  }
  STRATA_CHECK(factor_reduce(s, &e, 1, g->comm));
  *out = e;
cleanup:
  return st;
}

int factor_grow_elbo(state_t *s, int64_t need) {
  int st = STRATA_OK;
  if (need <= s->cap_elbo) return STRATA_OK;
  int64_t cap = need + 256;
  double *e = realloc(s->elbo, sizeof(double) * cap);
  if (!e) STRATA_FAIL(STRATA_ERR_MEM, "out of memory (ELBO trace)");
  s->elbo = e;
  int64_t *a = realloc(s->elbo_iter, sizeof(int64_t) * cap);
  if (!a) STRATA_FAIL(STRATA_ERR_MEM, "out of memory (ELBO trace)");
  s->elbo_iter = a;
  a = realloc(s->elbo_k, sizeof(int64_t) * cap);
  if (!a) STRATA_FAIL(STRATA_ERR_MEM, "out of memory (ELBO trace)");
  s->elbo_k = a;
  s->cap_elbo = cap;
cleanup:
  return st;
}

/* The bound of the current state appended to the trace (value, iteration, K); *rel is its
 * relative change from the previous entry when that had the same K (else left as it was), and
 * *converged is set when *rel < opts->tol.  Collective. */
int factor_elbo_record(state_t *s, double *e, double *rel, int *converged) {
  int st = STRATA_OK;
  STRATA_CHECK(elbo(s, e));
  STRATA_CHECK(factor_grow_elbo(s, s->n_elbo + 1));
  if (s->n_elbo > 0 && s->elbo_k[s->n_elbo - 1] == s->K) {
    double prev = s->elbo[s->n_elbo - 1];
    *rel = fabs(*e - prev) / fmax(fabs(*e), 1e-300);
    if (*rel < s->o->tol) *converged = 1;
  }
  s->elbo[s->n_elbo] = *e;
  s->elbo_iter[s->n_elbo] = s->iter;
  s->elbo_k[s->n_elbo] = s->K;
  s->n_elbo++;
cleanup:
  return st;
}

/* ---- variance explained ------------------------------------------------------------------- */

/* r2[m + k*M] and r2tot[m] over observed entries, from E[Z] and E[W] (as MOFA).  Gaussian views
 * use the centred data through the statistics (h = Y^T E[Z]) plus the missing-entry lists;
 * Bernoulli views use the Jaakkola-Jordan pseudo-data (y - 1/2) / (2 lambda) - b on the logit
 * scale, entry by entry.  Collective. */
int factor_r2_compute(state_t *s, double *r2, double *r2tot) {
  int st = STRATA_OK;
  int K = s->K, K2 = K * K, M = s->M;
  const strata_grid_t *g = s->g;
  int64_t ml = s->mloc;
  /* per view: [SS, RSS_tot, RSS_k (K)] */
  int64_t per = 2 + K;
  double *acc = NULL, *cs = NULL;
  STRATA_CALLOC(acc, (size_t)M * per);
  STRATA_CALLOC(cs, (size_t)M * K2);
  /* C_m = sum over the samples present in view m of E[z] E[z]^T, all views in one reduction */
  for (int m = 0; m < M; m++) {
    if (s->v[m].lik != STRATA_LIK_GAUSSIAN) continue;
    for (int j = 0; j < K; j++)
      for (int k = 0; k < K; k++) {
        double t = 0;
        for (int64_t i = 0; i < ml; i++)
          if (s->v[m].y->present[i]) t += s->mu[i + k * ml] * s->mu[i + j * ml];
        cs[(size_t)m * K2 + k + j * K] = t;
      }
  }
  STRATA_CHECK(factor_reduce(s, cs, M * K2, g->colcomm));
  for (int m = 0; m < M; m++) {
    vstate_t *v = &s->v[m];
    int64_t nl = v->nloc;
    double *a = acc + m * per;
    if (v->lik == STRATA_LIK_GAUSSIAN) {
      const double *c = cs + (size_t)m * K2;
      if (g->myrow == 0)
        for (int64_t d = 0; d < nl; d++) {
          a[0] += v->yy[d];
          double lin = 0, quad = 0;
          for (int k = 0; k < K; k++) {
            double w = v->m[d + k * nl];
            lin += w * v->h[d + k * nl];
            a[2 + k] += -2 * w * v->h[d + k * nl] + w * w * c[k + k * K];
            for (int j = 0; j < K; j++) quad += w * c[k + j * K] * v->m[d + j * nl];
          }
          a[1] += -2 * lin + quad;
        }
      /* missing entries are in C but not observed: remove their reconstruction */
      for (int64_t d = 0; d < nl; d++)
        for (int64_t p = v->mptr[d]; p < v->mptr[d + 1]; p++) {
          int64_t i = v->mrow[p];
          double x = 0;
          for (int k = 0; k < K; k++) {
            double t = s->mu[i + k * ml] * v->m[d + k * nl];
            x += t;
            a[2 + k] -= t * t;
          }
          a[1] -= x * x;
        }
    } else {
      for (int64_t d = 0; d < nl; d++)
        for (int64_t i = 0; i < ml; i++) {
          double l2 = v->lam2[i + d * ml];
          if (l2 == 0) continue;
          double yt = v->y->a[i + d * ml] / l2 - v->icpt[d], x = 0;
          a[0] += yt * yt;
          for (int k = 0; k < K; k++) {
            double t = s->mu[i + k * ml] * v->m[d + k * nl];
            x += t;
            a[2 + k] += (yt - t) * (yt - t) - yt * yt;
          }
          a[1] += (yt - x) * (yt - x) - yt * yt;
        }
    }
  }
  STRATA_CHECK(factor_reduce(s, acc, M * per, g->comm));
  for (int m = 0; m < M; m++) {
    double *a = acc + m * per, ss = a[0] > 0 ? a[0] : 1;
    r2tot[m] = -a[1] / ss;
    for (int k = 0; k < K; k++) r2[m + k * M] = -a[2 + k] / ss;
  }
cleanup:
  free(acc);
  free(cs);
  return st;
}
