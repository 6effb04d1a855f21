/* Choosing the NMF rank by consensus clustering (Brunet et al., PNAS 2004): several seeds per
 * k, co-membership of the argmax(H) clusters averaged into a consensus matrix, its cophenetic
 * correlation under average linkage, and the dispersion coefficient (Kim & Park 2007).
 * Not here: the factorisation itself (solve.c) or writing the summary (cli/cmd_nmf.c). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "strata/nmf.h"
#include "strata/util.h"

int strata_nmf_cophenetic(int64_t n, const double *C, double *cophenetic, double *dispersion) {
  int st = STRATA_OK;
  double *D = NULL;
  int64_t *size = NULL, *head = NULL, *next = NULL, *tail = NULL, *chain = NULL;
  unsigned char *active = NULL;
  *cophenetic = NAN;
  *dispersion = NAN;
  if (n < 2) STRATA_FAIL(STRATA_ERR_INPUT, "nmf: cophenetic correlation needs 2 or more samples");
  STRATA_MALLOC(D, n * n);
  STRATA_MALLOC(size, n);
  STRATA_MALLOC(head, n);
  STRATA_MALLOC(next, n);
  STRATA_MALLOC(tail, n);
  STRATA_MALLOC(chain, n);
  STRATA_MALLOC(active, n);
  double disp = 0.0;
  for (int64_t j = 0; j < n; j++)
    for (int64_t i = 0; i < n; i++) {
      D[i + j * n] = 1.0 - C[i + j * n];
      disp += 4.0 * (C[i + j * n] - 0.5) * (C[i + j * n] - 0.5);
    }
  *dispersion = disp / ((double)n * (double)n);
  for (int64_t i = 0; i < n; i++) {
    size[i] = 1;
    head[i] = tail[i] = i;
    next[i] = -1;
    active[i] = 1;
  }
  /* Pearson sums over the n(n-1)/2 pairs: x = 1 - C_ij, y = cophenetic distance */
  double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, npairs = (double)n * (double)(n - 1) / 2.0;
  /* nearest-neighbour chain: average linkage is reducible, so merging reciprocal nearest
   * neighbours gives the same tree as the greedy algorithm in O(n^2) */
  int64_t nact = n, len = 0, first = 0;
  while (nact > 1) {
    if (len == 0) {
      while (!active[first]) first++;
      chain[len++] = first;
    }
    int64_t a = chain[len - 1], prev = len >= 2 ? chain[len - 2] : -1, b = prev;
    double best = prev >= 0 ? D[a + prev * n] : INFINITY;
    for (int64_t x = 0; x < n; x++)
      if (active[x] && x != a && D[a + x * n] < best) {
        best = D[a + x * n];
        b = x;
      }
    if (b != prev) {
      chain[len++] = b;
      continue;
    }
    len -= 2;
    double h = best;
    for (int64_t i = head[a]; i >= 0; i = next[i])
      for (int64_t j = head[b]; j >= 0; j = next[j]) {
        double x = 1.0 - C[i + j * n];
        sx += x; sy += h; sxx += x * x; syy += h * h; sxy += x * h;
      }
    /* Lance-Williams update for average linkage; cluster b folds into a */
    for (int64_t x = 0; x < n; x++)
      if (active[x] && x != a && x != b) {
        double d = ((double)size[a] * D[a + x * n] + (double)size[b] * D[b + x * n]) /
                   (double)(size[a] + size[b]);
        D[a + x * n] = D[x + a * n] = d;
      }
    size[a] += size[b];
    next[tail[a]] = head[b];
    tail[a] = tail[b];
    active[b] = 0;
    nact--;
  }
  double cov = sxy - sx * sy / npairs, vx = sxx - sx * sx / npairs, vy = syy - sy * sy / npairs;
  /* a constant distance (all samples always together, or never) has no defined correlation;
   * report 1 when the tree reproduces the distances exactly */
  if (vx <= 1e-300 || vy <= 1e-300)
    *cophenetic = fabs(vx - vy) < 1e-300 ? 1.0 : 0.0;
  else
    *cophenetic = cov / sqrt(vx * vy);
cleanup:
  free(D);
  free(size);
  free(head);
  free(next);
  free(tail);
  free(chain);
  free(active);
  return st;
}

void strata_nmf_ksel_destroy(strata_nmf_ksel_t **sp) {
  if (!sp || !*sp) return;
  free((*sp)->k);
  free((*sp)->cophenetic);
  free((*sp)->dispersion);
  free((*sp)->rel_error);
  free((*sp)->clusters);
  free(*sp);
  *sp = NULL;
}

int strata_nmf_select_k(strata_nmf_t *p, const strata_nmf_opts_t *o, int kmin, int kmax, int nruns,
                        strata_nmf_ksel_t **out) {
  int st = STRATA_OK;
  strata_nmf_ksel_t *s = NULL;
  strata_nmf_result_t *res = NULL;
  int64_t *lab = NULL;
  double *C = NULL;
  *out = NULL;
  if (kmin < 1 || kmax < kmin || nruns < 1)
    STRATA_FAIL(STRATA_ERR_USAGE, "nmf: bad k range %d:%d or run count %d", kmin, kmax, nruns);
  STRATA_CALLOC(s, 1);
  s->nk = kmax - kmin + 1;
  s->nruns = nruns;
  STRATA_CALLOC(s->k, s->nk);
  STRATA_CALLOC(s->cophenetic, s->nk);
  STRATA_CALLOC(s->dispersion, s->nk);
  STRATA_CALLOC(s->rel_error, s->nk);
  STRATA_CALLOC(s->clusters, s->nk);
  for (int q = 0; q < s->nk; q++) {
    int k = kmin + q;
    s->k[q] = k;
    for (int run = 0; run < nruns; run++) {
      strata_nmf_opts_t o2 = *o;
      o2.k = k;
      o2.seed = o->seed + (uint64_t)run;
      o2.checkpoint = NULL;
      o2.resume = NULL;
      o2.phase = "nmf-select-k";
      STRATA_CHECK(strata_nmf_solve(p, &o2, &res));
      const strata_grid_t *g = strata_nmf_grid(p);
      if (!lab) {
        STRATA_MALLOC(lab, res->nrows);
        if (g->rank == 0) STRATA_CALLOC(C, res->nrows * res->nrows);
        st = strata_agree(g->comm, st);
        if (st) goto cleanup;
      }
      STRATA_CHECK(strata_nmf_assign(res, g, lab));
      s->rel_error[q] += res->rel_error / nruns;
      int64_t n = res->nrows;
      int used = 0;
      for (int c = 0; c < k; c++)
        for (int64_t i = 0; i < n; i++)
          if (lab[i] == c) {
            used++;
            break;
          }
      s->clusters[q] += (double)used / nruns;
      if (g->rank == 0)
        for (int64_t j = 0; j < n; j++)
          for (int64_t i = 0; i < n; i++)
            if (lab[i] >= 0 && lab[i] == lab[j]) C[i + j * n] += 1.0;
      strata_nmf_result_destroy(&res);
      if (run == nruns - 1) {
        double v[2] = {0.0, 0.0};
        if (g->rank == 0) {
          for (int64_t i = 0; i < n * n; i++) C[i] /= nruns;
          for (int64_t i = 0; i < n; i++) C[i + i * n] = 1.0;
          st = strata_nmf_cophenetic(n, C, &v[0], &v[1]);
          memset(C, 0, sizeof(double) * (size_t)(n * n));
        }
        st = strata_agree(g->comm, st);
        if (st) goto cleanup;
        STRATA_MPI_CHECK(MPI_Bcast(v, 2, MPI_DOUBLE, 0, g->comm));
        s->cophenetic[q] = v[0];
        s->dispersion[q] = v[1];
        strata_log(g->comm, 1, "nmf: k = %d: cophenetic %.4f, dispersion %.4f, mean relative error %.4g, "
                   "clusters used %.2f\n", k, v[0], v[1], s->rel_error[q], s->clusters[q]);
      }
    }
  }
  /* Brunet et al.: take k where the stability begins to fall, i.e. the largest stable k.
   * Cophenetic correlation stays near 1 when a cluster is split at random but hierarchically,
   * so the dispersion must also be near its best; and a k whose extra factors never win an
   * argmax (empty clusters) reproduces a smaller k's partition and is just as "stable", so it
   * must use all its clusters.  Fallbacks drop the last and then the middle condition. */
  double bc = s->cophenetic[0], bd = s->dispersion[0];
  for (int q = 1; q < s->nk; q++) {
    bc = fmax(bc, s->cophenetic[q]);
    bd = fmax(bd, s->dispersion[q]);
  }
  s->best_k = -1;
  for (int pass = 0; pass < 3 && s->best_k < 0; pass++)
    for (int q = 0; q < s->nk; q++)
      if (s->cophenetic[q] >= bc - 0.01 && (pass == 2 || s->dispersion[q] >= bd - 0.01) &&
          (pass >= 1 || s->clusters[q] >= s->k[q] - 1e-9))
        s->best_k = s->k[q];
cleanup:
  strata_nmf_result_destroy(&res);
  free(lab);
  free(C);
  if (st) strata_nmf_ksel_destroy(&s);
  *out = s;
  return st;
}
