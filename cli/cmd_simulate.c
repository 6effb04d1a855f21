/* strata simulate: write a synthetic TRACERx-shaped cohort (.h5mu) with its planted truth, and
 * optionally multi-region mutation tables with a planted clone tree.  Option parsing and the
 * orchestration of generation (solvers/simulate.c) and writing (io/h5mu_write.c for X,
 * io/simulate_truth.c for truth and mutations).  Every rank generates and writes a block of
 * rows of each view in slabs; values come from a counter-based RNG by (seed, view, element), so
 * the data are identical for any rank count. */
#include <getopt.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "strata/cohort.h"
#include "strata/grid.h"
#include "strata/h5util.h"
#include "strata/simulate.h"
#include "strata/simulate_io.h"
#include "strata/util.h"

#define MAX_VIEWS 64

/* --views NAME:LIK:D[,NAME:LIK:D...] */
static int parse_views(const char *arg, strata_sim_view_t *views, int *nviews) {
  int st = STRATA_OK, n = 0;
  char *copy = strdup(arg), *save = NULL;
  if (!copy) return strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
  for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char name[256], lik[64], opt[300];
    int64_t d = 0;
    int len = 0;
    if (n == MAX_VIEWS) STRATA_FAIL(STRATA_ERR_USAGE, "--views: at most %d views", MAX_VIEWS);
    /* the count goes through strata_cli_int: sscanf's %lld has no defined overflow */
    if (sscanf(tok, "%255[^:]:%63[^:]:%n", name, lik, &len) != 2 || len == 0)
      STRATA_FAIL(STRATA_ERR_USAGE, "--views wants NAME:gaussian|bernoulli:FEATURES[,...], got '%s'", tok);
    if (strlen(name) >= sizeof views[n].name || strchr(name, '/'))
      STRATA_FAIL(STRATA_ERR_USAGE, "--views: view name '%s' is too long or contains '/'", name);
    if (strcmp(lik, "gaussian") && strcmp(lik, "bernoulli"))
      STRATA_FAIL(STRATA_ERR_USAGE, "--views %s: likelihood '%s' is not gaussian or bernoulli", name, lik);
    snprintf(opt, sizeof opt, "--views %s: FEATURES", name);
    STRATA_CHECK(strata_cli_int(opt, tok + len, 1, (int64_t)1 << 40, &d));
    for (int k = 0; k < n; k++)
      if (!strcmp(views[k].name, name)) STRATA_FAIL(STRATA_ERR_USAGE, "--views: view '%s' given twice", name);
    memset(&views[n], 0, sizeof views[n]);
    snprintf(views[n].name, sizeof views[n].name, "%s", name);
    views[n].lik = strcmp(lik, "bernoulli") ? STRATA_SIM_GAUSSIAN : STRATA_SIM_BERNOULLI;
    views[n].nvar = d;
    n++;
  }
  if (n == 0) STRATA_FAIL(STRATA_ERR_USAGE, "--views: no view in '%s'", arg);
  *nviews = n;
cleanup:
  free(copy);
  return st;
}

/* --missing F (every view) or NAME=F[,NAME=F...] (others 0) */
static int parse_missing(const char *arg, strata_sim_view_t *views, int nviews) {
  int st = STRATA_OK;
  char *copy = NULL, *save = NULL;
  if (!strchr(arg, '=')) {
    double f = 0;
    STRATA_CHECK(strata_cli_double("--missing", arg, 0.0, 0.99, &f));
    for (int k = 0; k < nviews; k++) views[k].missing = f;
    goto cleanup;
  }
  if (!(copy = strdup(arg))) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
  for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(tok, '=');
    if (!eq) STRATA_FAIL(STRATA_ERR_USAGE, "--missing wants F or VIEW=F[,VIEW=F...], got '%s'", tok);
    *eq = '\0';
    int k = 0;
    while (k < nviews && strcmp(views[k].name, tok)) k++;
    if (k == nviews) STRATA_FAIL(STRATA_ERR_USAGE, "--missing: no view called '%s' in --views", tok);
    STRATA_CHECK(strata_cli_double("--missing", eq + 1, 0.0, 0.99, &views[k].missing));
  }
cleanup:
  free(copy);
  return st;
}

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
static int view_rows(const strata_sim_t *s, int v, int names, uint32_t **obsmap,
                     int64_t **rowsample, int64_t *nrows, char ***var) {
  int st = STRATA_OK;
  const strata_sim_view_t *vw = &s->par.views[v];
  STRATA_CALLOC(*obsmap, s->nobs);
  STRATA_MALLOC(*rowsample, s->nobs);
  *nrows = 0;
  for (int64_t i = 0; i < s->nobs; i++)
    if (strata_sim_present(s, v, i)) {
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

/* Collective: write view v's X in slabs of rows (each rank its block of the view's rows) and
 * return the planted R^2 from the per-row sums, added in global row order (so the numbers do
 * not depend on the rank count either). */
static int write_view(strata_cli_t *cli, const strata_sim_t *s, strata_cohort_writer_t *w, int v,
                      int dtype_bytes, int64_t slab_bytes, double *r2f, double *r2s,
                      double *r2t, int64_t *bytes) {
  int st = STRATA_OK, lst = STRATA_OK;
  const strata_sim_view_t *vw = &s->par.views[v];
  const int64_t D = vw->nvar;
  const int ns = strata_sim_nstats(s);
  uint32_t *obsmap = NULL;
  int64_t *rowsample = NULL, nrows = 0;
  char **var = NULL;
  strata_sim_loadings_t *l = NULL;
  double *buf = NULL, *stats = NULL, *allstats = NULL, *sums = NULL;
  int *cnt = NULL, *dsp = NULL;
  int vi = -1;
  /* local preparation, agreed before the collective writer calls */
  STRATA_CHECK(strata_agree(cli->comm, view_rows(s, v, cli->rank == 0, &obsmap, &rowsample, &nrows, &var)));
  st = strata_cohort_writer_add_view(w, vw->name, obsmap, D, var, dtype_bytes,
                                     vw->lik == STRATA_SIM_GAUSSIAN ? "gaussian" : "bernoulli", &vi);
  free_names(var, var ? D : 0);
  var = NULL;
  if (st) goto cleanup;
  {
    int64_t r0, cnt_rows, maxrows = (nrows + cli->size - 1) / cli->size;
    strata_block_range(nrows, cli->size, cli->rank, &r0, &cnt_rows);
    int64_t slab = slab_bytes / (D * (int64_t)sizeof(double));
    if (slab < 1) slab = 1;
    if (slab > maxrows) slab = maxrows > 0 ? maxrows : 1;
    int64_t nslabs = (maxrows + slab - 1) / slab;
    lst = strata_sim_loadings(s, v, &l);
    if (!lst && !(buf = malloc((size_t)(slab * D) * sizeof *buf)))
      lst = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__,
                           "out of memory for a slab of %lld x %lld values", (long long)slab, (long long)D);
    if (!lst && !(stats = calloc((size_t)(cnt_rows * ns) + 1, sizeof *stats)))
      lst = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
    if (!lst && nrows * ns > 0x7fffffff)
      lst = strata_err_set(STRATA_ERR_INPUT, __FILE__, __LINE__, __func__,
                           "simulate: %lld rows are too many for the R^2 gather", (long long)nrows);
    st = strata_agree(cli->comm, lst);
    if (st) goto cleanup;
    char phase[96];
    snprintf(phase, sizeof phase, "simulate %s", vw->name);
    strata_ev_phase_begin(cli->ev, phase, nslabs);
    for (int64_t t = 0; t < nslabs; t++) {
      int64_t lo = t * slab, n = cnt_rows - lo;
      if (n > slab) n = slab;
      if (n < 0) n = 0;
      double t0 = strata_wtime();
      if (n > 0) strata_sim_rows(s, v, l, rowsample + r0 + lo, n, buf, stats + lo * ns);
      double t1 = strata_wtime();
      st = strata_cohort_writer_write_block(w, vi, r0 + lo, n, 0, n > 0 ? D : 0, buf);
      if (st) goto cleanup;
      /* one progress event per slab (collective): generation as compute, the write as I/O */
      strata_ev_iteration(cli->ev, phase, t + 1, nslabs, NAN, NAN, t1 - t0, strata_wtime() - t1);
    }
    strata_ev_phase_end(cli->ev, phase);
    *bytes = nrows * D * dtype_bytes;
    /* per-row sums of every rank, then added in row order on every rank */
    lst = STRATA_OK;
    cnt = malloc((size_t)cli->size * sizeof *cnt);
    dsp = malloc((size_t)cli->size * sizeof *dsp);
    allstats = malloc((size_t)(nrows * ns + 1) * sizeof *allstats);
    sums = calloc((size_t)ns, sizeof *sums);
    if (!cnt || !dsp || !allstats || !sums)
      lst = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
    st = strata_agree(cli->comm, lst);
    if (st) goto cleanup;
    for (int r = 0; r < cli->size; r++) {
      int64_t a, b;
      strata_block_range(nrows, cli->size, r, &a, &b);
      cnt[r] = (int)(b * ns);
      dsp[r] = (int)(a * ns);
    }
    int rc = MPI_Allgatherv(stats, (int)(cnt_rows * ns), MPI_DOUBLE, allstats, cnt, dsp, MPI_DOUBLE, cli->comm);
    if (rc != MPI_SUCCESS)
      lst = strata_err_set(STRATA_ERR_MPI, __FILE__, __LINE__, __func__, "mpi: gathering R^2 sums failed");
    st = strata_agree(cli->comm, lst);
    if (st) goto cleanup;
    for (int64_t i = 0; i < nrows; i++)
      for (int k = 0; k < ns; k++) sums[k] += allstats[i * ns + k];
    strata_sim_r2(s, sums, r2f, r2s, r2t);
  }
cleanup:
  free_names(var, var ? D : 0);
  strata_sim_loadings_destroy(&l);
  free(obsmap);
  free(rowsample);
  free(buf);
  free(stats);
  free(allstats);
  free(sums);
  free(cnt);
  free(dsp);
  return st;
}

/* uns/strata_truth: Z, per view W, V, Zv, noise precision or intercepts, active factors,
 * planted R^2; clones when mutations were simulated.  Written by rank 0 through the default
 * driver (strata_cohort_writer_rank0), which holds every array (the simulation is replicated):
 * no metadata is created through MPI-IO, whose collective flush hangs when one rank's write
 * fails on a full disk. */
typedef struct {
  const strata_sim_t *s;
  const double *r2f, *r2s, *r2t;
  const strata_sim_clones_t *clones;
} truth_t;

/* rows x cols float64 (1-D of rows when cols == 0), anndata's array encoding. */
static int truth_matrix(hid_t loc, const char *name, int64_t rows, int64_t cols, const double *data) {
  if (cols > 0) return strata_h5_write_matrix(loc, name, rows, cols, data, 0, 8);
  return strata_h5_write_double(loc, name, rows, data);
}

static int write_truth(int64_t file, void *arg) {
  int st = STRATA_OK;
  const truth_t *t = arg;
  const strata_sim_t *s = t->s;
  const int K = s->par.K, Kv = s->par.Kv, M = s->par.nviews;
  hid_t uns = H5I_INVALID_HID, tg = H5I_INVALID_HID, vg = H5I_INVALID_HID, cg = H5I_INVALID_HID;
  double *tmp = NULL;
  strata_sim_loadings_t *l = NULL;
  uns = H5Gopen2((hid_t)file, "uns", H5P_DEFAULT);
  if (uns < 0) STRATA_FAIL(STRATA_ERR_HDF5, "hdf5: cannot open /uns");
  STRATA_CHECK(strata_h5_group(uns, "strata_truth", "dict", "0.1.0", &tg));
  STRATA_CHECK(strata_h5_attr_double(tg, "seed", (double)s->par.seed));
  STRATA_CHECK(strata_h5_attr_double(tg, "patient_corr", s->par.patient_corr));
  STRATA_CHECK(strata_h5_attr_double(tg, "active", s->par.active));
  STRATA_CHECK(strata_h5_attr_double(tg, "density", s->par.density));
  STRATA_CHECK(strata_h5_attr_double(tg, "noise", s->par.noise));
  STRATA_CHECK(truth_matrix(tg, "Z", s->nobs, K, s->Z));
  STRATA_CHECK(truth_matrix(tg, "r2_per_factor", M, K, t->r2f));
  STRATA_CHECK(truth_matrix(tg, "r2_view_specific", M, Kv, t->r2s));
  STRATA_CHECK(truth_matrix(tg, "r2_total", M, 0, t->r2t));
  for (int v = 0; v < M; v++) {
    const int64_t D = s->par.views[v].nvar;
    int64_t n = D * (K > Kv ? K : Kv);
    if (s->nobs * Kv > n) n = s->nobs * Kv;
    STRATA_CHECK(strata_sim_loadings(s, v, &l));
    STRATA_MALLOC(tmp, n + 1);
    STRATA_CHECK(strata_h5_group(tg, s->par.views[v].name, "dict", "0.1.0", &vg));
    STRATA_CHECK(strata_h5_attr_double(vg, "bernoulli", s->par.views[v].lik == STRATA_SIM_BERNOULLI));
    /* W and V as D x K, features x factors (MOFA's and muon's varm layout) */
    for (int64_t d = 0; d < D; d++)
      for (int k = 0; k < K; k++) tmp[d * K + k] = l->W[(int64_t)k * D + d];
    STRATA_CHECK(truth_matrix(vg, "W", D, K, tmp));
    for (int64_t d = 0; d < D; d++)
      for (int j = 0; j < Kv; j++) tmp[d * Kv + j] = l->V[(int64_t)j * D + d];
    STRATA_CHECK(truth_matrix(vg, "V", D, Kv, tmp));
    STRATA_CHECK(truth_matrix(vg, "Zv", s->nobs, Kv, l->Zv));
    for (int k = 0; k < K; k++) tmp[k] = l->active[k];
    STRATA_CHECK(truth_matrix(vg, "active", K, 0, tmp));
    if (s->par.views[v].lik == STRATA_SIM_GAUSSIAN) {
      for (int64_t d = 0; d < D; d++) tmp[d] = 1.0 / (l->sd[d] * l->sd[d]);
      STRATA_CHECK(truth_matrix(vg, "noise_precision", D, 0, tmp));
    } else {
      STRATA_CHECK(truth_matrix(vg, "intercept", D, 0, l->bias));
    }
    H5Gclose(vg);
    vg = H5I_INVALID_HID;
    strata_sim_loadings_destroy(&l);
    free(tmp);
    tmp = NULL;
  }
  if (t->clones) {
    const strata_sim_clones_t *c = t->clones;
    STRATA_CHECK(strata_h5_group(tg, "clones", "dict", "0.1.0", &cg));
    STRATA_CHECK(truth_matrix(cg, "ccf", s->nobs, c->maxc, c->ccf));
    STRATA_MALLOC(tmp, s->par.npatients * c->maxc + 1);
    for (int64_t k = 0; k < s->par.npatients * c->maxc; k++) tmp[k] = c->parent[k];
    STRATA_CHECK(truth_matrix(cg, "parent", s->par.npatients, c->maxc, tmp));
  }
cleanup:
  strata_sim_loadings_destroy(&l);
  free(tmp);
  if (cg >= 0) H5Gclose(cg);
  if (vg >= 0) H5Gclose(vg);
  if (tg >= 0) H5Gclose(tg);
  if (uns >= 0) H5Gclose(uns);
  return st;
}

/* Rank 0: the mutation tables, patient by patient (memory: one patient's mutations). */
static int write_mutations(const strata_sim_t *s, const strata_sim_clones_t *c, char **samples,
                           char **patients, int mean_mut, int depth, strata_mutwriter_t *mw) {
  int st = STRATA_OK;
  strata_sim_mutations_t m;
  memset(&m, 0, sizeof m);
  for (int64_t p = 0; p < s->par.npatients; p++) {
    int64_t i0 = s->patient_first[p];
    STRATA_CHECK(strata_sim_patient_mutations(s, c, p, mean_mut, depth, &m));
    STRATA_CHECK(strata_mutwriter_patient(mw, patients[p], samples + i0, s->purity + i0,
                                          c->nclust[p], c->parent + p * c->maxc,
                                          c->ccf + i0 * c->maxc, c->maxc, &m));
    strata_sim_mutations_free(&m);
  }
cleanup:
  strata_sim_mutations_free(&m);
  return st;
}

static int run(strata_cli_t *cli, int argc, char **argv) {
  int st = STRATA_OK, lst = STRATA_OK, dtype_bytes = 4;
  strata_sim_view_t views[MAX_VIEWS];
  strata_sim_params_t par;
  const char *out = NULL, *views_arg = "rna:gaussian:2000,meth:gaussian:1000,mut:bernoulli:500";
  const char *missing_arg = "0.1", *mut_prefix = NULL;
  int64_t v64 = 0, mean_mut = 100, depth = 100, maxc = 5, slab_mb = 64;
  strata_sim_t *s = NULL;
  strata_sim_clones_t *clones = NULL;
  strata_cohort_writer_t *w = NULL;
  strata_mutwriter_t *mw = NULL;
  char **samples = NULL, **pos = NULL, **patients = NULL;
  double *r2f = NULL, *r2s = NULL, *r2t = NULL, *regcol = NULL;
  memset(&par, 0, sizeof par);
  par.seed = 1;
  par.npatients = 100;
  par.rmin = 1;
  par.rmax = 7;
  par.K = 10;
  par.Kv = 2;
  par.active = 0.7;
  par.density = 0.5;
  par.noise = 1.0;
  par.patient_corr = 0.5;
  static const struct option longopts[] = {
      {"output", required_argument, NULL, 'o'},      {"patients", required_argument, NULL, 'P'},
      {"regions", required_argument, NULL, 'r'},     {"views", required_argument, NULL, 'V'},
      {"factors", required_argument, NULL, 'K'},     {"view-factors", required_argument, NULL, 'k'},
      {"seed", required_argument, NULL, 's'},        {"missing", required_argument, NULL, 'm'},
      {"dtype", required_argument, NULL, 't'},       {"active", required_argument, NULL, 'a'},
      {"density", required_argument, NULL, 'd'},     {"noise", required_argument, NULL, 'n'},
      {"patient-corr", required_argument, NULL, 'c'}, {"mutations", required_argument, NULL, 'M'},
      {"mutations-per-patient", required_argument, NULL, 'u'},
      {"depth", required_argument, NULL, 'D'},       {"clusters", required_argument, NULL, 'C'},
      {"slab-mb", required_argument, NULL, 'S'},     {NULL, 0, NULL, 0}};
  opterr = 0; /* getopt would print on every rank: the message goes through main */
  int c;
  while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
    switch (c) {
    case 'o': out = optarg; break;
    case 'P': STRATA_CHECK(strata_cli_int("--patients", optarg, 1, 100000000, &par.npatients)); break;
    case 'r': {
      int64_t a = 0, b = 0;
      STRATA_CHECK(strata_cli_int_pair("--regions", optarg, '-', 1, 1000, 1, &a, &b));
      if (b < a) STRATA_CHECK(strata_cli_usage("--regions wants MIN-MAX with MIN <= MAX, got '%s'", optarg));
      par.rmin = (int)a;
      par.rmax = (int)b;
      break;
    }
    case 'V': views_arg = optarg; break;
    case 'K': STRATA_CHECK(strata_cli_int("--factors", optarg, 1, 1000, &v64)); par.K = (int)v64; break;
    case 'k': STRATA_CHECK(strata_cli_int("--view-factors", optarg, 0, 1000, &v64)); par.Kv = (int)v64; break;
    case 's': STRATA_CHECK(strata_cli_int("--seed", optarg, 0, INT64_MAX, &v64)); par.seed = (uint64_t)v64; break;
    case 'm': missing_arg = optarg; break;
    case 't':
      if (!strcmp(optarg, "float32")) dtype_bytes = 4;
      else if (!strcmp(optarg, "float64")) dtype_bytes = 8;
      else STRATA_CHECK(strata_cli_usage("--dtype wants float32 or float64, got '%s'", optarg));
      break;
    case 'a': STRATA_CHECK(strata_cli_double("--active", optarg, 0.0, 1.0, &par.active)); break;
    case 'd': STRATA_CHECK(strata_cli_double("--density", optarg, 1e-9, 1.0, &par.density)); break;
    case 'n': STRATA_CHECK(strata_cli_double("--noise", optarg, 1e-6, 1e6, &par.noise)); break;
    case 'c': STRATA_CHECK(strata_cli_double("--patient-corr", optarg, 0.0, 1.0, &par.patient_corr)); break;
    case 'M': mut_prefix = optarg; break;
    case 'u': STRATA_CHECK(strata_cli_int("--mutations-per-patient", optarg, 1, 10000000, &mean_mut)); break;
    case 'D': STRATA_CHECK(strata_cli_int("--depth", optarg, 5, 100000, &depth)); break;
    case 'C': STRATA_CHECK(strata_cli_int("--clusters", optarg, 2, 100, &maxc)); break;
    case 'S': STRATA_CHECK(strata_cli_int("--slab-mb", optarg, 1, 1 << 20, &slab_mb)); break;
    default: STRATA_CHECK(strata_cli_usage("unknown option or missing value: '%s'", argv[optind - 1]));
    }
  }
  if (optind < argc) STRATA_CHECK(strata_cli_usage("unexpected argument '%s'", argv[optind]));
  if (!out) STRATA_CHECK(strata_cli_usage("-o/--output is required"));
  strata_cli_output(cli, "-o", out);
  strata_cli_output_suffix(cli, "--mutations", mut_prefix, ".maf.tsv");
  strata_cli_output_suffix(cli, "--mutations", mut_prefix, ".ccf.tsv");
  strata_cli_output_suffix(cli, "--mutations", mut_prefix, ".clin.tsv");
  strata_cli_output_suffix(cli, "--mutations", mut_prefix, ".clones.tsv");
  STRATA_CHECK(strata_cli_start(cli));
  STRATA_CHECK(parse_views(views_arg, views, &par.nviews));
  STRATA_CHECK(parse_missing(missing_arg, views, par.nviews));
  par.views = views;

  double t0 = strata_wtime();
  /* everything below the options is deterministic and identical on every rank */
  lst = strata_sim_create(&par, &s);
  if (!lst) lst = make_names(s, &samples, &pos, &patients);
  if (!lst && mut_prefix) lst = strata_sim_clones(s, (int)maxc, &clones);
  if (!lst && (!(r2f = calloc((size_t)par.nviews * par.K, sizeof *r2f)) ||
               !(r2s = calloc((size_t)par.nviews * par.Kv + 1, sizeof *r2s)) ||
               !(r2t = calloc((size_t)par.nviews, sizeof *r2t)) ||
               !(regcol = malloc((size_t)s->nobs * sizeof *regcol))))
    lst = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
  STRATA_CHECK(strata_agree(cli->comm, lst));
  for (int64_t i = 0; i < s->nobs; i++) regcol[i] = s->region[i];
  {
    strata_column_t cols[2];
    memset(cols, 0, sizeof cols);
    cols[0].name = "region";
    cols[0].is_numeric = 1;
    cols[0].num = regcol;
    cols[1].name = "purity";
    cols[1].is_numeric = 1;
    cols[1].num = s->purity;
    STRATA_CHECK(strata_cohort_writer_create(cli->comm, out, s->nobs, samples, pos, 2, cols, &w));
  }
  int64_t total_bytes = 0;
  for (int v = 0; v < par.nviews; v++) {
    int64_t b = 0;
    double tv = strata_wtime();
    STRATA_CHECK(write_view(cli, s, w, v, dtype_bytes, slab_mb << 20, r2f + v * par.K,
                            r2s + v * par.Kv, r2t + v, &b));
    total_bytes += b;
    strata_log(cli->comm, 2, "simulate: view %s: %.3f GB in %.2f s\n", views[v].name, b / 1e9,
               strata_wtime() - tv);
  }
  {
    truth_t truth = {s, r2f, r2s, r2t, clones};
    STRATA_CHECK(strata_cohort_writer_rank0(w, write_truth, &truth));
  }
  if (mut_prefix) {
    lst = STRATA_OK;
    if (cli->rank == 0) {
      lst = strata_mutwriter_open(mut_prefix, &mw);
      if (!lst) lst = write_mutations(s, clones, samples, patients, (int)mean_mut, (int)depth, mw);
    }
    STRATA_CHECK(strata_agree(cli->comm, lst));
  }
  STRATA_CHECK(strata_cohort_writer_commit(&w));
  if (mw) {
    lst = strata_mutwriter_commit(&mw);
  }
  STRATA_CHECK(strata_agree(cli->comm, lst));
  double dt = strata_wtime() - t0;
  if (cli->rank == 0 && cli->verbosity >= 1) {
    printf("wrote %s: %lld samples, %lld patients, %d views, %.3f GB of X in %.2f s (%.3f GB/s)\n",
           out, (long long)s->nobs, (long long)s->par.npatients, par.nviews, total_bytes / 1e9, dt,
           dt > 0 ? total_bytes / 1e9 / dt : 0.0);
    for (int v = 0; v < par.nviews; v++)
      printf("  %-12s %-9s %7lld features  planted R2 total %.3f\n", views[v].name,
             views[v].lik == STRATA_SIM_GAUSSIAN ? "gaussian" : "bernoulli",
             (long long)views[v].nvar, r2t[v]);
    if (mut_prefix)
      printf("  mutations: %s.maf.tsv %s.ccf.tsv %s.clin.tsv %s.clones.tsv\n", mut_prefix,
             mut_prefix, mut_prefix, mut_prefix);
  }
cleanup:
  strata_cohort_writer_abort(&w);
  strata_mutwriter_abort(&mw);
  if (s) {
    free_names(samples, s->nobs);
    free_names(pos, s->nobs);
    free_names(patients, s->par.npatients);
  }
  strata_sim_clones_destroy(&clones);
  strata_sim_destroy(&s);
  free(r2f);
  free(r2s);
  free(r2t);
  free(regcol);
  return st;
}

const strata_cmd_t strata_cmd_simulate = {
    "simulate", "synthetic TRACERx-shaped cohort with planted factors (and clones)",
    "Usage: strata simulate -o COHORT.h5mu [options]\n"
    "\n"
    "Write a synthetic multi-region, multi-omics cohort with a known truth.  Patients have\n"
    "--regions tumour regions each; regions share K latent factors Z (correlated within a\n"
    "patient) across views, plus --view-factors factors of their own per view.  Loadings are\n"
    "ARD-like: a shared factor is active in a view with probability --active (factor k is always\n"
    "active in view k mod M), its loadings are spike-and-slab with --density non-zeros and a\n"
    "per-view scale U(0.5, 1.5).  Gaussian views: Y = Z W^T + Zv V^T + noise with per-feature sd\n"
    "--noise * U(0.5, 1.5) (precision stored).  Bernoulli views: Y ~ Bernoulli(logistic(Z W^T +\n"
    "Zv V^T + b)) with intercepts b ~ N(-1, 0.5^2).  Each region lacks each view with probability\n"
    "--missing (obsmap 0).  All ranks generate and write their rows in parallel, in slabs, so a\n"
    "10,000 x 450,000 view needs disk, not memory; every value is drawn from a counter-based RNG\n"
    "by (seed, view, element): the data are identical for any rank count.\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE       cohort to write (.h5mu; temporary name, renamed at the end)\n"
    "  --patients N            patients (default 100)\n"
    "  --regions A-B | N       regions per patient, uniform in A..B (default 1-7)\n"
    "  --views SPEC            NAME:gaussian|bernoulli:FEATURES[,...]\n"
    "                          (default rna:gaussian:2000,meth:gaussian:1000,mut:bernoulli:500)\n"
    "  --factors K             shared factors (default 10)\n"
    "  --view-factors K        view-specific factors per view (default 2)\n"
    "  --seed S                RNG seed (default 1)\n"
    "  --missing F | V=F,...   probability that a region lacks a view: one value for all views\n"
    "                          or per view (views not named: 0); default 0.1\n"
    "  --dtype float32|float64 storage type of X (default float32)\n"
    "  --active F              probability that a shared factor is active in a view (default 0.7)\n"
    "  --density F             fraction of non-zero loadings of an active factor (default 0.5)\n"
    "  --noise F               Gaussian noise scale (default 1)\n"
    "  --patient-corr R        correlation of Z between regions of one patient (default 0.5)\n"
    "  --slab-mb N             memory per rank for one slab of generated rows (default 64)\n"
    "Mutations (optional):\n"
    "  --mutations PREFIX      also write PREFIX.maf.tsv (MesKit MAF), PREFIX.ccf.tsv (MesKit CCF),\n"
    "                          PREFIX.clin.tsv and the planted PREFIX.clones.tsv, readable by\n"
    "                          'strata ith --maf PREFIX.maf.tsv --clin PREFIX.clin.tsv --ccf\n"
    "                          PREFIX.ccf.tsv'.  Per patient: 2..--clusters clusters (cluster 0 =\n"
    "                          trunk, CCF 1), a random tree, subclone CCFs per region (absent\n"
    "                          with probability 0.3; children fit inside their parent);\n"
    "                          diploid, VAF = purity*CCF/2, depth ~ --depth*exp(0.3 N(0,1)),\n"
    "                          alt ~ Binomial(depth, VAF); every mutation has a row in every region\n"
    "                          of its patient (VAF 0 where no alt read, as MesKit tables do)\n"
    "  --mutations-per-patient N  mean mutations per patient, 40% truncal (default 100)\n"
    "  --depth N               mean read depth (default 100)\n"
    "  --clusters N            max clusters per patient (default 5)\n"
    "\n"
    "Output: obs has patient, region (1-based) and purity; mod/<view>/X; the truth under\n"
    "uns/strata_truth: Z (samples x K), r2_per_factor (views x K, fractions), r2_view_specific\n"
    "(views x Kv), r2_total (views), and per view W (features x K), V, Zv, active (K),\n"
    "noise_precision (Gaussian) or intercept (Bernoulli); with --mutations also clones/ccf\n"
    "(samples x clusters, NaN = no such cluster) and clones/parent (patients x clusters, -1).\n"
    "Planted R2 = expected MOFA R2 (1 - RSS/SS) over the present rows given the truth: per factor\n"
    "(2 sum s*f_k - sum f_k^2)/(sum s^2 + noise variance), s the signal, f_k = z_k w_k^T;\n"
    "Bernoulli views on the logit scale with noise variance pi^2/3 (McKelvey-Zavoina).\n"
    "\n"
    "Exit codes: 0 ok, 1 usage (bad option or value), 3 I/O error.\n",
    run};
