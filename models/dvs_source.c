/* dvs_source.c: the `dvs` spike source: neuron i is channel i of the population's
 * DVS replay (input.dvs) and spikes in a step when one of its events falls in it;
 * the replay (sim/dvs/dvs_replay.c, behind nmsim_pop_data.replay_step) bins a
 * step once for all blocks of the population, on any core. */
#include "models/mdl_int.h"

static nmsim_status dvs_src_prepare(const double *v, double dt, void *out, char *msg,
                                    size_t len) {
  (void)v, (void)dt, (void)out, (void)msg, (void)len;
  return NMSIM_OK;
}

static void dvs_src_init(const void *derived, const nmsim_block *b) { (void)derived, (void)b; }

static void dvs_src_update(const void *derived, const nmsim_block *b, uint32_t *spikes,
                           size_t *n_spikes) {
  (void)derived;
  const nmsim_pop_data *d = b->aux;
  const uint64_t *bits = d->replay_step ? d->replay_step(d->replay, b->step) : NULL;
  if (!bits) return; /* no replay, or it failed: dvs_replay_check reports it */
  size_t ns = *n_spikes;
  uint64_t lo = b->first, hi = lo + b->n;
  for (uint64_t w = lo >> 6; w <= (hi - 1) >> 6 && b->n; w++) {
    uint64_t word = bits[w];
    if (w == lo >> 6) word &= ~UINT64_C(0) << (lo & 63);
    if (w == (hi - 1) >> 6 && (hi & 63)) word &= ~(~UINT64_C(0) << (hi & 63));
    for (unsigned k = 0; word; k++, word >>= 1)
      if (word & 1) spikes[ns++] = (uint32_t)((w << 6) + k - lo);
  }
  *n_spikes = ns;
}

const nmsim_neuron_type mdl_dvs_type = {
    .name = "dvs",
    .abi_version = NMSIM_MODEL_ABI,
    .flags = NMSIM_MODEL_SOURCE,
    .integration = "none (replays a DVS recording, input.dvs)",
    .vars = NULL,
    .n_vars = 0,
    .params = NULL,
    .n_params = 0,
    .sites = NULL,
    .n_sites = 0,
    .derived_size = 0,
    .prepare = dvs_src_prepare,
    .init = dvs_src_init,
    .update = dvs_src_update,
};
