/* Multi-region mutation tables (the input of `strata ith`): MesKit MAF (+ clinical + CCF file),
 * GDC MAF with a sample -> patient table, PyClone-VI output, CONIPHER input, and allele-specific
 * copy-number segments.  Reading is collective and patient-distributed: plain-text files are cut
 * into byte ranges read in parallel (gzip: rank 0 reads), and every row is sent to the rank owning
 * its patient (patients balanced by row count, never split), so per-rank memory follows its
 * patients.  Implemented in io/mutations.c; no metrics. */
#ifndef STRATA_MUTATIONS_H
#define STRATA_MUTATIONS_H
#include <mpi.h>
#include <stdint.h>
#include "strata/error.h"

typedef enum {
  STRATA_MUT_MESKIT = 0,  /* MesKit MAF: Ref_allele_depth, Alt_allele_depth, VAF (+ clin, + CCF) */
  STRATA_MUT_GDC = 1,     /* GDC MAF: t_ref_count, t_alt_count (+ sample table, + CCF) */
  STRATA_MUT_PYCLONE = 2, /* PyClone-VI output: mutation_id, sample_id, cluster_id,
                              cellular_prevalence (+ sample table) */
  STRATA_MUT_CONIPHER = 3 /* CONIPHER input: CASE_ID, SAMPLE, CHR, POS, REF, ALT, REF_COUNT,
                              VAR_COUNT, CLUSTER, CCF_PHYLO */
} strata_mut_format_t;

/* What to read.  Paths may be gzip-compressed or plain. */
typedef struct strata_mut_spec {
  strata_mut_format_t format;
  const char *table;     /* the mutation table (required) */
  const char *samples;   /* sample table: Tumor_Sample_Barcode (or sample_id/sample), Patient_ID
                            (or patient/patient_id/case_id), optional Tumor_ID.  MesKit's clinical
                            file is such a table.  Optional when the table has the columns. */
  const char *ccf;       /* MesKit CCF file: Patient_ID, Tumor_Sample_Barcode, Chromosome,
                            Start_Position, CCF, optional CCF_Std or CCF_CI_High (optional) */
  double ccf_conf_level; /* for CCF_CI_High = CCF + qnorm(1-(1-level)/2)*CCF_Std; 0 -> 0.95 */
} strata_mut_spec_t;

/* Rows of the patients this rank owns, columnar.  Unknown numbers are NaN (doubles) or -1
 * (depths, clusters).  Global sample/patient/tumor tables are identical on every rank. */
typedef struct strata_mut_table {
  /* global metadata (every rank) */
  int64_t nsamples;
  char **sample_names;     /* [nsamples] in order of first appearance among kept rows */
  int32_t *sample_patient; /* [nsamples] */
  int32_t *sample_tumor;   /* [nsamples] global tumor index */
  int64_t npatients;
  char **patient_names;  /* [npatients] in order of first appearance */
  int *patient_owner;    /* [npatients] rank owning the patient */
  int64_t *patient_rows; /* [npatients] kept rows per patient (the balancing cost) */
  int64_t ntumors;
  char **tumor_names;     /* [ntumors] Tumor_ID (unique per patient; index is global) */
  int32_t *tumor_patient; /* [ntumors] */
  /* local rows: only owned patients */
  int64_t n;
  int32_t *sample;                /* [n] global sample index */
  int32_t *chrom;                 /* [n] interned chromosome (or mutation_id for PyClone) */
  int64_t *pos;                   /* [n] */
  int32_t *ref, *alt;             /* [n] interned alleles */
  uint8_t *nonsyn;                /* [n] 1 if non-synonymous (maftools' list) or class unknown */
  uint8_t *snp;                   /* [n] 1 if Variant_Type == SNP (or unknown and ref/alt 1 base) */
  int32_t *ref_depth, *alt_depth; /* [n] -1 unknown */
  double *vaf;                    /* [n] in [0,1] after percent conversion; NaN unknown */
  double *ccf;                    /* [n] capped at 1; NaN unknown */
  double *ccf_std;                /* [n] NaN unknown */
  double *ccf_ci_high;            /* [n] NaN unknown */
  int32_t *cluster;               /* [n] -1 none */
  int64_t *line;                  /* [n] 1-based source line */
  /* what the reader saw (global, identical on every rank) */
  int has_depth, has_vaf, has_ccf, has_ci, has_cluster, has_class;
  int vaf_percent;       /* 1 if max VAF > 1 and all VAFs were divided by 100 */
  int64_t vaf_fraction_rows; /* with vaf_percent: rows whose VAF was <= 1 before (mixed units?) */
  int64_t nrows_total;   /* with vaf_percent: kept rows over all ranks */
  int64_t dropped_vaf0;  /* rows with VAF == 0 ("absent in this region"), not stored */
  int64_t dropped_chrM;  /* rows on chromosome M/MT, not stored */
  int64_t ccf_unmatched; /* CCF rows that matched no kept mutation row */
  int64_t nstrings;      /* interned strings (chromosomes, alleles) on this rank */
  char **strings;        /* [nstrings]: chrom/ref/alt ids index this */
} strata_mut_table_t;

/* Collective over comm.  Read the mutation table described by spec; each rank keeps the rows of
 * the patients assigned to it (strata_partition_patients over comm's ranks with cost = kept rows
 * per patient; a patient is never split).  Applies MesKit's readMaf/validMaf conventions: rows with
 * VAF == 0 and chromosomes M/MT dropped (counted), VAF divided by 100 if the maximum exceeds 1.
 * CCF capped at 1.  Errors (STRATA_ERR_INPUT, message "file:line: ..."): malformed rows (field
 * count, non-numbers), unknown sample, negative depth, VAF < 0 or > 100, missing required
 * column, CCF < 0.  Status agreed on all ranks.  *out owned by the caller
 * (strata_mut_table_destroy). */
STRATA_NODISCARD int strata_mut_read(MPI_Comm comm, const strata_mut_spec_t *spec,
                                     strata_mut_table_t **out);
/* NULL-safe; sets *t to NULL.  Not collective. */
void strata_mut_table_destroy(strata_mut_table_t **t);

/* Allele-specific copy-number segments of the owned patients. */
typedef struct strata_seg_table {
  int64_t n;
  int32_t *sample;         /* [n] global sample index of the mutation table */
  int32_t *chrom;          /* [n] 1..22, 23 = X, 24 = Y ("chr" stripped); other names -> 0 */
  int64_t *start, *end;    /* [n] 1-based inclusive */
  double *major, *minor;   /* [n] allele copy numbers; minor NaN when only a total is given */
  double *total;           /* [n] total copy number (major+minor if not given) */
  int has_alleles;         /* 1 if major/minor columns were found */
  int64_t unknown_samples; /* rows for samples not in the mutation table (skipped) */
} strata_seg_table_t;

/* Collective over comm.  Read a segment file (Patient_ID optional, Tumor_Sample_Barcode (or
 * SAMPLE/sample), Chromosome, Start_Position, End_Position, and Major_CN + Minor_CN (or
 * COPY_NUMBER_A/COPY_NUMBER_B, nMajor/nMinor, major_cn/minor_cn) and/or CopyNumber) keeping rows
 * of the patients this rank owns in `muts`.  Errors name file:line (malformed, end < start,
 * negative copy number).  *out owned by the caller. */
STRATA_NODISCARD int strata_seg_read(MPI_Comm comm, const char *path,
                                     const strata_mut_table_t *muts, strata_seg_table_t **out);
void strata_seg_table_destroy(strata_seg_table_t **t);

/* Not collective.  Read a latent representation for latent-space ITH: a MOFA2 model file
 * (every group's expectations/Z/<group>, K x N_g, samples from samples/<group>) or, with
 * key or when the file is not a MOFA2 model, an anndata/mudata matrix (default: the first of
 * obsm/X_pca, obsm/X_svd, obsm/X_mofa) n_obs x K with sample names from obs/<_index>.
 * Returns n samples, K columns, names[n] and Z[n*K] row-major, all owned by the caller (free
 * each name, then the arrays).
 * Errors: STRATA_ERR_INPUT naming the file and dataset. */
STRATA_NODISCARD int strata_latent_read(const char *path, const char *key, int64_t *n, int *K,
                                        char ***names, double **Z);

/* Collective.  Store the (distributed) table in `path` (an existing cohort .h5mu is opened
 * read-write; a missing file is created) as group uns/strata/mutations, replacing an earlier one:
 * sample/patient/tumor names and indices, patient_offsets (rows of patient p are
 * [offsets[p], offsets[p+1])), and rows/ with one 1D dataset per column in patient order
 * (sample, start_position, ref_depth, alt_depth, cluster, source_line, nonsyn, snp, vaf, ccf,
 * ccf_std, ccf_ci_high; chromosome, reference_allele, tumor_seq_allele2 as anndata categoricals
 * sharing one category list).  Rows are gathered to rank 0, which writes (in place when the
 * file exists).  `source` is recorded as an attribute. */
STRATA_NODISCARD int strata_mut_store(MPI_Comm comm, const strata_mut_table_t *t, const char *path,
                                      const char *source);
/* Collective.  Read uns/strata/mutations back: metadata on every rank, and on each rank only
 * the contiguous rows of the patients it owns (same balancing as strata_mut_read). */
STRATA_NODISCARD int strata_mut_load(MPI_Comm comm, const char *path, strata_mut_table_t **out);

#endif
