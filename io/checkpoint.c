/* Checkpoint files: a solver's state as named arrays in one HDF5 file, written in parallel to a
 * temporary name and renamed on commit, so a checkpoint on disk is always complete.
 * Not for deciding what the state is (each solver does that) or when to write it. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strata/checkpoint.h"
#include "strata/h5util.h"
#include "strata/util.h"

#define CKPT_FORMAT "strata-checkpoint/1"

struct strata_ckpt {
  MPI_Comm comm;
  int rank, size;
  hid_t file;
  int writing;
  char path[4096];
  char tmp[4200];
};

static int ckpt_alloc(MPI_Comm comm, const char *path, strata_ckpt_t **out) {
  int st = STRATA_OK;
  strata_ckpt_t *c = NULL;
  STRATA_CALLOC(c, 1);
  c->file = -1;
  c->comm = MPI_COMM_NULL;
  STRATA_MPI_CHECK(MPI_Comm_dup(comm, &c->comm));
  MPI_Comm_rank(c->comm, &c->rank);
  MPI_Comm_size(c->comm, &c->size);
  if (strlen(path) >= sizeof c->path) STRATA_FAIL(STRATA_ERR_USAGE, "checkpoint: path too long");
  snprintf(c->path, sizeof c->path, "%s", path);
  /* one temporary name for all ranks: rank 0's pid */
  long pid = (long)getpid();
  STRATA_MPI_CHECK(MPI_Bcast(&pid, 1, MPI_LONG, 0, c->comm));
  snprintf(c->tmp, sizeof c->tmp, "%s.tmp.%ld", path, pid);
cleanup:
  if (st && c) {
    if (c->comm != MPI_COMM_NULL) MPI_Comm_free(&c->comm);
    free(c);
    c = NULL;
  }
  *out = c;
  return st;
}

static hid_t mpio_fapl(MPI_Comm comm) {
  hid_t fapl = strata_h5_fapl(); /* H5F_CLOSE_STRONG */
  if (fapl >= 0) H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL);
  return fapl;
}

static int write_str_attr(hid_t loc, const char *name, const char *value) {
  hid_t type = H5Tcopy(H5T_C_S1), space = H5Screate(H5S_SCALAR), attr = -1;
  int ok = type >= 0 && space >= 0 && H5Tset_size(type, strlen(value) + 1) >= 0;
  if (ok) attr = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  ok = ok && attr >= 0 && H5Awrite(attr, type, value) >= 0;
  if (attr >= 0) H5Aclose(attr);
  if (space >= 0) H5Sclose(space);
  if (type >= 0) H5Tclose(type);
  return ok ? 0 : -1;
}

static int read_str_attr(hid_t loc, const char *name, char *buf, size_t bufsize) {
  if (H5Aexists(loc, name) <= 0) return -1;
  hid_t attr = H5Aopen(loc, name, H5P_DEFAULT);
  hid_t type = attr >= 0 ? H5Aget_type(attr) : -1;
  int ok = attr >= 0 && type >= 0 && H5Tget_class(type) == H5T_STRING && !H5Tis_variable_str(type);
  size_t n = ok ? H5Tget_size(type) : 0;
  char *tmp = ok ? calloc(n + 1, 1) : NULL;
  ok = ok && tmp && H5Aread(attr, type, tmp) >= 0;
  if (ok) snprintf(buf, bufsize, "%s", tmp);
  free(tmp);
  if (type >= 0) H5Tclose(type);
  if (attr >= 0) H5Aclose(attr);
  return ok ? 0 : -1;
}

static int write_int_attr(hid_t loc, const char *name, int64_t value) {
  hid_t space = H5Screate(H5S_SCALAR);
  hid_t attr = space >= 0 ? H5Acreate2(loc, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT) : -1;
  int ok = attr >= 0 && H5Awrite(attr, H5T_NATIVE_INT64, &value) >= 0;
  if (attr >= 0) H5Aclose(attr);
  if (space >= 0) H5Sclose(space);
  return ok ? 0 : -1;
}

int strata_ckpt_create(MPI_Comm comm, const char *path, const char *kind, strata_ckpt_t **out) {
  int st = STRATA_OK;
  strata_ckpt_t *c = NULL;
  hid_t fapl = -1;
  *out = NULL;
  STRATA_CHECK(ckpt_alloc(comm, path, &c));
  c->writing = 1;
  fapl = mpio_fapl(c->comm);
  c->file = H5Fcreate(c->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  if (c->file < 0) STRATA_FAIL(STRATA_ERR_IO, "checkpoint: cannot create '%s'", c->tmp);
  if (write_str_attr(c->file, "format", CKPT_FORMAT) || write_str_attr(c->file, "kind", kind) ||
      write_int_attr(c->file, "nranks", c->size))
    STRATA_FAIL(STRATA_ERR_HDF5, "checkpoint: cannot write attributes of '%s'", c->tmp);
cleanup:
  if (fapl >= 0) H5Pclose(fapl);
  st = strata_agree(comm, st);
  if (st) {
    if (c && c->file >= 0) {
      H5Fclose(c->file);
      c->file = -1;
    }
    if (c && c->rank == 0) unlink(c->tmp);
    strata_ckpt_close(&c);
  }
  *out = c;
  return st;
}

/* Collective: create a 1-D dataset of `total` elements. */
static hid_t create_1d(strata_ckpt_t *c, const char *name, hid_t type, int64_t total) {
  hsize_t dims[1] = {(hsize_t)total};
  hid_t space = H5Screate_simple(1, dims, NULL);
  hid_t d = space >= 0 ? H5Dcreate2(c->file, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
  if (space >= 0) H5Sclose(space);
  return d;
}

/* Write (or read) count elements at offset of a 1-D dataset, independently (count may be 0). */
static int slice_io(hid_t d, hid_t memtype, int64_t offset, int64_t count, void *buf, int write) {
  if (count <= 0) return 0;
  hid_t fs = H5Dget_space(d);
  hsize_t off[1] = {(hsize_t)offset}, cnt[1] = {(hsize_t)count};
  hid_t ms = H5Screate_simple(1, cnt, NULL);
  int ok = fs >= 0 && ms >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, cnt, NULL) >= 0;
  if (ok) ok = (write ? H5Dwrite(d, memtype, ms, fs, H5P_DEFAULT, buf) : H5Dread(d, memtype, ms, fs, H5P_DEFAULT, buf)) >= 0;
  if (ms >= 0) H5Sclose(ms);
  if (fs >= 0) H5Sclose(fs);
  return ok ? 0 : -1;
}

static int write_slice(hid_t d, hid_t memtype, int64_t offset, int64_t count, const void *buf) {
  return slice_io(d, memtype, offset, count, (void *)buf, 1);
}

static int read_slice(hid_t d, hid_t memtype, int64_t offset, int64_t count, void *buf) {
  return slice_io(d, memtype, offset, count, buf, 0);
}

static int put_rep(strata_ckpt_t *c, const char *name, hid_t filetype, hid_t memtype,
                   const void *a, int64_t n) {
  int st = STRATA_OK;
  char dname[512];
  snprintf(dname, sizeof dname, "rep_%s", name);
  hid_t d = create_1d(c, dname, filetype, n);
  if (d < 0) STRATA_FAIL(STRATA_ERR_HDF5, "checkpoint: cannot create '%s' in '%s'", name, c->tmp);
  if (c->rank == 0 && write_slice(d, memtype, 0, n, a))
    STRATA_FAIL(STRATA_ERR_IO, "checkpoint: cannot write '%s' to '%s'", name, c->tmp);
cleanup:
  if (d >= 0) H5Dclose(d);
  return strata_agree(c->comm, st);
}

int strata_ckpt_put_rep(strata_ckpt_t *c, const char *name, const double *a, int64_t n) {
  return put_rep(c, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, a, n);
}

int strata_ckpt_put_rep_i64(strata_ckpt_t *c, const char *name, const int64_t *a, int64_t n) {
  return put_rep(c, name, H5T_STD_I64LE, H5T_NATIVE_INT64, a, n);
}

int strata_ckpt_put_dist(strata_ckpt_t *c, const char *name, const double *a, int64_t nlocal) {
  int st = STRATA_OK;
  int64_t *counts = NULL;
  hid_t d = -1, dc = -1;
  char dname[512], cname[512];
  STRATA_MALLOC(counts, c->size);
  STRATA_MPI_CHECK(MPI_Allgather(&nlocal, 1, MPI_INT64_T, counts, 1, MPI_INT64_T, c->comm));
  int64_t total = 0, offset = 0;
  for (int r = 0; r < c->size; r++) {
    if (r == c->rank) offset = total;
    total += counts[r];
  }
  snprintf(dname, sizeof dname, "dist_%s", name);
  snprintf(cname, sizeof cname, "count_%s", name);
  d = create_1d(c, dname, H5T_IEEE_F64LE, total);
  dc = create_1d(c, cname, H5T_STD_I64LE, c->size);
  if (d < 0 || dc < 0) STRATA_FAIL(STRATA_ERR_HDF5, "checkpoint: cannot create '%s' in '%s'", name, c->tmp);
  if (write_slice(d, H5T_NATIVE_DOUBLE, offset, nlocal, a) ||
      (c->rank == 0 && write_slice(dc, H5T_NATIVE_INT64, 0, c->size, counts)))
    STRATA_FAIL(STRATA_ERR_IO, "checkpoint: cannot write '%s' to '%s'", name, c->tmp);
cleanup:
  if (d >= 0) H5Dclose(d);
  if (dc >= 0) H5Dclose(dc);
  free(counts);
  return strata_agree(c->comm, st);
}

int strata_ckpt_commit(strata_ckpt_t **cp) {
  int st = STRATA_OK;
  strata_ckpt_t *c = *cp;
  /* a full disk here is exit 3, not a crash at MPI_Finalize (strata_h5_close_file) */
  st = strata_h5_close_file(&c->file, c->comm, c->path);
  st = strata_agree(c->comm, st);
  if (c->rank == 0) {
    if (st == STRATA_OK && rename(c->tmp, c->path) != 0)
      st = strata_err_set(STRATA_ERR_IO, __FILE__, __LINE__, __func__,
                          "checkpoint: cannot rename '%s' to '%s'", c->tmp, c->path);
    if (st != STRATA_OK) unlink(c->tmp);
  }
  st = strata_agree(c->comm, st);
  strata_ckpt_close(cp);
  return st;
}

int strata_ckpt_open(MPI_Comm comm, const char *path, const char *kind, strata_ckpt_t **out) {
  int st = STRATA_OK;
  strata_ckpt_t *c = NULL;
  hid_t fapl = -1;
  *out = NULL;
  STRATA_CHECK(ckpt_alloc(comm, path, &c));
  if (access(path, R_OK) != 0) STRATA_FAIL(STRATA_ERR_IO, "checkpoint: cannot open '%s'", path);
  fapl = mpio_fapl(c->comm);
  c->file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
  if (c->file < 0) STRATA_FAIL(STRATA_ERR_INPUT, "checkpoint: '%s' is not an HDF5 file", path);
  char fmt[64] = "", k[64] = "";
  if (read_str_attr(c->file, "format", fmt, sizeof fmt) || strcmp(fmt, CKPT_FORMAT) != 0)
    STRATA_FAIL(STRATA_ERR_INPUT, "checkpoint: '%s' is not a strata checkpoint", path);
  if (read_str_attr(c->file, "kind", k, sizeof k) || strcmp(k, kind) != 0)
    STRATA_FAIL(STRATA_ERR_INPUT, "checkpoint: '%s' is a '%s' checkpoint, not '%s'", path, k, kind);
  int64_t nranks = -1;
  hid_t attr = H5Aopen(c->file, "nranks", H5P_DEFAULT);
  if (attr < 0 || H5Aread(attr, H5T_NATIVE_INT64, &nranks) < 0) nranks = -1;
  if (attr >= 0) H5Aclose(attr);
  if (nranks != c->size)
    STRATA_FAIL(STRATA_ERR_INPUT, "checkpoint: '%s' was written by %lld ranks; resume with the same number (now %d)",
                path, (long long)nranks, c->size);
cleanup:
  if (fapl >= 0) H5Pclose(fapl);
  st = strata_agree(comm, st);
  if (st) strata_ckpt_close(&c);
  *out = c;
  return st;
}

static int get_rep(strata_ckpt_t *c, const char *name, hid_t memtype, void *a, int64_t n) {
  int st = STRATA_OK;
  char dname[512];
  snprintf(dname, sizeof dname, "rep_%s", name);
  hid_t d = H5Lexists(c->file, dname, H5P_DEFAULT) > 0 ? H5Dopen2(c->file, dname, H5P_DEFAULT) : -1;
  if (d < 0) STRATA_FAIL(STRATA_ERR_INPUT, "checkpoint: '%s' has no '%s'", c->path, name);
  hid_t s = H5Dget_space(d);
  hssize_t len = H5Sget_simple_extent_npoints(s);
  H5Sclose(s);
  if (len != n)
    STRATA_FAIL(STRATA_ERR_INPUT, "checkpoint: '%s' in '%s' has %lld values, expected %lld (different data or options?)",
                name, c->path, (long long)len, (long long)n);
  if (read_slice(d, memtype, 0, n, a)) STRATA_FAIL(STRATA_ERR_IO, "checkpoint: cannot read '%s' from '%s'", name, c->path);
cleanup:
  if (d >= 0) H5Dclose(d);
  return strata_agree(c->comm, st);
}

int strata_ckpt_get_rep(strata_ckpt_t *c, const char *name, double *a, int64_t n) {
  return get_rep(c, name, H5T_NATIVE_DOUBLE, a, n);
}

int strata_ckpt_get_rep_i64(strata_ckpt_t *c, const char *name, int64_t *a, int64_t n) {
  return get_rep(c, name, H5T_NATIVE_INT64, a, n);
}

int strata_ckpt_get_dist(strata_ckpt_t *c, const char *name, double *a, int64_t nlocal) {
  int st = STRATA_OK;
  int64_t *counts = NULL;
  hid_t d = -1, dc = -1;
  char dname[512], cname[512];
  snprintf(dname, sizeof dname, "dist_%s", name);
  snprintf(cname, sizeof cname, "count_%s", name);
  STRATA_MALLOC(counts, c->size);
  if (H5Lexists(c->file, dname, H5P_DEFAULT) <= 0 || H5Lexists(c->file, cname, H5P_DEFAULT) <= 0)
    STRATA_FAIL(STRATA_ERR_INPUT, "checkpoint: '%s' has no '%s'", c->path, name);
  d = H5Dopen2(c->file, dname, H5P_DEFAULT);
  dc = H5Dopen2(c->file, cname, H5P_DEFAULT);
  if (d < 0 || dc < 0 || read_slice(dc, H5T_NATIVE_INT64, 0, c->size, counts))
    STRATA_FAIL(STRATA_ERR_IO, "checkpoint: cannot read '%s' from '%s'", name, c->path);
  int64_t offset = 0;
  for (int r = 0; r < c->rank; r++) offset += counts[r];
  if (counts[c->rank] != nlocal)
    STRATA_FAIL(STRATA_ERR_INPUT, "checkpoint: '%s' in '%s' has %lld values on rank %d, expected %lld",
                name, c->path, (long long)counts[c->rank], c->rank, (long long)nlocal);
  if (read_slice(d, H5T_NATIVE_DOUBLE, offset, nlocal, a))
    STRATA_FAIL(STRATA_ERR_IO, "checkpoint: cannot read '%s' from '%s'", name, c->path);
cleanup:
  if (d >= 0) H5Dclose(d);
  if (dc >= 0) H5Dclose(dc);
  free(counts);
  return strata_agree(c->comm, st);
}

void strata_ckpt_close(strata_ckpt_t **cp) {
  if (!cp || !*cp) return;
  strata_ckpt_t *c = *cp;
  if (c->file >= 0) {
    if (!c->writing) {
      H5Fclose(c->file);
    } else if (strata_h5_close_file(&c->file, c->comm, c->path) != STRATA_OK) {
      /* the error that stopped the write is the one to report */
    }
    /* an unfinished write leaves no file behind */
    if (c->writing) {
      MPI_Barrier(c->comm);
      if (c->rank == 0) unlink(c->tmp);
    }
  }
  if (c->comm != MPI_COMM_NULL) MPI_Comm_free(&c->comm);
  free(c);
  *cp = NULL;
}
