/* Who owns which samples: samples -> grid rows, keeping each patient's regions together.
 * A partition is computed identically on every rank from the same inputs (not collective). */
#ifndef STRATA_PARTITION_H
#define STRATA_PARTITION_H
#include <stdint.h>
#include "strata/error.h"

typedef struct strata_partition {
  int nparts;        /* number of parts (grid rows) */
  int64_t n;         /* number of samples */
  int *part;         /* [n] part of each sample */
  int64_t *offsets;  /* [nparts+1] part p owns order[offsets[p] .. offsets[p+1]) */
  int64_t *order;    /* [n] sample indices grouped by part, ascending within a part */
  double *load;      /* [nparts] cost owned by each part */
  double imbalance;  /* max(load) / mean(load); 1 = perfect */
} strata_partition_t;

/* Patient-aware partition: patients are taken in order of first appearance and cut into nparts
 * contiguous runs balancing the summed cost (cost == NULL: 1 per sample).  A patient's samples
 * always land in one part.  patient[i] in [0, npatients).  Not collective. */
STRATA_NODISCARD int strata_partition_patients(int64_t n, const int32_t *patient,
                                               int64_t npatients, const double *cost,
                                               int nparts, strata_partition_t **out);
/* Plain contiguous balanced split of n samples (no patient constraint). Not collective. */
STRATA_NODISCARD int strata_partition_block(int64_t n, int nparts, strata_partition_t **out);
/* NULL-safe; sets *p to NULL. */
void strata_partition_destroy(strata_partition_t **p);
/* Number of samples in part p and a pointer to their (ascending) global indices. */
int64_t strata_partition_count(const strata_partition_t *p, int part);
const int64_t *strata_partition_rows(const strata_partition_t *p, int part);

#endif
