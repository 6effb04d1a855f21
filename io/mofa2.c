/* Writers of the factor model's results: the MOFA2 trained-model HDF5 layout (so MOFA2's R
 * load_model() and muon read strata's factors) and plain TSV tables.  Rank 0 only, from a model
 * already gathered; nothing numeric beyond unit conversion (R^2 fraction -> percent). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/h5util.h"
#include "strata/mofa2.h"
#include "strata/util.h"

/* Open or create the group at a path like "expectations/Z" under loc, level by level. */
static int subgroup(hid_t loc, const char *name, hid_t *out) {
  int st = STRATA_OK;
  char path[512];
  hid_t cur = -1;
  *out = -1;
  snprintf(path, sizeof path, "%s", name);
  for (char *p = path;;) {
    char *slash = strchr(p, '/');
    if (slash) *slash = '\0';
    if (H5Lexists(loc, path, H5P_DEFAULT) <= 0) {
      hid_t g = -1;
      STRATA_CHECK(strata_h5_group(loc, path, NULL, NULL, &g));
      H5Gclose(g);
    }
    if (cur >= 0) H5Gclose(cur);
    cur = H5Gopen2(loc, path, H5P_DEFAULT);
    if (cur < 0) STRATA_FAIL(STRATA_ERR_HDF5, "mofa2: cannot open group '%s'", path);
    if (!slash) break;
    *slash = '/';
    p = slash + 1;
  }
  *out = cur;
  cur = -1;
cleanup:
  if (cur >= 0) H5Gclose(cur);
  return st;
}

static int write_in(hid_t file, const char *grp, const char *name, int64_t nrows, int64_t ncols,
                    const double *data, int colmajor) {
  int st = STRATA_OK;
  hid_t g = -1;
  STRATA_CHECK(subgroup(file, grp, &g));
  if (ncols == 0) STRATA_CHECK(strata_h5_write_double(g, name, nrows, data));
  else STRATA_CHECK(strata_h5_write_matrix(g, name, nrows, ncols, data, colmajor, 8));
cleanup:
  if (g >= 0) H5Gclose(g);
  return st;
}

static int write_strings_in(hid_t file, const char *grp, const char *name, int64_t n,
                            char *const *v) {
  int st = STRATA_OK;
  hid_t g = -1;
  STRATA_CHECK(subgroup(file, grp, &g));
  STRATA_CHECK(strata_h5_write_strings(g, name, n, v));
cleanup:
  if (g >= 0) H5Gclose(g);
  return st;
}

int strata_mofa2_write(const char *path, const strata_mofa2_model_t *m) {
  int st = STRATA_OK;
  strata_h5out_t *o = NULL;
  hid_t g = -1;
  double *pct = NULL, *trace = NULL, *nf = NULL;
  char gpath[512];
  int M = m->nviews, K = m->k;
  STRATA_CHECK(strata_h5out_create(path, 0, &o));
  hid_t f = strata_h5out_file(o);
  char *grp[1] = {(char *)m->group};
  STRATA_CHECK(write_strings_in(f, "groups", "groups", 1, grp));
  STRATA_CHECK(write_strings_in(f, "views", "views", M, m->view_names));
  STRATA_CHECK(write_strings_in(f, "samples", m->group, m->nobs, m->sample_names));
  for (int v = 0; v < M; v++)
    STRATA_CHECK(write_strings_in(f, "features", m->view_names[v], m->nvar[v], m->feature_names[v]));
  /* Z (nobs x K column-major) is K x nobs row-major: what MOFA2 stores */
  STRATA_CHECK(write_in(f, "expectations/Z", m->group, K, m->nobs, m->z, 0));
  for (int v = 0; v < M; v++) {
    STRATA_CHECK(write_in(f, "expectations/W", m->view_names[v], K, m->nvar[v], m->w[v], 0));
    snprintf(gpath, sizeof gpath, "intercepts/%s", m->view_names[v]);
    STRATA_CHECK(write_in(f, gpath, m->group, m->nvar[v], 0, m->intercept[v], 0));
  }
  STRATA_MALLOC(pct, (size_t)M * K + M);
  for (int i = 0; i < M * K; i++) pct[i] = 100.0 * m->r2[i];
  STRATA_CHECK(write_in(f, "variance_explained/r2_per_factor", m->group, M, K, pct, 1));
  for (int v = 0; v < M; v++) pct[v] = 100.0 * m->r2_total[v];
  STRATA_CHECK(write_in(f, "variance_explained/r2_total", m->group, M, 0, pct, 0));

  STRATA_CHECK(write_strings_in(f, "model_options", "likelihoods", M, (char *const *)m->likelihood));
  STRATA_CHECK(subgroup(f, "model_options", &g));
  {
    int64_t one = 1, zero = 0, ss = m->spikeslab ? 1 : 0;
    STRATA_CHECK(strata_h5_write_int64(g, "spikeslab_factors", 1, &zero));
    STRATA_CHECK(strata_h5_write_int64(g, "spikeslab_weights", 1, &ss));
    STRATA_CHECK(strata_h5_write_int64(g, "ard_factors", 1, &zero));
    STRATA_CHECK(strata_h5_write_int64(g, "ard_weights", 1, &one));
  }
  H5Gclose(g);
  g = -1;
  {
    double opts[6] = {(double)m->max_iter, (double)m->elbo_freq, 1, 0, 0, (double)m->seed};
    char *names[6] = {"maxiter", "freqELBO", "start_elbo", "gpu_mode", "stochastic", "seed"};
    STRATA_CHECK(strata_h5_write_double(f, "training_opts", 6, opts));
    hid_t d = H5Dopen2(f, "training_opts", H5P_DEFAULT);
    if (d < 0) STRATA_FAIL(STRATA_ERR_HDF5, "mofa2: cannot reopen training_opts in '%s'", path);
    int rc = strata_h5_attr_strings(d, "names", 6, names);
    H5Dclose(d);
    STRATA_CHECK(rc);
  }
  /* per iteration: ELBO (NaN where not evaluated) and the number of factors then */
  int64_t n = m->iterations > 0 ? m->iterations : 1;
  STRATA_MALLOC(trace, n);
  STRATA_MALLOC(nf, n);
  /* an iteration's factor count is the one of the next ELBO evaluation (counts only change
   * right after an evaluation) */
  for (int64_t t = 0, e = 0; t < n; t++) {
    while (e < m->n_elbo && m->elbo_iter[e] < t + 1) e++;
    trace[t] = e < m->n_elbo && m->elbo_iter[e] == t + 1 ? m->elbo[e] : NAN;
    nf[t] = e < m->n_elbo ? (double)m->elbo_k[e] : K;
  }
  STRATA_CHECK(write_in(f, "training_stats", "elbo", n, 0, trace, 0));
  STRATA_CHECK(write_in(f, "training_stats", "number_factors", n, 0, nf, 0));
  STRATA_CHECK(write_in(f, "training_stats", "time", 1, 0, &m->seconds, 0));
  STRATA_CHECK(strata_h5out_commit(&o));
cleanup:
  if (g >= 0) H5Gclose(g);
  strata_h5out_abort(&o);
  free(pct);
  free(trace);
  free(nf);
  return st;
}

/* Open PREFIX<suffix> at a temporary name. */
static int tsv_open(const char *prefix, const char *suffix, char *path, char *tmp, size_t n, FILE **f) {
  int st = STRATA_OK;
  snprintf(path, n, "%s%s", prefix, suffix);
  strata_tmpname(path, tmp, n);
  *f = fopen(tmp, "w");
  if (!*f) STRATA_FAIL(STRATA_ERR_IO, "cannot write '%s'", path);
cleanup:
  return st;
}

/* Close a table written at its temporary name; renamed with the others at the end, so a
 * failure (a full disk) leaves none of the three tables behind, not the first ones. */
static int tsv_close(FILE **f, const char *path) {
  int st = STRATA_OK;
  int bad = ferror(*f);
  bad |= fclose(*f) != 0;
  *f = NULL;
  if (bad) STRATA_FAIL(STRATA_ERR_IO, "cannot write '%s': %s", path, strerror(errno ? errno : EIO));
cleanup:
  return st;
}

int strata_mofa2_write_tsv(const char *prefix, const strata_mofa2_model_t *m) {
  int st = STRATA_OK;
  char path[3][4096], tmp[3][4200];
  FILE *f = NULL;
  int K = m->k, M = m->nviews, opened = 0;
  STRATA_CHECK(tsv_open(prefix, ".Z.tsv", path[0], tmp[0], sizeof path[0], &f));
  opened = 1;
  fprintf(f, "sample");
  for (int k = 0; k < K; k++) fprintf(f, "\tFactor%d", k + 1);
  fputc('\n', f);
  for (int64_t i = 0; i < m->nobs; i++) {
    fputs(m->sample_names[i], f);
    for (int k = 0; k < K; k++) fprintf(f, "\t%.10g", m->z[i + k * m->nobs]);
    fputc('\n', f);
  }
  STRATA_CHECK(tsv_close(&f, path[0]));

  STRATA_CHECK(tsv_open(prefix, ".W.tsv", path[1], tmp[1], sizeof path[1], &f));
  opened = 2;
  fprintf(f, "view\tfeature");
  for (int k = 0; k < K; k++) fprintf(f, "\tFactor%d", k + 1);
  fputc('\n', f);
  for (int v = 0; v < M; v++)
    for (int64_t d = 0; d < m->nvar[v]; d++) {
      fprintf(f, "%s\t%s", m->view_names[v], m->feature_names[v][d]);
      for (int k = 0; k < K; k++) fprintf(f, "\t%.10g", m->w[v][d + k * m->nvar[v]]);
      fputc('\n', f);
    }
  STRATA_CHECK(tsv_close(&f, path[1]));

  STRATA_CHECK(tsv_open(prefix, ".r2.tsv", path[2], tmp[2], sizeof path[2], &f));
  opened = 3;
  fprintf(f, "view");
  for (int k = 0; k < K; k++) fprintf(f, "\tFactor%d", k + 1);
  fprintf(f, "\ttotal\n");
  for (int v = 0; v < M; v++) {
    fputs(m->view_names[v], f);
    for (int k = 0; k < K; k++) fprintf(f, "\t%.4f", 100 * m->r2[v + k * M]);
    fprintf(f, "\t%.4f\n", 100 * m->r2_total[v]);
  }
  STRATA_CHECK(tsv_close(&f, path[2]));
  for (int i = 0; i < 3; i++)
    if (rename(tmp[i], path[i]) != 0)
      STRATA_FAIL(STRATA_ERR_IO, "cannot rename '%s' to '%s': %s", tmp[i], path[i], strerror(errno));
  opened = 0;
cleanup:
  if (f) fclose(f);
  for (int i = 0; i < opened; i++) remove(tmp[i]);
  return st;
}
