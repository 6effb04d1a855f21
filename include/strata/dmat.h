/* The distributed matrix every solver works on: a samples x features matrix on a grid.
 * Rows (samples) follow a strata_partition_t over grid rows (a rank holds the rows of part
 * grid->myrow); columns (features) are a contiguous balanced block per grid column
 * (strata_block_range).  The local block is column-major (Fortran order), lda = mloc, so it
 * goes straight to BLAS/LAPACK.  NaN marks a missing entry; a sample that lacks the view
 * entirely has an all-NaN row and present[i] = 0. */
#ifndef STRATA_DMAT_H
#define STRATA_DMAT_H
#include <stdint.h>
#include "strata/error.h"
#include "strata/grid.h"
#include "strata/partition.h"

typedef struct strata_dmat {
  const strata_grid_t *grid;  /* borrowed; must outlive the matrix */
  int64_t nrows, ncols;       /* global shape */
  int64_t mloc, nloc;         /* local shape */
  int64_t *rows;              /* [mloc] global row index of each local row (ascending), owned */
  int64_t col0;               /* global index of the first local column */
  double *a;                  /* [mloc*nloc] column-major local block, owned */
  unsigned char *present;     /* [mloc] 1 if the sample has this view at all, owned */
} strata_dmat_t;

/* Not collective: allocate the local block of an nrows x ncols matrix for this rank, rows from
 * part grid->myrow of `rows_part`, columns from strata_block_range(ncols, npcol, mycol).
 * Entries are zero, present[] is 1. */
STRATA_NODISCARD int strata_dmat_create(const strata_grid_t *grid, const strata_partition_t *rows_part,
                                        int64_t ncols, strata_dmat_t **out);
/* NULL-safe; sets *m to NULL. */
void strata_dmat_destroy(strata_dmat_t **m);

/* Collective over grid->comm.  Gather the whole matrix to rank `root` as a column-major
 * nrows x ncols array (rows in global order) -- for tests and small results only.  On other
 * ranks *full is NULL.  The caller frees *full. */
STRATA_NODISCARD int strata_dmat_gather(const strata_dmat_t *m, int root, double **full);
/* Collective: fill the local block from a full column-major matrix present on every rank
 * (for tests and small inputs). */
STRATA_NODISCARD int strata_dmat_scatter_replicated(strata_dmat_t *m, const double *full);

/* ScaLAPACK block-cyclic redistribution (partition/redist.c).
 * strata_dmat_to_blockcyclic: collective.  Copies m into a new block-cyclic array with mb x nb
 * blocks on grid->blacs_ctx, rows in global order; *desc (9 ints) describes it and *local
 * (caller frees) holds this rank's part, lld = desc[8].  Goes through a regular block layout and
 * pdgemr2d.  strata_dmat_from_blockcyclic does the reverse into an existing dmat of the same
 * global shape. */
STRATA_NODISCARD int strata_dmat_to_blockcyclic(const strata_dmat_t *m, int mb, int nb,
                                                int desc[9], double **local);
STRATA_NODISCARD int strata_dmat_from_blockcyclic(strata_dmat_t *m, const int desc[9],
                                                  const double *local);

#endif
