/* spike_array.c: a source that fires at steps listed in the scenario
 * (population field `spikes`: one list of step indices per neuron). */
#include "models/mdl_int.h"

enum { CURSOR, NVARS };
static const nmsim_var_desc sa_vars[NVARS] = {
    [CURSOR] = {"cursor", NMSIM_VAR_I32, "", 0},
};

static nmsim_status sa_prepare(const double *v, double dt, void *out, char *msg, size_t len) {
  (void)v, (void)dt, (void)out, (void)msg, (void)len;
  return NMSIM_OK;
}

static void sa_init(const void *derived, const nmsim_block *b) {
  (void)derived;
  int32_t *cur = b->state[CURSOR];
  for (size_t i = 0; i < b->n; i++) cur[i] = 0;
}

static void sa_update(const void *derived, const nmsim_block *b, uint32_t *spikes,
                        size_t *n_spikes) {
  (void)derived;
  const nmsim_pop_data *sl = b->aux;
  int32_t *cur = b->state[CURSOR];
  size_t ns = *n_spikes;
  if (!sl || !sl->off) return;
  for (size_t i = 0; i < b->n; i++) {
    uint32_t g = b->first + (uint32_t)i;
    uint32_t k = sl->off[g] + (uint32_t)cur[i];
    /* steps are sorted and unique; skip any that lie in the past */
    while (k < sl->off[g + 1] && sl->steps[k] < b->step) k++, cur[i]++;
    if (k < sl->off[g + 1] && sl->steps[k] == b->step) {
      spikes[ns++] = (uint32_t)i;
      cur[i]++;
    }
  }
  *n_spikes = ns;
}

const nmsim_neuron_type mdl_spike_array_type = {
    .name = "spike_array",
    .abi_version = NMSIM_MODEL_ABI,
    .flags = NMSIM_MODEL_SOURCE,
    .integration = "none (fires at listed steps)",
    .vars = sa_vars,
    .n_vars = NVARS,
    .params = NULL,
    .n_params = 0,
    .sites = NULL,
    .n_sites = 0,
    .derived_size = 0,
    .prepare = sa_prepare,
    .init = sa_init,
    .update = sa_update,
};
