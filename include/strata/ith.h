/* Intratumor heterogeneity (ITH), following ../shared/ITH.md: MesKit 1.1.2 and maftools
 * conventions where they exist, strata's own documented definitions where no tool gives one.
 * Three levels, all numerics (no file is read or written here; strata/ith_results.h does that):
 *   - one patient: strata_ith_patient_compute, pure and not collective (solvers/ith/metrics.c,
 *     pairs.c, scna.c);
 *   - the cohort: strata_ith_cohort_compute, collective, each rank computing the patients it owns
 *     in a strata_mut_table_t, then strata_ith_tables_gather (solvers/ith/cohort.c, tables.c);
 *   - latent space: strata_ith_latent, collective, from factor scores Z of the cohort's samples
 *     (solvers/ith/latent.c).
 * A pipeline: strata_mut_read -> strata_ith_latent (optional) -> strata_ith_cohort_compute ->
 * strata_ith_tables_gather -> strata_ith_results_write (cli/cmd_ith.c is exactly that). */
#ifndef STRATA_ITH_H
#define STRATA_ITH_H
#include <mpi.h>
#include <stddef.h>
#include <stdint.h>
#include "strata/error.h"
#include "strata/mutation_table.h"

enum { STRATA_ITH_MATH_MESKIT = 0, STRATA_ITH_MATH_MAFTOOLS = 1 };

typedef struct strata_ith_opts {
  int math_convention;        /* STRATA_ITH_MATH_MESKIT (default) or _MAFTOOLS */
  double maftools_vaf_cutoff; /* maftools vafCutOff: drop VAF < this (0.075) */
  int maftools_min_variants;  /* maftools: sample skipped (NA) under this many (5) */
  int fst_min_depth;          /* MesKit calFst min.total.depth (2) */
  double fst_min_vaf;         /* MesKit calFst min.vaf (0) */
  double nei_min_ccf;         /* MesKit calNeiDist min.ccf (0 = no filter) */
  int nei_meskit_compat;      /* 1: reproduce MesKit 1.1.2's unmatched cross-tumour pivot */
  int jsi_pair_by_tumor;      /* MesKit calJSI pairByTumor (Tumor_Average_CCF, tumour pairs) */
  double jsi_min_ccf;         /* calJSI min.ccf (subMaf: CCF >= min.ccf when > 0) */
  int jsi_use_adj_vaf;        /* calJSI use.adjVAF: VAF <- CCF/2 before subMaf's VAF filter */
  int jsi_use_indel;          /* calJSI use.indel (1 = keep indels; 0 = SNP only) */
} strata_ith_opts_t;

/* Fill o with the MesKit/maftools defaults listed above.  Not collective. */
void strata_ith_opts_default(strata_ith_opts_t *o);

/* One patient's input.  Rows are sorted by mutation (0..nmut-1), then sample, then source line;
 * only rows with VAF > 0 (MesKit's "present") are given.  Unknown numbers: NaN / -1. */
typedef struct strata_ith_patient {
  int nsamples;                /* S, in order of first appearance */
  int ntumors;                 /* T */
  const int32_t *sample_tumor; /* [S] 0..T-1 */
  int64_t nrows, nmut;
  const int32_t *mut;          /* [nrows] */
  const int32_t *sample;       /* [nrows] 0..S-1 */
  const double *vaf;           /* [nrows] */
  const int32_t *depth;        /* [nrows] ref+alt, -1 unknown */
  const double *ccf;           /* [nrows] capped at 1 */
  const double *ccf_ci_high;   /* [nrows] */
  int has_ci;                  /* a CCF interval was given (clonal status is defined) */
  const uint8_t *nonsyn, *snp; /* [nrows] */
  const int32_t *cluster;      /* [nrows] -1 none; NULL when no clusters */
  /* allele-specific segments of this patient's samples (nseg may be 0) */
  int64_t nseg;
  const int32_t *seg_sample, *seg_chrom;
  const int64_t *seg_start, *seg_end;
  const double *seg_major, *seg_minor, *seg_total;
  int seg_alleles; /* 1: states are (minor, major); 0: total copy number only */
} strata_ith_patient_t;

/* Region columns (one row per sample). */
enum {
  STRATA_ITH_R_NMUT,
  STRATA_ITH_R_MATH,
  STRATA_ITH_R_NMATH,
  STRATA_ITH_R_CCFAUC,
  STRATA_ITH_R_NCLONAL,
  STRATA_ITH_R_NSUBCLONAL,
  STRATA_ITH_R_FRACSUB,
  STRATA_ITH_R_NCLONES,
  STRATA_ITH_R_SHANNON,
  STRATA_ITH_R_GINISIMPSON,
  STRATA_ITH_NREG
};
/* Pair columns (one row per sample pair, then per tumour pair when jsi_pair_by_tumor). */
enum {
  STRATA_ITH_P_NUNION,
  STRATA_ITH_P_NSHARED,
  STRATA_ITH_P_JACCARD,
  STRATA_ITH_P_FST,
  STRATA_ITH_P_NEI,
  STRATA_ITH_P_JSI,
  STRATA_ITH_P_PC1,
  STRATA_ITH_P_PC2,
  STRATA_ITH_P_SS12,
  STRATA_ITH_NPAIR
};
/* Patient columns.  LATENT is NaN after strata_ith_patient_compute; strata_ith_cohort_compute
 * fills it from strata_ith_latent's values. */
enum {
  STRATA_ITH_T_NSAMPLES,
  STRATA_ITH_T_NTUMORS,
  STRATA_ITH_T_NMUT,
  STRATA_ITH_T_PUBLIC,
  STRATA_ITH_T_SHARED,
  STRATA_ITH_T_PRIVATE,
  STRATA_ITH_T_FRACSUB,
  STRATA_ITH_T_FST,
  STRATA_ITH_T_NEI,
  STRATA_ITH_T_JSI,
  STRATA_ITH_T_JACCARD,
  STRATA_ITH_T_NCLONES,
  STRATA_ITH_T_SHANNON,
  STRATA_ITH_T_GINISIMPSON,
  STRATA_ITH_T_SCNA,
  STRATA_ITH_T_LATENT,
  STRATA_ITH_NPAT
};
/* Column names (for TSV headers and HDF5 datasets), indexed by the enums above. */
extern const char *const strata_ith_region_cols[STRATA_ITH_NREG];
extern const char *const strata_ith_pair_cols[STRATA_ITH_NPAIR];
extern const char *const strata_ith_patient_cols[STRATA_ITH_NPAT];

enum { STRATA_ITH_UNIT_SAMPLE = 0, STRATA_ITH_UNIT_TUMOR = 1 };

typedef struct strata_ith_result {
  int nregion;    /* = nsamples */
  double *region; /* [nregion * STRATA_ITH_NREG] row-major, NaN = NA */
  int npair;
  double *pair;                     /* [npair * STRATA_ITH_NPAIR] */
  int *pair_unit, *pair_a, *pair_b; /* [npair] unit and the two sample (or tumour) indices */
  double patient[STRATA_ITH_NPAT];
} strata_ith_result_t;

/* Compute every metric of one patient.  Not collective.  res is filled (arrays allocated; free
 * with strata_ith_result_free).  Returns STRATA_ERR_MEM or STRATA_OK; NA results are NaN.
 * Cost: O(nrows * S + nmut * S^2) time for the regions and sample pairs (O(nrows^2) in the worst
 * case for the clonal status of one mutation seen in many samples), O(nseg^2 * S) for SCNA-ITH;
 * extra memory O(nrows + nmut * S). */
STRATA_NODISCARD int strata_ith_patient_compute(const strata_ith_patient_t *p,
                                                const strata_ith_opts_t *o,
                                                strata_ith_result_t *res);
/* Free res's arrays and zero it.  NULL-safe, not collective. */
void strata_ith_result_free(strata_ith_result_t *res);

/* R's round(x, digits) as ITH.md describes it (round half to even on the decimal digit, decided
 * on the double's distance to the two candidates): round(0.1645,3)=0.164, round(0.45,1)=0.4,
 * round(0.0125,3)=0.013.  NaN stays NaN. */
double strata_ith_rround(double x, int digits);
/* R's median (mean of the two middle values for even n) of v[0..n-1]; v is sorted in place.
 * NaN for n == 0. */
double strata_ith_median(double *v, int64_t n);

/* ---- the cohort ---------------------------------------------------------------------------- */

/* One output table: label (text) columns, then numeric columns, one row per region, region pair
 * or patient.  Rows of a patient are contiguous and patients come in the table's patient order. */
typedef struct strata_ith_table {
  int64_t nrows;
  int nlabels;                    /* text columns: region 3, pair 4, patient 1 */
  const char *const *label_names; /* [nlabels] static ("patient", "sample", "tumor", ...) */
  int ncols;                      /* numeric columns: STRATA_ITH_NREG, _NPAIR or _NPAT */
  const char *const *col_names;   /* [ncols] static: strata_ith_region_cols, ... */
  char *labels;                   /* every row's labels as in the TSV: "a\tb\tc\n" per row */
  size_t labels_len, labels_cap;  /* bytes used (without the final NUL) and allocated */
  double *values;                 /* [nrows * ncols] row-major, NaN = NA */
  int64_t values_cap;             /* doubles allocated */
} strata_ith_table_t;

/* The three tables of a cohort.  Owned by whoever got it from strata_ith_cohort_compute;
 * free with strata_ith_tables_destroy. */
typedef struct strata_ith_tables {
  strata_ith_table_t region, pair, patient;
  int64_t duplicated_rows; /* over the cohort (every rank): rows repeating the sample and
                              chr:pos:ref:alt of the row before them (kept, as MesKit keeps them) */
} strata_ith_tables_t;

/* Collective over comm (the communicator t was read on: t->patient_owner names its ranks).
 * Compute every metric of the patients this rank owns, in patient order: their rows are sorted
 * by (chromosome, position, ref, alt) compared as strings, then sample, then source line, so
 * every sum is formed in the same order whichever rank holds the patient and the tables do not
 * depend on the rank count.  seg may be NULL (no SCNA-ITH); latent may be NULL, else latent[p]
 * (npatients values, e.g. from strata_ith_latent) fills the latent_ith column of patient p.
 * t and seg are not modified.  *out holds this rank's rows (use strata_ith_tables_gather to
 * collect them); duplicated_rows is the cohort's total on every rank.
 * Cost: the sort of this rank's rows (O(n log n)), then strata_ith_patient_compute per patient;
 * extra memory O(n + nsamples + npatients + nseg) beyond the tables; one allreduce.
 * Returns STRATA_OK, STRATA_ERR_MEM or STRATA_ERR_MPI, agreed on every rank (*out NULL on
 * failure). */
STRATA_NODISCARD int strata_ith_cohort_compute(MPI_Comm comm, const strata_mut_table_t *t,
                                               const strata_seg_table_t *seg, const double *latent,
                                               const strata_ith_opts_t *o,
                                               strata_ith_tables_t **out);

/* Collective over comm.  Move every rank's rows to rank `root`, in rank order (= patient order:
 * a rank's patients are one contiguous run of the cohort's, see strata_partition_patients);
 * afterwards root's tb holds the whole cohort and the other ranks' tables are empty.
 * Communication per table: one allgather of three counts per rank, then two gathers of the
 * rows (O(cohort rows) arriving at root); memory on root O(cohort rows).
 * Returns STRATA_OK, or STRATA_ERR_INTERNAL when a table passes 2^31 bytes or values (MPI counts),
 * STRATA_ERR_MEM, STRATA_ERR_MPI; agreed on every rank (before any gather, so a rank that cannot
 * allocate leaves no rank waiting). */
STRATA_NODISCARD int strata_ith_tables_gather(MPI_Comm comm, int root, strata_ith_tables_t *tb);

/* NULL-safe; sets *tb to NULL.  Not collective. */
void strata_ith_tables_destroy(strata_ith_tables_t **tb);

/* ---- latent space --------------------------------------------------------------------------- */

/* Collective over comm (the communicator t was read on).  strata's latent-space ITH of the
 * patients this rank owns: the mean Euclidean distance between the patient's regions in factor
 * space divided by the cohort's mean Euclidean distance between patient centroids (over all
 * pairs of patients with at least one region in Z).  Z is n x K row-major (the same on every
 * rank) with row i the factor scores of the sample called names[i]; rows are matched to t's
 * samples by name, and rows whose first score is NaN are left out.  lat[npatients] is set for
 * the owned patients (NaN for the others, for a patient with fewer than 2 regions in Z, and for
 * all when fewer than 2 patients have a centroid).  `source` names Z in messages (a file name).
 * The between-centroid sum is formed per patient by its owner and summed in patient order on
 * every rank, so the value does not depend on the rank count.
 * Cost: O((n + nsamples) log(n + nsamples)) to match names, O(npatients^2 K / size) for the
 * centroid distances, O(S^2 K) per owned patient of S regions; one allreduce of npatients
 * doubles.  Returns STRATA_OK, or STRATA_ERR_INPUT (no sample of t is in names; n > 2^31),
 * STRATA_ERR_MEM, STRATA_ERR_MPI; agreed on every rank. */
STRATA_NODISCARD int strata_ith_latent(MPI_Comm comm, const strata_mut_table_t *t, int64_t n,
                                       int K, char *const *names, const double *Z,
                                       const char *source, double *lat);

/* The two kernels of strata_ith_latent (K-dimensional row vectors, row-major).  Not collective.
 * within: mean Euclidean distance over the n(n-1)/2 pairs of rows of Z (NaN if n < 2).
 * between_sum: sum over q > p of ||c_p - c_q|| for centroid c_p against centroids c[q], q in
 * (p, npatients); the cohort's between-patient distance is the mean over all patient pairs. */
double strata_ith_latent_within(const double *Z, int64_t n, int K);
double strata_ith_latent_between_sum(const double *centroids, int64_t npatients, int K, int64_t p);

#endif
