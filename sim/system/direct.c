/* direct.c: functional mode's delivery path and the untimed run loop. A
 * spike goes straight to the input rings of its destination cores (the rows
 * the NoC would have delivered), with no packets and no hardware time; the
 * cores' events are still counted and costed. On a run split over processes
 * a destination held elsewhere is handed to s->defer. */
#include "cores/learning.h"
#include "cores/neurocore.h"
#include "sim/system/direct.h"

/* The spike of local neuron j of core c goes to every destination core. */
static void direct_emit(sys *s, sys_core *c, uint32_t pop, uint32_t j, double value) {
  const chip_cost *so = &s->chip->spike_out;
  uint32_t k0 = c->out_ptr[j], k1 = c->out_ptr[j + 1];
  for (uint32_t k = k0; k < k1 && k < k0 + 2 * SYS_ROW_AHEAD; k++) sys_prefetch_row_index(s, &c->out[k]);
  for (uint32_t k = k0; k < k1; k++) {
    /* The rows of a spike's destinations are scattered over the cores: load
     * the row index of the destination 2 AHEAD on and the synapses of the one
     * AHEAD on (its index loaded by now) while this one is applied. */
    if (k + 2 * SYS_ROW_AHEAD < k1) sys_prefetch_row_index(s, &c->out[k + 2 * SYS_ROW_AHEAD]);
    if (k + SYS_ROW_AHEAD < k1) sys_prefetch_row(s, &c->out[k + SYS_ROW_AHEAD]);
    sys_charge_pop(s, c, pop, NM_E_SPIKE_OUT, 1, so->energy_pj);
    s->packets++;
    uint32_t d = c->out[k].core;
    if (NMSIM_UNLIKELY(!sys_core_here(s, d))) {
      s->defer(s, c->id, j, d, value); /* another process applies it */
      continue;
    }
    core_apply_row(s, &s->cores[d], c->out[k].axon, value);
  }
}

static void direct_emit_block(sys *s, sys_core *c, size_t bi, const uint32_t *spk, size_t n,
                              const double *val) {
  uint32_t local0 = c->blocks[bi].local0, pop = c->blocks[bi].pop_id;
  for (size_t k = 0; k < n; k++) direct_emit(s, c, pop, local0 + spk[k], val ? val[spk[k]] : 1.0);
}

const sys_path sys_direct_path = {.name = "direct", .emit_block = direct_emit_block};

nmsim_status sys_run_untimed(sys *s, nmsim_err *err) {
  s->step_start = 0;
  while (s->step < s->steps) {
    for (uint32_t i = 0; i < s->n_used; i++) core_update(s, &s->cores[s->used[i]], 0);
    if (s->oom) return NMSIM_ENOMEM_ERR(err);
    sys_learn(s);
    if (!core_close_step(s, 0, err)) return err->code ? err->code : NMSIM_EINTERNAL;
  }
  s->finished = true;
  return NMSIM_OK;
}
