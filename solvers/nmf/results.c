/* What a solved NMF gives its caller: the result's release, hard cluster labels (argmax of H,
 * replicated) and the factors gathered on one rank for writing.  Not the solve that builds the
 * result (solve.c) nor the writing (io/nmf_results.c). */
#include <stdlib.h>
#include <string.h>

#include "strata/nmf.h"
#include "strata/util.h"

void strata_nmf_result_destroy(strata_nmf_result_t **rp) {
  if (!rp || !*rp) return;
  strata_nmf_result_t *r = *rp;
  free(r->H);
  if (r->W)
    for (int m = 0; m < r->nviews; m++) free(r->W[m]);
  free(r->W);
  free(r->rows);
  free(r->ncols);
  free(r->nloc);
  free(r->col0);
  free(r->objective);
  free(r);
  *rp = NULL;
}

/* ---- gathering the (small) factors ---- */

int strata_nmf_assign(const strata_nmf_result_t *r, const strata_grid_t *grid, int64_t *labels) {
  int st = STRATA_OK;
  int k = r->k;
  /* every sample lives in exactly one grid row; grid column 0 contributes it once */
  for (int64_t i = 0; i < r->nrows; i++) labels[i] = 0;
  if (grid->mycol == 0)
    for (int64_t i = 0; i < r->mloc; i++) {
      int best = -1;
      double bv = 0.0;
      for (int c = 0; c < k; c++)
        if (r->H[i * k + c] > bv) {
          bv = r->H[i * k + c];
          best = c;
        }
      labels[r->rows[i]] = best + 1; /* shifted so that "no rank wrote it" (0) stays distinct */
    }
  for (int64_t off = 0; off < r->nrows; off += 1 << 28) {
    int cnt = (int)(r->nrows - off < (1 << 28) ? r->nrows - off : (1 << 28));
    STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, labels + off, cnt, MPI_INT64_T, MPI_SUM, grid->comm));
  }
  for (int64_t i = 0; i < r->nrows; i++) labels[i] -= 1;
cleanup:
  return st;
}

static int reduce_to_root(double *buf, int64_t n, int root, const strata_grid_t *grid) {
  int st = STRATA_OK;
  for (int64_t off = 0; off < n; off += (int64_t)1 << 28) {
    int cnt = (int)(n - off < ((int64_t)1 << 28) ? n - off : ((int64_t)1 << 28));
    if (grid->rank == root)
      STRATA_MPI_CHECK(MPI_Reduce(MPI_IN_PLACE, buf + off, cnt, MPI_DOUBLE, MPI_SUM, root, grid->comm));
    else
      STRATA_MPI_CHECK(MPI_Reduce(buf + off, NULL, cnt, MPI_DOUBLE, MPI_SUM, root, grid->comm));
  }
cleanup:
  return st;
}

int strata_nmf_gather_h(const strata_nmf_result_t *r, const strata_grid_t *grid, int root,
                        double **out) {
  int st = STRATA_OK;
  int k = r->k;
  double *buf = NULL;
  *out = NULL;
  STRATA_CALLOC(buf, r->nrows * k);
  if (grid->mycol == 0)
    for (int64_t i = 0; i < r->mloc; i++)
      memcpy(buf + r->rows[i] * k, r->H + i * k, sizeof(double) * (size_t)k);
  STRATA_CHECK(reduce_to_root(buf, r->nrows * k, root, grid));
cleanup:
  if (st == STRATA_OK && grid->rank == root) {
    *out = buf;
    buf = NULL;
  }
  free(buf);
  return st;
}

int strata_nmf_gather_w(const strata_nmf_result_t *r, const strata_grid_t *grid, int m, int root,
                        double **out) {
  int st = STRATA_OK;
  int k = r->k;
  double *buf = NULL;
  *out = NULL;
  STRATA_CALLOC(buf, r->ncols[m] * k);
  if (grid->myrow == 0)
    memcpy(buf + r->col0[m] * k, r->W[m], sizeof(double) * (size_t)(r->nloc[m] * k));
  STRATA_CHECK(reduce_to_root(buf, r->ncols[m] * k, root, grid));
cleanup:
  if (st == STRATA_OK && grid->rank == root) {
    *out = buf;
    buf = NULL;
  }
  free(buf);
  return st;
}
