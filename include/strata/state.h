/* Solver state as named arrays, the way PETSc's viewers separate a solver from its storage: a
 * solver that can stop and resume describes its state (iteration, parameters, distributed
 * factors, RNG position) as named double and int64 arrays through this interface and never
 * opens a file.  Storage implements the operations -- io/checkpoint.c with HDF5
 * (strata_ckpt_state_create in strata/checkpoint.h); a test may keep the arrays in memory.
 * Lives in the base layer (mpi/) so that solvers depend on nothing above it. */
#ifndef STRATA_STATE_H
#define STRATA_STATE_H
#include <mpi.h>
#include <stdint.h>

#include "strata/error.h"

typedef struct strata_state strata_state_t;

enum { STRATA_STATE_F64 = 0, STRATA_STATE_I64 = 1 };

/* What storage implements.  All but destroy are collective over the comm given to open;
 * each returns the same status on every rank. */
typedef struct strata_state_ops {
  /* Begin writing (writing = 1) or reading a state of `kind` ("factor", "nmf", ...).  Reading
   * fails with STRATA_ERR_INPUT, message naming the storage, when there is no state of that
   * kind or it was written by another number of ranks. */
  int (*open)(void *ctx, MPI_Comm comm, const char *kind, int writing);
  /* Store or load one array: dist = 0, replicated (identical on all ranks, n values);
   * dist = 1, distributed (each rank its own n values).  type is STRATA_STATE_F64 or _I64. */
  int (*put)(void *ctx, const char *name, int type, int dist, const void *a, int64_t n);
  int (*get)(void *ctx, const char *name, int type, int dist, void *a, int64_t n);
  /* End the open write or read.  commit = 1 after a complete write makes it the stored state
   * atomically; commit = 0 discards a write (the previous state stays) or ends a read. */
  int (*close)(void *ctx, int commit);
  /* Free ctx (not collective).  May be NULL. */
  void (*destroy)(void *ctx);
} strata_state_ops_t;

/* Not collective.  Wrap storage: ops is borrowed (static), ctx is owned from here on (freed by
 * ops->destroy in strata_state_destroy, also when this call fails).  name says where the state
 * lives, for messages and progress events (e.g. the checkpoint path). */
STRATA_NODISCARD int strata_state_create(const strata_state_ops_t *ops, void *ctx, const char *name,
                                         strata_state_t **out);
/* Not collective.  NULL-safe; ends an open write without committing it; sets *s to NULL. */
void strata_state_destroy(strata_state_t **s);
/* Where the state lives (never NULL for a valid s). */
const char *strata_state_name(const strata_state_t *s);

/* Collective over comm: begin a write or a read (see strata_state_ops_t.open). */
STRATA_NODISCARD int strata_state_begin_write(strata_state_t *s, MPI_Comm comm, const char *kind);
STRATA_NODISCARD int strata_state_begin_read(strata_state_t *s, MPI_Comm comm, const char *kind);
/* Collective: one array.  _rep: replicated, the same n values on every rank; _dist: each rank
 * its own nlocal values. */
STRATA_NODISCARD int strata_state_put_rep(strata_state_t *s, const char *name, const double *a, int64_t n);
STRATA_NODISCARD int strata_state_put_rep_i64(strata_state_t *s, const char *name, const int64_t *a, int64_t n);
STRATA_NODISCARD int strata_state_put_dist(strata_state_t *s, const char *name, const double *a, int64_t nlocal);
STRATA_NODISCARD int strata_state_get_rep(strata_state_t *s, const char *name, double *a, int64_t n);
STRATA_NODISCARD int strata_state_get_rep_i64(strata_state_t *s, const char *name, int64_t *a, int64_t n);
STRATA_NODISCARD int strata_state_get_dist(strata_state_t *s, const char *name, double *a, int64_t nlocal);
/* Collective: make a complete write the stored state atomically. */
STRATA_NODISCARD int strata_state_commit(strata_state_t *s);
/* Collective: end a read, or discard an unfinished write.  No-op when nothing is open. */
void strata_state_end(strata_state_t *s);

#endif
