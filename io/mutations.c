/* Readers for multi-region mutation tables (MesKit MAF + clinical + CCF, GDC MAF, PyClone-VI
 * output, CONIPHER input) and copy-number segments, distributed by patient.  A plain-text table is
 * cut into one byte range per rank (at line starts); gzip cannot be split, so rank 0 reads it.
 * Pass A learns the samples (first appearance) and rows per patient (the balancing cost); pass B
 * parses and validates the range and sends each row to the rank owning its patient (Alltoallv in
 * bounded rounds), so a rank holds only its patients' rows.  The CCF file goes the same way.
 * Nothing numeric beyond MesKit's input conventions (VAF==0/chrM drop, percent VAF, CCF cap). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "strata/mutations.h"
#include "strata/partition.h"

/* ---- a growing-line gzip reader -------------------------------------------------------- */
struct range; /* a rank's byte range of a plain file (range_t, below) */
typedef struct {
  gzFile gz;
  const char *path;
  char *buf;
  size_t cap;
  int64_t lineno;
  int64_t pos, end; /* byte position and the end of this reader's range (-1: end of file) */
  const struct range *rg; /* the range being read (line numbers in messages), NULL: whole file */
} lreader_t;

static int64_t abs_line(const char *path, const struct range *rg, int64_t rel);

static int lr_open(lreader_t *r, const char *path) {
  int st = STRATA_OK;
  memset(r, 0, sizeof *r);
  r->path = path;
  r->gz = gzopen(path, "rb");
  if (!r->gz) STRATA_FAIL(STRATA_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
  gzbuffer(r->gz, 1 << 18);
  r->cap = 1 << 12;
  r->end = -1;
  STRATA_MALLOC(r->buf, r->cap);
cleanup:
  return st;
}

/* Open a plain file positioned at byte `begin`, reading lines that start before `end`;
 * line numbers continue from lineno0. */
static int lr_open_range(lreader_t *r, const char *path, int64_t begin, int64_t end,
                         int64_t lineno0) {
  int st = STRATA_OK;
  STRATA_CHECK(lr_open(r, path));
  if (begin > 0 && gzseek(r->gz, (z_off_t)begin, SEEK_SET) < 0)
    STRATA_FAIL(STRATA_ERR_IO, "%s: cannot seek to byte %lld", path, (long long)begin);
  r->pos = begin;
  r->end = end;
  r->lineno = lineno0;
cleanup:
  return st;
}

static void lr_close(lreader_t *r) {
  if (r->gz) gzclose(r->gz);
  free(r->buf);
  r->gz = NULL;
  r->buf = NULL;
}

/* A NUL byte inside a line: gzgets stops at a newline only, so the bytes it consumed (gztell,
 * the uncompressed position) outnumber the string it left.  A text cell cannot hold a NUL, and
 * reading on would silently cut the cell ("1<NUL>2" read as 1): bad input, naming the column
 * (1 + the tabs before the NUL). */
static int lr_nul(lreader_t *r, size_t nul_at) {
  int col = 1;
  for (size_t i = 0; i < nul_at; i++) col += r->buf[i] == '\t';
  int64_t line = r->rg ? abs_line(r->path, r->rg, r->lineno + 1) : r->lineno + 1;
  return strata_err_set(STRATA_ERR_INPUT, __FILE__, __LINE__, __func__,
                        "%s:%lld: NUL byte in column %d", r->path, (long long)line, col);
}

/* Next line without its newline (and '\r'): 1, 0 at end of file, or a negative status. */
static int lr_next(lreader_t *r, char **line) {
  size_t len = 0;
  if (r->end >= 0 && r->pos >= r->end) return 0;
  for (;;) {
    z_off_t before = gztell(r->gz);
    if (!gzgets(r->gz, r->buf + len, (int)(r->cap - len))) {
      int err = 0;
      gzerror(r->gz, &err);
      if (err != Z_OK && err != Z_STREAM_END) {
        strata_err_set(STRATA_ERR_IO, __FILE__, __LINE__, __func__,
                       "%s: read error after line %lld", r->path, (long long)r->lineno);
        return -1;
      }
      if (len == 0) return 0;
      break;
    }
    size_t got = strlen(r->buf + len);
    z_off_t after = gztell(r->gz);
    if (before >= 0 && after >= 0 && (int64_t)(after - before) != (int64_t)got) {
      lr_nul(r, len + got);
      return -1;
    }
    len += got;
    if (len > 0 && r->buf[len - 1] == '\n') break;
    if (len + 1 < r->cap) continue; /* end of file without a newline: next gzgets returns NULL */
    char *nb = realloc(r->buf, r->cap * 2);
    if (!nb) {
      strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory reading %s",
                     r->path);
      return -1;
    }
    r->buf = nb;
    r->cap *= 2;
  }
  r->pos += (int64_t)len;
  while (len > 0 && (r->buf[len - 1] == '\n' || r->buf[len - 1] == '\r')) r->buf[--len] = '\0';
  r->lineno++;
  *line = r->buf;
  return 1;
}

/* Split a line on tabs in place; returns the field count (at most maxf are stored). */
static int split_tabs(char *s, char **f, int maxf) {
  int n = 0;
  for (;;) {
    if (n < maxf) f[n] = s;
    n++;
    char *t = strchr(s, '\t');
    if (!t) break;
    *t = '\0';
    s = t + 1;
  }
  return n;
}

/* R's fread strips surrounding blanks of character fields (sample names with trailing blanks). */
static char *trim(char *s) {
  while (*s == ' ') s++;
  size_t n = strlen(s);
  while (n > 0 && s[n - 1] == ' ') s[--n] = '\0';
  return s;
}

/* A missing text field (Tumor_ID): empty, NA, NaN, nan or ".". */
static int is_na(const char *s) {
  return !*s || !strcmp(s, "NA") || !strcmp(s, "NaN") || !strcmp(s, "nan") || !strcmp(s, ".");
}

/* A missing number: empty, NA (R's missing value) or ".".  "NaN", "nan" and "inf" are not
 * missing values but numbers that are not finite, which no column of these tables can hold. */
static int is_na_num(const char *s) { return !*s || !strcmp(s, "NA") || !strcmp(s, "."); }

/* Parse a double: missing (is_na_num) -> NaN (ok); anything else must be a whole finite number
 * (NaN, +-Inf, overflow and trailing text are errors: 0). */
static int parse_num(const char *s, double *out) {
  if (is_na_num(s)) {
    *out = NAN;
    return 1;
  }
  char *end = NULL;
  errno = 0;
  double v = strtod(s, &end);
  while (end && *end == ' ') end++;
  if (end == s || *end || errno || !isfinite(v)) return 0;
  *out = v;
  return 1;
}

/* The message for a cell parse_num refused: "path:line: WHAT 'cell' is not a number (column N)",
 * or "is not a finite number" when the cell is NaN or infinite.  col0 is 0-based.  Returns
 * STRATA_ERR_INPUT. */
static int bad_number(const char *path, int64_t line, const char *what, int col0,
                      const char *cell) {
  char *end = NULL;
  double v = strtod(cell, &end);
  while (end && *end == ' ') end++;
  int nonfinite = end != cell && !*end && !isfinite(v);
  return strata_err_set(STRATA_ERR_INPUT, __FILE__, __LINE__, __func__,
                        "%s:%lld: %s '%s' is not a %snumber (column %d)", path, (long long)line,
                        what, cell, nonfinite ? "finite " : "", col0 + 1);
}

/* ---- string interning (open addressing, FNV-1a) ---------------------------------------- */
typedef struct {
  char **str;
  int64_t n, cap; /* strings */
  int64_t *slot;  /* [hcap] index+1, 0 = empty */
  int64_t hcap;
} intern_t;

static uint64_t fnv(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static void intern_free(intern_t *t) {
  if (t->str)
    for (int64_t i = 0; i < t->n; i++) free(t->str[i]);
  free(t->str);
  free(t->slot);
  memset(t, 0, sizeof *t);
}

static int intern_grow(intern_t *t) {
  int st = STRATA_OK;
  int64_t nh = t->hcap ? t->hcap * 2 : 1024;
  int64_t *ns = NULL;
  STRATA_CALLOC(ns, nh);
  for (int64_t i = 0; i < t->n; i++) {
    uint64_t h = fnv(t->str[i]) & (uint64_t)(nh - 1);
    while (ns[h]) h = (h + 1) & (uint64_t)(nh - 1);
    ns[h] = i + 1;
  }
  free(t->slot);
  t->slot = ns;
  t->hcap = nh;
cleanup:
  return st;
}

/* Index of s, or -1 when absent and !add. */
static int intern_find(const intern_t *t, const char *s) {
  if (!t->hcap) return -1;
  uint64_t h = fnv(s) & (uint64_t)(t->hcap - 1);
  while (t->slot[h]) {
    if (!strcmp(t->str[t->slot[h] - 1], s)) return (int)(t->slot[h] - 1);
    h = (h + 1) & (uint64_t)(t->hcap - 1);
  }
  return -1;
}

static int intern_add(intern_t *t, const char *s, int32_t *idx) {
  int st = STRATA_OK;
  int f = intern_find(t, s);
  if (f >= 0) {
    *idx = f;
    return STRATA_OK;
  }
  if (t->n >= INT32_MAX) STRATA_FAIL(STRATA_ERR_INPUT, "more than 2^31 distinct strings");
  if ((t->n + 1) * 2 > t->hcap) STRATA_CHECK(intern_grow(t));
  if (t->n == t->cap) {
    int64_t nc = t->cap ? t->cap * 2 : 64;
    char **ns = realloc(t->str, (size_t)nc * sizeof *ns);
    if (!ns) STRATA_FAIL(STRATA_ERR_MEM, "out of memory interning strings");
    t->str = ns;
    t->cap = nc;
  }
  t->str[t->n] = strdup(s);
  if (!t->str[t->n]) STRATA_FAIL(STRATA_ERR_MEM, "out of memory interning strings");
  uint64_t h = fnv(s) & (uint64_t)(t->hcap - 1);
  while (t->slot[h]) h = (h + 1) & (uint64_t)(t->hcap - 1);
  t->slot[h] = t->n + 1;
  *idx = (int32_t)t->n++;
cleanup:
  return st;
}

/* ---- header handling ------------------------------------------------------------------- */
#define MAXF 512

/* Read up to the header line (skipping '#' comments); fields in f, count in *nf. */
static int read_header(lreader_t *r, char **f, int *nf) {
  int st = STRATA_OK;
  char *line = NULL;
  for (;;) {
    int rc = lr_next(r, &line);
    if (rc < 0) return strata_err_code();
    if (rc == 0) STRATA_FAIL(STRATA_ERR_INPUT, "%s: empty file (no header line)", r->path);
    if (line[0] == '#' || line[0] == '\0') continue;
    break;
  }
  *nf = split_tabs(line, f, MAXF);
  if (*nf > MAXF)
    STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: more than %d columns", r->path, (long long)r->lineno,
                MAXF);
  for (int i = 0; i < *nf; i++) f[i] = trim(f[i]);
cleanup:
  return st;
}

/* Column index of the first of the '|'-separated names found (case-sensitive), or -1. */
static int col_of(char **f, int nf, const char *names) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", names);
  for (char *save = NULL, *nm = strtok_r(buf, "|", &save); nm; nm = strtok_r(NULL, "|", &save))
    for (int i = 0; i < nf; i++)
      if (!strcmp(f[i], nm)) return i;
  return -1;
}

#define NEED(var, f, nf, names, path)                                                       \
  do {                                                                                      \
    (var) = col_of((f), (nf), (names));                                                     \
    if ((var) < 0) STRATA_FAIL(STRATA_ERR_INPUT, "%s: missing column %s", (path), (names)); \
  } while (0)

/* ---- sample table ---------------------------------------------------------------------- */
typedef struct {
  intern_t names; /* sample names */
  char **patient; /* [names.n] */
  char **tumor;   /* [names.n] may be NULL */
} sampletab_t;

static void sampletab_free(sampletab_t *s) {
  for (int64_t i = 0; i < s->names.n; i++) {
    free(s->patient[i]);
    free(s->tumor[i]);
  }
  free(s->patient);
  free(s->tumor);
  intern_free(&s->names);
}

static int read_sampletab(const char *path, sampletab_t *s) {
  int st = STRATA_OK;
  lreader_t r = {0};
  char *f[MAXF], *hf[MAXF];
  int nf = 0, cs, cp, ct;
  int64_t cap = 0;
  memset(s, 0, sizeof *s);
  STRATA_CHECK(lr_open(&r, path));
  STRATA_CHECK(read_header(&r, hf, &nf));
  NEED(cs, hf, nf, "Tumor_Sample_Barcode|sample_id|sample|SAMPLE", path);
  NEED(cp, hf, nf, "Patient_ID|patient|patient_id|case_id|CASE_ID", path);
  ct = col_of(hf, nf, "Tumor_ID|tumor|tumor_id");
  int nhead = nf;
  char *line = NULL;
  int rc;
  while ((rc = lr_next(&r, &line)) > 0) {
    if (line[0] == '#' || line[0] == '\0') continue;
    int n = split_tabs(line, f, MAXF);
    if (n != nhead)
      STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: %d fields, header has %d", path, (long long)r.lineno,
                  n, nhead);
    const char *sn = trim(f[cs]), *pn = trim(f[cp]);
    if (!*sn || !*pn)
      STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: empty sample or patient id", path,
                  (long long)r.lineno);
    int prev = intern_find(&s->names, sn);
    if (prev >= 0) {
      if (strcmp(s->patient[prev], pn))
        STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: sample '%s' listed for patients '%s' and '%s'",
                    path, (long long)r.lineno, sn, s->patient[prev], pn);
      continue;
    }
    int32_t idx;
    STRATA_CHECK(intern_add(&s->names, sn, &idx));
    if (idx >= cap) {
      int64_t nc = cap ? cap * 2 : 64;
      char **np_ = realloc(s->patient, (size_t)nc * sizeof *np_);
      if (!np_) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
      s->patient = np_;
      char **nt = realloc(s->tumor, (size_t)nc * sizeof *nt);
      if (!nt) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
      s->tumor = nt;
      cap = nc;
    }
    s->patient[idx] = strdup(pn);
    s->tumor[idx] = (ct >= 0 && !is_na(trim(f[ct]))) ? strdup(trim(f[ct])) : NULL;
    if (!s->patient[idx]) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
  }
  if (rc < 0) st = strata_err_code();
cleanup:
  lr_close(&r);
  return st;
}

/* ---- the table ------------------------------------------------------------------------- */
void strata_mut_table_destroy(strata_mut_table_t **tp) {
  if (!tp || !*tp) return;
  strata_mut_table_t *t = *tp;
  for (int64_t i = 0; i < t->nsamples; i++) free(t->sample_names[i]);
  for (int64_t i = 0; i < t->npatients; i++) free(t->patient_names[i]);
  for (int64_t i = 0; i < t->ntumors; i++) free(t->tumor_names[i]);
  for (int64_t i = 0; i < t->nstrings; i++) free(t->strings[i]);
  free(t->sample_names);
  free(t->sample_patient);
  free(t->sample_tumor);
  free(t->patient_names);
  free(t->patient_owner);
  free(t->patient_rows);
  free(t->tumor_names);
  free(t->tumor_patient);
  free(t->strings);
  free(t->sample);
  free(t->chrom);
  free(t->pos);
  free(t->ref);
  free(t->alt);
  free(t->nonsyn);
  free(t->snp);
  free(t->ref_depth);
  free(t->alt_depth);
  free(t->vaf);
  free(t->ccf);
  free(t->ccf_std);
  free(t->ccf_ci_high);
  free(t->cluster);
  free(t->line);
  free(t);
  *tp = NULL;
}

/* maftools' default non-synonymous classes (MesKit's readMaf uses the same list). */
static int is_nonsyn_class(const char *c) {
  static const char *ns[] = {"Frame_Shift_Del",   "Frame_Shift_Ins",
                             "Splice_Site",       "Translation_Start_Site",
                             "Nonsense_Mutation", "Nonstop_Mutation",
                             "In_Frame_Del",      "In_Frame_Ins",
                             "Missense_Mutation", NULL};
  for (int i = 0; ns[i]; i++)
    if (!strcmp(c, ns[i])) return 1;
  return 0;
}

/* Column layout of the main table, per format. */
typedef struct {
  int nf;
  int sample, patient, tumor;
  int chrom, pos, ref, alt, mutid;
  int vclass, vtype;
  int refd, altd, vaf;
  int ccf, cluster;
} layout_t;

static int make_layout(const strata_mut_spec_t *sp, char **hf, int nf, int have_samples,
                       layout_t *L) {
  int st = STRATA_OK;
  const char *p = sp->table;
  memset(L, 0xff, sizeof *L); /* all -1 */
  L->nf = nf;
  switch (sp->format) {
    case STRATA_MUT_MESKIT:
    case STRATA_MUT_GDC:
      NEED(L->sample, hf, nf, "Tumor_Sample_Barcode", p);
      NEED(L->chrom, hf, nf, "Chromosome", p);
      NEED(L->pos, hf, nf, "Start_Position", p);
      NEED(L->ref, hf, nf, "Reference_Allele", p);
      NEED(L->alt, hf, nf, "Tumor_Seq_Allele2", p);
      L->vclass = col_of(hf, nf, "Variant_Classification");
      L->vtype = col_of(hf, nf, "Variant_Type");
      if (sp->format == STRATA_MUT_MESKIT) {
        NEED(L->refd, hf, nf, "Ref_allele_depth", p);
        NEED(L->altd, hf, nf, "Alt_allele_depth", p);
        NEED(L->vaf, hf, nf, "VAF", p);
      } else {
        NEED(L->refd, hf, nf, "t_ref_count", p);
        NEED(L->altd, hf, nf, "t_alt_count", p);
      }
      L->patient = col_of(hf, nf, "Patient_ID");
      L->tumor = col_of(hf, nf, "Tumor_ID");
      L->cluster = col_of(hf, nf, "Cluster|cluster_id");
      break;
    case STRATA_MUT_PYCLONE:
      NEED(L->mutid, hf, nf, "mutation_id", p);
      NEED(L->sample, hf, nf, "sample_id", p);
      NEED(L->cluster, hf, nf, "cluster_id", p);
      NEED(L->ccf, hf, nf, "cellular_prevalence", p);
      break;
    case STRATA_MUT_CONIPHER:
      NEED(L->patient, hf, nf, "CASE_ID", p);
      NEED(L->sample, hf, nf, "SAMPLE", p);
      NEED(L->chrom, hf, nf, "CHR", p);
      NEED(L->pos, hf, nf, "POS", p);
      NEED(L->ref, hf, nf, "REF", p);
      NEED(L->alt, hf, nf, "ALT", p);
      NEED(L->refd, hf, nf, "REF_COUNT", p);
      NEED(L->altd, hf, nf, "VAR_COUNT", p);
      L->cluster = col_of(hf, nf, "CLUSTER");
      L->ccf = col_of(hf, nf, "CCF_PHYLO");
      break;
    default:
      STRATA_FAIL(STRATA_ERR_INTERNAL, "unknown mutation format %d", (int)sp->format);
  }
  if (L->patient < 0 && !have_samples)
    STRATA_FAIL(STRATA_ERR_INPUT,
                "%s: no Patient_ID column; give the sample table (--samples/--clin)", p);
cleanup:
  return st;
}

/* Growable local row storage. */
static int rows_reserve(strata_mut_table_t *t, int64_t need, int64_t *cap) {
  int st = STRATA_OK;
  if (need <= *cap) return STRATA_OK;
  int64_t nc = *cap ? *cap : 1024;
  while (nc < need) nc *= 2;
#define GROW(a)                                                                              \
  do {                                                                                       \
    void *np_ = realloc(t->a, (size_t)nc * sizeof *t->a);                                    \
    if (!np_) STRATA_FAIL(STRATA_ERR_MEM, "out of memory storing %lld rows", (long long)nc); \
    t->a = np_;                                                                              \
  } while (0)
  GROW(sample);
  GROW(chrom);
  GROW(pos);
  GROW(ref);
  GROW(alt);
  GROW(nonsyn);
  GROW(snp);
  GROW(ref_depth);
  GROW(alt_depth);
  GROW(vaf);
  GROW(ccf);
  GROW(ccf_std);
  GROW(ccf_ci_high);
  GROW(cluster);
  GROW(line);
#undef GROW
  *cap = nc;
cleanup:
  return st;
}

static int is_chrM(const char *c) {
  if (!strncmp(c, "chr", 3)) c += 3;
  return !strcmp(c, "M") || !strcmp(c, "MT");
}

/* Parse a non-negative integer depth; NA -> -1.  0 on malformed or negative (with *neg). */
static int parse_depth(const char *s, int32_t *out, int *neg) {
  double v;
  *neg = 0;
  if (!parse_num(s, &v)) return 0;
  if (isnan(v)) {
    *out = -1;
    return 1;
  }
  if (v < 0) {
    *neg = 1;
    return 0;
  }
  if (v != floor(v) || v > INT32_MAX) return 0;
  *out = (int32_t)v;
  return 1;
}

/* CCF join key: (sample, chromosome, position) -> first local row with it. */
typedef struct {
  uint64_t *key; /* hashed composite; 0 = empty */
  int64_t *row;
  int64_t cap;
} rowhash_t;

static uint64_t rkey(int32_t sample, int32_t chrom, int64_t pos) {
  uint64_t h = 1469598103934665603ULL;
  h = (h ^ (uint64_t)(uint32_t)sample) * 1099511628211ULL;
  h = (h ^ (uint64_t)(uint32_t)chrom) * 1099511628211ULL;
  h = (h ^ (uint64_t)pos) * 1099511628211ULL;
  return h ? h : 1;
}

static int copy_names(intern_t *in, char ***out, int64_t *n);

/* ---- byte ranges: each rank reads a slice of a plain file ------------------------------- */
typedef struct range {
  int active; /* this rank reads something */
  int whole;  /* gzip: rank 0 streams the whole file (header included) */
  int64_t begin, end, lineno0;
  int64_t ds, hdr_lines; /* first data byte and the lines up to it (plain files) */
} range_t;

static int is_gzip(const char *path, int *gz) {
  int st = STRATA_OK;
  unsigned char m[2] = {0, 0};
  FILE *f = fopen(path, "rb");
  if (!f) STRATA_FAIL(STRATA_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
  *gz = fread(m, 1, 2, f) == 2 && m[0] == 0x1f && m[1] == 0x8b;
  fclose(f);
cleanup:
  return st;
}

/* Newlines in [begin, end) of a plain file. */
static int count_lines(const char *path, int64_t begin, int64_t end, int64_t *n) {
  int st = STRATA_OK;
  char *buf = NULL;
  FILE *f = fopen(path, "rb");
  *n = 0;
  if (!f) STRATA_FAIL(STRATA_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
  STRATA_MALLOC(buf, 1 << 20);
  if (fseeko(f, (off_t)begin, SEEK_SET) != 0)
    STRATA_FAIL(STRATA_ERR_IO, "%s: cannot seek to byte %lld", path, (long long)begin);
  for (int64_t left = end - begin; left > 0;) {
    size_t want = left < (1 << 20) ? (size_t)left : (size_t)(1 << 20);
    size_t got = fread(buf, 1, want, f);
    if (got == 0) break;
    for (char *p = buf, *e = buf + got; (p = memchr(p, '\n', (size_t)(e - p))); p++) (*n)++;
    left -= (int64_t)got;
  }
cleanup:
  if (f) fclose(f);
  free(buf);
  return st;
}

/* Offset of the first byte after `target - 1`'s line end (the start of the line containing or
 * following byte target), for target > 0. */
static int line_boundary(const char *path, int64_t target, int64_t fsize, int64_t *out) {
  int st = STRATA_OK;
  FILE *f = fopen(path, "rb");
  if (!f) STRATA_FAIL(STRATA_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
  if (fseeko(f, (off_t)(target - 1), SEEK_SET) != 0)
    STRATA_FAIL(STRATA_ERR_IO, "%s: cannot seek", path);
  int64_t pos = target - 1;
  int c;
  while ((c = fgetc(f)) != EOF) {
    pos++;
    if (c == '\n') break;
  }
  *out = c == EOF ? fsize : pos;
cleanup:
  if (f) fclose(f);
  return st;
}

/* Collective.  Split the data lines of `path` (after the header) into one contiguous byte range
 * per rank with line numbers; gzip files cannot be split, so rank 0 reads them whole. */
static int make_range(MPI_Comm comm, const char *path, range_t *rg) {
  int st = STRATA_OK, rank, size, gz = 0;
  lreader_t r = {0};
  char *hf[MAXF];
  int nf;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  memset(rg, 0, sizeof *rg);
  st = is_gzip(path, &gz);
  if (!st && gz) {
    rg->whole = 1;
    rg->active = rank == 0;
    goto cleanup;
  }
  int64_t ds = 0, hdr_lines = 0, fsize = 0;
  if (!st) st = lr_open(&r, path);
  if (!st) st = read_header(&r, hf, &nf);
  if (!st) {
    ds = (int64_t)gztell(r.gz);
    hdr_lines = r.lineno;
    FILE *f = fopen(path, "rb");
    if (!f || fseeko(f, 0, SEEK_END) != 0) {
      if (f) fclose(f);
      STRATA_FAIL(STRATA_ERR_IO, "cannot size '%s'", path);
    }
    fsize = (int64_t)ftello(f);
    fclose(f);
    int64_t nominal_b = ds + (fsize - ds) * rank / size,
            nominal_e = ds + (fsize - ds) * (rank + 1) / size;
    rg->begin = rank == 0 ? ds : 0;
    rg->end = rank == size - 1 ? fsize : 0;
    if (rank > 0) st = line_boundary(path, nominal_b, fsize, &rg->begin);
    if (!st && rank < size - 1) st = line_boundary(path, nominal_e, fsize, &rg->end);
    if (!st && rg->end < rg->begin) rg->end = rg->begin;
  }
  STRATA_CHECK(strata_agree(comm, st));
  /* line numbers start relative to the range; range_lines() makes them absolute */
  rg->ds = ds;
  rg->hdr_lines = hdr_lines;
  rg->lineno0 = 0;
  rg->active = rg->end > rg->begin;
cleanup:
  lr_close(&r);
  return st;
}

/* Collective.  After a pass that counted the `n` lines of each rank's range, make the range's
 * line numbers absolute for the next pass. */
static int range_lines(MPI_Comm comm, range_t *rg, int64_t n) {
  int st = STRATA_OK, rank;
  int64_t before = 0;
  MPI_Comm_rank(comm, &rank);
  STRATA_MPI_CHECK(MPI_Exscan(&n, &before, 1, MPI_INT64_T, MPI_SUM, comm));
  if (rank == 0) before = 0;
  if (!rg->whole) rg->lineno0 = rg->hdr_lines + before;
cleanup:
  return st;
}

/* The absolute line number of line `rel` of this rank's range while line numbers are still
 * relative (error messages only: counts the lines before the range). */
static int64_t abs_line(const char *path, const range_t *rg, int64_t rel) {
  int64_t n = 0;
  if (rg->whole || rg->lineno0 > 0) return rel;
  if (count_lines(path, rg->ds, rg->begin, &n) != STRATA_OK) strata_err_clear();
  return rg->hdr_lines + n + rel;
}

/* Open this rank's range of a table; for a gzip file (rank 0) the header is skipped. */
static int range_open(lreader_t *r, const char *path, const range_t *rg) {
  int st = STRATA_OK;
  if (rg->whole) {
    char *hf[MAXF];
    int nf;
    STRATA_CHECK(lr_open(r, path));
    STRATA_CHECK(read_header(r, hf, &nf));
  } else {
    STRATA_CHECK(lr_open_range(r, path, rg->begin, rg->end, rg->lineno0));
  }
  r->rg = rg;
cleanup:
  return st;
}

/* ---- growable byte buffers and the all-to-all exchange --------------------------------- */
typedef struct {
  char *p;
  size_t len, cap;
} bytes_t;

static int bytes_put(bytes_t *b, const void *src, size_t n) {
  if (b->len + n > b->cap) {
    size_t nc = b->cap ? b->cap : 1 << 16;
    while (nc < b->len + n) nc *= 2;
    char *q = realloc(b->p, nc);
    if (!q) return strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
    b->p = q;
    b->cap = nc;
  }
  memcpy(b->p + b->len, src, n);
  b->len += n;
  return STRATA_OK;
}

static int bytes_str(bytes_t *b, const char *s) {
  return bytes_put(b, s, strlen(s) + 1);
}

/* Collective.  Send out[q] to rank q; *in gets everything received, in source-rank order. */
static int exchange(MPI_Comm comm, bytes_t *out, bytes_t *in) {
  int st = STRATA_OK, size;
  int *sc = NULL, *rc = NULL, *sd = NULL, *rd = NULL;
  char *sbuf = NULL;
  MPI_Comm_size(comm, &size);
  STRATA_MALLOC(sc, size);
  STRATA_MALLOC(rc, size);
  STRATA_MALLOC(sd, size);
  STRATA_MALLOC(rd, size);
  size_t tot = 0;
  for (int q = 0; q < size; q++) {
    if (out[q].len > INT32_MAX) STRATA_FAIL(STRATA_ERR_INTERNAL, "exchange chunk over 2 GiB");
    sc[q] = (int)out[q].len;
    sd[q] = (int)tot;
    tot += out[q].len;
  }
  if (tot > INT32_MAX) STRATA_FAIL(STRATA_ERR_INTERNAL, "exchange chunk over 2 GiB");
  STRATA_MALLOC(sbuf, tot);
  for (int q = 0; q < size; q++)
    if (out[q].len) memcpy(sbuf + sd[q], out[q].p, out[q].len);
  STRATA_MPI_CHECK(MPI_Alltoall(sc, 1, MPI_INT, rc, 1, MPI_INT, comm));
  size_t rt = 0;
  for (int q = 0; q < size; q++) {
    rd[q] = (int)rt;
    rt += (size_t)rc[q];
  }
  if (rt > INT32_MAX) STRATA_FAIL(STRATA_ERR_INTERNAL, "exchange chunk over 2 GiB");
  in->len = 0;
  if (rt > in->cap) {
    char *q = realloc(in->p, rt);
    if (!q) STRATA_FAIL(STRATA_ERR_MEM, "out of memory receiving %zu bytes", rt);
    in->p = q;
    in->cap = rt;
  }
  STRATA_MPI_CHECK(MPI_Alltoallv(sbuf, sc, sd, MPI_BYTE, in->p, rc, rd, MPI_BYTE, comm));
  in->len = rt;
  for (int q = 0; q < size; q++) out[q].len = 0;
cleanup:
  free(sc);
  free(rc);
  free(sd);
  free(rd);
  free(sbuf);
  return st;
}

/* Rows per exchange round: bounds the transient send/receive buffers (~100 bytes a row). */
#define CHUNK_ROWS (1 << 18)

/* A row is dropped as "absent": MesKit's VAF == 0 rule (GDC, CONIPHER: alt count 0; PyClone-VI:
 * cellular prevalence 0), and chromosomes M/MT. */
static int row_dropped(const layout_t *L, const strata_mut_spec_t *sp, char **f, int *why) {
  *why = 0;
  if (L->chrom >= 0 && is_chrM(trim(f[L->chrom]))) {
    *why = 2;
    return 1;
  }
  double v;
  if (L->vaf >= 0 && parse_num(trim(f[L->vaf]), &v) && v == 0) {
    *why = 1;
    return 1;
  }
  if (L->vaf < 0 && L->altd >= 0 && parse_num(trim(f[L->altd]), &v) && v == 0) {
    *why = 1;
    return 1;
  }
  /* no VAF and no counts (PyClone-VI output): a cellular prevalence of 0 is "absent here" */
  if (L->vaf < 0 && L->altd < 0 && L->ccf >= 0 && parse_num(trim(f[L->ccf]), &v) && v == 0) {
    *why = 1;
    return 1;
  }
  return 0;
}

/* Pass A over this rank's range: samples (first line, rows, patient, tumor), dropped counts. */
static int scan_samples(const strata_mut_spec_t *sp, const sampletab_t *stab, const layout_t *L,
                        const range_t *rg, strata_mut_table_t *t, bytes_t *out, int64_t *nlines) {
  int st = STRATA_OK;
  lreader_t r = {0};
  intern_t loc = {0};
  int64_t *first = NULL, *cnt = NULL;
  char **pat = NULL, **tum = NULL;
  int64_t cap = 0;
  char *f[MAXF];
  *nlines = 0;
  if (!rg->active) return STRATA_OK;
  STRATA_CHECK(range_open(&r, sp->table, rg));
  char *line = NULL;
  int rc;
  while ((rc = lr_next(&r, &line)) > 0) {
    if (line[0] == '#' || line[0] == '\0') continue;
    int n = split_tabs(line, f, MAXF);
    if (n != L->nf)
      STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: %d fields, header has %d", sp->table,
                  (long long)abs_line(sp->table, rg, r.lineno), n, L->nf);
    int why;
    if (row_dropped(L, sp, f, &why)) {
      if (why == 1)
        t->dropped_vaf0++;
      else
        t->dropped_chrM++;
      continue;
    }
    const char *sn = trim(f[L->sample]);
    if (!*sn)
      STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: empty sample id", sp->table,
                  (long long)abs_line(sp->table, rg, r.lineno));
    int s = intern_find(&loc, sn);
    if (s >= 0) {
      cnt[s]++;
      continue;
    }
    const char *pn = NULL, *tn = NULL;
    int si = sp->samples ? intern_find(&stab->names, sn) : -1;
    if (si >= 0) {
      pn = stab->patient[si];
      tn = stab->tumor[si];
    } else if (sp->samples) {
      STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: unknown sample '%s' (not in %s)", sp->table,
                  (long long)abs_line(sp->table, rg, r.lineno), sn, sp->samples);
    }
    if (!pn && L->patient >= 0) pn = trim(f[L->patient]);
    if (!tn && L->tumor >= 0) tn = trim(f[L->tumor]);
    if (!pn || !*pn)
      STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: no patient for sample '%s'", sp->table,
                  (long long)abs_line(sp->table, rg, r.lineno), sn);
    if (!tn || !*tn) tn = pn; /* one tumour per patient when no Tumor_ID is known */
    int32_t idx;
    STRATA_CHECK(intern_add(&loc, sn, &idx));
    if (idx >= cap) {
      int64_t nc = cap ? 2 * cap : 64;
      int64_t *a = realloc(first, (size_t)nc * sizeof *a),
              *b = a ? realloc(cnt, (size_t)nc * sizeof *b) : NULL;
      if (a) first = a;
      if (b) cnt = b;
      char **c1 = b ? realloc(pat, (size_t)nc * sizeof *c1) : NULL;
      if (c1) pat = c1;
      char **c2 = c1 ? realloc(tum, (size_t)nc * sizeof *c2) : NULL;
      if (c2) tum = c2;
      if (!c2) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
      cap = nc;
    }
    first[idx] = r.pos; /* byte offset: the global order of first appearance */
    cnt[idx] = 1;
    pat[idx] = strdup(pn);
    tum[idx] = strdup(tn);
    if (!pat[idx] || !tum[idx]) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
  }
  if (rc < 0) {
    st = strata_err_code();
    goto cleanup;
  }
  *nlines = r.lineno;
  for (int64_t i = 0; i < loc.n; i++) {
    STRATA_CHECK(bytes_put(out, &first[i], sizeof first[i]));
    STRATA_CHECK(bytes_put(out, &cnt[i], sizeof cnt[i]));
    STRATA_CHECK(bytes_str(out, loc.str[i]));
    STRATA_CHECK(bytes_str(out, pat[i]));
    STRATA_CHECK(bytes_str(out, tum[i]));
  }
cleanup:
  lr_close(&r);
  for (int64_t i = 0; i < loc.n && pat; i++) {
    free(pat[i]);
    free(tum[i]);
  }
  free(pat);
  free(tum);
  free(first);
  free(cnt);
  intern_free(&loc);
  return st;
}

typedef struct {
  int64_t first, rows;
  const char *name, *patient, *tumor;
} samprec_t;

static int cmp_samprec(const void *a, const void *b) {
  const samprec_t *x = a, *y = b;
  return (x->first > y->first) - (x->first < y->first);
}

/* Merge every rank's sample records (same on every rank): global first-appearance order. */
static int merge_samples(const bytes_t *all, strata_mut_table_t *t, intern_t *samples,
                         int64_t **sample_rows) {
  int st = STRATA_OK;
  samprec_t *rec = NULL, *uniq = NULL;
  int64_t n = 0, cap = 0, nu = 0;
  intern_t byname = {0}, patients = {0}, tumors = {0};
  char key[2048];
  for (size_t off = 0; off < all->len;) {
    if (n == cap) {
      cap = cap ? 2 * cap : 256;
      samprec_t *q = realloc(rec, (size_t)cap * sizeof *q);
      if (!q) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
      rec = q;
    }
    memcpy(&rec[n].first, all->p + off, 8);
    memcpy(&rec[n].rows, all->p + off + 8, 8);
    off += 16;
    rec[n].name = all->p + off;
    off += strlen(rec[n].name) + 1;
    rec[n].patient = all->p + off;
    off += strlen(rec[n].patient) + 1;
    rec[n].tumor = all->p + off;
    off += strlen(rec[n].tumor) + 1;
    n++;
  }
  if (n > 1) qsort(rec, (size_t)n, sizeof *rec, cmp_samprec); /* rec is NULL when n == 0 */
  STRATA_MALLOC(uniq, n);
  for (int64_t i = 0; i < n; i++) {
    int k = intern_find(&byname, rec[i].name);
    if (k >= 0) {
      uniq[k].rows += rec[i].rows;
      continue;
    }
    int32_t idx;
    STRATA_CHECK(intern_add(&byname, rec[i].name, &idx));
    uniq[nu++] = rec[i];
  }
  t->nsamples = nu;
  STRATA_CALLOC(t->sample_names, nu);
  STRATA_MALLOC(t->sample_patient, nu);
  STRATA_MALLOC(t->sample_tumor, nu);
  STRATA_MALLOC(*sample_rows, nu);
  for (int64_t s = 0; s < nu; s++) {
    int32_t idx, p, tu;
    t->sample_names[s] = strdup(uniq[s].name);
    if (!t->sample_names[s]) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
    STRATA_CHECK(intern_add(samples, uniq[s].name, &idx));
    STRATA_CHECK(intern_add(&patients, uniq[s].patient, &p));
    snprintf(key, sizeof key, "%s\t%s", uniq[s].patient, uniq[s].tumor);
    STRATA_CHECK(intern_add(&tumors, key, &tu));
    t->sample_patient[s] = p;
    t->sample_tumor[s] = tu;
    (*sample_rows)[s] = uniq[s].rows;
  }
  STRATA_CHECK(copy_names(&patients, &t->patient_names, &t->npatients));
  STRATA_CHECK(copy_names(&tumors, &t->tumor_names, &t->ntumors));
  STRATA_MALLOC(t->tumor_patient, t->ntumors ? t->ntumors : 1);
  for (int64_t s = 0; s < nu; s++) t->tumor_patient[t->sample_tumor[s]] = t->sample_patient[s];
  for (int64_t k = 0; k < t->ntumors; k++) { /* "patient\ttumor" -> "tumor" */
    char *tab = strchr(t->tumor_names[k], '\t');
    if (tab) memmove(t->tumor_names[k], tab + 1, strlen(tab + 1) + 1);
  }
cleanup:
  free(rec);
  free(uniq);
  intern_free(&byname);
  intern_free(&patients);
  intern_free(&tumors);
  return st;
}

/* One parsed row in transit to its owner. */
typedef struct {
  int64_t line, pos;
  int32_t sample, refd, altd, cluster;
  double vaf, ccf;
  uint8_t nonsyn, snp, has_alleles, pad;
} rowrec_t;

/* Parse one kept row fully (errors name file:line) into rec + strings chrom, ref, alt. */
static int parse_row(const strata_mut_spec_t *sp, const layout_t *L, char **f, int64_t lineno,
                     const intern_t *samples, rowrec_t *rec, const char **chrom, const char **ref,
                     const char **alt) {
  int st = STRATA_OK;
  memset(rec, 0, sizeof *rec);
  rec->line = lineno;
  rec->sample = intern_find(samples, trim(f[L->sample]));
  rec->cluster = -1;
  rec->ccf = NAN;
  rec->refd = rec->altd = -1;
  if (rec->sample < 0)
    STRATA_FAIL(STRATA_ERR_INTERNAL, "%s:%lld: sample vanished between passes", sp->table,
                (long long)lineno);
  if (sp->format == STRATA_MUT_PYCLONE) {
    *chrom = trim(f[L->mutid]);
    *ref = *alt = "";
    rec->has_alleles = 0;
  } else {
    const char *c = trim(f[L->chrom]);
    if (!strncmp(c, "chr", 3)) c += 3;
    *chrom = c;
    double pv;
    /* a position must fit int64 exactly: 0..2^53 (1e300 would overflow the conversion) */
    if (!parse_num(trim(f[L->pos]), &pv) || !(pv >= 0 && pv <= 9007199254740992.0) || pv != floor(pv))
      STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: bad position '%s' (column %d)", sp->table,
                  (long long)lineno, f[L->pos], L->pos + 1);
    rec->pos = (int64_t)pv;
    *ref = trim(f[L->ref]);
    *alt = trim(f[L->alt]);
    rec->has_alleles = 1;
  }
  rec->nonsyn = L->vclass >= 0 ? (uint8_t)is_nonsyn_class(trim(f[L->vclass])) : 1;
  if (L->vtype >= 0)
    rec->snp = !strcmp(trim(f[L->vtype]), "SNP");
  else if (rec->has_alleles)
    rec->snp = strlen(*ref) == 1 && strlen(*alt) == 1 && strcmp(*ref, "-") && strcmp(*alt, "-");
  else
    rec->snp = 1;
  for (int k = 0; k < 2 && L->refd >= 0; k++) {
    int col = k ? L->altd : L->refd, neg = 0;
    if (parse_depth(trim(f[col]), k ? &rec->altd : &rec->refd, &neg)) continue;
    if (neg)
      STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: negative allele depth '%s' (column %d)", sp->table,
                  (long long)lineno, f[col], col + 1);
    STRATA_FAIL(STRATA_ERR_INPUT,
                "%s:%lld: allele depth '%s' is not a non-negative integer (column %d)", sp->table,
                (long long)lineno, f[col], col + 1);
  }
  double vaf = NAN;
  if (L->vaf >= 0) {
    if (!parse_num(trim(f[L->vaf]), &vaf)) {
      st = bad_number(sp->table, lineno, "VAF", L->vaf, f[L->vaf]);
      goto cleanup;
    }
    if (vaf < 0 || vaf > 100)
      STRATA_FAIL(STRATA_ERR_INPUT,
                  "%s:%lld: VAF %g outside [0,1] (and outside [0,100] as percent)", sp->table,
                  (long long)lineno, vaf);
  } else if (rec->refd >= 0 && rec->altd >= 0 && rec->refd + rec->altd > 0) {
    vaf = (double)rec->altd / ((double)rec->refd + rec->altd);
  }
  rec->vaf = vaf;
  if (L->ccf >= 0) {
    double c;
    if (!parse_num(trim(f[L->ccf]), &c)) {
      st = bad_number(sp->table, lineno, "CCF", L->ccf, f[L->ccf]);
      goto cleanup;
    }
    if (c < 0)
      STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: negative CCF %g", sp->table, (long long)lineno, c);
    rec->ccf = c > 1 ? 1.0 : c; /* MesKit caps CCF at 1; CONIPHER caps clone CCFs */
  }
  if (L->cluster >= 0) {
    double c;
    if (!parse_num(trim(f[L->cluster]), &c) ||
        (!isnan(c) && (c != floor(c) || c < 0 || c > INT32_MAX)))
      STRATA_FAIL(STRATA_ERR_INPUT,
                  "%s:%lld: cluster '%s' is not a non-negative integer (column %d)", sp->table,
                  (long long)lineno, f[L->cluster], L->cluster + 1);
    rec->cluster = isnan(c) ? -1 : (int32_t)c;
  }
cleanup:
  return st;
}

/* Unpack received rows into the table. */
static int unpack_rows(const bytes_t *in, strata_mut_table_t *t, int64_t *cap, intern_t *strs) {
  int st = STRATA_OK;
  for (size_t off = 0; off < in->len;) {
    rowrec_t rec;
    memcpy(&rec, in->p + off, sizeof rec);
    off += sizeof rec;
    const char *c = in->p + off;
    off += strlen(c) + 1;
    const char *ra = in->p + off;
    off += strlen(ra) + 1;
    const char *aa = in->p + off;
    off += strlen(aa) + 1;
    STRATA_CHECK(rows_reserve(t, t->n + 1, cap));
    int64_t i = t->n++;
    t->sample[i] = rec.sample;
    t->line[i] = rec.line;
    t->pos[i] = rec.pos;
    STRATA_CHECK(intern_add(strs, c, &t->chrom[i]));
    if (rec.has_alleles) {
      STRATA_CHECK(intern_add(strs, ra, &t->ref[i]));
      STRATA_CHECK(intern_add(strs, aa, &t->alt[i]));
    } else {
      t->ref[i] = t->alt[i] = -1;
    }
    t->nonsyn[i] = rec.nonsyn;
    t->snp[i] = rec.snp;
    t->ref_depth[i] = rec.refd;
    t->alt_depth[i] = rec.altd;
    t->vaf[i] = rec.vaf;
    t->ccf[i] = rec.ccf;
    t->ccf_std[i] = t->ccf_ci_high[i] = NAN;
    t->cluster[i] = rec.cluster;
  }
cleanup:
  return st;
}

/* Pass B: every rank parses its range and sends each row to the owner of its patient, in rounds
 * of CHUNK_ROWS rows (collective; every rank joins every round even after a local error). */
static int distribute_rows(MPI_Comm comm, const strata_mut_spec_t *sp, const layout_t *L,
                           const range_t *rg, strata_mut_table_t *t, const intern_t *samples,
                           intern_t *strs) {
  int st = STRATA_OK, lst = STRATA_OK, size;
  lreader_t r = {0};
  bytes_t *out = NULL, in = {0};
  int64_t cap = 0;
  char *f[MAXF];
  int more = rg->active, anymore = 1;
  MPI_Comm_size(comm, &size);
  STRATA_CALLOC(out, size);
  if (more) lst = range_open(&r, sp->table, rg);
  if (lst) more = 0;
  while (anymore) {
    int64_t nrow = 0;
    while (more && nrow < CHUNK_ROWS) {
      char *line = NULL;
      int rc = lr_next(&r, &line);
      if (rc <= 0) {
        if (rc < 0) lst = strata_err_code();
        more = 0;
        break;
      }
      if (line[0] == '#' || line[0] == '\0') continue;
      split_tabs(line, f, MAXF);
      int why;
      if (row_dropped(L, sp, f, &why)) continue;
      rowrec_t rec;
      const char *c = "", *ra = "", *aa = "";
      lst = parse_row(sp, L, f, r.lineno, samples, &rec, &c, &ra, &aa);
      if (lst) {
        more = 0;
        break;
      }
      bytes_t *b = &out[t->patient_owner[t->sample_patient[rec.sample]]];
      if ((lst = bytes_put(b, &rec, sizeof rec)) || (lst = bytes_str(b, c)) ||
          (lst = bytes_str(b, ra)) || (lst = bytes_str(b, aa))) {
        more = 0;
        break;
      }
      nrow++;
    }
    STRATA_CHECK(exchange(comm, out, &in));
    if (!lst) lst = unpack_rows(&in, t, &cap, strs);
    if (lst) more = 0;
    STRATA_MPI_CHECK(MPI_Allreduce(&more, &anymore, 1, MPI_INT, MPI_MAX, comm));
  }
  st = lst;
cleanup:
  lr_close(&r);
  if (out)
    for (int q = 0; q < size; q++) free(out[q].p);
  free(out);
  free(in.p);
  return st;
}

/* CCF rows in transit: (sample, position, CCF, Std, CI high, line) + chromosome string. */
typedef struct {
  int64_t line, pos;
  int32_t sample, pad;
  double ccf, sd, hi;
} ccfrec_t;

/* qnorm(1 - (1 - level)/2), the CI's z for a CCF_Std column: 1.96 at 0.95 (and level <= 0),
 * else by bisection on erfc (libm has no normal quantile). */
static double ccf_z(double level) {
  if (!(level > 0) || level == 0.95) return 1.959963984540054;
  double p = (1 - level) / 2, lo = 0, hi = 40;
  for (int it = 0; it < 200; it++) {
    double mid = 0.5 * (lo + hi);
    if (0.5 * erfc(mid / sqrt(2.0)) > p)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

/* Not collective: hash of the local rows by (sample, chromosome, position); rows with the same
 * key are chained through *next (first row in the slot, -1 ends a chain). */
static int hash_rows(const strata_mut_table_t *t, rowhash_t *h, int64_t **nextp) {
  int st = STRATA_OK;
  int64_t *next = NULL;
  h->cap = 16;
  while (h->cap < 2 * (t->n + 1)) h->cap *= 2;
  STRATA_CALLOC(h->key, h->cap);
  STRATA_MALLOC(h->row, h->cap);
  STRATA_MALLOC(next, t->n);
  for (int64_t i = t->n - 1; i >= 0; i--) {
    uint64_t k = rkey(t->sample[i], t->chrom[i], t->pos[i]);
    uint64_t s = k & (uint64_t)(h->cap - 1);
    next[i] = -1;
    for (;;) {
      if (!h->key[s]) {
        h->key[s] = k;
        h->row[s] = i;
        break;
      }
      int64_t j = h->row[s];
      if (h->key[s] == k && t->sample[j] == t->sample[i] && t->chrom[j] == t->chrom[i] &&
          t->pos[j] == t->pos[i]) {
        next[i] = j;
        h->row[s] = i;
        break;
      }
      s = (s + 1) & (uint64_t)(h->cap - 1);
    }
  }
cleanup:
  *nextp = next;
  return st;
}

/* Not collective: give every local row matching a received CCF record (record, chromosome
 * string) its CCF; count the records that match no row. */
static void apply_ccf(const bytes_t *in, const intern_t *strs, const rowhash_t *h,
                      const int64_t *next, int has_ci, double z, strata_mut_table_t *t) {
  for (size_t off = 0; off < in->len;) {
    ccfrec_t rec;
    memcpy(&rec, in->p + off, sizeof rec);
    off += sizeof rec;
    const char *c = in->p + off;
    off += strlen(c) + 1;
    int ci = intern_find(strs, c);
    int64_t hit = -1;
    if (ci >= 0) {
      uint64_t k = rkey(rec.sample, ci, rec.pos);
      uint64_t slot = k & (uint64_t)(h->cap - 1);
      while (h->key[slot]) {
        int64_t j = h->row[slot];
        if (h->key[slot] == k && t->sample[j] == rec.sample && t->chrom[j] == ci &&
            t->pos[j] == rec.pos) {
          hit = j;
          break;
        }
        slot = (slot + 1) & (uint64_t)(h->cap - 1);
      }
    }
    if (hit < 0) {
      t->ccf_unmatched++;
      continue;
    }
    /* MesKit: CCF > 1 capped to 1; CI high from the CI column, else CCF + z * CCF_Std on the
     * capped CCF (MesKit computes it after the cap) */
    double capped = rec.ccf > 1 ? 1.0 : rec.ccf;
    double cihi = has_ci ? rec.hi : capped + z * rec.sd;
    for (int64_t j = hit; j >= 0; j = next[j]) {
      t->ccf[j] = capped;
      t->ccf_std[j] = rec.sd;
      t->ccf_ci_high[j] = cihi;
    }
  }
}

/* Join the MesKit CCF file on (Patient_ID, Tumor_Sample_Barcode, Chromosome, Start_Position):
 * each rank parses its range and sends each row to the owner of the sample's patient, which
 * gives every matching local row the CCF (MesKit's left_join).  Collective. */
static int join_ccf(MPI_Comm comm, const strata_mut_spec_t *sp, strata_mut_table_t *t,
                    const intern_t *samples, intern_t *strs) {
  int st = STRATA_OK, lst = STRATA_OK, size;
  lreader_t r = {0}, hr = {0};
  char *f[MAXF], *hf[MAXF];
  int nf = 0, cs = -1, cc = -1, cp = -1, cv = -1, cstd = -1, cci = -1;
  rowhash_t h = {0};
  int64_t *next = NULL;
  bytes_t *out = NULL, in = {0};
  range_t rg;
  double z = ccf_z(sp->ccf_conf_level);
  MPI_Comm_size(comm, &size);
  lst = lr_open(&hr, sp->ccf);
  if (!lst) lst = read_header(&hr, hf, &nf);
  if (!lst) { /* hf points into hr's buffer: look the columns up before closing it */
    cs = col_of(hf, nf, "Tumor_Sample_Barcode");
    cc = col_of(hf, nf, "Chromosome");
    cp = col_of(hf, nf, "Start_Position");
    cv = col_of(hf, nf, "CCF");
    cstd = col_of(hf, nf, "CCF_Std|CCF_std");
    cci = col_of(hf, nf, "CCF_CI_High|CCF_CI_high");
    if (cs < 0 || cc < 0 || cp < 0 || cv < 0)
      lst = strata_err_set(STRATA_ERR_INPUT, __FILE__, __LINE__, __func__,
                           "%s: missing column (needs Tumor_Sample_Barcode, Chromosome, "
                           "Start_Position, CCF)",
                           sp->ccf);
  }
  lr_close(&hr);
  STRATA_CHECK(strata_agree(comm, lst));
  t->has_ccf = 1;
  t->has_ci = cstd >= 0 || cci >= 0;
  STRATA_CHECK(make_range(comm, sp->ccf, &rg));
  /* hash of local rows by key; chains through next[] keep every row with the key */
  STRATA_CHECK(hash_rows(t, &h, &next));
  STRATA_CALLOC(out, size);
  int more = rg.active, anymore = 1;
  if (more) lst = range_open(&r, sp->ccf, &rg);
  if (lst) more = 0;
  while (anymore) {
    int64_t nrow = 0;
    while (more && nrow < CHUNK_ROWS) {
      char *line = NULL;
      int rc = lr_next(&r, &line);
      if (rc <= 0) {
        if (rc < 0) lst = strata_err_code();
        more = 0;
        break;
      }
      if (line[0] == '#' || line[0] == '\0') continue;
      int n = split_tabs(line, f, MAXF);
      ccfrec_t rec = {.line = r.lineno, .sd = NAN, .hi = NAN};
      double pv;
      const char *c = NULL;
      if (n != nf)
        lst = strata_err_set(STRATA_ERR_INPUT, __FILE__, __LINE__, __func__,
                             "%s:%lld: %d fields, header has %d", sp->ccf,
                             (long long)abs_line(sp->ccf, &rg, r.lineno), n, nf);
      else if (!parse_num(trim(f[cp]), &pv) || !(fabs(pv) <= 9007199254740992.0)) /* |pos| <= 2^53 */
        lst = strata_err_set(STRATA_ERR_INPUT, __FILE__, __LINE__, __func__,
                             "%s:%lld: bad Start_Position '%s' (column %d)", sp->ccf,
                             (long long)abs_line(sp->ccf, &rg, r.lineno), f[cp], cp + 1);
      else if (!parse_num(trim(f[cv]), &rec.ccf))
        lst = bad_number(sp->ccf, abs_line(sp->ccf, &rg, r.lineno), "CCF", cv, f[cv]);
      else if (rec.ccf < 0)
        lst = strata_err_set(STRATA_ERR_INPUT, __FILE__, __LINE__, __func__,
                             "%s:%lld: negative CCF %g", sp->ccf,
                             (long long)abs_line(sp->ccf, &rg, r.lineno), rec.ccf);
      else if (cstd >= 0 && !parse_num(trim(f[cstd]), &rec.sd))
        lst = bad_number(sp->ccf, abs_line(sp->ccf, &rg, r.lineno), "CCF_Std", cstd, f[cstd]);
      else if (cci >= 0 && !parse_num(trim(f[cci]), &rec.hi))
        lst = bad_number(sp->ccf, abs_line(sp->ccf, &rg, r.lineno), "CCF_CI_High", cci, f[cci]);
      if (lst) {
        more = 0;
        break;
      }
      rec.pos = (int64_t)pv;
      rec.sample = intern_find(samples, trim(f[cs]));
      if (rec.sample < 0) {
        t->ccf_unmatched++;
        continue;
      }
      c = trim(f[cc]);
      if (!strncmp(c, "chr", 3)) c += 3;
      bytes_t *b = &out[t->patient_owner[t->sample_patient[rec.sample]]];
      if ((lst = bytes_put(b, &rec, sizeof rec)) || (lst = bytes_str(b, c))) {
        more = 0;
        break;
      }
      nrow++;
    }
    STRATA_CHECK(exchange(comm, out, &in));
    if (!lst) apply_ccf(&in, strs, &h, next, cci >= 0, z, t);
    if (lst) more = 0;
    STRATA_MPI_CHECK(MPI_Allreduce(&more, &anymore, 1, MPI_INT, MPI_MAX, comm));
  }
  st = lst;
cleanup:
  lr_close(&r);
  if (out)
    for (int q = 0; q < size; q++) free(out[q].p);
  free(out);
  free(in.p);
  free(h.key);
  free(h.row);
  free(next);
  return st;
}

static int copy_names(intern_t *in, char ***out, int64_t *n) {
  int st = STRATA_OK;
  *n = in->n;
  STRATA_CALLOC(*out, in->n);
  for (int64_t i = 0; i < in->n; i++) {
    (*out)[i] = in->str[i];
    in->str[i] = NULL;
  }
  in->n = 0;
cleanup:
  return st;
}

int strata_mut_read(MPI_Comm comm, const strata_mut_spec_t *sp, strata_mut_table_t **out) {
  int st = STRATA_OK, lst = STRATA_OK, rank = 0, size = 1;
  strata_mut_table_t *t = NULL;
  sampletab_t stab = {0};
  intern_t samples = {0}, strs = {0};
  layout_t L;
  range_t rg;
  bytes_t mine = {0}, all = {0};
  int *cnt = NULL, *dsp = NULL;
  int64_t *sample_rows = NULL;
  int32_t *pidx = NULL;
  double *cost = NULL;
  strata_partition_t *part = NULL;
  lreader_t r = {0};
  char *hf[MAXF];
  int nf;
  *out = NULL;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  t = calloc(1, sizeof *t);
  if (!t) lst = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
  /* small inputs every rank reads: the sample table and the header */
  if (!lst && sp->samples) lst = read_sampletab(sp->samples, &stab);
  if (!lst) lst = lr_open(&r, sp->table);
  if (!lst) lst = read_header(&r, hf, &nf);
  if (!lst) lst = make_layout(sp, hf, nf, sp->samples != NULL, &L);
  lr_close(&r);
  if (!lst && sp->format == STRATA_MUT_PYCLONE && !sp->samples)
    lst = strata_err_set(STRATA_ERR_INPUT, __FILE__, __LINE__, __func__,
                         "%s: PyClone-VI output has no patient column; give the sample table",
                         sp->table);
  STRATA_CHECK(strata_agree(comm, lst));
  t->has_depth = L.refd >= 0;
  t->has_vaf = L.vaf >= 0 || L.refd >= 0;
  t->has_class = L.vclass >= 0;
  t->has_cluster = L.cluster >= 0;
  t->has_ccf = L.ccf >= 0;
  STRATA_CHECK(make_range(comm, sp->table, &rg));
  /* pass A: samples of each range, merged in first-appearance order on every rank */
  int64_t nlines = 0;
  lst = scan_samples(sp, &stab, &L, &rg, t, &mine, &nlines);
  STRATA_CHECK(strata_agree(comm, lst));
  STRATA_CHECK(range_lines(comm, &rg, nlines));
  {
    int64_t d[2] = {t->dropped_vaf0, t->dropped_chrM}, g[2];
    STRATA_MPI_CHECK(MPI_Allreduce(d, g, 2, MPI_INT64_T, MPI_SUM, comm));
    t->dropped_vaf0 = g[0];
    t->dropped_chrM = g[1];
  }
  STRATA_MALLOC(cnt, size);
  STRATA_MALLOC(dsp, size);
  if (mine.len > INT32_MAX) STRATA_FAIL(STRATA_ERR_INTERNAL, "sample list over 2 GiB");
  int ml = (int)mine.len;
  STRATA_MPI_CHECK(MPI_Allgather(&ml, 1, MPI_INT, cnt, 1, MPI_INT, comm));
  size_t tot = 0;
  for (int q = 0; q < size; q++) {
    dsp[q] = (int)tot;
    tot += (size_t)cnt[q];
  }
  STRATA_MALLOC(all.p, tot + 1);
  all.len = all.cap = tot;
  STRATA_MPI_CHECK(
      MPI_Allgatherv(mine.p ? mine.p : "", ml, MPI_BYTE, all.p, cnt, dsp, MPI_BYTE, comm));
  STRATA_CHECK(merge_samples(&all, t, &samples, &sample_rows));
  if (t->nsamples == 0)
    STRATA_FAIL(STRATA_ERR_INPUT, "%s: no mutation rows with VAF > 0", sp->table);
  /* patients over ranks, balanced by kept rows, never split */
  STRATA_CALLOC(t->patient_rows, t->npatients);
  for (int64_t s = 0; s < t->nsamples; s++) t->patient_rows[t->sample_patient[s]] += sample_rows[s];
  STRATA_MALLOC(pidx, t->npatients);
  STRATA_MALLOC(cost, t->npatients);
  for (int64_t p = 0; p < t->npatients; p++) {
    pidx[p] = (int32_t)p;
    cost[p] = (double)t->patient_rows[p];
  }
  STRATA_CHECK(strata_partition_patients(t->npatients, pidx, t->npatients, cost, size, &part));
  STRATA_MALLOC(t->patient_owner, t->npatients);
  for (int64_t p = 0; p < t->npatients; p++) t->patient_owner[p] = part->part[p];
  /* pass B: rows to their owners */
  lst = distribute_rows(comm, sp, &L, &rg, t, &samples, &strs);
  STRATA_CHECK(strata_agree(comm, lst));
  /* percent VAFs: MesKit divides every VAF by 100 when the maximum exceeds 1 */
  if (L.vaf >= 0) {
    double mx = 0, gmx = 0;
    for (int64_t i = 0; i < t->n; i++)
      if (t->vaf[i] > mx) mx = t->vaf[i];
    STRATA_MPI_CHECK(MPI_Allreduce(&mx, &gmx, 1, MPI_DOUBLE, MPI_MAX, comm));
    if (gmx > 1) {
      /* rows already in (0, 1] while others are percents: most likely a mixed table */
      int64_t le1 = 0, gle1 = 0, n = t->n, gn = 0;
      for (int64_t i = 0; i < t->n; i++) le1 += t->vaf[i] <= 1;
      STRATA_MPI_CHECK(MPI_Allreduce(&le1, &gle1, 1, MPI_INT64_T, MPI_SUM, comm));
      STRATA_MPI_CHECK(MPI_Allreduce(&n, &gn, 1, MPI_INT64_T, MPI_SUM, comm));
      t->vaf_percent = 1;
      t->vaf_fraction_rows = gle1;
      t->nrows_total = gn;
      for (int64_t i = 0; i < t->n; i++) t->vaf[i] /= 100.0;
    }
  }
  if (sp->ccf) {
    lst = join_ccf(comm, sp, t, &samples, &strs);
    STRATA_CHECK(strata_agree(comm, lst));
    int64_t loc = t->ccf_unmatched, glob = 0;
    STRATA_MPI_CHECK(MPI_Allreduce(&loc, &glob, 1, MPI_INT64_T, MPI_SUM, comm));
    t->ccf_unmatched = glob;
  }
  t->nstrings = strs.n;
  t->strings = strs.str;
  strs.str = NULL;
  strs.n = 0;
cleanup:
  if (st) strata_mut_table_destroy(&t);
  *out = t;
  lr_close(&r);
  sampletab_free(&stab);
  intern_free(&samples);
  intern_free(&strs);
  free(mine.p);
  free(all.p);
  free(cnt);
  free(dsp);
  free(sample_rows);
  free(pidx);
  free(cost);
  strata_partition_destroy(&part);
  return st;
}

/* ---- segments -------------------------------------------------------------------------- */
void strata_seg_table_destroy(strata_seg_table_t **tp) {
  if (!tp || !*tp) return;
  strata_seg_table_t *t = *tp;
  free(t->sample);
  free(t->chrom);
  free(t->start);
  free(t->end);
  free(t->major);
  free(t->minor);
  free(t->total);
  free(t);
  *tp = NULL;
}

static int32_t chrom_code(const char *c) {
  if (!strncmp(c, "chr", 3)) c += 3;
  if (!strcmp(c, "X")) return 23;
  if (!strcmp(c, "Y")) return 24;
  char *end;
  long v = strtol(c, &end, 10);
  if (*c && !*end && v >= 1 && v <= 24) return (int32_t)v;
  return 0;
}

int strata_seg_read(MPI_Comm comm, const char *path, const strata_mut_table_t *m,
                    strata_seg_table_t **out) {
  int st = STRATA_OK, rank = 0;
  strata_seg_table_t *t = NULL;
  lreader_t r = {0};
  intern_t samples = {0};
  char *f[MAXF], *hf[MAXF];
  int nf, cs, cc, c0, c1, cmaj, cmin, ctot;
  int64_t cap = 0;
  *out = NULL;
  MPI_Comm_rank(comm, &rank);
  STRATA_CALLOC(t, 1);
  for (int64_t s = 0; s < m->nsamples; s++) {
    int32_t d;
    STRATA_CHECK(intern_add(&samples, m->sample_names[s], &d));
  }
  STRATA_CHECK(lr_open(&r, path));
  STRATA_CHECK(read_header(&r, hf, &nf));
  NEED(cs, hf, nf, "Tumor_Sample_Barcode|SAMPLE|sample|sample_id", path);
  NEED(cc, hf, nf, "Chromosome|chr|CHR|chrom", path);
  NEED(c0, hf, nf, "Start_Position|startpos|start|Start", path);
  NEED(c1, hf, nf, "End_Position|endpos|end|End", path);
  cmaj = col_of(hf, nf, "Major_CN|COPY_NUMBER_A|nMajor|major_cn|nA");
  cmin = col_of(hf, nf, "Minor_CN|COPY_NUMBER_B|nMinor|minor_cn|nB");
  ctot = col_of(hf, nf, "CopyNumber|total_cn|Copy_Number|cn");
  if ((cmaj < 0 || cmin < 0) && ctot < 0)
    STRATA_FAIL(STRATA_ERR_INPUT, "%s: no copy-number columns (Major_CN + Minor_CN, or CopyNumber)",
                path);
  t->has_alleles = cmaj >= 0 && cmin >= 0;
  int nhead = nf;
  char *line = NULL;
  int rc;
  while ((rc = lr_next(&r, &line)) > 0) {
    if (line[0] == '#' || line[0] == '\0') continue;
    int n = split_tabs(line, f, MAXF);
    if (n != nhead)
      STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: %d fields, header has %d", path, (long long)r.lineno,
                  n, nhead);
    int s = intern_find(&samples, trim(f[cs]));
    if (s < 0) {
      t->unknown_samples++;
      continue;
    }
    if (m->patient_owner[m->sample_patient[s]] != rank) continue;
    double a, b, maj = NAN, mn = NAN, tot = NAN;
    if (!parse_num(trim(f[c0]), &a) || !(fabs(a) <= 9007199254740992.0)) /* |coordinate| <= 2^53 */
      STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: bad segment start '%s' (column %d)", path,
                  (long long)r.lineno, f[c0], c0 + 1);
    if (!parse_num(trim(f[c1]), &b) || !(fabs(b) <= 9007199254740992.0))
      STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: bad segment end '%s' (column %d)", path,
                  (long long)r.lineno, f[c1], c1 + 1);
    if (b < a)
      STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: segment end %.0f < start %.0f", path,
                  (long long)r.lineno, b, a);
    const int cncol[3] = {t->has_alleles ? cmaj : -1, t->has_alleles ? cmin : -1, ctot};
    double *cnval[3] = {&maj, &mn, &tot};
    for (int k = 0; k < 3; k++)
      if (cncol[k] >= 0 && !parse_num(trim(f[cncol[k]]), cnval[k])) {
        st = bad_number(path, r.lineno, "copy number", cncol[k], f[cncol[k]]);
        goto cleanup;
      }
    if (maj < 0 || mn < 0 || tot < 0)
      STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: negative copy number", path, (long long)r.lineno);
    if (cap <= t->n) {
      int64_t nc = cap ? 2 * cap : 256;
#define GROWS(a)                                                             \
  do {                                                                       \
    void *np_ = realloc(t->a, (size_t)nc * sizeof *t->a);                    \
    if (!np_) STRATA_FAIL(STRATA_ERR_MEM, "out of memory reading %s", path); \
    t->a = np_;                                                              \
  } while (0)
      GROWS(sample);
      GROWS(chrom);
      GROWS(start);
      GROWS(end);
      GROWS(major);
      GROWS(minor);
      GROWS(total);
#undef GROWS
      cap = nc;
    }
    int64_t i = t->n++;
    t->sample[i] = s;
    t->chrom[i] = chrom_code(trim(f[cc]));
    t->start[i] = (int64_t)a;
    t->end[i] = (int64_t)b;
    t->major[i] = maj;
    t->minor[i] = mn;
    t->total[i] = isnan(tot) ? maj + mn : tot;
  }
  if (rc < 0) st = strata_err_code();
cleanup:
  st = strata_agree(comm, st);
  if (st) strata_seg_table_destroy(&t);
  *out = t;
  lr_close(&r);
  intern_free(&samples);
  return st;
}
