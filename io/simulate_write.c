/* strata_sim_write (strata/simulate_io.h): the simulated cohort as a file.  Every rank generates
 * and writes a block of rows of each view in slabs through the cohort writer (io/h5mu_write.c);
 * the values come from the caller's model (a counter-based RNG by seed, view and element), so the
 * file is identical for any rank count.  The planted truth and the mutation tables are written
 * by rank 0 (io/simulate_truth.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/grid.h"
#include "strata/simulate_io.h"
#include "strata/util.h"

static void free_names(char **s, int64_t n) {
  if (!s) return;
  for (int64_t i = 0; i < n; i++) free(s[i]);
  free(s);
}

/* Names: patients P0001.., samples P0001-R1..; width grows with the patient count. */
static int make_names(const strata_sim_t *s, char ***samples, char ***patients_of_sample,
                      char ***patients) {
  int st = STRATA_OK;
  int width = 4;
  for (int64_t p = s->par.npatients; p >= 10000; p /= 10) width++;
  STRATA_CALLOC(*samples, s->nobs);
  STRATA_CALLOC(*patients_of_sample, s->nobs);
  STRATA_CALLOC(*patients, s->par.npatients);
  for (int64_t p = 0; p < s->par.npatients; p++) {
    char buf[64];
    snprintf(buf, sizeof buf, "P%0*lld", width > 12 ? 12 : width, (long long)p + 1);
    if (!((*patients)[p] = strdup(buf))) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
  }
  for (int64_t i = 0; i < s->nobs; i++) {
    char buf[96];
    snprintf(buf, sizeof buf, "%s-R%d", (*patients)[s->patient[i]], s->region[i]);
    if (!((*samples)[i] = strdup(buf)) || !((*patients_of_sample)[i] = strdup((*patients)[s->patient[i]])))
      STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
  }
cleanup:
  return st;
}

/* Not collective: which samples have view v (obsmap, view row -> sample) and, on rank 0 (the
 * only one the writer reads them from), the feature ids. */
static int view_rows(const strata_sim_t *s, const strata_sim_model_t *model, int v, int names,
                     uint32_t **obsmap, int64_t **rowsample, int64_t *nrows, char ***var) {
  int st = STRATA_OK;
  const strata_sim_view_t *vw = &s->par.views[v];
  STRATA_CALLOC(*obsmap, s->nobs);
  STRATA_MALLOC(*rowsample, s->nobs);
  *nrows = 0;
  for (int64_t i = 0; i < s->nobs; i++)
    if (model->present(s, v, i)) {
      (*rowsample)[*nrows] = i;
      (*obsmap)[i] = (uint32_t)++*nrows;
    }
  if (names) {
    STRATA_CALLOC(*var, vw->nvar);
    for (int64_t d = 0; d < vw->nvar; d++) {
      char b[96];
      snprintf(b, sizeof b, "%s_%lld", vw->name, (long long)d + 1);
      if (!((*var)[d] = strdup(b))) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
    }
  }
cleanup:
  return st;
}

/* Collective: the planted R^2 of view v from every rank's per-row sums (stats: this rank's
 * block of the view's nrows rows, ns sums each), added in global row order on every rank (so
 * the numbers do not depend on the rank count). */
static int gather_r2(MPI_Comm comm, const strata_sim_t *s, const strata_sim_model_t *model,
                     int64_t nrows, int64_t cnt_rows, const double *stats, double *r2f, double *r2s,
                     double *r2t) {
  int st = STRATA_OK, lst = STRATA_OK, size = 1;
  const int ns = model->nstats(s);
  double *allstats = NULL, *sums = NULL;
  int *cnt = NULL, *dsp = NULL;
  MPI_Comm_size(comm, &size);
  cnt = malloc((size_t)size * sizeof *cnt);
  dsp = malloc((size_t)size * sizeof *dsp);
  allstats = malloc((size_t)(nrows * ns + 1) * sizeof *allstats);
  sums = calloc((size_t)ns, sizeof *sums);
  if (!cnt || !dsp || !allstats || !sums)
    lst = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
  st = strata_agree(comm, lst);
  if (st) goto cleanup;
  for (int r = 0; r < size; r++) {
    int64_t a, b;
    strata_block_range(nrows, size, r, &a, &b);
    cnt[r] = (int)(b * ns);
    dsp[r] = (int)(a * ns);
  }
  int rc = MPI_Allgatherv(stats, (int)(cnt_rows * ns), MPI_DOUBLE, allstats, cnt, dsp, MPI_DOUBLE, comm);
  if (rc != MPI_SUCCESS)
    lst = strata_err_set(STRATA_ERR_MPI, __FILE__, __LINE__, __func__, "mpi: gathering R^2 sums failed");
  st = strata_agree(comm, lst);
  if (st) goto cleanup;
  for (int64_t i = 0; i < nrows; i++)
    for (int k = 0; k < ns; k++) sums[k] += allstats[i * ns + k];
  model->r2(s, sums, r2f, r2s, r2t);
cleanup:
  free(allstats);
  free(sums);
  free(cnt);
  free(dsp);
  return st;
}

/* Collective: declare view v and write its X in slabs of rows (each rank its block of the
 * view's rows); its planted R^2 into r2f[K], r2s[Kv], *r2t and the bytes of X into *bytes. */
static int write_view(MPI_Comm comm, strata_events_t *ev, const strata_sim_t *s,
                      const strata_sim_model_t *model, strata_cohort_writer_t *w, int v,
                      const strata_sim_write_opts_t *o, double *r2f, double *r2s, double *r2t,
                      int64_t *bytes) {
  int st = STRATA_OK, lst = STRATA_OK, rank = 0, size = 1, vi = -1;
  const strata_sim_view_t *vw = &s->par.views[v];
  const int64_t D = vw->nvar;
  const int ns = model->nstats(s);
  uint32_t *obsmap = NULL;
  int64_t *rowsample = NULL, nrows = 0;
  char **var = NULL;
  strata_sim_loadings_t *l = NULL;
  double *buf = NULL, *stats = NULL;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  /* local preparation, agreed before the collective writer calls */
  STRATA_CHECK(strata_agree(comm, view_rows(s, model, v, rank == 0, &obsmap, &rowsample, &nrows, &var)));
  st = strata_cohort_writer_add_view(w, vw->name, obsmap, D, var, o->dtype_bytes,
                                     vw->lik == STRATA_SIM_GAUSSIAN ? "gaussian" : "bernoulli", &vi);
  free_names(var, var ? D : 0);
  var = NULL;
  if (st) goto cleanup;
  int64_t r0, cnt_rows, maxrows = (nrows + size - 1) / size;
  strata_block_range(nrows, size, rank, &r0, &cnt_rows);
  int64_t slab = o->slab_bytes / (D * (int64_t)sizeof(double));
  if (slab < 1) slab = 1;
  if (slab > maxrows) slab = maxrows > 0 ? maxrows : 1;
  int64_t nslabs = (maxrows + slab - 1) / slab;
  lst = model->loadings(s, v, &l);
  if (!lst && !(buf = malloc((size_t)(slab * D) * sizeof *buf)))
    lst = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__,
                         "out of memory for a slab of %lld x %lld values", (long long)slab, (long long)D);
  if (!lst && !(stats = calloc((size_t)(cnt_rows * ns) + 1, sizeof *stats)))
    lst = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
  if (!lst && nrows * ns > 0x7fffffff)
    lst = strata_err_set(STRATA_ERR_INPUT, __FILE__, __LINE__, __func__,
                         "simulate: %lld rows are too many for the R^2 gather", (long long)nrows);
  st = strata_agree(comm, lst);
  if (st) goto cleanup;
  char phase[96];
  snprintf(phase, sizeof phase, "simulate %s", vw->name);
  strata_ev_phase_begin(ev, phase, nslabs);
  for (int64_t t = 0; t < nslabs; t++) {
    int64_t lo = t * slab, n = cnt_rows - lo;
    if (n > slab) n = slab;
    if (n < 0) n = 0;
    double t0 = strata_wtime();
    if (n > 0) model->rows(s, v, l, rowsample + r0 + lo, n, buf, stats + lo * ns);
    double t1 = strata_wtime();
    st = strata_cohort_writer_write_block(w, vi, r0 + lo, n, 0, n > 0 ? D : 0, buf);
    if (st) goto cleanup;
    /* one progress event per slab (collective): generation as compute, the write as I/O */
    strata_ev_iteration(ev, phase, t + 1, nslabs, NAN, NAN, t1 - t0, strata_wtime() - t1);
  }
  strata_ev_phase_end(ev, phase);
  *bytes = nrows * D * o->dtype_bytes;
  st = gather_r2(comm, s, model, nrows, cnt_rows, stats, r2f, r2s, r2t);
cleanup:
  free_names(var, var ? D : 0);
  if (l) model->loadings_destroy(&l);
  free(obsmap);
  free(rowsample);
  free(buf);
  free(stats);
  return st;
}

/* Rank 0: the mutation tables, patient by patient (memory: one patient's mutations). */
static int write_mutations(const strata_sim_t *s, const strata_sim_clones_t *c,
                           const strata_sim_model_t *model, char **samples, char **patients,
                           const strata_sim_write_opts_t *o, strata_mutwriter_t *mw) {
  int st = STRATA_OK;
  strata_sim_mutations_t m;
  memset(&m, 0, sizeof m);
  for (int64_t p = 0; p < s->par.npatients; p++) {
    int64_t i0 = s->patient_first[p];
    STRATA_CHECK(model->patient_mutations(s, c, p, o->mean_mutations, o->mean_depth, &m));
    STRATA_CHECK(strata_mutwriter_patient(mw, patients[p], samples + i0, s->purity + i0,
                                          c->nclust[p], c->parent + p * c->maxc,
                                          c->ccf + i0 * c->maxc, c->maxc, &m));
    model->mutations_free(&m);
  }
cleanup:
  model->mutations_free(&m);
  return st;
}

/* Collective: the cohort writer with obs (sample and patient ids, region, purity). */
static int create_cohort(MPI_Comm comm, const char *path, const strata_sim_t *s, char **samples,
                         char **pos, double *regcol, strata_cohort_writer_t **w) {
  strata_column_t cols[2];
  for (int64_t i = 0; i < s->nobs; i++) regcol[i] = s->region[i];
  memset(cols, 0, sizeof cols);
  cols[0].name = "region";
  cols[0].is_numeric = 1;
  cols[0].num = regcol;
  cols[1].name = "purity";
  cols[1].is_numeric = 1;
  cols[1].num = s->purity;
  return strata_cohort_writer_create(comm, path, s->nobs, samples, pos, 2, cols, w);
}

int strata_sim_write(MPI_Comm comm, strata_events_t *ev, const char *path, const strata_sim_t *s,
                     const strata_sim_clones_t *clones, const strata_sim_model_t *model,
                     const strata_sim_write_opts_t *o, double *r2t, int64_t *x_bytes) {
  int st = STRATA_OK, lst = STRATA_OK, rank = 0;
  const int M = s->par.nviews, K = s->par.K, Kv = s->par.Kv;
  strata_cohort_writer_t *w = NULL;
  strata_mutwriter_t *mw = NULL;
  char **samples = NULL, **pos = NULL, **patients = NULL;
  double *r2f = NULL, *r2s = NULL, *regcol = NULL;
  MPI_Comm_rank(comm, &rank);
  *x_bytes = 0;
  for (int v = 0; v < M; v++) r2t[v] = 0;
  lst = make_names(s, &samples, &pos, &patients);
  if (!lst && (!(r2f = calloc((size_t)M * K, sizeof *r2f)) ||
               !(r2s = calloc((size_t)M * Kv + 1, sizeof *r2s)) ||
               !(regcol = malloc((size_t)s->nobs * sizeof *regcol))))
    lst = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
  if (!lst && o->mut_prefix && !clones)
    lst = strata_err_set(STRATA_ERR_INTERNAL, __FILE__, __LINE__, __func__,
                         "simulate: mutation tables requested without clones");
  STRATA_CHECK(strata_agree(comm, lst));
  STRATA_CHECK(create_cohort(comm, path, s, samples, pos, regcol, &w));
  for (int v = 0; v < M; v++) {
    int64_t b = 0;
    double tv = strata_wtime();
    STRATA_CHECK(write_view(comm, ev, s, model, w, v, o, r2f + v * K, r2s + v * Kv, r2t + v, &b));
    *x_bytes += b;
    strata_log(comm, 2, "simulate: view %s: %.3f GB in %.2f s\n", s->par.views[v].name, b / 1e9,
               strata_wtime() - tv);
  }
  STRATA_CHECK(strata_sim_write_truth(w, s, model, r2f, r2s, r2t, clones));
  if (o->mut_prefix) {
    lst = STRATA_OK;
    if (rank == 0) {
      lst = strata_mutwriter_open(o->mut_prefix, &mw);
      if (!lst) lst = write_mutations(s, clones, model, samples, patients, o, mw);
    }
    STRATA_CHECK(strata_agree(comm, lst));
  }
  STRATA_CHECK(strata_cohort_writer_commit(&w));
  lst = mw ? strata_mutwriter_commit(&mw) : STRATA_OK;
  STRATA_CHECK(strata_agree(comm, lst));
cleanup:
  strata_cohort_writer_abort(&w);
  strata_mutwriter_abort(&mw);
  free_names(samples, samples ? s->nobs : 0);
  free_names(pos, pos ? s->nobs : 0);
  free_names(patients, patients ? s->par.npatients : 0);
  free(r2f);
  free(r2s);
  free(regcol);
  return st;
}
