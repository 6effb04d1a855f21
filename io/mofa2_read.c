/* Reading the factors back from a MOFA2 trained-model file (what io/mofa2.c writes, and MOFA2
 * itself): the sample names of its single group and E[Z].  For `strata outcome`; the weights,
 * R^2 and training statistics are not read.  Nothing numeric. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/mofa2.h"

/* n strings of the 1D string dataset loc/name (variable or fixed length). */
static int read_strings(hid_t loc, const char *name, const char *path, int64_t *n, char ***out) {
  int st = STRATA_OK;
  hid_t d = -1, t = -1, mt = -1, s = -1;
  char **vl = NULL, *fixed = NULL, **res = NULL;
  hsize_t dims[2] = {0, 0};
  *out = NULL;
  if (H5Lexists(loc, name, H5P_DEFAULT) <= 0)
    STRATA_FAIL(STRATA_ERR_INPUT, "%s: not a MOFA2 model: no dataset '%s'", path, name);
  d = H5Dopen2(loc, name, H5P_DEFAULT);
  if (d < 0) STRATA_FAIL(STRATA_ERR_INPUT, "%s: cannot open '%s'", path, name);
  s = H5Dget_space(d);
  if (H5Sget_simple_extent_ndims(s) != 1) STRATA_FAIL(STRATA_ERR_INPUT, "%s: '%s' is not 1-dimensional", path, name);
  H5Sget_simple_extent_dims(s, dims, NULL);
  *n = (int64_t)dims[0];
  t = H5Dget_type(d);
  if (H5Tget_class(t) != H5T_STRING) STRATA_FAIL(STRATA_ERR_INPUT, "%s: '%s' does not hold strings", path, name);
  STRATA_CALLOC(res, *n);
  if (H5Tis_variable_str(t) > 0) {
    mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, H5T_VARIABLE);
    H5Tset_cset(mt, H5Tget_cset(t));
    STRATA_CALLOC(vl, *n);
    if (*n > 0 && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, vl) < 0)
      STRATA_FAIL(STRATA_ERR_HDF5, "%s: cannot read '%s'", path, name);
    for (int64_t i = 0; i < *n; i++)
      if (!(res[i] = strdup(vl[i] ? vl[i] : ""))) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
  } else {
    size_t len = H5Tget_size(t);
    mt = H5Tcopy(t);
    STRATA_CALLOC(fixed, (size_t)*n * len + 1);
    if (*n > 0 && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, fixed) < 0)
      STRATA_FAIL(STRATA_ERR_HDF5, "%s: cannot read '%s'", path, name);
    for (int64_t i = 0; i < *n; i++)
      if (!(res[i] = strndup(fixed + (size_t)i * len, len))) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
  }
  *out = res;
  res = NULL;
cleanup:
  if (vl) {
    H5Dvlen_reclaim(mt, s, H5P_DEFAULT, vl);
    free(vl);
  }
  if (res)
    for (int64_t i = 0; i < *n; i++) free(res[i]);
  free(res);
  free(fixed);
  if (mt >= 0) H5Tclose(mt);
  if (t >= 0) H5Tclose(t);
  if (s >= 0) H5Sclose(s);
  if (d >= 0) H5Dclose(d);
  return st;
}

int strata_mofa2_read_z(const char *path, int64_t *nobs, int *k, char ***samples, double **z) {
  int st = STRATA_OK;
  hid_t f = -1, d = -1, s = -1;
  char **groups = NULL, name[600];
  int64_t ng = 0, ns = 0;
  hsize_t dims[2] = {0, 0};
  *samples = NULL;
  *z = NULL;
  *nobs = 0;
  *k = 0;
  H5E_auto2_t fn = NULL;
  void *fdata = NULL;
  H5Eget_auto2(H5E_DEFAULT, &fn, &fdata);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) STRATA_FAIL(STRATA_ERR_INPUT, "%s: cannot open as HDF5 (a MOFA2 model file)", path);
  STRATA_CHECK(read_strings(f, "groups/groups", path, &ng, &groups));
  if (ng != 1)
    STRATA_FAIL(STRATA_ERR_INPUT, "%s: %lld sample groups; strata reads models with one group", path, (long long)ng);
  snprintf(name, sizeof name, "samples/%s", groups[0]);
  STRATA_CHECK(read_strings(f, name, path, &ns, samples));
  snprintf(name, sizeof name, "expectations/Z/%s", groups[0]);
  if (H5Lexists(f, "expectations", H5P_DEFAULT) <= 0 || H5Lexists(f, "expectations/Z", H5P_DEFAULT) <= 0 ||
      H5Lexists(f, name, H5P_DEFAULT) <= 0)
    STRATA_FAIL(STRATA_ERR_INPUT, "%s: not a MOFA2 model: no dataset '%s'", path, name);
  d = H5Dopen2(f, name, H5P_DEFAULT);
  if (d < 0) STRATA_FAIL(STRATA_ERR_INPUT, "%s: cannot open '%s'", path, name);
  s = H5Dget_space(d);
  if (H5Sget_simple_extent_ndims(s) != 2) STRATA_FAIL(STRATA_ERR_INPUT, "%s: '%s' is not a matrix", path, name);
  H5Sget_simple_extent_dims(s, dims, NULL);
  /* MOFA2 stores Z as factors x samples (row-major), i.e. samples x factors column-major */
  if ((int64_t)dims[1] != ns || dims[0] < 1 || dims[0] > 100000)
    STRATA_FAIL(STRATA_ERR_INPUT, "%s: '%s' is %llu x %llu, expected factors x %lld samples", path, name,
                (unsigned long long)dims[0], (unsigned long long)dims[1], (long long)ns);
  STRATA_MALLOC(*z, (size_t)dims[0] * dims[1]);
  if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, *z) < 0)
    STRATA_FAIL(STRATA_ERR_HDF5, "%s: cannot read '%s'", path, name);
  *nobs = ns;
  *k = (int)dims[0];
cleanup:
  if (st) {
    if (*samples)
      for (int64_t i = 0; i < ns; i++) free((*samples)[i]);
    free(*samples);
    free(*z);
    *samples = NULL;
    *z = NULL;
  }
  if (groups)
    for (int64_t i = 0; i < ng; i++) free(groups[i]);
  free(groups);
  if (s >= 0) H5Sclose(s);
  if (d >= 0) H5Dclose(d);
  if (f >= 0) H5Fclose(f);
  H5Eset_auto2(H5E_DEFAULT, fn, fdata);
  return st;
}
