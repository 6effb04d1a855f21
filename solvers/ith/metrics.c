/* Intratumor-heterogeneity metrics of one patient, as ../shared/ITH.md specifies them (MesKit
 * 1.1.2 / maftools / CONIPHER conventions, R rounding where MesKit rounds).  Works on one
 * patient's rows already in memory; no I/O, no MPI.  Cohort-level assembly (latent-space
 * normalisation, distribution, output) is the CLI's job. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "strata/ith.h"

const char *const strata_ith_region_cols[STRATA_ITH_NREG] = {
    "n_mut",       "math",           "n_math",   "ccf_auc", "n_clonal",
    "n_subclonal", "frac_subclonal", "n_clones", "shannon", "gini_simpson"};
const char *const strata_ith_pair_cols[STRATA_ITH_NPAIR] = {
    "n_union", "n_shared", "jaccard", "fst", "nei", "jsi", "pc1", "pc2", "ss12"};
const char *const strata_ith_patient_cols[STRATA_ITH_NPAT] = {
    "n_samples",      "n_tumors",          "n_mut",    "n_public",  "n_shared",     "n_private",
    "frac_subclonal", "fst_mean",          "nei_mean", "jsi_multi", "jaccard_mean", "n_clones",
    "shannon_mean",   "gini_simpson_mean", "scna_ith", "latent_ith"};

void strata_ith_opts_default(strata_ith_opts_t *o) {
  memset(o, 0, sizeof *o);
  o->math_convention = STRATA_ITH_MATH_MESKIT;
  o->maftools_vaf_cutoff = 0.075;
  o->maftools_min_variants = 5;
  o->fst_min_depth = 2;
  o->fst_min_vaf = 0;
  o->nei_min_ccf = 0;
  o->nei_meskit_compat = 0;
  o->jsi_pair_by_tumor = 0;
  o->jsi_min_ccf = 0;
  o->jsi_use_adj_vaf = 0;
  o->jsi_use_indel = 1;
}

double strata_ith_rround(double x, int d) {
  if (!isfinite(x)) return x;
  double p = pow(10.0, d);
  double x10 = p * x, f = floor(x10), c = ceil(x10);
  double xd = f / p, xu = c / p;
  double du = xu - x, dd = x - xd;
  int odd = fmod(fabs(f), 2.0) == 1.0;
  return (du < dd || (du == dd && odd)) ? xu : xd;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double strata_ith_median(double *v, int64_t n) {
  if (n <= 0) return NAN;
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* median(|v - median(v)|); v is reordered. */
static double median_absdev(double *v, int64_t n, double med) {
  for (int64_t i = 0; i < n; i++) v[i] = fabs(v[i] - med);
  return strata_ith_median(v, n);
}

/* MesKit mathScore (calMATH): all rows of the sample, MAD with 1.4826, rounded to 3 decimals.
 * maftools math.score: non-synonymous rows with VAF >= vafCutOff, >= 5 variants, no rounding. */
static double math_score(const strata_ith_patient_t *p, const strata_ith_opts_t *o, int s,
                         double *buf, int64_t *nused) {
  int64_t n = 0;
  int maft = o->math_convention == STRATA_ITH_MATH_MAFTOOLS;
  for (int64_t i = 0; i < p->nrows; i++) {
    if (p->sample[i] != s || isnan(p->vaf[i])) continue;
    if (maft && (!p->nonsyn[i] || p->vaf[i] < o->maftools_vaf_cutoff)) continue;
    buf[n++] = p->vaf[i];
  }
  *nused = n;
  if (n == 0 || (maft && n < o->maftools_min_variants)) return NAN;
  double med = strata_ith_median(buf, n);
  double m = median_absdev(buf, n, med);
  if (maft) return m * 100 * 1.4826 / med;
  double mad = 1.4826 * m;
  return strata_ith_rround(100 * mad / med, 3);
}

/* Per-row MesKit clonal status from the tumour group (tumour, mutation):
 * n = rows of the mutation in samples of that tumour (MesKit's mut_in_tumor_num);
 * n == 1: Subclonal iff CCF_CI_High < 1; n > 1: Subclonal iff Tumor_Average_CCF < 0.5 and any
 * CI_High < 1 and any CCF < 0.5; NA comparisons fall to Clonal.  Also fills tac[] (the rounded
 * depth-weighted Tumor_Average_CCF, NaN when any CCF or depth of the group is unknown). */
static void clonal_status(const strata_ith_patient_t *p, int8_t *status, double *tac) {
  int64_t i = 0;
  while (i < p->nrows) {
    int64_t j = i;
    while (j < p->nrows && p->mut[j] == p->mut[i]) j++;
    /* rows i..j-1: one mutation, all samples; group them by tumour */
    for (int64_t a = i; a < j; a++) {
      int tu = p->sample_tumor[p->sample[a]];
      int first = 1;
      for (int64_t b = i; b < a; b++)
        if (p->sample_tumor[p->sample[b]] == tu) first = 0;
      if (!first) continue;
      double num = 0, den = 0;
      int n = 0, na = 0, any_ci = 0, any_lo = 0;
      for (int64_t b = a; b < j; b++) {
        if (p->sample_tumor[p->sample[b]] != tu) continue;
        n++;
        if (isnan(p->ccf[b]) || p->depth[b] < 0)
          na = 1;
        else {
          num += p->ccf[b] * p->depth[b];
          den += p->depth[b];
        }
        if (p->ccf_ci_high[b] < 1) any_ci = 1;
        if (p->ccf[b] < 0.5) any_lo = 1;
      }
      double t = na ? NAN : strata_ith_rround(num / den, 3);
      for (int64_t b = a; b < j; b++) {
        if (p->sample_tumor[p->sample[b]] != tu) continue;
        tac[b] = t;
        int sub;
        if (!p->has_ci) {
          status[b] = -1;
          continue;
        }
        if (n == 1)
          sub = p->ccf_ci_high[b] < 1;
        else
          sub = t < 0.5 && any_ci && any_lo;
        status[b] = (int8_t)sub;
      }
    }
    i = j;
  }
}

/* Sample-level lookups for pairwise metrics: for each mutation, the first row in each sample. */
static void first_rows(const strata_ith_patient_t *p, int64_t *first /* [nmut*S] */) {
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

static int cmp_desc(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x < y) - (x > y);
}

/* Clone proportions of one region from its clusters' CCFs (mean CCF of the cluster's rows in the
 * region, capped at 1): strata assumes a linear phylogeny (each smaller cluster nested in the next
 * larger) and applies CONIPHER's rule on that chain: proportion = own CCF - child CCF, the
 * smallest keeps its CCF; zeros dropped; normalised to sum 1.  Returns the clone count. */
static int clone_diversity(double *cc, int k, double *shannon, double *gsimp) {
  int n = 0;
  for (int i = 0; i < k; i++)
    if (cc[i] > 0) cc[n++] = cc[i] > 1 ? 1 : cc[i];
  *shannon = *gsimp = NAN;
  if (n == 0) return 0;
  qsort(cc, (size_t)n, sizeof *cc, cmp_desc);
  double tot = 0;
  for (int i = 0; i < n; i++) {
    double prop = i + 1 < n ? cc[i] - cc[i + 1] : cc[i];
    cc[i] = prop;
    tot += prop;
  }
  double h = 0, s2 = 0;
  for (int i = 0; i < n; i++) {
    if (cc[i] <= 0) continue;
    double q = cc[i] / tot;
    h -= q * log(q);
    s2 += q * q;
  }
  *shannon = h;
  *gsimp = 1 - s2;
  return n;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* strata's SCNA-ITH: over autosomes, intervals covered by every sample; state per sample
 * (round(minor), round(major)) (or round(total) without alleles); aberrant if some sample differs
 * from (1,1) (or 2); subclonal if aberrant and the samples' states are not all identical;
 * SCNA-ITH = bp(subclonal) / bp(aberrant), NaN without aberrant bp. */
static int scna_ith(const strata_ith_patient_t *p, double *out) {
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

void strata_ith_result_free(strata_ith_result_t *r) {
  if (!r) return;
  free(r->region);
  free(r->pair);
  free(r->pair_unit);
  free(r->pair_a);
  free(r->pair_b);
  memset(r, 0, sizeof *r);
}

int strata_ith_patient_compute(const strata_ith_patient_t *p, const strata_ith_opts_t *o,
                               strata_ith_result_t *res) {
  int st = STRATA_OK;
  int S = p->nsamples, T = p->ntumors;
  int64_t R = p->nrows;
  double *buf = NULL, *tac = NULL, *cc = NULL;
  int8_t *status = NULL;
  int64_t *first = NULL;
  uint8_t *keep = NULL;
  int32_t *clmap = NULL;
  int64_t *ccnt = NULL;
  memset(res, 0, sizeof *res);
  for (int k = 0; k < STRATA_ITH_NPAT; k++) res->patient[k] = NAN;
  int npair_s = S * (S - 1) / 2, npair_t = o->jsi_pair_by_tumor ? T * (T - 1) / 2 : 0;
  res->nregion = S;
  res->npair = npair_s + npair_t;
  STRATA_MALLOC(res->region, (size_t)S * STRATA_ITH_NREG);
  STRATA_MALLOC(res->pair, (size_t)res->npair * STRATA_ITH_NPAIR);
  STRATA_MALLOC(res->pair_unit, res->npair);
  STRATA_MALLOC(res->pair_a, res->npair);
  STRATA_MALLOC(res->pair_b, res->npair);
  for (int64_t k = 0; k < (int64_t)S * STRATA_ITH_NREG; k++) res->region[k] = NAN;
  for (int64_t k = 0; k < (int64_t)res->npair * STRATA_ITH_NPAIR; k++) res->pair[k] = NAN;
  STRATA_MALLOC(buf, R);
  STRATA_MALLOC(tac, R);
  STRATA_MALLOC(status, R);
  STRATA_MALLOC(keep, R);
  STRATA_MALLOC(first, p->nmut * S);
  clonal_status(p, status, tac);
  first_rows(p, first);

  /* ---- regions ---- */
  for (int s = 0; s < S; s++) {
    double *rg = &res->region[(size_t)s * STRATA_ITH_NREG];
    int64_t nm = 0, nc = 0, nsub = 0, nccf = 0, nused = 0;
    double sccf = 0;
    for (int64_t i = 0; i < R; i++) {
      if (p->sample[i] != s) continue;
      nm++;
      if (!isnan(p->ccf[i])) {
        sccf += p->ccf[i];
        nccf++;
        if (status[i] == 0) nc++;
        if (status[i] == 1) nsub++;
      }
    }
    rg[STRATA_ITH_R_NMUT] = (double)nm;
    rg[STRATA_ITH_R_MATH] = math_score(p, o, s, buf, &nused);
    rg[STRATA_ITH_R_NMATH] = (double)nused;
    /* ccfAUC = integral over [0,1] of the CCF ECDF = 1 - mean(CCF) exactly */
    rg[STRATA_ITH_R_CCFAUC] = nccf ? 1.0 - sccf / (double)nccf : NAN;
    if (p->has_ci && nccf) {
      rg[STRATA_ITH_R_NCLONAL] = (double)nc;
      rg[STRATA_ITH_R_NSUBCLONAL] = (double)nsub;
      rg[STRATA_ITH_R_FRACSUB] = nc + nsub ? (double)nsub / (double)(nc + nsub) : NAN;
    }
  }

  /* ---- clusters ---- */
  if (p->cluster) {
    int32_t maxc = -1;
    for (int64_t i = 0; i < R; i++)
      if (p->cluster[i] > maxc) maxc = p->cluster[i];
    if (maxc >= 0) {
      int K = maxc + 1, ndist = 0;
      STRATA_CALLOC(cc, (size_t)K * S);
      STRATA_CALLOC(ccnt, (size_t)K * S);
      STRATA_CALLOC(clmap, K);
      for (int64_t i = 0; i < R; i++) {
        if (p->cluster[i] < 0) continue;
        if (!clmap[p->cluster[i]]) ndist++;
        clmap[p->cluster[i]] = 1;
        if (isnan(p->ccf[i])) continue;
        cc[(size_t)p->cluster[i] * S + p->sample[i]] += p->ccf[i];
        ccnt[(size_t)p->cluster[i] * S + p->sample[i]]++;
      }
      double hs = 0, gs = 0, *w = NULL;
      int nreg = 0;
      STRATA_MALLOC(w, K);
      for (int s = 0; s < S; s++) {
        for (int c = 0; c < K; c++)
          w[c] =
              ccnt[(size_t)c * S + s] ? cc[(size_t)c * S + s] / (double)ccnt[(size_t)c * S + s] : 0;
        double h, g;
        int n = clone_diversity(w, K, &h, &g);
        double *rg = &res->region[(size_t)s * STRATA_ITH_NREG];
        rg[STRATA_ITH_R_NCLONES] = n;
        rg[STRATA_ITH_R_SHANNON] = h;
        rg[STRATA_ITH_R_GINISIMPSON] = g;
        if (n > 0) {
          hs += h;
          gs += g;
          nreg++;
        }
      }
      free(w);
      res->patient[STRATA_ITH_T_NCLONES] = ndist;
      res->patient[STRATA_ITH_T_SHANNON] = nreg ? hs / nreg : NAN;
      res->patient[STRATA_ITH_T_GINISIMPSON] = nreg ? gs / nreg : NAN;
    }
  }

  /* ---- pairs of samples ---- */
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
  int njsi = o->jsi_pair_by_tumor ? npair_t : npair_s;
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

  /* ---- patient ---- */
  double *pt = res->patient;
  pt[STRATA_ITH_T_NSAMPLES] = S;
  pt[STRATA_ITH_T_NTUMORS] = T;
  pt[STRATA_ITH_T_NMUT] = (double)p->nmut;
  {
    /* MesKit classifyMut "SP": u = samples carrying it; Private (u == 1, tested first),
     * Public (u == S), Shared otherwise */
    int64_t pub = 0, sh = 0, pv = 0, nsubm = 0, nknown = 0;
    for (int64_t m = 0; m < p->nmut; m++) {
      int u = 0;
      for (int s = 0; s < S; s++) u += first[m * S + s] >= 0;
      if (u == 1)
        pv++;
      else if (u == S)
        pub++;
      else
        sh++;
    }
    int64_t i = 0;
    while (i < R) {
      int64_t j = i;
      int known = 0, sub = 0;
      while (j < R && p->mut[j] == p->mut[i]) {
        if (status[j] >= 0 && !isnan(p->ccf[j])) {
          known = 1;
          if (status[j] == 1) sub = 1;
        }
        j++;
      }
      nknown += known;
      nsubm += sub;
      i = j;
    }
    pt[STRATA_ITH_T_PUBLIC] = (double)pub;
    pt[STRATA_ITH_T_SHARED] = (double)sh;
    pt[STRATA_ITH_T_PRIVATE] = (double)pv;
    /* TRACERx-style fraction subclonal: distinct mutations subclonal in at least one tumour over
     * distinct mutations with a clonal status */
    pt[STRATA_ITH_T_FRACSUB] = nknown ? (double)nsubm / (double)nknown : NAN;
  }
  pt[STRATA_ITH_T_FST] = nfst ? sfst / nfst : NAN;
  pt[STRATA_ITH_T_NEI] = nnei ? snei / nnei : NAN;
  pt[STRATA_ITH_T_JACCARD] = njac ? sjac / njac : NAN;
  if (p->has_ci && njsi > 0) {
    double a1 = mpc1 / njsi, a2 = mpc2 / njsi, a3 = mss / njsi;
    pt[STRATA_ITH_T_JSI] = a1 + a2 + a3 > 0 ? a3 / (a1 + a2 + a3) : 0;
  }
  STRATA_CHECK(scna_ith(p, &pt[STRATA_ITH_T_SCNA]));
cleanup:
  free(buf);
  free(tac);
  free(status);
  free(keep);
  free(first);
  free(cc);
  free(ccnt);
  free(clmap);
  if (st) strata_ith_result_free(res);
  return st;
}

double strata_ith_latent_within(const double *Z, int64_t n, int K) {
  if (n < 2) return NAN;
  double s = 0;
  for (int64_t a = 0; a < n; a++)
    for (int64_t b = a + 1; b < n; b++) {
      double d = 0;
      for (int k = 0; k < K; k++) {
        double e = Z[a * K + k] - Z[b * K + k];
        d += e * e;
      }
      s += sqrt(d);
    }
  return s / ((double)n * (double)(n - 1) / 2);
}

double strata_ith_latent_between_sum(const double *c, int64_t np, int K, int64_t p) {
  double s = 0;
  for (int64_t q = p + 1; q < np; q++) {
    double d = 0;
    for (int k = 0; k < K; k++) {
      double e = c[p * K + k] - c[q * K + k];
      d += e * e;
    }
    s += sqrt(d);
  }
  return s;
}
