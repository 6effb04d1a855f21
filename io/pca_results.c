/* PCA/SVD results as a MuData file in scanpy's layout (obsm/X_pca, mod/<view>/varm/PCs,
 * uns/pca) and as TSV tables.  Written by rank 0 from gathered results; never touches the
 * input cohort.  Not for reading results back, and nothing numeric beyond U diag(s). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hdf5.h>

#include "strata/h5util.h"
#include "strata/pca_results.h"
#include "strata/util.h"

/* A scalar number in uns, as anndata writes one (encoding-type "numeric-scalar"). */
static int write_scalar(hid_t loc, const char *name, double value, int is_int) {
  int st = STRATA_OK;
  hid_t s = H5Screate(H5S_SCALAR), d = H5I_INVALID_HID;
  int64_t iv = (int64_t)value;
  d = H5Dcreate2(loc, name, is_int ? H5T_STD_I64LE : H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT,
                 H5P_DEFAULT);
  if (d < 0 || H5Dwrite(d, is_int ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                        H5P_DEFAULT, is_int ? (const void *)&iv : (const void *)&value) < 0)
    STRATA_FAIL(STRATA_ERR_HDF5, "hdf5: cannot write uns scalar '%s'", name);
  STRATA_CHECK(strata_h5_attr_string(d, "encoding-type", "numeric-scalar"));
  STRATA_CHECK(strata_h5_attr_string(d, "encoding-version", "0.2.0"));
cleanup:
  if (d >= 0) H5Dclose(d);
  if (s >= 0) H5Sclose(s);
  return st;
}

static int write_u32(hid_t loc, const char *name, int64_t n, const uint32_t *data) {
  int st = STRATA_OK;
  hsize_t dims = (hsize_t)n;
  hid_t s = H5Screate_simple(1, &dims, NULL), d = H5I_INVALID_HID;
  d = H5Dcreate2(loc, name, H5T_STD_U32LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (d < 0 || (n > 0 && H5Dwrite(d, H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0))
    STRATA_FAIL(STRATA_ERR_HDF5, "hdf5: cannot write '%s'", name);
  STRATA_CHECK(strata_h5_attr_string(d, "encoding-type", "array"));
  STRATA_CHECK(strata_h5_attr_string(d, "encoding-version", "0.2.0"));
cleanup:
  if (d >= 0) H5Dclose(d);
  if (s >= 0) H5Sclose(s);
  return st;
}

static int write_dicts(hid_t loc, const char *const *names) {
  int st = STRATA_OK;
  hid_t g = H5I_INVALID_HID;
  for (int i = 0; names[i]; i++) {
    STRATA_CHECK(strata_h5_group(loc, names[i], "dict", "0.1.0", &g));
    H5Gclose(g);
    g = H5I_INVALID_HID;
  }
cleanup:
  return st;
}

/* mod/<view>: the view's obs (its samples, in row order), var, and varm/<key> = V_m. */
static int write_view(hid_t mod, const strata_pca_results_t *r, int m, const char *key) {
  int st = STRATA_OK;
  hid_t ad = H5I_INVALID_HID, g = H5I_INVALID_HID;
  char **vobs = NULL;
  int64_t nrows = 0;
  for (int64_t i = 0; i < r->nobs; i++) nrows += r->obsmap[m][i] != 0;
  STRATA_CALLOC(vobs, nrows);
  for (int64_t i = 0; i < r->nobs; i++)
    if (r->obsmap[m][i] && r->obsmap[m][i] <= nrows) vobs[r->obsmap[m][i] - 1] = r->obs_names[i];
  STRATA_CHECK(strata_h5_group(mod, r->view_names[m], "anndata", "0.1.0", &ad));
  STRATA_CHECK(strata_h5_dataframe(ad, "obs", nrows, vobs, 0, NULL, &g));
  H5Gclose(g);
  STRATA_CHECK(strata_h5_dataframe(ad, "var", r->nvar[m], r->var_names[m], 0, NULL, &g));
  H5Gclose(g);
  g = H5I_INVALID_HID;
  static const char *dicts[] = {"obsm", "obsp", "varp", "layers", "uns", NULL};
  STRATA_CHECK(write_dicts(ad, dicts));
  STRATA_CHECK(strata_h5_group(ad, "varm", "dict", "0.1.0", &g));
  STRATA_CHECK(strata_h5_write_matrix(g, key, r->nvar[m], r->k, r->v[m], 1, 8));
cleanup:
  free(vobs);
  if (g >= 0) H5Gclose(g);
  if (ad >= 0) H5Gclose(ad);
  return st;
}

int strata_pca_results_write_h5mu(const char *path, const strata_pca_results_t *r) {
  int st = STRATA_OK;
  strata_h5out_t *o = NULL;
  hid_t g = H5I_INVALID_HID, u = H5I_INVALID_HID, p = H5I_INVALID_HID;
  const char *obsm_key = r->centered ? "X_pca" : "X_svd", *varm_key = r->centered ? "PCs" : "SVs";
  const char *uns_key = r->centered ? "pca" : "svd";
  char **allvar = NULL;
  double *scores = NULL;
  uint32_t *vmap = NULL;
  int64_t D = 0;
  for (int m = 0; m < r->nviews; m++) D += r->nvar[m];
  STRATA_CHECK(strata_h5out_create(path, 1, &o));
  hid_t f = strata_h5out_file(o);
  STRATA_CHECK(strata_h5_attr_string(f, "encoding-type", "MuData"));
  STRATA_CHECK(strata_h5_attr_string(f, "encoding-version", "0.1.0"));
  STRATA_CHECK(strata_h5_attr_string(f, "encoder", "strata"));
  STRATA_CHECK(strata_h5_attr_int64(f, "axis", 0));
  STRATA_CHECK(strata_h5_dataframe(f, "obs", r->nobs, r->obs_names, 0, NULL, &g));
  H5Gclose(g);
  g = H5I_INVALID_HID;
  STRATA_CALLOC(allvar, D);
  for (int m = 0, t = 0; m < r->nviews; m++)
    for (int64_t j = 0; j < r->nvar[m]; j++) allvar[t++] = r->var_names[m][j];
  STRATA_CHECK(strata_h5_dataframe(f, "var", D, allvar, 0, NULL, &g));
  H5Gclose(g);
  g = H5I_INVALID_HID;
  static const char *dicts[] = {"obsp", "varm", "varp", NULL};
  STRATA_CHECK(write_dicts(f, dicts));
  /* obsm/X_pca: scores U diag(s), as scanpy's pca stores them */
  STRATA_MALLOC(scores, (size_t)(r->nobs * r->k));
  for (int c = 0; c < r->k; c++)
    for (int64_t i = 0; i < r->nobs; i++) scores[c * r->nobs + i] = r->u[c * r->nobs + i] * r->s[c];
  STRATA_CHECK(strata_h5_group(f, "obsm", "dict", "0.1.0", &g));
  STRATA_CHECK(strata_h5_write_matrix(g, obsm_key, r->nobs, r->k, scores, 1, 8));
  H5Gclose(g);
  g = H5I_INVALID_HID;
  /* obsmap / varmap */
  STRATA_CHECK(strata_h5_group(f, "obsmap", "dict", "0.1.0", &g));
  for (int m = 0; m < r->nviews; m++) STRATA_CHECK(write_u32(g, r->view_names[m], r->nobs, r->obsmap[m]));
  H5Gclose(g);
  STRATA_CHECK(strata_h5_group(f, "varmap", "dict", "0.1.0", &g));
  STRATA_CALLOC(vmap, D);
  for (int m = 0, off = 0; m < r->nviews; m++) {
    memset(vmap, 0, (size_t)D * sizeof *vmap);
    for (int64_t j = 0; j < r->nvar[m]; j++) vmap[off + j] = (uint32_t)(j + 1);
    STRATA_CHECK(write_u32(g, r->view_names[m], D, vmap));
    off += (int)r->nvar[m];
  }
  H5Gclose(g);
  g = H5I_INVALID_HID;
  /* mod/<view> */
  STRATA_CHECK(strata_h5_group(f, "mod", NULL, NULL, &g));
  STRATA_CHECK(strata_h5_attr_strings(g, "mod-order", r->nviews, r->view_names));
  for (int m = 0; m < r->nviews; m++) STRATA_CHECK(write_view(g, r, m, varm_key));
  H5Gclose(g);
  g = H5I_INVALID_HID;
  /* uns/pca */
  STRATA_CHECK(strata_h5_group(f, "uns", "dict", "0.1.0", &u));
  STRATA_CHECK(strata_h5_group(u, uns_key, "dict", "0.1.0", &g));
  STRATA_CHECK(strata_h5_write_double(g, "variance", r->k, r->variance));
  STRATA_CHECK(strata_h5_write_double(g, "variance_ratio", r->k, r->variance_ratio));
  STRATA_CHECK(strata_h5_write_double(g, "singular_values", r->k, r->s));
  STRATA_CHECK(strata_h5_write_double(g, "view_weights", r->nviews, r->view_weight));
  STRATA_CHECK(strata_h5_write_strings(g, "view_names", r->nviews, r->view_names));
  STRATA_CHECK(strata_h5_group(g, "params", "dict", "0.1.0", &p));
  STRATA_CHECK(write_scalar(p, "zero_center", r->centered, 1));
  STRATA_CHECK(write_scalar(p, "scale", r->scaled, 1));
  STRATA_CHECK(write_scalar(p, "n_comps", r->k, 1));
  STRATA_CHECK(write_scalar(p, "mfa", r->mfa, 1));
  STRATA_CHECK(write_scalar(p, "oversample", r->oversample, 1));
  STRATA_CHECK(write_scalar(p, "power_iters", r->power_iters, 1));
  STRATA_CHECK(strata_h5_write_string(p, "svd_solver", r->method));
  STRATA_CHECK(strata_h5_write_string(p, "svd_solver_reason", r->method_reason ? r->method_reason : ""));
  STRATA_CHECK(strata_h5_write_string(p, "impute", r->impute));
  STRATA_CHECK(write_scalar(p, "impute_iters", r->impute_iters, 1));
  STRATA_CHECK(write_scalar(p, "impute_change", r->impute_change, 0));
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
  free(allvar);
  free(scores);
  free(vmap);
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

static int tsv_close(FILE **f, const char *final, const char *tmp, int st) {
  if (!*f) return st;
  int bad = ferror(*f);
  if (fclose(*f) != 0) bad = 1;
  *f = NULL;
  if (!st && bad) st = strata_err_set(STRATA_ERR_IO, __FILE__, __LINE__, __func__, "cannot write '%s'", final);
  if (!st && rename(tmp, final) != 0)
    st = strata_err_set(STRATA_ERR_IO, __FILE__, __LINE__, __func__, "cannot rename '%s' to '%s': %s", tmp, final, strerror(errno));
  if (st) remove(tmp);
  return st;
}

int strata_pca_results_write_tsv(const char *prefix, const strata_pca_results_t *r) {
  int st = STRATA_OK;
  size_t n = strlen(prefix) + 64;
  char *final = NULL, *tmp = NULL;
  const char *pc = r->centered ? "PC" : "SV";
  FILE *f = NULL;
  STRATA_MALLOC(final, n);
  STRATA_MALLOC(tmp, n);
  STRATA_CHECK(tsv_open(prefix, "scores.tsv", final, tmp, n, &f));
  fprintf(f, "sample");
  for (int c = 0; c < r->k; c++) fprintf(f, "\t%s%d", pc, c + 1);
  fputc('\n', f);
  for (int64_t i = 0; i < r->nobs; i++) {
    fputs(r->obs_names[i], f);
    for (int c = 0; c < r->k; c++) fprintf(f, "\t%.17g", r->u[c * r->nobs + i] * r->s[c]);
    fputc('\n', f);
  }
  STRATA_CHECK(tsv_close(&f, final, tmp, st));
  STRATA_CHECK(tsv_open(prefix, "loadings.tsv", final, tmp, n, &f));
  fprintf(f, "view\tfeature");
  for (int c = 0; c < r->k; c++) fprintf(f, "\t%s%d", pc, c + 1);
  fputc('\n', f);
  for (int m = 0; m < r->nviews; m++)
    for (int64_t j = 0; j < r->nvar[m]; j++) {
      fprintf(f, "%s\t%s", r->view_names[m], r->var_names[m][j]);
      for (int c = 0; c < r->k; c++) fprintf(f, "\t%.17g", r->v[m][c * r->nvar[m] + j]);
      fputc('\n', f);
    }
  STRATA_CHECK(tsv_close(&f, final, tmp, st));
  STRATA_CHECK(tsv_open(prefix, "variance.tsv", final, tmp, n, &f));
  fprintf(f, "component\tsingular_value\tvariance\tvariance_ratio\n");
  for (int c = 0; c < r->k; c++)
    fprintf(f, "%s%d\t%.17g\t%.17g\t%.17g\n", pc, c + 1, r->s[c], r->variance[c], r->variance_ratio[c]);
  STRATA_CHECK(tsv_close(&f, final, tmp, st));
cleanup:
  if (f) {
    fclose(f);
    remove(tmp);
  }
  free(final);
  free(tmp);
  return st;
}
