/* neurocore.h: what every core type shares (cores/neurocore.c): the neuron
 * update of a core, the input ring and its fixed-point sums, rows of
 * synapses, spike records and the close of a step. */
#ifndef NMSIM_CORES_NEUROCORE_H
#define NMSIM_CORES_NEUROCORE_H

#include "cores/machine.h"

/* Update the neurons of core c for step s->step from hardware time t, in
 * order, each taking the active or idle time; every spike is recorded and
 * handed to the system's path (a timed path: when its neuron's update ends;
 * an untimed one: the block's spikes at once, and no time passes). Returns
 * the time the updates end. */
nmsim_ps core_update(sys *s, sys_core *c, nmsim_ps t);
/* Count spike `index` of population pop in this step's raster and bursts
 * (shared by every core type). */
void core_record_spike(sys *s, uint32_t pop, uint32_t index);
/* Note that input entry idx (site * n_neurons + local) of ring slot `slot` of
 * core c left zero, so the step that reads the slot converts it. */
void core_touch(sys *s, sys_core *c, uint32_t slot, uint32_t idx);
/* Add w to input entry idx of ring slot `slot` of core c (listing the entry
 * when it leaves zero): every synaptic delivery goes through here. */
/* The ring slot of step s->step + delay (delay < c->ring), from the slot of
 * the current step that every core keeps (sys_next_step): no division. */
static inline uint32_t core_slot_after(const sys_core *c, uint32_t delay) {
  uint32_t slot = c->ring_now + delay;
  return slot >= c->ring ? slot - c->ring : slot;
}
static inline void core_acc_add(sys *s, sys_core *c, uint32_t slot, uint32_t idx, int64_t w) {
  int64_t *a = &c->acc[(size_t)slot * c->n_sites * c->n_neurons + idx];
  if (!*a) core_touch(s, c, slot, idx);
  *a += w;
}
/* What a synapse of weight w adds for a spike of graded value `value` (1 for
 * a plain spike): a graded spike's products are rounded one by one, so sums
 * stay exact and independent of arrival order. */
static inline int64_t syn_weight(int64_t w, double value) {
  return value == 1.0 ? w : llround((double)w * value);
}
/* Make room for `more` entries in the touched list of ring slot `slot` of
 * core c; false when out of memory (the run is failed as by core_touch). */
bool core_touch_reserve(sys *s, sys_core *c, uint32_t slot, uint32_t more);
/* core_acc_add for the n synapses of one row that share a slot and a site:
 * entry base + tgt[k] gets syn_weight(w ? w[k] : wq, value), with the same
 * sums and the same touched list, without a branch per synapse. */
static inline void core_acc_add_row(sys *s, sys_core *c, uint32_t slot, uint32_t base,
                                    const uint32_t *restrict tgt, const int32_t *restrict w,
                                    int64_t wq, double value, uint32_t n) {
  if (!core_touch_reserve(s, c, slot, n)) return;
  int64_t *restrict a = c->acc + (size_t)slot * c->n_sites * c->n_neurons + base;
  uint32_t *restrict tl = c->touched[slot];
  uint32_t nt = c->n_touched[slot];
  const int64_t wv = syn_weight(wq, value); /* the row's one weight, when w is NULL */
  for (uint32_t k = 0; k < n; k++) {
    uint32_t t = tgt[k];
    tl[nt] = base + t; /* kept only when the entry leaves zero */
    nt += a[t] == 0;
    a[t] += w ? syn_weight(w[k], value) : wv;
  }
  c->n_touched[slot] = nt;
}
/* Add the synapses of input axon `axon` of c for a spike of value `value`
 * (every synaptic delivery of a row goes through here or core_acc_add). */
void core_apply_row(sys *s, sys_core *c, uint32_t axon, double value);
/* Move to step s->step + 1: the step count and every core's ring slot. */
void sys_next_step(sys *s);
/* Close step s->step, which started at hardware time from, lasted lat, of
 * which its cores computed for work (the longest of them; lat on a chip with
 * a barrier), and ended at end (its learning phase has run): its hops'
 * energy, its latency, the time the chip computed (the union of the steps'
 * [from, from + work)), the energy of its window (dynamic, and static power
 * over the longer of lat and the pacing period), the totals, the step hook;
 * then the next step. false with err set on failure. */
bool core_end_step(sys *s, nmsim_ps from, nmsim_ps lat, nmsim_ps end, nmsim_ps work,
                   nmsim_err *err);
/* On a barrier chip, the critical path of this process's cores for the step
 * that started at s->step_start: *key the largest sys_crit_key (0: no core),
 * *compute the longest own updates from the start. */
void core_crit_barrier(const sys *s, uint64_t *key, nmsim_ps *compute);
/* core_end_step for a step that started at s->step_start and ended at t,
 * paced: in real time the step lasts until the next one is due ((step + 1)
 * x period), and a step that ends after that is an overrun (counted). */
bool core_close_step(sys *s, nmsim_ps t, nmsim_err *err);
/* When the step just opened starts, the last one having ended at t: t, or
 * in real time not before step x period. */
static inline nmsim_ps core_next_start(const sys *s, nmsim_ps t) {
  nmsim_ps due = s->step * s->pace_ps;
  return due > t ? due : t;
}

#endif
