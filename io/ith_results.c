/* The outputs of `strata ith`: the conventions header, and the result tables written as TSV and
 * as the HDF5 group /ith, all or nothing (temporary names, renamed when every file is written).
 * The tables are computed in solvers/ith/; the inputs are read by io/mutations*.c.  Nothing
 * numeric. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "strata/h5util.h"
#include "strata/ith_results.h"
#include "strata/util.h"

/* ---- the conventions header ------------------------------------------------------------------ */

int strata_ith_conventions(const strata_ith_opts_t *o, const strata_mut_table_t *t,
                           const char *input, const char *format, int64_t dup, const char *latent,
                           char **out) {
  int st = STRATA_OK;
  size_t mcap = 4096;
  char *meta = NULL;
  *out = NULL;
  STRATA_MALLOC(meta, mcap);
  snprintf(
      meta, mcap,
      "# strata ith: input=%s format=%s; rows dropped: VAF==0 %lld, chrM %lld; vaf_percent=%d;"
      " duplicated_rows=%lld\n"
      "# math=%s; clonal_status=MesKit-1.1.2 (n=1: CI_high<1; n>1: Tumor_Average_CCF<0.5 & "
      "any CI_high<1 & any CCF<0.5); sp=MesKit classifyMut SP; fst=Hudson (MesKit calFst, "
      "min.total.depth=%d, min.vaf=%g); nei=%s (min.ccf=%g); jsi=MesKit calJSI "
      "(pairByTumor=%s, min.ccf=%g, use.adjVAF=%s, use.indel=%s); jaccard=presence; "
      "ccf_auc=1-mean(CCF); clones=linear-chain CONIPHER proportions; scna_ith=strata "
      "(autosomes, bp subclonal/bp aberrant); latent_ith=strata (mean within-patient "
      "distance / mean between-centroid distance)%s%s\n",
      input, format, (long long)t->dropped_vaf0, (long long)t->dropped_chrM, t->vaf_percent,
      (long long)dup,
      o->math_convention == STRATA_ITH_MATH_MESKIT
          ? "MesKit mathScore (all rows, round(100*MAD/median,3), MAD=1.4826*median|v-med|)"
          : "maftools math.score (nonSyn, VAF>=0.075, >=5 variants, unrounded)",
      o->fst_min_depth, o->fst_min_vaf,
      o->nei_meskit_compat ? "MesKit-1.1.2-compatible (unmatched across Tumor_IDs)" : "matched",
      o->nei_min_ccf, o->jsi_pair_by_tumor ? "TRUE" : "FALSE", o->jsi_min_ccf,
      o->jsi_use_adj_vaf ? "TRUE" : "FALSE", o->jsi_use_indel ? "TRUE" : "FALSE",
      latent ? "; latent=" : "", latent ? latent : "");
  *out = meta;
cleanup:
  return st;
}

/* ---- tables out ------------------------------------------------------------------------------ */

/* One table as TSV on f: the conventions, the header, and per row its labels and numbers.
 * Returns nonzero when the stream reports an error (the caller names the file). */
static int tsv_put(FILE *f, const char *meta, const strata_ith_table_t *b) {
  char cell[64];
  fputs(meta, f);
  for (int c = 0; c < b->nlabels; c++) fprintf(f, c ? "\t%s" : "%s", b->label_names[c]);
  for (int c = 0; c < b->ncols; c++) fprintf(f, "\t%s", b->col_names[c]);
  fputc('\n', f);
  const char *p = b->labels ? b->labels : "";
  for (int64_t r = 0; r < b->nrows; r++) {
    const char *e = strchr(p, '\n');
    fwrite(p, 1, (size_t)(e - p), f);
    for (int c = 0; c < b->ncols; c++) {
      double v = b->values[r * b->ncols + c];
      if (isnan(v))
        snprintf(cell, sizeof cell, "\tNA");
      else
        snprintf(cell, sizeof cell, "\t%.10g", v);
      fputs(cell, f);
    }
    fputc('\n', f);
    p = e + 1;
  }
  return ferror(f);
}

/* Write one table to the temporary name tmp of `name` (created here; the caller removes it on
 * failure).  Messages name the file the user asked for. */
static int tsv_write_tmp(const char *tmp, const char *name, const char *meta,
                         const strata_ith_table_t *b) {
  int st = STRATA_OK;
  FILE *f = fopen(tmp, "w");
  if (!f) STRATA_FAIL(STRATA_ERR_IO, "cannot write '%s': %s", name, strerror(errno));
  errno = 0;
  int bad = tsv_put(f, meta, b);
  int err = errno;
  if (fclose(f) != 0 || bad) {
    if (!err) err = errno;
    STRATA_FAIL(STRATA_ERR_IO, "cannot write '%s': %s", name, err ? strerror(err) : "write error");
  }
cleanup:
  return st;
}

/* Split the label text of a table into columns of strings (for the HDF5 dataframe). */
static int split_labels(const strata_ith_table_t *b, char ***cols) {
  int st = STRATA_OK;
  const char *p = b->labels ? b->labels : "";
  for (int c = 0; c < b->nlabels; c++) STRATA_CALLOC(cols[c], b->nrows);
  for (int64_t r = 0; r < b->nrows; r++) {
    for (int c = 0; c < b->nlabels; c++) {
      size_t n = strcspn(p, c + 1 < b->nlabels ? "\t" : "\n");
      cols[c][r] = strndup(p, n);
      if (!cols[c][r]) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
      p += n + 1;
    }
  }
cleanup:
  return st;
}

/* One table as an anndata dataframe `name` under g: index "0".."n-1", label columns as string
 * arrays, numeric columns as float64. */
static int h5_table(hid_t g, const char *name, const strata_ith_table_t *b) {
  int st = STRATA_OK;
  char **lab[4] = {NULL, NULL, NULL, NULL}, **order = NULL, **index = NULL;
  double *col = NULL;
  hid_t df = -1;
  char buf[32];
  if (b->nlabels > 4) STRATA_FAIL(STRATA_ERR_INTERNAL, "ith: %d label columns", b->nlabels);
  STRATA_CHECK(split_labels(b, lab));
  STRATA_CALLOC(order, b->nlabels + b->ncols);
  for (int c = 0; c < b->nlabels; c++) order[c] = (char *)b->label_names[c];
  for (int c = 0; c < b->ncols; c++) order[b->nlabels + c] = (char *)b->col_names[c];
  STRATA_CALLOC(index, b->nrows);
  for (int64_t r = 0; r < b->nrows; r++) {
    snprintf(buf, sizeof buf, "%lld", (long long)r);
    index[r] = strdup(buf);
    if (!index[r]) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
  }
  STRATA_CHECK(strata_h5_dataframe(g, name, b->nrows, index, b->nlabels + b->ncols, order, &df));
  for (int c = 0; c < b->nlabels; c++)
    STRATA_CHECK(strata_h5_write_strings(df, b->label_names[c], b->nrows, lab[c]));
  STRATA_MALLOC(col, b->nrows);
  for (int c = 0; c < b->ncols; c++) {
    for (int64_t r = 0; r < b->nrows; r++) col[r] = b->values[r * b->ncols + c];
    STRATA_CHECK(strata_h5_write_double(df, b->col_names[c], b->nrows, col));
  }
cleanup:
  if (df >= 0) H5Gclose(df);
  for (int c = 0; c < 4; c++) {
    if (!lab[c]) continue;
    for (int64_t r = 0; r < b->nrows; r++) free(lab[c][r]);
    free(lab[c]);
  }
  if (index)
    for (int64_t r = 0; r < b->nrows; r++) free(index[r]);
  free(index);
  free(order);
  free(col);
  return st;
}

/* The HDF5 results file, built in memory (HDF5's core driver, no backing store) and handed
 * back as a file image: *img (malloc'd, *len bytes) is written like any other output, so a full
 * disk is a plain write error and HDF5 never holds a file it failed to write (HDF5 1.10 crashes
 * at MPI_Finalize after a failed H5Fclose).  Closing the in-memory file closes every object an
 * error path left open (H5F_CLOSE_STRONG). */
static int h5_image(const char *path, const char *meta, const strata_ith_tables_t *tb,
                    void **img, size_t *len) {
  int st = STRATA_OK;
  hid_t fapl = H5I_INVALID_HID, f = H5I_INVALID_HID, g = H5I_INVALID_HID;
  *img = NULL;
  *len = 0;
  fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (fapl < 0 || H5Pset_fapl_core(fapl, 1 << 16, 0) < 0 ||
      H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0)
    STRATA_FAIL(STRATA_ERR_HDF5, "hdf5: cannot set up an in-memory file for '%s'", path);
  f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  if (f < 0) STRATA_FAIL(STRATA_ERR_HDF5, "hdf5: cannot create '%s' in memory", path);
  STRATA_CHECK(strata_h5_group(f, "ith", "dict", "0.1.0", &g));
  STRATA_CHECK(strata_h5_attr_string(g, "conventions", meta));
  STRATA_CHECK(h5_table(g, "region", &tb->region));
  STRATA_CHECK(h5_table(g, "pair", &tb->pair));
  STRATA_CHECK(h5_table(g, "patient", &tb->patient));
  H5Gclose(g);
  g = H5I_INVALID_HID;
  ssize_t n = H5Fflush(f, H5F_SCOPE_GLOBAL) < 0 ? -1 : H5Fget_file_image(f, NULL, 0);
  if (n <= 0) STRATA_FAIL(STRATA_ERR_HDF5, "hdf5: cannot take the image of '%s'", path);
  STRATA_MALLOC(*(char **)img, n);
  if (H5Fget_file_image(f, *img, (size_t)n) != n)
    STRATA_FAIL(STRATA_ERR_HDF5, "hdf5: cannot take the image of '%s'", path);
  *len = (size_t)n;
cleanup:
  if (g >= 0) H5Gclose(g);
  if (f >= 0 && H5Fclose(f) < 0 && !st)
    st = strata_err_set(STRATA_ERR_HDF5, __FILE__, __LINE__, __func__,
                        "hdf5: cannot close the in-memory '%s'", path);
  if (fapl >= 0) H5Pclose(fapl);
  if (st) {
    free(*img);
    *img = NULL;
    *len = 0;
  }
  return st;
}

/* Write len bytes to the temporary name tmp of `name` (as tsv_write_tmp). */
static int bytes_write_tmp(const char *tmp, const char *name, const void *p, size_t len) {
  int st = STRATA_OK;
  FILE *f = fopen(tmp, "wb");
  if (!f) STRATA_FAIL(STRATA_ERR_IO, "cannot write '%s': %s", name, strerror(errno));
  errno = 0;
  int bad = fwrite(p, 1, len, f) != len;
  int err = errno;
  if (fclose(f) != 0 || bad) {
    if (!err) err = errno;
    STRATA_FAIL(STRATA_ERR_IO, "cannot write '%s': %s", name, err ? strerror(err) : "write error");
  }
cleanup:
  return st;
}

/* Rank 0's part of strata_ith_results_write: every file at its temporary name first, then the
 * renames (see the header for what a failure leaves). */
static int write_all(const strata_ith_tables_t *tb, const char *meta, const char *prefix,
                     const char *h5path, FILE *out) {
  int st = STRATA_OK;
  static const char *const suffix[3] = {"region", "pair", "patient"};
  const strata_ith_table_t *tabs[3] = {&tb->region, &tb->pair, &tb->patient};
  char final[4][4096], tmp[4][4096];
  int nout = 0, written = 0, renamed = 0;
  void *img = NULL;
  size_t imglen = 0;
  for (int k = 0; prefix && k < 3; k++, nout++)
    snprintf(final[nout], sizeof final[nout], "%s.%s.tsv", prefix, suffix[k]);
  if (h5path) {
    snprintf(final[nout], sizeof final[nout], "%s", h5path);
    nout++;
    /* built before any file is created: an HDF5 problem leaves nothing to clean up */
    STRATA_CHECK(h5_image(h5path, meta, tb, &img, &imglen));
  }
  for (int k = 0; k < nout; k++) strata_tmpname(final[k], tmp[k], sizeof tmp[k]);
  for (; written < nout; written++) {
    int is_h5 = h5path && written == nout - 1;
    st = is_h5 ? bytes_write_tmp(tmp[written], final[written], img, imglen)
               : tsv_write_tmp(tmp[written], final[written], meta, tabs[written]);
    if (st) {
      written++; /* the failed one may exist too */
      goto cleanup;
    }
  }
  if (!prefix && out && tsv_put(out, meta, &tb->patient))
    STRATA_FAIL(STRATA_ERR_IO, "cannot write the patient table to the standard output");
  for (; renamed < nout; renamed++)
    if (rename(tmp[renamed], final[renamed]) != 0)
      STRATA_FAIL(STRATA_ERR_IO, "cannot rename '%s' to '%s': %s", tmp[renamed], final[renamed],
                  strerror(errno));
cleanup:
  if (st)
    for (int k = 0; k < written; k++) remove(k < renamed ? final[k] : tmp[k]);
  free(img);
  return st;
}

int strata_ith_results_write(MPI_Comm comm, const strata_ith_tables_t *tb, const char *meta,
                             const char *prefix, const char *h5path, FILE *out) {
  int rank, st = STRATA_OK;
  MPI_Comm_rank(comm, &rank);
  if (rank == 0) st = write_all(tb, meta, prefix, h5path, out);
  return strata_agree(comm, st);
}
