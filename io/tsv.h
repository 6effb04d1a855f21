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
 * gzip stream is STRATA_ERR_INPUT "path: truncated or corrupt gzip data after line N". */
int strata_tsv_next(strata_tsv_t *t, int64_t *nfields, char ***fields);
/* 1-based number of the line last returned. */
int64_t strata_tsv_line(const strata_tsv_t *t);
const char *strata_tsv_path(const strata_tsv_t *t);
/* NULL-safe; sets *t to NULL. */
void strata_tsv_close(strata_tsv_t **t);

/* Parse a numeric cell: "", "NA", "NaN", "nan", "N/A", "null" (any case) are missing (NaN);
 * otherwise the whole cell must be a number (strtod; surrounding spaces allowed).  Returns 1 on
 * success, 0 if the cell is not a number. */
int strata_parse_cell(const char *s, double *out);
#endif
