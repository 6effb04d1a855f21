/* Pairwise ITH metrics of one patient's regions (MesKit calFst, calNeiDist, calJSI; presence
 * Jaccard), for the sample pairs and, with jsi_pair_by_tumor, the tumour pairs.  One stage of
 * strata_ith_patient_compute (metrics.c); pure computation, no I/O, no MPI. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "solvers/ith/ith_impl.h"

/* Sample-level lookups for pairwise metrics: for each mutation, the first row in each sample. */
void ith_first_rows(const strata_ith_patient_t *p, int64_t *first /* [nmut*S] */) {
  int S = p->nsamples;
  for (int64_t k = 0; k < p->nmut * S; k++) first[k] = -1;
  for (int64_t i = 0; i < p->nrows; i++) {
    int64_t *f = &first[(int64_t)p->mut[i] * S + p->sample[i]];
    if (*f < 0) *f = i;
  }
}

/* Hudson Fst (MesKit calFst): mean(N)/mean(D) over the union of the two samples' kept rows. */
static double fst_pair(const strata_ith_patient_t *p, const strata_ith_opts_t *o,
                       const int64_t *first, int s1, int s2) {
  int S = p->nsamples;
  double sn = 0, sd = 0;
  int64_t cnt = 0;
  for (int64_t m = 0; m < p->nmut; m++) {
    double v[2] = {0, 0}, d[2] = {0, 0};
    int have = 0;
    int ss[2] = {s1, s2};
    for (int k = 0; k < 2; k++) {
      int64_t r = first[m * S + ss[k]];
      if (r < 0 || isnan(p->vaf[r]) || p->depth[r] < 0) continue;
      if (p->depth[r] < o->fst_min_depth || p->vaf[r] < o->fst_min_vaf || p->vaf[r] > 1) continue;
      v[k] = p->vaf[r];
      d[k] = p->depth[r];
      have = 1;
    }
    if (!have) continue;
    /* a mutation missing in one sample has VAF 0 and depth 0 there: 0*(1-0)/(0-1) = 0 */
    double N = (v[0] - v[1]) * (v[0] - v[1]) - v[0] * (1 - v[0]) / (d[0] - 1) -
               v[1] * (1 - v[1]) / (d[1] - 1);
    double D = v[0] * (1 - v[1]) + v[1] * (1 - v[0]);
    sn += N;
    sd += D;
    cnt++;
  }
  if (cnt == 0 || sd == 0) return NAN;
  return (sn / cnt) / (sd / cnt);
}

/* Nei's distance (MesKit calNeiDist) on CCF; compat: no matching across different tumours. */
static double nei_pair(const strata_ith_patient_t *p, const strata_ith_opts_t *o,
                       const int64_t *first, int s1, int s2) {
  int S = p->nsamples;
  int split = o->nei_meskit_compat && p->sample_tumor[s1] != p->sample_tumor[s2];
  double sxy = 0, sxx = 0, syy = 0;
  int64_t cnt = 0;
  for (int64_t m = 0; m < p->nmut; m++) {
    double x = 0, y = 0;
    int hx = 0, hy = 0;
    int64_t r1 = first[m * S + s1], r2 = first[m * S + s2];
    if (r1 >= 0 && !isnan(p->ccf[r1]) && !(o->nei_min_ccf > 0 && p->ccf[r1] < o->nei_min_ccf)) {
      x = p->ccf[r1];
      hx = 1;
    }
    if (r2 >= 0 && !isnan(p->ccf[r2]) && !(o->nei_min_ccf > 0 && p->ccf[r2] < o->nei_min_ccf)) {
      y = p->ccf[r2];
      hy = 1;
    }
    if (!hx && !hy) continue;
    if (split && hx && hy) {
      /* two rows (x, 0) and (0, y) */
      sxy += (1 - x) + (1 - y);
      sxx += x * x + (1 - x) * (1 - x) + 1;
      syy += 1 + y * y + (1 - y) * (1 - y);
      cnt += 2;
      continue;
    }
    sxy += x * y + (1 - x) * (1 - y);
    sxx += x * x + (1 - x) * (1 - x);
    syy += y * y + (1 - y) * (1 - y);
    cnt++;
  }
  if (cnt == 0) return NAN;
  return -log(sxy / sqrt(sxx * syy));
}

/* JSI counts (MesKit calJSI) between two units (samples, or tumours with Tumor_Average_CCF).
 * keep[i]: row passes the JSI filters.  Unit value: first kept row of the mutation in the unit. */
static void jsi_pair(const strata_ith_patient_t *p, const uint8_t *keep, const int8_t *status,
                     const double *tac, int by_tumor, int u1, int u2, double out[3]) {
  double pc1 = 0, pc2 = 0, ss = 0;
  int64_t i = 0;
  while (i < p->nrows) {
    int64_t j = i;
    while (j < p->nrows && p->mut[j] == p->mut[i]) j++;
    int64_t r1 = -1, r2 = -1, best1 = -1, best2 = -1;
    for (int64_t b = i; b < j; b++) {
      if (!keep[b]) continue;
      int u = by_tumor ? p->sample_tumor[p->sample[b]] : p->sample[b];
      /* "distinct(keep first)": the unit's row that comes first in the file (rows are sorted by
       * sample then line within a mutation, so the smallest sample index wins; all rows of a
       * tumour group carry the same Tumor_Average_CCF and status anyway) */
      if (u == u1 && best1 < 0) best1 = r1 = b;
      if (u == u2 && best2 < 0) best2 = r2 = b;
    }
    double c1 = 0, c2 = 0;
    int st1 = -2, st2 = -2; /* -2 = "nostatus" */
    if (r1 >= 0) {
      c1 = by_tumor ? tac[r1] : p->ccf[r1];
      st1 = status[r1];
    }
    if (r2 >= 0) {
      c2 = by_tumor ? tac[r2] : p->ccf[r2];
      st2 = status[r2];
    }
    i = j;
    if (r1 < 0 && r2 < 0) continue;
    if (c1 + c2 == 0) continue; /* dplyr filter drops NA too; comparisons below are false for NaN */
    if (st1 == 0 && c1 > 0 && c2 == 0) pc1++;
    if (st2 == 0 && c1 == 0 && c2 > 0) pc2++;
    if (st1 == 1 && st2 == 1 && c1 > 0 && c2 > 0) ss++;
  }
  out[0] = pc1;
  out[1] = pc2;
  out[2] = ss;
}

/* The pair rows: presence counts, Jaccard, Fst and Nei per sample pair; JSI counts per sample pair,
 * or per tumour pair with jsi_pair_by_tumor.  Also the sums the patient summary averages. */
void ith_pairs(const strata_ith_patient_t *p, const strata_ith_opts_t *o, const int64_t *first,
               const int8_t *status, const double *tac, uint8_t *keep, strata_ith_result_t *res,
               ith_pair_sums_t *sums) {
  int S = p->nsamples, T = p->ntumors;
  int64_t R = p->nrows;
  /* JSI row filters (calJSI via subMaf): status and CCF known; VAF (or CCF/2 with use.adjVAF)
   * non-NA in [0,1]; SNP only without use.indel; CCF >= min.ccf when min.ccf > 0 */
  for (int64_t i = 0; i < R; i++) {
    double v = o->jsi_use_adj_vaf ? p->ccf[i] / 2 : p->vaf[i];
    keep[i] = status[i] >= 0 && !isnan(p->ccf[i]) && !isnan(v) && v >= 0 && v <= 1 &&
              (o->jsi_use_indel || p->snp[i]) &&
              !(o->jsi_min_ccf > 0 && p->ccf[i] < o->jsi_min_ccf);
  }
  double sfst = 0, snei = 0, sjac = 0, mpc1 = 0, mpc2 = 0, mss = 0;
  int nfst = 0, nnei = 0, njac = 0, k = 0;
  for (int a = 0; a < S; a++)
    for (int b = a + 1; b < S; b++, k++) {
      double *pr = &res->pair[(size_t)k * STRATA_ITH_NPAIR];
      res->pair_unit[k] = STRATA_ITH_UNIT_SAMPLE;
      res->pair_a[k] = a;
      res->pair_b[k] = b;
      int64_t nu = 0, ns = 0;
      for (int64_t m = 0; m < p->nmut; m++) {
        int ia = first[m * S + a] >= 0, ib = first[m * S + b] >= 0;
        nu += ia || ib;
        ns += ia && ib;
      }
      pr[STRATA_ITH_P_NUNION] = (double)nu;
      pr[STRATA_ITH_P_NSHARED] = (double)ns;
      pr[STRATA_ITH_P_JACCARD] = nu ? (double)ns / (double)nu : NAN;
      pr[STRATA_ITH_P_FST] = fst_pair(p, o, first, a, b);
      pr[STRATA_ITH_P_NEI] = nei_pair(p, o, first, a, b);
      if (p->has_ci) {
        double c[3];
        jsi_pair(p, keep, status, tac, 0, a, b, c);
        pr[STRATA_ITH_P_PC1] = c[0];
        pr[STRATA_ITH_P_PC2] = c[1];
        pr[STRATA_ITH_P_SS12] = c[2];
        pr[STRATA_ITH_P_JSI] = c[0] + c[1] + c[2] > 0 ? c[2] / (c[0] + c[1] + c[2]) : 0;
        if (!o->jsi_pair_by_tumor) {
          mpc1 += c[0];
          mpc2 += c[1];
          mss += c[2];
        }
      }
      if (!isnan(pr[STRATA_ITH_P_FST])) {
        sfst += pr[STRATA_ITH_P_FST];
        nfst++;
      }
      if (!isnan(pr[STRATA_ITH_P_NEI])) {
        snei += pr[STRATA_ITH_P_NEI];
        nnei++;
      }
      if (!isnan(pr[STRATA_ITH_P_JACCARD])) {
        sjac += pr[STRATA_ITH_P_JACCARD];
        njac++;
      }
    }
  for (int a = 0; a < T && o->jsi_pair_by_tumor; a++)
    for (int b = a + 1; b < T; b++, k++) {
      double *pr = &res->pair[(size_t)k * STRATA_ITH_NPAIR];
      res->pair_unit[k] = STRATA_ITH_UNIT_TUMOR;
      res->pair_a[k] = a;
      res->pair_b[k] = b;
      if (!p->has_ci) continue;
      double c[3];
      jsi_pair(p, keep, status, tac, 1, a, b, c);
      pr[STRATA_ITH_P_PC1] = c[0];
      pr[STRATA_ITH_P_PC2] = c[1];
      pr[STRATA_ITH_P_SS12] = c[2];
      pr[STRATA_ITH_P_JSI] = c[0] + c[1] + c[2] > 0 ? c[2] / (c[0] + c[1] + c[2]) : 0;
      mpc1 += c[0];
      mpc2 += c[1];
      mss += c[2];
    }
  *sums = (ith_pair_sums_t){.sfst = sfst, .snei = snei, .sjac = sjac, .mpc1 = mpc1, .mpc2 = mpc2,
                            .mss = mss, .nfst = nfst, .nnei = nnei, .njac = njac};
}
