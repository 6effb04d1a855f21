/* strata's latent-space ITH: how far apart a patient's regions lie in factor space, relative to
 * how far apart the cohort's patients lie (ITH.md, strata's own definition).  Takes factor scores
 * already in memory (reading them is io/mutations_h5.c); collective only for the one sum over
 * patients.  Per-patient mutation metrics are metrics.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "strata/ith.h"

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

/* qsort has no context argument in C17: the name list being sorted (not reentrant). */
static char *const *g_names;
static int cmp_name_idx(const void *a, const void *b) {
  return strcmp(g_names[*(const int32_t *)a], g_names[*(const int32_t *)b]);
}

/* srow[s] = the row of Z named like sample s of t, or -1: both name lists sorted and merged.
 * *matched counts the samples found. */
static int match_samples(const strata_mut_table_t *t, int64_t n, char *const *names,
                         int64_t *srow, int64_t *matched) {
  int st = STRATA_OK;
  int32_t *a = NULL, *b = NULL;
  STRATA_MALLOC(a, t->nsamples);
  STRATA_MALLOC(b, n);
  for (int64_t s = 0; s < t->nsamples; s++) a[s] = (int32_t)s;
  for (int64_t i = 0; i < n; i++) b[i] = (int32_t)i;
  g_names = t->sample_names;
  qsort(a, (size_t)t->nsamples, sizeof *a, cmp_name_idx);
  g_names = names;
  qsort(b, (size_t)n, sizeof *b, cmp_name_idx);
  *matched = 0;
  for (int64_t s = 0; s < t->nsamples; s++) srow[s] = -1;
  for (int64_t i = 0, j = 0; i < t->nsamples && j < n;) {
    int c = strcmp(t->sample_names[a[i]], names[b[j]]);
    if (c == 0) {
      srow[a[i++]] = b[j++];
      (*matched)++;
    } else if (c < 0) {
      i++;
    } else {
      j++;
    }
  }
cleanup:
  free(a);
  free(b);
  return st;
}

/* This rank's share of the between-centroid sum: centroids of the patients with >= 1 usable row
 * of Z (*ncen of them), and part[p] = the sum of ||c_p - c_q|| over later centroids q for each
 * owned patient p (0 elsewhere), so that adding part over ranks and then over patients in
 * patient order gives the same total for any rank count. */
static int between_part(int rank, const strata_mut_table_t *t, const double *Z, int K,
                        const int64_t *srow, double *part, int64_t *ncen) {
  int st = STRATA_OK;
  double *cen = NULL, *c2 = NULL;
  int64_t *cnt = NULL, *cidx = NULL, np_ = 0;
  STRATA_CALLOC(cen, (size_t)t->npatients * K);
  STRATA_CALLOC(cnt, t->npatients);
  for (int64_t s = 0; s < t->nsamples; s++) {
    if (srow[s] < 0 || isnan(Z[srow[s] * K])) continue;
    int p = t->sample_patient[s];
    for (int k = 0; k < K; k++) cen[(size_t)p * K + k] += Z[srow[s] * K + k];
    cnt[p]++;
  }
  STRATA_MALLOC(c2, (size_t)t->npatients * K);
  STRATA_MALLOC(cidx, t->npatients);
  for (int64_t p = 0; p < t->npatients; p++) {
    cidx[p] = -1;
    if (!cnt[p]) continue;
    for (int k = 0; k < K; k++) c2[np_ * K + k] = cen[(size_t)p * K + k] / (double)cnt[p];
    cidx[p] = np_++;
  }
  for (int64_t p = 0; p < t->npatients; p++) {
    part[p] = 0;
    if (t->patient_owner[p] == rank && cidx[p] >= 0)
      part[p] = strata_ith_latent_between_sum(c2, np_, K, cidx[p]);
  }
  *ncen = np_;
cleanup:
  free(cen);
  free(c2);
  free(cnt);
  free(cidx);
  return st;
}

/* soff[npatients + 1], slist[nsamples]: the samples of each patient in global order (CSR);
 * *maxs the largest patient (at least 1). */
static int samples_by_patient(const strata_mut_table_t *t, int64_t **soff_out, int64_t **slist_out,
                              int64_t *maxs) {
  int st = STRATA_OK;
  int64_t *soff = NULL, *slist = NULL;
  STRATA_CALLOC(soff, t->npatients + 1);
  STRATA_MALLOC(slist, t->nsamples);
  for (int64_t s = 0; s < t->nsamples; s++) soff[t->sample_patient[s] + 1]++;
  *maxs = 1;
  for (int64_t p = 0; p < t->npatients; p++) {
    if (soff[p + 1] > *maxs) *maxs = soff[p + 1];
    soff[p + 1] += soff[p];
  }
  for (int64_t s = 0; s < t->nsamples; s++) slist[soff[t->sample_patient[s]]++] = s;
  for (int64_t p = t->npatients; p > 0; p--) soff[p] = soff[p - 1];
  soff[0] = 0;
  *soff_out = soff;
  *slist_out = slist;
  soff = slist = NULL;
cleanup:
  free(soff);
  free(slist);
  return st;
}

/* What the local phase of strata_ith_latent prepares for the collective one. */
typedef struct {
  int64_t *srow;        /* [nsamples] row of Z of each sample, -1 none */
  int64_t *soff, *slist; /* samples of each patient (CSR) */
  double *part, *allpart; /* [npatients] this rank's share of the between sums, and the total */
  double *buf;          /* [maxs * K] one patient's rows of Z */
  int64_t ncen;         /* patients with a centroid */
} latent_work_t;

static void latent_work_free(latent_work_t *w) {
  free(w->srow);
  free(w->soff);
  free(w->slist);
  free(w->part);
  free(w->allpart);
  free(w->buf);
  memset(w, 0, sizeof *w);
}

/* Everything before the collective step, on this rank alone (any failure is agreed on after). */
static int latent_prepare(int rank, const strata_mut_table_t *t, int64_t n, int K,
                          char *const *names, const double *Z, const char *source,
                          latent_work_t *w) {
  int st = STRATA_OK;
  int64_t matched = 0, maxs = 1;
  if (n > INT32_MAX) STRATA_FAIL(STRATA_ERR_INPUT, "%s: too many latent rows", source);
  if (t->npatients > INT32_MAX) STRATA_FAIL(STRATA_ERR_INTERNAL, "more than 2^31 patients");
  STRATA_MALLOC(w->srow, t->nsamples);
  STRATA_CHECK(match_samples(t, n, names, w->srow, &matched));
  if (matched == 0)
    STRATA_FAIL(STRATA_ERR_INPUT, "%s: no sample of the mutation table is in the latent file",
                source);
  STRATA_MALLOC(w->part, t->npatients);
  STRATA_MALLOC(w->allpart, t->npatients);
  STRATA_CHECK(between_part(rank, t, Z, K, w->srow, w->part, &w->ncen));
  STRATA_CHECK(samples_by_patient(t, &w->soff, &w->slist, &maxs));
  STRATA_MALLOC(w->buf, (size_t)maxs * K);
cleanup:
  return st;
}

int strata_ith_latent(MPI_Comm comm, const strata_mut_table_t *t, int64_t n, int K,
                      char *const *names, const double *Z, const char *source, double *lat) {
  int st = STRATA_OK, rank;
  latent_work_t w = {0};
  MPI_Comm_rank(comm, &rank);
  for (int64_t p = 0; p < t->npatients; p++) lat[p] = NAN;
  st = strata_agree(comm, latent_prepare(rank, t, n, K, names, Z, source, &w));
  if (st) goto cleanup;
  /* each entry has exactly one nonzero contributor (its owner), so this sum is exact */
  STRATA_MPI_CHECK(
      MPI_Allreduce(w.part, w.allpart, (int)t->npatients, MPI_DOUBLE, MPI_SUM, comm));
  double tot = 0;
  for (int64_t p = 0; p < t->npatients; p++) tot += w.allpart[p]; /* patient order */
  double between = w.ncen > 1 ? tot / ((double)w.ncen * (double)(w.ncen - 1) / 2) : NAN;
  for (int64_t p = 0; p < t->npatients; p++) {
    if (t->patient_owner[p] != rank) continue;
    int64_t m = 0;
    for (int64_t q = w.soff[p]; q < w.soff[p + 1]; q++) {
      int64_t s = w.slist[q];
      if (w.srow[s] < 0 || isnan(Z[w.srow[s] * K])) continue;
      memcpy(w.buf + m * K, Z + w.srow[s] * K, (size_t)K * sizeof *w.buf);
      m++;
    }
    lat[p] = strata_ith_latent_within(w.buf, m, K) / between;
  }
cleanup:
  latent_work_free(&w);
  return st;
}
