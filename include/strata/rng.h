/* Counter-based random numbers: value = f(seed, stream, counter).  No hidden state, so any
 * rank can generate any element of a simulated matrix and the bytes do not depend on the rank
 * count, and a solver's RNG state is three integers to checkpoint.  Not cryptographic. */
#ifndef STRATA_RNG_H
#define STRATA_RNG_H
#include <stdint.h>

typedef struct strata_rng {
  uint64_t seed, stream, counter;
} strata_rng_t;

/* Stateless draws. */
uint64_t strata_rng_hash(uint64_t seed, uint64_t stream, uint64_t counter);
double strata_rng_uniform_at(uint64_t seed, uint64_t stream, uint64_t counter); /* (0,1) */
double strata_rng_normal_at(uint64_t seed, uint64_t stream, uint64_t counter);  /* N(0,1) */

/* Stateful stream (advances counter). */
void strata_rng_init(strata_rng_t *r, uint64_t seed, uint64_t stream);
uint64_t strata_rng_next(strata_rng_t *r);
double strata_rng_uniform(strata_rng_t *r);
double strata_rng_normal(strata_rng_t *r);

#endif
