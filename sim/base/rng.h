/* rng.h: keyed random streams. Every random stream is derived from (run seed,
 * entity, index, purpose), never from a shared generator, so results do not
 * depend on placement, partitioning or the order in which entities run. */
#ifndef NMSIM_SIM_RNG_H
#define NMSIM_SIM_RNG_H

#include <stdint.h>

/* Purposes of streams; part of the key. ORDER is fixed: changing it changes
 * every result for a given seed. */
enum {
  RNG_PURPOSE_SOURCE = 1,    /* spike sources (Poisson), keyed by (pop, neuron) */
  RNG_PURPOSE_CONNECT = 2,   /* connectivity, keyed by (projection, pre neuron) */
  RNG_PURPOSE_WEIGHT = 3,    /* weight/delay distributions, keyed by (projection, pre neuron) */
  RNG_PURPOSE_INIT = 4,      /* initial state, keyed by (population, neuron) */
  RNG_PURPOSE_PARAM = 5      /* per-neuron parameters, keyed by (population, neuron),
                                the parameter's index in the upper purpose bits */
};

/* SplitMix64 finaliser (Steele, Lea & Flood, OOPSLA 2014): a bijective mix. */
static inline uint64_t rng_mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* Seed for the stream (seed, a, b, purpose), suitable for gsl_rng_set: a
 * non-zero 32-bit value (GSL's taus2 and mt19937 take unsigned long seeds and
 * treat 0 specially). */
static inline unsigned long rng_stream_seed(uint64_t seed, uint64_t a, uint64_t b,
                                            uint64_t purpose) {
  uint64_t z = rng_mix64(seed ^ rng_mix64(a ^ rng_mix64(b ^ rng_mix64(purpose))));
  unsigned long s = (unsigned long)(z & 0xffffffffu);
  return s ? s : 1u;
}

#endif
