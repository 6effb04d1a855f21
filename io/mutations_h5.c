/* HDF5 side of the ITH inputs: the latent representation for latent-space ITH (MOFA2 model
 * expectations/Z/<group>, or obsm/<key> of an .h5mu/.h5ad; read whole, it is small), and the
 * mutation table stored in a cohort file as uns/strata/mutations (written by rank 0 after a
 * gather, read back by every rank as the hyperslab of its own patients' rows).  Not for cohort
 * views (io/h5mu_read.c) and nothing numeric. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "strata/h5util.h"
#include "strata/mutations.h"
#include "strata/partition.h"

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
  H5E_BEGIN_TRY {
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  }
  H5E_END_TRY;
  if (f < 0) STRATA_FAIL(STRATA_ERR_INPUT, "%s: cannot open as HDF5", path);
  htri_t mofa;
  H5E_BEGIN_TRY {
    mofa = H5Lexists(f, "expectations", H5P_DEFAULT) > 0 && H5Lexists(f, "groups", H5P_DEFAULT) > 0;
  }
  H5E_END_TRY;
  if (mofa && !key) {
    /* MOFA2: every group's Z is K x N_g (h5py row-major); samples/<group> names its columns */
    STRATA_CHECK(read_strings(f, path, "groups/groups", &ng, &groups));
    for (int64_t g = 0; g < ng; g++) {
      snprintf(ds, sizeof ds, "expectations/Z/%s", groups[g]);
      STRATA_CHECK(read_matrix(f, path, ds, &r, &c, &m));
      snprintf(ds, sizeof ds, "samples/%s", groups[g]);
      STRATA_CHECK(read_strings(f, path, ds, &nn, &gn));
      if (nn != c)
        STRATA_FAIL(STRATA_ERR_INPUT, "%s: %s has %lld names for %lld columns of Z", path, ds,
                    (long long)nn, (long long)c);
      if (g > 0 && r != *K)
        STRATA_FAIL(STRATA_ERR_INPUT, "%s: groups disagree on the factor count", path);
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
    /* default: PCA scores, else SVD scores (strata pca without centring), else muon's MOFA copy */
    const char *k = key;
    static const char *const dflt[] = {"obsm/X_pca", "obsm/X_svd", "obsm/X_mofa"};
    for (int i = 0; !k && i < 3; i++) {
      htri_t ex;
      H5E_BEGIN_TRY {
        ex = H5Lexists(f, "obsm", H5P_DEFAULT) > 0 && H5Lexists(f, dflt[i], H5P_DEFAULT) > 0;
      }
      H5E_END_TRY;
      if (ex > 0) k = dflt[i];
    }
    if (!k)
      STRATA_FAIL(STRATA_ERR_INPUT,
                  "%s: not a MOFA2 model and no obsm/X_pca, obsm/X_svd or obsm/X_mofa "
                  "(give --latent-key)",
                  path);
    STRATA_CHECK(read_matrix(f, path, k, &r, &c, &z));
    char idx[256] = "_index";
    H5E_BEGIN_TRY {
      a = H5Aopen_by_name(f, "obs", "_index", H5P_DEFAULT, H5P_DEFAULT);
    }
    H5E_END_TRY;
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
    if (tot != r)
      STRATA_FAIL(STRATA_ERR_INPUT, "%s: %s has %lld rows but obs has %lld names", path, k,
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

/* ---- the mutation table in a cohort file: uns/strata/mutations ------------------------------ */

#define MUT_GROUP "uns/strata/mutations"

/* Open-or-create each component of a '/'-separated group path. */
static int open_groups(hid_t f, const char *path, hid_t *out) {
  int st = STRATA_OK;
  char buf[512], *save = NULL;
  hid_t cur = -1;
  snprintf(buf, sizeof buf, "%s", path);
  cur = H5Gopen2(f, "/", H5P_DEFAULT);
  for (char *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
    hid_t nx;
    if (H5Lexists(cur, c, H5P_DEFAULT) > 0)
      nx = H5Gopen2(cur, c, H5P_DEFAULT);
    else
      nx = H5Gcreate2(cur, c, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(cur);
    cur = nx;
    if (cur < 0) STRATA_FAIL(STRATA_ERR_HDF5, "hdf5: cannot open or create group '%s'", path);
  }
  *out = cur;
  cur = -1;
cleanup:
  if (cur >= 0) H5Gclose(cur);
  return st;
}

/* A categorical column (anndata encoding): codes + categories. */
static int write_categorical(hid_t g, const char *name, int64_t n, const int64_t *codes,
                             int64_t ncat, char *const *cats) {
  int st = STRATA_OK;
  hid_t c = -1;
  STRATA_CHECK(strata_h5_group(g, name, "categorical", "0.2.0", &c));
  STRATA_CHECK(strata_h5_attr_bool(c, "ordered", 0));
  STRATA_CHECK(strata_h5_write_int64(c, "codes", n, codes));
  STRATA_CHECK(strata_h5_write_strings(c, "categories", ncat, cats));
cleanup:
  if (c >= 0) H5Gclose(c);
  return st;
}

/* Rank 0: the categories (chromosomes, alleles) of every rank's string table, unified in order
 * of first appearance over ranks: cats[0..ncat) point into allbytes; map[mapoff[q] + c] is the
 * global code of rank q's local code c.  The caller frees *mapoffp, *mapp and *catsp. */
static int unify_categories(int size, char *allbytes, const int *scnt, const int *sdsp,
                            int64_t **mapoffp, int64_t **mapp, char ***catsp, int64_t *ncatp) {
  int st = STRATA_OK;
  int64_t nloc = 0;
  STRATA_CALLOC(*mapoffp, size + 1);
  int64_t *mapoff = *mapoffp;
  for (int q = 0; q < size; q++) {
    int64_t k = 0;
    for (int64_t b = sdsp[q]; b < sdsp[q] + scnt[q]; b += (int64_t)strlen(allbytes + b) + 1) k++;
    mapoff[q + 1] = mapoff[q] + k;
    nloc += k;
  }
  STRATA_MALLOC(*mapp, nloc);
  int64_t *map = *mapp;
  STRATA_MALLOC(*catsp, nloc);
  char **cats = *catsp;
  int64_t ncat = 0;
  /* linear-probe hash over the category strings */
  int64_t hcap = 16;
  while (hcap < 2 * (nloc + 1)) hcap *= 2;
  int64_t *slot = calloc((size_t)hcap, sizeof *slot);
  if (!slot) {
    STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
  }
  int64_t li = 0;
  for (int q = 0; q < size; q++)
    for (int64_t b = sdsp[q]; b < sdsp[q] + scnt[q];
         b += (int64_t)strlen(allbytes + b) + 1, li++) {
      const char *s = allbytes + b;
      uint64_t h = 1469598103934665603ULL;
      for (const char *c = s; *c; c++) h = (h ^ (unsigned char)*c) * 1099511628211ULL;
      int64_t k = (int64_t)(h & (uint64_t)(hcap - 1));
      while (slot[k] && strcmp(cats[slot[k] - 1], s)) k = (k + 1) & (hcap - 1);
      if (!slot[k]) {
        cats[ncat] = (char *)s;
        slot[k] = ++ncat;
      }
      map[li] = slot[k] - 1;
    }
  free(slot);
  *ncatp = ncat;
cleanup:
  return st;
}

/* Rank 0: open (or create) path, replace its mutation group and write the group's attributes,
 * the name tables and the patient offsets; *rp is the group the rows go to.  The caller closes
 * *fp, *gp and *rp (set to -1 when not opened). */
static int write_store_header(const char *path, const char *source, const strata_mut_table_t *t,
                              hid_t *fp, hid_t *gp, hid_t *rp) {
  int st = STRATA_OK;
  H5E_BEGIN_TRY {
    *fp = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
  }
  H5E_END_TRY;
  if (*fp < 0) *fp = H5Fcreate(path, H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
  if (*fp < 0)
    st = strata_err_set(STRATA_ERR_IO, __FILE__, __LINE__, __func__, "cannot open or create '%s'",
                        path);
  if (!st) {
    H5E_BEGIN_TRY {
      H5Ldelete(*fp, MUT_GROUP, H5P_DEFAULT);
    }
    H5E_END_TRY;
    st = open_groups(*fp, MUT_GROUP, gp);
  }
  if (!st) st = strata_h5_attr_string(*gp, "encoding-type", "dict");
  if (!st) st = strata_h5_attr_string(*gp, "encoding-version", "0.1.0");
  if (!st) st = strata_h5_attr_string(*gp, "source", source ? source : "");
  if (!st)
    st = strata_h5_attr_string(*gp, "description",
                               "multi-region mutation rows (VAF > 0) in patient order; "
                               "patient_offsets[p]..[p+1] are patient p's rows");
  if (!st) st = strata_h5_attr_int64(*gp, "has_ci", t->has_ci);
  if (!st) st = strata_h5_attr_int64(*gp, "has_ccf", t->has_ccf);
  if (!st) st = strata_h5_attr_int64(*gp, "has_cluster", t->has_cluster);
  if (!st) st = strata_h5_attr_int64(*gp, "has_depth", t->has_depth);
  if (!st) st = strata_h5_attr_int64(*gp, "vaf_percent", t->vaf_percent);
  if (!st) st = strata_h5_attr_int64(*gp, "dropped_vaf0", t->dropped_vaf0);
  if (!st) st = strata_h5_attr_int64(*gp, "dropped_chrM", t->dropped_chrM);
  if (!st) st = strata_h5_write_strings(*gp, "sample_names", t->nsamples, t->sample_names);
  if (!st) st = strata_h5_write_strings(*gp, "patient_names", t->npatients, t->patient_names);
  if (!st) st = strata_h5_write_strings(*gp, "tumor_names", t->ntumors, t->tumor_names);
  if (!st) {
    int64_t *tmp = malloc((size_t)(t->nsamples + t->ntumors + t->npatients + 1) * sizeof *tmp);
    if (!tmp) st = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
    for (int64_t s = 0; !st && s < t->nsamples; s++) tmp[s] = t->sample_patient[s];
    if (!st) st = strata_h5_write_int64(*gp, "sample_patient", t->nsamples, tmp);
    for (int64_t s = 0; !st && s < t->nsamples; s++) tmp[s] = t->sample_tumor[s];
    if (!st) st = strata_h5_write_int64(*gp, "sample_tumor", t->nsamples, tmp);
    for (int64_t k = 0; !st && k < t->ntumors; k++) tmp[k] = t->tumor_patient[k];
    if (!st) st = strata_h5_write_int64(*gp, "tumor_patient", t->ntumors, tmp);
    if (!st) {
      tmp[0] = 0;
      for (int64_t p = 0; p < t->npatients; p++) tmp[p + 1] = tmp[p] + t->patient_rows[p];
      st = strata_h5_write_int64(*gp, "patient_offsets", t->npatients + 1, tmp);
    }
    free(tmp);
  }
  if (!st) st = strata_h5_group(*gp, "rows", "dict", "0.1.0", rp);
  return st;
}

static const strata_mut_table_t *g_tab;
static int cmp_patient_line(const void *a, const void *b) {
  int64_t i = *(const int64_t *)a, j = *(const int64_t *)b;
  int pi = g_tab->sample_patient[g_tab->sample[i]], pj = g_tab->sample_patient[g_tab->sample[j]];
  if (pi != pj) return pi < pj ? -1 : 1;
  return (g_tab->line[i] > g_tab->line[j]) - (g_tab->line[i] < g_tab->line[j]);
}

int strata_mut_store(MPI_Comm comm, const strata_mut_table_t *t, const char *path,
                     const char *source) {
  int st = STRATA_OK, rank, size;
  int64_t *ord = NULL, *ibuf = NULL, *gi = NULL, *codes = NULL, *off = NULL, *map = NULL;
  double *dbuf = NULL, *gd = NULL;
  int *cnt = NULL, *dsp = NULL, *scnt = NULL, *sdsp = NULL;
  char *sbytes = NULL, *allbytes = NULL;
  char **cats = NULL;
  int64_t ncat = 0, N = 0, *mapoff = NULL;
  hid_t f = -1, g = -1, r = -1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  if (t->n > INT32_MAX) STRATA_FAIL(STRATA_ERR_INTERNAL, "store: more than 2^31 rows on a rank");
  /* local rows in (patient, line) order; ranks own contiguous patient runs, so the rank-ordered
   * concatenation is the cohort in patient order */
  STRATA_MALLOC(ord, t->n);
  for (int64_t i = 0; i < t->n; i++) ord[i] = i;
  g_tab = t;
  qsort(ord, (size_t)t->n, sizeof *ord, cmp_patient_line);
  STRATA_MALLOC(cnt, size);
  STRATA_MALLOC(dsp, size);
  int n = (int)t->n;
  STRATA_MPI_CHECK(MPI_Gather(&n, 1, MPI_INT, cnt, 1, MPI_INT, 0, comm));
  if (rank == 0) {
    for (int q = 0; q < size; q++) {
      dsp[q] = (int)N;
      N += cnt[q];
    }
    if (N > INT32_MAX) STRATA_FAIL(STRATA_ERR_INTERNAL, "store: more than 2^31 rows");
  }
  /* strings: every rank's table, unified on rank 0 (codes remapped) */
  size_t sl = 0;
  for (int64_t i = 0; i < t->nstrings; i++) sl += strlen(t->strings[i]) + 1;
  STRATA_MALLOC(sbytes, sl + 1);
  sl = 0;
  for (int64_t i = 0; i < t->nstrings; i++) {
    size_t k = strlen(t->strings[i]) + 1;
    memcpy(sbytes + sl, t->strings[i], k);
    sl += k;
  }
  if (sl > INT32_MAX) STRATA_FAIL(STRATA_ERR_INTERNAL, "store: string table over 2 GiB");
  STRATA_MALLOC(scnt, size);
  STRATA_MALLOC(sdsp, size);
  int sli = (int)sl;
  STRATA_MPI_CHECK(MPI_Gather(&sli, 1, MPI_INT, scnt, 1, MPI_INT, 0, comm));
  int64_t stot = 0;
  if (rank == 0)
    for (int q = 0; q < size; q++) {
      sdsp[q] = (int)stot;
      stot += scnt[q];
    }
  if (rank == 0) STRATA_MALLOC(allbytes, stot + 1);
  STRATA_MPI_CHECK(MPI_Gatherv(sbytes, sli, MPI_CHAR, allbytes, scnt, sdsp, MPI_CHAR, 0, comm));
  STRATA_MALLOC(ibuf, t->n);
  STRATA_MALLOC(dbuf, t->n);
  if (rank == 0) {
    STRATA_MALLOC(gi, N);
    STRATA_MALLOC(gd, N);
  }
  /* rank 0: global categories in order of first appearance over ranks; map[rank-local] */
  if (rank == 0) st = unify_categories(size, allbytes, scnt, sdsp, &mapoff, &map, &cats, &ncat);
  /* gather and write column by column (agreed first: rank 0 may have failed above) */
  if (rank == 0 && !st) st = write_store_header(path, source, t, &f, &g, &r);
  STRATA_CHECK(strata_agree(comm, st));
#define GATHER_I(expr, name)                                                                 \
  do {                                                                                       \
    for (int64_t k = 0; k < t->n; k++) {                                                     \
      int64_t i = ord[k];                                                                    \
      ibuf[k] = (expr);                                                                      \
    }                                                                                        \
    STRATA_MPI_CHECK(MPI_Gatherv(ibuf, n, MPI_INT64_T, gi, cnt, dsp, MPI_INT64_T, 0, comm)); \
    if (rank == 0 && !st) st = strata_h5_write_int64(r, name, N, gi);                        \
  } while (0)
#define GATHER_D(arr, name)                                                                \
  do {                                                                                     \
    for (int64_t k = 0; k < t->n; k++) dbuf[k] = t->arr[ord[k]];                           \
    STRATA_MPI_CHECK(MPI_Gatherv(dbuf, n, MPI_DOUBLE, gd, cnt, dsp, MPI_DOUBLE, 0, comm)); \
    if (rank == 0 && !st) st = strata_h5_write_double(r, name, N, gd);                     \
  } while (0)
  GATHER_I(t->sample[i], "sample");
  GATHER_I(t->pos[i], "start_position");
  GATHER_I(t->ref_depth[i], "ref_depth");
  GATHER_I(t->alt_depth[i], "alt_depth");
  GATHER_I(t->cluster[i], "cluster");
  GATHER_I(t->line[i], "source_line");
  GATHER_I(t->nonsyn[i], "nonsyn");
  GATHER_I(t->snp[i], "snp");
  GATHER_D(vaf, "vaf");
  GATHER_D(ccf, "ccf");
  GATHER_D(ccf_std, "ccf_std");
  GATHER_D(ccf_ci_high, "ccf_ci_high");
  {
    const int32_t *cols[3] = {t->chrom, t->ref, t->alt};
    const char *names[3] = {"chromosome", "reference_allele", "tumor_seq_allele2"};
    for (int c = 0; c < 3; c++) {
      for (int64_t k = 0; k < t->n; k++) ibuf[k] = cols[c][ord[k]];
      STRATA_MPI_CHECK(MPI_Gatherv(ibuf, n, MPI_INT64_T, gi, cnt, dsp, MPI_INT64_T, 0, comm));
      if (rank == 0 && !st) {
        for (int q = 0; q < size; q++)
          for (int64_t k = dsp[q]; k < dsp[q] + cnt[q]; k++)
            if (gi[k] >= 0) gi[k] = map[mapoff[q] + gi[k]];
        st = write_categorical(r, names[c], N, gi, ncat, cats);
      }
    }
  }
#undef GATHER_I
#undef GATHER_D
  if (rank == 0) {
    if (r >= 0) H5Gclose(r);
    if (g >= 0) H5Gclose(g);
    if (f >= 0 && H5Fclose(f) < 0 && !st)
      st = strata_err_set(STRATA_ERR_HDF5, __FILE__, __LINE__, __func__, "hdf5: cannot close '%s'",
                          path);
    r = g = f = -1;
  }
  st = strata_agree(comm, st);
cleanup:
  free(mapoff);
  if (r >= 0) H5Gclose(r);
  if (g >= 0) H5Gclose(g);
  if (f >= 0) H5Fclose(f);
  free(ord);
  free(ibuf);
  free(gi);
  free(codes);
  free(off);
  free(map);
  free(dbuf);
  free(gd);
  free(cnt);
  free(dsp);
  free(scnt);
  free(sdsp);
  free(sbytes);
  free(allbytes);
  free(cats);
  return st;
}

/* Read a 1D int64/double dataset slab [b, e) of group g. */
static int read_slab(hid_t g, const char *path, const char *name, int64_t b, int64_t e, hid_t mtype,
                     void *out) {
  int st = STRATA_OK;
  hid_t d = -1, fs = -1, ms = -1;
  hsize_t start = (hsize_t)b, count = (hsize_t)(e - b);
  d = H5Dopen2(g, name, H5P_DEFAULT);
  if (d < 0) STRATA_FAIL(STRATA_ERR_INPUT, "%s: no dataset %s/%s", path, MUT_GROUP, name);
  if (count == 0) goto cleanup;
  fs = H5Dget_space(d);
  ms = H5Screate_simple(1, &count, NULL);
  if (H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL) < 0 ||
      H5Dread(d, mtype, ms, fs, H5P_DEFAULT, out) < 0)
    STRATA_FAIL(STRATA_ERR_HDF5, "%s: cannot read %s/%s", path, MUT_GROUP, name);
cleanup:
  if (ms >= 0) H5Sclose(ms);
  if (fs >= 0) H5Sclose(fs);
  if (d >= 0) H5Dclose(d);
  return st;
}

static int64_t attr_i64(hid_t g, const char *name) {
  int64_t v = 0;
  if (H5Aexists(g, name) <= 0) return 0;
  hid_t a = H5Aopen(g, name, H5P_DEFAULT);
  if (a >= 0) {
    if (H5Aread(a, H5T_NATIVE_INT64, &v) < 0) v = 0;
    H5Aclose(a);
  }
  return v;
}

int strata_mut_load(MPI_Comm comm, const char *path, strata_mut_table_t **out) {
  int st = STRATA_OK, rank, size;
  strata_mut_table_t *t = NULL;
  hid_t f = -1, g = -1, r = -1;
  int64_t *tmp = NULL, *off = NULL, n = 0;
  int32_t *pidx = NULL;
  double *cost = NULL;
  strata_partition_t *part = NULL;
  *out = NULL;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  STRATA_CALLOC(t, 1);
  H5E_BEGIN_TRY {
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f >= 0) g = H5Gopen2(f, MUT_GROUP, H5P_DEFAULT);
    if (g >= 0) r = H5Gopen2(g, "rows", H5P_DEFAULT);
  }
  H5E_END_TRY;
  if (r < 0)
    STRATA_FAIL(STRATA_ERR_INPUT, "%s: no %s group (store one with strata ith --store)", path,
                MUT_GROUP);
  t->has_ci = (int)attr_i64(g, "has_ci");
  t->has_ccf = (int)attr_i64(g, "has_ccf");
  t->has_cluster = (int)attr_i64(g, "has_cluster");
  t->has_depth = (int)attr_i64(g, "has_depth");
  t->vaf_percent = (int)attr_i64(g, "vaf_percent");
  t->dropped_vaf0 = attr_i64(g, "dropped_vaf0");
  t->dropped_chrM = attr_i64(g, "dropped_chrM");
  t->has_vaf = 1;
  STRATA_CHECK(read_strings(g, path, "sample_names", &t->nsamples, &t->sample_names));
  STRATA_CHECK(read_strings(g, path, "patient_names", &t->npatients, &t->patient_names));
  STRATA_CHECK(read_strings(g, path, "tumor_names", &t->ntumors, &t->tumor_names));
  STRATA_MALLOC(tmp, t->nsamples + t->ntumors + 1);
  STRATA_MALLOC(t->sample_patient, t->nsamples);
  STRATA_MALLOC(t->sample_tumor, t->nsamples);
  STRATA_MALLOC(t->tumor_patient, t->ntumors + 1);
  STRATA_CHECK(read_slab(g, path, "sample_patient", 0, t->nsamples, H5T_NATIVE_INT64, tmp));
  for (int64_t s = 0; s < t->nsamples; s++) t->sample_patient[s] = (int32_t)tmp[s];
  STRATA_CHECK(read_slab(g, path, "sample_tumor", 0, t->nsamples, H5T_NATIVE_INT64, tmp));
  for (int64_t s = 0; s < t->nsamples; s++) t->sample_tumor[s] = (int32_t)tmp[s];
  STRATA_CHECK(read_slab(g, path, "tumor_patient", 0, t->ntumors, H5T_NATIVE_INT64, tmp));
  for (int64_t k = 0; k < t->ntumors; k++) t->tumor_patient[k] = (int32_t)tmp[k];
  STRATA_MALLOC(off, t->npatients + 1);
  STRATA_CHECK(read_slab(g, path, "patient_offsets", 0, t->npatients + 1, H5T_NATIVE_INT64, off));
  STRATA_CALLOC(t->patient_rows, t->npatients);
  STRATA_MALLOC(pidx, t->npatients);
  STRATA_MALLOC(cost, t->npatients);
  for (int64_t p = 0; p < t->npatients; p++) {
    t->patient_rows[p] = off[p + 1] - off[p];
    pidx[p] = (int32_t)p;
    cost[p] = (double)t->patient_rows[p];
  }
  STRATA_CHECK(strata_partition_patients(t->npatients, pidx, t->npatients, cost, size, &part));
  STRATA_MALLOC(t->patient_owner, t->npatients);
  int64_t b = -1, e = -1;
  for (int64_t p = 0; p < t->npatients; p++) {
    t->patient_owner[p] = part->part[p];
    if (part->part[p] == rank) {
      if (b < 0) b = off[p];
      e = off[p + 1];
    }
  }
  if (b < 0) b = e = 0;
  n = e - b;
  /* categories of the three string columns share one table (written that way) */
  STRATA_CHECK(read_strings(r, path, "chromosome/categories", &t->nstrings, &t->strings));
  t->n = n;
#define ALLOC(a) STRATA_MALLOC(t->a, n)
  ALLOC(sample);
  ALLOC(chrom);
  ALLOC(pos);
  ALLOC(ref);
  ALLOC(alt);
  ALLOC(nonsyn);
  ALLOC(snp);
  ALLOC(ref_depth);
  ALLOC(alt_depth);
  ALLOC(vaf);
  ALLOC(ccf);
  ALLOC(ccf_std);
  ALLOC(ccf_ci_high);
  ALLOC(cluster);
  ALLOC(line);
#undef ALLOC
  free(tmp);
  tmp = NULL;
  STRATA_MALLOC(tmp, n);
#define RI(name, arr, cast)                                              \
  do {                                                                   \
    STRATA_CHECK(read_slab(r, path, name, b, e, H5T_NATIVE_INT64, tmp)); \
    for (int64_t i = 0; i < n; i++) t->arr[i] = (cast)tmp[i];            \
  } while (0)
  RI("sample", sample, int32_t);
  RI("start_position", pos, int64_t);
  RI("ref_depth", ref_depth, int32_t);
  RI("alt_depth", alt_depth, int32_t);
  RI("cluster", cluster, int32_t);
  RI("source_line", line, int64_t);
  RI("nonsyn", nonsyn, uint8_t);
  RI("snp", snp, uint8_t);
  RI("chromosome/codes", chrom, int32_t);
  RI("reference_allele/codes", ref, int32_t);
  RI("tumor_seq_allele2/codes", alt, int32_t);
#undef RI
  STRATA_CHECK(read_slab(r, path, "vaf", b, e, H5T_NATIVE_DOUBLE, t->vaf));
  STRATA_CHECK(read_slab(r, path, "ccf", b, e, H5T_NATIVE_DOUBLE, t->ccf));
  STRATA_CHECK(read_slab(r, path, "ccf_std", b, e, H5T_NATIVE_DOUBLE, t->ccf_std));
  STRATA_CHECK(read_slab(r, path, "ccf_ci_high", b, e, H5T_NATIVE_DOUBLE, t->ccf_ci_high));
  for (int64_t i = 0; i < n; i++)
    if (t->sample[i] < 0 || t->sample[i] >= t->nsamples || t->chrom[i] < 0 ||
        t->chrom[i] >= t->nstrings || t->ref[i] >= t->nstrings || t->alt[i] >= t->nstrings)
      STRATA_FAIL(STRATA_ERR_INPUT, "%s: %s/rows: row %lld has an out-of-range index", path,
                  MUT_GROUP, (long long)(b + i));
  /* NaN is how the store writes an unknown number; anything infinite, and a VAF or CCF outside
   * [0,1] (they are stored after MesKit's percent conversion and CCF cap), is bad input */
  const double *num[4] = {t->vaf, t->ccf, t->ccf_std, t->ccf_ci_high};
  static const char *const numname[4] = {"vaf", "ccf", "ccf_std", "ccf_ci_high"};
  for (int c = 0; c < 4; c++)
    for (int64_t i = 0; i < n; i++) {
      double v = num[c][i];
      if (isnan(v) || (c < 2 ? v >= 0 && v <= 1 : isfinite(v))) continue;
      STRATA_FAIL(STRATA_ERR_INPUT,
                  "%s: %s/rows/%s: row %lld (source line %lld) is %g, not a %s (NaN marks a "
                  "missing value)",
                  path, MUT_GROUP, numname[c], (long long)(b + i), (long long)t->line[i], v,
                  c < 2 ? "number in [0,1]" : "finite number");
    }
cleanup:
  st = strata_agree(comm, st);
  if (st) strata_mut_table_destroy(&t);
  *out = t;
  if (r >= 0) H5Gclose(r);
  if (g >= 0) H5Gclose(g);
  if (f >= 0) H5Fclose(f);
  free(tmp);
  free(off);
  free(pidx);
  free(cost);
  strata_partition_destroy(&part);
  return st;
}
