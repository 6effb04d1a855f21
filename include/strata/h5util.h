/* Small HDF5 helpers for files in the anndata/mudata conventions (../shared/FORMATS.md):
 * results files written by rank 0 alone (temporary name, rename on success, optional MuData
 * userblock), 1D/2D numeric datasets, vlen UTF-8 string arrays, string attributes, and groups
 * carrying `encoding-type`/`encoding-version`.  Used by every results writer (PCA, MOFA2 model,
 * NMF, ITH) and by the cohort writer.  Nothing numeric, nothing distributed: these helpers write
 * what the calling process holds (small results are gathered to rank 0 first; data-sized arrays
 * are written collectively by the cohort writer, not here).
 *
 * All functions are NOT collective and return a strata status (STRATA_ERR_HDF5 naming the object
 * on an HDF5 failure, STRATA_ERR_IO for file system errors).  `loc` is a file or group id.
 * Vlen strings cannot be written through the MPI-IO driver in HDF5 1.10, which is one reason the
 * results files are written by rank 0 with the default (sec2) driver. */
#ifndef STRATA_H5UTIL_H
#define STRATA_H5UTIL_H
#include <hdf5.h>
#include <mpi.h>
#include <stdint.h>
#include "strata/error.h"

/* ---- a results file written by one process ------------------------------------------------ */
typedef struct strata_h5out strata_h5out_t;

/* Not collective (call on rank 0 only).  Create `path` at a temporary name next to it
 * ("<path>.tmp.<pid>", strata_tmpname) with the default driver.  mudata_userblock = 1 reserves
 * a 512-byte userblock and writes the MuData header text there on commit
 * ("MuData (format-version=0.1.0;creator=strata;creator-version=<version>)"), as .h5mu readers
 * expect; 0 gives a plain HDF5 file (MOFA2 model, checkpoint-style results).  Sets *out. */
STRATA_NODISCARD int strata_h5out_create(const char *path, int mudata_userblock,
                                         strata_h5out_t **out);
/* The open HDF5 file id (root group) to write into.  Owned by the strata_h5out_t. */
hid_t strata_h5out_file(const strata_h5out_t *o);
/* Close the file, write the userblock header if asked, and rename to the final path.
 * On failure the temporary file is removed.  *o is set to NULL either way. */
STRATA_NODISCARD int strata_h5out_commit(strata_h5out_t **o);
/* Close and delete the temporary file (after an error).  NULL-safe; sets *o to NULL. */
void strata_h5out_abort(strata_h5out_t **o);

/* Close a file this process (comm == MPI_COMM_NULL) or all ranks of comm (an MPI-IO file;
 * collective) wrote, so that a full disk is an error and not a crash: HDF5 1.10 crashes at
 * MPI_Finalize after an H5Fclose that failed, so the file is flushed first and, when that
 * fails, emptied (it is a temporary the caller deletes) and flushed again before H5Fclose.
 * Returns STRATA_ERR_IO "cannot write 'name': No space left on device" (name: the file the
 * user asked for) on failure; *file is set to H5I_INVALID_HID either way.  NULL-safe. */
STRATA_NODISCARD int strata_h5_close_file(hid_t *file, MPI_Comm comm, const char *name);
/* A file-access property list with H5F_CLOSE_STRONG (closing the file closes every object an
 * error path left open).  The caller closes it with H5Pclose; H5I_INVALID_HID on failure. */
hid_t strata_h5_fapl(void);

/* Write the 512-byte MuData userblock header into an already closed HDF5 file created with a
 * 512-byte userblock (H5Pset_userblock).  Used by strata_h5out_commit and the cohort writer. */
STRATA_NODISCARD int strata_h5_write_mudata_header(const char *path);

/* Object-creation property lists (dataset, group) that do not record modification times, so a
 * file written twice from the same inputs has the same bytes.  Owned by this module; do not
 * close.  Not collective. */
hid_t strata_h5_dcpl(void);
hid_t strata_h5_gcpl(void);

/* ---- groups and attributes ------------------------------------------------------------------ */
/* Create group `name` under loc; when encoding_type is not NULL also set the attributes
 * encoding-type and encoding-version (e.g. "dict","0.1.0"; "anndata","0.1.0").  The caller
 * closes *out with H5Gclose. */
STRATA_NODISCARD int strata_h5_group(hid_t loc, const char *name, const char *encoding_type,
                                     const char *encoding_version, hid_t *out);
/* Create an anndata dataframe group `name` (encoding-type "dataframe", version 0.2.0) of n rows:
 * writes the index as string-array dataset `_index` (attr _index = "_index") and the attribute
 * column-order (ncols names; 0 gives an empty array).  The caller then writes each column with
 * strata_h5_write_strings / strata_h5_write_double / strata_h5_write_int64 under *out and closes
 * it with H5Gclose. */
STRATA_NODISCARD int strata_h5_dataframe(hid_t loc, const char *name, int64_t n,
                                         char *const *index, int ncols,
                                         char *const *column_order, hid_t *out);
/* Scalar variable-length UTF-8 string attribute on an object (file, group or dataset);
 * replaces an existing attribute of the same name. */
STRATA_NODISCARD int strata_h5_attr_string(hid_t obj, const char *name, const char *value);
/* 1D vlen UTF-8 string array attribute (n may be 0); NULL entries are written as "". */
STRATA_NODISCARD int strata_h5_attr_strings(hid_t obj, const char *name, int64_t n,
                                            char *const *values);
/* Scalar int64 / double / bool attributes (bool is written as numpy does: an int8 enum
 * FALSE/TRUE, which h5py reads back as numpy.bool_). */
STRATA_NODISCARD int strata_h5_attr_int64(hid_t obj, const char *name, int64_t value);
STRATA_NODISCARD int strata_h5_attr_double(hid_t obj, const char *name, double value);
STRATA_NODISCARD int strata_h5_attr_bool(hid_t obj, const char *name, int value);
/* 1 if obj has an attribute called name, 0 if not. */
int strata_h5_has_attr(hid_t obj, const char *name);
/* Read a string attribute (vlen or fixed length, scalar or 1-element array) into a new string
 * the caller frees; *value = NULL when absent (returns STRATA_OK).  Other types: STRATA_ERR_INPUT. */
STRATA_NODISCARD int strata_h5_read_attr_string(hid_t obj, const char *name, char **value);

/* ---- datasets -------------------------------------------------------------------------------- */
/* Write a nrows x ncols double matrix as dataset `name` with anndata attrs encoding-type
 * "array", version 0.2.0, stored as float64 (dtype_bytes 8) or float32 (4).  The buffer is
 * row-major (C order, as h5py and anndata store it) when colmajor = 0, or column-major
 * (Fortran, lda = nrows, e.g. a gathered dmat) when colmajor = 1: the file is row-major either
 * way, so R/MOFA2 readers see the usual transpose.  Small results only (the buffer is converted
 * in one piece). */
STRATA_NODISCARD int strata_h5_write_matrix(hid_t loc, const char *name, int64_t nrows,
                                            int64_t ncols, const double *data, int colmajor,
                                            int dtype_bytes);
/* A scalar number as anndata stores one in uns (encoding-type "numeric-scalar", 0.2.0): int64
 * when is_int, else float64. */
STRATA_NODISCARD int strata_h5_write_scalar(hid_t loc, const char *name, double value, int is_int);
/* 1D uint32 dataset with encoding-type "array" (obsmap/varmap). */
STRATA_NODISCARD int strata_h5_write_u32(hid_t loc, const char *name, int64_t n, const uint32_t *data);
/* Create empty "dict" groups (0.1.0) for each name of a NULL-terminated list. */
STRATA_NODISCARD int strata_h5_dicts(hid_t loc, const char *const *names);
/* 1D datasets with encoding-type "array" (0.2.0): float64, int64. */
STRATA_NODISCARD int strata_h5_write_double(hid_t loc, const char *name, int64_t n,
                                            const double *data);
STRATA_NODISCARD int strata_h5_write_int64(hid_t loc, const char *name, int64_t n,
                                           const int64_t *data);
/* 1D vlen UTF-8 string dataset with encoding-type "string-array" (0.2.0); NULL entries are
 * written as "". */
STRATA_NODISCARD int strata_h5_write_strings(hid_t loc, const char *name, int64_t n,
                                             char *const *values);
/* Scalar vlen UTF-8 string dataset with encoding-type "string" (0.2.0), as anndata stores a
 * string in uns. */
STRATA_NODISCARD int strata_h5_write_string(hid_t loc, const char *name, const char *value);
/* Read a scalar (or 1-element) string dataset into a new string the caller frees;
 * *value = NULL when the dataset does not exist. */
STRATA_NODISCARD int strata_h5_read_string(hid_t loc, const char *name, char **value);

#endif
