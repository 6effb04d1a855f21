/* PCA/SVD results as a MuData file in scanpy's layout (obsm/X_pca, mod/<view>/varm/PCs,
 * uns/pca) and as TSV tables.  Written by rank 0 from gathered results; never touches the
 * input cohort.  Not for reading results back, and nothing numeric beyond U diag(s). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hdf5.h>

#include "strata/h5mu_results.h"
#include "strata/h5util.h"
#include "strata/pca_results.h"
#include "strata/util.h"

int strata_pca_results_write_h5mu(const char *path, const strata_pca_results_t *r) {
  int st = STRATA_OK;
  strata_h5out_t *o = NULL;
  hid_t g = H5I_INVALID_HID, u = H5I_INVALID_HID, p = H5I_INVALID_HID;
  const char *uns_key = r->centered ? "pca" : "svd";
  double *scores = NULL;
  STRATA_CHECK(strata_h5out_create(path, 1, &o));
  hid_t f = strata_h5out_file(o);
  /* obsm/X_pca: scores U diag(s), as scanpy's pca stores them */
  STRATA_MALLOC(scores, (size_t)(r->nobs * r->k));
  for (int c = 0; c < r->k; c++)
    for (int64_t i = 0; i < r->nobs; i++) scores[c * r->nobs + i] = r->u[c * r->nobs + i] * r->s[c];
  strata_h5mu_results_t layout = {
      .nobs = r->nobs, .obs_names = r->obs_names, .nviews = r->nviews, .view_names = r->view_names,
      .nvar = r->nvar, .var_names = r->var_names, .obsmap = r->obsmap, .k = r->k,
      .obsm_key = r->centered ? "X_pca" : "X_svd", .obsm = scores,
      .varm_key = r->centered ? "PCs" : "SVs", .varm = r->v, .colmajor = 1};
  STRATA_CHECK(strata_h5mu_results_write(f, &layout));
  /* uns/pca */
  STRATA_CHECK(strata_h5_group(f, "uns", "dict", "0.1.0", &u));
  STRATA_CHECK(strata_h5_group(u, uns_key, "dict", "0.1.0", &g));
  STRATA_CHECK(strata_h5_write_double(g, "variance", r->k, r->variance));
  STRATA_CHECK(strata_h5_write_double(g, "variance_ratio", r->k, r->variance_ratio));
  STRATA_CHECK(strata_h5_write_double(g, "singular_values", r->k, r->s));
  STRATA_CHECK(strata_h5_write_double(g, "view_weights", r->nviews, r->view_weight));
  STRATA_CHECK(strata_h5_write_strings(g, "view_names", r->nviews, r->view_names));
  STRATA_CHECK(strata_h5_group(g, "params", "dict", "0.1.0", &p));
  STRATA_CHECK(strata_h5_write_scalar(p, "zero_center", r->centered, 1));
  STRATA_CHECK(strata_h5_write_scalar(p, "scale", r->scaled, 1));
  STRATA_CHECK(strata_h5_write_scalar(p, "n_comps", r->k, 1));
  STRATA_CHECK(strata_h5_write_scalar(p, "mfa", r->mfa, 1));
  STRATA_CHECK(strata_h5_write_scalar(p, "oversample", r->oversample, 1));
  STRATA_CHECK(strata_h5_write_scalar(p, "power_iters", r->power_iters, 1));
  STRATA_CHECK(strata_h5_write_string(p, "svd_solver", r->method));
  STRATA_CHECK(strata_h5_write_string(p, "svd_solver_reason", r->method_reason ? r->method_reason : ""));
  STRATA_CHECK(strata_h5_write_string(p, "impute", r->impute));
  STRATA_CHECK(strata_h5_write_scalar(p, "impute_iters", r->impute_iters, 1));
  STRATA_CHECK(strata_h5_write_scalar(p, "impute_change", r->impute_change, 0));
  STRATA_CHECK(strata_h5_write_string(p, "input", r->input ? r->input : ""));
  H5Gclose(p);
  p = H5I_INVALID_HID;
  H5Gclose(g);
  g = H5I_INVALID_HID;
  H5Gclose(u);
  u = H5I_INVALID_HID;
  st = strata_h5out_commit(&o);
cleanup:
  if (p >= 0) H5Gclose(p);
  if (g >= 0) H5Gclose(g);
  if (u >= 0) H5Gclose(u);
  strata_h5out_abort(&o);
  free(scores);
  return st;
}

/* Open PREFIX.suffix at a temporary name. */
static int tsv_open(const char *prefix, const char *suffix, char *final, char *tmp, size_t n,
                    FILE **f) {
  int st = STRATA_OK;
  snprintf(final, n, "%s.%s", prefix, suffix);
  strata_tmpname(final, tmp, n);
  *f = fopen(tmp, "w");
  if (!*f) STRATA_FAIL(STRATA_ERR_IO, "cannot create '%s': %s", final, strerror(errno));
cleanup:
  return st;
}

/* Close a table written at its temporary name; the three are renamed together at the end, so
 * a failure (a full disk) leaves none of them behind, not the first ones. */
static int tsv_close(FILE **f, const char *final) {
  int bad = ferror(*f);
  if (fclose(*f) != 0) bad = 1;
  *f = NULL;
  if (bad) return strata_err_set(STRATA_ERR_IO, __FILE__, __LINE__, __func__, "cannot write '%s': %s", final, strerror(errno ? errno : EIO));
  return STRATA_OK;
}

int strata_pca_results_write_tsv(const char *prefix, const strata_pca_results_t *r) {
  int st = STRATA_OK;
  size_t n = strlen(prefix) + 64;
  char *final[3] = {NULL, NULL, NULL}, *tmp[3] = {NULL, NULL, NULL};
  const char *pc = r->centered ? "PC" : "SV";
  FILE *f = NULL;
  int opened = 0;
  for (int i = 0; i < 3; i++) {
    STRATA_MALLOC(final[i], n);
    STRATA_MALLOC(tmp[i], n);
  }
  STRATA_CHECK(tsv_open(prefix, "scores.tsv", final[0], tmp[0], n, &f));
  opened = 1;
  fprintf(f, "sample");
  for (int c = 0; c < r->k; c++) fprintf(f, "\t%s%d", pc, c + 1);
  fputc('\n', f);
  for (int64_t i = 0; i < r->nobs; i++) {
    fputs(r->obs_names[i], f);
    for (int c = 0; c < r->k; c++) fprintf(f, "\t%.17g", r->u[c * r->nobs + i] * r->s[c]);
    fputc('\n', f);
  }
  STRATA_CHECK(tsv_close(&f, final[0]));
  STRATA_CHECK(tsv_open(prefix, "loadings.tsv", final[1], tmp[1], n, &f));
  opened = 2;
  fprintf(f, "view\tfeature");
  for (int c = 0; c < r->k; c++) fprintf(f, "\t%s%d", pc, c + 1);
  fputc('\n', f);
  for (int m = 0; m < r->nviews; m++)
    for (int64_t j = 0; j < r->nvar[m]; j++) {
      fprintf(f, "%s\t%s", r->view_names[m], r->var_names[m][j]);
      for (int c = 0; c < r->k; c++) fprintf(f, "\t%.17g", r->v[m][c * r->nvar[m] + j]);
      fputc('\n', f);
    }
  STRATA_CHECK(tsv_close(&f, final[1]));
  STRATA_CHECK(tsv_open(prefix, "variance.tsv", final[2], tmp[2], n, &f));
  opened = 3;
  fprintf(f, "component\tsingular_value\tvariance\tvariance_ratio\n");
  for (int c = 0; c < r->k; c++)
    fprintf(f, "%s%d\t%.17g\t%.17g\t%.17g\n", pc, c + 1, r->s[c], r->variance[c], r->variance_ratio[c]);
  STRATA_CHECK(tsv_close(&f, final[2]));
  for (int i = 0; i < 3; i++)
    if (rename(tmp[i], final[i]) != 0)
      STRATA_FAIL(STRATA_ERR_IO, "cannot rename '%s' to '%s': %s", tmp[i], final[i], strerror(errno));
  opened = 0;
cleanup:
  if (f) fclose(f);
  for (int i = 0; i < opened; i++) remove(tmp[i]);
  for (int i = 0; i < 3; i++) {
    free(final[i]);
    free(tmp[i]);
  }
  return st;
}
