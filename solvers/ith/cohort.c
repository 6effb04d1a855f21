/* Cohort-level ITH: every patient a rank owns in a distributed mutation table, turned into that
 * patient's sorted input (strata_ith_patient_t), computed (metrics.c) and appended to the output
 * tables (tables.c).  Sorting and indexing only; no metric is defined here, no file is touched
 * (reading is io/mutations*.c, writing io/ith_results.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solvers/ith/ith_impl.h"

/* qsort has no context argument in C17: the table being sorted and its string ranks (not
 * reentrant: one sort at a time per process). */
static struct {
  const strata_mut_table_t *t;
  const int32_t *rk; /* [nstrings] lexicographic rank of each interned string */
} g_sort;

/* Rank of an interned id (-1, unknown, stays -1 and sorts first). */
static inline int32_t srank(int32_t id) { return id >= 0 ? g_sort.rk[id] : id; }

/* Row order: patient, chromosome, position, ref, alt (compared as strings), sample, line. */
static int cmp_rows(const void *a, const void *b) {
  const strata_mut_table_t *t = g_sort.t;
  int64_t i = *(const int64_t *)a, j = *(const int64_t *)b;
#define C3(x, y) \
  if ((x) != (y)) return (x) < (y) ? -1 : 1
  C3(t->sample_patient[t->sample[i]], t->sample_patient[t->sample[j]]);
  C3(srank(t->chrom[i]), srank(t->chrom[j]));
  C3(t->pos[i], t->pos[j]);
  C3(srank(t->ref[i]), srank(t->ref[j]));
  C3(srank(t->alt[i]), srank(t->alt[j]));
  C3(t->sample[i], t->sample[j]);
  C3(t->line[i], t->line[j]);
#undef C3
  return 0;
}

static char *const *g_strs;
static int cmp_str_idx(const void *a, const void *b) {
  return strcmp(g_strs[*(const int32_t *)a], g_strs[*(const int32_t *)b]);
}

/* ord[n]: this rank's rows in cmp_rows order.  Interned ids are numbered in order of first
 * appearance on this rank, so they are compared by the rank of their string instead: the order
 * (and so every floating-point sum) is then the same whichever rank holds the patient. */
static int sort_rows(const strata_mut_table_t *t, int64_t *ord) {
  int st = STRATA_OK;
  int32_t *idx = NULL, *rk = NULL;
  STRATA_MALLOC(idx, t->nstrings);
  STRATA_MALLOC(rk, t->nstrings);
  for (int64_t i = 0; i < t->nstrings; i++) idx[i] = (int32_t)i;
  g_strs = t->strings;
  qsort(idx, (size_t)t->nstrings, sizeof *idx, cmp_str_idx);
  for (int64_t i = 0; i < t->nstrings; i++) rk[idx[i]] = (int32_t)i;
  for (int64_t i = 0; i < t->n; i++) ord[i] = i;
  g_sort.t = t;
  g_sort.rk = rk;
  qsort(ord, (size_t)t->n, sizeof *ord, cmp_rows);
  g_sort.t = NULL;
  g_sort.rk = NULL;
cleanup:
  free(idx);
  free(rk);
  return st;
}

/* Items grouped by patient (stable counting sort): off[npatients + 1], list[n] with the items of
 * patient p in list[off[p] .. off[p+1]), in their original order.  key(i) is item i's patient. */
static int group_by_patient(int64_t npatients, int64_t n, const int32_t *key, const int32_t *via,
                            int64_t *off, int64_t *list) {
  int st = STRATA_OK;
  int64_t *fill = NULL;
  STRATA_CALLOC(fill, npatients);
  memset(off, 0, (size_t)(npatients + 1) * sizeof *off);
  for (int64_t i = 0; i < n; i++) off[(via ? key[via[i]] : key[i]) + 1]++;
  for (int64_t p = 0; p < npatients; p++) off[p + 1] += off[p];
  for (int64_t i = 0; i < n; i++) {
    int32_t p = via ? key[via[i]] : key[i];
    list[off[p] + fill[p]++] = i;
  }
cleanup:
  free(fill);
  return st;
}

/* The cohort index and the per-patient scratch of strata_ith_cohort_compute. */
typedef struct {
  int64_t *ord;          /* [n] rows sorted (sort_rows) */
  int64_t *soff, *slist; /* samples of each patient, global order */
  int64_t *toff, *tlist; /* tumours of each patient */
  int64_t *goff, *glist; /* segments of each patient, file order */
  /* one patient's input, sized for the largest owned patient */
  int32_t *mut, *smp, *dep, *clu, *stu, *lsample;
  double *vaf, *ccf, *cih;
  uint8_t *nsy, *snp;
  int32_t *sgs, *sgc;
  int64_t *sg0, *sg1;
  double *sgM, *sgm, *sgt;
} cohort_work_t;

static void work_free(cohort_work_t *w) {
  void *all[] = {w->ord, w->soff, w->slist, w->toff, w->tlist, w->goff, w->glist, w->mut,
                 w->smp, w->dep, w->clu, w->stu, w->lsample, w->vaf, w->ccf, w->cih, w->nsy,
                 w->snp, w->sgs, w->sgc, w->sg0, w->sg1, w->sgM, w->sgm, w->sgt};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) free(all[i]);
  memset(w, 0, sizeof *w);
}

static int work_alloc(int rank, const strata_mut_table_t *t, const strata_seg_table_t *sg,
                      cohort_work_t *w) {
  int st = STRATA_OK;
  int64_t maxrows = 0, nseg = sg ? sg->n : 0;
  for (int64_t p = 0; p < t->npatients; p++)
    if (t->patient_owner[p] == rank && t->patient_rows[p] > maxrows) maxrows = t->patient_rows[p];
  STRATA_MALLOC(w->ord, t->n);
  STRATA_MALLOC(w->soff, t->npatients + 1);
  STRATA_MALLOC(w->slist, t->nsamples);
  STRATA_MALLOC(w->toff, t->npatients + 1);
  STRATA_MALLOC(w->tlist, t->ntumors);
  STRATA_MALLOC(w->goff, t->npatients + 1);
  STRATA_MALLOC(w->glist, nseg);
  STRATA_MALLOC(w->mut, maxrows);
  STRATA_MALLOC(w->smp, maxrows);
  STRATA_MALLOC(w->dep, maxrows);
  STRATA_MALLOC(w->clu, maxrows);
  STRATA_MALLOC(w->vaf, maxrows);
  STRATA_MALLOC(w->ccf, maxrows);
  STRATA_MALLOC(w->cih, maxrows);
  STRATA_MALLOC(w->nsy, maxrows);
  STRATA_MALLOC(w->snp, maxrows);
  STRATA_MALLOC(w->stu, t->nsamples);
  STRATA_MALLOC(w->lsample, t->nsamples);
  STRATA_MALLOC(w->sgs, nseg);
  STRATA_MALLOC(w->sgc, nseg);
  STRATA_MALLOC(w->sg0, nseg);
  STRATA_MALLOC(w->sg1, nseg);
  STRATA_MALLOC(w->sgM, nseg);
  STRATA_MALLOC(w->sgm, nseg);
  STRATA_MALLOC(w->sgt, nseg);
cleanup:
  return st;
}

/* Patient p's input from its rows ord[*pos ...] (the sorted rows of p come next) and segments.
 * Advances *pos past them and counts duplicated rows (same mutation and sample as the row
 * before) into *dup. */
static void patient_input(const strata_mut_table_t *t, const strata_seg_table_t *sg,
                          cohort_work_t *w, int64_t p, int64_t *pos, int64_t *dup,
                          strata_ith_patient_t *pin) {
  int S = (int)(w->soff[p + 1] - w->soff[p]), T = (int)(w->toff[p + 1] - w->toff[p]);
  for (int i = 0; i < S; i++) w->lsample[w->slist[w->soff[p] + i]] = i;
  for (int i = 0; i < S; i++) {
    int64_t s = w->slist[w->soff[p] + i];
    for (int k = 0; k < T; k++)
      if (w->tlist[w->toff[p] + k] == t->sample_tumor[s]) w->stu[i] = k;
  }
  int64_t n = 0, nmut = 0;
  while (*pos < t->n && t->sample_patient[t->sample[w->ord[*pos]]] == p) {
    int64_t i = w->ord[*pos];
    if (n > 0) {
      int64_t q = w->ord[*pos - 1];
      int same = t->chrom[q] == t->chrom[i] && t->pos[q] == t->pos[i] && t->ref[q] == t->ref[i] &&
                 t->alt[q] == t->alt[i];
      if (!same)
        nmut++;
      else if (t->sample[q] == t->sample[i])
        (*dup)++;
    }
    w->mut[n] = (int32_t)nmut;
    w->smp[n] = w->lsample[t->sample[i]];
    w->dep[n] =
        t->ref_depth[i] >= 0 && t->alt_depth[i] >= 0 ? t->ref_depth[i] + t->alt_depth[i] : -1;
    w->vaf[n] = t->vaf[i];
    w->ccf[n] = t->ccf[i];
    w->cih[n] = t->ccf_ci_high[i];
    w->nsy[n] = t->nonsyn[i];
    w->snp[n] = t->snp[i];
    w->clu[n] = t->cluster[i];
    n++;
    (*pos)++;
  }
  if (n > 0) nmut++;
  int64_t ns = 0;
  for (int64_t q = sg ? w->goff[p] : 0; sg && q < w->goff[p + 1]; q++, ns++) {
    int64_t g = w->glist[q];
    w->sgs[ns] = w->lsample[sg->sample[g]];
    w->sgc[ns] = sg->chrom[g];
    w->sg0[ns] = sg->start[g];
    w->sg1[ns] = sg->end[g];
    w->sgM[ns] = sg->major[g];
    w->sgm[ns] = sg->minor[g];
    w->sgt[ns] = sg->total[g];
  }
  *pin = (strata_ith_patient_t){.nsamples = S,
                                .ntumors = T,
                                .sample_tumor = w->stu,
                                .nrows = n,
                                .nmut = nmut,
                                .mut = w->mut,
                                .sample = w->smp,
                                .vaf = w->vaf,
                                .depth = w->dep,
                                .ccf = w->ccf,
                                .ccf_ci_high = w->cih,
                                .has_ci = t->has_ci,
                                .nonsyn = w->nsy,
                                .snp = w->snp,
                                .cluster = t->has_cluster ? w->clu : NULL,
                                .nseg = ns,
                                .seg_sample = w->sgs,
                                .seg_chrom = w->sgc,
                                .seg_start = w->sg0,
                                .seg_end = w->sg1,
                                .seg_major = w->sgM,
                                .seg_minor = w->sgm,
                                .seg_total = w->sgt,
                                .seg_alleles = sg ? sg->has_alleles : 0};
}

/* Append patient p's region, pair and patient rows (names from t) to the tables. */
static int append_patient(const strata_mut_table_t *t, const cohort_work_t *w, int64_t p,
                          const strata_ith_result_t *res, strata_ith_tables_t *tb) {
  int st = STRATA_OK;
  char line[4096];
  const char *pn = t->patient_names[p];
  for (int i = 0; i < res->nregion; i++) {
    int64_t s = w->slist[w->soff[p] + i];
    snprintf(line, sizeof line, "%s\t%s\t%s\n", pn, t->sample_names[s],
             t->tumor_names[t->sample_tumor[s]]);
    STRATA_CHECK(ith_table_append(&tb->region, line, &res->region[(size_t)i * STRATA_ITH_NREG]));
  }
  for (int k = 0; k < res->npair; k++) {
    int tum = res->pair_unit[k] == STRATA_ITH_UNIT_TUMOR;
    const char *a = tum ? t->tumor_names[w->tlist[w->toff[p] + res->pair_a[k]]]
                        : t->sample_names[w->slist[w->soff[p] + res->pair_a[k]]];
    const char *b = tum ? t->tumor_names[w->tlist[w->toff[p] + res->pair_b[k]]]
                        : t->sample_names[w->slist[w->soff[p] + res->pair_b[k]]];
    snprintf(line, sizeof line, "%s\t%s\t%s\t%s\n", pn, tum ? "tumor" : "sample", a, b);
    STRATA_CHECK(ith_table_append(&tb->pair, line, &res->pair[(size_t)k * STRATA_ITH_NPAIR]));
  }
  snprintf(line, sizeof line, "%s\n", pn);
  STRATA_CHECK(ith_table_append(&tb->patient, line, res->patient));
cleanup:
  return st;
}

int strata_ith_cohort_compute(MPI_Comm comm, const strata_mut_table_t *t,
                              const strata_seg_table_t *sg, const double *latent,
                              const strata_ith_opts_t *o, strata_ith_tables_t **out) {
  int st = STRATA_OK, rank;
  cohort_work_t w = {0};
  strata_ith_tables_t *tb = NULL;
  strata_ith_result_t res = {0};
  int64_t pos = 0, dup_local = 0, dup = 0;
  MPI_Comm_rank(comm, &rank);
  *out = NULL;
  STRATA_CHECK(ith_tables_new(&tb));
  STRATA_CHECK(work_alloc(rank, t, sg, &w));
  STRATA_CHECK(sort_rows(t, w.ord));
  STRATA_CHECK(group_by_patient(t->npatients, t->nsamples, t->sample_patient, NULL, w.soff,
                                w.slist));
  STRATA_CHECK(group_by_patient(t->npatients, t->ntumors, t->tumor_patient, NULL, w.toff,
                                w.tlist));
  if (sg) /* segment -> its sample's patient */
    STRATA_CHECK(group_by_patient(t->npatients, sg->n, t->sample_patient, sg->sample, w.goff,
                                  w.glist));
  for (int64_t p = 0; p < t->npatients; p++) {
    if (t->patient_owner[p] != rank) continue;
    strata_ith_patient_t pin;
    patient_input(t, sg, &w, p, &pos, &dup_local, &pin);
    STRATA_CHECK(strata_ith_patient_compute(&pin, o, &res));
    res.patient[STRATA_ITH_T_LATENT] = latent ? latent[p] : NAN;
    STRATA_CHECK(append_patient(t, &w, p, &res, tb));
    strata_ith_result_free(&res);
  }
cleanup:
  /* a failure on one rank reaches this agreement too, so no rank waits in the reduction */
  st = strata_agree(comm, st);
  if (!st && MPI_Allreduce(&dup_local, &dup, 1, MPI_INT64_T, MPI_SUM, comm) != MPI_SUCCESS)
    st = strata_err_set(STRATA_ERR_MPI, __FILE__, __LINE__, __func__,
                        "mpi: MPI_Allreduce of the duplicated-row count failed");
  strata_ith_result_free(&res);
  work_free(&w);
  if (st) {
    strata_ith_tables_destroy(&tb);
    return st;
  }
  tb->duplicated_rows = dup;
  *out = tb;
  return st;
}
