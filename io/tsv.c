/* Streaming TSV/CSV reader over zlib (plain files pass through gzread unchanged): lines of any
 * length, fields split in place, truncated .gz detected.  Not a general CSV parser: no quoted
 * newlines, no type inference (import decides what a cell means). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "io/tsv.h"
#include "strata/error.h"

#define READ_CHUNK (256 * 1024)

struct strata_tsv {
  gzFile gz;
  char *path;
  char delim;
  char *buf;          /* raw bytes read but not yet returned */
  size_t blen, bpos, bcap;
  int eof;
  char *line;         /* the current line, split in place */
  size_t lcap;
  char **fields;
  int64_t fcap;
  int64_t lineno;
};

static int ends_with(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && strcasecmp(s + a - b, suf) == 0;
}

int strata_tsv_open(const char *path, char delim, strata_tsv_t **out) {
  int st = STRATA_OK;
  strata_tsv_t *t = NULL;
  *out = NULL;
  STRATA_CALLOC(t, 1);
  if (!(t->path = strdup(path))) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
  t->delim = delim ? delim : (ends_with(path, ".csv") || ends_with(path, ".csv.gz")) ? ',' : '\t';
  t->gz = gzopen(path, "rb");
  if (!t->gz) STRATA_FAIL(STRATA_ERR_IO, "cannot open '%s': %s", path, errno ? strerror(errno) : "out of memory");
  gzbuffer(t->gz, READ_CHUNK);
  t->bcap = READ_CHUNK;
  STRATA_MALLOC(t->buf, t->bcap);
  *out = t;
  t = NULL;
cleanup:
  strata_tsv_close(&t);
  return st;
}

/* Refill buf from the stream; sets eof at the end. */
static int refill(strata_tsv_t *t) {
  int st = STRATA_OK;
  t->blen = t->bpos = 0;
  int n = gzread(t->gz, t->buf, (unsigned)t->bcap);
  if (n < 0) {
    int err = 0;
    const char *msg = gzerror(t->gz, &err);
    if (err == Z_ERRNO) STRATA_FAIL(STRATA_ERR_IO, "%s: read error after line %lld: %s", t->path, (long long)t->lineno, strerror(errno));
    STRATA_FAIL(STRATA_ERR_INPUT, "%s: truncated or corrupt gzip data after line %lld (%s)", t->path,
                (long long)t->lineno, msg ? msg : "zlib error");
  }
  if (n > 0) {
    /* zlib hands out what it decoded before a premature end and reports the error only on the
     * next call: look now, so a cut line is never parsed as data */
    int err = Z_OK;
    const char *msg = gzerror(t->gz, &err);
    if (err != Z_OK)
      STRATA_FAIL(STRATA_ERR_INPUT, "%s: truncated or corrupt gzip data after line %lld (%s)", t->path,
                  (long long)t->lineno, msg ? msg : "zlib error");
  }
  if (n == 0) t->eof = 1;
  t->blen = (size_t)n;
cleanup:
  return st;
}

/* One raw line (without the newline) into t->line; *got = 0 at end of file. */
static int read_line(strata_tsv_t *t, size_t *len, int *got) {
  int st = STRATA_OK;
  size_t l = 0;
  *got = 0;
  for (;;) {
    if (t->bpos == t->blen) {
      if (t->eof) break;
      STRATA_CHECK(refill(t));
      if (t->eof) break;
    }
    char *start = t->buf + t->bpos;
    char *nl = memchr(start, '\n', t->blen - t->bpos);
    size_t take = nl ? (size_t)(nl - start) : t->blen - t->bpos;
    if (l + take + 1 > t->lcap) {
      size_t cap = t->lcap ? t->lcap : 4096;
      while (cap < l + take + 1) cap *= 2;
      char *p = realloc(t->line, cap);
      if (!p) STRATA_FAIL(STRATA_ERR_MEM, "%s: out of memory for a line of %zu bytes", t->path, l + take);
      t->line = p;
      t->lcap = cap;
    }
    memcpy(t->line + l, start, take);
    l += take;
    *got = 1;
    t->bpos += take + (nl ? 1 : 0);
    if (nl) break;
  }
  if (*got) {
    if (l > 0 && t->line[l - 1] == '\r') l--;
    t->line[l] = '\0';
  }
  *len = l;
cleanup:
  return st;
}

static int add_field(strata_tsv_t *t, int64_t n, char *f) {
  int st = STRATA_OK;
  if (n >= t->fcap) {
    int64_t cap = t->fcap ? 2 * t->fcap : 256;
    char **p = realloc(t->fields, (size_t)cap * sizeof *p);
    if (!p) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
    t->fields = p;
    t->fcap = cap;
  }
  t->fields[n] = f;
cleanup:
  return st;
}

int strata_tsv_next(strata_tsv_t *t, int64_t *nfields, char ***fields) {
  int st = STRATA_OK;
  size_t len = 0;
  int got = 0;
  *nfields = 0;
  for (;;) {
    STRATA_CHECK(read_line(t, &len, &got));
    if (!got) goto cleanup;
    t->lineno++;
    size_t k = 0;
    while (k < len && isspace((unsigned char)t->line[k])) k++;
    if (k < len) break; /* not blank */
  }
  /* a NUL byte would end every C string at it and silently shorten the cell ("1<NUL>2" read
   * as 1): no text table holds one, so it is bad input wherever it is */
  const char *nul = memchr(t->line, '\0', len);
  if (nul) {
    int64_t col = 1;
    for (const char *q = t->line; q < nul; q++) col += *q == t->delim;
    STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: column %lld: NUL byte (byte %lld of the line): not a text table",
                t->path, (long long)t->lineno, (long long)col, (long long)(nul - t->line) + 1);
  }
  int64_t n = 0;
  char *p = t->line, *end = t->line + len;
  for (;;) {
    char *f = p;
    if (t->delim == ',' && *p == '"') {
      /* quoted CSV field: unquote in place, "" -> " */
      char *w = p;
      f = w;
      p++;
      while (p < end) {
        if (*p == '"' && p + 1 < end && p[1] == '"') { *w++ = '"'; p += 2; }
        else if (*p == '"') { p++; break; }
        else *w++ = *p++;
      }
      char *after = p;
      while (p < end && *p != t->delim) p++;
      if (p > after) STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: text after a closing quote", t->path, (long long)t->lineno);
      *w = '\0';
    } else {
      while (p < end && *p != t->delim) p++;
    }
    int last = p >= end;
    *p = '\0';
    STRATA_CHECK(add_field(t, n++, f));
    if (last) break;
    p++;
  }
  *nfields = n;
  *fields = t->fields;
cleanup:
  return st;
}

int64_t strata_tsv_line(const strata_tsv_t *t) { return t->lineno; }
const char *strata_tsv_path(const strata_tsv_t *t) { return t->path; }

void strata_tsv_close(strata_tsv_t **tp) {
  if (!tp || !*tp) return;
  strata_tsv_t *t = *tp;
  *tp = NULL;
  if (t->gz) gzclose(t->gz);
  free(t->path);
  free(t->buf);
  free(t->line);
  free(t->fields);
  free(t);
}

int strata_parse_value(const char *s, double *out) {
  while (isspace((unsigned char)*s)) s++;
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1])) n--;
  if (n == 0 || (n == 2 && strncasecmp(s, "NA", 2) == 0) || (n == 3 && strncasecmp(s, "NaN", 3) == 0) ||
      (n == 3 && strncasecmp(s, "N/A", 3) == 0) || (n == 4 && strncasecmp(s, "null", 4) == 0)) {
    *out = NAN;
    return STRATA_CELL_MISSING;
  }
  char *end = NULL;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || (size_t)(end - s) != n) return STRATA_CELL_BAD;
  *out = v;
  /* strtod's own NaN spellings ("-nan", "nan(0x1)") are missing values like NaN; infinities
   * and overflows (inf, 1e400, -0x1p2000) are not numbers a model can use */
  if (isnan(v)) return STRATA_CELL_MISSING;
  if (isinf(v)) return STRATA_CELL_NONFINITE;
  return STRATA_CELL_NUMBER;
}

int strata_parse_cell(const char *s, double *out) {
  double v = NAN;
  int k = strata_parse_value(s, &v);
  if (k == STRATA_CELL_BAD || k == STRATA_CELL_NONFINITE) return 0;
  *out = v;
  return 1;
}
