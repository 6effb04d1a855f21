/* The MuData skeleton shared by strata's results files (obs, var, obsm, obsmap/varmap, mod/<view>
 * with varm), so each solver's writer only adds its own uns.  Rank 0 only; nothing numeric. */
#include <stdlib.h>
#include <string.h>

#include "strata/h5mu_results.h"
#include "strata/h5util.h"

/* mod/<view>: the view's obs (its samples in row order), var, and varm/<key>. */
static int write_view(hid_t mod, const strata_h5mu_results_t *r, int m) {
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
  g = H5I_INVALID_HID;
  STRATA_CHECK(strata_h5_dataframe(ad, "var", r->nvar[m], r->var_names[m], 0, NULL, &g));
  H5Gclose(g);
  g = H5I_INVALID_HID;
  static const char *dicts[] = {"obsm", "obsp", "varp", "layers", "uns", NULL};
  STRATA_CHECK(strata_h5_dicts(ad, dicts));
  STRATA_CHECK(strata_h5_group(ad, "varm", "dict", "0.1.0", &g));
  STRATA_CHECK(strata_h5_write_matrix(g, r->varm_key, r->nvar[m], r->k, r->varm[m], r->colmajor, 8));
cleanup:
  free(vobs);
  if (g >= 0) H5Gclose(g);
  if (ad >= 0) H5Gclose(ad);
  return st;
}

int strata_h5mu_results_write(hid_t f, const strata_h5mu_results_t *r) {
  int st = STRATA_OK;
  hid_t g = H5I_INVALID_HID;
  char **allvar = NULL;
  uint32_t *vmap = NULL;
  int64_t D = 0;
  for (int m = 0; m < r->nviews; m++) D += r->nvar[m];
  STRATA_CHECK(strata_h5_attr_string(f, "encoding-type", "MuData"));
  STRATA_CHECK(strata_h5_attr_string(f, "encoding-version", "0.1.0"));
  STRATA_CHECK(strata_h5_attr_string(f, "encoder", "strata"));
  STRATA_CHECK(strata_h5_attr_int64(f, "axis", 0));
  char *col[1] = {(char *)r->obs_int_name};
  STRATA_CHECK(strata_h5_dataframe(f, "obs", r->nobs, r->obs_names, r->obs_int_name ? 1 : 0,
                                   r->obs_int_name ? col : NULL, &g));
  if (r->obs_int_name) STRATA_CHECK(strata_h5_write_int64(g, r->obs_int_name, r->nobs, r->obs_int));
  H5Gclose(g);
  g = H5I_INVALID_HID;
  STRATA_CALLOC(allvar, D);
  for (int m = 0, t = 0; m < r->nviews; m++)
    for (int64_t j = 0; j < r->nvar[m]; j++) allvar[t++] = r->var_names[m][j];
  STRATA_CHECK(strata_h5_dataframe(f, "var", D, allvar, 0, NULL, &g));
  H5Gclose(g);
  g = H5I_INVALID_HID;
  static const char *dicts[] = {"obsp", "varm", "varp", NULL};
  STRATA_CHECK(strata_h5_dicts(f, dicts));
  STRATA_CHECK(strata_h5_group(f, "obsm", "dict", "0.1.0", &g));
  STRATA_CHECK(strata_h5_write_matrix(g, r->obsm_key, r->nobs, r->k, r->obsm, r->colmajor, 8));
  H5Gclose(g);
  g = H5I_INVALID_HID;
  STRATA_CHECK(strata_h5_group(f, "obsmap", "dict", "0.1.0", &g));
  for (int m = 0; m < r->nviews; m++) STRATA_CHECK(strata_h5_write_u32(g, r->view_names[m], r->nobs, r->obsmap[m]));
  H5Gclose(g);
  g = H5I_INVALID_HID;
  /* varmap/<view>: 1-based column of each global feature in that view, 0 elsewhere */
  STRATA_CHECK(strata_h5_group(f, "varmap", "dict", "0.1.0", &g));
  STRATA_CALLOC(vmap, D);
  for (int64_t m = 0, off = 0; m < r->nviews; m++) {
    memset(vmap, 0, (size_t)D * sizeof *vmap);
    for (int64_t j = 0; j < r->nvar[m]; j++) vmap[off + j] = (uint32_t)(j + 1);
    STRATA_CHECK(strata_h5_write_u32(g, r->view_names[m], D, vmap));
    off += r->nvar[m];
  }
  H5Gclose(g);
  g = H5I_INVALID_HID;
  STRATA_CHECK(strata_h5_group(f, "mod", NULL, NULL, &g));
  STRATA_CHECK(strata_h5_attr_strings(g, "mod-order", r->nviews, r->view_names));
  for (int m = 0; m < r->nviews; m++) STRATA_CHECK(write_view(g, r, m));
cleanup:
  if (g >= 0) H5Gclose(g);
  free(allvar);
  free(vmap);
  return st;
}
