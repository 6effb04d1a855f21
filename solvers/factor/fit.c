/* MOFA-style factor model by mean-field variational inference on the 2D process grid.
 * q(z_n) is a full K x K Gaussian per sample, q(w_d) a full K x K Gaussian per feature (or
 * MOFA's factorised spike-and-slab, updated factor by factor), q(alpha_mk) and q(tau_d) Gamma,
 * q(theta_mk) Beta; Bernoulli views use the Jaakkola-Jordan bound with one xi per entry.  One
 * iteration: W of every view -> alpha, theta -> Z -> statistics of q(Z) (xi, sums over samples)
 * -> tau -> ELBO -> drop factors.  Each update is an exact coordinate ascent step of one bound,
 * so the ELBO never decreases (except where factors are dropped).  Sums over features are
 * reduced over grid->rowcomm, sums over samples over grid->colcomm, once per step for all views.
 * Not here: reading cohorts, writing results (io/mofa2.c), the PCA start (factor_init.c). */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpi/scalapack_proto.h"
#include "solvers/la/kernels.h"
#include "strata/state.h"
#include "strata/factor.h"
#include "strata/rng.h"
#include "strata/util.h"

/* Uninformative Gamma priors on precisions (as MOFA) and a flat Beta(1,1) on the slab
 * probability. */
#define PRIOR_A0 1e-14
#define PRIOR_B0 1e-14
#define THETA_A0 1.0
#define THETA_B0 1.0
#define CHUNK 256
/* The noise precision prior of Gaussian feature d has rate PRIOR_B0 + TAU_FLOOR * (sum of
 * squares of the feature) / 2: a pseudo-residual that keeps tau_d * var_d below ~1/TAU_FLOOR.
 * Without it a feature that a factor can copy (N small, e.g. a copy-number gene carried by one
 * factor) drives tau_d to infinity and the updates lose all precision (the bound is unbounded
 * there); with it the per-feature R^2 is capped at 1 - 1e-6, which real data never reaches. */
#define TAU_FLOOR 1e-6

typedef struct vstate {
  strata_dmat_t *y;
  int lik;
  int64_t nloc, mloc, nvar;
  double *icpt;             /* [nloc] feature mean (Gaussian) or fixed logit intercept (Bernoulli) */
  /* Gaussian */
  int partial;              /* some present sample misses some entry (any rank) */
  int64_t *mptr;            /* [nloc+1] CSC of missing entries of present rows */
  int32_t *mrow;
  double *nd, *yy;          /* [nloc] observed count and sum of squares per feature (global) */
  double *tau_a, *tau_b, *etau; /* [nloc]; etau = 0 marks a feature without information */
  double *tau_b0;           /* [nloc] prior rate of tau_d (see TAU_FLOOR) */
  /* Bernoulli: 2*lambda(xi) for observed entries, 0 for missing */
  double *lam2;
  /* q(W) */
  double *m, *eww, *ldw;    /* [nloc x K], [nloc x K^2], [nloc] */
  double *smu, *ss2, *sg;   /* spike-and-slab [nloc x K] */
  double *al_a, *al_b;      /* [K] ARD */
  double *th_a, *th_b;      /* [K] slab probability */
  /* statistics of q(Z) seen from this view's features (reduced over samples) */
  double *h;                /* [nloc x K] (h, gf, gsh point into state_t.statbuf) */
  double *gf;               /* [nloc x K^2] per-feature weighted sum of E[z z^T], or NULL */
  double *gsh;              /* [K^2] sum of E[z z^T] over present samples (Gaussian) */
  double *tmp;              /* [nloc x K] scratch */
} vstate_t;

typedef struct state {
  const strata_grid_t *g;
  const strata_factor_opts_t *o;
  int M, K, K0;
  int64_t N, mloc;
  vstate_t *v;
  double *mu, *ezz, *ldz;   /* q(Z): [mloc x K], [mloc x K^2], [mloc] */
  double *zbuf;             /* scratch for the Z update */
  double *statbuf;          /* h, gsh, gf of every view (all_stats) */
  int need_persample;       /* a Bernoulli or partially observed view exists */
  double t_comm;
  double bern_lik;          /* Bernoulli likelihood bound from the last statistics pass */
  double *elbo;
  int64_t *elbo_iter, *elbo_k, n_elbo, cap_elbo;
  int64_t iter;
} state_t;

/* ---- small numerics ---------------------------------------------------------------------- */

static double digamma(double x) {
  double r = 0;
  while (x < 6) { r -= 1 / x; x += 1; }
  double f = 1 / (x * x);
  return r + log(x) - 0.5 / x -
         f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132)))));
}

/* E_q[log p(x)] - E_q[log q(x)] for p = Gamma(a0, b0), q = Gamma(a, b) (rate form). */
static double gamma_kl_term(double a0, double b0, double a, double b) {
  double ex = a / b, elx = digamma(a) - log(b);
  return (a0 * log(b0) - lgamma(a0) + (a0 - 1) * elx - b0 * ex) -
         (a * log(b) - lgamma(a) + (a - 1) * elx - b * ex);
}

static double lbeta(double a, double b) { return lgamma(a) + lgamma(b) - lgamma(a + b); }

static double beta_kl_term(double a0, double b0, double a, double b) {
  double el = digamma(a) - digamma(a + b), el1 = digamma(b) - digamma(a + b);
  return ((a0 - 1) * el + (b0 - 1) * el1 - lbeta(a0, b0)) -
         ((a - 1) * el + (b - 1) * el1 - lbeta(a, b));
}

/* a (K x K, SPD, full storage) <- a^-1; *logdet = log det of the input.  Returns 0, or j+1
 * when the leading minor of order j+1 is not positive.  A plain Cholesky written out: called
 * once per sample and once per feature with K <= 64, where a LAPACK call's overhead would cost
 * more than the arithmetic. */
static int spd_inverse(double *a, int K, double *logdet) {
  double l[64 * 64], li[64 * 64];
  double ld = 0;
  for (int j = 0; j < K; j++) {
    double d = a[j + j * K];
    for (int p = 0; p < j; p++) d -= l[j + p * K] * l[j + p * K];
    if (!(d > 0)) return j + 1;
    d = sqrt(d);
    l[j + j * K] = d;
    ld += 2 * log(d);
    for (int i = j + 1; i < K; i++) {
      double t = a[i + j * K];
      for (int p = 0; p < j; p++) t -= l[i + p * K] * l[j + p * K];
      l[i + j * K] = t / d;
    }
  }
  for (int j = 0; j < K; j++) {
    li[j + j * K] = 1 / l[j + j * K];
    for (int i = j + 1; i < K; i++) {
      double t = 0;
      for (int p = j; p < i; p++) t -= l[i + p * K] * li[p + j * K];
      li[i + j * K] = t / l[i + i * K];
    }
  }
  for (int j = 0; j < K; j++)
    for (int i = j; i < K; i++) {
      double t = 0;
      for (int p = i; p < K; p++) t += li[p + i * K] * li[p + j * K];
      a[i + j * K] = t;
      a[j + i * K] = t;
    }
  *logdet = ld;
  return 0;
}

static int reduce(state_t *s, double *buf, int64_t n, MPI_Comm comm) {
  int st = STRATA_OK;
  if (n > INT32_MAX) STRATA_FAIL(STRATA_ERR_INTERNAL, "factor: reduction of %lld values too large", (long long)n);
  double t0 = strata_wtime();
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_DOUBLE, MPI_SUM, comm));
  s->t_comm += strata_wtime() - t0;
cleanup:
  return st;
}

/* ---- preprocessing ----------------------------------------------------------------------- */

/* The CSC of missing entries: done before the NaNs are overwritten, so preprocess is split in
 * two passes over the block (this one first). */
static int missing_lists(state_t *s, int m) {
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

static int preprocess(state_t *s, int m, const char *name) {
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
  STRATA_CHECK(reduce(s, sum, 2 * nl, s->g->colcomm));
  double tot = 0;
  for (int64_t d = 0; d < nl; d++) tot += s->g->myrow == 0 ? sum[nl + d] : 0;
  STRATA_CHECK(reduce(s, &tot, 1, s->g->comm));
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
  STRATA_CHECK(reduce(s, v->yy, nl, s->g->colcomm));
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


static double lambda2(double xi) {
  xi = fabs(xi);
  return xi < 1e-6 ? 0.25 - xi * xi / 24.0 : tanh(xi / 2) / (2 * xi);
}

/* ---- statistics of q(Z) per view ---------------------------------------------------------- */

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
        l2[i] = lambda2(xi);
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
 * the W update needs (reduced over the grid column by all_stats).  For a partially observed
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
static int all_stats(state_t *s) {
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
  STRATA_CHECK(reduce(s, s->statbuf, p - s->statbuf, s->g->colcomm));
  for (int m = 0; m < s->M; m++) finish_stats(s, &s->v[m]);
  s->bern_lik = lik;
cleanup:
  return st;
}

/* ---- updates ------------------------------------------------------------------------------ */

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
    ela[k] = digamma(v->al_a[k]) - log(v->al_b[k]);
    elt[k] = digamma(v->th_a[k]) - digamma(v->th_b[k]);
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
      int info = spd_inverse(a, K, &ld);
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
  STRATA_CHECK(reduce(s, buf, 2 * K * M, s->g->rowcomm));
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
  STRATA_CHECK(reduce(s, buf, n, s->g->rowcomm));
  for (int64_t i = 0; i < ml; i++) {
    for (int kk = 0; kk < K2; kk++) {
      double t = s->need_persample ? buf[off_ps + i + kk * ml] : 0;
      for (int m = 0; m < M; m++)
        if (s->v[m].lik == STRATA_LIK_GAUSSIAN && s->v[m].y->present[i]) t += buf[m * K2 + kk];
      a[kk] = t;
    }
    for (int k = 0; k < K; k++) a[k + k * K] += 1.0;
    double ld = 0;
    int info = spd_inverse(a, K, &ld);
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

/* q(tau_d) of Gaussian views from the expected residual sum of squares. */
static void update_tau(state_t *s, vstate_t *v) {
  int K = s->K, K2 = K * K;
  int64_t nl = v->nloc;
  for (int64_t d = 0; d < nl; d++) {
    const double *gd = v->gf ? v->gf + d : v->gsh;
    int64_t gs = v->gf ? nl : 1;
    double sse = v->yy[d], tr = 0;
    for (int k = 0; k < K; k++) sse -= 2 * v->m[d + k * nl] * v->h[d + k * nl];
    for (int kk = 0; kk < K2; kk++) tr += gd[kk * gs] * v->eww[d + kk * nl];
    sse += tr;
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

/* ---- the bound ---------------------------------------------------------------------------- */

/* Collective.  Each term is added on exactly one rank of the ranks that replicate it. */
static int elbo(state_t *s, double *out) {
  int st = STRATA_OK;
  int K = s->K, K2 = K * K;
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
        ela[k] = digamma(v->al_a[k]) - log(v->al_b[k]);
        elt[k] = digamma(v->th_a[k]) - digamma(v->th_a[k] + v->th_b[k]);
        elt1[k] = digamma(v->th_b[k]) - digamma(v->th_a[k] + v->th_b[k]);
      }
      for (int64_t d = 0; d < nl; d++) {
        if (v->lik == STRATA_LIK_GAUSSIAN && v->etau[d] > 0) {
          const double *gd = v->gf ? v->gf + d : v->gsh;
          int64_t gs = v->gf ? nl : 1;
          double sse = v->yy[d], tr = 0;
          for (int k = 0; k < K; k++) sse -= 2 * v->m[d + k * nl] * v->h[d + k * nl];
          for (int kk = 0; kk < K2; kk++) tr += gd[kk * gs] * v->eww[d + kk * nl];
          sse += tr;
          double elt_d = digamma(v->tau_a[d]) - log(v->tau_b[d]);
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
  STRATA_CHECK(reduce(s, &e, 1, g->comm));
  *out = e;
cleanup:
  return st;
}

/* ---- variance explained ------------------------------------------------------------------- */

/* r2[m + k*M] and r2tot[m] over observed entries, from E[Z] and E[W] (as MOFA).  Gaussian views
 * use the centred data through the statistics (h = Y^T E[Z]) plus the missing-entry lists;
 * Bernoulli views use the Jaakkola-Jordan pseudo-data (y - 1/2) / (2 lambda) - b on the logit
 * scale, entry by entry.  Collective. */
static int r2_compute(state_t *s, double *r2, double *r2tot) {
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
  STRATA_CHECK(reduce(s, cs, M * K2, g->colcomm));
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
  STRATA_CHECK(reduce(s, acc, M * per, g->comm));
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

/* ---- dropping and reordering factors ------------------------------------------------------- */

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
static int apply_perm(state_t *s, const int *perm, int Kn) {
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

/* ---- checkpoint ----------------------------------------------------------------------------- */

static int ckpt_io(state_t *s, strata_state_t *c, int writing) {
  int st = STRATA_OK;
  int K = s->K, K2 = K * K;
  char name[64];
#define DIST(nm, p, n)                                                              \
  STRATA_CHECK(writing ? strata_state_put_dist(c, nm, p, n) : strata_state_get_dist(c, nm, p, n))
#define REP(nm, p, n)                                                               \
  STRATA_CHECK(writing ? strata_state_put_rep(c, nm, p, n) : strata_state_get_rep(c, nm, p, n))
  DIST("z_mu", s->mu, s->mloc * K);
  DIST("z_ezz", s->ezz, s->mloc * K2);
  DIST("z_ld", s->ldz, s->mloc);
  for (int m = 0; m < s->M; m++) {
    vstate_t *v = &s->v[m];
    int64_t nl = v->nloc;
    snprintf(name, sizeof name, "v%d_m", m); DIST(name, v->m, nl * K);
    snprintf(name, sizeof name, "v%d_eww", m); DIST(name, v->eww, nl * K2);
    snprintf(name, sizeof name, "v%d_ldw", m); DIST(name, v->ldw, nl);
    snprintf(name, sizeof name, "v%d_tau_a", m); DIST(name, v->tau_a, nl);
    snprintf(name, sizeof name, "v%d_tau_b", m); DIST(name, v->tau_b, nl);
    snprintf(name, sizeof name, "v%d_etau", m); DIST(name, v->etau, nl);
    if (s->o->spikeslab) {
      snprintf(name, sizeof name, "v%d_smu", m); DIST(name, v->smu, nl * K);
      snprintf(name, sizeof name, "v%d_ss2", m); DIST(name, v->ss2, nl * K);
      snprintf(name, sizeof name, "v%d_sg", m); DIST(name, v->sg, nl * K);
    }
    snprintf(name, sizeof name, "v%d_al_a", m); REP(name, v->al_a, K);
    snprintf(name, sizeof name, "v%d_al_b", m); REP(name, v->al_b, K);
    snprintf(name, sizeof name, "v%d_th_a", m); REP(name, v->th_a, K);
    snprintf(name, sizeof name, "v%d_th_b", m); REP(name, v->th_b, K);
  }
  REP("elbo", s->elbo, s->n_elbo);
#undef DIST
#undef REP
  if (writing) {
    STRATA_CHECK(strata_state_put_rep_i64(c, "elbo_iter", s->elbo_iter, s->n_elbo));
    STRATA_CHECK(strata_state_put_rep_i64(c, "elbo_k", s->elbo_k, s->n_elbo));
  } else {
    STRATA_CHECK(strata_state_get_rep_i64(c, "elbo_iter", s->elbo_iter, s->n_elbo));
    STRATA_CHECK(strata_state_get_rep_i64(c, "elbo_k", s->elbo_k, s->n_elbo));
  }
cleanup:
  return st;
}

/* The header: what must match for a resume, then where the run stood. */
enum { HDR_M, HDR_K0, HDR_SPIKE, HDR_N, HDR_ITER, HDR_K, HDR_NELBO, HDR_SEED, HDR_RNG_STREAM,
       HDR_RNG_COUNTER, HDR_FIXED };

static int ckpt_write(state_t *s) {
  int st = STRATA_OK;
  strata_state_t *c = s->o->checkpoint;
  int64_t *hdr = NULL;
  int n = HDR_FIXED + 2 * s->M;
  STRATA_CALLOC(hdr, n);
  hdr[HDR_M] = s->M; hdr[HDR_K0] = s->K0; hdr[HDR_SPIKE] = s->o->spikeslab; hdr[HDR_N] = s->N;
  hdr[HDR_ITER] = s->iter; hdr[HDR_K] = s->K; hdr[HDR_NELBO] = s->n_elbo;
  /* the solver draws random numbers only at initialisation: the RNG state is its seed */
  hdr[HDR_SEED] = (int64_t)s->o->seed; hdr[HDR_RNG_STREAM] = 0; hdr[HDR_RNG_COUNTER] = 0;
  for (int m = 0; m < s->M; m++) {
    hdr[HDR_FIXED + 2 * m] = s->v[m].nvar;
    hdr[HDR_FIXED + 2 * m + 1] = s->v[m].lik;
  }
  STRATA_CHECK(strata_state_begin_write(c, s->g->comm, "factor"));
  STRATA_CHECK(strata_state_put_rep_i64(c, "header", hdr, n));
  STRATA_CHECK(ckpt_io(s, c, 1));
  STRATA_CHECK(strata_state_commit(c));
cleanup:
  strata_state_end(c);
  free(hdr);
  return st;
}

static int grow_elbo(state_t *s, int64_t need) {
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

static int ckpt_read(state_t *s) {
  int st = STRATA_OK;
  strata_state_t *c = s->o->resume;
  int64_t *hdr = NULL;
  int n = HDR_FIXED + 2 * s->M;
  STRATA_CALLOC(hdr, n);
  STRATA_CHECK(strata_state_begin_read(c, s->g->comm, "factor"));
  STRATA_CHECK(strata_state_get_rep_i64(c, "header", hdr, n));
  int ok = hdr[HDR_M] == s->M && hdr[HDR_K0] == s->K0 && hdr[HDR_SPIKE] == s->o->spikeslab &&
           hdr[HDR_N] == s->N && hdr[HDR_K] >= 1 && hdr[HDR_K] <= s->K0;
  for (int m = 0; m < s->M && ok; m++)
    ok = hdr[HDR_FIXED + 2 * m] == s->v[m].nvar && hdr[HDR_FIXED + 2 * m + 1] == s->v[m].lik;
  if (!ok)
    STRATA_FAIL(STRATA_ERR_INPUT,
                "factor: checkpoint '%s' was written for other data or options (views, shapes, "
                "likelihoods, -k or --spikeslab differ)", strata_state_name(s->o->resume));
  s->iter = hdr[HDR_ITER];
  s->K = (int)hdr[HDR_K];
  s->n_elbo = hdr[HDR_NELBO];
  STRATA_CHECK(grow_elbo(s, s->n_elbo));
  STRATA_CHECK(ckpt_io(s, c, 0));
cleanup:
  strata_state_end(c);
  free(hdr);
  return st;
}

/* ---- the fit -------------------------------------------------------------------------------- */

void strata_factor_opts_default(strata_factor_opts_t *o) {
  memset(o, 0, sizeof *o);
  o->k = 10;
  o->max_iter = 1000;
  o->tol = 1e-6;
  o->elbo_freq = 1;
  o->drop_r2 = 0.01;
  o->seed = 1;
}

static void state_free(state_t *s) {
  if (!s) return;
  for (int m = 0; s->v && m < s->M; m++) {
    vstate_t *v = &s->v[m];
    free(v->icpt); free(v->mptr); free(v->mrow); free(v->nd); free(v->yy);
    free(v->tau_a); free(v->tau_b); free(v->etau); free(v->tau_b0); free(v->lam2);
    free(v->m); free(v->eww); free(v->ldw); free(v->smu); free(v->ss2); free(v->sg);
    free(v->al_a); free(v->al_b); free(v->th_a); free(v->th_b);
    free(v->tmp);
  }
  free(s->v); free(s->mu); free(s->ezz); free(s->ldz); free(s->zbuf); free(s->statbuf);
  free(s->elbo); free(s->elbo_iter); free(s->elbo_k);
}

static int state_alloc(state_t *s) {
  int st = STRATA_OK;
  int K = s->K0, K2 = K * K;
  STRATA_CALLOC(s->mu, s->mloc * K);
  STRATA_CALLOC(s->ezz, s->mloc * K2);
  STRATA_CALLOC(s->ldz, s->mloc);
  s->need_persample = 0;
  int64_t nstat = 0;
  for (int m = 0; m < s->M; m++) {
    vstate_t *v = &s->v[m];
    int64_t nl = v->nloc;
    STRATA_CALLOC(v->tau_a, nl);
    STRATA_CALLOC(v->tau_b, nl);
    STRATA_CALLOC(v->etau, nl);
    STRATA_CALLOC(v->m, nl * K);
    STRATA_CALLOC(v->eww, nl * K2);
    STRATA_CALLOC(v->ldw, nl);
    STRATA_CALLOC(v->tmp, nl * K);
    STRATA_CALLOC(v->al_a, K);
    STRATA_CALLOC(v->al_b, K);
    STRATA_CALLOC(v->th_a, K);
    STRATA_CALLOC(v->th_b, K);
    if (s->o->spikeslab) {
      STRATA_CALLOC(v->smu, nl * K);
      STRATA_CALLOC(v->ss2, nl * K);
      STRATA_CALLOC(v->sg, nl * K);
    }
    nstat += nl * K + K2;
    if (v->lik == STRATA_LIK_BERNOULLI || v->partial) {
      nstat += nl * K2;
      s->need_persample = 1;
    }
    if (v->lik == STRATA_LIK_BERNOULLI) STRATA_CALLOC(v->lam2, v->mloc * nl);
  }
  STRATA_CALLOC(s->statbuf, nstat);
  STRATA_CALLOC(s->zbuf, (int64_t)s->M * K2 + s->mloc * K + (s->need_persample ? s->mloc * K2 : 0));
cleanup:
  return st;
}

/* Bernoulli views: lam2 = 2 lambda(|b_d|) (xi for W = 0) on observed entries, 0 on missing
 * ones; a nonzero lam2 is what marks an entry as observed from here on (fresh start and resume). */
static void bernoulli_mark(state_t *s) {
  int64_t ml = s->mloc;
  for (int m = 0; m < s->M; m++) {
    vstate_t *v = &s->v[m];
    if (v->lik != STRATA_LIK_BERNOULLI) continue;
    for (int64_t d = 0; d < v->nloc; d++)
      for (int64_t i = 0; i < ml; i++)
        v->lam2[i + d * ml] = v->y->present[i] ? lambda2(v->icpt[d]) : 0;
    for (int64_t d = 0; d < v->nloc; d++)
      for (int64_t p = v->mptr[d]; p < v->mptr[d + 1]; p++) v->lam2[v->mrow[p] + d * ml] = 0;
  }
}

/* Initial state before the first W update: E[Z] from PCA or N(0,1), E[zz^T] = E[z]E[z]^T,
 * E[alpha] = 1, E[theta] = 1/2, E[tau_d] = 1 / (observed variance of feature d),
 * Bernoulli xi = |b_d| (W = 0). */
static int initial_state(state_t *s, strata_dmat_t *const *views) {
  int st = STRATA_OK;
  int K = s->K, K2 = K * K;
  int64_t ml = s->mloc;
  if (s->o->init_random) {
    for (int k = 0; k < K; k++)
      for (int64_t i = 0; i < ml; i++)
        s->mu[i + k * ml] = strata_rng_normal_at(s->o->seed, 0x2000u + (uint64_t)k,
                                                 (uint64_t)views[0]->rows[i]);
  } else {
    STRATA_CHECK(strata_factor_init_pca(s->M, views, K, s->o->seed, s->mu));
  }
  for (int j = 0; j < K; j++)
    for (int k = 0; k < K; k++)
      for (int64_t i = 0; i < ml; i++)
        s->ezz[i + (k + j * K) * ml] = s->mu[i + k * ml] * s->mu[i + j * ml];
  (void)K2;
  for (int m = 0; m < s->M; m++) {
    vstate_t *v = &s->v[m];
    for (int k = 0; k < K; k++) {
      v->al_a[k] = 1; v->al_b[k] = 1; v->th_a[k] = 1; v->th_b[k] = 1;
    }
    for (int64_t d = 0; d < v->nloc; d++) {
      double var = v->nd[d] > 0 ? v->yy[d] / v->nd[d] : 0;
      v->etau[d] = var > 1e-12 ? 1 / var : 0;
      v->tau_a[d] = 1; v->tau_b[d] = var > 1e-12 ? var : 1;
      if (s->o->spikeslab)
        for (int k = 0; k < K; k++) v->ss2[d + k * v->nloc] = 0, v->sg[d + k * v->nloc] = 0;
    }
  }
cleanup:
  return st;
}

/* Shapes and options checked, per-view records filled.  Not collective. */
static int state_setup(state_t *s, int nviews, strata_dmat_t *const *views, const int *likelihood,
                       const strata_factor_opts_t *opts) {
  int st = STRATA_OK;
  const strata_grid_t *g = views[0]->grid;
  s->g = g;
  s->o = opts;
  s->M = nviews;
  s->N = views[0]->nrows;
  s->mloc = views[0]->mloc;
  int64_t dtot = 0;
  for (int m = 0; m < nviews; m++) dtot += views[m]->ncols;
  int64_t kmax = s->N < dtot ? s->N : dtot;
  if (opts->k <= 0 || opts->k > kmax || opts->k > 64)
    STRATA_FAIL(STRATA_ERR_INPUT,
                "factor: -k %d is not usable: need 1 <= k <= min(samples %lld, features %lld, 64)",
                opts->k, (long long)s->N, (long long)dtot);
  s->K = s->K0 = opts->k;
  STRATA_CALLOC(s->v, nviews);
  for (int m = 0; m < nviews; m++) {
    if (views[m]->nrows != s->N || views[m]->mloc != s->mloc || views[m]->grid != g)
      STRATA_FAIL(STRATA_ERR_INTERNAL, "factor: views do not share rows and grid");
    vstate_t *v = &s->v[m];
    v->y = views[m];
    v->lik = likelihood ? likelihood[m] : STRATA_LIK_GAUSSIAN;
    v->nloc = views[m]->nloc;
    v->mloc = views[m]->mloc;
    v->nvar = views[m]->ncols;
  }
cleanup:
  return st;
}

/* Sort factors by decreasing total R^2 (summed over views) and fill the result. */
static int finish(state_t *s, strata_factor_t *f) {
  int st = STRATA_OK;
  int K = s->K, M = s->M, perm[64];
  double *r2 = NULL, *r2t = NULL, tot[64];
  STRATA_CALLOC(r2, (size_t)M * K);
  STRATA_CALLOC(r2t, M);
  STRATA_CHECK(r2_compute(s, r2, r2t));
  for (int k = 0; k < K; k++) {
    perm[k] = k;
    tot[k] = 0;
    for (int m = 0; m < M; m++) tot[k] += r2[m + k * M];
  }
  for (int a = 1; a < K; a++)
    for (int b = a; b > 0 && tot[perm[b]] > tot[perm[b - 1]]; b--) {
      int t = perm[b]; perm[b] = perm[b - 1]; perm[b - 1] = t;
    }
  STRATA_CHECK(apply_perm(s, perm, K));
  STRATA_CALLOC(f->r2, (size_t)M * K);
  for (int k = 0; k < K; k++)
    for (int m = 0; m < M; m++) f->r2[m + k * M] = r2[m + perm[k] * M];
  f->r2_total = r2t;
  r2t = NULL;
  f->k = K;
  STRATA_CALLOC(f->rows, s->mloc);
  memcpy(f->rows, s->v[0].y->rows, sizeof(int64_t) * s->mloc);
  STRATA_CALLOC(f->z, s->mloc * K);
  memcpy(f->z, s->mu, sizeof(double) * s->mloc * K);
  for (int m = 0; m < M; m++) {
    vstate_t *v = &s->v[m];
    STRATA_CALLOC(f->w[m], v->nloc * K);
    memcpy(f->w[m], v->m, sizeof(double) * v->nloc * K);
    STRATA_CALLOC(f->intercept[m], v->nloc);
    memcpy(f->intercept[m], v->icpt, sizeof(double) * v->nloc);
  }
  f->n_elbo = s->n_elbo;
  STRATA_CALLOC(f->elbo, s->n_elbo);
  STRATA_CALLOC(f->elbo_iter, s->n_elbo);
  STRATA_CALLOC(f->elbo_k, s->n_elbo);
  memcpy(f->elbo, s->elbo, sizeof(double) * s->n_elbo);
  memcpy(f->elbo_iter, s->elbo_iter, sizeof(int64_t) * s->n_elbo);
  memcpy(f->elbo_k, s->elbo_k, sizeof(int64_t) * s->n_elbo);
  f->iterations = s->iter;
cleanup:
  free(r2);
  free(r2t);
  return st;
}

int strata_factor_fit(int nviews, strata_dmat_t *const *views, const int *likelihood,
                      const strata_factor_opts_t *opts, strata_events_t *ev,
                      strata_factor_t **out) {
  int st = STRATA_OK;
  state_t s;
  strata_factor_t *f = NULL;
  double *r2 = NULL, *r2t = NULL;
  memset(&s, 0, sizeof s);
  *out = NULL;
  if (nviews < 1 || !views || !views[0])
    return strata_err_set(STRATA_ERR_INTERNAL, __FILE__, __LINE__, __func__, "factor: no views");
  const strata_grid_t *g = views[0]->grid;
  double t_start = strata_wtime();
  st = state_setup(&s, nviews, views, likelihood, opts);
  if ((st = strata_agree(g->comm, st))) goto fail;

  for (int m = 0; m < nviews; m++) {
    char nbuf[32];
    const char *name = opts->view_names ? opts->view_names[m] : (snprintf(nbuf, sizeof nbuf, "%d", m + 1), nbuf);
    st = missing_lists(&s, m);
    if ((st = strata_agree(g->comm, st))) goto fail;
    if ((st = preprocess(&s, m, name))) goto fail;
  }
  st = state_alloc(&s);
  if ((st = strata_agree(g->comm, st))) goto fail;
  bernoulli_mark(&s);
  if (opts->resume) {
    st = ckpt_read(&s);
    if ((st = strata_agree(g->comm, st))) goto fail;
    strata_log(g->comm, 1, "factor: resumed from '%s' at iteration %lld with %d factors\n",
               strata_state_name(opts->resume), (long long)s.iter, s.K);
  } else {
    st = initial_state(&s, views);
    if ((st = strata_agree(g->comm, st))) goto fail;
  }
  st = all_stats(&s);
  if ((st = strata_agree(g->comm, st))) goto fail;

  r2 = calloc((size_t)s.M * s.K0 + 1, sizeof *r2);
  r2t = calloc((size_t)s.M + 1, sizeof *r2t);
  if (!r2 || !r2t) {
    st = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
    goto fail;
  }
  int converged = 0;
  int freq = opts->elbo_freq > 0 ? opts->elbo_freq : 1;
  int64_t iter_start = s.iter;
  double t_loop = strata_wtime();
  strata_ev_phase_begin(ev, "factor", opts->max_iter);
  while (s.iter < opts->max_iter && !converged) {
    double t0 = strata_wtime(), c0 = s.t_comm;
    st = STRATA_OK;
    for (int m = 0; m < s.M && !st; m++) st = update_w(&s, &s.v[m]);
    if (!st) st = update_alpha(&s);
    if (!st) st = update_z(&s);
    if (!st) st = all_stats(&s);
    for (int m = 0; m < s.M && !st; m++)
      if (s.v[m].lik == STRATA_LIK_GAUSSIAN) update_tau(&s, &s.v[m]);
    if ((st = strata_agree(g->comm, st))) goto fail;
    s.iter++;
    double e = NAN, rel = NAN;
    if (s.iter % freq == 0 || s.iter == opts->max_iter) {
      if ((st = elbo(&s, &e))) goto fail;
      if ((st = grow_elbo(&s, s.n_elbo + 1))) goto fail;
      if (s.n_elbo > 0 && s.elbo_k[s.n_elbo - 1] == s.K) {
        double prev = s.elbo[s.n_elbo - 1];
        rel = fabs(e - prev) / fmax(fabs(e), 1e-300);
        if (rel < opts->tol) converged = 1;
      }
      s.elbo[s.n_elbo] = e;
      s.elbo_iter[s.n_elbo] = s.iter;
      s.elbo_k[s.n_elbo] = s.K;
      s.n_elbo++;
    }
    if (opts->drop_r2 > 0 && s.K > 1 && !converged) {
      if ((st = r2_compute(&s, r2, r2t))) goto fail;
      int keep[64], kn = 0;
      for (int k = 0; k < s.K; k++) {
        double mx = -HUGE_VAL;
        for (int m = 0; m < s.M; m++) mx = fmax(mx, r2[m + k * s.M]);
        if (mx >= opts->drop_r2) keep[kn++] = k;
      }
      if (kn == 0) keep[kn++] = 0;
      if (kn < s.K) {
        strata_log(g->comm, 2, "factor: iteration %lld: dropping %d factor(s) with R^2 < %g\n",
                   (long long)s.iter, s.K - kn, opts->drop_r2);
        st = apply_perm(&s, keep, kn);
        if (!st) refresh_logdets(&s);
        if (!st) st = all_stats(&s);
        if ((st = strata_agree(g->comm, st))) goto fail;
      }
    }
    double t1 = strata_wtime();
    strata_ev_iteration(ev, "factor", s.iter, opts->max_iter, e, rel,
                        (t1 - t0) - (s.t_comm - c0), s.t_comm - c0);
    int stop = strata_signal_pending(g->comm);
    int every = opts->checkpoint && opts->checkpoint_every > 0 &&
                s.iter % opts->checkpoint_every == 0;
    if ((stop || every) && opts->checkpoint) {
      st = ckpt_write(&s);
      if ((st = strata_agree(g->comm, st))) goto fail;
      strata_ev_checkpoint(ev, strata_state_name(opts->checkpoint), s.iter);
    }
    if (stop) {
      st = strata_err_set(STRATA_INTERRUPTED, __FILE__, __LINE__, __func__,
                          opts->checkpoint
                              ? "stopped by a signal at iteration %lld; checkpoint written to '%s' (continue with --resume)"
                              : "stopped by a signal at iteration %lld; no checkpoint written%s (no --checkpoint)",
                          (long long)s.iter, opts->checkpoint ? strata_state_name(opts->checkpoint) : "");
      strata_ev_phase_end(ev, "factor");
      goto fail;
    }
  }
  strata_ev_phase_end(ev, "factor");
  t_loop = strata_wtime() - t_loop;

  f = calloc(1, sizeof *f);
  if (f) {
    f->w = calloc((size_t)s.M, sizeof *f->w);
    f->intercept = calloc((size_t)s.M, sizeof *f->intercept);
    f->nvar = calloc((size_t)s.M, sizeof *f->nvar);
    f->col0 = calloc((size_t)s.M, sizeof *f->col0);
    f->nloc = calloc((size_t)s.M, sizeof *f->nloc);
    f->likelihood = calloc((size_t)s.M, sizeof *f->likelihood);
  }
  if (!f || !f->w || !f->intercept || !f->nvar || !f->col0 || !f->nloc || !f->likelihood) {
    st = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
    goto fail;
  }
  f->grid = g;
  f->nviews = s.M;
  f->nobs = s.N;
  f->mloc = s.mloc;
  for (int m = 0; m < s.M; m++) {
    f->nvar[m] = s.v[m].nvar;
    f->col0[m] = views[m]->col0;
    f->nloc[m] = s.v[m].nloc;
    f->likelihood[m] = s.v[m].lik;
  }
  f->converged = converged;
  st = finish(&s, f);
  if ((st = strata_agree(g->comm, st))) goto fail;
  f->seconds = strata_wtime() - t_start;
  f->seconds_iter = t_loop;
  f->seconds_comm = s.t_comm;
  f->iterations_run = s.iter - iter_start;
  *out = f;
  f = NULL;
fail:
  strata_factor_destroy(&f);
  free(r2);
  free(r2t);
  state_free(&s);
  return st;
}

void strata_factor_destroy(strata_factor_t **fp) {
  if (!fp || !*fp) return;
  strata_factor_t *f = *fp;
  for (int m = 0; m < f->nviews; m++) {
    if (f->w) free(f->w[m]);
    if (f->intercept) free(f->intercept[m]);
  }
  free(f->w); free(f->intercept); free(f->nvar); free(f->col0); free(f->nloc);
  free(f->likelihood); free(f->rows); free(f->z); free(f->r2); free(f->r2_total);
  free(f->elbo); free(f->elbo_iter); free(f->elbo_k);
  free(f);
  *fp = NULL;
}

/* Gather an ld x k column-major block per rank (rows at global positions idx) to root. */
static int gather_rows(MPI_Comm comm, int root, int send, int64_t nloc, const int64_t *idx,
                       int64_t ntot, int k, const double *a, double **out) {
  int st = STRATA_OK, rank, size;
  int *cnt = NULL, *dsp = NULL, *cnti = NULL, *dspi = NULL;
  double *buf = NULL, *full = NULL;
  int64_t *allidx = NULL;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  int n = send ? (int)nloc : 0;
  STRATA_CALLOC(cnt, size);
  STRATA_CALLOC(dsp, size);
  STRATA_CALLOC(cnti, size);
  STRATA_CALLOC(dspi, size);
  STRATA_MPI_CHECK(MPI_Gather(&n, 1, MPI_INT, cnti, 1, MPI_INT, root, comm));
  int64_t tot = 0;
  for (int r = 0; r < size; r++) {
    dspi[r] = (int)tot;
    cnt[r] = cnti[r] * k;
    dsp[r] = (int)(tot * k);
    tot += cnti[r];
  }
  if (rank == root && tot != ntot)
    STRATA_FAIL(STRATA_ERR_INTERNAL, "factor: gathered %lld rows, expected %lld", (long long)tot, (long long)ntot);
  STRATA_MALLOC(allidx, rank == root ? tot : 1);
  STRATA_MALLOC(buf, rank == root ? tot * k : 1);
  {
    double *packed = NULL;
    STRATA_MALLOC(packed, (size_t)n * k + 1);
    for (int64_t i = 0; i < n; i++)
      for (int j = 0; j < k; j++) packed[i * k + j] = a[i + j * nloc];
    int rc = MPI_Gatherv(packed, n * k, MPI_DOUBLE, buf, cnt, dsp, MPI_DOUBLE, root, comm);
    free(packed);
    STRATA_MPI_CHECK(rc);
  }
  STRATA_MPI_CHECK(MPI_Gatherv(idx, n, MPI_INT64_T, allidx, cnti, dspi, MPI_INT64_T, root, comm));
  if (rank == root) {
    STRATA_CALLOC(full, ntot * k);
    for (int64_t i = 0; i < tot; i++)
      for (int j = 0; j < k; j++) full[allidx[i] + j * ntot] = buf[i * k + j];
  }
  *out = full;
  full = NULL;
cleanup:
  free(cnt); free(dsp); free(cnti); free(dspi); free(buf); free(full); free(allidx);
  return st;
}

int strata_factor_gather(const strata_factor_t *f, int root, double **z, double ***w,
                         double ***icpt) {
  int st = STRATA_OK;
  const strata_grid_t *g = f->grid;
  int64_t *idx = NULL;
  *z = NULL;
  *w = NULL;
  *icpt = NULL;
  double **wl = NULL, **il = NULL;
  if (g->rank == root) {
    STRATA_CALLOC(wl, f->nviews);
    STRATA_CALLOC(il, f->nviews);
  }
  STRATA_CHECK(gather_rows(g->comm, root, g->mycol == 0, f->mloc, f->rows, f->nobs, f->k, f->z, z));
  for (int m = 0; m < f->nviews; m++) {
    double *wm = NULL, *im = NULL;
    free(idx);
    STRATA_MALLOC(idx, f->nloc[m]);
    for (int64_t d = 0; d < f->nloc[m]; d++) idx[d] = f->col0[m] + d;
    STRATA_CHECK(gather_rows(g->comm, root, g->myrow == 0, f->nloc[m], idx, f->nvar[m], f->k, f->w[m], &wm));
    STRATA_CHECK(gather_rows(g->comm, root, g->myrow == 0, f->nloc[m], idx, f->nvar[m], 1, f->intercept[m], &im));
    if (wl) { wl[m] = wm; il[m] = im; }
  }
  *w = wl;
  *icpt = il;
  wl = NULL;
  il = NULL;
cleanup:
  if (wl)
    for (int m = 0; m < f->nviews; m++) { free(wl[m]); free(il[m]); }
  free(wl);
  free(il);
  free(idx);
  return st;
}
