/* `strata import`: per-view TSV/CSV matrices (optionally .gz) and a samples table -> cohort
 * .h5mu.  Rank 0 reads (a validating first pass for ids and shapes, a second pass streaming
 * values in bounded blocks), every rank takes part in the collective writes.  Not for MAF or
 * other long-format tables, and no numerics beyond the optional log2(x+1). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/strmap.h"
#include "io/tsv.h"
#include "strata/cohort.h"
#include "strata/import.h"
#include "strata/util.h"

#define BAD(...) STRATA_FAIL(STRATA_ERR_INPUT, __VA_ARGS__)

typedef struct samples {
  int64_t n;
  char **ids, **patients;  /* [n] */
  int ncols;
  strata_column_t *cols;   /* covariates */
  int64_t *lineno;         /* [n] line of each sample in the table */
  strata_strmap_t map;
} samples_t;

typedef struct vmeta {
  int64_t nrows, nvar;
  uint32_t *obsmap;  /* [nobs] */
  char **var_names;  /* [nvar], rank 0 */
} vmeta_t;

static void free_strings(char **s, int64_t n) {
  if (!s) return;
  for (int64_t i = 0; i < n; i++) free(s[i]);
  free(s);
}

static void samples_free(samples_t *s) {
  free_strings(s->ids, s->n);
  free_strings(s->patients, s->n);
  for (int j = 0; j < s->ncols; j++) {
    free(s->cols[j].name);
    free_strings(s->cols[j].str, s->n);
    free(s->cols[j].num);
  }
  free(s->cols);
  free(s->lineno);
  strata_strmap_free(&s->map);
  memset(s, 0, sizeof *s);
}

static char *xstrdup(const char *s) { return strdup(s ? s : ""); }

/* Append a string to a growing array. */
static int push(char ***arr, int64_t *n, int64_t *cap, const char *s) {
  int st = STRATA_OK;
  if (*n == *cap) {
    int64_t c = *cap ? 2 * *cap : 64;
    char **p = realloc(*arr, (size_t)c * sizeof *p);
    if (!p) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
    *arr = p;
    *cap = c;
  }
  if (!((*arr)[*n] = xstrdup(s))) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
  (*n)++;
cleanup:
  return st;
}

/* Rank 0: the samples table, whole (it is metadata: one row per sample). */
static int read_samples(const strata_import_opts_t *o, samples_t *s) {
  int st = STRATA_OK;
  strata_tsv_t *t = NULL;
  char **hdr = NULL, ***rows = NULL, **f = NULL;
  int64_t nh = 0, nf = 0, nrows = 0, hcap = 0;
  int sc = 0, pc = -1;
  STRATA_CHECK(strata_tsv_open(o->samples, 0, &t));
  STRATA_CHECK(strata_tsv_next(t, &nf, &f));
  if (nf == 0) BAD("%s: empty file (expected a header: sample id, patient id, covariates)", o->samples);
  for (int64_t j = 0; j < nf; j++) STRATA_CHECK(push(&hdr, &nh, &hcap, f[j]));
  if (o->sample_column) {
    sc = -1;
    for (int64_t j = 0; j < nh; j++)
      if (strcmp(hdr[j], o->sample_column) == 0) sc = (int)j;
    if (sc < 0) BAD("%s:1: no column '%s' (--sample-column)", o->samples, o->sample_column);
  }
  static const char *cands[] = {"patient", "patient_id", "patientID", "Patient_ID", "case_id", NULL};
  for (int k = 0; pc < 0 && (o->patient_column ? k == 0 : cands[k] != NULL); k++)
    for (int64_t j = 0; j < nh && pc < 0; j++)
      if (j != sc && strcmp(hdr[j], o->patient_column ? o->patient_column : cands[k]) == 0) pc = (int)j;
  if (pc < 0) {
    if (o->patient_column) BAD("%s:1: no column '%s' (--patient-column)", o->samples, o->patient_column);
    BAD("%s:1: no patient column (looked for patient, patient_id, patientID, Patient_ID, case_id; use --patient-column)", o->samples);
  }
  /* covariate names become dataset names under obs/ (HDF5 takes no empty name, '.', '/' or twice the same) */
  for (int64_t j = 0; j < nh; j++)
    for (int64_t k = 0; j != sc && j != pc && k <= j; k++)
      if (k == j ? !hdr[j][0] || strchr(hdr[j], '/') || !strcmp(hdr[j], ".") : k != sc && k != pc && !strcmp(hdr[k], hdr[j]))
        BAD("%s:1: column %lld: covariate name '%s' %s", o->samples, (long long)j + 1, hdr[j],
            k == j ? "is not a valid name (empty, '.' or containing '/')" : "appears twice");
  int64_t rcap = 0;
  for (;;) {
    STRATA_CHECK(strata_tsv_next(t, &nf, &f));
    if (nf == 0) break;
    if (nf != nh) BAD("%s:%lld: ragged row: %lld fields, expected %lld", o->samples, (long long)strata_tsv_line(t), (long long)nf, (long long)nh);
    if (nrows == rcap) {
      rcap = rcap ? 2 * rcap : 64;
      char ***p = realloc(rows, (size_t)rcap * sizeof *p);
      int64_t *l = realloc(s->lineno, (size_t)rcap * sizeof *l);
      if (p) rows = p;
      if (l) s->lineno = l;
      if (!p || !l) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
    }
    STRATA_CALLOC(rows[nrows], nh);
    for (int64_t j = 0; j < nh; j++)
      if (!(rows[nrows][j] = xstrdup(f[j]))) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
    s->lineno[nrows] = strata_tsv_line(t);
    nrows++;
  }
  if (nrows == 0) BAD("%s: no samples (only a header)", o->samples);
  s->n = nrows;
  STRATA_CALLOC(s->ids, nrows);
  STRATA_CALLOC(s->patients, nrows);
  for (int64_t i = 0; i < nrows; i++) {
    s->ids[i] = rows[i][sc];
    rows[i][sc] = NULL;
    if (!s->ids[i][0]) BAD("%s:%lld: empty sample id", o->samples, (long long)s->lineno[i]);
    s->patients[i] = rows[i][pc];
    rows[i][pc] = NULL;
    if (!s->patients[i][0] || strcmp(s->patients[i], "NA") == 0)
      BAD("%s:%lld: sample '%s' has no patient id (column '%s')", o->samples, (long long)s->lineno[i], s->ids[i], hdr[pc]);
  }
  int64_t dup = -1;
  STRATA_CHECK(strata_strmap_build(s->n, s->ids, &s->map, &dup));
  if (dup >= 0)
    BAD("%s:%lld: duplicate sample id '%s' (first at line %lld)", o->samples, (long long)s->lineno[dup], s->ids[dup],
        (long long)s->lineno[strata_strmap_find(&s->map, s->ids[dup])]);
  /* covariates: numeric when every non-missing cell is a number, else strings */
  STRATA_CALLOC(s->cols, nh);
  for (int64_t j = 0; j < nh; j++) {
    if (j == sc || j == pc) continue;
    strata_column_t *c = &s->cols[s->ncols++];
    if (!(c->name = xstrdup(hdr[j]))) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
    c->is_numeric = 1;
    STRATA_MALLOC(c->num, nrows);
    int64_t inf_row = -1;
    for (int64_t i = 0; i < nrows && c->is_numeric; i++) {
      int kind = strata_parse_value(rows[i][j], &c->num[i]);
      c->is_numeric = kind != STRATA_CELL_BAD;
      if (kind == STRATA_CELL_NONFINITE) {
        if (inf_row < 0) inf_row = i;
        c->num[i] = NAN;
      }
    }
    /* a numeric column with inf or 1e400 in it: the same rule as the views */
    if (c->is_numeric && inf_row >= 0 && !o->nonfinite_missing)
      BAD("%s:%lld: column %lld ('%s'): value '%s' is not a finite number (sample '%s'); "
          "--nonfinite missing reads such values as missing", o->samples, (long long)s->lineno[inf_row],
          (long long)j + 1, hdr[j], rows[inf_row][j], s->ids[inf_row]);
    STRATA_CALLOC(c->str, nrows);
    if (!c->is_numeric) {
      free(c->num);
      c->num = NULL;
      for (int64_t i = 0; i < nrows; i++) {
        double x;
        /* a missing cell of a string column is written as "" */
        c->str[i] = (strata_parse_cell(rows[i][j], &x) && isnan(x)) ? xstrdup("") : rows[i][j];
        if (c->str[i] == rows[i][j]) rows[i][j] = NULL;
        if (!c->str[i]) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
      }
    }
  }
cleanup:
  for (int64_t i = 0; i < nrows; i++) free_strings(rows[i], nh);
  free(rows);
  free_strings(hdr, nh);
  strata_tsv_close(&t);
  return st;
}

/* Check a parsed value against the view's likelihood and transform. */
static int check_value(const strata_import_view_t *v, const char *path, int64_t line, const char *feat,
                       const char *cell, double x) {
  int st = STRATA_OK;
  if (isnan(x)) return STRATA_OK;
  if (v->likelihood && strcmp(v->likelihood, "bernoulli") == 0 && x != 0.0 && x != 1.0)
    BAD("%s:%lld: feature '%s': value '%s' in a bernoulli view (want 0, 1 or NA)", path, (long long)line, feat, cell);
  if (v->log1p && !(x >= 0.0))
    BAD("%s:%lld: feature '%s': value '%s' is negative (log1p wants counts >= 0)", path, (long long)line, feat, cell);
cleanup:
  return st;
}

static double transform(const strata_import_view_t *v, double x) {
  return v->log1p && !isnan(x) ? log2(x + 1.0) : x;
}

/* One cell of a view: its kind (strata_parse_value) and the value to store in *x.  A value that
 * is infinite, overflows double (1e400) or, with --float32, float is STRATA_CELL_NONFINITE, or
 * missing (NaN) when the user asked for that (--nonfinite missing). */
static int view_cell(const strata_import_opts_t *o, const strata_import_view_t *v, const char *cell, double *x) {
  int kind = strata_parse_value(cell, x);
  if (kind == STRATA_CELL_NUMBER && o->dtype_bytes == 4 && fabs(transform(v, *x)) > FLT_MAX) kind = STRATA_CELL_NONFINITE;
  if (kind == STRATA_CELL_NONFINITE && o->nonfinite_missing) {
    *x = NAN;
    kind = STRATA_CELL_MISSING;
  }
  return kind;
}

/* The message for a STRATA_CELL_NONFINITE cell at (line, column). */
static int bad_nonfinite(const strata_import_opts_t *o, const char *path, int64_t line, int64_t col,
                         const char *cell, const char *sample, const char *feat) {
  double x = 0;
  strata_parse_value(cell, &x);
  return strata_err_set(STRATA_ERR_INPUT, __FILE__, __LINE__, __func__,
                        "%s:%lld: column %lld: value '%s' is not a finite number%s (sample '%s', feature '%s'); "
                        "--nonfinite missing reads such values as missing",
                        path, (long long)line, (long long)col, cell,
                        isfinite(x) && o->dtype_bytes == 4 ? " in float32 (--float32)" : "", sample, feat);
}

/* Look up a view sample in the samples table and mark it (duplicates are errors). */
static int take_sample(const samples_t *s, const char *path, int64_t line, const char *id, int64_t *seen_line,
                       vmeta_t *m) {
  int st = STRATA_OK;
  int64_t g = strata_strmap_find(&s->map, id);
  if (!id[0]) BAD("%s:%lld: empty sample id", path, (long long)line);
  if (g < 0) BAD("%s:%lld: sample '%s' is not in the samples table", path, (long long)line, id);
  if (m->obsmap[g]) BAD("%s:%lld: duplicate sample id '%s' (first at line %lld)", path, (long long)line, id, (long long)seen_line[g]);
  seen_line[g] = line;
  m->obsmap[g] = (uint32_t)++m->nrows;
cleanup:
  return st;
}

/* Rank 0, first pass over a view: ids, shape, every cell validated. */
static int scan_view(const strata_import_opts_t *o, const strata_import_view_t *v, const samples_t *s, vmeta_t *m) {
  int st = STRATA_OK;
  strata_tsv_t *t = NULL;
  char **f = NULL;
  char **hids = NULL; /* by_column: the sample ids of the header */
  int64_t nf = 0, nh = 0, vcap = 0, *seen = NULL, nhid = 0, hcap = 0;
  STRATA_CALLOC(m->obsmap, s->n);
  STRATA_CALLOC(seen, s->n);
  STRATA_CHECK(strata_tsv_open(v->path, 0, &t));
  STRATA_CHECK(strata_tsv_next(t, &nf, &f));
  if (nf == 0) BAD("%s: empty file (view '%s')", v->path, v->name);
  nh = nf;
  if (!v->by_column) {
    if (nh < 2) BAD("%s:1: view '%s' has no features (the header has only the sample id column)", v->path, v->name);
    for (int64_t j = 1; j < nh; j++) STRATA_CHECK(push(&m->var_names, &m->nvar, &vcap, f[j]));
    for (;;) {
      STRATA_CHECK(strata_tsv_next(t, &nf, &f));
      if (nf == 0) break;
      int64_t line = strata_tsv_line(t);
      if (nf != nh) BAD("%s:%lld: ragged row: %lld fields, expected %lld", v->path, (long long)line, (long long)nf, (long long)nh);
      STRATA_CHECK(take_sample(s, v->path, line, f[0], seen, m));
      for (int64_t j = 1; j < nf; j++) {
        double x;
        int kind = view_cell(o, v, f[j], &x);
        if (kind == STRATA_CELL_BAD)
          BAD("%s:%lld: non-numeric value '%s' (sample '%s', feature '%s')", v->path, (long long)line, f[j], f[0], m->var_names[j - 1]);
        if (kind == STRATA_CELL_NONFINITE)
          STRATA_CHECK(bad_nonfinite(o, v->path, line, j + 1, f[j], f[0], m->var_names[j - 1]));
        STRATA_CHECK(check_value(v, v->path, line, m->var_names[j - 1], f[j], x));
      }
    }
    if (m->nrows == 0) BAD("%s: view '%s' has no samples (only a header)", v->path, v->name);
  } else {
    if (nh < 2) BAD("%s:1: view '%s' has no samples (the header has only the feature id column)", v->path, v->name);
    for (int64_t j = 1; j < nh; j++) {
      STRATA_CHECK(take_sample(s, v->path, 1, f[j], seen, m));
      STRATA_CHECK(push(&hids, &nhid, &hcap, f[j]));
    }
    for (;;) {
      STRATA_CHECK(strata_tsv_next(t, &nf, &f));
      if (nf == 0) break;
      int64_t line = strata_tsv_line(t);
      if (nf != nh) BAD("%s:%lld: ragged row: %lld fields, expected %lld", v->path, (long long)line, (long long)nf, (long long)nh);
      STRATA_CHECK(push(&m->var_names, &m->nvar, &vcap, f[0]));
      for (int64_t j = 1; j < nf; j++) {
        double x;
        int kind = view_cell(o, v, f[j], &x);
        if (kind == STRATA_CELL_BAD)
          BAD("%s:%lld: non-numeric value '%s' (feature '%s', sample '%s')", v->path, (long long)line, f[j], f[0], hids[j - 1]);
        if (kind == STRATA_CELL_NONFINITE)
          STRATA_CHECK(bad_nonfinite(o, v->path, line, j + 1, f[j], hids[j - 1], f[0]));
        STRATA_CHECK(check_value(v, v->path, line, f[0], f[j], x));
      }
    }
    if (m->nvar == 0) BAD("%s: view '%s' has no features (only a header)", v->path, v->name);
  }
cleanup:
  free_strings(hids, nhid);
  free(seen);
  strata_tsv_close(&t);
  return st;
}

/* Rank 0: read the next `want` data lines of t into row-major out (want x width values). */
static int read_lines(const strata_import_opts_t *o, strata_tsv_t *t, const strata_import_view_t *v, int64_t want,
                      int64_t width, double *out) {
  int st = STRATA_OK;
  char **f = NULL;
  int64_t nf = 0;
  for (int64_t i = 0; i < want; i++) {
    STRATA_CHECK(strata_tsv_next(t, &nf, &f));
    int64_t line = strata_tsv_line(t);
    /* the first pass validated the file: a difference now means it changed under us */
    if (nf != width + 1) BAD("%s:%lld: the file changed during import (%lld fields, expected %lld)", v->path,
                             (long long)line, (long long)nf, (long long)(width + 1));
    for (int64_t j = 0; j < width; j++) {
      double x;
      int kind = view_cell(o, v, f[j + 1], &x);
      if (kind == STRATA_CELL_BAD || kind == STRATA_CELL_NONFINITE)
        BAD("%s:%lld: the file changed during import (value '%s')", v->path, (long long)line, f[j + 1]);
      out[i * width + j] = transform(v, x);
    }
  }
cleanup:
  return st;
}

/* Collective: the second pass of one view, streamed in blocks.  Rank 0 reads, everyone writes. */
static int stream_view(MPI_Comm comm, int rank, const strata_import_opts_t *o, const strata_import_view_t *v,
                       const vmeta_t *m, int64_t block_bytes, strata_cohort_writer_t *w, int vi) {
  int st = STRATA_OK;
  strata_tsv_t *t = NULL;
  double *lines = NULL, *blk = NULL;
  char **f = NULL;
  int64_t nf = 0;
  int64_t width = v->by_column ? m->nrows : m->nvar;   /* values per line */
  int64_t total = v->by_column ? m->nvar : m->nrows;   /* data lines */
  int64_t per = block_bytes / (8 * (width > 0 ? width : 1));
  if (per < 1) per = 1;
  if (per > total) per = total;
  int64_t nblocks = (total + per - 1) / per;
  if (rank == 0) {
    STRATA_MALLOC(lines, per * width);
    if (v->by_column) STRATA_MALLOC(blk, per * width);
    STRATA_CHECK(strata_tsv_open(v->path, 0, &t));
    STRATA_CHECK(strata_tsv_next(t, &nf, &f)); /* header */
  }
cleanup:
  /* rank 0's read status is agreed before every collective write so no rank waits forever */
  st = strata_agree(comm, st);
  for (int64_t b = 0; b < nblocks && st == STRATA_OK; b++) {
    int64_t l0 = b * per, nl = l0 + per > total ? total - l0 : per;
    if (rank == 0) st = read_lines(o, t, v, nl, width, lines);
    st = strata_agree(comm, st);
    if (st) break;
    if (!v->by_column) {
      st = strata_cohort_writer_write_block(w, vi, l0, rank == 0 ? nl : 0, 0, m->nvar, lines);
    } else {
      /* nl feature lines of nrows values -> an nrows x nl block of columns l0.. */
      if (rank == 0)
        for (int64_t r = 0; r < m->nrows; r++)
          for (int64_t j = 0; j < nl; j++) blk[r * nl + j] = lines[j * width + r];
      st = strata_cohort_writer_write_block(w, vi, 0, rank == 0 ? m->nrows : 0, l0, nl, blk);
    }
  }
  free(lines);
  free(blk);
  strata_tsv_close(&t);
  return st;
}

/* Rank 0: the samples table and the first pass over every view. */
static int scan_all(MPI_Comm comm, const strata_import_opts_t *o, samples_t *s, vmeta_t *vm) {
  int st = STRATA_OK;
  for (int k = 0; k < o->nviews; k++)
    for (int q = 0; q < k; q++)
      if (strcmp(o->views[k].name, o->views[q].name) == 0) BAD("view '%s' given twice", o->views[k].name);
  STRATA_CHECK(read_samples(o, s));
  for (int k = 0; k < o->nviews; k++) {
    strata_log(comm, 2, "import: scanning view '%s' (%s)", o->views[k].name, o->views[k].path);
    STRATA_CHECK(scan_view(o, &o->views[k], s, &vm[k]));
  }
cleanup:
  return st;
}

/* Collective: the shapes and obsmaps found by rank 0, to every rank (the writer's collective
 * calls need them; the strings stay on rank 0, the only rank that writes them). */
static int share_meta(MPI_Comm comm, int rank, const strata_import_opts_t *o, int64_t *nobs, vmeta_t *vm) {
  int st = STRATA_OK;
  STRATA_MPI_CHECK(MPI_Bcast(nobs, 1, MPI_INT64_T, 0, comm));
  if (*nobs > INT32_MAX) STRATA_FAIL(STRATA_ERR_INPUT, "import: more than 2^31 samples");
  for (int k = 0; k < o->nviews; k++) {
    int64_t shp[2] = {vm[k].nrows, vm[k].nvar};
    STRATA_MPI_CHECK(MPI_Bcast(shp, 2, MPI_INT64_T, 0, comm));
    vm[k].nrows = shp[0];
    vm[k].nvar = shp[1];
    if (rank != 0) STRATA_CALLOC(vm[k].obsmap, *nobs);
    STRATA_MPI_CHECK(MPI_Bcast(vm[k].obsmap, (int)*nobs, MPI_UINT32_T, 0, comm));
  }
cleanup:
  return st;
}

/* Collective: create the cohort, add and stream every view, commit (abort on any failure). */
static int write_all(MPI_Comm comm, int rank, const strata_import_opts_t *o, int64_t nobs, const samples_t *s,
                     const vmeta_t *vm) {
  int st = STRATA_OK;
  strata_cohort_writer_t *w = NULL;
  int64_t block = o->block_bytes > 0 ? o->block_bytes : (int64_t)16 << 20;
  int dtype = o->dtype_bytes ? o->dtype_bytes : 8;
  st = strata_cohort_writer_create(comm, o->out, nobs, s->ids, s->patients, s->ncols, s->cols, &w);
  for (int k = 0; k < o->nviews && st == STRATA_OK; k++) {
    const strata_import_view_t *v = &o->views[k];
    int vi = -1;
    strata_log(comm, 2, "import: writing view '%s' (%lld x %lld)", v->name, (long long)vm[k].nrows, (long long)vm[k].nvar);
    st = strata_cohort_writer_add_view(w, v->name, vm[k].obsmap, vm[k].nvar, vm[k].var_names, dtype,
                                       v->likelihood ? v->likelihood : "gaussian", &vi);
    if (st == STRATA_OK) st = stream_view(comm, rank, o, v, &vm[k], block, w, vi);
  }
  if (st == STRATA_OK) st = strata_cohort_writer_commit(&w);
  else strata_cohort_writer_abort(&w);
  return st;
}

int strata_import(MPI_Comm comm, const strata_import_opts_t *o, strata_import_summary_t *sum) {
  int st = STRATA_OK, rank = 0;
  samples_t s;
  vmeta_t *vm = NULL;
  int64_t nobs = 0;
  memset(&s, 0, sizeof s);
  MPI_Comm_rank(comm, &rank);
  vm = calloc((size_t)(o->nviews ? o->nviews : 1), sizeof *vm);
  if (!vm) st = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
  if (st == STRATA_OK && rank == 0) st = scan_all(comm, o, &s, vm);
  nobs = s.n;
  st = strata_agree(comm, st);
  if (st == STRATA_OK) st = strata_agree(comm, share_meta(comm, rank, o, &nobs, vm));
  if (st == STRATA_OK) st = write_all(comm, rank, o, nobs, &s, vm);
  if (st == STRATA_OK && sum) {
    memset(sum, 0, sizeof *sum);
    sum->nobs = nobs;
    if (rank == 0) {
      strata_strmap_t pm;
      int64_t dup;
      if (strata_strmap_build(s.n, s.patients, &pm, &dup) == STRATA_OK)
        for (int64_t i = 0; i < s.n; i++) sum->npatients += strata_strmap_find(&pm, s.patients[i]) == i;
      strata_strmap_free(&pm);
    }
    MPI_Bcast(&sum->npatients, 1, MPI_INT64_T, 0, comm);
    for (int k = 0; k < o->nviews && k < 64; k++) {
      sum->rows[k] = vm[k].nrows;
      sum->vars[k] = vm[k].nvar;
    }
  }
  for (int k = 0; vm && k < o->nviews; k++) {
    free(vm[k].obsmap);
    free_strings(vm[k].var_names, vm[k].var_names ? vm[k].nvar : 0);
  }
  free(vm);
  samples_free(&s);
  return st;
}
