/* Private to solvers/ith/: the stages of strata_ith_patient_compute that live in their own files
 * (pairwise distances in pairs.c, SCNA-ITH in scna.c), called by metrics.c, and the table
 * storage of tables.c used by cohort.c.  Not installed. */
#ifndef STRATA_SOLVERS_ITH_IMPL_H
#define STRATA_SOLVERS_ITH_IMPL_H
#include <stdint.h>

#include "strata/ith.h"

/* For each mutation m and sample s, the first row of m in s, or -1: first[m * S + s]. */
void ith_first_rows(const strata_ith_patient_t *p, int64_t *first /* [nmut * S] */);

/* What the pair stage hands to the patient summary: sums of the pairwise metrics over the
 * sample pairs where they are defined, and the JSI counts summed over the JSI pairs (sample
 * pairs, or tumour pairs with jsi_pair_by_tumor). */
typedef struct {
  double sfst, snei, sjac, mpc1, mpc2, mss;
  int nfst, nnei, njac;
} ith_pair_sums_t;

/* Fill res->pair (sample pairs a < b in order, then tumour pairs with jsi_pair_by_tumor) and
 * *sums.  status/tac come from the clonal status, first from ith_first_rows; keep[nrows] is
 * scratch (the JSI row filter).  Not collective. */
void ith_pairs(const strata_ith_patient_t *p, const strata_ith_opts_t *o, const int64_t *first,
               const int8_t *status, const double *tac, uint8_t *keep, strata_ith_result_t *res,
               ith_pair_sums_t *sums);

/* strata's SCNA-ITH of the patient's segments into *out (NaN when undefined).  STRATA_ERR_MEM or
 * STRATA_OK. */
int ith_scna(const strata_ith_patient_t *p, double *out);

/* An empty set of the three tables (names and column counts set).  STRATA_ERR_MEM or STRATA_OK. */
int ith_tables_new(strata_ith_tables_t **out);
/* Append one row: labels is the row's label fields, tab-separated and ended by '\n'; values has
 * b->ncols numbers.  STRATA_ERR_MEM or STRATA_OK. */
int ith_table_append(strata_ith_table_t *b, const char *labels, const double *values);

#endif
