/* HDF5 helpers for anndata/mudata-style files: a results file written by one process at a
 * temporary name, string/numeric datasets and attributes with the encoding attributes that
 * anndata, mudata and h5py readers expect.  Not for parallel data-sized writes (see io/h5mu.c)
 * and not for reading cohorts. */
#define _GNU_SOURCE /* fallocate */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "strata/h5util.h"
#include "strata/util.h"
#include "strata/version.h"

#define H5FAIL(...) STRATA_FAIL(STRATA_ERR_HDF5, __VA_ARGS__)

struct strata_h5out {
  hid_t file;
  int userblock;
  char *path;
  char *tmp;
};

int strata_h5_write_mudata_header(const char *path) {
  int st = STRATA_OK;
  char hdr[512];
  memset(hdr, 0, sizeof hdr);
  snprintf(hdr, sizeof hdr, "MuData (format-version=0.1.0;creator=strata;creator-version=%s)",
           STRATA_VERSION);
  int fd = open(path, O_WRONLY);
  if (fd < 0) STRATA_FAIL(STRATA_ERR_IO, "cannot open '%s' to write its header: %s", path, strerror(errno));
  ssize_t n = pwrite(fd, hdr, sizeof hdr, 0);
  int cerr = close(fd);
  if (n != (ssize_t)sizeof hdr || cerr != 0)
    STRATA_FAIL(STRATA_ERR_IO, "cannot write the MuData header of '%s': %s", path, strerror(errno));
cleanup:
  return st;
}

/* HDF5 1.10 frees a file's memory when closing it fails (ENOSPC or EDQUOT while the metadata
 * cache is flushed) but keeps its ID, and the library's shutdown at MPI_Finalize closes that ID
 * again and crashes (HDF5 pull request #2291, fixed in 1.14.1).  So a file is flushed first; if
 * the flush fails, the file -- always a temporary that the caller deletes -- is given up: its
 * descriptor is pointed at an anonymous in-memory file (one process) or it is cut to zero length
 * (MPI-IO), and it is flushed again, so that H5Fclose has nothing left that can fail.  Files are opened with H5F_CLOSE_STRONG (strata_h5_fapl), so the close also ends
 * any object an error path left open.
 *
 * An MPI-IO file needs more: HDF5 1.10's collective metadata flush hangs (ranks wait in
 * different barriers) when one rank's write fails.  So before flushing, rank 0 reserves the
 * blocks of the whole address space HDF5 has allocated (fallocate of [0, EOA): every metadata
 * entry lives below the EOA), and only a failed reservation, never a write inside the flush,
 * reports a full disk; then the file is emptied and the reservation tried again.  A file system
 * without fallocate (EOPNOTSUPP) keeps the plain flush. */
static int reserve(hid_t f, int *err) {
  haddr_t eoa = 0;
  char name[4096];
  *err = 0;
  if (H5Fget_eoa(f, &eoa) < 0 || H5Fget_name(f, name, sizeof name) <= 0) return 0;
  int fd = open(name, O_WRONLY);
  if (fd < 0) return 0;
  int rc = eoa > 0 ? fallocate(fd, 0, 0, (off_t)eoa) : 0;
  if (rc != 0 && errno != EOPNOTSUPP && errno != ENOSYS) *err = errno;
  close(fd);
  return *err != 0;
}

int strata_h5_close_file(hid_t *file, MPI_Comm comm, const char *name) {
  int st = STRATA_OK, err = 0;
  hid_t f = *file;
  *file = H5I_INVALID_HID;
  if (f < 0) return STRATA_OK;
  int bad = 0, rank = 0;
  if (comm != MPI_COMM_NULL) {
    /* the MPI-IO file is flushed and closed by all ranks: they must take the same path */
    MPI_Comm_rank(comm, &rank);
    if (rank == 0 && reserve(f, &err)) bad = 1;
    MPI_Bcast(&bad, 1, MPI_INT, 0, comm);
    MPI_Bcast(&err, 1, MPI_INT, 0, comm);
    if (!bad) {
      errno = 0;
      int mine = H5Fflush(f, H5F_SCOPE_GLOBAL) < 0;
      if (mine) err = errno ? errno : EIO;
      MPI_Allreduce(&mine, &bad, 1, MPI_INT, MPI_MAX, comm);
    }
  } else {
    errno = 0;
    bad = H5Fflush(f, H5F_SCOPE_GLOBAL) < 0;
    if (bad) err = errno ? errno : EIO;
  }
  if (bad) {
    hid_t fapl = H5Fget_access_plist(f);
    void *h = NULL;
    if (fapl >= 0 && H5Fget_vfd_handle(f, fapl, &h) >= 0 && h) {
      if (comm != MPI_COMM_NULL) {
        MPI_File_set_size(*(MPI_File *)h, 0);
        int again = 0;
        if (rank == 0 && reserve(f, &again)) {
          /* still no room for the metadata: the flush below may fail on some rank */
        }
      } else {
        /* one process: point the file's descriptor at an anonymous in-memory file, so the
         * metadata HDF5 still holds is written there and the close succeeds even on a disk
         * with no block left (emptying the file would not free enough when it is small) */
        int mem = memfd_create("strata-discard", 0);
        if (mem >= 0) {
          if (dup2(mem, *(int *)h) < 0 && ftruncate(*(int *)h, 0) != 0) {
            /* nothing else to give back */
          }
          close(mem);
        } else if (ftruncate(*(int *)h, 0) != 0) {
          /* nothing else to give back */
        }
      }
    }
    if (fapl >= 0) H5Pclose(fapl);
    (void)H5Fflush(f, H5F_SCOPE_GLOBAL);
    st = strata_err_set(STRATA_ERR_IO, __FILE__, __LINE__, __func__, "cannot write '%s': %s", name,
                        strerror(err ? err : EIO));
  }
  if (H5Fclose(f) < 0 && !st)
    st = strata_err_set(STRATA_ERR_IO, __FILE__, __LINE__, __func__, "cannot close '%s'", name);
  return st;
}

hid_t strata_h5_fapl(void) {
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (fapl >= 0 && H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0) {
    H5Pclose(fapl);
    fapl = H5I_INVALID_HID;
  }
  return fapl;
}

int strata_h5out_create(const char *path, int mudata_userblock, strata_h5out_t **out) {
  int st = STRATA_OK;
  strata_h5out_t *o = NULL;
  hid_t fcpl = H5I_INVALID_HID, fapl = H5I_INVALID_HID;
  *out = NULL;
  STRATA_CALLOC(o, 1);
  o->file = H5I_INVALID_HID;
  o->userblock = mudata_userblock;
  size_t len = strlen(path) + 64;
  STRATA_MALLOC(o->path, len);
  STRATA_MALLOC(o->tmp, len);
  snprintf(o->path, len, "%s", path);
  strata_tmpname(path, o->tmp, len);
  fcpl = H5Pcreate(H5P_FILE_CREATE);
  if (fcpl < 0) H5FAIL("hdf5: cannot create a property list");
  if (mudata_userblock && H5Pset_userblock(fcpl, 512) < 0) H5FAIL("hdf5: cannot set the userblock");
  fapl = strata_h5_fapl();
  if (fapl < 0) H5FAIL("hdf5: cannot create a property list");
  o->file = H5Fcreate(o->tmp, H5F_ACC_TRUNC, fcpl, fapl);
  if (o->file < 0) STRATA_FAIL(STRATA_ERR_IO, "cannot create '%s' (temporary for '%s')", o->tmp, path);
  *out = o;
  o = NULL;
cleanup:
  if (fapl >= 0) H5Pclose(fapl);
  if (fcpl >= 0) H5Pclose(fcpl);
  strata_h5out_abort(&o);
  return st;
}

hid_t strata_h5out_file(const strata_h5out_t *o) { return o ? o->file : H5I_INVALID_HID; }

static void h5out_free(strata_h5out_t *o) {
  free(o->path);
  free(o->tmp);
  free(o);
}

int strata_h5out_commit(strata_h5out_t **op) {
  int st = STRATA_OK;
  strata_h5out_t *o = *op;
  *op = NULL;
  if (!o) STRATA_FAIL(STRATA_ERR_INTERNAL, "h5out: commit of a NULL file");
  STRATA_CHECK(strata_h5_close_file(&o->file, MPI_COMM_NULL, o->path));
  if (o->userblock) STRATA_CHECK(strata_h5_write_mudata_header(o->tmp));
  if (rename(o->tmp, o->path) != 0)
    STRATA_FAIL(STRATA_ERR_IO, "cannot rename '%s' to '%s': %s", o->tmp, o->path, strerror(errno));
cleanup:
  if (o) {
    if (st) unlink(o->tmp);
    h5out_free(o);
  }
  return st;
}

void strata_h5out_abort(strata_h5out_t **op) {
  if (!op || !*op) return;
  strata_h5out_t *o = *op;
  *op = NULL;
  /* an error is already recorded; this one (the disk that caused it) would only repeat it */
  if (strata_h5_close_file(&o->file, MPI_COMM_NULL, o->path) != STRATA_OK) {
    /* nothing more to do: the temporary goes either way */
  }
  if (o->tmp) unlink(o->tmp);
  h5out_free(o);
}

/* A vlen UTF-8 string type (the caller closes it). */
static hid_t vlen_str_type(void) {
  hid_t t = H5Tcopy(H5T_C_S1);
  if (t < 0) return t;
  if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
    H5Tclose(t);
    return H5I_INVALID_HID;
  }
  return t;
}

static int write_str_attr(hid_t obj, const char *name, hid_t space, const char **vals) {
  int st = STRATA_OK;
  hid_t t = H5I_INVALID_HID, a = H5I_INVALID_HID;
  if (H5Aexists(obj, name) > 0 && H5Adelete(obj, name) < 0) H5FAIL("hdf5: cannot replace attribute '%s'", name);
  t = vlen_str_type();
  if (t < 0) H5FAIL("hdf5: cannot make a string type");
  a = H5Acreate2(obj, name, t, space, H5P_DEFAULT, H5P_DEFAULT);
  if (a < 0) H5FAIL("hdf5: cannot create attribute '%s'", name);
  if (H5Awrite(a, t, vals) < 0) H5FAIL("hdf5: cannot write attribute '%s'", name);
cleanup:
  if (a >= 0) H5Aclose(a);
  if (t >= 0) H5Tclose(t);
  return st;
}

int strata_h5_attr_string(hid_t obj, const char *name, const char *value) {
  int st = STRATA_OK;
  hid_t s = H5Screate(H5S_SCALAR);
  if (s < 0) H5FAIL("hdf5: cannot create a dataspace");
  const char *v[1] = {value ? value : ""};
  STRATA_CHECK(write_str_attr(obj, name, s, v));
cleanup:
  if (s >= 0) H5Sclose(s);
  return st;
}

int strata_h5_attr_strings(hid_t obj, const char *name, int64_t n, char *const *values) {
  int st = STRATA_OK;
  hid_t s = H5I_INVALID_HID;
  const char **v = NULL;
  STRATA_MALLOC(v, n);
  for (int64_t i = 0; i < n; i++) v[i] = values[i] ? values[i] : "";
  hsize_t dim = (hsize_t)n;
  s = H5Screate_simple(1, &dim, NULL);
  if (s < 0) H5FAIL("hdf5: cannot create a dataspace");
  STRATA_CHECK(write_str_attr(obj, name, s, v));
cleanup:
  if (s >= 0) H5Sclose(s);
  free(v);
  return st;
}

static int write_scalar_attr(hid_t obj, const char *name, hid_t ftype, hid_t mtype, const void *v) {
  int st = STRATA_OK;
  hid_t s = H5I_INVALID_HID, a = H5I_INVALID_HID;
  if (H5Aexists(obj, name) > 0 && H5Adelete(obj, name) < 0) H5FAIL("hdf5: cannot replace attribute '%s'", name);
  s = H5Screate(H5S_SCALAR);
  if (s < 0) H5FAIL("hdf5: cannot create a dataspace");
  a = H5Acreate2(obj, name, ftype, s, H5P_DEFAULT, H5P_DEFAULT);
  if (a < 0 || H5Awrite(a, mtype, v) < 0) H5FAIL("hdf5: cannot write attribute '%s'", name);
cleanup:
  if (a >= 0) H5Aclose(a);
  if (s >= 0) H5Sclose(s);
  return st;
}

int strata_h5_attr_int64(hid_t obj, const char *name, int64_t value) {
  return write_scalar_attr(obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

int strata_h5_attr_double(hid_t obj, const char *name, double value) {
  return write_scalar_attr(obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

int strata_h5_attr_bool(hid_t obj, const char *name, int value) {
  int st = STRATA_OK;
  /* numpy/h5py booleans: an 8-bit enum {FALSE: 0, TRUE: 1} */
  hid_t t = H5Tenum_create(H5T_NATIVE_INT8);
  if (t < 0) H5FAIL("hdf5: cannot create a bool type");
  int8_t f = 0, tr = 1, v = value ? 1 : 0;
  if (H5Tenum_insert(t, "FALSE", &f) < 0 || H5Tenum_insert(t, "TRUE", &tr) < 0)
    H5FAIL("hdf5: cannot create a bool type");
  STRATA_CHECK(write_scalar_attr(obj, name, t, t, &v));
cleanup:
  if (t >= 0) H5Tclose(t);
  return st;
}

int strata_h5_has_attr(hid_t obj, const char *name) { return H5Aexists(obj, name) > 0; }

int strata_h5_read_attr_string(hid_t obj, const char *name, char **value) {
  int st = STRATA_OK;
  hid_t a = H5I_INVALID_HID, t = H5I_INVALID_HID, s = H5I_INVALID_HID, mt = H5I_INVALID_HID;
  char *buf = NULL;
  *value = NULL;
  if (H5Aexists(obj, name) <= 0) return STRATA_OK;
  a = H5Aopen(obj, name, H5P_DEFAULT);
  if (a < 0) H5FAIL("hdf5: cannot open attribute '%s'", name);
  t = H5Aget_type(a);
  s = H5Aget_space(a);
  if (t < 0 || s < 0) H5FAIL("hdf5: cannot inspect attribute '%s'", name);
  if (H5Tget_class(t) != H5T_STRING) STRATA_FAIL(STRATA_ERR_INPUT, "attribute '%s' is not a string", name);
  hssize_t npts = H5Sget_simple_extent_npoints(s);
  if (npts != 1) STRATA_FAIL(STRATA_ERR_INPUT, "attribute '%s' is not a single string", name);
  if (H5Tis_variable_str(t) > 0) {
    char *p = NULL;
    mt = vlen_str_type();
    if (mt < 0 || H5Aread(a, mt, &p) < 0) H5FAIL("hdf5: cannot read attribute '%s'", name);
    *value = strdup(p ? p : "");
    H5free_memory(p);
    if (!*value) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
  } else {
    size_t len = H5Tget_size(t);
    mt = H5Tcopy(t);
    STRATA_CALLOC(buf, len + 1);
    if (mt < 0 || H5Aread(a, mt, buf) < 0) H5FAIL("hdf5: cannot read attribute '%s'", name);
    buf[len] = '\0';
    *value = buf;
    buf = NULL;
  }
cleanup:
  free(buf);
  if (mt >= 0) H5Tclose(mt);
  if (s >= 0) H5Sclose(s);
  if (t >= 0) H5Tclose(t);
  if (a >= 0) H5Aclose(a);
  return st;
}

static int set_encoding(hid_t obj, const char *type, const char *version) {
  int st = STRATA_OK;
  STRATA_CHECK(strata_h5_attr_string(obj, "encoding-type", type));
  STRATA_CHECK(strata_h5_attr_string(obj, "encoding-version", version));
cleanup:
  return st;
}

static hid_t notime_plist(hid_t cls, hid_t *cache) {
  if (*cache < 0) {
    *cache = H5Pcreate(cls);
    if (*cache >= 0) H5Pset_obj_track_times(*cache, 0);
  }
  return *cache >= 0 ? *cache : H5P_DEFAULT;
}

hid_t strata_h5_dcpl(void) {
  static hid_t dcpl = H5I_INVALID_HID;
  return notime_plist(H5P_DATASET_CREATE, &dcpl);
}

hid_t strata_h5_gcpl(void) {
  static hid_t gcpl = H5I_INVALID_HID;
  return notime_plist(H5P_GROUP_CREATE, &gcpl);
}

int strata_h5_group(hid_t loc, const char *name, const char *encoding_type,
                    const char *encoding_version, hid_t *out) {
  int st = STRATA_OK;
  hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, strata_h5_gcpl(), H5P_DEFAULT);
  *out = H5I_INVALID_HID;
  if (g < 0) H5FAIL("hdf5: cannot create group '%s'", name);
  if (encoding_type) STRATA_CHECK(set_encoding(g, encoding_type, encoding_version));
  *out = g;
  g = H5I_INVALID_HID;
cleanup:
  if (g >= 0) H5Gclose(g);
  return st;
}

int strata_h5_dataframe(hid_t loc, const char *name, int64_t n, char *const *index, int ncols,
                        char *const *column_order, hid_t *out) {
  int st = STRATA_OK;
  hid_t g = H5I_INVALID_HID;
  *out = H5I_INVALID_HID;
  STRATA_CHECK(strata_h5_group(loc, name, "dataframe", "0.2.0", &g));
  STRATA_CHECK(strata_h5_attr_string(g, "_index", "_index"));
  STRATA_CHECK(strata_h5_attr_strings(g, "column-order", ncols, column_order));
  STRATA_CHECK(strata_h5_write_strings(g, "_index", n, index));
  *out = g;
  g = H5I_INVALID_HID;
cleanup:
  if (g >= 0) H5Gclose(g);
  return st;
}

/* Create and fully write a dataset of rank `ndim`; sets the anndata encoding attrs. */
static int write_dataset(hid_t loc, const char *name, int ndim, const hsize_t *dims, hid_t ftype,
                         hid_t mtype, const void *buf, const char *encoding) {
  int st = STRATA_OK;
  hid_t s = H5I_INVALID_HID, d = H5I_INVALID_HID;
  s = H5Screate_simple(ndim, dims, NULL);
  if (s < 0) H5FAIL("hdf5: cannot create a dataspace for '%s'", name);
  d = H5Dcreate2(loc, name, ftype, s, H5P_DEFAULT, strata_h5_dcpl(), H5P_DEFAULT);
  if (d < 0) H5FAIL("hdf5: cannot create dataset '%s'", name);
  if (H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) H5FAIL("hdf5: cannot write dataset '%s'", name);
  STRATA_CHECK(set_encoding(d, encoding, "0.2.0"));
cleanup:
  if (d >= 0) H5Dclose(d);
  if (s >= 0) H5Sclose(s);
  return st;
}

int strata_h5_write_matrix(hid_t loc, const char *name, int64_t nrows, int64_t ncols,
                           const double *data, int colmajor, int dtype_bytes) {
  int st = STRATA_OK;
  double *tmp = NULL;
  const double *src = data;
  if (dtype_bytes != 4 && dtype_bytes != 8)
    STRATA_FAIL(STRATA_ERR_INTERNAL, "h5util: dtype_bytes %d for '%s' (want 4 or 8)", dtype_bytes, name);
  if (colmajor && nrows > 1 && ncols > 1) {
    STRATA_MALLOC(tmp, nrows * ncols);
    for (int64_t i = 0; i < nrows; i++)
      for (int64_t j = 0; j < ncols; j++) tmp[i * ncols + j] = data[j * nrows + i];
    src = tmp;
  }
  hsize_t dims[2] = {(hsize_t)nrows, (hsize_t)ncols};
  /* HDF5 converts double -> float32 on write when the file type is float32 */
  STRATA_CHECK(write_dataset(loc, name, 2, dims, dtype_bytes == 4 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE,
                             H5T_NATIVE_DOUBLE, src, "array"));
cleanup:
  free(tmp);
  return st;
}

int strata_h5_write_double(hid_t loc, const char *name, int64_t n, const double *data) {
  hsize_t dim = (hsize_t)n;
  return write_dataset(loc, name, 1, &dim, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, data, "array");
}

int strata_h5_write_int64(hid_t loc, const char *name, int64_t n, const int64_t *data) {
  hsize_t dim = (hsize_t)n;
  return write_dataset(loc, name, 1, &dim, H5T_STD_I64LE, H5T_NATIVE_INT64, data, "array");
}

int strata_h5_write_strings(hid_t loc, const char *name, int64_t n, char *const *values) {
  int st = STRATA_OK;
  hid_t t = H5I_INVALID_HID;
  const char **v = NULL;
  STRATA_MALLOC(v, n);
  for (int64_t i = 0; i < n; i++) v[i] = values[i] ? values[i] : "";
  t = vlen_str_type();
  if (t < 0) H5FAIL("hdf5: cannot make a string type");
  hsize_t dim = (hsize_t)n;
  STRATA_CHECK(write_dataset(loc, name, 1, &dim, t, t, v, "string-array"));
cleanup:
  if (t >= 0) H5Tclose(t);
  free(v);
  return st;
}

int strata_h5_write_string(hid_t loc, const char *name, const char *value) {
  int st = STRATA_OK;
  hid_t t = H5I_INVALID_HID, s = H5I_INVALID_HID, d = H5I_INVALID_HID;
  const char *v[1] = {value ? value : ""};
  t = vlen_str_type();
  s = H5Screate(H5S_SCALAR);
  if (t < 0 || s < 0) H5FAIL("hdf5: cannot make a string type");
  d = H5Dcreate2(loc, name, t, s, H5P_DEFAULT, strata_h5_dcpl(), H5P_DEFAULT);
  if (d < 0 || H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
    H5FAIL("hdf5: cannot write dataset '%s'", name);
  STRATA_CHECK(set_encoding(d, "string", "0.2.0"));
cleanup:
  if (d >= 0) H5Dclose(d);
  if (s >= 0) H5Sclose(s);
  if (t >= 0) H5Tclose(t);
  return st;
}

int strata_h5_read_string(hid_t loc, const char *name, char **value) {
  int st = STRATA_OK;
  hid_t d = H5I_INVALID_HID, t = H5I_INVALID_HID, s = H5I_INVALID_HID, mt = H5I_INVALID_HID;
  char *buf = NULL;
  *value = NULL;
  if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) return STRATA_OK;
  d = H5Dopen2(loc, name, H5P_DEFAULT);
  if (d < 0) H5FAIL("hdf5: cannot open dataset '%s'", name);
  t = H5Dget_type(d);
  s = H5Dget_space(d);
  if (t < 0 || s < 0) H5FAIL("hdf5: cannot inspect dataset '%s'", name);
  if (H5Tget_class(t) != H5T_STRING || H5Sget_simple_extent_npoints(s) != 1)
    STRATA_FAIL(STRATA_ERR_INPUT, "dataset '%s' is not a single string", name);
  if (H5Tis_variable_str(t) > 0) {
    char *p = NULL;
    mt = vlen_str_type();
    if (mt < 0 || H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, &p) < 0) H5FAIL("hdf5: cannot read '%s'", name);
    *value = strdup(p ? p : "");
    H5free_memory(p);
    if (!*value) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
  } else {
    size_t len = H5Tget_size(t);
    mt = H5Tcopy(t);
    STRATA_CALLOC(buf, len + 1);
    if (mt < 0 || H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) H5FAIL("hdf5: cannot read '%s'", name);
    *value = buf;
    buf = NULL;
  }
cleanup:
  free(buf);
  if (mt >= 0) H5Tclose(mt);
  if (s >= 0) H5Sclose(s);
  if (t >= 0) H5Tclose(t);
  if (d >= 0) H5Dclose(d);
  return st;
}

int strata_h5_write_scalar(hid_t loc, const char *name, double value, int is_int) {
  int st = STRATA_OK;
  hid_t s = H5Screate(H5S_SCALAR), d = H5I_INVALID_HID;
  int64_t iv = (int64_t)value;
  d = H5Dcreate2(loc, name, is_int ? H5T_STD_I64LE : H5T_IEEE_F64LE, s, H5P_DEFAULT, strata_h5_dcpl(),
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

int strata_h5_write_u32(hid_t loc, const char *name, int64_t n, const uint32_t *data) {
  int st = STRATA_OK;
  hsize_t dims = (hsize_t)n;
  hid_t s = H5Screate_simple(1, &dims, NULL), d = H5I_INVALID_HID;
  d = H5Dcreate2(loc, name, H5T_STD_U32LE, s, H5P_DEFAULT, strata_h5_dcpl(), H5P_DEFAULT);
  if (d < 0 || (n > 0 && H5Dwrite(d, H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0))
    STRATA_FAIL(STRATA_ERR_HDF5, "hdf5: cannot write '%s'", name);
  STRATA_CHECK(strata_h5_attr_string(d, "encoding-type", "array"));
  STRATA_CHECK(strata_h5_attr_string(d, "encoding-version", "0.2.0"));
cleanup:
  if (d >= 0) H5Dclose(d);
  if (s >= 0) H5Sclose(s);
  return st;
}

int strata_h5_dicts(hid_t loc, const char *const *names) {
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
