/* An in-memory solver-state store for tests (strata/state.h): every rank keeps its own arrays,
 * so a solver can checkpoint and resume with no file and no io/ code -- the proof that the
 * solvers depend only on the interface.  Header-only, test use only. */
#ifndef STRATA_TESTS_STATE_MEM_H
#define STRATA_TESTS_STATE_MEM_H
#include <stdlib.h>
#include <string.h>

#include "strata/state.h"

typedef struct mem_arr {
  char name[128];
  int type, dist;
  int64_t n;
  void *a;
} mem_arr_t;

typedef struct mem_store {
  char kind[64], pending_kind[64];
  mem_arr_t *arr, *pend;
  int narr, npend, writing, has;
  int commits;  /* committed writes, for the tests' own checks */
} mem_store_t;

static void mem_free_list(mem_arr_t *l, int n) {
  for (int i = 0; i < n; i++) free(l[i].a);
  free(l);
}

static int mem_open(void *ctx, MPI_Comm comm, const char *kind, int writing) {
  mem_store_t *m = ctx;
  (void)comm;
  m->writing = writing;
  if (writing) {
    snprintf(m->pending_kind, sizeof m->pending_kind, "%s", kind);
    return STRATA_OK;
  }
  if (!m->has || strcmp(m->kind, kind) != 0)
    return strata_err_set(STRATA_ERR_INPUT, __FILE__, __LINE__, __func__,
                          "memory state: no '%s' state stored", kind);
  return STRATA_OK;
}

static int mem_put(void *ctx, const char *name, int type, int dist, const void *a, int64_t n) {
  mem_store_t *m = ctx;
  mem_arr_t *p = realloc(m->pend, sizeof *p * (size_t)(m->npend + 1));
  if (!p) return strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
  m->pend = p;
  mem_arr_t *e = &p[m->npend];
  snprintf(e->name, sizeof e->name, "%s", name);
  e->type = type;
  e->dist = dist;
  e->n = n;
  e->a = malloc(8 * (size_t)(n > 0 ? n : 1));
  if (!e->a) return strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
  if (n > 0) memcpy(e->a, a, 8 * (size_t)n);
  m->npend++;
  return STRATA_OK;
}

static int mem_get(void *ctx, const char *name, int type, int dist, void *a, int64_t n) {
  mem_store_t *m = ctx;
  for (int i = 0; i < m->narr; i++)
    if (strcmp(m->arr[i].name, name) == 0) {
      if (m->arr[i].type != type || m->arr[i].dist != dist || m->arr[i].n != n)
        return strata_err_set(STRATA_ERR_INPUT, __FILE__, __LINE__, __func__,
                              "memory state: '%s' has another type or length", name);
      if (n > 0) memcpy(a, m->arr[i].a, 8 * (size_t)n);
      return STRATA_OK;
    }
  return strata_err_set(STRATA_ERR_INPUT, __FILE__, __LINE__, __func__, "memory state: no '%s'", name);
}

static int mem_close(void *ctx, int commit) {
  mem_store_t *m = ctx;
  if (m->writing && commit) {
    mem_free_list(m->arr, m->narr);
    m->arr = m->pend;
    m->narr = m->npend;
    snprintf(m->kind, sizeof m->kind, "%s", m->pending_kind);
    m->has = 1;
    m->commits++;
  } else if (m->writing) {
    mem_free_list(m->pend, m->npend);
  }
  m->pend = NULL;
  m->npend = 0;
  m->writing = 0;
  return STRATA_OK;
}

static void mem_destroy(void *ctx) {
  mem_store_t *m = ctx;
  mem_free_list(m->arr, m->narr);
  mem_free_list(m->pend, m->npend);
  free(m);
}

static const strata_state_ops_t mem_state_ops = {mem_open, mem_put, mem_get, mem_close, mem_destroy};

/* A new empty store; *store (borrowed view of the context, valid until the state is destroyed). */
static inline int mem_state_create(strata_state_t **out, mem_store_t **store) {
  mem_store_t *m = calloc(1, sizeof *m);
  if (!m) return strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
  if (store) *store = m;
  return strata_state_create(&mem_state_ops, m, "memory", out);
}
#endif
