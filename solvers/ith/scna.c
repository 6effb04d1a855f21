/* strata's SCNA-ITH of one patient from allele-specific copy-number segments (ITH.md: strata's
 * own definition, not TRACERx code).  One stage of strata_ith_patient_compute (metrics.c); pure
 * computation, no I/O, no MPI. */
#include <math.h>
#include <stdlib.h>

#include "solvers/ith/ith_impl.h"

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* strata's SCNA-ITH: over autosomes, intervals covered by every sample; state per sample
 * (round(minor), round(major)) (or round(total) without alleles); aberrant if some sample differs
 * from (1,1) (or 2); subclonal if aberrant and the samples' states are not all identical;
 * SCNA-ITH = bp(subclonal) / bp(aberrant), NaN without aberrant bp. */
int ith_scna(const strata_ith_patient_t *p, double *out) {
  int st = STRATA_OK;
  int S = p->nsamples;
  int64_t *bp = NULL, *idx = NULL;
  long *sa = NULL, *sb = NULL;
  double aber = 0, sub = 0;
  *out = NAN;
  if (p->nseg == 0) return STRATA_OK;
  STRATA_MALLOC(bp, 2 * p->nseg);
  STRATA_MALLOC(idx, p->nseg);
  STRATA_MALLOC(sa, S);
  STRATA_MALLOC(sb, S);
  for (int chr = 1; chr <= 22; chr++) {
    int64_t nb = 0, ni = 0;
    for (int64_t g = 0; g < p->nseg; g++) {
      if (p->seg_chrom[g] != chr) continue;
      bp[nb++] = p->seg_start[g];
      bp[nb++] = p->seg_end[g] + 1;
      idx[ni++] = g;
    }
    if (nb == 0) continue;
    qsort(bp, (size_t)nb, sizeof *bp, cmp_i64);
    for (int64_t k = 0; k + 1 < nb; k++) {
      if (bp[k] == bp[k + 1]) continue;
      int64_t lo = bp[k], hi = bp[k + 1]; /* [lo, hi) */
      int covered = 0, ok = 1;
      for (int s = 0; s < S && ok; s++) {
        int found = 0;
        for (int64_t q = 0; q < ni; q++) {
          int64_t g = idx[q];
          if (p->seg_sample[g] != s || p->seg_start[g] > lo || p->seg_end[g] < hi - 1) continue;
          double a = p->seg_alleles ? p->seg_minor[g] : p->seg_total[g];
          double b = p->seg_alleles ? p->seg_major[g] : 0;
          if (isnan(a) || isnan(b)) break;
          sa[s] = lround(a);
          sb[s] = lround(b);
          found = 1;
          break;
        }
        if (!found)
          ok = 0;
        else
          covered++;
      }
      if (!ok || covered != S) continue;
      int ab = 0, same = 1;
      for (int s = 0; s < S; s++) {
        if (p->seg_alleles ? (sa[s] != 1 || sb[s] != 1) : sa[s] != 2) ab = 1;
        if (sa[s] != sa[0] || sb[s] != sb[0]) same = 0;
      }
      if (!ab) continue;
      aber += (double)(hi - lo);
      if (!same) sub += (double)(hi - lo);
    }
  }
  if (aber > 0) *out = sub / aber;
cleanup:
  free(bp);
  free(idx);
  free(sa);
  free(sb);
  return st;
}
