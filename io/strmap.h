/* A string -> index hash map over borrowed keys (sample and feature ids): duplicate detection
 * and matching by id in import, cohort reading and check.  Internal to io/. */
#ifndef STRATA_IO_STRMAP_H
#define STRATA_IO_STRMAP_H
#include <stdint.h>

typedef struct strata_strmap {
  int64_t cap;        /* slots, a power of two */
  int64_t *slot;      /* [cap] key index or -1 */
  char *const *keys;  /* borrowed; must outlive the map */
} strata_strmap_t;

/* Build a map of keys[0..n).  Returns STRATA_OK, or STRATA_ERR_MEM.  *dup is set to the index
 * of the first key equal to an earlier one (-1 if all are distinct); duplicates are not
 * inserted, so find() returns the first occurrence. */
int strata_strmap_build(int64_t n, char *const *keys, strata_strmap_t *m, int64_t *dup);
/* Index of key, or -1. */
int64_t strata_strmap_find(const strata_strmap_t *m, const char *key);
/* Free the slots (keys are borrowed).  NULL-safe. */
void strata_strmap_free(strata_strmap_t *m);
#endif
