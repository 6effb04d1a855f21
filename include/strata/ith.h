/* Intratumor-heterogeneity metrics of one patient (regions, region pairs, patient summary),
 * following ../shared/ITH.md: MesKit 1.1.2 and maftools conventions where they exist, strata's
 * own documented definitions where no tool gives one.  Pure computation on one patient's rows;
 * not collective (the CLI distributes patients over ranks).  Implemented in solvers/ith.c. */
#ifndef STRATA_ITH_H
#define STRATA_ITH_H
#include <stdint.h>
#include "strata/error.h"

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

/* MesKit/maftools defaults listed above. */
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
/* Patient columns.  LATENT is filled by strata_ith_latent_* (the CLI), not by compute. */
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
 * with strata_ith_result_free).  Returns STRATA_ERR_MEM or STRATA_OK; NA results are NaN. */
STRATA_NODISCARD int strata_ith_patient_compute(const strata_ith_patient_t *p,
                                                const strata_ith_opts_t *o,
                                                strata_ith_result_t *res);
void strata_ith_result_free(strata_ith_result_t *res);

/* R's round(x, digits) as ITH.md describes it (round half to even on the decimal digit, decided
 * on the double's distance to the two candidates): round(0.1645,3)=0.164, round(0.45,1)=0.4,
 * round(0.0125,3)=0.013.  NaN stays NaN. */
double strata_ith_rround(double x, int digits);
/* R's median (mean of the two middle values for even n) of v[0..n-1]; v is sorted in place.
 * NaN for n == 0. */
double strata_ith_median(double *v, int64_t n);

/* Latent-space ITH helpers (K-dimensional row vectors, row-major).
 * within: mean Euclidean distance over the n(n-1)/2 pairs of rows of Z (NaN if n < 2).
 * between_sum: sum over q > p of ||c_p - c_q|| for centroid c_p against centroids c[q], q in
 * (p, npatients); the cohort's between-patient distance is the mean over all patient pairs. */
double strata_ith_latent_within(const double *Z, int64_t n, int K);
double strata_ith_latent_between_sum(const double *centroids, int64_t npatients, int K, int64_t p);

#endif
