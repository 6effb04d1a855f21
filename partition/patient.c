/* Sample partitions: patient-aware contiguous cuts (a patient's regions never split) and the
 * plain block split.  Pure computation, identical on every rank; no MPI. */
#include <math.h>
#include <stdlib.h>

#include "strata/grid.h"
#include "strata/partition.h"

static int alloc_partition(int64_t n, int nparts, strata_partition_t **out) {
  int st = STRATA_OK;
  strata_partition_t *p = NULL;
  STRATA_CALLOC(p, 1);
  p->nparts = nparts;
  p->n = n;
  STRATA_CALLOC(p->part, n);
  STRATA_CALLOC(p->offsets, nparts + 1);
  STRATA_CALLOC(p->order, n);
  STRATA_CALLOC(p->load, nparts);
cleanup:
  if (st) strata_partition_destroy(&p);
  *out = p;
  return st;
}

/* Fill offsets/order from part[] (counting sort keeps ascending order within a part) and the
 * imbalance from load[]. */
static void finish(strata_partition_t *p) {
  for (int q = 0; q <= p->nparts; q++) p->offsets[q] = 0;
  for (int64_t i = 0; i < p->n; i++) p->offsets[p->part[i] + 1]++;
  for (int q = 0; q < p->nparts; q++) p->offsets[q + 1] += p->offsets[q];
  int64_t *fill = calloc((size_t)p->nparts, sizeof *fill);
  for (int64_t i = 0; i < p->n; i++) {
    int q = p->part[i];
    p->order[p->offsets[q] + (fill ? fill[q]++ : 0)] = i;
  }
  free(fill);
  double total = 0, mx = 0;
  for (int q = 0; q < p->nparts; q++) {
    total += p->load[q];
    if (p->load[q] > mx) mx = p->load[q];
  }
  p->imbalance = total > 0 ? mx / (total / p->nparts) : 1.0;
}

int strata_partition_patients(int64_t n, const int32_t *patient, int64_t npatients,
                              const double *cost, int nparts, strata_partition_t **out) {
  int st = STRATA_OK;
  strata_partition_t *p = NULL;
  double *pcost = NULL;
  int64_t *porder = NULL, npo = 0;
  int *ppart = NULL;
  *out = NULL;
  if (nparts < 1) STRATA_FAIL(STRATA_ERR_INTERNAL, "partition: %d parts", nparts);
  STRATA_CHECK(alloc_partition(n, nparts, &p));
  STRATA_CALLOC(pcost, npatients);
  STRATA_MALLOC(porder, npatients);
  STRATA_MALLOC(ppart, npatients);
  for (int64_t k = 0; k < npatients; k++) ppart[k] = -1;
  /* patients in order of first appearance, with their summed cost */
  for (int64_t i = 0; i < n; i++) {
    int32_t k = patient[i];
    if (k < 0 || k >= npatients)
      STRATA_FAIL(STRATA_ERR_INTERNAL, "partition: sample %lld has patient index %d of %lld",
                  (long long)i, (int)k, (long long)npatients);
    if (ppart[k] == -1) {
      ppart[k] = -2;
      porder[npo++] = k;
    }
    pcost[k] += cost ? cost[i] : 1.0;
  }
  /* contiguous cuts: patient j goes to the part whose share of the total its cost midpoint
   * falls in -- balanced to within one patient, and never splits one */
  double total = 0;
  for (int64_t j = 0; j < npo; j++) total += pcost[porder[j]];
  double acc = 0;
  for (int64_t j = 0; j < npo; j++) {
    int64_t k = porder[j];
    double mid = acc + 0.5 * pcost[k];
    int q = total > 0 ? (int)floor(mid / total * nparts) : 0;
    if (q >= nparts) q = nparts - 1;
    ppart[k] = q;
    acc += pcost[k];
  }
  for (int64_t i = 0; i < n; i++) {
    p->part[i] = ppart[patient[i]];
    p->load[p->part[i]] += cost ? cost[i] : 1.0;
  }
  finish(p);
cleanup:
  free(pcost);
  free(porder);
  free(ppart);
  if (st) strata_partition_destroy(&p);
  *out = p;
  return st;
}

int strata_partition_block(int64_t n, int nparts, strata_partition_t **out) {
  int st = STRATA_OK;
  strata_partition_t *p = NULL;
  *out = NULL;
  if (nparts < 1) STRATA_FAIL(STRATA_ERR_INTERNAL, "partition: %d parts", nparts);
  STRATA_CHECK(alloc_partition(n, nparts, &p));
  for (int q = 0; q < nparts; q++) {
    int64_t s, c;
    strata_block_range(n, nparts, q, &s, &c);
    for (int64_t i = s; i < s + c; i++) p->part[i] = q;
    p->load[q] = (double)c;
  }
  finish(p);
cleanup:
  if (st) strata_partition_destroy(&p);
  *out = p;
  return st;
}

void strata_partition_destroy(strata_partition_t **pp) {
  if (!pp || !*pp) return;
  strata_partition_t *p = *pp;
  free(p->part);
  free(p->offsets);
  free(p->order);
  free(p->load);
  free(p);
  *pp = NULL;
}

int64_t strata_partition_count(const strata_partition_t *p, int part) {
  return p->offsets[part + 1] - p->offsets[part];
}

const int64_t *strata_partition_rows(const strata_partition_t *p, int part) {
  return p->order + p->offsets[part];
}
