/* A streaming reader of delimited text tables (TSV/CSV, optionally gzip-compressed): one line
 * at a time split into fields, with the line number for messages and detection of truncated
 * gzip streams.  Internal to io/ (import, and any other table reader). */
#ifndef STRATA_IO_TSV_H
#define STRATA_IO_TSV_H
#include <stdint.h>

typedef struct strata_tsv strata_tsv_t;

/* Open path (plain or .gz, detected from the content).  delim 0 picks ',' for names ending in
 * .csv or .csv.gz and tab otherwise.  Not collective.  Errors: STRATA_ERR_IO naming the file. */
int strata_tsv_open(const char *path, char delim, strata_tsv_t **out);
/* Read the next non-blank line.  On success *nfields >= 1 and (*fields)[0..nfields) point into
 * an internal buffer valid until the next call; at end of file *nfields = 0.  CSV fields in
 * double quotes are unquoted ("" is a quote); a trailing CR is dropped.  A truncated or corrupt
 * gzip stream is STRATA_ERR_INPUT "path: truncated or corrupt gzip data after line N"; a NUL
 * byte in a line is STRATA_ERR_INPUT "path:N: column C: NUL byte ...". */
int strata_tsv_next(strata_tsv_t *t, int64_t *nfields, char ***fields);
/* 1-based number of the line last returned. */
int64_t strata_tsv_line(const strata_tsv_t *t);
const char *strata_tsv_path(const strata_tsv_t *t);
/* NULL-safe; sets *t to NULL. */
void strata_tsv_close(strata_tsv_t **t);

/* What a cell holds (strata_parse_value). */
enum {
  STRATA_CELL_BAD = 0,       /* not a number */
  STRATA_CELL_NUMBER = 1,    /* a finite number */
  STRATA_CELL_MISSING = 2,   /* "", NA, NaN, N/A, null (any case), or a NaN strtod spells */
  STRATA_CELL_NONFINITE = 3  /* inf, infinity or a value beyond the double range (1e400) */
};
/* Parse a numeric cell (surrounding spaces allowed; the whole cell must be the number).  Sets
 * *out to the value (NaN when missing, +-Inf when non-finite) and returns the kind. */
int strata_parse_value(const char *s, double *out);
/* Parse a numeric cell: missing cells (as strata_parse_value) give NaN and return 1, a finite
 * number returns 1; a cell that is not a number, or is infinite or overflows, returns 0. */
int strata_parse_cell(const char *s, double *out);
#endif
