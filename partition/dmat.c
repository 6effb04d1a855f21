/* The distributed matrix: allocation from a grid and a sample partition, and gather/scatter to
 * one rank for tests and small results.  Block-cyclic redistribution is in partition/redist.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "strata/dmat.h"

int strata_dmat_create(const strata_grid_t *grid, const strata_partition_t *rows_part,
                       int64_t ncols, strata_dmat_t **out) {
  int st = STRATA_OK;
  strata_dmat_t *m = NULL;
  *out = NULL;
  if (rows_part->nparts != grid->nprow)
    STRATA_FAIL(STRATA_ERR_INTERNAL, "dmat: partition has %d parts, grid has %d rows",
                rows_part->nparts, grid->nprow);
  STRATA_CALLOC(m, 1);
  m->grid = grid;
  m->nrows = rows_part->n;
  m->ncols = ncols;
  m->mloc = strata_partition_count(rows_part, grid->myrow);
  strata_block_range(ncols, grid->npcol, grid->mycol, &m->col0, &m->nloc);
  STRATA_MALLOC(m->rows, m->mloc);
  memcpy(m->rows, strata_partition_rows(rows_part, grid->myrow), (size_t)m->mloc * sizeof *m->rows);
  STRATA_CALLOC(m->a, m->mloc * m->nloc);
  STRATA_MALLOC(m->present, m->mloc);
  memset(m->present, 1, (size_t)m->mloc);
cleanup:
  if (st) strata_dmat_destroy(&m);
  *out = m;
  return st;
}

void strata_dmat_destroy(strata_dmat_t **mp) {
  if (!mp || !*mp) return;
  free((*mp)->rows);
  free((*mp)->a);
  free((*mp)->present);
  free(*mp);
  *mp = NULL;
}

int strata_dmat_gather(const strata_dmat_t *m, int root, double **full) {
  int st = STRATA_OK;
  const strata_grid_t *g = m->grid;
  double *buf = NULL, *recv = NULL;
  int64_t *hdr = NULL, *allhdr = NULL, *rowidx = NULL;
  int *counts = NULL, *displs = NULL, *rcounts = NULL, *rdispls = NULL;
  *full = NULL;
  /* Each rank sends its header (mloc, nloc, col0), then its row indices and its block. */
  if (m->nrows * m->ncols > INT32_MAX) /* same answer on every rank: no one is left waiting */
    STRATA_FAIL(STRATA_ERR_INPUT, "dmat: a %lld x %lld matrix is too large to gather on one rank",
                (long long)m->nrows, (long long)m->ncols);
  int64_t myhdr[3] = {m->mloc, m->nloc, m->col0};
  STRATA_MALLOC(allhdr, 3 * g->size);
  STRATA_MPI_CHECK(MPI_Gather(myhdr, 3, MPI_INT64_T, allhdr, 3, MPI_INT64_T, root, g->comm));
  if (g->rank == root) {
    STRATA_MALLOC(rcounts, g->size);
    STRATA_MALLOC(rdispls, g->size);
    STRATA_MALLOC(counts, g->size);
    STRATA_MALLOC(displs, g->size);
    int64_t tr = 0, tv = 0;
    for (int r = 0; r < g->size; r++) {
      rcounts[r] = (int)allhdr[3 * r];
      rdispls[r] = (int)tr;
      counts[r] = (int)(allhdr[3 * r] * allhdr[3 * r + 1]);
      displs[r] = (int)tv;
      tr += rcounts[r];
      tv += counts[r];
    }
    STRATA_MALLOC(rowidx, tr);
    STRATA_MALLOC(recv, tv);
    STRATA_CALLOC(buf, m->nrows * m->ncols);
  }
  STRATA_MPI_CHECK(MPI_Gatherv(m->rows, (int)m->mloc, MPI_INT64_T, rowidx, rcounts, rdispls,
                               MPI_INT64_T, root, g->comm));
  STRATA_MPI_CHECK(MPI_Gatherv(m->a, (int)(m->mloc * m->nloc), MPI_DOUBLE, recv, counts, displs,
                               MPI_DOUBLE, root, g->comm));
  if (g->rank == root) {
    for (int r = 0; r < g->size; r++) {
      int64_t ml = allhdr[3 * r], nl = allhdr[3 * r + 1], c0 = allhdr[3 * r + 2];
      const int64_t *ri = rowidx + rdispls[r];
      const double *blk = recv + displs[r];
      for (int64_t j = 0; j < nl; j++)
        for (int64_t i = 0; i < ml; i++) buf[(c0 + j) * m->nrows + ri[i]] = blk[j * ml + i];
    }
    *full = buf;
    buf = NULL;
  }
cleanup:
  free(buf);
  free(recv);
  free(hdr);
  free(allhdr);
  free(rowidx);
  free(counts);
  free(displs);
  free(rcounts);
  free(rdispls);
  return st;
}

int strata_dmat_scatter_replicated(strata_dmat_t *m, const double *full) {
  for (int64_t j = 0; j < m->nloc; j++)
    for (int64_t i = 0; i < m->mloc; i++)
      m->a[j * m->mloc + i] = full[(m->col0 + j) * m->nrows + m->rows[i]];
  return STRATA_OK;
}
