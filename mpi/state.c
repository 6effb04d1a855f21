/* The solver-state interface (include/strata/state.h): dispatch to the storage's operations
 * and track whether a write or read is open, so that an error path can always end it.  No
 * storage here: io/checkpoint.c is the HDF5 one. */
#include <stdio.h>
#include <stdlib.h>

#include "strata/state.h"

struct strata_state {
  const strata_state_ops_t *ops;
  void *ctx;
  int open;  /* 0 none, 1 writing, 2 reading */
  char name[4096];
};

int strata_state_create(const strata_state_ops_t *ops, void *ctx, const char *name,
                        strata_state_t **out) {
  int st = STRATA_OK;
  strata_state_t *s = NULL;
  *out = NULL;
  if (!ops || !ops->open || !ops->put || !ops->get || !ops->close)
    STRATA_FAIL(STRATA_ERR_INTERNAL, "state: incomplete storage operations");
  STRATA_CALLOC(s, 1);
  s->ops = ops;
  s->ctx = ctx;
  ctx = NULL;
  snprintf(s->name, sizeof s->name, "%s", name ? name : "(state)");
  *out = s;
cleanup:
  if (ctx && ops && ops->destroy) ops->destroy(ctx);
  return st;
}

void strata_state_destroy(strata_state_t **sp) {
  if (!sp || !*sp) return;
  strata_state_t *s = *sp;
  if (s->open) (void)s->ops->close(s->ctx, 0);
  if (s->ops->destroy) s->ops->destroy(s->ctx);
  free(s);
  *sp = NULL;
}

const char *strata_state_name(const strata_state_t *s) { return s ? s->name : "(none)"; }

static int begin(strata_state_t *s, MPI_Comm comm, const char *kind, int writing) {
  if (s->open)
    return strata_err_set(STRATA_ERR_INTERNAL, __FILE__, __LINE__, __func__,
                          "state: '%s' is already open", s->name);
  int st = s->ops->open(s->ctx, comm, kind, writing);
  if (st == STRATA_OK) s->open = writing ? 1 : 2;
  return st;
}

int strata_state_begin_write(strata_state_t *s, MPI_Comm comm, const char *kind) {
  return begin(s, comm, kind, 1);
}
int strata_state_begin_read(strata_state_t *s, MPI_Comm comm, const char *kind) {
  return begin(s, comm, kind, 0);
}

static int put(strata_state_t *s, const char *name, int type, int dist, const void *a, int64_t n) {
  if (s->open != 1)
    return strata_err_set(STRATA_ERR_INTERNAL, __FILE__, __LINE__, __func__,
                          "state: '%s' is not open for writing", s->name);
  return s->ops->put(s->ctx, name, type, dist, a, n);
}

static int get(strata_state_t *s, const char *name, int type, int dist, void *a, int64_t n) {
  if (s->open != 2)
    return strata_err_set(STRATA_ERR_INTERNAL, __FILE__, __LINE__, __func__,
                          "state: '%s' is not open for reading", s->name);
  return s->ops->get(s->ctx, name, type, dist, a, n);
}

int strata_state_put_rep(strata_state_t *s, const char *name, const double *a, int64_t n) {
  return put(s, name, STRATA_STATE_F64, 0, a, n);
}
int strata_state_put_rep_i64(strata_state_t *s, const char *name, const int64_t *a, int64_t n) {
  return put(s, name, STRATA_STATE_I64, 0, a, n);
}
int strata_state_put_dist(strata_state_t *s, const char *name, const double *a, int64_t nlocal) {
  return put(s, name, STRATA_STATE_F64, 1, a, nlocal);
}
int strata_state_get_rep(strata_state_t *s, const char *name, double *a, int64_t n) {
  return get(s, name, STRATA_STATE_F64, 0, a, n);
}
int strata_state_get_rep_i64(strata_state_t *s, const char *name, int64_t *a, int64_t n) {
  return get(s, name, STRATA_STATE_I64, 0, a, n);
}
int strata_state_get_dist(strata_state_t *s, const char *name, double *a, int64_t nlocal) {
  return get(s, name, STRATA_STATE_F64, 1, a, nlocal);
}

int strata_state_commit(strata_state_t *s) {
  if (s->open != 1)
    return strata_err_set(STRATA_ERR_INTERNAL, __FILE__, __LINE__, __func__,
                          "state: '%s' has no write to commit", s->name);
  s->open = 0;
  return s->ops->close(s->ctx, 1);
}

void strata_state_end(strata_state_t *s) {
  if (!s || !s->open) return;
  s->open = 0;
  (void)s->ops->close(s->ctx, 0);
}
