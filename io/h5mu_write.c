/* Writing a cohort .h5mu in parallel (import, simulate, results with no X).  The structure and
 * every string (ids, columns) are written by rank 0 alone with the default driver, because
 * parallel HDF5 1.10 cannot write variable-length data; the data-sized X arrays are then
 * written by all ranks collectively through MPI-IO.  The file lives at a temporary name until
 * commit renames it.  Reading is io/h5mu_read.c. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "strata/cohort.h"
#include "strata/h5util.h"
#include "strata/util.h"
#include "strata/version.h"

typedef struct wview {
  char *name;
  int64_t nrows, nvar;
  int dtype_bytes;
  char **var_names;  /* rank 0 only, for the global var at commit */
} wview_t;

struct strata_cohort_writer {
  MPI_Comm comm;
  int rank, size;
  char *path, *tmp;
  int64_t nobs;
  hid_t file;        /* the MPI-IO handle while open for X writes, else -1 */
  int nviews;
  wview_t *views;
  hid_t *xdset;      /* [nviews] open X datasets while the MPI-IO handle is open */
};

static void free_strings(char **s, int64_t n) {
  if (!s) return;
  for (int64_t i = 0; i < n; i++) free(s[i]);
  free(s);
}

/* Rank 0: open the temporary file with the default driver for structure changes. */
static int serial_open(strata_cohort_writer_t *w, hid_t *f) {
  int st = STRATA_OK;
  hid_t fapl = strata_h5_fapl();
  *f = fapl < 0 ? H5I_INVALID_HID : H5Fopen(w->tmp, H5F_ACC_RDWR, fapl);
  if (*f < 0) STRATA_FAIL(STRATA_ERR_IO, "cannot reopen '%s'", w->tmp);
cleanup:
  if (fapl >= 0) H5Pclose(fapl);
  return st;
}

/* Collective: close the MPI-IO handle (before a structure change or at commit). */
static int close_parallel(strata_cohort_writer_t *w) {
  int st = STRATA_OK;
  if (w->file < 0) return STRATA_OK;
  for (int k = 0; k < w->nviews; k++)
    if (w->xdset[k] >= 0) {
      H5Dclose(w->xdset[k]);
      w->xdset[k] = H5I_INVALID_HID;
    }
  st = strata_h5_close_file(&w->file, w->comm, w->path);
  return strata_agree(w->comm, st);
}

/* Collective: open the MPI-IO handle for X writes. */
static int open_parallel(strata_cohort_writer_t *w) {
  int st = STRATA_OK;
  hid_t fapl = H5I_INVALID_HID;
  if (w->file >= 0) return STRATA_OK;
  fapl = strata_h5_fapl();
  if (fapl < 0 || H5Pset_fapl_mpio(fapl, w->comm, MPI_INFO_NULL) < 0)
    STRATA_FAIL(STRATA_ERR_HDF5, "hdf5: cannot set up MPI-IO access for '%s'", w->tmp);
  w->file = H5Fopen(w->tmp, H5F_ACC_RDWR, fapl);
  if (w->file < 0) STRATA_FAIL(STRATA_ERR_IO, "cannot open '%s' for parallel writing", w->tmp);
cleanup:
  if (fapl >= 0) H5Pclose(fapl);
  st = strata_agree(w->comm, st);
  if (st && w->file >= 0) {
    H5Fclose(w->file); /* opened, nothing written yet */
    w->file = H5I_INVALID_HID;
  }
  return st;
}

/* Rank 0: root attributes, global obs, and the empty groups mudata expects. */
static int write_root(strata_cohort_writer_t *w, hid_t f, char *const *obs_names,
                      char *const *patient_ids, int ncols, const strata_column_t *cols) {
  int st = STRATA_OK;
  hid_t g = H5I_INVALID_HID, obs = H5I_INVALID_HID;
  char **order = NULL;
  STRATA_CHECK(strata_h5_attr_string(f, "encoding-type", "MuData"));
  STRATA_CHECK(strata_h5_attr_string(f, "encoding-version", "0.1.0"));
  STRATA_CHECK(strata_h5_attr_string(f, "encoder", "strata"));
  STRATA_CHECK(strata_h5_attr_string(f, "encoder-version", STRATA_VERSION));
  STRATA_CHECK(strata_h5_attr_int64(f, "axis", 0));
  STRATA_CALLOC(order, ncols + 1);
  order[0] = "patient";
  for (int j = 0; j < ncols; j++) order[j + 1] = cols[j].name;
  STRATA_CHECK(strata_h5_dataframe(f, "obs", w->nobs, obs_names, ncols + 1, order, &obs));
  STRATA_CHECK(strata_h5_write_strings(obs, "patient", w->nobs, patient_ids));
  for (int j = 0; j < ncols; j++) {
    if (strcmp(cols[j].name, "patient") == 0 || strcmp(cols[j].name, "_index") == 0)
      STRATA_FAIL(STRATA_ERR_INPUT, "obs column name '%s' is reserved", cols[j].name);
    if (cols[j].is_numeric) STRATA_CHECK(strata_h5_write_double(obs, cols[j].name, w->nobs, cols[j].num));
    else STRATA_CHECK(strata_h5_write_strings(obs, cols[j].name, w->nobs, cols[j].str));
  }
  static const char *dicts[] = {"obsm", "obsp", "obsmap", "varm", "varp", "varmap", "uns", NULL};
  for (int k = 0; dicts[k]; k++) {
    STRATA_CHECK(strata_h5_group(f, dicts[k], "dict", "0.1.0", &g));
    H5Gclose(g);
    g = H5I_INVALID_HID;
  }
  STRATA_CHECK(strata_h5_group(f, "mod", NULL, NULL, &g));
  STRATA_CHECK(strata_h5_attr_strings(g, "mod-order", 0, NULL));
cleanup:
  free(order);
  if (g >= 0) H5Gclose(g);
  if (obs >= 0) H5Gclose(obs);
  return st;
}

int strata_cohort_writer_create(MPI_Comm comm, const char *path, int64_t nobs, char *const *obs_names,
                                char *const *patient_ids, int ncols, const strata_column_t *cols,
                                strata_cohort_writer_t **out) {
  int st = STRATA_OK;
  strata_cohort_writer_t *w = NULL;
  hid_t fcpl = H5I_INVALID_HID, fapl = H5I_INVALID_HID, f = H5I_INVALID_HID;
  *out = NULL;
  STRATA_CALLOC(w, 1);
  w->comm = MPI_COMM_NULL;
  w->file = H5I_INVALID_HID;
  w->nobs = nobs;
  STRATA_MPI_CHECK(MPI_Comm_dup(comm, &w->comm));
  MPI_Comm_set_errhandler(w->comm, MPI_ERRORS_RETURN);
  MPI_Comm_rank(w->comm, &w->rank);
  MPI_Comm_size(w->comm, &w->size);
  size_t len = strlen(path) + 64;
  STRATA_MALLOC(w->path, len);
  STRATA_MALLOC(w->tmp, len);
  snprintf(w->path, len, "%s", path);
  /* one temporary name on all ranks: rank 0's pid */
  long pid = (long)getpid();
  STRATA_MPI_CHECK(MPI_Bcast(&pid, 1, MPI_LONG, 0, w->comm));
  snprintf(w->tmp, len, "%s.tmp.%ld", path, pid);
  if (w->rank == 0) {
    fcpl = H5Pcreate(H5P_FILE_CREATE);
    if (fcpl < 0 || H5Pset_userblock(fcpl, 512) < 0) STRATA_FAIL(STRATA_ERR_HDF5, "hdf5: cannot set the userblock");
    fapl = strata_h5_fapl();
    if (fapl < 0) STRATA_FAIL(STRATA_ERR_HDF5, "hdf5: cannot create a property list");
    f = H5Fcreate(w->tmp, H5F_ACC_TRUNC, fcpl, fapl);
    if (f < 0) STRATA_FAIL(STRATA_ERR_IO, "cannot create '%s' (temporary for '%s'): %s", w->tmp, path, strerror(errno));
    STRATA_CHECK(write_root(w, f, obs_names, patient_ids, ncols, cols));
  }
cleanup:
  {
    int cst = strata_h5_close_file(&f, MPI_COMM_NULL, path);
    if (!st) st = cst;
  }
  if (fapl >= 0) H5Pclose(fapl);
  if (fcpl >= 0) H5Pclose(fcpl);
  st = strata_agree(comm, st);
  if (st) strata_cohort_writer_abort(&w);
  *out = w;
  return st;
}

/* Rank 0: the AnnData group of a view, its obsmap, and an allocated (unwritten) X. */
static int write_view_structure(strata_cohort_writer_t *w, hid_t f, const wview_t *v, char *const *obs_names,
                                const uint32_t *obsmap, const char *likelihood) {
  int st = STRATA_OK;
  hid_t mod = H5I_INVALID_HID, ad = H5I_INVALID_HID, g = H5I_INVALID_HID, s = H5I_INVALID_HID;
  hid_t dcpl = H5I_INVALID_HID, d = H5I_INVALID_HID, om = H5I_INVALID_HID;
  char **vobs = NULL, **mods = NULL;
  mod = H5Gopen2(f, "mod", H5P_DEFAULT);
  if (mod < 0) STRATA_FAIL(STRATA_ERR_HDF5, "hdf5: cannot open /mod in '%s'", w->tmp);
  STRATA_CHECK(strata_h5_group(mod, v->name, "anndata", "0.1.0", &ad));
  /* the view's obs: the ids of its rows, in row order */
  STRATA_CALLOC(vobs, v->nrows);
  for (int64_t i = 0; i < w->nobs; i++)
    if (obsmap[i]) vobs[obsmap[i] - 1] = obs_names[i];
  STRATA_CHECK(strata_h5_dataframe(ad, "obs", v->nrows, vobs, 0, NULL, &g));
  H5Gclose(g);
  STRATA_CHECK(strata_h5_dataframe(ad, "var", v->nvar, v->var_names, 0, NULL, &g));
  H5Gclose(g);
  static const char *dicts[] = {"obsm", "obsp", "varm", "varp", "layers", NULL};
  for (int k = 0; dicts[k]; k++) {
    STRATA_CHECK(strata_h5_group(ad, dicts[k], "dict", "0.1.0", &g));
    H5Gclose(g);
  }
  STRATA_CHECK(strata_h5_group(ad, "uns", "dict", "0.1.0", &g));
  if (likelihood) STRATA_CHECK(strata_h5_write_string(g, "strata_likelihood", likelihood));
  H5Gclose(g);
  g = H5I_INVALID_HID;
  if (v->dtype_bytes) {
    hsize_t dims[2] = {(hsize_t)v->nrows, (hsize_t)v->nvar};
    s = H5Screate_simple(2, dims, NULL);
    dcpl = H5Pcopy(strata_h5_dcpl());
    if (s < 0 || dcpl < 0) STRATA_FAIL(STRATA_ERR_HDF5, "hdf5: cannot set up /mod/%s/X", v->name);
    /* contiguous row-major, as anndata writes it: with parallel HDF5 1.10 a collective read of
     * row slabs from a chunked X (4 MiB chunks) measured 10-15x slower than from a contiguous
     * one (bench/io), and contiguous row blocks are single extents for the writer too */
    /* allocated now (parallel writes need it), never filled: every element gets written */
    H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
    H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER);
    d = H5Dcreate2(ad, "X", v->dtype_bytes == 4 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d < 0) STRATA_FAIL(STRATA_ERR_IO, "cannot create /mod/%s/X in '%s' (disk full?)", v->name, w->tmp);
    STRATA_CHECK(strata_h5_attr_string(d, "encoding-type", "array"));
    STRATA_CHECK(strata_h5_attr_string(d, "encoding-version", "0.2.0"));
  }
  /* obsmap/<view> */
  {
    hid_t omg = H5Gopen2(f, "obsmap", H5P_DEFAULT);
    hsize_t n = (hsize_t)w->nobs;
    hid_t os = H5Screate_simple(1, &n, NULL);
    om = H5Dcreate2(omg, v->name, H5T_STD_U32LE, os, H5P_DEFAULT, strata_h5_dcpl(), H5P_DEFAULT);
    herr_t rc = om < 0 ? -1 : H5Dwrite(om, H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, obsmap);
    H5Sclose(os);
    H5Gclose(omg);
    if (rc < 0) STRATA_FAIL(STRATA_ERR_HDF5, "hdf5: cannot write /obsmap/%s", v->name);
    STRATA_CHECK(strata_h5_attr_string(om, "encoding-type", "array"));
    STRATA_CHECK(strata_h5_attr_string(om, "encoding-version", "0.2.0"));
  }
  STRATA_CALLOC(mods, w->nviews);
  for (int k = 0; k < w->nviews; k++) mods[k] = w->views[k].name;
  STRATA_CHECK(strata_h5_attr_strings(mod, "mod-order", w->nviews, mods));
cleanup:
  free(vobs);
  free(mods);
  if (om >= 0) H5Dclose(om);
  if (d >= 0) H5Dclose(d);
  if (dcpl >= 0) H5Pclose(dcpl);
  if (s >= 0) H5Sclose(s);
  if (g >= 0) H5Gclose(g);
  if (ad >= 0) H5Gclose(ad);
  if (mod >= 0) H5Gclose(mod);
  return st;
}

int strata_cohort_writer_add_view(strata_cohort_writer_t *w, const char *name, const uint32_t *obsmap,
                                  int64_t nvar, char *const *var_names, int dtype_bytes,
                                  const char *likelihood, int *view_index) {
  int st = STRATA_OK;
  hid_t f = H5I_INVALID_HID;
  char **obs_names = NULL;
  *view_index = -1;
  STRATA_CHECK(close_parallel(w));
  if (dtype_bytes != 0 && dtype_bytes != 4 && dtype_bytes != 8)
    STRATA_FAIL(STRATA_ERR_INTERNAL, "add_view '%s': dtype_bytes %d (want 0, 4 or 8)", name, dtype_bytes);
  for (int k = 0; k < w->nviews; k++)
    if (strcmp(w->views[k].name, name) == 0) STRATA_FAIL(STRATA_ERR_INPUT, "view '%s' given twice", name);
  if (!name[0] || strchr(name, '/')) STRATA_FAIL(STRATA_ERR_INPUT, "view name '%s' is empty or contains '/'", name);
  int64_t nrows = 0;
  for (int64_t i = 0; i < w->nobs; i++) nrows += obsmap[i] != 0;
  for (int64_t i = 0; i < w->nobs; i++)
    if ((int64_t)obsmap[i] > nrows) STRATA_FAIL(STRATA_ERR_INTERNAL, "add_view '%s': obsmap[%lld] = %u > %lld rows", name, (long long)i, obsmap[i], (long long)nrows);
  wview_t *nv = realloc(w->views, (size_t)(w->nviews + 1) * sizeof *nv);
  if (!nv) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
  w->views = nv;
  hid_t *nx = realloc(w->xdset, (size_t)(w->nviews + 1) * sizeof *nx);
  if (!nx) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
  w->xdset = nx;
  wview_t *v = &w->views[w->nviews];
  memset(v, 0, sizeof *v);
  w->xdset[w->nviews] = H5I_INVALID_HID;
  w->nviews++;
  v->nrows = nrows;
  v->nvar = nvar;
  v->dtype_bytes = dtype_bytes;
  if (!(v->name = strdup(name))) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
  if (w->rank == 0) {
    STRATA_CALLOC(v->var_names, nvar);
    for (int64_t j = 0; j < nvar; j++)
      if (!(v->var_names[j] = strdup(var_names[j]))) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
    /* the obs ids are read back from the file (the writer keeps no copy of them) */
    hid_t d = H5I_INVALID_HID;
    STRATA_CHECK(serial_open(w, &f));
    STRATA_CALLOC(obs_names, w->nobs);
    {
      hid_t t = H5Tcopy(H5T_C_S1);
      H5Tset_size(t, H5T_VARIABLE);
      H5Tset_cset(t, H5T_CSET_UTF8);
      d = H5Dopen2(f, "obs/_index", H5P_DEFAULT);
      herr_t rc = d < 0 ? -1 : H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, obs_names);
      H5Tclose(t);
      if (d >= 0) H5Dclose(d);
      if (rc < 0) STRATA_FAIL(STRATA_ERR_HDF5, "hdf5: cannot read back obs/_index of '%s'", w->tmp);
    }
    STRATA_CHECK(write_view_structure(w, f, v, obs_names, obsmap, likelihood));
  }
  *view_index = w->nviews - 1;
cleanup:
  if (obs_names) {
    for (int64_t i = 0; i < w->nobs; i++) H5free_memory(obs_names[i]);
    free(obs_names);
  }
  {
    int cst = strata_h5_close_file(&f, MPI_COMM_NULL, w->path);
    if (!st) st = cst;
  }
  st = strata_agree(w->comm, st);
  return st;
}

/* Local part of write_block: validate the block and convert it to the stored type. */
static int prepare_block(const strata_cohort_writer_t *w, int vi, int64_t row0, int64_t nrows, int64_t col0,
                         int64_t ncols, const double *block, float **tmp) {
  int st = STRATA_OK;
  *tmp = NULL;
  if (vi < 0 || vi >= w->nviews || !w->views[vi].dtype_bytes)
    STRATA_FAIL(STRATA_ERR_INTERNAL, "write_block: view %d has no X", vi);
  const wview_t *v = &w->views[vi];
  if (nrows <= 0 || ncols <= 0) goto cleanup;
  if (row0 < 0 || col0 < 0 || row0 + nrows > v->nrows || col0 + ncols > v->nvar)
    STRATA_FAIL(STRATA_ERR_INTERNAL, "write_block: block [%lld+%lld, %lld+%lld] outside %s X (%lld x %lld)",
                (long long)row0, (long long)nrows, (long long)col0, (long long)ncols, v->name,
                (long long)v->nrows, (long long)v->nvar);
  if (v->dtype_bytes == 4) {
    STRATA_MALLOC(*tmp, nrows * ncols);
    for (int64_t i = 0; i < nrows * ncols; i++) (*tmp)[i] = (float)block[i];
  }
cleanup:
  return st;
}

int strata_cohort_writer_write_block(strata_cohort_writer_t *w, int vi, int64_t row0, int64_t nrows,
                                     int64_t col0, int64_t ncols, const double *block) {
  int st = STRATA_OK;
  float *tmp = NULL;
  hid_t fs = H5I_INVALID_HID, ms = H5I_INVALID_HID, xfer = H5I_INVALID_HID;
  /* agree before the collective open and write so a bad block on one rank hangs no one */
  STRATA_CHECK(strata_agree(w->comm, prepare_block(w, vi, row0, nrows, col0, ncols, block, &tmp)));
  STRATA_CHECK(open_parallel(w));
  if (w->xdset[vi] < 0) {
    char dn[600];
    snprintf(dn, sizeof dn, "mod/%s/X", w->views[vi].name);
    w->xdset[vi] = H5Dopen2(w->file, dn, H5P_DEFAULT);
    if (w->xdset[vi] < 0) st = strata_err_set(STRATA_ERR_HDF5, __FILE__, __LINE__, __func__, "hdf5: cannot open %s in '%s'", dn, w->tmp);
    STRATA_CHECK(strata_agree(w->comm, st));
  }
  int empty = nrows <= 0 || ncols <= 0;
  fs = H5Dget_space(w->xdset[vi]);
  hsize_t start[2] = {(hsize_t)(empty ? 0 : row0), (hsize_t)(empty ? 0 : col0)};
  hsize_t count[2] = {(hsize_t)(empty ? 0 : nrows), (hsize_t)(empty ? 0 : ncols)};
  hsize_t mn = count[0] * count[1];
  ms = H5Screate_simple(1, &mn, NULL);
  if (empty) {
    H5Sselect_none(fs);
    H5Sselect_none(ms);
  } else {
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
  }
  xfer = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(xfer, H5FD_MPIO_COLLECTIVE);
  /* memory type = file type: a conversion would turn collective I/O into independent I/O */
  hid_t mt = w->views[vi].dtype_bytes == 4 ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE;
  const void *buf = tmp ? (const void *)tmp : (const void *)block;
  if (H5Dwrite(w->xdset[vi], mt, ms, fs, xfer, buf) < 0)
    st = strata_err_set(STRATA_ERR_IO, __FILE__, __LINE__, __func__, "cannot write /mod/%s/X of '%s'", w->views[vi].name, w->tmp);
  st = strata_agree(w->comm, st);
cleanup:
  free(tmp);
  if (xfer >= 0) H5Pclose(xfer);
  if (ms >= 0) H5Sclose(ms);
  if (fs >= 0) H5Sclose(fs);
  return st;
}

int64_t strata_cohort_writer_file(strata_cohort_writer_t *w) {
  if (open_parallel(w) != STRATA_OK) return -1;
  return (int64_t)w->file;
}

int strata_cohort_writer_rank0(strata_cohort_writer_t *w, int (*fn)(int64_t file, void *arg), void *arg) {
  int st = STRATA_OK;
  hid_t f = H5I_INVALID_HID;
  STRATA_CHECK(close_parallel(w));
  if (w->rank == 0) {
    st = serial_open(w, &f);
    if (!st) st = fn((int64_t)f, arg);
    int cst = strata_h5_close_file(&f, MPI_COMM_NULL, w->path);
    if (!st) st = cst;
  }
cleanup:
  return strata_agree(w->comm, st);
}

/* Rank 0 at commit: the global var (all views' features, in view order) and varmap. */
static int write_global_var(strata_cohort_writer_t *w, hid_t f) {
  int st = STRATA_OK;
  char **ids = NULL;
  uint32_t *map = NULL;
  hid_t g = H5I_INVALID_HID, vm = H5I_INVALID_HID;
  int64_t tot = 0, k0 = 0;
  for (int k = 0; k < w->nviews; k++) tot += w->views[k].nvar;
  STRATA_CALLOC(ids, tot);
  STRATA_CALLOC(map, tot);
  for (int k = 0; k < w->nviews; k++)
    for (int64_t j = 0; j < w->views[k].nvar; j++) ids[k0++] = w->views[k].var_names[j];
  if (H5Lexists(f, "var", H5P_DEFAULT) > 0 && H5Ldelete(f, "var", H5P_DEFAULT) < 0)
    STRATA_FAIL(STRATA_ERR_HDF5, "hdf5: cannot replace /var in '%s'", w->tmp);
  STRATA_CHECK(strata_h5_dataframe(f, "var", tot, ids, 0, NULL, &g));
  vm = H5Gopen2(f, "varmap", H5P_DEFAULT);
  if (vm < 0) STRATA_FAIL(STRATA_ERR_HDF5, "hdf5: cannot open /varmap in '%s'", w->tmp);
  k0 = 0;
  for (int k = 0; k < w->nviews; k++) {
    memset(map, 0, (size_t)(tot ? tot : 1) * sizeof *map);
    for (int64_t j = 0; j < w->views[k].nvar; j++) map[k0 + j] = (uint32_t)(j + 1);
    k0 += w->views[k].nvar;
    hsize_t n = (hsize_t)tot;
    hid_t s = H5Screate_simple(1, &n, NULL);
    hid_t d = H5Dcreate2(vm, w->views[k].name, H5T_STD_U32LE, s, H5P_DEFAULT, strata_h5_dcpl(), H5P_DEFAULT);
    herr_t rc = d < 0 ? -1 : H5Dwrite(d, H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, map);
    if (d >= 0) H5Dclose(d);
    H5Sclose(s);
    if (rc < 0) STRATA_FAIL(STRATA_ERR_HDF5, "hdf5: cannot write /varmap/%s", w->views[k].name);
  }
cleanup:
  free(ids);
  free(map);
  if (vm >= 0) H5Gclose(vm);
  if (g >= 0) H5Gclose(g);
  return st;
}

static void writer_free(strata_cohort_writer_t *w) {
  for (int k = 0; k < w->nviews; k++) {
    free(w->views[k].name);
    free_strings(w->views[k].var_names, w->views[k].var_names ? w->views[k].nvar : 0);
  }
  free(w->views);
  free(w->xdset);
  free(w->path);
  free(w->tmp);
  if (w->comm != MPI_COMM_NULL) MPI_Comm_free(&w->comm);
  free(w);
}

int strata_cohort_writer_commit(strata_cohort_writer_t **wp) {
  int st = STRATA_OK;
  strata_cohort_writer_t *w = *wp;
  hid_t f = H5I_INVALID_HID;
  *wp = NULL;
  STRATA_CHECK(close_parallel(w));
  if (w->rank == 0) {
    STRATA_CHECK(serial_open(w, &f));
    STRATA_CHECK(write_global_var(w, f));
    STRATA_CHECK(strata_h5_close_file(&f, MPI_COMM_NULL, w->path));
    STRATA_CHECK(strata_h5_write_mudata_header(w->tmp));
    if (rename(w->tmp, w->path) != 0)
      STRATA_FAIL(STRATA_ERR_IO, "cannot rename '%s' to '%s': %s", w->tmp, w->path, strerror(errno));
  }
cleanup:
  if (f >= 0 && strata_h5_close_file(&f, MPI_COMM_NULL, w->path) != STRATA_OK) {
    /* the error that brought us here is the one to report */
  }
  st = strata_agree(w->comm, st);
  if (st) {
    if (w->rank == 0) unlink(w->tmp);
  }
  writer_free(w);
  return st;
}

void strata_cohort_writer_abort(strata_cohort_writer_t **wp) {
  if (!wp || !*wp) return;
  strata_cohort_writer_t *w = *wp;
  *wp = NULL;
  if (w->file >= 0) {
    /* collective like the open: every rank holds the MPI-IO handle */
    for (int k = 0; k < w->nviews; k++)
      if (w->xdset[k] >= 0) H5Dclose(w->xdset[k]);
    if (strata_h5_close_file(&w->file, w->comm, w->path) != STRATA_OK) {
      /* an error is already recorded; the temporary goes either way */
    }
  }
  /* everyone has closed before rank 0 deletes, and it is gone when abort returns anywhere */
  if (w->comm != MPI_COMM_NULL) MPI_Barrier(w->comm);
  if (w->rank == 0 && w->tmp) unlink(w->tmp);
  if (w->comm != MPI_COMM_NULL) MPI_Barrier(w->comm);
  writer_free(w);
}
