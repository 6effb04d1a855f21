/* String -> index hash map (open addressing, FNV-1a) over borrowed keys, for id matching in
 * io/.  Not a general container: no deletion, fixed size at build. */
#include <stdlib.h>
#include <string.h>

#include "io/strmap.h"
#include "strata/error.h"

static uint64_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

int strata_strmap_build(int64_t n, char *const *keys, strata_strmap_t *m, int64_t *dup) {
  int st = STRATA_OK;
  m->keys = keys;
  m->cap = 16;
  while (m->cap < 2 * n) m->cap *= 2;
  *dup = -1;
  STRATA_MALLOC(m->slot, m->cap);
  for (int64_t i = 0; i < m->cap; i++) m->slot[i] = -1;
  for (int64_t i = 0; i < n; i++) {
    uint64_t h = hash_str(keys[i]) & (uint64_t)(m->cap - 1);
    while (m->slot[h] >= 0 && strcmp(keys[m->slot[h]], keys[i]) != 0) h = (h + 1) & (uint64_t)(m->cap - 1);
    if (m->slot[h] >= 0) {
      if (*dup < 0) *dup = i;
      continue;
    }
    m->slot[h] = i;
  }
cleanup:
  return st;
}

int64_t strata_strmap_find(const strata_strmap_t *m, const char *key) {
  uint64_t h = hash_str(key) & (uint64_t)(m->cap - 1);
  while (m->slot[h] >= 0) {
    if (strcmp(m->keys[m->slot[h]], key) == 0) return m->slot[h];
    h = (h + 1) & (uint64_t)(m->cap - 1);
  }
  return -1;
}

void strata_strmap_free(strata_strmap_t *m) {
  if (!m) return;
  free(m->slot);
  m->slot = NULL;
}
