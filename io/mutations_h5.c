/* Reading a latent representation (factor or PCA scores) for latent-space ITH: MOFA2 model files
 * (expectations/Z/<group> [K x N_g] with samples/<group>) and .h5mu/.h5ad results
 * (obsm/<key> [n_obs x K] with obs/_index).  Read whole on the calling process (results are small:
 * samples x factors).  Not for cohort views (io/h5mu_read.c) and nothing numeric. */
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "strata/mutations.h"

/* Read a 1D string dataset (vlen or fixed) into new strings. */
static int read_strings(hid_t loc, const char *path, const char *name, int64_t *n, char ***out) {
  int st = STRATA_OK;
  hid_t d = -1, ft = -1, sp = -1, mt = -1;
  char **v = NULL;
  char *fixed = NULL;
  hsize_t dims[2] = {0, 0};
  *out = NULL;
  *n = 0;
  d = H5Dopen2(loc, name, H5P_DEFAULT);
  if (d < 0) STRATA_FAIL(STRATA_ERR_INPUT, "%s: no dataset '%s'", path, name);
  ft = H5Dget_type(d);
  sp = H5Dget_space(d);
  if (H5Tget_class(ft) != H5T_STRING || H5Sget_simple_extent_ndims(sp) != 1)
    STRATA_FAIL(STRATA_ERR_INPUT, "%s: '%s' is not a 1D string array", path, name);
  H5Sget_simple_extent_dims(sp, dims, NULL);
  STRATA_CALLOC(v, dims[0]);
  if (H5Tis_variable_str(ft) > 0) {
    mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, H5T_VARIABLE);
    H5Tset_cset(mt, H5Tget_cset(ft));
    if (H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
      STRATA_FAIL(STRATA_ERR_HDF5, "%s: cannot read '%s'", path, name);
    for (hsize_t i = 0; i < dims[0]; i++) { /* own copies, released with free() */
      char *c = strdup(v[i] ? v[i] : "");
      H5free_memory(v[i]);
      v[i] = c;
      if (!c) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
    }
  } else {
    size_t w = H5Tget_size(ft);
    mt = H5Tcopy(ft);
    STRATA_MALLOC(fixed, dims[0] * w + 1);
    if (H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, fixed) < 0)
      STRATA_FAIL(STRATA_ERR_HDF5, "%s: cannot read '%s'", path, name);
    for (hsize_t i = 0; i < dims[0]; i++) {
      v[i] = strndup(fixed + i * w, w);
      if (!v[i]) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
    }
  }
  *out = v;
  *n = (int64_t)dims[0];
  v = NULL;
cleanup:
  if (v) {
    for (hsize_t i = 0; i < dims[0]; i++) free(v[i]);
    free(v);
  }
  free(fixed);
  if (mt >= 0) H5Tclose(mt);
  if (ft >= 0) H5Tclose(ft);
  if (sp >= 0) H5Sclose(sp);
  if (d >= 0) H5Dclose(d);
  return st;
}

static int read_matrix(hid_t loc, const char *path, const char *name, int64_t *r, int64_t *c,
                       double **out) {
  int st = STRATA_OK;
  hid_t d = -1, sp = -1;
  hsize_t dims[2] = {0, 0};
  *out = NULL;
  d = H5Dopen2(loc, name, H5P_DEFAULT);
  if (d < 0) STRATA_FAIL(STRATA_ERR_INPUT, "%s: no dataset '%s'", path, name);
  sp = H5Dget_space(d);
  if (H5Sget_simple_extent_ndims(sp) != 2)
    STRATA_FAIL(STRATA_ERR_INPUT, "%s: '%s' is not a 2D array", path, name);
  H5Sget_simple_extent_dims(sp, dims, NULL);
  STRATA_MALLOC(*out, dims[0] * dims[1]);
  if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) < 0)
    STRATA_FAIL(STRATA_ERR_HDF5, "%s: cannot read '%s'", path, name);
  *r = (int64_t)dims[0];
  *c = (int64_t)dims[1];
cleanup:
  if (st) {
    free(*out);
    *out = NULL;
  }
  if (sp >= 0) H5Sclose(sp);
  if (d >= 0) H5Dclose(d);
  return st;
}

static void free_strings(char **s, int64_t n) {
  if (!s) return;
  for (int64_t i = 0; i < n; i++) free(s[i]);
  free(s);
}

int strata_latent_read(const char *path, const char *key, int64_t *n, int *K, char ***names,
                       double **Z) {
  int st = STRATA_OK;
  hid_t f = -1, a = -1, at = -1;
  char **groups = NULL, **gn = NULL, **all = NULL;
  int64_t ng = 0, nn = 0, tot = 0, r = 0, c = 0;
  double *m = NULL, *z = NULL;
  char ds[1024];
  *n = 0;
  *K = 0;
  *names = NULL;
  *Z = NULL;
  H5E_BEGIN_TRY { f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT); } H5E_END_TRY;
  if (f < 0) STRATA_FAIL(STRATA_ERR_INPUT, "%s: cannot open as HDF5", path);
  htri_t mofa;
  H5E_BEGIN_TRY { mofa = H5Lexists(f, "expectations", H5P_DEFAULT) > 0 &&
                         H5Lexists(f, "groups", H5P_DEFAULT) > 0; } H5E_END_TRY;
  if (mofa && !key) {
    /* MOFA2: every group's Z is K x N_g (h5py row-major); samples/<group> names its columns */
    STRATA_CHECK(read_strings(f, path, "groups/groups", &ng, &groups));
    for (int64_t g = 0; g < ng; g++) {
      snprintf(ds, sizeof ds, "expectations/Z/%s", groups[g]);
      STRATA_CHECK(read_matrix(f, path, ds, &r, &c, &m));
      snprintf(ds, sizeof ds, "samples/%s", groups[g]);
      STRATA_CHECK(read_strings(f, path, ds, &nn, &gn));
      if (nn != c) STRATA_FAIL(STRATA_ERR_INPUT, "%s: %s has %lld names for %lld columns of Z", path,
                               ds, (long long)nn, (long long)c);
      if (g > 0 && r != *K) STRATA_FAIL(STRATA_ERR_INPUT, "%s: groups disagree on the factor count", path);
      *K = (int)r;
      double *nz = realloc(z, (size_t)(tot + c) * (size_t)r * sizeof *nz);
      char **na = realloc(all, (size_t)(tot + c) * sizeof *na);
      if (!nz || !na) {
        if (nz) z = nz;
        if (na) all = na;
        STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
      }
      z = nz;
      all = na;
      for (int64_t j = 0; j < c; j++) {
        for (int64_t k = 0; k < r; k++) z[(tot + j) * r + k] = m[k * c + j];
        all[tot + j] = gn[j];
        gn[j] = NULL;
      }
      tot += c;
      free(m);
      m = NULL;
      free_strings(gn, nn);
      gn = NULL;
    }
  } else {
    /* anndata/mudata: obsm/<key> is n_obs x K, names from obs/<_index attr> */
    const char *k = key ? key : "obsm/X_pca";
    STRATA_CHECK(read_matrix(f, path, k, &r, &c, &z));
    char idx[256] = "_index";
    H5E_BEGIN_TRY { a = H5Aopen_by_name(f, "obs", "_index", H5P_DEFAULT, H5P_DEFAULT); } H5E_END_TRY;
    if (a >= 0) {
      at = H5Aget_type(a);
      if (H5Tis_variable_str(at) > 0) {
        char *s = NULL;
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        if (H5Aread(a, mt, &s) >= 0 && s) snprintf(idx, sizeof idx, "%s", s);
        H5free_memory(s);
        H5Tclose(mt);
      }
    }
    snprintf(ds, sizeof ds, "obs/%s", idx);
    STRATA_CHECK(read_strings(f, path, ds, &tot, &all));
    if (tot != r) STRATA_FAIL(STRATA_ERR_INPUT, "%s: %s has %lld rows but obs has %lld names", path, k,
                              (long long)r, (long long)tot);
    *K = (int)c;
  }
  *n = tot;
  *names = all;
  *Z = z;
  all = NULL;
  z = NULL;
cleanup:
  if (at >= 0) H5Tclose(at);
  if (a >= 0) H5Aclose(a);
  if (f >= 0) H5Fclose(f);
  free_strings(groups, ng);
  free_strings(gn, nn);
  free_strings(all, tot);
  free(m);
  free(z);
  return st;
}
