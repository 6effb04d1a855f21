/* Counter-based random numbers (a SplitMix64-style mix of seed, stream and counter): any
 * element can be drawn independently, so results do not depend on how work is split. */
#include "strata/rng.h"

#include <math.h>

static inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t strata_rng_hash(uint64_t seed, uint64_t stream, uint64_t counter) {
  uint64_t h = mix64(seed + 0x9e3779b97f4a7c15ULL);
  h = mix64(h ^ (stream + 0x632be59bd9b4e019ULL));
  return mix64(h ^ (counter * 0x9e3779b97f4a7c15ULL + 0xd1b54a32d192ed03ULL));
}

double strata_rng_uniform_at(uint64_t seed, uint64_t stream, uint64_t counter) {
  /* 53 random bits, shifted off zero so log() is safe */
  return ((double)(strata_rng_hash(seed, stream, counter) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

double strata_rng_normal_at(uint64_t seed, uint64_t stream, uint64_t counter) {
  double u1 = strata_rng_uniform_at(seed, stream, 2 * counter);
  double u2 = strata_rng_uniform_at(seed, stream, 2 * counter + 1);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925 * u2);
}

void strata_rng_init(strata_rng_t *r, uint64_t seed, uint64_t stream) {
  r->seed = seed;
  r->stream = stream;
  r->counter = 0;
}

uint64_t strata_rng_next(strata_rng_t *r) { return strata_rng_hash(r->seed, r->stream, r->counter++); }
double strata_rng_uniform(strata_rng_t *r) { return strata_rng_uniform_at(r->seed, r->stream, r->counter++); }
double strata_rng_normal(strata_rng_t *r) { return strata_rng_normal_at(r->seed, r->stream, r->counter++); }
