/* NMF results as a MuData file (obsm/X_nmf, mod/<view>/varm/W_nmf, obs/nmf_cluster, uns/nmf),
 * written by rank 0 from gathered factors through the h5util helpers.  Never touches the input
 * cohort; nothing numeric beyond turning cluster indices into 1-based factor numbers. */
#include <hdf5.h>
#include <stdlib.h>
#include <string.h>

#include "strata/h5util.h"
#include "strata/nmf_results.h"

/* A scalar in uns, as anndata writes one (encoding-type "numeric-scalar"). */
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

/* mod/<view>: the view's obs (its samples in row order), var, varm/W_nmf. */
static int write_view(hid_t mod, const strata_nmf_results_t *r, int m) {
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
  STRATA_CHECK(strata_h5_write_matrix(g, "W_nmf", r->nvar[m], r->k, r->w[m], 0, 8));
cleanup:
  free(vobs);
  if (g >= 0) H5Gclose(g);
  if (ad >= 0) H5Gclose(ad);
  return st;
}

static int write_uns(hid_t f, const strata_nmf_results_t *r) {
  int st = STRATA_OK;
  hid_t u = H5I_INVALID_HID, g = H5I_INVALID_HID, p = H5I_INVALID_HID, ks = H5I_INVALID_HID;
  int64_t *kv = NULL;
  STRATA_CHECK(strata_h5_group(f, "uns", "dict", "0.1.0", &u));
  STRATA_CHECK(strata_h5_group(u, "nmf", "dict", "0.1.0", &g));
  STRATA_CHECK(strata_h5_write_double(g, "objective", r->iterations, r->objective));
  STRATA_CHECK(write_scalar(g, "rel_error", r->rel_error, 0));
  STRATA_CHECK(write_scalar(g, "iterations", (double)r->iterations, 1));
  STRATA_CHECK(write_scalar(g, "converged", r->converged, 1));
  STRATA_CHECK(write_scalar(g, "seconds", r->seconds, 0));
  STRATA_CHECK(strata_h5_write_strings(g, "view_names", r->nviews, r->view_names));
  STRATA_CHECK(strata_h5_write_double(g, "view_weights", r->nviews, r->view_weight));
  STRATA_CHECK(strata_h5_write_double(g, "shift", r->nviews, r->shift));
  STRATA_CHECK(strata_h5_group(g, "params", "dict", "0.1.0", &p));
  STRATA_CHECK(write_scalar(p, "k", r->k, 1));
  STRATA_CHECK(strata_h5_write_string(p, "solver", r->solver));
  STRATA_CHECK(strata_h5_write_string(p, "init", r->init));
  STRATA_CHECK(write_scalar(p, "seed", (double)r->seed, 1));
  STRATA_CHECK(write_scalar(p, "tol", r->tol, 0));
  STRATA_CHECK(write_scalar(p, "max_iter", (double)r->max_iter, 1));
  STRATA_CHECK(strata_h5_write_string(p, "negative", r->negative));
  STRATA_CHECK(strata_h5_write_string(p, "input", r->input ? r->input : ""));
  if (r->nk > 0) {
    STRATA_CHECK(strata_h5_group(g, "k_selection", "dict", "0.1.0", &ks));
    STRATA_MALLOC(kv, r->nk);
    for (int q = 0; q < r->nk; q++) kv[q] = r->ks[q];
    STRATA_CHECK(strata_h5_write_int64(ks, "k", r->nk, kv));
    STRATA_CHECK(strata_h5_write_double(ks, "cophenetic", r->nk, r->cophenetic));
    STRATA_CHECK(strata_h5_write_double(ks, "dispersion", r->nk, r->dispersion));
    STRATA_CHECK(strata_h5_write_double(ks, "rel_error", r->nk, r->ksel_error));
    STRATA_CHECK(strata_h5_write_double(ks, "clusters_used", r->nk, r->ksel_clusters));
    STRATA_CHECK(write_scalar(ks, "best_k", r->best_k, 1));
    STRATA_CHECK(write_scalar(ks, "runs", r->runs, 1));
  }
cleanup:
  free(kv);
  if (ks >= 0) H5Gclose(ks);
  if (p >= 0) H5Gclose(p);
  if (g >= 0) H5Gclose(g);
  if (u >= 0) H5Gclose(u);
  return st;
}

int strata_nmf_results_write_h5mu(const char *path, const strata_nmf_results_t *r) {
  int st = STRATA_OK;
  strata_h5out_t *o = NULL;
  hid_t g = H5I_INVALID_HID;
  char **allvar = NULL;
  uint32_t *vmap = NULL;
  int64_t *clu = NULL, D = 0;
  for (int m = 0; m < r->nviews; m++) D += r->nvar[m];
  STRATA_CHECK(strata_h5out_create(path, 1, &o));
  hid_t f = strata_h5out_file(o);
  STRATA_CHECK(strata_h5_attr_string(f, "encoding-type", "MuData"));
  STRATA_CHECK(strata_h5_attr_string(f, "encoding-version", "0.1.0"));
  STRATA_CHECK(strata_h5_attr_string(f, "encoder", "strata"));
  STRATA_CHECK(strata_h5_attr_int64(f, "axis", 0));
  char *cols[1] = {"nmf_cluster"};
  STRATA_CHECK(strata_h5_dataframe(f, "obs", r->nobs, r->obs_names, 1, cols, &g));
  STRATA_MALLOC(clu, r->nobs);
  for (int64_t i = 0; i < r->nobs; i++) clu[i] = r->cluster[i] + 1;
  STRATA_CHECK(strata_h5_write_int64(g, "nmf_cluster", r->nobs, clu));
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
  STRATA_CHECK(strata_h5_group(f, "obsm", "dict", "0.1.0", &g));
  STRATA_CHECK(strata_h5_write_matrix(g, "X_nmf", r->nobs, r->k, r->h, 0, 8));
  H5Gclose(g);
  g = H5I_INVALID_HID;
  STRATA_CHECK(strata_h5_group(f, "obsmap", "dict", "0.1.0", &g));
  for (int m = 0; m < r->nviews; m++) STRATA_CHECK(write_u32(g, r->view_names[m], r->nobs, r->obsmap[m]));
  H5Gclose(g);
  g = H5I_INVALID_HID;
  STRATA_CHECK(strata_h5_group(f, "varmap", "dict", "0.1.0", &g));
  STRATA_CALLOC(vmap, D);
  for (int64_t m = 0, off = 0; m < r->nviews; m++) {
    memset(vmap, 0, (size_t)D * sizeof *vmap);
    for (int64_t j = 0; j < r->nvar[m]; j++) vmap[off + j] = (uint32_t)(j + 1);
    STRATA_CHECK(write_u32(g, r->view_names[m], D, vmap));
    off += r->nvar[m];
  }
  H5Gclose(g);
  g = H5I_INVALID_HID;
  STRATA_CHECK(strata_h5_group(f, "mod", NULL, NULL, &g));
  STRATA_CHECK(strata_h5_attr_strings(g, "mod-order", r->nviews, r->view_names));
  for (int m = 0; m < r->nviews; m++) STRATA_CHECK(write_view(g, r, m));
  H5Gclose(g);
  g = H5I_INVALID_HID;
  STRATA_CHECK(write_uns(f, r));
  st = strata_h5out_commit(&o);
cleanup:
  if (g >= 0) H5Gclose(g);
  strata_h5out_abort(&o);
  free(allvar);
  free(vmap);
  free(clu);
  return st;
}
