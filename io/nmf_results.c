/* NMF results as a MuData file (obsm/X_nmf, mod/<view>/varm/W_nmf, obs/nmf_cluster, uns/nmf),
 * written by rank 0 from gathered factors through the h5util helpers.  Never touches the input
 * cohort; nothing numeric beyond turning cluster indices into 1-based factor numbers. */
#include <hdf5.h>
#include <stdlib.h>
#include <string.h>

#include "strata/h5mu_results.h"
#include "strata/h5util.h"
#include "strata/nmf_results.h"

static int write_uns(hid_t f, const strata_nmf_results_t *r) {
  int st = STRATA_OK;
  hid_t u = H5I_INVALID_HID, g = H5I_INVALID_HID, p = H5I_INVALID_HID, ks = H5I_INVALID_HID;
  int64_t *kv = NULL;
  STRATA_CHECK(strata_h5_group(f, "uns", "dict", "0.1.0", &u));
  STRATA_CHECK(strata_h5_group(u, "nmf", "dict", "0.1.0", &g));
  STRATA_CHECK(strata_h5_write_double(g, "objective", r->iterations, r->objective));
  STRATA_CHECK(strata_h5_write_scalar(g, "rel_error", r->rel_error, 0));
  STRATA_CHECK(strata_h5_write_scalar(g, "iterations", (double)r->iterations, 1));
  STRATA_CHECK(strata_h5_write_scalar(g, "converged", r->converged, 1));
  STRATA_CHECK(strata_h5_write_scalar(g, "seconds", r->seconds, 0));
  STRATA_CHECK(strata_h5_write_strings(g, "view_names", r->nviews, r->view_names));
  STRATA_CHECK(strata_h5_write_double(g, "view_weights", r->nviews, r->view_weight));
  STRATA_CHECK(strata_h5_write_double(g, "shift", r->nviews, r->shift));
  STRATA_CHECK(strata_h5_group(g, "params", "dict", "0.1.0", &p));
  STRATA_CHECK(strata_h5_write_scalar(p, "k", r->k, 1));
  STRATA_CHECK(strata_h5_write_string(p, "solver", r->solver));
  STRATA_CHECK(strata_h5_write_string(p, "init", r->init));
  STRATA_CHECK(strata_h5_write_scalar(p, "seed", (double)r->seed, 1));
  STRATA_CHECK(strata_h5_write_scalar(p, "tol", r->tol, 0));
  STRATA_CHECK(strata_h5_write_scalar(p, "max_iter", (double)r->max_iter, 1));
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
    STRATA_CHECK(strata_h5_write_scalar(ks, "best_k", r->best_k, 1));
    STRATA_CHECK(strata_h5_write_scalar(ks, "runs", r->runs, 1));
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
  int64_t *clu = NULL;
  STRATA_CHECK(strata_h5out_create(path, 1, &o));
  hid_t f = strata_h5out_file(o);
  /* obs/nmf_cluster: 1-based factor of each sample's largest H entry (0 = no data) */
  STRATA_MALLOC(clu, r->nobs);
  for (int64_t i = 0; i < r->nobs; i++) clu[i] = r->cluster[i] + 1;
  strata_h5mu_results_t layout = {
      .nobs = r->nobs, .obs_names = r->obs_names, .obs_int_name = "nmf_cluster", .obs_int = clu,
      .nviews = r->nviews, .view_names = r->view_names, .nvar = r->nvar, .var_names = r->var_names,
      .obsmap = r->obsmap, .k = r->k, .obsm_key = "X_nmf", .obsm = r->h, .varm_key = "W_nmf",
      .varm = r->w, .colmajor = 0};
  STRATA_CHECK(strata_h5mu_results_write(f, &layout));
  STRATA_CHECK(write_uns(f, r));
  st = strata_h5out_commit(&o);
cleanup:
  strata_h5out_abort(&o);
  free(clu);
  return st;
}
