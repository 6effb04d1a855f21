/* The HDF5 storage behind the solver-state interface (strata/state.h): each open write or read
 * is one checkpoint file of io/checkpoint.c, so the file format is unchanged
 * (strata-checkpoint/1).  Not for deciding what a solver's state is, or when to write it. */
#include <stdlib.h>
#include <string.h>

#include "strata/checkpoint.h"
#include "strata/state.h"
#include "strata/util.h"

typedef struct ckpt_ctx {
  char *path;
  strata_ckpt_t *c;
  int writing;
} ckpt_ctx_t;

static int ck_open(void *ctx, MPI_Comm comm, const char *kind, int writing) {
  ckpt_ctx_t *k = ctx;
  k->writing = writing;
  return writing ? strata_ckpt_create(comm, k->path, kind, &k->c)
                 : strata_ckpt_open(comm, k->path, kind, &k->c);
}

static int ck_put(void *ctx, const char *name, int type, int dist, const void *a, int64_t n) {
  ckpt_ctx_t *k = ctx;
  if (dist) {
    if (type != STRATA_STATE_F64)
      return strata_err_set(STRATA_ERR_INTERNAL, __FILE__, __LINE__, __func__,
                            "checkpoint: distributed arrays are double only ('%s')", name);
    return strata_ckpt_put_dist(k->c, name, a, n);
  }
  return type == STRATA_STATE_I64 ? strata_ckpt_put_rep_i64(k->c, name, a, n)
                                  : strata_ckpt_put_rep(k->c, name, a, n);
}

static int ck_get(void *ctx, const char *name, int type, int dist, void *a, int64_t n) {
  ckpt_ctx_t *k = ctx;
  if (dist) {
    if (type != STRATA_STATE_F64)
      return strata_err_set(STRATA_ERR_INTERNAL, __FILE__, __LINE__, __func__,
                            "checkpoint: distributed arrays are double only ('%s')", name);
    return strata_ckpt_get_dist(k->c, name, a, n);
  }
  return type == STRATA_STATE_I64 ? strata_ckpt_get_rep_i64(k->c, name, a, n)
                                  : strata_ckpt_get_rep(k->c, name, a, n);
}

static int ck_close(void *ctx, int commit) {
  ckpt_ctx_t *k = ctx;
  int st = STRATA_OK;
  if (commit && k->writing && k->c) st = strata_ckpt_commit(&k->c);
  strata_ckpt_close(&k->c);
  return st;
}

static void ck_destroy(void *ctx) {
  ckpt_ctx_t *k = ctx;
  if (!k) return;
  strata_ckpt_close(&k->c);
  free(k->path);
  free(k);
}

static const strata_state_ops_t ckpt_ops = {ck_open, ck_put, ck_get, ck_close, ck_destroy};

int strata_ckpt_state_create(const char *path, strata_state_t **out) {
  int st = STRATA_OK;
  ckpt_ctx_t *k = NULL;
  *out = NULL;
  STRATA_CALLOC(k, 1);
  k->path = strdup(path);
  if (!k->path) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
  st = strata_state_create(&ckpt_ops, k, path, out);
  k = NULL; /* owned by the state object now, also on failure */
cleanup:
  if (k) ck_destroy(k);
  return st;
}
