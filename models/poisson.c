/* poisson.c: Poisson spike source. Each neuron owns a GSL taus2 generator
 * (L'Ecuyer 1999, via gsl_rng_taus2) whose state lives in the engine-allocated
 * state arrays, seeded from the key (run seed, population, neuron): results do
 * not depend on which core a neuron is placed on.
 * Draw count: exactly one uniform per neuron per step; the neuron spikes when
 * it is below p = 1 - exp(-rate * dt). */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>

#include "models/mdl_int.h"
#include "sim/base/rng.h"

/* Bytes reserved per neuron for the generator state; gsl_rng_taus2 needs three
 * unsigned longs (24 bytes on LP64). prepare() checks that it fits. */
#define POISSON_RNG_BYTES 32

enum { RNG, NVARS };
static const nmsim_var_desc poisson_vars[NVARS] = {
    [RNG] = {"rng", NMSIM_VAR_BYTES, "", POISSON_RNG_BYTES},
};

enum { P_RATE, NPARAMS };
static const nmsim_param_desc poisson_params[NPARAMS] = {
    [P_RATE] = {"rate", "Hz", 10.0, 0.0, 1e6, "mean firing rate"},
};

typedef struct poisson_derived {
  double p;  /* spike probability per step */
} poisson_derived;

static nmsim_status poisson_prepare(const double *v, double dt, void *out, char *msg,
                                    size_t len) {
  poisson_derived *d = out;
  if (gsl_rng_taus2->size > POISSON_RNG_BYTES) {
    snprintf(msg, len, "GSL taus2 state (%zu bytes) exceeds the %d reserved",
             gsl_rng_taus2->size, POISSON_RNG_BYTES);
    return NMSIM_EINTERNAL;
  }
  d->p = -expm1(-v[P_RATE] * dt * 1e-3);
  return NMSIM_OK;
}

static void poisson_init(const void *derived, const nmsim_block *b) {
  (void)derived;
  unsigned char *st = b->state[RNG];
  const size_t sz = POISSON_RNG_BYTES;
  for (size_t i = 0; i < b->n; i++)
    gsl_rng_taus2->set(st + i * sz,
                       rng_stream_seed(b->seed, b->pop_id, b->first + i, RNG_PURPOSE_SOURCE));
}

static void poisson_update(const void *derived, const nmsim_block *b, uint32_t *spikes,
                             size_t *n_spikes) {
  const poisson_derived *d = derived;
  unsigned char *st = b->state[RNG];
  const size_t sz = POISSON_RNG_BYTES;
  size_t ns = *n_spikes;
  for (size_t i = 0; i < b->n; i++)
    if (gsl_rng_taus2->get_double(st + i * sz) < d->p) spikes[ns++] = (uint32_t)i;
  *n_spikes = ns;
}

const nmsim_neuron_type mdl_poisson_type = {
    .name = "poisson",
    .abi_version = NMSIM_MODEL_ABI,
    .flags = NMSIM_MODEL_SOURCE | NMSIM_MODEL_NEEDS_RNG,
    .integration = "Bernoulli draw per step, p = 1 - exp(-rate dt)",
    .vars = poisson_vars,
    .n_vars = NVARS,
    .params = poisson_params,
    .n_params = NPARAMS,
    .sites = NULL,
    .n_sites = 0,
    .derived_size = sizeof(poisson_derived),
    .prepare = poisson_prepare,
    .init = poisson_init,
    .update = poisson_update,
};
