/* Checkpoints: a solver's full state (iteration, parameters, distributed factors, RNG) in one
 * HDF5 file, written atomically (temporary name, rename), read back by --resume.  A checkpoint
 * records the rank count and grid; resuming needs the same ones (a resumed run then gives the
 * same answer as an uninterrupted one).  Implemented in io/checkpoint.c. */
#ifndef STRATA_CHECKPOINT_H
#define STRATA_CHECKPOINT_H
#include <mpi.h>
#include <stdint.h>
#include "strata/error.h"
#include "strata/state.h"

typedef struct strata_ckpt strata_ckpt_t;

/* Collective.  Begin writing a checkpoint of kind `kind` ("factor", "nmf", ...) to path. */
STRATA_NODISCARD int strata_ckpt_create(MPI_Comm comm, const char *path, const char *kind,
                                        strata_ckpt_t **out);
/* Collective.  Store a replicated array (same on all ranks; rank 0 writes it). */
STRATA_NODISCARD int strata_ckpt_put_rep(strata_ckpt_t *c, const char *name, const double *a, int64_t n);
STRATA_NODISCARD int strata_ckpt_put_rep_i64(strata_ckpt_t *c, const char *name, const int64_t *a, int64_t n);
/* Collective.  Store a distributed array: each rank its own nlocal values (may differ). */
STRATA_NODISCARD int strata_ckpt_put_dist(strata_ckpt_t *c, const char *name, const double *a, int64_t nlocal);
/* Collective.  Close and atomically rename.  *c is NULLed; on failure the temporary is removed. */
STRATA_NODISCARD int strata_ckpt_commit(strata_ckpt_t **c);

/* Collective.  Open for reading; fails with STRATA_ERR_INPUT (message names the file) if it is
 * not a checkpoint of `kind` or was written by a different number of ranks. */
STRATA_NODISCARD int strata_ckpt_open(MPI_Comm comm, const char *path, const char *kind,
                                      strata_ckpt_t **out);
STRATA_NODISCARD int strata_ckpt_get_rep(strata_ckpt_t *c, const char *name, double *a, int64_t n);
STRATA_NODISCARD int strata_ckpt_get_rep_i64(strata_ckpt_t *c, const char *name, int64_t *a, int64_t n);
STRATA_NODISCARD int strata_ckpt_get_dist(strata_ckpt_t *c, const char *name, double *a, int64_t nlocal);
/* Collective.  NULL-safe. */
void strata_ckpt_close(strata_ckpt_t **c);

/* Not collective.  The checkpoint file `path` as solver-state storage (strata/state.h), for
 * the solvers' checkpoint and resume options: every committed write is one checkpoint file
 * written atomically as above, every read opens it (io/ckpt_state.c).  Destroy with
 * strata_state_destroy. */
STRATA_NODISCARD int strata_ckpt_state_create(const char *path, strata_state_t **out);

#endif
