/* The factor model's coordinate-ascent updates: the statistics of q(Z) each view's W update
 * needs (with the Bernoulli xi), q(W), q(alpha) and q(theta), q(Z), q(tau), and the sweep that
 * runs them in the order of one iteration.  Each is an exact maximisation of the bound in its
 * factor.  Not the bound itself (bound.c) nor the dropping of factors (drop.c). */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "solvers/factor/factor_impl.h"
#include "solvers/la/kernels.h"

/* Bernoulli pass over the local block, chunk by chunk: xi^2 = E[x^2] with x = z^T w + b (the
 * optimal Jaakkola-Jordan parameter), lam2 = 2 lambda(xi), and the bound's value at that xi,
 * sum of log sigma(xi) + ((2y-1) E[x] - xi) / 2 over observed entries (added to *lik). */
static int bernoulli_xi(state_t *s, vstate_t *v, double *lik) {
  int st = STRATA_OK;
  int K = s->K, K2 = K * K;
  int64_t ml = v->mloc, nl = v->nloc;
  double *x = NULL, *t = NULL;
  if (ml == 0 || nl == 0) return STRATA_OK;
  STRATA_MALLOC(x, (size_t)ml * CHUNK);
  STRATA_MALLOC(t, (size_t)ml * CHUNK);
  for (int64_t d0 = 0; d0 < nl; d0 += CHUNK) {
    int c = (int)(nl - d0 < CHUNK ? nl - d0 : CHUNK);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)ml, c, K, 1.0, s->mu, (int)ml,
                v->m + d0, (int)nl, 0.0, x, (int)ml);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)ml, c, K2, 1.0, s->ezz, (int)ml,
                v->eww + d0, (int)nl, 0.0, t, (int)ml);
    for (int j = 0; j < c; j++) {
      double b = v->icpt[d0 + j];
      double *l2 = v->lam2 + (d0 + j) * ml, *yv = v->y->a + (d0 + j) * ml;
      for (int64_t i = 0; i < ml; i++) {
        if (l2[i] == 0) continue;
        double ex = x[i + j * ml] + b;
        double ex2 = t[i + j * ml] + 2 * b * x[i + j * ml] + b * b;
        double xi = sqrt(fmax(ex2, 0));
        l2[i] = factor_lambda2(xi);
        *lik += -log1p(exp(-xi)) + (2 * yv[i] * ex - xi) / 2;
      }
    }
  }
cleanup:
  free(x);
  free(t);
  return st;
}

/* This rank's part of h (and gsh or gf) of view v from the current q(Z): the sums over samples
 * the W update needs (reduced over the grid column by factor_all_stats).  For a partially observed
 * Gaussian view gf first holds the sum over the missing entries (see finish_stats). */
static void view_stats_local(state_t *s, vstate_t *v) {
  int K = s->K, K2 = K * K;
  int64_t ml = v->mloc, nl = v->nloc;
  strata_dmat_t *y = v->y;
  memset(v->h, 0, sizeof(double) * nl * K);
  memset(v->gsh, 0, sizeof(double) * K2);
  if (v->gf) memset(v->gf, 0, sizeof(double) * nl * K2);
  strata_tsmm_atb(ml, nl, K, y->a, ml, s->mu, ml, v->h, 1, nl);
  if (v->lik == STRATA_LIK_BERNOULLI) {
    /* h_d = sum_n ((y-1/2) - lam2 b_d) mu_n ; G_d = sum_n lam2 E[z z^T] */
    memset(v->tmp, 0, sizeof(double) * nl * K);
    if (ml > 0 && nl > 0) {
      cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)nl, K, (int)ml, 1.0, v->lam2,
                  (int)ml, s->mu, (int)ml, 0.0, v->tmp, (int)nl);
      cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)nl, K2, (int)ml, 1.0, v->lam2,
                  (int)ml, s->ezz, (int)ml, 0.0, v->gf, (int)nl);
    }
    for (int k = 0; k < K; k++)
      for (int64_t d = 0; d < nl; d++) v->h[d + k * nl] -= v->icpt[d] * v->tmp[d + k * nl];
    return;
  }
  for (int kk = 0; kk < K2; kk++) {
    const double *e = s->ezz + (size_t)kk * ml;
    double a = 0;
    for (int64_t i = 0; i < ml; i++) a += y->present[i] ? e[i] : 0;
    v->gsh[kk] = a;
  }
  if (v->partial)
    for (int64_t d = 0; d < nl; d++)
      for (int64_t p = v->mptr[d]; p < v->mptr[d + 1]; p++) {
        int64_t i = v->mrow[p];
        for (int kk = 0; kk < K2; kk++) v->gf[d + kk * nl] += s->ezz[i + kk * ml];
      }
}

/* After the reduction: G_d = gsh - (sum of E[z z^T] over the present samples missing d). */
static void finish_stats(state_t *s, vstate_t *v) {
  int K2 = s->K * s->K;
  int64_t nl = v->nloc;
  if (v->lik != STRATA_LIK_GAUSSIAN || !v->partial) return;
  for (int kk = 0; kk < K2; kk++)
    for (int64_t d = 0; d < nl; d++) v->gf[d + kk * nl] = v->gsh[kk] - v->gf[d + kk * nl];
}

/* Everything derived from the current q(Z), q(W): Bernoulli xi and the per-view statistics,
 * with one reduction over the grid column for all views (h, gsh, gf of every view lie in one
 * buffer, laid out for the current K).  Called after each Z update, after a factor drop and
 * after a resume, always with the same state, so a resumed run recomputes exactly what the
 * uninterrupted run had. */
int factor_all_stats(state_t *s) {
  int st = STRATA_OK;
  int K = s->K, K2 = K * K;
  double lik = 0, *p = s->statbuf;
  for (int m = 0; m < s->M; m++) {
    vstate_t *v = &s->v[m];
    v->h = p;
    p += v->nloc * K;
    v->gsh = p;
    p += K2;
    if (v->lik == STRATA_LIK_BERNOULLI || v->partial) {
      v->gf = p;
      p += v->nloc * K2;
    }
    if (v->lik == STRATA_LIK_BERNOULLI) STRATA_CHECK(bernoulli_xi(s, v, &lik));
    view_stats_local(s, v);
  }
  STRATA_CHECK(factor_reduce(s, s->statbuf, p - s->statbuf, s->g->colcomm));
  for (int m = 0; m < s->M; m++) finish_stats(s, &s->v[m]);
  s->bern_lik = lik;
cleanup:
  return st;
}

/* q(W_m) given the statistics of q(Z): per feature, full K x K covariance, or factorised
 * spike-and-slab updated factor by factor (MOFA). */
static int update_w(state_t *s, vstate_t *v) {
  int st = STRATA_OK;
  int K = s->K, K2 = K * K;
  int64_t nl = v->nloc;
  double *a = NULL, *lin = NULL, *ew = NULL, ea[64], ela[64], elt[64];
  STRATA_MALLOC(a, K2);
  STRATA_MALLOC(lin, K);
  STRATA_MALLOC(ew, K);
  for (int k = 0; k < K; k++) {
    ea[k] = v->al_a[k] / v->al_b[k];
    ela[k] = factor_digamma(v->al_a[k]) - log(v->al_b[k]);
    elt[k] = factor_digamma(v->th_a[k]) - factor_digamma(v->th_b[k]);
  }
  for (int64_t d = 0; d < nl; d++) {
    double tau = v->lik == STRATA_LIK_GAUSSIAN ? v->etau[d] : 1.0;
    const double *gd = v->gf ? v->gf + d : v->gsh;
    int64_t gs = v->gf ? nl : 1;
    for (int kk = 0; kk < K2; kk++) a[kk] = tau * gd[kk * gs];
    for (int k = 0; k < K; k++) lin[k] = tau * v->h[d + k * nl];
    if (!s->o->spikeslab) {
      for (int k = 0; k < K; k++) a[k + k * K] += ea[k];
      double ld = 0;
      int info = factor_spd_inverse(a, K, &ld);
      if (info) STRATA_FAIL(STRATA_ERR_NUMERIC, "factor: W precision not positive definite (minor %d)", info);
      for (int k = 0; k < K; k++) {
        double t = 0;
        for (int j = 0; j < K; j++) t += a[k + j * K] * lin[j];
        v->m[d + k * nl] = t;
      }
      for (int j = 0; j < K; j++)
        for (int k = 0; k < K; k++)
          v->eww[d + (k + j * K) * nl] = a[k + j * K] + v->m[d + k * nl] * v->m[d + j * nl];
      v->ldw[d] = -ld;
    } else {
      for (int k = 0; k < K; k++) ew[k] = v->sg[d + k * nl] * v->smu[d + k * nl];
      for (int k = 0; k < K; k++) {
        double s2 = 1.0 / (ea[k] + a[k + k * K]);
        double c = lin[k];
        for (int j = 0; j < K; j++)
          if (j != k) c -= a[j + k * K] * ew[j];
        double mu = s2 * c;
        double lg = elt[k] + 0.5 * ela[k] + 0.5 * log(s2) + 0.5 * mu * mu / s2;
        double gm = 1.0 / (1.0 + exp(-lg));
        v->smu[d + k * nl] = mu;
        v->ss2[d + k * nl] = s2;
        v->sg[d + k * nl] = gm;
        ew[k] = gm * mu;
      }
      for (int j = 0; j < K; j++)
        for (int k = 0; k < K; k++) {
          double e = ew[k] * ew[j];
          if (j == k) {
            double mu = v->smu[d + k * nl], s2 = v->ss2[d + k * nl], gm = v->sg[d + k * nl];
            e = gm * (mu * mu + s2);
          }
          v->eww[d + (k + j * K) * nl] = e;
        }
      for (int k = 0; k < K; k++) v->m[d + k * nl] = ew[k];
    }
  }
cleanup:
  free(a);
  free(lin);
  free(ew);
  return st;
}

/* q(alpha_m) and q(theta_m) of every view: sums over features, one reduction over the grid
 * row for all views. */
static int update_alpha(state_t *s) {
  int st = STRATA_OK;
  int K = s->K, M = s->M;
  double *buf = NULL;
  STRATA_CALLOC(buf, (size_t)2 * K * M);
  for (int m = 0; m < M; m++) {
    vstate_t *v = &s->v[m];
    int64_t nl = v->nloc;
    double *b = buf + (size_t)2 * K * m;
    for (int k = 0; k < K; k++)
      for (int64_t d = 0; d < nl; d++) {
        if (s->o->spikeslab) {
          double gm = v->sg[d + k * nl], mu = v->smu[d + k * nl];
          b[k] += gm;
          b[K + k] += gm * (mu * mu + v->ss2[d + k * nl]);
        } else {
          b[k] += 1;
          b[K + k] += v->eww[d + (k + k * K) * nl];
        }
      }
  }
  STRATA_CHECK(factor_reduce(s, buf, 2 * K * M, s->g->rowcomm));
  for (int m = 0; m < M; m++) {
    vstate_t *v = &s->v[m];
    const double *b = buf + (size_t)2 * K * m;
    for (int k = 0; k < K; k++) {
      v->al_a[k] = PRIOR_A0 + 0.5 * b[k];
      v->al_b[k] = PRIOR_B0 + 0.5 * b[K + k];
      v->th_a[k] = THETA_A0 + b[k];
      v->th_b[k] = THETA_B0 + (double)v->nvar - b[k];
    }
  }
cleanup:
  free(buf);
  return st;
}

/* q(z_n) for every local sample: precision I + sum over views and features of the weighted
 * E[w w^T], linear term sum of the weighted data times E[w]; reduced over the grid row. */
static int update_z(state_t *s) {
  int st = STRATA_OK;
  int K = s->K, K2 = K * K, M = s->M;
  int64_t ml = s->mloc;
  /* buf: [M x K^2 shared precisions][ml x K linear][ml x K^2 per-sample precisions] */
  int64_t off_lin = (int64_t)M * K2, off_ps = off_lin + ml * K;
  int64_t n = off_ps + (s->need_persample ? ml * K2 : 0);
  double *buf = s->zbuf, *a = NULL;
  memset(buf, 0, sizeof(double) * n);
  STRATA_MALLOC(a, K2);
  for (int m = 0; m < M; m++) {
    vstate_t *v = &s->v[m];
    int64_t nl = v->nloc;
    if (nl == 0) continue;
    if (v->lik == STRATA_LIK_GAUSSIAN) {
      for (int k = 0; k < K; k++)
        for (int64_t d = 0; d < nl; d++) v->tmp[d + k * nl] = v->etau[d] * v->m[d + k * nl];
      cblas_dgemv(CblasColMajor, CblasTrans, (int)nl, K2, 1.0, v->eww, (int)nl, v->etau, 1, 0.0,
                  buf + (int64_t)m * K2, 1);
      strata_tsmm_ab(ml, nl, K, v->y->a, ml, v->tmp, 1, nl, buf + off_lin, ml);
      if (v->partial)
        for (int64_t d = 0; d < nl; d++)
          for (int64_t p = v->mptr[d]; p < v->mptr[d + 1]; p++) {
            int64_t i = v->mrow[p];
            for (int kk = 0; kk < K2; kk++)
              buf[off_ps + i + kk * ml] -= v->etau[d] * v->eww[d + kk * nl];
          }
    } else if (ml > 0) {
      for (int k = 0; k < K; k++)
        for (int64_t d = 0; d < nl; d++) v->tmp[d + k * nl] = v->icpt[d] * v->m[d + k * nl];
      strata_tsmm_ab(ml, nl, K, v->y->a, ml, v->m, 1, nl, buf + off_lin, ml);
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)ml, K, (int)nl, -1.0, v->lam2,
                  (int)ml, v->tmp, (int)nl, 1.0, buf + off_lin, (int)ml);
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)ml, K2, (int)nl, 1.0, v->lam2,
                  (int)ml, v->eww, (int)nl, 1.0, buf + off_ps, (int)ml);
    }
  }
  STRATA_CHECK(factor_reduce(s, buf, n, s->g->rowcomm));
  for (int64_t i = 0; i < ml; i++) {
    for (int kk = 0; kk < K2; kk++) {
      double t = s->need_persample ? buf[off_ps + i + kk * ml] : 0;
      for (int m = 0; m < M; m++)
        if (s->v[m].lik == STRATA_LIK_GAUSSIAN && s->v[m].y->present[i]) t += buf[m * K2 + kk];
      a[kk] = t;
    }
    for (int k = 0; k < K; k++) a[k + k * K] += 1.0;
    double ld = 0;
    int info = factor_spd_inverse(a, K, &ld);
    if (info) STRATA_FAIL(STRATA_ERR_NUMERIC, "factor: Z precision not positive definite (minor %d)", info);
    for (int k = 0; k < K; k++) {
      double t = 0;
      for (int j = 0; j < K; j++) t += a[k + j * K] * buf[off_lin + i + j * ml];
      s->mu[i + k * ml] = t;
    }
    for (int j = 0; j < K; j++)
      for (int k = 0; k < K; k++)
        s->ezz[i + (k + j * K) * ml] = a[k + j * K] + s->mu[i + k * ml] * s->mu[i + j * ml];
    s->ldz[i] = -ld;
  }
cleanup:
  free(a);
  return st;
}

/* E_q[sum over observed n of (y_nd - z_n^T w_d)^2] of Gaussian feature d, from the statistics:
 * yy_d - 2 E[w_d]^T h_d + tr(G_d E[w_d w_d^T]). */
double factor_expected_sse(const vstate_t *v, int K, int64_t d) {
  int K2 = K * K;
  int64_t nl = v->nloc;
  const double *gd = v->gf ? v->gf + d : v->gsh;
  int64_t gs = v->gf ? nl : 1;
  double sse = v->yy[d], tr = 0;
  for (int k = 0; k < K; k++) sse -= 2 * v->m[d + k * nl] * v->h[d + k * nl];
  for (int kk = 0; kk < K2; kk++) tr += gd[kk * gs] * v->eww[d + kk * nl];
  sse += tr;
  return sse;
}

/* q(tau_d) of Gaussian views from the expected residual sum of squares. */
static void update_tau(state_t *s, vstate_t *v) {
  int64_t nl = v->nloc;
  for (int64_t d = 0; d < nl; d++) {
    double sse = factor_expected_sse(v, s->K, d);
    if (v->nd[d] == 0 || v->yy[d] <= 1e-12 * v->nd[d]) {
      /* no information (nothing observed, or constant): tau = 0 removes the feature from
       * every update and from the bound */
      v->tau_a[d] = PRIOR_A0;
      v->tau_b[d] = PRIOR_B0;
      v->etau[d] = 0;
      continue;
    }
    v->tau_a[d] = PRIOR_A0 + 0.5 * v->nd[d];
    v->tau_b[d] = v->tau_b0[d] + 0.5 * fmax(sse, 0.0);
    v->etau[d] = v->tau_a[d] / v->tau_b[d];
  }
}

/* One iteration's updates: W of every view -> alpha, theta -> Z -> statistics of q(Z) -> tau.
 * Collective; the caller agrees on the status. */
int factor_sweep(state_t *s) {
  int st = STRATA_OK;
  for (int m = 0; m < s->M && !st; m++) st = update_w(s, &s->v[m]);
  if (!st) st = update_alpha(s);
  if (!st) st = update_z(s);
  if (!st) st = factor_all_stats(s);
  for (int m = 0; m < s->M && !st; m++)
    if (s->v[m].lik == STRATA_LIK_GAUSSIAN) update_tau(s, &s->v[m]);
  return st;
}
