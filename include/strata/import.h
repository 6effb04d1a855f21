/* Import per-view text matrices and a samples table into a cohort .h5mu (`strata import`).
 * Implemented in io/import.c on top of the cohort writer (strata/cohort.h). */
#ifndef STRATA_IMPORT_H
#define STRATA_IMPORT_H
#include <mpi.h>
#include <stdint.h>
#include "strata/error.h"

typedef struct strata_import_view {
  const char *name;        /* view (modality) name */
  const char *path;        /* TSV/CSV, optionally .gz */
  int by_column;           /* 1: samples are columns, features rows; 0: samples are rows */
  int log1p;               /* store log2(x + 1) (counts); values must be >= 0 */
  const char *likelihood;  /* "gaussian" (default when NULL) or "bernoulli" (values 0/1) */
} strata_import_view_t;

typedef struct strata_import_opts {
  const char *out;             /* the cohort to write (temporary name, renamed at the end) */
  const char *samples;         /* samples table: sample id, patient id, covariates */
  const char *sample_column;   /* its sample id column (NULL: the first column) */
  const char *patient_column;  /* its patient column (NULL: patient, patient_id, patientID,
                                  Patient_ID or case_id) */
  int nviews;
  const strata_import_view_t *views;
  int dtype_bytes;             /* 8 (float64, default: exact) or 4 (float32) */
  int64_t block_bytes;         /* memory for one block of values (0: 16 MiB) */
  int nonfinite_missing;       /* 0 (default): a value that is not a finite number (inf,
                                  infinity, 1e400, or beyond float with dtype_bytes 4) is bad
                                  input; 1: it is read as missing (NaN) */
} strata_import_opts_t;

typedef struct strata_import_summary {
  int64_t nobs, npatients;
  int64_t rows[64], vars[64];  /* per view (the first 64) */
} strata_import_summary_t;

/* Collective over comm.  Rank 0 reads every file twice (first pass: ids, shape and validation of
 * every cell; second pass: values streamed in blocks of rows, or of features for by_column
 * files), all ranks take part in the collective writes.  Memory is bounded by one block plus
 * the ids, never by the file size.  Samples are matched across views by id; every view sample
 * must be in the samples table.  Bad input (ragged row, non-numeric cell, a non-finite value
 * unless opts->nonfinite_missing, a NUL byte, duplicate sample id,
 * a view sample missing from the samples table, empty file, truncated .gz, a view with no
 * features, no patient column, a value outside the view's likelihood or transform) is
 * STRATA_ERR_INPUT with "file:line: ..." (and the column for a value) on every rank, and no
 * output file is left behind.  Empty cells, NA, NaN, N/A and null are missing values (NaN).
 * summary (may be NULL) is filled on every rank. */
STRATA_NODISCARD int strata_import(MPI_Comm comm, const strata_import_opts_t *opts,
                                   strata_import_summary_t *summary);
#endif
