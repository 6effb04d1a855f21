/* Multi-region mutation tables (the input of `strata ith`): MesKit MAF (+ clinical + CCF file),
 * GDC MAF with a sample -> patient table, PyClone-VI output, CONIPHER input, and allele-specific
 * copy-number segments.  Reading is collective and patient-distributed: plain-text files are cut
 * into byte ranges read in parallel (gzip: rank 0 reads), and every row is sent to the rank owning
 * its patient (patients balanced by row count, never split), so per-rank memory follows its
 * patients.  The table types are in strata/mutation_table.h (shared with the ITH solvers).
 * Implemented in io/mutations.c (text) and io/mutations_h5.c (the copy stored in a cohort);
 * no metrics. */
#ifndef STRATA_MUTATIONS_H
#define STRATA_MUTATIONS_H
#include <mpi.h>
#include <stdint.h>
#include "strata/error.h"
#include "strata/mutation_table.h"

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
