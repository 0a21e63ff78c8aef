/* utilisation.c: how full each core is against the chip's limits (neurons,
 * synapse memory, fan-in, fan-out), for the report and the run file's
 * /cores/utilisation. */
#include "sim/system/build.h"
#include "sim/system/utilisation.h"

void sys_core_utilisation(const sys *s, const sys_core *c, double u[4]) {
  const nmsim_chip *ch = s->chip;
  u[0] = ch->max_neurons ? (double)c->n_neurons / ch->max_neurons : 0.0;
  u[1] = ch->synapse_memory_bytes
             ? (double)c->n_syn * ch->synapse_bytes / (double)ch->synapse_memory_bytes
             : 0.0;
  u[2] = ch->max_fan_in ? (double)c->n_axons / ch->max_fan_in : 0.0;
  u[3] = ch->max_fan_out ? (double)c->n_out / ch->max_fan_out : 0.0;
}

nmsim_status sys_utilisation_items(const sys *s, h5o_items *b, nmsim_err *err) {
  static const char *const cols[4] = {"neurons", "synapse_memory", "fan_in", "fan_out"};
  static const char *const unit = "fraction of the chip's per-core limit";
  static const h5o_attr attrs[] = {{"columns", H5O_STR, 4, cols}, {"unit", H5O_STR, 1, &unit}};
  size_t n = s->n_cores;
  double *u = h5o_items_keep(b, nm_malloc(sizeof(double) * 4 * (n ? n : 1)));
  h5o_item *it = u ? h5o_items_add(b) : NULL;
  if (!it) return NMSIM_ENOMEM_ERR(err);
  for (uint32_t c = 0; c < n; c++) sys_core_utilisation(s, &s->cores[c], u + 4 * (size_t)c);
  *it = (h5o_item){.path = "/cores/utilisation", .kind = H5O_F64, .rank = 2, .dims = {n, 4},
                   .data = u, .attrs = attrs, .n_attrs = 2};
  return NMSIM_OK;
}
