/* ITH metrics on small hand-computed patients (the arithmetic is in the comments), R rounding,
 * ITH.md's edge cases, and the distributed mutation reader (CCF cap, CI, patient ownership) at
 * np 1, 2, 4.  The metric part is pure and runs on every rank; the reader part is collective. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "strata/ith.h"
#include "strata/mutations.h"

#define NA NAN

static void test_rounding(void) {
  /* ITH.md: R's round is not printf rounding */
  T_NEAR(strata_ith_rround(0.1645, 3), 0.164, 0, "round(0.1645,3)");
  T_NEAR(strata_ith_rround(0.45, 1), 0.4, 0, "round(0.45,1)");
  T_NEAR(strata_ith_rround(0.0125, 3), 0.013, 0, "round(0.0125,3)");
  T_NEAR(strata_ith_rround(2.5, 0), 2.0, 0, "round(2.5) half to even");
  T_NEAR(strata_ith_rround(3.5, 0), 4.0, 0, "round(3.5) half to even");
  T_NEAR(strata_ith_rround(0.35, 2), 0.35, 0, "round(0.35,2) already rounded");
  T_CHECK(isnan(strata_ith_rround(NAN, 3)), "round(NA) is NA");
  double a[] = {3, 1, 2}, b[] = {4, 1, 3, 2};
  T_NEAR(strata_ith_median(a, 3), 2, 0, "median odd");
  T_NEAR(strata_ith_median(b, 4), 2.5, 0, "median even = mean of the middle two");
  T_CHECK(isnan(strata_ith_median(a, 0)), "median of nothing is NA");
}

/* Patient A: one tumour, samples s0 and s1.  Rows sorted by mutation then sample:
 *   m0: s0 VAF .4 depth 100 CCF .3 CI .8 | s1 VAF .3 depth 100 CCF .6 CI .9
 *   m1: s0 VAF .2 depth  50 CCF .4 CI .7
 *   m2: s1 VAF .5 depth  10 CCF 1.0 CI 1.3
 *   m3: s0 VAF .1 depth   1 CCF .2 CI .5      (depth 1: out of Fst, min.total.depth 2) */
static void test_patient_a(void) {
  int32_t tum[] = {0, 0};
  int32_t mut[] = {0, 0, 1, 2, 3}, smp[] = {0, 1, 0, 1, 0}, dep[] = {100, 100, 50, 10, 1};
  double vaf[] = {.4, .3, .2, .5, .1}, ccf[] = {.3, .6, .4, 1.0, .2}, ci[] = {.8, .9, .7, 1.3, .5};
  uint8_t ns[] = {1, 1, 1, 1, 1}, snp[] = {1, 1, 1, 1, 1};
  strata_ith_patient_t p = {.nsamples = 2,
                            .ntumors = 1,
                            .sample_tumor = tum,
                            .nrows = 5,
                            .nmut = 4,
                            .mut = mut,
                            .sample = smp,
                            .vaf = vaf,
                            .depth = dep,
                            .ccf = ccf,
                            .ccf_ci_high = ci,
                            .has_ci = 1,
                            .nonsyn = ns,
                            .snp = snp};
  strata_ith_opts_t o;
  strata_ith_opts_default(&o);
  strata_ith_result_t r;
  T_CHECK(strata_ith_patient_compute(&p, &o, &r) == STRATA_OK, "compute A");
  const double *r0 = r.region, *r1 = r.region + STRATA_ITH_NREG;
  /* MATH s0: v = .4 .2 .1, median .2, |v-.2| = .2 0 .1 -> median .1, MAD = .14826,
   * 100*.14826/.2 = 74.13.  s1: v = .3 .5, median .4, |dev| .1 .1, 100*.14826/.4 = 37.065 */
  T_NEAR(r0[STRATA_ITH_R_MATH], 74.13, 1e-12, "MATH s0");
  T_NEAR(r1[STRATA_ITH_R_MATH], 37.065, 1e-12, "MATH s1");
  T_NEAR(r0[STRATA_ITH_R_NMUT], 3, 0, "n_mut s0");
  /* ccfAUC = 1 - mean CCF: s0 1 - (.3+.4+.2)/3 = .7; s1 1 - (.6+1)/2 = .2 */
  T_NEAR(r0[STRATA_ITH_R_CCFAUC], .7, 1e-12, "ccfAUC s0");
  T_NEAR(r1[STRATA_ITH_R_CCFAUC], .2, 1e-12, "ccfAUC s1");
  /* clonal status: m0 in 2 samples, Tumor_Average_CCF = round((.3*100+.6*100)/200,3) = .45 < .5,
   * some CI < 1, some CCF < .5 -> Subclonal (both rows); m1 single, CI .7 < 1 -> Subclonal;
   * m2 CI 1.3 -> Clonal; m3 CI .5 -> Subclonal.  s0: 0 clonal 3 subclonal; s1: 1 and 1 */
  T_NEAR(r0[STRATA_ITH_R_NCLONAL], 0, 0, "n_clonal s0");
  T_NEAR(r0[STRATA_ITH_R_NSUBCLONAL], 3, 0, "n_subclonal s0");
  T_NEAR(r0[STRATA_ITH_R_FRACSUB], 1, 0, "frac_subclonal s0");
  T_NEAR(r1[STRATA_ITH_R_FRACSUB], .5, 0, "frac_subclonal s1");
  /* patient: m0 public (2 of 2 samples), m1 m2 m3 private; subclonal m0 m1 m3 of 4 = .75 */
  T_NEAR(r.patient[STRATA_ITH_T_PUBLIC], 1, 0, "public");
  T_NEAR(r.patient[STRATA_ITH_T_SHARED], 0, 0, "shared");
  T_NEAR(r.patient[STRATA_ITH_T_PRIVATE], 3, 0, "private");
  T_NEAR(r.patient[STRATA_ITH_T_FRACSUB], .75, 1e-15, "TRACERx-style frac subclonal");
  T_CHECK(r.npair == 1, "one pair");
  const double *pr = r.pair;
  /* Fst: m0 N = (.4-.3)^2 - .4*.6/99 - .3*.7/99, D = .4*.7 + .3*.6;
   *      m1 (missing in s1: VAF 0 depth 0) N = .2^2 - .2*.8/49 - 0, D = .2;
   *      m2 (missing in s0) N = .5^2 - .5*.5/9, D = .5;  m3 excluded (depth 1, absent in s1).
   *      Fst = mean(N)/mean(D) */
  double N = (.01 - .24 / 99 - .21 / 99) + (.04 - .16 / 49) + (.25 - .25 / 9);
  double D = (.28 + .18) + .2 + .5;
  T_NEAR(pr[STRATA_ITH_P_FST], (N / 3) / (D / 3), 1e-12, "Fst");
  T_NEAR(r.patient[STRATA_ITH_T_FST], (N / 3) / (D / 3), 1e-12, "Fst patient mean");
  /* Nei on CCF over the union m0 (.3,.6) m1 (.4,0) m2 (0,1) m3 (.2,0):
   * sum xy+(1-x)(1-y) = .46 + .6 + 0 + .8 = 1.86; sum x^2+(1-x)^2 = .58+.52+1+.68 = 2.78;
   * sum y^2+(1-y)^2 = .52+1+1+1 = 3.52 */
  T_NEAR(pr[STRATA_ITH_P_NEI], -log(1.86 / sqrt(2.78 * 3.52)), 1e-12, "Nei");
  /* JSI: m0 shared subclonal (SS 1); m2 clonal private to s1 (PC2 1); m1 m3 subclonal private:
   * JSI = 1/(0+1+1) */
  T_NEAR(pr[STRATA_ITH_P_SS12], 1, 0, "SS12");
  T_NEAR(pr[STRATA_ITH_P_PC1], 0, 0, "PC1");
  T_NEAR(pr[STRATA_ITH_P_PC2], 1, 0, "PC2");
  T_NEAR(pr[STRATA_ITH_P_JSI], .5, 1e-15, "JSI");
  T_NEAR(r.patient[STRATA_ITH_T_JSI], .5, 1e-15, "JSI multi");
  /* presence Jaccard: union 4, shared 1 */
  T_NEAR(pr[STRATA_ITH_P_JACCARD], .25, 0, "Jaccard");
  T_CHECK(isnan(r.patient[STRATA_ITH_T_SCNA]), "no segments: SCNA-ITH NA");
  T_CHECK(isnan(r0[STRATA_ITH_R_NCLONES]), "no clusters: clone count NA");
  strata_ith_result_free(&r);

  /* without a CCF interval the clonal status is undefined: counts and JSI are NA */
  p.has_ci = 0;
  T_CHECK(strata_ith_patient_compute(&p, &o, &r) == STRATA_OK, "compute A no CI");
  T_CHECK(isnan(r.region[STRATA_ITH_R_NCLONAL]) && isnan(r.pair[STRATA_ITH_P_JSI]) &&
              isnan(r.patient[STRATA_ITH_T_JSI]) && isnan(r.patient[STRATA_ITH_T_FRACSUB]),
          "no CI: clonal metrics NA");
  strata_ith_result_free(&r);
}

/* Single-region patient with one VAF twice: MAD 0 -> MATH 0; every mutation private (u == 1 is
 * tested before u == S); pairwise metrics NA. */
static void test_single_region(void) {
  int32_t tum[] = {0}, mut[] = {0, 1}, smp[] = {0, 0}, dep[] = {10, 10};
  double vaf[] = {.3, .3}, ccf[] = {NA, NA}, ci[] = {NA, NA};
  uint8_t one[] = {1, 1};
  strata_ith_patient_t p = {.nsamples = 1,
                            .ntumors = 1,
                            .sample_tumor = tum,
                            .nrows = 2,
                            .nmut = 2,
                            .mut = mut,
                            .sample = smp,
                            .vaf = vaf,
                            .depth = dep,
                            .ccf = ccf,
                            .ccf_ci_high = ci,
                            .has_ci = 1,
                            .nonsyn = one,
                            .snp = one};
  strata_ith_opts_t o;
  strata_ith_opts_default(&o);
  strata_ith_result_t r;
  T_CHECK(strata_ith_patient_compute(&p, &o, &r) == STRATA_OK, "compute single");
  T_NEAR(r.region[STRATA_ITH_R_MATH], 0, 0, "single variant value: MATH 0");
  T_CHECK(isnan(r.region[STRATA_ITH_R_CCFAUC]), "no CCF: ccfAUC NA");
  T_NEAR(r.patient[STRATA_ITH_T_PRIVATE], 2, 0, "single region: private");
  T_NEAR(r.patient[STRATA_ITH_T_PUBLIC], 0, 0, "single region: not public");
  T_CHECK(r.npair == 0, "no pairs");
  T_CHECK(isnan(r.patient[STRATA_ITH_T_FST]) && isnan(r.patient[STRATA_ITH_T_NEI]) &&
              isnan(r.patient[STRATA_ITH_T_JSI]) && isnan(r.patient[STRATA_ITH_T_JACCARD]),
          "single region: pairwise NA");
  strata_ith_result_free(&r);
}

/* MATH conventions on one sample: VAFs .05 .1 .2 .3 .4 .5 .6 (missense) and .9 (silent).
 * MesKit: all 8, median (.3+.4)/2 = .35, |dev| sorted .05 .05 .15 .15 .25 .25 .3 .55, median .2,
 *   round(100*1.4826*.2/.35, 3) = 84.72.
 * maftools: nonsyn with VAF >= .075: .1 .. .6, median .35, |dev| .25 .15 .05 .05 .15 .25 -> .15,
 *   .15*100*1.4826/.35 = 63.54 (unrounded); with only 4 left -> NA (< 5 variants). */
static void test_math_conventions(void) {
  int32_t tum[] = {0}, mut[8], smp[8] = {0}, dep[8];
  double vaf[] = {.05, .1, .2, .3, .4, .5, .6, .9}, ccf[8], ci[8];
  uint8_t ns[] = {1, 1, 1, 1, 1, 1, 1, 0}, snp[8];
  for (int i = 0; i < 8; i++) {
    mut[i] = i;
    dep[i] = 100;
    ccf[i] = ci[i] = NA;
    snp[i] = 1;
  }
  strata_ith_patient_t p = {.nsamples = 1,
                            .ntumors = 1,
                            .sample_tumor = tum,
                            .nrows = 8,
                            .nmut = 8,
                            .mut = mut,
                            .sample = smp,
                            .vaf = vaf,
                            .depth = dep,
                            .ccf = ccf,
                            .ccf_ci_high = ci,
                            .has_ci = 0,
                            .nonsyn = ns,
                            .snp = snp};
  strata_ith_opts_t o;
  strata_ith_opts_default(&o);
  strata_ith_result_t r;
  T_CHECK(strata_ith_patient_compute(&p, &o, &r) == STRATA_OK, "compute math");
  T_NEAR(r.region[STRATA_ITH_R_MATH], 84.72, 1e-12, "MATH MesKit");
  T_NEAR(r.region[STRATA_ITH_R_NMATH], 8, 0, "MesKit uses every row");
  strata_ith_result_free(&r);
  o.math_convention = STRATA_ITH_MATH_MAFTOOLS;
  T_CHECK(strata_ith_patient_compute(&p, &o, &r) == STRATA_OK, "compute math maftools");
  T_NEAR(r.region[STRATA_ITH_R_MATH], .15 * 100 * 1.4826 / .35, 1e-12, "MATH maftools");
  T_NEAR(r.region[STRATA_ITH_R_NMATH], 6, 0, "maftools: nonSyn, VAF >= 0.075");
  strata_ith_result_free(&r);
  p.nrows = p.nmut = 5; /* .05 .1 .2 .3 .4: 4 pass the cutoff */
  T_CHECK(strata_ith_patient_compute(&p, &o, &r) == STRATA_OK, "compute math maftools few");
  T_CHECK(isnan(r.region[STRATA_ITH_R_MATH]), "maftools: < 5 variants -> NA");
  strata_ith_result_free(&r);
}

/* Patient C: tumour P = {s0, s1}, tumour M = {s2}.
 *   m0: s0 CCF .2 CI .6 d 100 | s1 CCF .4 CI .8 d 300 | s2 CCF .3 CI .7 d 100
 *       P: Tumor_Average_CCF = round((20+120)/400, 3) = .35 -> Subclonal;
 *       M: single, CI .7 -> Subclonal
 *   m1: s0 CCF 1 CI 1.2 d 10  -> P Clonal, TAC 1; absent in M -> private clonal of P (PC1)
 *   m2: s2 CCF .9 CI 1.1 d 50 -> M Clonal -> PC2
 *   m3: s1 CCF .1 CI .3 d 20  -> P Subclonal private: counted nowhere
 * pairByTumor JSI = SS/(PC1+PC2+SS) = 1/3. */
static void test_by_tumor(void) {
  int32_t tum[] = {0, 0, 1};
  int32_t mut[] = {0, 0, 0, 1, 2, 3}, smp[] = {0, 1, 2, 0, 2, 1},
          dep[] = {100, 300, 100, 10, 50, 20};
  double vaf[] = {.1, .2, .15, .5, .45, .05}, ccf[] = {.2, .4, .3, 1, .9, .1};
  double ci[] = {.6, .8, .7, 1.2, 1.1, .3};
  uint8_t ns[] = {1, 1, 1, 1, 1, 1}, snp[] = {1, 1, 1, 1, 1, 1};
  strata_ith_patient_t p = {.nsamples = 3,
                            .ntumors = 2,
                            .sample_tumor = tum,
                            .nrows = 6,
                            .nmut = 4,
                            .mut = mut,
                            .sample = smp,
                            .vaf = vaf,
                            .depth = dep,
                            .ccf = ccf,
                            .ccf_ci_high = ci,
                            .has_ci = 1,
                            .nonsyn = ns,
                            .snp = snp};
  strata_ith_opts_t o;
  strata_ith_opts_default(&o);
  o.jsi_pair_by_tumor = 1;
  strata_ith_result_t r;
  T_CHECK(strata_ith_patient_compute(&p, &o, &r) == STRATA_OK, "compute C");
  T_CHECK(r.npair == 3 + 1, "3 sample pairs + 1 tumour pair");
  const double *tp = r.pair + 3 * STRATA_ITH_NPAIR;
  T_CHECK(r.pair_unit[3] == STRATA_ITH_UNIT_TUMOR, "tumour pair last");
  T_NEAR(tp[STRATA_ITH_P_PC1], 1, 0, "tumour PC1");
  T_NEAR(tp[STRATA_ITH_P_PC2], 1, 0, "tumour PC2");
  T_NEAR(tp[STRATA_ITH_P_SS12], 1, 0, "tumour SS12");
  T_NEAR(r.patient[STRATA_ITH_T_JSI], 1.0 / 3, 1e-15, "JSI multi by tumour");
  /* Nei between s0 and s2 (different tumours).  Matched union: m0 (.2,.3), m1 (1,0), m2 (0,.9):
   * sum xy+(1-x)(1-y) = .62 + 0 + .1 = .72; x-sum .68+1+1 = 2.68; y-sum .58+1+.82 = 2.4.
   * MesKit-compatible: m0 splits into (.2,0) and (0,.3): .8+.7+0+.1 = 1.6; x 3.68; y 3.4. */
  const double *p02 = r.pair + 1 * STRATA_ITH_NPAIR; /* pairs: (0,1) (0,2) (1,2) */
  T_CHECK(r.pair_a[1] == 0 && r.pair_b[1] == 2, "pair order is combn order");
  T_NEAR(p02[STRATA_ITH_P_NEI], -log(.72 / sqrt(2.68 * 2.4)), 1e-12, "Nei matched");
  strata_ith_result_free(&r);
  o.nei_meskit_compat = 1;
  T_CHECK(strata_ith_patient_compute(&p, &o, &r) == STRATA_OK, "compute C compat");
  T_NEAR(r.pair[1 * STRATA_ITH_NPAIR + STRATA_ITH_P_NEI], -log(1.6 / sqrt(3.68 * 3.4)), 1e-12,
         "Nei MesKit-compatible");
  /* s0, s1 share a tumour: both variants agree */
  T_NEAR(r.pair[STRATA_ITH_P_NEI], r.pair[STRATA_ITH_P_NEI], 0, "same tumour");
  strata_ith_result_free(&r);
  /* use.indel = FALSE with m0 m1 m2 flagged indels: only m3 (subclonal private) is left, so
   * PC1 = PC2 = SS = 0 and JSI is 0, not NaN */
  uint8_t snp2[] = {0, 0, 0, 0, 0, 1};
  p.snp = snp2;
  o.jsi_use_indel = 0;
  T_CHECK(strata_ith_patient_compute(&p, &o, &r) == STRATA_OK, "compute C no indel");
  T_NEAR(r.pair[3 * STRATA_ITH_NPAIR + STRATA_ITH_P_JSI], 0, 0, "empty JSI denominator -> 0");
  T_NEAR(r.patient[STRATA_ITH_T_JSI], 0, 0, "empty JSI multi -> 0");
  strata_ith_result_free(&r);
  /* min.ccf .95 keeps only m1 (CCF 1): PC1 = 1 -> JSI 0 */
  p.snp = snp;
  o.jsi_use_indel = 1;
  o.jsi_min_ccf = .95;
  T_CHECK(strata_ith_patient_compute(&p, &o, &r) == STRATA_OK, "compute C min ccf");
  T_NEAR(r.pair[3 * STRATA_ITH_NPAIR + STRATA_ITH_P_PC1], 1, 0, "min.ccf keeps m1");
  T_NEAR(r.pair[3 * STRATA_ITH_NPAIR + STRATA_ITH_P_SS12], 0, 0, "min.ccf drops m0");
  strata_ith_result_free(&r);
}

/* Clusters: s0 has clusters 0 (CCF 1, two rows), 1 (.6), 2 (.2); s1 only cluster 0 (1.0).
 * s0 chain 1 > .6 > .2: proportions .4 .4 .2; Shannon = -(2*.4 ln .4 + .2 ln .2);
 * Gini-Simpson = 1 - (.16+.16+.04) = .64.  s1: one clone, H = 0, GS = 0. */
static void test_clones(void) {
  int32_t tum[] = {0, 0};
  int32_t mut[] = {0, 0, 1, 1, 2, 3}, smp[] = {0, 1, 0, 1, 0, 0}, dep[] = {50, 50, 50, 50, 50, 50};
  int32_t clu[] = {0, 0, 0, 0, 1, 2};
  double vaf[] = {.5, .5, .5, .5, .3, .1}, ccf[] = {1, 1, 1, 1, .6, .2},
         ci[] = {NA, NA, NA, NA, NA, NA};
  uint8_t one[] = {1, 1, 1, 1, 1, 1};
  strata_ith_patient_t p = {.nsamples = 2,
                            .ntumors = 1,
                            .sample_tumor = tum,
                            .nrows = 6,
                            .nmut = 4,
                            .mut = mut,
                            .sample = smp,
                            .vaf = vaf,
                            .depth = dep,
                            .ccf = ccf,
                            .ccf_ci_high = ci,
                            .has_ci = 0,
                            .nonsyn = one,
                            .snp = one,
                            .cluster = clu};
  strata_ith_opts_t o;
  strata_ith_opts_default(&o);
  strata_ith_result_t r;
  T_CHECK(strata_ith_patient_compute(&p, &o, &r) == STRATA_OK, "compute clones");
  double h0 = -(2 * .4 * log(.4) + .2 * log(.2));
  T_NEAR(r.region[STRATA_ITH_R_NCLONES], 3, 0, "clones s0");
  T_NEAR(r.region[STRATA_ITH_R_SHANNON], h0, 1e-12, "Shannon s0");
  T_NEAR(r.region[STRATA_ITH_R_GINISIMPSON], .64, 1e-12, "Gini-Simpson s0");
  T_NEAR(r.region[STRATA_ITH_NREG + STRATA_ITH_R_NCLONES], 1, 0, "clones s1");
  T_NEAR(r.region[STRATA_ITH_NREG + STRATA_ITH_R_SHANNON], 0, 0, "Shannon one clone");
  T_NEAR(r.patient[STRATA_ITH_T_NCLONES], 3, 0, "distinct clusters");
  T_NEAR(r.patient[STRATA_ITH_T_SHANNON], h0 / 2, 1e-12, "Shannon mean over regions");
  strata_ith_result_free(&r);
}

/* SCNA-ITH: chr1 s0 [1,100] (1,1), [101,200] (0,2); s1 [1,150] (1,1), [151,200] (0,2);
 * chr2 both [1,50] (1,2); chrX (23) ignored.  Elementary intervals: chr1 [1,100] normal;
 * [101,150] aberrant and different (subclonal, 50 bp); [151,200] aberrant identical (50 bp);
 * chr2 [1,50] aberrant identical (50 bp).  SCNA-ITH = 50 / 150. */
static void test_scna(void) {
  int32_t tum[] = {0, 0}, mut[] = {0}, smp[] = {0}, dep[] = {10};
  double vaf[] = {.5}, ccf[] = {NA}, ci[] = {NA};
  uint8_t one[] = {1};
  int32_t ss[] = {0, 0, 1, 1, 0, 1, 0}, sc[] = {1, 1, 1, 1, 2, 2, 23};
  int64_t s0[] = {1, 101, 1, 151, 1, 1, 1}, s1[] = {100, 200, 150, 200, 50, 50, 1000};
  double mj[] = {1, 2, 1, 2, 2, 2, 3}, mn[] = {1, 0, 1, 0, 1, 1, 0}, tot[] = {2, 2, 2, 2, 3, 3, 3};
  strata_ith_patient_t p = {.nsamples = 2,
                            .ntumors = 1,
                            .sample_tumor = tum,
                            .nrows = 1,
                            .nmut = 1,
                            .mut = mut,
                            .sample = smp,
                            .vaf = vaf,
                            .depth = dep,
                            .ccf = ccf,
                            .ccf_ci_high = ci,
                            .nonsyn = one,
                            .snp = one,
                            .nseg = 7,
                            .seg_sample = ss,
                            .seg_chrom = sc,
                            .seg_start = s0,
                            .seg_end = s1,
                            .seg_major = mj,
                            .seg_minor = mn,
                            .seg_total = tot,
                            .seg_alleles = 1};
  strata_ith_opts_t o;
  strata_ith_opts_default(&o);
  strata_ith_result_t r;
  T_CHECK(strata_ith_patient_compute(&p, &o, &r) == STRATA_OK, "compute scna");
  T_NEAR(r.patient[STRATA_ITH_T_SCNA], 50.0 / 150.0, 1e-15, "SCNA-ITH");
  strata_ith_result_free(&r);
  /* total copy number only: (0,2) and (1,1) both total 2 -> chr1 [101,200] is normal;
   * chr2 total 3 identical -> aberrant clonal only: SCNA-ITH 0 */
  p.seg_alleles = 0;
  T_CHECK(strata_ith_patient_compute(&p, &o, &r) == STRATA_OK, "compute scna total");
  T_NEAR(r.patient[STRATA_ITH_T_SCNA], 0, 0, "SCNA-ITH from totals");
  strata_ith_result_free(&r);
}

static void test_latent(void) {
  /* (0,0) (3,4) (0,4): distances 5, 3, 4 -> mean 4 */
  double z[] = {0, 0, 3, 4, 0, 4};
  T_NEAR(strata_ith_latent_within(z, 3, 2), 4, 1e-15, "latent within");
  T_CHECK(isnan(strata_ith_latent_within(z, 1, 2)), "one region: NA");
  /* centroids (0,0) (3,4) (6,8): from 0: 5 + 10; from 1: 5 */
  double c[] = {0, 0, 3, 4, 6, 8};
  T_NEAR(strata_ith_latent_between_sum(c, 3, 2, 0), 15, 1e-15, "between from 0");
  T_NEAR(strata_ith_latent_between_sum(c, 3, 2, 1), 5, 1e-15, "between from 1");
}

/* The reader: a MesKit MAF with a VAF == 0 row and a chrM row (dropped), a CCF of 1.3 (capped),
 * CCF_Std (CI = CCF + 1.96*Std), three patients spread over the ranks and never split. */
static void test_reader(MPI_Comm comm) {
  int rank, size;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  char dir[] = "/tmp/strata_ith_XXXXXX", maf[256], clin[256], ccfp[256];
  if (rank == 0 && !mkdtemp(dir)) dir[0] = 0;
  MPI_Bcast(dir, sizeof dir, MPI_CHAR, 0, comm);
  snprintf(maf, sizeof maf, "%s/m.maf", dir);
  snprintf(clin, sizeof clin, "%s/c.tsv", dir);
  snprintf(ccfp, sizeof ccfp, "%s/f.tsv", dir);
  if (rank == 0) {
    FILE *f = fopen(maf, "w");
    fprintf(f,
            "#version 2.4\nHugo_Symbol\tChromosome\tStart_Position\tEnd_Position\t"
            "Variant_Classification\tVariant_Type\tReference_Allele\tTumor_Seq_Allele2\t"
            "Ref_allele_depth\tAlt_allele_depth\tVAF\tTumor_Sample_Barcode\n");
    const char *rows[] = {"1\t10\tA1\t.4", "1\t10\tA2\t0",  "2\t20\tA2\t.3", "M\t5\tA1\t.5",
                          "1\t10\tB1\t.2", "3\t30\tB2\t.1", "4\t40\tC1\t.6", "4\t40\tC2 \t.6"};
    for (int i = 0; i < 8; i++) {
      char c[8], s[8];
      long pos;
      double v;
      sscanf(rows[i], "%7s\t%ld\t%7[^\t]\t%lf", c, &pos, s, &v);
      fprintf(f, "G\t%s\t%ld\t%ld\tMissense_Mutation\tSNP\tC\tT\t60\t40\t%g\t%s\n", c, pos, pos, v,
              strchr(rows[i], ' ') ? "C2 " : s);
    }
    fclose(f);
    f = fopen(clin, "w");
    fprintf(f,
            "Tumor_Sample_Barcode\tTumor_ID\tPatient_ID\nA1\tP\tPA\nA2\tP\tPA\nB1\tP\tPB\n"
            "B2\tM\tPB\nC1\tP\tPC\nC2\tP\tPC\n");
    fclose(f);
    f = fopen(ccfp, "w");
    fprintf(f,
            "Patient_ID\tTumor_Sample_Barcode\tChromosome\tStart_Position\tCCF\tCCF_Std\n"
            "PA\tA1\t1\t10\t1.3\t0.1\nPB\tB1\t1\t10\t0.5\t0.1\nPA\tA2\t1\t10\t0.2\t0.1\n");
    fclose(f);
  }
  MPI_Barrier(comm);
  strata_mut_spec_t sp = {.format = STRATA_MUT_MESKIT, .table = maf, .samples = clin, .ccf = ccfp};
  strata_mut_table_t *t = NULL;
  int st = strata_mut_read(comm, &sp, &t);
  T_CHECK(st == STRATA_OK, "read: %s", strata_err_msg());
  if (st == STRATA_OK) {
    T_CHECK(t->nsamples == 6 && t->npatients == 3,
            "6 samples (trailing blank stripped), 3 patients");
    T_CHECK(t->dropped_vaf0 == 1 && t->dropped_chrM == 1, "VAF==0 and chrM rows dropped");
    T_CHECK(!strcmp(t->tumor_names[t->sample_tumor[3]], "M"), "tumour of B2 is M");
    int64_t n = t->n, tot = 0;
    MPI_Allreduce(&n, &tot, 1, MPI_INT64_T, MPI_SUM, comm);
    T_CHECK(tot == 6, "6 kept rows over all ranks, got %lld", (long long)tot);
    for (int64_t i = 0; i < t->n; i++) {
      int p = t->sample_patient[t->sample[i]];
      T_CHECK(t->patient_owner[p] == rank, "row of a patient owned elsewhere");
      if (t->sample[i] == 0 && t->pos[i] == 10) {
        T_NEAR(t->ccf[i], 1.0, 0, "CCF 1.3 capped at 1");
        T_NEAR(t->ccf_ci_high[i], 1.0 + 1.959963984540054 * 0.1, 1e-12, "CI high from CCF_Std");
      }
    }
    int used[3] = {0, 0, 0};
    for (int p = 0; p < 3; p++) used[p] = t->patient_owner[p];
    T_CHECK(size == 1 || used[0] != used[2] || size < 2, "patients spread over ranks");
  }
  strata_mut_table_destroy(&t);
  MPI_Barrier(comm);
  if (rank == 0) {
    unlink(maf);
    unlink(clin);
    unlink(ccfp);
    rmdir(dir);
  }
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm comm;
  MPI_Comm_dup(MPI_COMM_WORLD, &comm);
  MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
  test_rounding();
  test_patient_a();
  test_single_region();
  test_math_conventions();
  test_by_tumor();
  test_clones();
  test_scna();
  test_latent();
  test_reader(comm);
  int rc = strata_test_finish();
  MPI_Comm_free(&comm);
  MPI_Finalize();
  return rc;
}
