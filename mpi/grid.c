/* The process grid: row/column communicators and a BLACS context over the same ranks.
 * Not for deciding which samples or features a rank owns (that is partition/). */
#include "strata/grid.h"

#include <stdlib.h>

#include "mpi/scalapack_proto.h"

void strata_block_range(int64_t n, int nparts, int p, int64_t *start, int64_t *count) {
  int64_t base = n / nparts, extra = n % nparts;
  *start = p * base + (p < extra ? p : extra);
  *count = base + (p < extra ? 1 : 0);
}

void strata_grid_choose(int size, int64_t nrows, int64_t ncols, int64_t max_rows_parts,
                        int *nprow, int *npcol) {
  int best_r = 1;
  double best = -1.0;
  for (int r = 1; r <= size; r++) {
    if (size % r) continue;
    if (max_rows_parts > 0 && r > max_rows_parts) continue;
    if (nrows > 0 && r > nrows) continue;
    int c = size / r;
    if (ncols > 0 && c > ncols) continue;
    /* words exchanged per iteration of a factor/SVD sweep, per rank */
    double cost = (double)nrows / r + (double)ncols / c;
    if (best < 0 || cost < best - 1e-9) {
      best = cost;
      best_r = r;
    }
  }
  *nprow = best_r;
  *npcol = size / best_r;
}

int strata_grid_create(MPI_Comm comm, int nprow, int npcol, int64_t nrows, int64_t ncols,
                       int64_t max_rows_parts, strata_grid_t **out) {
  int st = STRATA_OK;
  strata_grid_t *g = NULL;
  *out = NULL;
  STRATA_CALLOC(g, 1);
  g->comm = g->rowcomm = g->colcomm = MPI_COMM_NULL;
  g->blacs_ctx = -1;
  STRATA_MPI_CHECK(MPI_Comm_dup(comm, &g->comm));
  MPI_Comm_set_errhandler(g->comm, MPI_ERRORS_RETURN);
  MPI_Comm_rank(g->comm, &g->rank);
  MPI_Comm_size(g->comm, &g->size);
  if (nprow <= 0 && npcol <= 0) {
    strata_grid_choose(g->size, nrows, ncols, max_rows_parts, &nprow, &npcol);
  } else if (nprow <= 0) {
    nprow = npcol > 0 && g->size % npcol == 0 ? g->size / npcol : -1;
  } else if (npcol <= 0) {
    npcol = g->size % nprow == 0 ? g->size / nprow : -1;
  }
  if (nprow <= 0 || npcol <= 0 || nprow * npcol != g->size)
    STRATA_FAIL(STRATA_ERR_USAGE, "grid: a %d x %d process grid does not match %d ranks", nprow,
                npcol, g->size);
  g->nprow = nprow;
  g->npcol = npcol;
  g->myrow = g->rank / npcol;
  g->mycol = g->rank % npcol;
  STRATA_MPI_CHECK(MPI_Comm_split(g->comm, g->myrow, g->mycol, &g->rowcomm));
  STRATA_MPI_CHECK(MPI_Comm_split(g->comm, g->mycol, g->myrow, &g->colcomm));
  MPI_Comm_set_errhandler(g->rowcomm, MPI_ERRORS_RETURN);
  MPI_Comm_set_errhandler(g->colcomm, MPI_ERRORS_RETURN);
  {
    int ctx = Csys2blacs_handle(g->comm);
    Cblacs_gridinit(&ctx, "Row", nprow, npcol);
    g->blacs_ctx = ctx;
    int r, c, mr, mc;
    Cblacs_gridinfo(ctx, &r, &c, &mr, &mc);
    if (r != nprow || c != npcol || mr != g->myrow || mc != g->mycol)
      STRATA_FAIL(STRATA_ERR_INTERNAL, "grid: BLACS placed rank %d at (%d,%d), expected (%d,%d)",
                  g->rank, mr, mc, g->myrow, g->mycol);
  }
cleanup:
  if (st == STRATA_OK) {
    *out = g;
  } else {
    strata_grid_destroy(&g);
  }
  return st;
}

void strata_grid_destroy(strata_grid_t **gp) {
  if (!gp || !*gp) return;
  strata_grid_t *g = *gp;
  if (g->blacs_ctx >= 0) Cblacs_gridexit(g->blacs_ctx);
  if (g->rowcomm != MPI_COMM_NULL) MPI_Comm_free(&g->rowcomm);
  if (g->colcomm != MPI_COMM_NULL) MPI_Comm_free(&g->colcomm);
  if (g->comm != MPI_COMM_NULL) MPI_Comm_free(&g->comm);
  free(g);
  *gp = NULL;
}
