/* Readers for multi-region mutation tables (MesKit MAF + clinical + CCF, GDC MAF, PyClone-VI
 * output, CONIPHER input) and copy-number segments, distributed by patient.  Every rank streams
 * the (gzip or plain) files twice: pass 1 reads only the sample column to learn the samples and
 * the rows per patient (the balancing cost); pass 2 parses and validates only the rows of the
 * patients this rank owns.  Validation errors are raised by the owning rank and agreed.
 * Nothing numeric here beyond MesKit's input conventions (VAF==0/chrM drop, percent VAF, CCF cap). */
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
typedef struct {
  gzFile gz;
  const char *path;
  char *buf;
  size_t cap;
  int64_t lineno;
} lreader_t;

static int lr_open(lreader_t *r, const char *path) {
  int st = STRATA_OK;
  memset(r, 0, sizeof *r);
  r->path = path;
  r->gz = gzopen(path, "rb");
  if (!r->gz) STRATA_FAIL(STRATA_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
  gzbuffer(r->gz, 1 << 18);
  r->cap = 1 << 12;
  STRATA_MALLOC(r->buf, r->cap);
cleanup:
  return st;
}

static void lr_close(lreader_t *r) {
  if (r->gz) gzclose(r->gz);
  free(r->buf);
  r->gz = NULL;
  r->buf = NULL;
}

/* Next line without its newline (and '\r'): 1, 0 at end of file, or a negative status. */
static int lr_next(lreader_t *r, char **line) {
  size_t len = 0;
  for (;;) {
    if (!gzgets(r->gz, r->buf + len, (int)(r->cap - len))) {
      int err = 0;
      gzerror(r->gz, &err);
      if (err != Z_OK && err != Z_STREAM_END) {
        strata_err_set(STRATA_ERR_IO, __FILE__, __LINE__, __func__, "%s: read error after line %lld",
                       r->path, (long long)r->lineno);
        return -1;
      }
      if (len == 0) return 0;
      break;
    }
    len += strlen(r->buf + len);
    if (len > 0 && r->buf[len - 1] == '\n') break;
    if (len + 1 < r->cap) continue; /* end of file without a newline: next gzgets returns NULL */
    char *nb = realloc(r->buf, r->cap * 2);
    if (!nb) {
      strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory reading %s", r->path);
      return -1;
    }
    r->buf = nb;
    r->cap *= 2;
  }
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

static int is_na(const char *s) {
  return !*s || !strcmp(s, "NA") || !strcmp(s, "NaN") || !strcmp(s, "nan") || !strcmp(s, ".");
}

/* Parse a double: NA-like -> NaN (ok); anything else not a number -> error. */
static int parse_num(const char *s, double *out) {
  if (is_na(s)) {
    *out = NAN;
    return 1;
  }
  char *end = NULL;
  errno = 0;
  double v = strtod(s, &end);
  while (end && *end == ' ') end++;
  if (end == s || *end || errno) return 0;
  *out = v;
  return 1;
}

/* ---- string interning (open addressing, FNV-1a) ---------------------------------------- */
typedef struct {
  char **str;
  int64_t n, cap;    /* strings */
  int64_t *slot;     /* [hcap] index+1, 0 = empty */
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
  if (*nf > MAXF) STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: more than %d columns", r->path,
                              (long long)r->lineno, MAXF);
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

#define NEED(var, f, nf, names, path)                                                      \
  do {                                                                                     \
    (var) = col_of((f), (nf), (names));                                                    \
    if ((var) < 0) STRATA_FAIL(STRATA_ERR_INPUT, "%s: missing column %s", (path), (names)); \
  } while (0)

/* ---- sample table ---------------------------------------------------------------------- */
typedef struct {
  intern_t names;       /* sample names */
  char **patient;       /* [names.n] */
  char **tumor;         /* [names.n] may be NULL */
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
      STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: empty sample or patient id", path, (long long)r.lineno);
    int prev = intern_find(&s->names, sn);
    if (prev >= 0) {
      if (strcmp(s->patient[prev], pn))
        STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: sample '%s' listed for patients '%s' and '%s'", path,
                    (long long)r.lineno, sn, s->patient[prev], pn);
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
  free(t->sample_names); free(t->sample_patient); free(t->sample_tumor);
  free(t->patient_names); free(t->patient_owner); free(t->patient_rows);
  free(t->tumor_names); free(t->tumor_patient); free(t->strings);
  free(t->sample); free(t->chrom); free(t->pos); free(t->ref); free(t->alt);
  free(t->nonsyn); free(t->snp); free(t->ref_depth); free(t->alt_depth);
  free(t->vaf); free(t->ccf); free(t->ccf_std); free(t->ccf_ci_high); free(t->cluster); free(t->line);
  free(t);
  *tp = NULL;
}

/* maftools' default non-synonymous classes (MesKit's readMaf uses the same list). */
static int is_nonsyn_class(const char *c) {
  static const char *ns[] = {"Frame_Shift_Del", "Frame_Shift_Ins", "Splice_Site",
                             "Translation_Start_Site", "Nonsense_Mutation", "Nonstop_Mutation",
                             "In_Frame_Del", "In_Frame_Ins", "Missense_Mutation", NULL};
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
    STRATA_FAIL(STRATA_ERR_INPUT, "%s: no Patient_ID column; give the sample table (--samples/--clin)",
                p);
cleanup:
  return st;
}

/* Growable local row storage. */
static int rows_reserve(strata_mut_table_t *t, int64_t need, int64_t *cap) {
  int st = STRATA_OK;
  if (need <= *cap) return STRATA_OK;
  int64_t nc = *cap ? *cap : 1024;
  while (nc < need) nc *= 2;
#define GROW(a)                                                                  \
  do {                                                                           \
    void *np_ = realloc(t->a, (size_t)nc * sizeof *t->a);                        \
    if (!np_) STRATA_FAIL(STRATA_ERR_MEM, "out of memory storing %lld rows", (long long)nc); \
    t->a = np_;                                                                  \
  } while (0)
  GROW(sample); GROW(chrom); GROW(pos); GROW(ref); GROW(alt); GROW(nonsyn); GROW(snp);
  GROW(ref_depth); GROW(alt_depth); GROW(vaf); GROW(ccf); GROW(ccf_std); GROW(ccf_ci_high);
  GROW(cluster); GROW(line);
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

/* Pass 1: find the samples (first appearance among kept rows), their patient and tumor, and the
 * kept rows per sample.  Every rank does the same; errors are identical everywhere. */
static int pass1(const strata_mut_spec_t *sp, const sampletab_t *stab, const layout_t *L,
                 strata_mut_table_t *t, intern_t *samples, intern_t *patients, intern_t *tumors,
                 int64_t **sample_rows) {
  int st = STRATA_OK;
  lreader_t r = {0};
  char *f[MAXF], *hf[MAXF];
  int nf;
  int64_t scap = 0, tcap = 0;
  char key[1024];
  STRATA_CHECK(lr_open(&r, sp->table));
  STRATA_CHECK(read_header(&r, hf, &nf));
  char *line = NULL;
  int rc;
  while ((rc = lr_next(&r, &line)) > 0) {
    if (line[0] == '#' || line[0] == '\0') continue;
    int n = split_tabs(line, f, MAXF);
    if (n != L->nf)
      STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: %d fields, header has %d", sp->table,
                  (long long)r.lineno, n, L->nf);
    if (L->chrom >= 0 && is_chrM(trim(f[L->chrom]))) {
      t->dropped_chrM++;
      continue;
    }
    if (L->vaf >= 0) {
      double v;
      if (parse_num(trim(f[L->vaf]), &v) && v == 0) {
        t->dropped_vaf0++;
        continue;
      }
    } else if (L->altd >= 0 && sp->format == STRATA_MUT_GDC) {
      double a;
      if (parse_num(trim(f[L->altd]), &a) && a == 0) {
        t->dropped_vaf0++;
        continue;
      }
    }
    const char *sn = trim(f[L->sample]);
    if (!*sn) STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: empty sample id", sp->table, (long long)r.lineno);
    if (intern_find(samples, sn) >= 0) {
      (*sample_rows)[intern_find(samples, sn)]++;
      continue;
    }
    /* a new sample: resolve patient and tumor */
    const char *pn = NULL, *tn = NULL;
    int si = stab->names.hcap ? intern_find(&stab->names, sn) : -1;
    if (si >= 0) {
      pn = stab->patient[si];
      tn = stab->tumor[si];
    } else if (sp->samples) {
      STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: unknown sample '%s' (not in %s)", sp->table,
                  (long long)r.lineno, sn, sp->samples);
    }
    if (!pn && L->patient >= 0) pn = trim(f[L->patient]);
    if (!tn && L->tumor >= 0) tn = trim(f[L->tumor]);
    if (!pn || !*pn)
      STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: no patient for sample '%s'", sp->table,
                  (long long)r.lineno, sn);
    if (!tn || !*tn) tn = pn; /* one tumor per patient when no Tumor_ID is known */
    int32_t s, p, tu;
    STRATA_CHECK(intern_add(samples, sn, &s));
    STRATA_CHECK(intern_add(patients, pn, &p));
    snprintf(key, sizeof key, "%s\t%s", pn, tn);
    STRATA_CHECK(intern_add(tumors, key, &tu));
    if (s >= scap) {
      int64_t nc = scap ? 2 * scap : 64;
      int32_t *a = realloc(t->sample_patient, (size_t)nc * sizeof *a);
      if (!a) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
      t->sample_patient = a;
      a = realloc(t->sample_tumor, (size_t)nc * sizeof *a);
      if (!a) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
      t->sample_tumor = a;
      int64_t *b = realloc(*sample_rows, (size_t)nc * sizeof *b);
      if (!b) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
      *sample_rows = b;
      scap = nc;
    }
    if (tu >= tcap) {
      int64_t nc = tcap ? 2 * tcap : 64;
      int32_t *a = realloc(t->tumor_patient, (size_t)nc * sizeof *a);
      if (!a) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
      t->tumor_patient = a;
      tcap = nc;
    }
    t->sample_patient[s] = p;
    t->sample_tumor[s] = tu;
    t->tumor_patient[tu] = p;
    (*sample_rows)[s] = 1;
  }
  if (rc < 0) st = strata_err_code();
cleanup:
  lr_close(&r);
  return st;
}

/* CCF join key: (sample, chromosome string, position) -> row slot. */
typedef struct {
  uint64_t *key;    /* hashed composite; 0 = empty */
  int64_t *row;     /* first local row with that key */
  int64_t cap;
} rowhash_t;

static uint64_t rkey(int32_t sample, int32_t chrom, int64_t pos) {
  uint64_t h = 1469598103934665603ULL;
  h = (h ^ (uint64_t)(uint32_t)sample) * 1099511628211ULL;
  h = (h ^ (uint64_t)(uint32_t)chrom) * 1099511628211ULL;
  h = (h ^ (uint64_t)pos) * 1099511628211ULL;
  return h ? h : 1;
}

/* Pass 2: parse and store the owned rows. */
static int pass2(const strata_mut_spec_t *sp, const layout_t *L, int rank, strata_mut_table_t *t,
                 const intern_t *samples, intern_t *strs) {
  int st = STRATA_OK;
  lreader_t r = {0};
  char *f[MAXF], *hf[MAXF];
  int nf;
  int64_t cap = 0;
  STRATA_CHECK(lr_open(&r, sp->table));
  STRATA_CHECK(read_header(&r, hf, &nf));
  char *line = NULL;
  int rc;
  while ((rc = lr_next(&r, &line)) > 0) {
    if (line[0] == '#' || line[0] == '\0') continue;
    split_tabs(line, f, MAXF);
    if (L->chrom >= 0 && is_chrM(trim(f[L->chrom]))) continue;
    double vaf = NAN;
    if (L->vaf >= 0) {
      if (!parse_num(trim(f[L->vaf]), &vaf)) {
        int s0 = intern_find(samples, trim(f[L->sample]));
        if (s0 >= 0 && t->patient_owner[t->sample_patient[s0]] == rank)
          STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: VAF '%s' is not a number", sp->table,
                      (long long)r.lineno, f[L->vaf]);
        continue;
      }
      if (vaf == 0) continue;
    } else if (L->altd >= 0 && sp->format == STRATA_MUT_GDC) {
      double a;
      if (parse_num(trim(f[L->altd]), &a) && a == 0) continue;
    }
    int s = intern_find(samples, trim(f[L->sample]));
    if (s < 0 || t->patient_owner[t->sample_patient[s]] != rank) continue;
    STRATA_CHECK(rows_reserve(t, t->n + 1, &cap));
    int64_t i = t->n;
    t->sample[i] = s;
    t->line[i] = r.lineno;
    t->cluster[i] = -1;
    t->ccf[i] = t->ccf_std[i] = t->ccf_ci_high[i] = NAN;
    t->ref_depth[i] = t->alt_depth[i] = -1;
    if (sp->format == STRATA_MUT_PYCLONE) {
      STRATA_CHECK(intern_add(strs, trim(f[L->mutid]), &t->chrom[i]));
      t->pos[i] = 0;
      t->ref[i] = t->alt[i] = -1;
    } else {
      const char *c = trim(f[L->chrom]);
      if (!strncmp(c, "chr", 3)) c += 3;
      STRATA_CHECK(intern_add(strs, c, &t->chrom[i]));
      double pv;
      if (!parse_num(trim(f[L->pos]), &pv) || isnan(pv) || pv < 0 || pv != floor(pv))
        STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: bad position '%s'", sp->table, (long long)r.lineno,
                    f[L->pos]);
      t->pos[i] = (int64_t)pv;
      STRATA_CHECK(intern_add(strs, trim(f[L->ref]), &t->ref[i]));
      STRATA_CHECK(intern_add(strs, trim(f[L->alt]), &t->alt[i]));
    }
    t->nonsyn[i] = L->vclass >= 0 ? (uint8_t)is_nonsyn_class(trim(f[L->vclass])) : 1;
    if (L->vtype >= 0) {
      t->snp[i] = !strcmp(trim(f[L->vtype]), "SNP");
    } else if (t->ref[i] >= 0) {
      const char *ra = strs->str[t->ref[i]], *aa = strs->str[t->alt[i]];
      t->snp[i] = strlen(ra) == 1 && strlen(aa) == 1 && strcmp(ra, "-") && strcmp(aa, "-");
    } else {
      t->snp[i] = 1;
    }
    if (L->refd >= 0) {
      int neg;
      if (!parse_depth(trim(f[L->refd]), &t->ref_depth[i], &neg) ||
          !parse_depth(trim(f[L->altd]), &t->alt_depth[i], &neg)) {
        if (neg)
          STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: negative allele depth", sp->table,
                      (long long)r.lineno);
        STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: allele depth is not a non-negative integer ('%s', '%s')",
                    sp->table, (long long)r.lineno, f[L->refd], f[L->altd]);
      }
    }
    if (L->vaf >= 0) {
      if (vaf < 0 || vaf > 100)
        STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: VAF %g outside [0,1] (and outside [0,100] as percent)",
                    sp->table, (long long)r.lineno, vaf);
    } else if (t->ref_depth[i] >= 0 && t->alt_depth[i] >= 0 &&
               t->ref_depth[i] + t->alt_depth[i] > 0) {
      vaf = (double)t->alt_depth[i] / ((double)t->ref_depth[i] + t->alt_depth[i]);
    }
    t->vaf[i] = vaf;
    if (L->ccf >= 0) {
      double c;
      if (!parse_num(trim(f[L->ccf]), &c))
        STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: CCF '%s' is not a number", sp->table,
                    (long long)r.lineno, f[L->ccf]);
      if (c < 0)
        STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: negative CCF %g", sp->table, (long long)r.lineno, c);
      t->ccf[i] = c > 1 ? 1.0 : c; /* MesKit caps CCF at 1; CONIPHER caps clone CCFs */
    }
    if (L->cluster >= 0) {
      double c;
      if (!parse_num(trim(f[L->cluster]), &c) || (!isnan(c) && (c != floor(c) || c < 0 || c > INT32_MAX)))
        STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: cluster '%s' is not a non-negative integer", sp->table,
                    (long long)r.lineno, f[L->cluster]);
      t->cluster[i] = isnan(c) ? -1 : (int32_t)c;
    }
    t->n++;
  }
  if (rc < 0) st = strata_err_code();
cleanup:
  lr_close(&r);
  return st;
}

/* Join the MesKit CCF file on (Patient_ID, Tumor_Sample_Barcode, Chromosome, Start_Position).
 * Every local row with that key gets the CCF (MesKit's left_join). */
static int join_ccf(const strata_mut_spec_t *sp, int rank, strata_mut_table_t *t,
                    const intern_t *samples, intern_t *strs) {
  int st = STRATA_OK;
  lreader_t r = {0};
  char *f[MAXF], *hf[MAXF];
  int nf, cs, cc, cp, cv, cstd, cci;
  rowhash_t h = {0};
  int64_t *next = NULL;
  double z = 1.959963984540054;
  if (sp->ccf_conf_level > 0 && sp->ccf_conf_level != 0.95) {
    /* qnorm(1 - (1 - level)/2) by bisection on erfc (no quantile in libm) */
    double p = (1 - sp->ccf_conf_level) / 2, lo = 0, hi = 40;
    for (int it = 0; it < 200; it++) {
      double mid = 0.5 * (lo + hi);
      if (0.5 * erfc(mid / sqrt(2.0)) > p) lo = mid; else hi = mid;
    }
    z = 0.5 * (lo + hi);
  }
  /* hash of local rows by key; chains through next[] keep every row with the key */
  h.cap = 16;
  while (h.cap < 2 * (t->n + 1)) h.cap *= 2;
  STRATA_CALLOC(h.key, h.cap);
  STRATA_MALLOC(h.row, h.cap);
  STRATA_MALLOC(next, t->n);
  for (int64_t i = t->n - 1; i >= 0; i--) {
    uint64_t k = rkey(t->sample[i], t->chrom[i], t->pos[i]);
    uint64_t s = k & (uint64_t)(h.cap - 1);
    next[i] = -1;
    for (;;) {
      if (!h.key[s]) {
        h.key[s] = k;
        h.row[s] = i;
        break;
      }
      int64_t j = h.row[s];
      if (h.key[s] == k && t->sample[j] == t->sample[i] && t->chrom[j] == t->chrom[i] &&
          t->pos[j] == t->pos[i]) {
        next[i] = j;
        h.row[s] = i;
        break;
      }
      s = (s + 1) & (uint64_t)(h.cap - 1);
    }
  }
  STRATA_CHECK(lr_open(&r, sp->ccf));
  STRATA_CHECK(read_header(&r, hf, &nf));
  NEED(cs, hf, nf, "Tumor_Sample_Barcode", sp->ccf);
  NEED(cc, hf, nf, "Chromosome", sp->ccf);
  NEED(cp, hf, nf, "Start_Position", sp->ccf);
  NEED(cv, hf, nf, "CCF", sp->ccf);
  cstd = col_of(hf, nf, "CCF_Std|CCF_std");
  cci = col_of(hf, nf, "CCF_CI_High|CCF_CI_high");
  t->has_ccf = 1;
  t->has_ci = cstd >= 0 || cci >= 0;
  int nhead = nf;
  char *line = NULL;
  int rc;
  while ((rc = lr_next(&r, &line)) > 0) {
    if (line[0] == '#' || line[0] == '\0') continue;
    int n = split_tabs(line, f, MAXF);
    if (n != nhead)
      STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: %d fields, header has %d", sp->ccf, (long long)r.lineno,
                  n, nhead);
    int s = intern_find(samples, trim(f[cs]));
    if (s < 0) {
      if (rank == 0) t->ccf_unmatched++; /* seen by every rank: count once */
      continue;
    }
    if (t->patient_owner[t->sample_patient[s]] != rank) continue;
    const char *c = trim(f[cc]);
    if (!strncmp(c, "chr", 3)) c += 3;
    int ci = intern_find(strs, c);
    double pv, v, sd = NAN, hi = NAN;
    if (!parse_num(trim(f[cp]), &pv) || isnan(pv))
      STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: bad Start_Position '%s'", sp->ccf, (long long)r.lineno, f[cp]);
    if (!parse_num(trim(f[cv]), &v))
      STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: CCF '%s' is not a number", sp->ccf, (long long)r.lineno, f[cv]);
    if (v < 0) STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: negative CCF %g", sp->ccf, (long long)r.lineno, v);
    if (cstd >= 0 && !parse_num(trim(f[cstd]), &sd))
      STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: CCF_Std '%s' is not a number", sp->ccf, (long long)r.lineno,
                  f[cstd]);
    if (cci >= 0 && !parse_num(trim(f[cci]), &hi))
      STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: CCF_CI_High '%s' is not a number", sp->ccf,
                  (long long)r.lineno, f[cci]);
    if (ci < 0) {
      t->ccf_unmatched++;
      continue;
    }
    int64_t pos = (int64_t)pv;
    uint64_t k = rkey(s, ci, pos);
    uint64_t slot = k & (uint64_t)(h.cap - 1);
    int64_t hit = -1;
    while (h.key[slot]) {
      int64_t j = h.row[slot];
      if (h.key[slot] == k && t->sample[j] == s && t->chrom[j] == ci && t->pos[j] == pos) {
        hit = j;
        break;
      }
      slot = (slot + 1) & (uint64_t)(h.cap - 1);
    }
    if (hit < 0) {
      t->ccf_unmatched++;
      continue;
    }
    /* MesKit: CCF > 1 capped to 1; CI high from the CI column, else CCF + z * CCF_Std (after
     * the cap, as MesKit computes it on the capped column). */
    double capped = v > 1 ? 1.0 : v;
    double cihi = cci >= 0 ? hi : capped + z * sd;
    for (int64_t j = hit; j >= 0; j = next[j]) {
      t->ccf[j] = capped;
      t->ccf_std[j] = sd;
      t->ccf_ci_high[j] = cihi;
    }
  }
  if (rc < 0) st = strata_err_code();
cleanup:
  lr_close(&r);
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

/* Everything before the first agreement point: sample table, layout, pass 1, partition. */
static int read_phase1(const strata_mut_spec_t *sp, int size, strata_mut_table_t *t,
                       layout_t *L, intern_t *samples) {
  int st = STRATA_OK;
  sampletab_t stab = {0};
  intern_t patients = {0}, tumors = {0};
  int64_t *sample_rows = NULL;
  int32_t *pidx = NULL;
  double *cost = NULL;
  strata_partition_t *part = NULL;
  lreader_t r = {0};
  char *hf[MAXF];
  int nf;
  if (sp->samples) STRATA_CHECK(read_sampletab(sp->samples, &stab));
  STRATA_CHECK(lr_open(&r, sp->table));
  STRATA_CHECK(read_header(&r, hf, &nf));
  STRATA_CHECK(make_layout(sp, hf, nf, sp->samples != NULL, L));
  lr_close(&r);
  if (sp->format == STRATA_MUT_PYCLONE && !sp->samples)
    STRATA_FAIL(STRATA_ERR_INPUT, "%s: PyClone-VI output has no patient column; give the sample table",
                sp->table);
  t->has_depth = L->refd >= 0;
  t->has_vaf = L->vaf >= 0 || L->refd >= 0;
  t->has_class = L->vclass >= 0;
  t->has_cluster = L->cluster >= 0;
  t->has_ccf = L->ccf >= 0;
  STRATA_CHECK(pass1(sp, &stab, L, t, samples, &patients, &tumors, &sample_rows));
  if (samples->n == 0) STRATA_FAIL(STRATA_ERR_INPUT, "%s: no mutation rows with VAF > 0", sp->table);
  /* patients over ranks, balanced by kept rows, never split */
  STRATA_CALLOC(t->patient_rows, patients.n);
  for (int64_t s = 0; s < samples->n; s++) t->patient_rows[t->sample_patient[s]] += sample_rows[s];
  STRATA_MALLOC(pidx, patients.n);
  STRATA_MALLOC(cost, patients.n);
  for (int64_t p = 0; p < patients.n; p++) {
    pidx[p] = (int32_t)p;
    cost[p] = (double)t->patient_rows[p];
  }
  STRATA_CHECK(strata_partition_patients(patients.n, pidx, patients.n, cost, size, &part));
  STRATA_MALLOC(t->patient_owner, patients.n);
  for (int64_t p = 0; p < patients.n; p++) t->patient_owner[p] = part->part[p];
  STRATA_CALLOC(t->sample_names, samples->n);
  t->nsamples = samples->n;
  for (int64_t s = 0; s < samples->n; s++) {
    t->sample_names[s] = strdup(samples->str[s]);
    if (!t->sample_names[s]) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
  }
  STRATA_CHECK(copy_names(&patients, &t->patient_names, &t->npatients));
  STRATA_CHECK(copy_names(&tumors, &t->tumor_names, &t->ntumors));
  for (int64_t k = 0; k < t->ntumors; k++) { /* "patient\ttumor" -> "tumor" */
    char *tab = strchr(t->tumor_names[k], '\t');
    if (tab) memmove(t->tumor_names[k], tab + 1, strlen(tab + 1) + 1);
  }
cleanup:
  lr_close(&r);
  sampletab_free(&stab);
  intern_free(&patients);
  intern_free(&tumors);
  free(sample_rows);
  free(pidx);
  free(cost);
  strata_partition_destroy(&part);
  return st;
}

int strata_mut_read(MPI_Comm comm, const strata_mut_spec_t *sp, strata_mut_table_t **out) {
  int st = STRATA_OK, rank = 0, size = 1;
  strata_mut_table_t *t = NULL;
  intern_t samples = {0}, strs = {0};
  layout_t L;
  *out = NULL;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  t = calloc(1, sizeof *t);
  st = t ? read_phase1(sp, size, t, &L, &samples)
         : strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
  STRATA_CHECK(strata_agree(comm, st));
  st = pass2(sp, &L, rank, t, &samples, &strs);
  STRATA_CHECK(strata_agree(comm, st));
  /* percent VAFs: MesKit divides every VAF by 100 when the maximum exceeds 1 */
  if (L.vaf >= 0) {
    double mx = 0, gmx = 0;
    for (int64_t i = 0; i < t->n; i++)
      if (t->vaf[i] > mx) mx = t->vaf[i];
    STRATA_MPI_CHECK(MPI_Allreduce(&mx, &gmx, 1, MPI_DOUBLE, MPI_MAX, comm));
    if (gmx > 1) {
      t->vaf_percent = 1;
      for (int64_t i = 0; i < t->n; i++) t->vaf[i] /= 100.0;
    }
  }
  if (sp->ccf) {
    st = join_ccf(sp, rank, t, &samples, &strs);
    STRATA_CHECK(strata_agree(comm, st));
    /* CCF rows of unknown samples are seen by every rank; those of known samples by their owner */
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
  intern_free(&samples);
  intern_free(&strs);
  return st;
}

/* ---- segments -------------------------------------------------------------------------- */
void strata_seg_table_destroy(strata_seg_table_t **tp) {
  if (!tp || !*tp) return;
  strata_seg_table_t *t = *tp;
  free(t->sample); free(t->chrom); free(t->start); free(t->end);
  free(t->major); free(t->minor); free(t->total);
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
    STRATA_FAIL(STRATA_ERR_INPUT, "%s: no copy-number columns (Major_CN + Minor_CN, or CopyNumber)", path);
  t->has_alleles = cmaj >= 0 && cmin >= 0;
  int nhead = nf;
  char *line = NULL;
  int rc;
  while ((rc = lr_next(&r, &line)) > 0) {
    if (line[0] == '#' || line[0] == '\0') continue;
    int n = split_tabs(line, f, MAXF);
    if (n != nhead)
      STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: %d fields, header has %d", path, (long long)r.lineno, n, nhead);
    int s = intern_find(&samples, trim(f[cs]));
    if (s < 0) {
      t->unknown_samples++;
      continue;
    }
    if (m->patient_owner[m->sample_patient[s]] != rank) continue;
    double a, b, maj = NAN, mn = NAN, tot = NAN;
    if (!parse_num(trim(f[c0]), &a) || !parse_num(trim(f[c1]), &b) || isnan(a) || isnan(b))
      STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: bad segment coordinates", path, (long long)r.lineno);
    if (b < a) STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: segment end %.0f < start %.0f", path,
                           (long long)r.lineno, b, a);
    if ((t->has_alleles && (!parse_num(trim(f[cmaj]), &maj) || !parse_num(trim(f[cmin]), &mn))) ||
        (ctot >= 0 && !parse_num(trim(f[ctot]), &tot)))
      STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: copy number is not a number", path, (long long)r.lineno);
    if (maj < 0 || mn < 0 || tot < 0)
      STRATA_FAIL(STRATA_ERR_INPUT, "%s:%lld: negative copy number", path, (long long)r.lineno);
    if (cap <= t->n) {
      int64_t nc = cap ? 2 * cap : 256;
#define GROWS(a)                                                                 \
  do {                                                                           \
    void *np_ = realloc(t->a, (size_t)nc * sizeof *t->a);                        \
    if (!np_) STRATA_FAIL(STRATA_ERR_MEM, "out of memory reading %s", path);     \
    t->a = np_;                                                                  \
  } while (0)
      GROWS(sample); GROWS(chrom); GROWS(start); GROWS(end); GROWS(major); GROWS(minor); GROWS(total);
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
