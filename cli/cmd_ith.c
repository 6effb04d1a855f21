/* `strata ith`: intratumor heterogeneity per region, region pair and patient from multi-region
 * mutation tables, patients distributed over ranks (balanced by mutation rows, never split).
 * Glue only: reading is io/mutations*.c, metrics are solvers/ith.c; this file sorts each
 * patient's rows, runs the metrics, adds the cohort-level latent-space ITH, gathers the tables to
 * rank 0 in patient order (so the output is identical for any rank count) and writes them. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cli/cli.h"
#include "strata/h5util.h"
#include "strata/ith.h"
#include "strata/mutations.h"
#include "strata/util.h"

static int run(strata_cli_t *cli, int argc, char **argv);

const strata_cmd_t strata_cmd_ith = {
    "ith", "intratumor heterogeneity per region, region pair and patient",
    "Usage: strata ith --maf FILE [--clin FILE] [--ccf FILE] [options] [-o PREFIX]\n"
    "       strata ith --cohort COHORT.h5mu [options] [-o PREFIX]\n"
    "\n"
    "Reads a multi-region mutation table, spreads patients over the MPI ranks (balanced by\n"
    "mutation rows, a patient is never split) and computes heterogeneity metrics with the\n"
    "conventions of MesKit 1.1.2, maftools and CONIPHER named below.  Output:\n"
    "PREFIX.region.tsv, PREFIX.pair.tsv, PREFIX.patient.tsv (written atomically by rank 0; '#'\n"
    "lines first name every convention); without -o the patient table is printed on stdout.\n"
    "--results FILE.h5 also writes the group /ith with the three tables as anndata dataframes\n"
    "and the conventions as attributes.\n"
    "\n"
    "Input:\n"
    "  --format F           meskit (default): MesKit MAF (Ref_allele_depth, Alt_allele_depth,\n"
    "                       VAF);\n"
    "                       gdc: GDC MAF (t_ref_count, t_alt_count; VAF = alt/(ref+alt));\n"
    "                       pyclone: PyClone-VI output (mutation_id, sample_id, cluster_id,\n"
    "                       cellular_prevalence as CCF; needs --samples);\n"
    "                       conipher: CONIPHER input (CASE_ID, SAMPLE, CHR, POS, REF, ALT,\n"
    "                       REF_COUNT, VAR_COUNT, CLUSTER, CCF_PHYLO as CCF)\n"
    "  --maf FILE           the mutation table (alias --table).  Plain TSV is read in parallel\n"
    "                       (one byte range per rank); gzip is read by rank 0 and scattered\n"
    "  --clin FILE          sample table: Tumor_Sample_Barcode, Patient_ID, Tumor_ID (MesKit's\n"
    "                       clinical file; alias --samples).  A sample of --maf missing from this\n"
    "                       table is an error (exit 2).\n"
    "  --ccf FILE           MesKit CCF file (Patient_ID, Tumor_Sample_Barcode, Chromosome,\n"
    "                       Start_Position, CCF, CCF_Std or CCF_CI_High); CCF > 1 capped at 1\n"
    "  --ccf-conf-level X   CCF_CI_High = CCF + qnorm(1-(1-X)/2)*CCF_Std (default 0.95)\n"
    "  --seg FILE           allele-specific copy-number segments (Major_CN/Minor_CN or\n"
    "                       COPY_NUMBER_A/B, or CopyNumber) for SCNA-ITH\n"
    "  --store COHORT.h5mu  also store the imported rows in the cohort file as the group\n"
    "                       uns/strata/mutations (rank 0 writes; created if the file is missing)\n"
    "  --cohort COHORT.h5mu read the rows stored there instead of --maf (each rank reads only its\n"
    "                       patients' rows)\n"
    "  --latent FILE        MOFA2 model (expectations/Z/<group>) or .h5mu/.h5ad with obsm/X_pca\n"
    "  --latent-key DS      dataset of an anndata/mudata file (default: obsm/X_pca, else\n"
    "                       obsm/X_svd, else obsm/X_mofa)\n"
    "Input conventions (MesKit readMaf): rows with VAF == 0 (absent in that region) and\n"
    "chromosomes M/MT are dropped and counted; VAF divided by 100 when its maximum exceeds 1;\n"
    "VAF < 0 or > 100, negative depths, malformed rows: exit 2 naming file:line.  Duplicated rows\n"
    "(same sample and chr:pos:ref:alt) are kept (every row enters MATH, as in MesKit) and\n"
    "reported as a warning with their count.\n"
    "\n"
    "Metrics and conventions:\n"
    "  --math-convention C  meskit (default): MesKit mathScore, all rows of the region,\n"
    "                       MATH = round(100*1.4826*median|v-med|/med, 3) with R rounding;\n"
    "                       maftools: math.score, non-synonymous rows with VAF >= 0.075,\n"
    "                       NA under 5 variants, MATH = 100*median|v-med|*1.4826/med, unrounded\n"
    "  clonal status        MesKit 1.1.2: per tumour and mutation, n samples carrying it:\n"
    "                       n == 1: Subclonal iff CCF_CI_High < 1; n > 1: Subclonal iff\n"
    "                       Tumor_Average_CCF < 0.5 and any CCF_CI_High < 1 and any CCF < 0.5\n"
    "                       (Tumor_Average_CCF = round(sum CCF*depth / sum depth, 3)); needs\n"
    "                       --ccf\n"
    "                       with CCF_Std or CCF_CI_High.  frac_subclonal (TRACERx-style): per\n"
    "                       region n_subclonal/(n_clonal+n_subclonal); per patient distinct\n"
    "                       mutations subclonal in some tumour / distinct mutations with a status\n"
    "  public/shared/private MesKit classifyMut SP: private if in 1 sample (tested first),\n"
    "                       public if in all samples of the patient, shared otherwise\n"
    "  fst                  Hudson estimator, MesKit calFst: rows with depth >= --fst-min-depth\n"
    "                       (2)\n"
    "                       and --fst-min-vaf (0) <= VAF <= 1; union, missing = VAF 0 depth 0;\n"
    "                       mean(N)/mean(D); patient = mean over pairs\n"
    "  nei                  Nei's distance on CCF (MesKit calNeiDist), matched over the union;\n"
    "  --nei-meskit-compat  reproduce MesKit 1.1.2: shared mutations of samples from different\n"
    "                       Tumor_IDs are never matched\n"
    "  --nei-min-ccf X      keep CCF >= X (default 0: no filter)\n"
    "  jsi                  MesKit calJSI: SS12/(PC1+PC2+SS12), 0 when empty; patient jsi_multi =\n"
    "                       mean(SS12)/(mean(PC1)+mean(PC2)+mean(SS12)) over pairs\n"
    "  --jsi-pair-by-tumor  pairByTumor=TRUE: tumour pairs on Tumor_Average_CCF (extra pair rows\n"
    "                       with unit 'tumor'; jsi_multi from them)\n"
    "  --jsi-min-ccf X      min.ccf (default 0)\n"
    "  --jsi-use-adj-vaf    use.adjVAF=TRUE (VAF = CCF/2 before the VAF filter)\n"
    "  --jsi-no-indel       use.indel=FALSE (SNP rows only)\n"
    "                       MesKit vignette: --jsi-pair-by-tumor --jsi-min-ccf 0.02\n"
    "                       --jsi-use-adj-vaf --jsi-no-indel gives V402 JSI 0.341 on CRC_HZ\n"
    "  jaccard              plain presence Jaccard |A and B|/|A or B| (not MesKit's JSI)\n"
    "  ccf_auc              MesKit ccfAUC, exact integral of the CCF ECDF on [0,1]\n"
    "                       = 1 - mean(CCF)\n"
    "                       (MesKit's quadrature differs by up to ~1e-3)\n"
    "  clones               with clusters (PyClone-VI cluster_id, CONIPHER CLUSTER, MAF Cluster):\n"
    "                       cluster CCF per region = mean CCF of its rows (capped at 1); clone\n"
    "                       proportions by CONIPHER's rule on a linear chain (strata assumes each\n"
    "                       smaller cluster nested in the next larger: p = CCF - child CCF);\n"
    "                       shannon = -sum p ln p, gini_simpson = 1 - sum p^2 (p normalised)\n"
    "  scna_ith             strata's definition (not TRACERx code): autosomes, intervals covered\n"
    "                       in every region, state (round(minor), round(major)); aberrant if some\n"
    "                       region differs from (1,1); subclonal if aberrant and states differ;\n"
    "                       bp(subclonal)/bp(aberrant)\n"
    "  latent_ith           strata's latent-space ITH: mean Euclidean distance between the\n"
    "                       patient's regions in factor space divided by the cohort's mean\n"
    "                       Euclidean distance between patient centroids (all patient pairs)\n"
    "  Single-region patients: pairwise metrics NA.  NA is written as 'NA'.\n"
    "\n"
    "Output:\n"
    "  -o, --output PREFIX  write PREFIX.{region,pair,patient}.tsv\n"
    "  --results FILE       also write the tables to FILE (HDF5 group /ith)\n",
    run};

typedef struct {
  const strata_mut_table_t *t;
  const int32_t *spat; /* sample -> patient */
} sortctx_t;
static sortctx_t g_sort;

/* row order: patient, chromosome, position, ref, alt (lexicographic ranks), sample, line */
static int cmp_rows(const void *a, const void *b) {
  const strata_mut_table_t *t = g_sort.t;
  int64_t i = *(const int64_t *)a, j = *(const int64_t *)b;
#define C3(x, y) \
  if ((x) != (y)) return (x) < (y) ? -1 : 1
  C3(t->sample_patient[t->sample[i]], t->sample_patient[t->sample[j]]);
  C3(t->chrom[i], t->chrom[j]);
  C3(t->pos[i], t->pos[j]);
  C3(t->ref[i], t->ref[j]);
  C3(t->alt[i], t->alt[j]);
  C3(t->sample[i], t->sample[j]);
  C3(t->line[i], t->line[j]);
#undef C3
  return 0;
}

static const char *const *g_strs;
static int cmp_str_idx(const void *a, const void *b) {
  return strcmp(g_strs[*(const int32_t *)a], g_strs[*(const int32_t *)b]);
}

/* Replace interned ids by their lexicographic rank so that row order (and so every floating-point
 * sum) is the same whichever rank holds the patient. */
static int rank_strings(strata_mut_table_t *t) {
  int st = STRATA_OK;
  int32_t *ord = NULL, *rk = NULL;
  STRATA_MALLOC(ord, t->nstrings);
  STRATA_MALLOC(rk, t->nstrings);
  for (int64_t i = 0; i < t->nstrings; i++) ord[i] = (int32_t)i;
  g_strs = (const char *const *)t->strings;
  qsort(ord, (size_t)t->nstrings, sizeof *ord, cmp_str_idx);
  for (int64_t i = 0; i < t->nstrings; i++) rk[ord[i]] = (int32_t)i;
  for (int64_t i = 0; i < t->n; i++) {
    t->chrom[i] = rk[t->chrom[i]];
    if (t->ref[i] >= 0) t->ref[i] = rk[t->ref[i]];
    if (t->alt[i] >= 0) t->alt[i] = rk[t->alt[i]];
  }
  /* keep strings[id] the string of id: strings[rank] = old strings[ord[rank]] */
  {
    char **ns = NULL;
    STRATA_MALLOC(ns, t->nstrings);
    for (int64_t i = 0; i < t->nstrings; i++) ns[i] = t->strings[ord[i]];
    free(t->strings);
    t->strings = ns;
  }
cleanup:
  free(ord);
  free(rk);
  return st;
}

/* Growing text and number buffers for one output table on this rank. */
typedef struct {
  char *txt;
  size_t len, cap;
  double *num;
  int64_t nnum, capnum;
  int64_t nrows;
} tbl_t;

static int tbl_text(tbl_t *b, const char *s) {
  size_t n = strlen(s);
  if (b->len + n + 1 > b->cap) {
    size_t nc = b->cap ? b->cap : 4096;
    while (nc < b->len + n + 1) nc *= 2;
    char *p = realloc(b->txt, nc);
    if (!p) return strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
    b->txt = p;
    b->cap = nc;
  }
  memcpy(b->txt + b->len, s, n + 1);
  b->len += n;
  return STRATA_OK;
}

static int tbl_nums(tbl_t *b, const double *v, int n) {
  if (b->nnum + n > b->capnum) {
    int64_t nc = b->capnum ? b->capnum : 1024;
    while (nc < b->nnum + n) nc *= 2;
    double *p = realloc(b->num, (size_t)nc * sizeof *p);
    if (!p) return strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
    b->num = p;
    b->capnum = nc;
  }
  memcpy(b->num + b->nnum, v, (size_t)n * sizeof *v);
  b->nnum += n;
  return STRATA_OK;
}

static void tbl_free(tbl_t *b) {
  free(b->txt);
  free(b->num);
  memset(b, 0, sizeof *b);
}

/* Gather a table to rank 0 in rank order (= patient order, patients are contiguous per rank). */
static int tbl_gather(MPI_Comm comm, tbl_t *b) {
  int st = STRATA_OK, rank, size;
  int *cnt = NULL, *dsp = NULL;
  char *txt = NULL;
  double *num = NULL;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  if (b->len > INT32_MAX || b->nnum > INT32_MAX)
    STRATA_FAIL(STRATA_ERR_INTERNAL, "ith: a rank's table exceeds 2^31 entries");
  STRATA_MALLOC(cnt, size);
  STRATA_MALLOC(dsp, size);
  int mine = (int)b->len;
  STRATA_MPI_CHECK(MPI_Gather(&mine, 1, MPI_INT, cnt, 1, MPI_INT, 0, comm));
  int64_t tot = 0;
  if (rank == 0)
    for (int r = 0; r < size; r++) {
      dsp[r] = (int)tot;
      tot += cnt[r];
    }
  if (tot > INT32_MAX) STRATA_FAIL(STRATA_ERR_INTERNAL, "ith: gathered table exceeds 2^31 bytes");
  if (rank == 0) STRATA_MALLOC(txt, tot + 1);
  STRATA_MPI_CHECK(
      MPI_Gatherv(b->txt ? b->txt : "", mine, MPI_CHAR, txt, cnt, dsp, MPI_CHAR, 0, comm));
  int64_t rows = b->nrows, trows = 0;
  STRATA_MPI_CHECK(MPI_Reduce(&rows, &trows, 1, MPI_INT64_T, MPI_SUM, 0, comm));
  mine = (int)b->nnum;
  STRATA_MPI_CHECK(MPI_Gather(&mine, 1, MPI_INT, cnt, 1, MPI_INT, 0, comm));
  int64_t totn = 0;
  if (rank == 0)
    for (int r = 0; r < size; r++) {
      dsp[r] = (int)totn;
      totn += cnt[r];
    }
  if (rank == 0) STRATA_MALLOC(num, totn);
  STRATA_MPI_CHECK(MPI_Gatherv(b->num, mine, MPI_DOUBLE, num, cnt, dsp, MPI_DOUBLE, 0, comm));
  if (rank == 0) {
    txt[tot] = '\0';
    free(b->txt);
    free(b->num);
    b->txt = txt;
    b->len = (size_t)tot;
    b->cap = (size_t)tot + 1;
    b->num = num;
    b->nnum = b->capnum = totn;
    b->nrows = trows;
    txt = NULL;
    num = NULL;
  }
cleanup:
  free(cnt);
  free(dsp);
  free(txt);
  free(num);
  return st;
}

static void fmt_num(char *buf, size_t n, double v) {
  if (isnan(v))
    snprintf(buf, n, "\tNA");
  else
    snprintf(buf, n, "\t%.10g", v);
}

/* Write one table: '#' metadata lines, header, label columns (text) + numeric columns. */
static int write_tsv(const char *path, const char *meta, const char *labels, const tbl_t *b,
                     const char *const *cols, int ncols, FILE *to) {
  int st = STRATA_OK;
  char tmp[4096], cell[64];
  FILE *f = to;
  if (!f) {
    strata_tmpname(path, tmp, sizeof tmp);
    f = fopen(tmp, "w");
    if (!f) STRATA_FAIL(STRATA_ERR_IO, "cannot write '%s'", tmp);
  }
  fputs(meta, f);
  fputs(labels, f);
  for (int c = 0; c < ncols; c++) fprintf(f, "\t%s", cols[c]);
  fputc('\n', f);
  const char *p = b->txt;
  for (int64_t r = 0; r < b->nrows; r++) {
    const char *e = strchr(p, '\n');
    fwrite(p, 1, (size_t)(e - p), f);
    for (int c = 0; c < ncols; c++) {
      fmt_num(cell, sizeof cell, b->num[r * ncols + c]);
      fputs(cell, f);
    }
    fputc('\n', f);
    p = e + 1;
  }
  if (!to) {
    if (fclose(f) != 0) {
      remove(tmp);
      STRATA_FAIL(STRATA_ERR_IO, "cannot write '%s'", tmp);
    }
    if (rename(tmp, path) != 0) {
      remove(tmp);
      STRATA_FAIL(STRATA_ERR_IO, "cannot rename '%s' to '%s'", tmp, path);
    }
  }
cleanup:
  return st;
}

/* Split the label text of a table into columns of strings (for the HDF5 dataframe). */
static int split_labels(const tbl_t *b, int nlab, char ***cols) {
  int st = STRATA_OK;
  char *p = b->txt;
  for (int c = 0; c < nlab; c++) STRATA_CALLOC(cols[c], b->nrows);
  for (int64_t r = 0; r < b->nrows; r++) {
    for (int c = 0; c < nlab; c++) {
      size_t n = strcspn(p, c + 1 < nlab ? "\t" : "\n");
      cols[c][r] = strndup(p, n);
      if (!cols[c][r]) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
      p += n + 1;
    }
  }
cleanup:
  return st;
}

static int write_h5_table(hid_t g, const char *name, const tbl_t *b, int nlab,
                          const char *const *labnames, const char *const *cols, int ncols) {
  int st = STRATA_OK;
  char **lab[4] = {NULL, NULL, NULL, NULL}, **order = NULL, **index = NULL;
  double *col = NULL;
  hid_t df = -1;
  char buf[32];
  STRATA_CHECK(split_labels(b, nlab, lab));
  STRATA_CALLOC(order, nlab + ncols);
  for (int c = 0; c < nlab; c++) order[c] = (char *)labnames[c];
  for (int c = 0; c < ncols; c++) order[nlab + c] = (char *)cols[c];
  STRATA_CALLOC(index, b->nrows);
  for (int64_t r = 0; r < b->nrows; r++) {
    snprintf(buf, sizeof buf, "%lld", (long long)r);
    index[r] = strdup(buf);
    if (!index[r]) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
  }
  STRATA_CHECK(strata_h5_dataframe(g, name, b->nrows, index, nlab + ncols, order, &df));
  for (int c = 0; c < nlab; c++)
    STRATA_CHECK(strata_h5_write_strings(df, labnames[c], b->nrows, lab[c]));
  STRATA_MALLOC(col, b->nrows);
  for (int c = 0; c < ncols; c++) {
    for (int64_t r = 0; r < b->nrows; r++) col[r] = b->num[r * ncols + c];
    STRATA_CHECK(strata_h5_write_double(df, cols[c], b->nrows, col));
  }
cleanup:
  if (df >= 0) H5Gclose(df);
  for (int c = 0; c < nlab; c++) {
    if (!lab[c]) continue;
    for (int64_t r = 0; r < b->nrows; r++) free(lab[c][r]);
    free(lab[c]);
  }
  if (index)
    for (int64_t r = 0; r < b->nrows; r++) free(index[r]);
  free(index);
  free(order);
  free(col);
  return st;
}

/* Latent-space ITH for the owned patients: within-patient mean pairwise distance over the
 * cohort's mean between-centroid distance.  Every rank reads the (small) latent matrix; the
 * between-patient sum is formed per patient by its owner and summed in patient order on every
 * rank, so the value does not depend on the rank count. */
static int latent_ith(MPI_Comm comm, const char *path, const char *key, const strata_mut_table_t *t,
                      double *lat /* [npatients] */) {
  int st = STRATA_OK, rank, size;
  int64_t n = 0;
  int K = 0;
  char **names = NULL;
  double *Z = NULL, *cen = NULL, *part = NULL, *allpart = NULL, *buf = NULL;
  int64_t *srow = NULL, *cnt = NULL, *cidx = NULL, *soff = NULL, *slist = NULL, np_ = 0;
  double *c2 = NULL;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  (void)size;
  for (int64_t p = 0; p < t->npatients; p++) lat[p] = NAN;
  st = strata_latent_read(path, key, &n, &K, &names, &Z);
  STRATA_CHECK(strata_agree(comm, st));
  STRATA_MALLOC(srow, t->nsamples);
  {
    /* sample name -> latent row: sort both name lists and merge */
    int32_t *a = NULL, *b = NULL;
    int64_t matched = 0;
    if (n > INT32_MAX) STRATA_FAIL(STRATA_ERR_INPUT, "%s: too many latent rows", path);
    a = malloc((size_t)(t->nsamples ? t->nsamples : 1) * sizeof *a);
    b = malloc((size_t)(n ? n : 1) * sizeof *b);
    if (!a || !b) {
      free(a);
      free(b);
      STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
    }
    for (int64_t s = 0; s < t->nsamples; s++) a[s] = (int32_t)s;
    for (int64_t i = 0; i < n; i++) b[i] = (int32_t)i;
    g_strs = (const char *const *)t->sample_names;
    qsort(a, (size_t)t->nsamples, sizeof *a, cmp_str_idx);
    g_strs = (const char *const *)names;
    qsort(b, (size_t)n, sizeof *b, cmp_str_idx);
    for (int64_t s = 0; s < t->nsamples; s++) srow[s] = -1;
    for (int64_t i = 0, j = 0; i < t->nsamples && j < n;) {
      int c = strcmp(t->sample_names[a[i]], names[b[j]]);
      if (c == 0) {
        srow[a[i++]] = b[j++];
        matched++;
      } else if (c < 0) {
        i++;
      } else {
        j++;
      }
    }
    free(a);
    free(b);
    if (matched == 0)
      STRATA_FAIL(STRATA_ERR_INPUT, "%s: no sample of the mutation table is in the latent file",
                  path);
  }
  STRATA_CALLOC(cen, (size_t)t->npatients * K);
  STRATA_CALLOC(cnt, t->npatients);
  for (int64_t s = 0; s < t->nsamples; s++) {
    if (srow[s] < 0 || isnan(Z[srow[s] * K])) continue;
    int p = t->sample_patient[s];
    for (int k = 0; k < K; k++) cen[(size_t)p * K + k] += Z[srow[s] * K + k];
    cnt[p]++;
  }
  /* centroids of patients with >= 1 latent row; others are left out of the cohort mean */
  STRATA_MALLOC(c2, (size_t)t->npatients * K);
  STRATA_MALLOC(cidx, t->npatients);
  for (int64_t p = 0; p < t->npatients; p++) {
    cidx[p] = -1;
    if (!cnt[p]) continue;
    for (int k = 0; k < K; k++) c2[np_ * K + k] = cen[(size_t)p * K + k] / (double)cnt[p];
    cidx[p] = np_++;
  }
  /* between-centroid sums: centroid q handled by the owner of its patient */
  STRATA_CALLOC(part, t->npatients);
  for (int64_t p = 0; p < t->npatients; p++)
    if (t->patient_owner[p] == rank && cidx[p] >= 0)
      part[p] = strata_ith_latent_between_sum(c2, np_, K, cidx[p]);
  STRATA_MALLOC(allpart, t->npatients);
  /* each entry has exactly one nonzero contributor (its owner), so this sum is exact */
  STRATA_MPI_CHECK(MPI_Allreduce(part, allpart, (int)t->npatients, MPI_DOUBLE, MPI_SUM, comm));
  double tot = 0;
  for (int64_t p = 0; p < t->npatients; p++) tot += allpart[p]; /* patient order: np-independent */
  double between = np_ > 1 ? tot / ((double)np_ * (double)(np_ - 1) / 2) : NAN;
  /* samples of each patient (counting sort; global order kept within a patient) */
  STRATA_CALLOC(soff, t->npatients + 1);
  STRATA_MALLOC(slist, t->nsamples);
  for (int64_t s = 0; s < t->nsamples; s++) soff[t->sample_patient[s] + 1]++;
  int64_t maxs = 1;
  for (int64_t p = 0; p < t->npatients; p++) {
    if (soff[p + 1] > maxs) maxs = soff[p + 1];
    soff[p + 1] += soff[p];
  }
  for (int64_t s = 0; s < t->nsamples; s++) slist[soff[t->sample_patient[s]]++] = s;
  for (int64_t p = t->npatients; p > 0; p--) soff[p] = soff[p - 1];
  soff[0] = 0;
  STRATA_MALLOC(buf, (size_t)maxs * K);
  for (int64_t p = 0; p < t->npatients; p++) {
    if (t->patient_owner[p] != rank) continue;
    int64_t m = 0;
    for (int64_t q = soff[p]; q < soff[p + 1]; q++) {
      int64_t s = slist[q];
      if (srow[s] < 0 || isnan(Z[srow[s] * K])) continue;
      memcpy(buf + m * K, Z + srow[s] * K, (size_t)K * sizeof *buf);
      m++;
    }
    double w = strata_ith_latent_within(buf, m, K);
    lat[p] = w / between;
  }
cleanup:
  free(c2);
  free(cidx);
  free(soff);
  free(slist);
  if (names)
    for (int64_t i = 0; i < n; i++) free(names[i]);
  free(names);
  free(Z);
  free(cen);
  free(part);
  free(allpart);
  free(buf);
  free(srow);
  free(cnt);
  return st;
}

static int run(strata_cli_t *cli, int argc, char **argv) {
  int st = STRATA_OK;
  MPI_Comm comm = cli->comm;
  strata_mut_spec_t spec = {0};
  strata_ith_opts_t o;
  const char *prefix = NULL, *results = NULL, *seg = NULL, *latent = NULL, *latent_key = NULL;
  const char *store = NULL, *cohort = NULL;
  strata_mut_table_t *t = NULL;
  strata_seg_table_t *sg = NULL;
  int64_t *ord = NULL, *segord = NULL;
  double *lat = NULL;
  tbl_t treg = {0}, tpair = {0}, tpat = {0};
  strata_h5out_t *h5 = NULL;
  char *meta = NULL;
  /* per-patient scratch */
  int32_t *mut = NULL, *smp = NULL, *dep = NULL, *clu = NULL, *stu = NULL, *lsample = NULL;
  double *vaf = NULL, *ccf = NULL, *cih = NULL;
  uint8_t *nsy = NULL, *snp = NULL;
  strata_ith_result_t res = {0};
  /* patient -> its samples / tumours (CSR), segments of the current patient */
  int64_t *soff = NULL, *slist = NULL, *tlist_off = NULL, *tlist = NULL;
  int32_t *sgs = NULL, *sgc = NULL;
  int64_t *sg0 = NULL, *sg1 = NULL;
  double *sgM = NULL, *sgm = NULL, *sgt = NULL;
  strata_ith_opts_default(&o);
  spec.format = STRATA_MUT_MESKIT;
  enum {
    O_FORMAT = 256,
    O_MAF,
    O_CLIN,
    O_CCF,
    O_CCFLEVEL,
    O_SEG,
    O_LATENT,
    O_LATKEY,
    O_MATH,
    O_NEICOMPAT,
    O_NEIMIN,
    O_JSITUMOR,
    O_JSIMIN,
    O_JSIADJ,
    O_JSINOINDEL,
    O_FSTDEPTH,
    O_FSTVAF,
    O_RESULTS,
    O_STORE,
    O_COHORT
  };
  static const struct option lo[] = {{"format", required_argument, 0, O_FORMAT},
                                     {"maf", required_argument, 0, O_MAF},
                                     {"table", required_argument, 0, O_MAF},
                                     {"clin", required_argument, 0, O_CLIN},
                                     {"samples", required_argument, 0, O_CLIN},
                                     {"ccf", required_argument, 0, O_CCF},
                                     {"ccf-conf-level", required_argument, 0, O_CCFLEVEL},
                                     {"seg", required_argument, 0, O_SEG},
                                     {"latent", required_argument, 0, O_LATENT},
                                     {"latent-key", required_argument, 0, O_LATKEY},
                                     {"math-convention", required_argument, 0, O_MATH},
                                     {"nei-meskit-compat", no_argument, 0, O_NEICOMPAT},
                                     {"nei-min-ccf", required_argument, 0, O_NEIMIN},
                                     {"jsi-pair-by-tumor", no_argument, 0, O_JSITUMOR},
                                     {"jsi-min-ccf", required_argument, 0, O_JSIMIN},
                                     {"jsi-use-adj-vaf", no_argument, 0, O_JSIADJ},
                                     {"jsi-no-indel", no_argument, 0, O_JSINOINDEL},
                                     {"fst-min-depth", required_argument, 0, O_FSTDEPTH},
                                     {"fst-min-vaf", required_argument, 0, O_FSTVAF},
                                     {"output", required_argument, 0, 'o'},
                                     {"results", required_argument, 0, O_RESULTS},
                                     {"store", required_argument, 0, O_STORE},
                                     {"cohort", required_argument, 0, O_COHORT},
                                     {0, 0, 0, 0}};
  int c;
  int64_t iv;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
    switch (c) {
      case O_FORMAT:
        if (!strcmp(optarg, "meskit"))
          spec.format = STRATA_MUT_MESKIT;
        else if (!strcmp(optarg, "gdc"))
          spec.format = STRATA_MUT_GDC;
        else if (!strcmp(optarg, "pyclone"))
          spec.format = STRATA_MUT_PYCLONE;
        else if (!strcmp(optarg, "conipher"))
          spec.format = STRATA_MUT_CONIPHER;
        else
          return strata_cli_usage("--format must be meskit, gdc, pyclone or conipher, got '%s'",
                                  optarg);
        break;
      case O_MAF:
        spec.table = optarg;
        break;
      case O_CLIN:
        spec.samples = optarg;
        break;
      case O_CCF:
        spec.ccf = optarg;
        break;
      case O_CCFLEVEL:
        STRATA_CHECK(
            strata_cli_double("--ccf-conf-level", optarg, 1e-6, 1 - 1e-9, &spec.ccf_conf_level));
        break;
      case O_SEG:
        seg = optarg;
        break;
      case O_LATENT:
        latent = optarg;
        break;
      case O_LATKEY:
        latent_key = optarg;
        break;
      case O_MATH:
        if (!strcmp(optarg, "meskit"))
          o.math_convention = STRATA_ITH_MATH_MESKIT;
        else if (!strcmp(optarg, "maftools"))
          o.math_convention = STRATA_ITH_MATH_MAFTOOLS;
        else
          return strata_cli_usage("--math-convention must be meskit or maftools, got '%s'", optarg);
        break;
      case O_NEICOMPAT:
        o.nei_meskit_compat = 1;
        break;
      case O_NEIMIN:
        STRATA_CHECK(strata_cli_double("--nei-min-ccf", optarg, 0, 1, &o.nei_min_ccf));
        break;
      case O_JSITUMOR:
        o.jsi_pair_by_tumor = 1;
        break;
      case O_JSIMIN:
        STRATA_CHECK(strata_cli_double("--jsi-min-ccf", optarg, 0, 1, &o.jsi_min_ccf));
        break;
      case O_JSIADJ:
        o.jsi_use_adj_vaf = 1;
        break;
      case O_JSINOINDEL:
        o.jsi_use_indel = 0;
        break;
      case O_FSTDEPTH:
        STRATA_CHECK(strata_cli_int("--fst-min-depth", optarg, 0, 1000000000, &iv));
        o.fst_min_depth = (int)iv;
        break;
      case O_FSTVAF:
        STRATA_CHECK(strata_cli_double("--fst-min-vaf", optarg, 0, 1, &o.fst_min_vaf));
        break;
      case 'o':
        prefix = optarg;
        break;
      case O_RESULTS:
        results = optarg;
        break;
      case O_STORE:
        store = optarg;
        break;
      case O_COHORT:
        cohort = optarg;
        break;
      default:
        return strata_cli_usage("unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind < argc) return strata_cli_usage("unexpected argument '%s'", argv[optind]);
  if (!spec.table && !cohort) return strata_cli_usage("--maf FILE (or --cohort FILE) is required");
  if (spec.table && cohort) return strata_cli_usage("give --maf or --cohort, not both");

  double t0 = strata_wtime();
  if (cohort)
    STRATA_CHECK(strata_mut_load(comm, cohort, &t));
  else
    STRATA_CHECK(strata_mut_read(comm, &spec, &t));
  if (store) {
    char src[2048];
    snprintf(src, sizeof src, "strata ith: table=%s samples=%s ccf=%s",
             spec.table ? spec.table : cohort, spec.samples ? spec.samples : "-",
             spec.ccf ? spec.ccf : "-");
    STRATA_CHECK(strata_mut_store(comm, t, store, src));
  }
  if (seg) STRATA_CHECK(strata_seg_read(comm, seg, t, &sg));
  STRATA_CHECK(rank_strings(t));
  strata_log(comm, 2, "ith: read %lld samples of %lld patients in %.2f s\n", (long long)t->nsamples,
             (long long)t->npatients, strata_wtime() - t0);

  /* rows sorted by patient, mutation, sample, line */
  STRATA_MALLOC(ord, t->n);
  for (int64_t i = 0; i < t->n; i++) ord[i] = i;
  g_sort.t = t;
  qsort(ord, (size_t)t->n, sizeof *ord, cmp_rows);
  int64_t maxrows = 0;
  for (int64_t p = 0; p < t->npatients; p++)
    if (t->patient_owner[p] == cli->rank && t->patient_rows[p] > maxrows)
      maxrows = t->patient_rows[p];
  STRATA_MALLOC(mut, maxrows);
  STRATA_MALLOC(smp, maxrows);
  STRATA_MALLOC(dep, maxrows);
  STRATA_MALLOC(clu, maxrows);
  STRATA_MALLOC(vaf, maxrows);
  STRATA_MALLOC(ccf, maxrows);
  STRATA_MALLOC(cih, maxrows);
  STRATA_MALLOC(nsy, maxrows);
  STRATA_MALLOC(snp, maxrows);
  STRATA_MALLOC(stu, t->nsamples);
  STRATA_MALLOC(lsample, t->nsamples);
  STRATA_CALLOC(lat, t->npatients);
  for (int64_t p = 0; p < t->npatients; p++) lat[p] = NAN;
  if (latent) STRATA_CHECK(latent_ith(comm, latent, latent_key, t, lat));
  /* segments grouped by patient */
  int64_t nseg = sg ? sg->n : 0;
  if (sg) {
    STRATA_MALLOC(segord, nseg);
    for (int64_t g = 0; g < nseg; g++) segord[g] = g;
  }

  /* samples of each patient in global (first-appearance) order: patient -> list via counting */
  STRATA_CALLOC(soff, t->npatients + 1);
  STRATA_MALLOC(slist, t->nsamples);
  for (int64_t s = 0; s < t->nsamples; s++) soff[t->sample_patient[s] + 1]++;
  for (int64_t p = 0; p < t->npatients; p++) soff[p + 1] += soff[p];
  {
    int64_t *fill = NULL;
    STRATA_CALLOC(fill, t->npatients);
    for (int64_t s = 0; s < t->nsamples; s++) {
      int p = t->sample_patient[s];
      slist[soff[p] + fill[p]++] = s;
    }
    free(fill);
  }
  STRATA_CALLOC(tlist_off, t->npatients + 1);
  STRATA_MALLOC(tlist, t->ntumors);
  for (int64_t k = 0; k < t->ntumors; k++) tlist_off[t->tumor_patient[k] + 1]++;
  for (int64_t p = 0; p < t->npatients; p++) tlist_off[p + 1] += tlist_off[p];
  {
    int64_t *fill = NULL;
    STRATA_CALLOC(fill, t->npatients);
    for (int64_t k = 0; k < t->ntumors; k++) {
      int p = t->tumor_patient[k];
      tlist[tlist_off[p] + fill[p]++] = k;
    }
    free(fill);
  }
  int64_t dup_local = 0;
  int64_t pos = 0, segpos = 0;
  char line[4096];
  /* segments are few: scan per patient with a cursor after sorting by patient */
  if (sg) {
    int64_t *key = NULL;
    STRATA_MALLOC(key, nseg);
    for (int64_t g = 0; g < nseg; g++) key[g] = t->sample_patient[sg->sample[g]];
    /* counting sort of segments by patient (stable) */
    int64_t *off = NULL;
    STRATA_CALLOC(off, t->npatients + 1);
    for (int64_t g = 0; g < nseg; g++) off[key[g] + 1]++;
    for (int64_t p = 0; p < t->npatients; p++) off[p + 1] += off[p];
    for (int64_t g = 0; g < nseg; g++) segord[off[key[g]]++] = g;
    free(off);
    free(key);
  }
  if (sg) {
    STRATA_MALLOC(sgs, nseg);
    STRATA_MALLOC(sgc, nseg);
    STRATA_MALLOC(sg0, nseg);
    STRATA_MALLOC(sg1, nseg);
    STRATA_MALLOC(sgM, nseg);
    STRATA_MALLOC(sgm, nseg);
    STRATA_MALLOC(sgt, nseg);
  }
  /* per patient; a failure jumps to the agreement below so that no rank is left waiting */
  for (int64_t p = 0; p < t->npatients; p++) {
    if (t->patient_owner[p] != cli->rank) continue;
    /* local sample and tumour indices */
    int S = (int)(soff[p + 1] - soff[p]), T = (int)(tlist_off[p + 1] - tlist_off[p]);
    for (int i = 0; i < S; i++) lsample[slist[soff[p] + i]] = i;
    for (int i = 0; i < S; i++) {
      int64_t s = slist[soff[p] + i];
      for (int k = 0; k < T; k++)
        if (tlist[tlist_off[p] + k] == t->sample_tumor[s]) stu[i] = k;
    }
    int64_t n = 0, nmut = 0;
    while (pos < t->n && t->sample_patient[t->sample[ord[pos]]] == p) {
      int64_t i = ord[pos];
      if (n > 0) {
        int64_t q = ord[pos - 1];
        int same = t->chrom[q] == t->chrom[i] && t->pos[q] == t->pos[i] && t->ref[q] == t->ref[i] &&
                   t->alt[q] == t->alt[i];
        if (!same)
          nmut++;
        else if (t->sample[q] == t->sample[i])
          dup_local++;
      }
      mut[n] = (int32_t)nmut;
      smp[n] = lsample[t->sample[i]];
      dep[n] =
          t->ref_depth[i] >= 0 && t->alt_depth[i] >= 0 ? t->ref_depth[i] + t->alt_depth[i] : -1;
      vaf[n] = t->vaf[i];
      ccf[n] = t->ccf[i];
      cih[n] = t->ccf_ci_high[i];
      nsy[n] = t->nonsyn[i];
      snp[n] = t->snp[i];
      clu[n] = t->cluster[i];
      n++;
      pos++;
    }
    if (n > 0) nmut++;
    int64_t ns = 0;
    while (sg && segpos < nseg && t->sample_patient[sg->sample[segord[segpos]]] == p) {
      int64_t g = segord[segpos++];
      sgs[ns] = lsample[sg->sample[g]];
      sgc[ns] = sg->chrom[g];
      sg0[ns] = sg->start[g];
      sg1[ns] = sg->end[g];
      sgM[ns] = sg->major[g];
      sgm[ns] = sg->minor[g];
      sgt[ns] = sg->total[g];
      ns++;
    }
    strata_ith_patient_t pin = {.nsamples = S,
                                .ntumors = T,
                                .sample_tumor = stu,
                                .nrows = n,
                                .nmut = nmut,
                                .mut = mut,
                                .sample = smp,
                                .vaf = vaf,
                                .depth = dep,
                                .ccf = ccf,
                                .ccf_ci_high = cih,
                                .has_ci = t->has_ci,
                                .nonsyn = nsy,
                                .snp = snp,
                                .cluster = t->has_cluster ? clu : NULL,
                                .nseg = ns,
                                .seg_sample = sgs,
                                .seg_chrom = sgc,
                                .seg_start = sg0,
                                .seg_end = sg1,
                                .seg_major = sgM,
                                .seg_minor = sgm,
                                .seg_total = sgt,
                                .seg_alleles = sg ? sg->has_alleles : 0};
    if ((st = strata_ith_patient_compute(&pin, &o, &res))) goto agree;
    res.patient[STRATA_ITH_T_LATENT] = lat[p];
    const char *pn = t->patient_names[p];
    for (int i = 0; i < S; i++) {
      int64_t s = slist[soff[p] + i];
      snprintf(line, sizeof line, "%s\t%s\t%s\n", pn, t->sample_names[s],
               t->tumor_names[t->sample_tumor[s]]);
      if ((st = tbl_text(&treg, line))) goto agree;
      if ((st = tbl_nums(&treg, &res.region[(size_t)i * STRATA_ITH_NREG], STRATA_ITH_NREG)))
        goto agree;
      treg.nrows++;
    }
    for (int k = 0; k < res.npair; k++) {
      int tum = res.pair_unit[k] == STRATA_ITH_UNIT_TUMOR;
      const char *a = tum ? t->tumor_names[tlist[tlist_off[p] + res.pair_a[k]]]
                          : t->sample_names[slist[soff[p] + res.pair_a[k]]];
      const char *b = tum ? t->tumor_names[tlist[tlist_off[p] + res.pair_b[k]]]
                          : t->sample_names[slist[soff[p] + res.pair_b[k]]];
      snprintf(line, sizeof line, "%s\t%s\t%s\t%s\n", pn, tum ? "tumor" : "sample", a, b);
      if ((st = tbl_text(&tpair, line))) goto agree;
      if ((st = tbl_nums(&tpair, &res.pair[(size_t)k * STRATA_ITH_NPAIR], STRATA_ITH_NPAIR)))
        goto agree;
      tpair.nrows++;
    }
    snprintf(line, sizeof line, "%s\n", pn);
    if ((st = tbl_text(&tpat, line))) goto agree;
    if ((st = tbl_nums(&tpat, res.patient, STRATA_ITH_NPAT))) goto agree;
    tpat.nrows++;
    strata_ith_result_free(&res);
  }
agree:
  st = strata_agree(comm, st);
  if (st) goto cleanup;
  int64_t dup = 0;
  STRATA_MPI_CHECK(MPI_Allreduce(&dup_local, &dup, 1, MPI_INT64_T, MPI_SUM, comm));
  double tread_comp = strata_wtime() - t0;
  STRATA_CHECK(tbl_gather(comm, &treg));
  STRATA_CHECK(tbl_gather(comm, &tpair));
  STRATA_CHECK(tbl_gather(comm, &tpat));

  if (cli->rank == 0) {
    if (t->vaf_percent && t->vaf_fraction_rows * 2 > t->nrows_total)
      fprintf(stderr,
              "strata ith: warning: VAF read as percent (maximum > 1, divided by 100 as MesKit "
              "does), but %lld of %lld rows had VAF <= 1: the table may mix fractions and "
              "percents\n",
              (long long)t->vaf_fraction_rows, (long long)t->nrows_total);
    if (dup > 0)
      fprintf(stderr,
              "strata ith: warning: %lld duplicated mutation rows (same sample and "
              "chr:pos:ref:alt); kept, as MesKit keeps them in MATH\n",
              (long long)dup);
    if (t->ccf_unmatched > 0 && cli->verbosity >= 1)
      fprintf(stderr, "strata ith: note: %lld CCF rows matched no mutation row with VAF > 0\n",
              (long long)t->ccf_unmatched);
    size_t mcap = 4096;
    STRATA_MALLOC(meta, mcap);
    snprintf(
        meta, mcap,
        "# strata ith: input=%s format=%s; rows dropped: VAF==0 %lld, chrM %lld; vaf_percent=%d;"
        " duplicated_rows=%lld\n"
        "# math=%s; clonal_status=MesKit-1.1.2 (n=1: CI_high<1; n>1: Tumor_Average_CCF<0.5 & "
        "any CI_high<1 & any CCF<0.5); sp=MesKit classifyMut SP; fst=Hudson (MesKit calFst, "
        "min.total.depth=%d, min.vaf=%g); nei=%s (min.ccf=%g); jsi=MesKit calJSI "
        "(pairByTumor=%s, min.ccf=%g, use.adjVAF=%s, use.indel=%s); jaccard=presence; "
        "ccf_auc=1-mean(CCF); clones=linear-chain CONIPHER proportions; scna_ith=strata "
        "(autosomes, bp subclonal/bp aberrant); latent_ith=strata (mean within-patient "
        "distance / mean between-centroid distance)%s%s\n",
        spec.table ? spec.table : cohort,
        cohort                              ? "cohort uns/strata/mutations"
        : spec.format == STRATA_MUT_MESKIT  ? "meskit"
        : spec.format == STRATA_MUT_GDC     ? "gdc"
        : spec.format == STRATA_MUT_PYCLONE ? "pyclone"
                                            : "conipher",
        (long long)t->dropped_vaf0, (long long)t->dropped_chrM, t->vaf_percent, (long long)dup,
        o.math_convention == STRATA_ITH_MATH_MESKIT
            ? "MesKit mathScore (all rows, round(100*MAD/median,3), MAD=1.4826*median|v-med|)"
            : "maftools math.score (nonSyn, VAF>=0.075, >=5 variants, unrounded)",
        o.fst_min_depth, o.fst_min_vaf,
        o.nei_meskit_compat ? "MesKit-1.1.2-compatible (unmatched across Tumor_IDs)" : "matched",
        o.nei_min_ccf, o.jsi_pair_by_tumor ? "TRUE" : "FALSE", o.jsi_min_ccf,
        o.jsi_use_adj_vaf ? "TRUE" : "FALSE", o.jsi_use_indel ? "TRUE" : "FALSE",
        latent ? "; latent=" : "", latent ? latent : "");
    static const char *const reglab[] = {"patient", "sample", "tumor"};
    static const char *const pairlab[] = {"patient", "unit", "a", "b"};
    static const char *const patlab[] = {"patient"};
    if (prefix) {
      char path[4096];
      snprintf(path, sizeof path, "%s.region.tsv", prefix);
      STRATA_CHECK(write_tsv(path, meta, "patient\tsample\ttumor", &treg, strata_ith_region_cols,
                             STRATA_ITH_NREG, NULL));
      snprintf(path, sizeof path, "%s.pair.tsv", prefix);
      STRATA_CHECK(write_tsv(path, meta, "patient\tunit\ta\tb", &tpair, strata_ith_pair_cols,
                             STRATA_ITH_NPAIR, NULL));
      snprintf(path, sizeof path, "%s.patient.tsv", prefix);
      STRATA_CHECK(
          write_tsv(path, meta, "patient", &tpat, strata_ith_patient_cols, STRATA_ITH_NPAT, NULL));
    } else {
      STRATA_CHECK(write_tsv(NULL, meta, "patient", &tpat, strata_ith_patient_cols, STRATA_ITH_NPAT,
                             stdout));
    }
    if (results) {
      hid_t g = -1;
      STRATA_CHECK(strata_h5out_create(results, 0, &h5));
      st = strata_h5_group(strata_h5out_file(h5), "ith", "dict", "0.1.0", &g);
      if (!st) st = strata_h5_attr_string(g, "conventions", meta);
      if (!st)
        st = write_h5_table(g, "region", &treg, 3, reglab, strata_ith_region_cols, STRATA_ITH_NREG);
      if (!st)
        st = write_h5_table(g, "pair", &tpair, 4, pairlab, strata_ith_pair_cols, STRATA_ITH_NPAIR);
      if (!st)
        st = write_h5_table(g, "patient", &tpat, 1, patlab, strata_ith_patient_cols,
                            STRATA_ITH_NPAT);
      if (g >= 0) H5Gclose(g);
      if (st) goto cleanup;
      STRATA_CHECK(strata_h5out_commit(&h5));
    }
  }
  {
    /* one summary line (also what bench/ith/run.sh parses): sizes, time to the written
     * output, and the largest per-rank peak resident memory */
    int64_t hwm = strata_mem_hwm(), maxhwm = 0;
    /* the busiest rank's CPU time: on a shared, oversubscribed machine it is the wall time an
     * idle machine would show, so benchmarks report it next to the wall time */
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
                 (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec,
           maxcpu = 0;
    STRATA_MPI_CHECK(MPI_Reduce(&hwm, &maxhwm, 1, MPI_INT64_T, MPI_MAX, 0, comm));
    STRATA_MPI_CHECK(MPI_Reduce(&cpu, &maxcpu, 1, MPI_DOUBLE, MPI_MAX, 0, comm));
    strata_log(
        comm, 1,
        "ith: %lld patients, %lld regions, %lld region pairs in %.2f s (read+metrics %.2f s, "
        "np %d, peak rank memory %.0f MiB, busiest rank CPU %.2f s)\n",
        (long long)tpat.nrows, (long long)treg.nrows, (long long)tpair.nrows, strata_wtime() - t0,
        tread_comp, cli->size, (double)maxhwm / 1048576.0, maxcpu);
  }
cleanup:
  strata_h5out_abort(&h5);
  strata_ith_result_free(&res);
  strata_mut_table_destroy(&t);
  strata_seg_table_destroy(&sg);
  free(ord);
  free(segord);
  free(lat);
  free(meta);
  free(mut);
  free(smp);
  free(dep);
  free(clu);
  free(stu);
  free(lsample);
  free(vaf);
  free(ccf);
  free(cih);
  free(nsy);
  free(snp);
  tbl_free(&treg);
  tbl_free(&tpair);
  tbl_free(&tpat);
  free(soff);
  free(slist);
  free(tlist_off);
  free(tlist);
  free(sgs);
  free(sgc);
  free(sg0);
  free(sg1);
  free(sgM);
  free(sgm);
  free(sgt);
  return st;
}
