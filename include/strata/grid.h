/* The Pr x Pc process grid: the one object that knows about ranks.
 * Grid rows own samples (obs), grid columns own features (var).  Ranks are placed row-major,
 * rank = myrow*npcol + mycol, the same order as the BLACS context built on the same ranks. */
#ifndef STRATA_GRID_H
#define STRATA_GRID_H
#include <mpi.h>
#include <stdint.h>
#include "strata/error.h"

typedef struct strata_grid {
  MPI_Comm comm;     /* duplicate of the parent communicator, MPI_ERRORS_RETURN */
  MPI_Comm rowcomm;  /* the npcol ranks of my grid row, ordered by mycol: reduce over features */
  MPI_Comm colcomm;  /* the nprow ranks of my grid column, ordered by myrow: reduce over samples */
  int rank, size;
  int nprow, npcol, myrow, mycol;
  int blacs_ctx;     /* BLACS context on the same ranks ("Row" order); -1 until created */
} strata_grid_t;

/* Choose nprow x npcol = size for an nrows x ncols matrix, minimising the per-iteration
 * communication volume nrows/nprow + ncols/npcol, with nprow <= max_rows_parts (e.g. the
 * number of patients, since a patient is never split; <= 0 means no limit).  Not collective. */
void strata_grid_choose(int size, int64_t nrows, int64_t ncols, int64_t max_rows_parts,
                        int *nprow, int *npcol);

/* Collective over comm.  Create the grid; nprow/npcol <= 0 means "choose" (strata_grid_choose).
 * A given shape must satisfy nprow*npcol == size (else STRATA_ERR_USAGE on every rank).
 * The BLACS context is created too (ScaLAPACK paths use grid->blacs_ctx).
 * Free with strata_grid_destroy (collective). */
STRATA_NODISCARD int strata_grid_create(MPI_Comm comm, int nprow, int npcol, int64_t nrows,
                                        int64_t ncols, int64_t max_rows_parts,
                                        strata_grid_t **out);
/* Collective. NULL-safe; sets *g to NULL. */
void strata_grid_destroy(strata_grid_t **g);

/* Contiguous balanced block split of n items into nparts: part p gets [*start, *start+*count). */
void strata_block_range(int64_t n, int nparts, int p, int64_t *start, int64_t *count);

#endif
