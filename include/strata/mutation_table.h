/* The multi-region mutation table and copy-number segments as plain data: the columnar rows of
 * the patients one rank owns plus the global sample/patient/tumour tables.  Filled by the readers
 * (strata/mutations.h, io/) and read by the ITH solvers (strata/ith.h, solvers/ith/), which is why
 * the types live apart from both: a solver needs the layout, never the reader.  No functions. */
#ifndef STRATA_MUTATION_TABLE_H
#define STRATA_MUTATION_TABLE_H
#include <stdint.h>

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
/* strata_mut_table_destroy / strata_seg_table_destroy (strata/mutations.h) free them. */

#endif
