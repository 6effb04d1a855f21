/* The outputs of `strata ith`: the three result tables as TSV (PREFIX.region.tsv,
 * PREFIX.pair.tsv, PREFIX.patient.tsv) and as the HDF5 group /ith of anndata dataframes, written
 * all or nothing, with the header naming every convention.  The tables are computed by
 * strata/ith.h; the inputs (mutation table, segments, factor scores for latent-space ITH) are
 * read by strata/mutations.h.  Implemented in io/ith_results.c; nothing numeric. */
#ifndef STRATA_ITH_RESULTS_H
#define STRATA_ITH_RESULTS_H
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include "strata/error.h"
#include "strata/ith.h"
#include "strata/mutation_table.h"

/* Not collective.  The '#' header lines that open every ITH output (and the conventions
 * attribute of the HDF5 group): input and format, rows dropped by the reader (from t), the
 * duplicated-row count, and every convention and option of o by name, plus the latent file
 * when given.  input: the table or cohort path; format: "meskit", "gdc", "pyclone", "conipher"
 * or "cohort uns/strata/mutations"; latent may be NULL.  *out is a new string (two lines, each
 * ended by '\n') the caller frees.  STRATA_ERR_MEM or STRATA_OK. */
STRATA_NODISCARD int strata_ith_conventions(const strata_ith_opts_t *o,
                                            const strata_mut_table_t *t, const char *input,
                                            const char *format, int64_t duplicated_rows,
                                            const char *latent, char **out);

/* Collective over comm; rank 0 writes, from tables gathered to it (strata_ith_tables_gather).
 * With prefix: PREFIX.region.tsv, PREFIX.pair.tsv and PREFIX.patient.tsv, each the conventions
 * lines, a header (label columns then tb's column names) and one row per table row, numbers as
 * %.10g and NA for NaN.  Without prefix and with out != NULL: the patient table on out (stdout).
 * With h5path: an HDF5 file (plain, no userblock) holding the group /ith (encoding "dict") with
 * the attribute "conventions" and the dataframes region, pair and patient.
 * All or nothing: every file is written under a temporary name next to it
 * ("<path>.tmp.<pid>") and the files are renamed only after all of them were written and closed;
 * on any failure every temporary file is removed and no output path is created (if a rename
 * itself fails, the outputs already renamed are removed too, so no partial set is left).
 * The HDF5 file is built in memory (an HDF5 file image) and written like the TSV files, so a
 * full disk is a plain write error whichever file it hits.
 * Cost on rank 0: one pass over the tables per file; extra memory the size of the HDF5 file.
 * Returns STRATA_OK or STRATA_ERR_IO (naming the file: cannot write, close or rename, e.g. a
 * full disk), STRATA_ERR_HDF5, STRATA_ERR_MEM; agreed on every rank. */
STRATA_NODISCARD int strata_ith_results_write(MPI_Comm comm, const strata_ith_tables_t *tb,
                                              const char *conventions, const char *prefix,
                                              const char *h5path, FILE *out);

#endif
