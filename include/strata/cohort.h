/* The cohort: samples (tumor regions) with patient ids and covariates, and views (omics layers),
 * stored as a MuData .h5mu file (../shared/FORMATS.md).  Reading metadata, reading a view as a
 * distributed matrix with collective hyperslab I/O, and writing a cohort in parallel.
 * Implemented in io/; nothing numeric here. */
#ifndef STRATA_COHORT_H
#define STRATA_COHORT_H
#include <mpi.h>
#include <stdint.h>
#include "strata/dmat.h"
#include "strata/error.h"
#include "strata/grid.h"
#include "strata/partition.h"

/* A dataframe column, decoded to strings (categoricals resolved, numbers printed %.17g,
 * missing = NULL) plus its numeric value where it is numeric (NaN otherwise). */
typedef struct strata_column {
  char *name;
  int is_numeric;   /* stored as int/float (1) or as strings/categorical (0) */
  char **str;       /* [n] may contain NULL for missing */
  double *num;      /* [n] or NULL when !is_numeric */
} strata_column_t;

typedef struct strata_view {
  char *name;
  int64_t nvar;         /* features */
  char **var_names;     /* [nvar] */
  int64_t nrows;        /* rows of the view's X (samples that have the view) */
  uint32_t *obsmap;     /* [cohort nobs] 1-based row of each global sample in X, 0 = absent */
  int dtype_bytes;      /* bytes per stored value: 4 (float32) or 8 (float64); 0 = no X */
  int is_integer;       /* X stored as integers (e.g. counts from anndata), read as double */
  int is_sparse;        /* X stored as CSR (read densified, row blocks) */
  char *likelihood;     /* "gaussian" | "bernoulli" | NULL (unknown; uns/strata/likelihood) */
} strata_view_t;

typedef struct strata_cohort {
  char *path;
  int64_t nobs;               /* global samples */
  char **obs_names;           /* [nobs] sample ids */
  int32_t *patient;           /* [nobs] patient index, 0..npatients-1 in order of first appearance */
  int64_t npatients;
  char **patient_names;       /* [npatients] */
  char *patient_column;       /* name of the obs column used as patient id */
  int ncols;                  /* other obs columns (covariates) */
  strata_column_t *cols;      /* [ncols] */
  int nviews;
  strata_view_t *views;       /* [nviews] in mod-order */
} strata_cohort_t;

/* Collective over comm.  Open a .h5mu (or .h5ad: one view named after the file, or "X") and read
 * all metadata (ids, obsmap, columns) on every rank.  The patient id column is `patient_column`
 * if given, else the first of "patient", "patient_id", "patientID", "Patient_ID", "case_id";
 * with none found, STRATA_ERR_INPUT naming the file (unless allow_no_patient, then each sample is
 * its own patient).  Errors (not HDF5, not a cohort, inconsistent obsmap...) are STRATA_ERR_INPUT
 * with a message naming the file and dataset; the status is agreed on all ranks. */
STRATA_NODISCARD int strata_cohort_open(MPI_Comm comm, const char *path,
                                        const char *patient_column, int allow_no_patient,
                                        strata_cohort_t **out);
/* NULL-safe; sets *c to NULL.  Not collective. */
void strata_cohort_close(strata_cohort_t **c);
/* Index of the view called name, or -1. */
int strata_cohort_find_view(const strata_cohort_t *c, const char *name);

/* Collective over grid->comm.  Read view v into a new distributed matrix with global shape
 * nobs x nvar: rows follow `rows` (a partition of all nobs samples over grid->nprow parts),
 * columns the block split over grid->npcol.  Each rank reads only its block, in slabs of rows
 * (a sixteenth of its share, 4-32 MiB) so that memory stays near the block size: a contiguous
 * float32/float64 X (what strata and anndata write) is read with independent MPI-IO reads at
 * the dataset's file offset, double-buffered against the transposition into the column-major
 * block; chunked/compressed/integer X with collective H5Dread hyperslab unions (environment
 * STRATA_IO_HDF5_READ=1 forces this path, for comparison); CSR X with independent reads of
 * bounded row slabs, densified.  Samples absent from the view get NaN rows and present = 0.
 * Values are converted to double.  The caller destroys *out. */
STRATA_NODISCARD int strata_cohort_read_view(const strata_cohort_t *c, int v,
                                             const strata_grid_t *grid,
                                             const strata_partition_t *rows,
                                             strata_dmat_t **out);

/* Per-view summary computed from the data (strata check / strata info). */
typedef struct strata_view_stats {
  int64_t present;          /* samples that have the view (obsmap != 0) */
  int64_t entries;          /* present * nvar */
  int64_t missing;          /* NaN entries among present samples */
  int64_t nonfinite;        /* +-Inf entries */
  int64_t constant;         /* features whose observed values are all equal (>= 1 observed) */
  int64_t empty_features;   /* features with no observed value */
  int64_t empty_samples;    /* present samples with no observed value */
  double min, max;          /* over finite observed values (NaN if none) */
  /* this rank's first +-Inf entry (global sample, feature) or -1: lets the caller report it
   * from the rank that saw it */
  int64_t local_inf_row, local_inf_col;
  int64_t first_constant;   /* index of the first constant feature, -1 if none */
} strata_view_stats_t;

/* Collective over grid->comm.  Read view v with strata_cohort_read_view (each rank its block,
 * rows partitioned by patient) and summarise it.  Every field but local_inf_* is the same on
 * all ranks.  Memory: one block of the view per rank. */
STRATA_NODISCARD int strata_cohort_view_stats(const strata_cohort_t *c, int v, const strata_grid_t *grid,
                                              strata_view_stats_t *out);

/* Collective over m->grid->comm.  m holds view vi of c as read by strata_cohort_read_view.
 * STRATA_ERR_INPUT on every rank when any present entry is +-Inf (a cohort written by another
 * tool; strata import refuses them), with one message naming the file, the view, the count and
 * the first such entry (smallest sample index, then feature) by sample and feature id; NaN is
 * missing and allowed.  One pass over the local block and three scalar reductions. */
STRATA_NODISCARD int strata_cohort_check_finite(const strata_cohort_t *c, int vi, const strata_dmat_t *m);
/* Collective: strata_cohort_read_view followed by strata_cohort_check_finite, for the methods
 * (pca, svd, factor, nmf); on failure *out is NULL.  strata check and info read with
 * strata_cohort_view_stats instead, which counts such entries rather than refusing them. */
STRATA_NODISCARD int strata_cohort_read_view_finite(const strata_cohort_t *c, int vi, const strata_grid_t *grid,
                                                    const strata_partition_t *rows, strata_dmat_t **out);

/* ---- writing (import, simulate, results) ------------------------------------------------ */
typedef struct strata_cohort_writer strata_cohort_writer_t;

/* Collective.  Start writing a cohort to a temporary name next to `path` (renamed on commit).
 * obs: nobs sample ids, patient ids (written as obs column `patient`), and ncols extra columns
 * (numeric -> float64, strings -> vlen UTF-8, NULL written as "").  Only rank 0's strings and
 * columns are used (other ranks may pass NULL/0); nobs must agree.  The structure and strings
 * are written by rank 0 with the default driver (parallel HDF5 cannot write vlen data), X by all
 * ranks through MPI-IO.  Written with the MuData userblock and the attributes anndata/mudata
 * expect; each view's X is one contiguous row-major dataset (not chunked, not compressed:
 * parallel HDF5 1.10 reads row slabs of a chunked X an order of magnitude slower). */
STRATA_NODISCARD int strata_cohort_writer_create(MPI_Comm comm, const char *path, int64_t nobs,
                                                 char *const *obs_names,
                                                 char *const *patient_ids, int ncols,
                                                 const strata_column_t *cols,
                                                 strata_cohort_writer_t **out);
/* Collective.  Declare view `name`: nrows rows (the samples with obsmap != 0, in obsmap order),
 * nvar features with ids, stored as float32 (dtype_bytes 4) or float64 (8), or no X at all
 * (dtype_bytes 0: a results view with obs/var only); likelihood may be NULL (stored as
 * mod/<name>/uns/strata_likelihood).  obsmap is needed on every rank, var_names on rank 0 only.
 * Views may be added after blocks of earlier views were written.  Returns the view's index. */
STRATA_NODISCARD int strata_cohort_writer_add_view(strata_cohort_writer_t *w, const char *name,
                                                   const uint32_t *obsmap, int64_t nvar,
                                                   char *const *var_names, int dtype_bytes,
                                                   const char *likelihood, int *view_index);
/* Collective (every rank calls it the same number of times; a rank with nothing to write passes
 * nrows = 0 or ncols = 0).  Write a row-major nrows x ncols block at (row0, col0) of the view's X
 * (rows are view rows, i.e. obsmap-1). */
STRATA_NODISCARD int strata_cohort_writer_write_block(strata_cohort_writer_t *w, int view,
                                                      int64_t row0, int64_t nrows, int64_t col0,
                                                      int64_t ncols, const double *block);
/* Collective (it opens the MPI-IO handle if needed).  The open HDF5 file id of the writer, to add
 * extra groups (e.g. simulation truth under uns/strata_truth).  Collective rules of parallel
 * HDF5 apply, and parallel HDF5 1.10 cannot write variable-length strings: write numbers here,
 * strings through rank 0 with strata/h5util.h after commit.  The id stays owned by the writer
 * and is invalidated by the next add_view or commit. */
int64_t strata_cohort_writer_file(strata_cohort_writer_t *w);
/* Collective.  Run fn(file, arg) on rank 0 with the file open through the default driver (the
 * other ranks wait) and agree on its status: for structure, strings and small arrays that rank 0
 * holds (e.g. simulation truth under uns/strata_truth).  file is an hid_t passed as int64_t,
 * valid during the call only.  Prefer this to strata_cohort_writer_file for anything but data:
 * parallel HDF5 1.10 cannot write variable-length strings, and its collective metadata flush
 * hangs when one rank's write fails (a full disk), while rank 0's writes fail cleanly. */
STRATA_NODISCARD int strata_cohort_writer_rank0(strata_cohort_writer_t *w, int (*fn)(int64_t file, void *arg),
                                                void *arg);
/* Collective.  Close and rename to the final path.  *w is NULLed. */
STRATA_NODISCARD int strata_cohort_writer_commit(strata_cohort_writer_t **w);
/* Collective.  Close and delete the temporary file (after an error).  NULL-safe. */
void strata_cohort_writer_abort(strata_cohort_writer_t **w);

#endif
