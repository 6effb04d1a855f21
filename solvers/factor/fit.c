/* MOFA-style factor model by mean-field variational inference on the 2D process grid.
 * q(z_n) is a full K x K Gaussian per sample, q(w_d) a full K x K Gaussian per feature (or
 * MOFA's factorised spike-and-slab, updated factor by factor), q(alpha_mk) and q(tau_d) Gamma,
 * q(theta_mk) Beta; Bernoulli views use the Jaakkola-Jordan bound with one xi per entry.  One
 * iteration: W of every view -> alpha, theta -> Z -> statistics of q(Z) (xi, sums over samples)
 * -> tau -> ELBO -> drop factors.  Each update is an exact coordinate ascent step of one bound,
 * so the ELBO never decreases (except where factors are dropped).  Sums over features are
 * reduced over grid->rowcomm, sums over samples over grid->colcomm, once per step for all views.
 * This file is the driver and the result; the stages are preprocess.c, updates.c, bound.c,
 * drop.c, state.c (see factor_impl.h).  Not here: reading cohorts, writing results
 * (io/mofa2.c), the PCA start (init.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solvers/factor/factor_impl.h"
#include "strata/util.h"

void strata_factor_opts_default(strata_factor_opts_t *o) {
  memset(o, 0, sizeof *o);
  o->k = 10;
  o->max_iter = 1000;
  o->tol = 1e-6;
  o->elbo_freq = 1;
  o->drop_r2 = 0.01;
  o->seed = 1;
}

/* The result's per-view arrays and shapes (the numbers are filled by finish).  Not collective;
 * on failure nothing is allocated. */
static int result_create(const state_t *s, strata_dmat_t *const *views, strata_factor_t **out) {
  strata_factor_t *f = calloc(1, sizeof *f);
  if (f) {
    f->w = calloc((size_t)s->M, sizeof *f->w);
    f->intercept = calloc((size_t)s->M, sizeof *f->intercept);
    f->nvar = calloc((size_t)s->M, sizeof *f->nvar);
    f->col0 = calloc((size_t)s->M, sizeof *f->col0);
    f->nloc = calloc((size_t)s->M, sizeof *f->nloc);
    f->likelihood = calloc((size_t)s->M, sizeof *f->likelihood);
  }
  if (!f || !f->w || !f->intercept || !f->nvar || !f->col0 || !f->nloc || !f->likelihood) {
    strata_factor_destroy(&f);
    return strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
  }
  f->grid = s->g;
  f->nviews = s->M;
  f->nobs = s->N;
  f->mloc = s->mloc;
  for (int m = 0; m < s->M; m++) {
    f->nvar[m] = s->v[m].nvar;
    f->col0[m] = views[m]->col0;
    f->nloc[m] = s->v[m].nloc;
    f->likelihood[m] = s->v[m].lik;
  }
  *out = f;
  return STRATA_OK;
}

/* Sort factors by decreasing total R^2 (summed over views) and fill the result. */
static int finish(state_t *s, strata_factor_t *f) {
  int st = STRATA_OK;
  int K = s->K, M = s->M, perm[64];
  double *r2 = NULL, *r2t = NULL, tot[64];
  STRATA_CALLOC(r2, (size_t)M * K);
  STRATA_CALLOC(r2t, M);
  STRATA_CHECK(factor_r2_compute(s, r2, r2t));
  for (int k = 0; k < K; k++) {
    perm[k] = k;
    tot[k] = 0;
    for (int m = 0; m < M; m++) tot[k] += r2[m + k * M];
  }
  for (int a = 1; a < K; a++)
    for (int b = a; b > 0 && tot[perm[b]] > tot[perm[b - 1]]; b--) {
      int t = perm[b]; perm[b] = perm[b - 1]; perm[b - 1] = t;
    }
  STRATA_CHECK(factor_apply_perm(s, perm, K));
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
  st = factor_state_setup(&s, nviews, views, likelihood, opts);
  if ((st = strata_agree(g->comm, st))) goto fail;

  for (int m = 0; m < nviews; m++) {
    char nbuf[32];
    const char *name = opts->view_names ? opts->view_names[m] : (snprintf(nbuf, sizeof nbuf, "%d", m + 1), nbuf);
    st = factor_missing_lists(&s, m);
    if ((st = strata_agree(g->comm, st))) goto fail;
    if ((st = factor_preprocess(&s, m, name))) goto fail;
  }
  st = factor_state_alloc(&s);
  if ((st = strata_agree(g->comm, st))) goto fail;
  factor_bernoulli_mark(&s);
  if (opts->resume) {
    st = factor_ckpt_read(&s);
    if ((st = strata_agree(g->comm, st))) goto fail;
    strata_log(g->comm, 1, "factor: resumed from '%s' at iteration %lld with %d factors\n",
               strata_state_name(opts->resume), (long long)s.iter, s.K);
  } else {
    st = factor_initial_state(&s, views);
    if ((st = strata_agree(g->comm, st))) goto fail;
  }
  st = factor_all_stats(&s);
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
    st = factor_sweep(&s);
    if ((st = strata_agree(g->comm, st))) goto fail;
    s.iter++;
    double e = NAN, rel = NAN;
    if (s.iter % freq == 0 || s.iter == opts->max_iter)
      if ((st = factor_elbo_record(&s, &e, &rel, &converged))) goto fail;
    if (opts->drop_r2 > 0 && s.K > 1 && !converged)
      if ((st = factor_drop(&s, r2, r2t))) goto fail;
    double t1 = strata_wtime();
    strata_ev_iteration(ev, "factor", s.iter, opts->max_iter, e, rel,
                        (t1 - t0) - (s.t_comm - c0), s.t_comm - c0);
    int stop = strata_signal_pending(g->comm);
    int every = opts->checkpoint && opts->checkpoint_every > 0 &&
                s.iter % opts->checkpoint_every == 0;
    if ((stop || every) && opts->checkpoint) {
      st = factor_ckpt_write(&s);
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

  if ((st = result_create(&s, views, &f))) goto fail;
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
  factor_state_free(&s);
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
