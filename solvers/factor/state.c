/* The factor model's state: its shapes checked against the options, allocation and release,
 * the initial state (PCA or random start), and the checkpoint, written and read as named
 * arrays through strata/state.h.  Not the storage of a checkpoint (io/ckpt_state.c, or any
 * strata_state_ops_t) and not the preprocessing of the data (preprocess.c). */
#include <stdio.h>
#include <stdlib.h>

#include "solvers/factor/factor_impl.h"
#include "strata/rng.h"

/* Shapes and options checked, per-view records filled.  Not collective. */
int factor_state_setup(state_t *s, int nviews, strata_dmat_t *const *views, const int *likelihood,
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

int factor_state_alloc(state_t *s) {
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

void factor_state_free(state_t *s) {
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

/* Initial state before the first W update: E[Z] from PCA or N(0,1), E[zz^T] = E[z]E[z]^T,
 * E[alpha] = 1, E[theta] = 1/2, E[tau_d] = 1 / (observed variance of feature d),
 * Bernoulli xi = |b_d| (W = 0). */
int factor_initial_state(state_t *s, strata_dmat_t *const *views) {
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

int factor_ckpt_write(state_t *s) {
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

int factor_ckpt_read(state_t *s) {
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
  STRATA_CHECK(factor_grow_elbo(s, s->n_elbo));
  STRATA_CHECK(ckpt_io(s, c, 0));
cleanup:
  strata_state_end(c);
  free(hdr);
  return st;
}
