/* Intratumor-heterogeneity metrics of one patient, as ../shared/ITH.md specifies them (MesKit
 * 1.1.2 / maftools / CONIPHER conventions, R rounding where MesKit rounds): the entry point
 * strata_ith_patient_compute and its region, clone and patient-summary stages; the pairwise
 * stage is pairs.c, SCNA-ITH scna.c.  Works on one patient's rows already in memory; no I/O, no
 * MPI.  The cohort (patients over ranks) is cohort.c, latent-space ITH latent.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "solvers/ith/ith_impl.h"

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

void strata_ith_result_free(strata_ith_result_t *r) {
  if (!r) return;
  free(r->region);
  free(r->pair);
  free(r->pair_unit);
  free(r->pair_a);
  free(r->pair_b);
  memset(r, 0, sizeof *r);
}

/* Region rows: mutation count, MATH, ccfAUC and the clonal/subclonal counts of each sample. */
static void region_metrics(const strata_ith_patient_t *p, const strata_ith_opts_t *o,
                           const int8_t *status, double *buf, strata_ith_result_t *res) {
  for (int s = 0; s < p->nsamples; s++) {
    double *rg = &res->region[(size_t)s * STRATA_ITH_NREG];
    int64_t nm = 0, nc = 0, nsub = 0, nccf = 0, nused = 0;
    double sccf = 0;
    for (int64_t i = 0; i < p->nrows; i++) {
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
}

/* Clone columns (regions and patient) from the clusters, when the rows carry any. */
static int cluster_metrics(const strata_ith_patient_t *p, strata_ith_result_t *res) {
  int st = STRATA_OK;
  int S = p->nsamples;
  int64_t R = p->nrows;
  double *cc = NULL, *w = NULL;
  int64_t *ccnt = NULL;
  int32_t *clmap = NULL;
  int32_t maxc = -1;
  if (!p->cluster) return STRATA_OK;
  for (int64_t i = 0; i < R; i++)
    if (p->cluster[i] > maxc) maxc = p->cluster[i];
  if (maxc < 0) return STRATA_OK;
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
  double hs = 0, gs = 0;
  int nreg = 0;
  STRATA_MALLOC(w, K);
  for (int s = 0; s < S; s++) {
    for (int c = 0; c < K; c++)
      w[c] = ccnt[(size_t)c * S + s] ? cc[(size_t)c * S + s] / (double)ccnt[(size_t)c * S + s] : 0;
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
  res->patient[STRATA_ITH_T_NCLONES] = ndist;
  res->patient[STRATA_ITH_T_SHANNON] = nreg ? hs / nreg : NAN;
  res->patient[STRATA_ITH_T_GINISIMPSON] = nreg ? gs / nreg : NAN;
cleanup:
  free(w);
  free(cc);
  free(ccnt);
  free(clmap);
  return st;
}

/* Patient row (except the clone columns, SCNA-ITH and latent_ith): counts, MesKit's
 * public/shared/private, TRACERx-style fraction subclonal, and the means of the pair metrics. */
static void patient_summary(const strata_ith_patient_t *p, const strata_ith_opts_t *o,
                            const int64_t *first, const int8_t *status, const ith_pair_sums_t *ps,
                            int njsi, strata_ith_result_t *res) {
  int S = p->nsamples;
  int64_t R = p->nrows;
  double *pt = res->patient;
  pt[STRATA_ITH_T_NSAMPLES] = S;
  pt[STRATA_ITH_T_NTUMORS] = p->ntumors;
  pt[STRATA_ITH_T_NMUT] = (double)p->nmut;
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
  pt[STRATA_ITH_T_FST] = ps->nfst ? ps->sfst / ps->nfst : NAN;
  pt[STRATA_ITH_T_NEI] = ps->nnei ? ps->snei / ps->nnei : NAN;
  pt[STRATA_ITH_T_JACCARD] = ps->njac ? ps->sjac / ps->njac : NAN;
  if (p->has_ci && njsi > 0) {
    double a1 = ps->mpc1 / njsi, a2 = ps->mpc2 / njsi, a3 = ps->mss / njsi;
    pt[STRATA_ITH_T_JSI] = a1 + a2 + a3 > 0 ? a3 / (a1 + a2 + a3) : 0;
  }
}

int strata_ith_patient_compute(const strata_ith_patient_t *p, const strata_ith_opts_t *o,
                               strata_ith_result_t *res) {
  int st = STRATA_OK;
  int S = p->nsamples, T = p->ntumors;
  int64_t R = p->nrows;
  double *buf = NULL, *tac = NULL;
  int8_t *status = NULL;
  int64_t *first = NULL;
  uint8_t *keep = NULL;
  ith_pair_sums_t sums;
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
  ith_first_rows(p, first);
  region_metrics(p, o, status, buf, res);
  STRATA_CHECK(cluster_metrics(p, res));
  ith_pairs(p, o, first, status, tac, keep, res, &sums);
  patient_summary(p, o, first, status, &sums, o->jsi_pair_by_tumor ? npair_t : npair_s, res);
  STRATA_CHECK(ith_scna(p, &res->patient[STRATA_ITH_T_SCNA]));
cleanup:
  free(buf);
  free(tac);
  free(status);
  free(keep);
  free(first);
  if (st) strata_ith_result_free(res);
  return st;
}
