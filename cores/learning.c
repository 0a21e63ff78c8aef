/* learning.c: the learning phase at the end of a step. Every plastic synapse
 * of a neuron that spiked in the step is updated by its projection's rule
 * (a descriptor of models/stdp.h) in model time: first the presynaptic
 * spikes, then the postsynaptic spikes, so a pre and a post spike in one step
 * pair as "pre before post"; traces are bumped before the updates or after
 * each side's updates, as the rule asks. The order never depends on hardware timing, so timed
 * and functional runs learn the same. Each update is charged the chip's
 * synaptic-update energy, and its time to the core that holds the synapse. */
#include <math.h>

#include "cores/learning.h"

/* Store w in synapse k of core c (the fixed-point copy the input uses). */
static void set_weight(sys_core *c, uint32_t k, double w) {
  c->wf[k] = w;
  const sys_block *b = &c->blocks[c->block_of[c->syn[k].tgt]];
  c->syn[k].w = (int32_t)llround(w / b->inv_scale);
}

/* Index in its population of local neuron `local` of core c. */
static uint32_t pop_index(const sys_core *c, uint32_t local) {
  const sys_block *b = &c->blocks[c->block_of[local]];
  return b->first + (local - b->local0);
}

/* One update of a synapse of core c onto population post. */
static void count_update(sys *s, sys_core *c, uint32_t post) {
  c->learn_updates++;
  sys_charge_pop(s, c, post, NM_E_SYN_UPDATE, 1, s->chip->syn_update.energy_pj);
  s->pop_busy[post] += s->chip->syn_update.time_ps;
  c->busy[SYS_BUSY_LEARNING] += s->chip->syn_update.time_ps;
}

/* Presynaptic spike of neuron gid (index i of population pre) at time t:
 * every plastic synapse it feeds. */
static void learn_pre(sys *s, uint32_t gid, double t) {
  sys_core *sc = &s->cores[s->loc_core[gid]];
  uint32_t j = s->loc_local[gid];
  for (uint32_t o = sc->out_ptr[j]; o < sc->out_ptr[j + 1]; o++) {
    sys_core *c = &s->cores[sc->out[o].core];
    if (!c->syn_proj || !sys_core_here(s, c->id)) continue; /* another process's */
    uint32_t a = sc->out[o].axon;
    for (uint32_t k = c->row[a]; k < c->row[a + 1]; k++) {
      uint16_t pk = c->syn_proj[k];
      if (!pk) continue;
      const sys_plast *pl = &s->plast[pk - 1];
      uint32_t post = pop_index(c, c->syn[k].tgt);
      uint32_t pre = gid - s->pop_gid0[pl->pre];
      uint32_t tg = s->pop_gid0[pl->post] + post;
      double w = pl->rule->on_pre(pl->p, c->wf[k], &pl->x[pre], &pl->y[post], t, s->spiked[tg]);
      set_weight(c, k, w);
      count_update(s, c, pl->post);
    }
  }
}

/* Postsynaptic spike of local neuron j of core c at time t: every plastic
 * synapse onto it that its rule updates there. */
static void learn_post(sys *s, sys_core *c, uint32_t j, double t) {
  uint32_t post = pop_index(c, j);
  for (uint32_t q = c->pin_ptr[j]; q < c->pin_ptr[j + 1]; q++) {
    uint32_t k = c->pin_syn[q], src = c->axon_src[c->pin_axon[q]];
    uint16_t pk = c->syn_proj[k];
    const sys_plast *pl = &s->plast[pk - 1];
    uint32_t pre = src - s->pop_gid0[pl->pre];
    double w = c->wf[k];
    if (!pl->rule->on_post(pl->p, &w, &pl->x[pre], &pl->y[post], t, s->spiked[src]))
      continue;
    set_weight(c, k, w);
    count_update(s, c, pl->post);
  }
}

/* Bump the traces of population p's spikes of this step: pre traces of the
 * projections leaving p (pre == true) or post traces of those entering it,
 * whose rule bumps its traces first (first == true) or after the updates. */
static void bump_traces(sys *s, uint32_t p, bool pre, bool first, double t) {
  for (size_t k = 0; k < s->n_projs; k++) {
    const sys_plast *pl = &s->plast[k];
    if (!pl->rule || !pl->here || pl->rule->traces_first != first ||
        (pre ? pl->pre : pl->post) != p)
      continue;
    stdp_trace *tr = pre ? pl->x : pl->y;
    double tau = pre ? pl->p->tau_plus : pl->p->tau_minus;
    for (size_t n = 0; n < s->pop_nspikes[p]; n++)
      stdp_trace_spike(&tr[s->pop_spikes[p][n]], tau, t, 1.0, pl->p->pairing);
  }
}

nmsim_ps sys_learn(sys *s) {
  if (!s->plast) return 0;
  double t = (double)s->step * s->dt_ms;
  for (size_t p = 0; p < s->n_pops; p++)
    if (s->learn_side[p])
      for (size_t n = 0; n < s->pop_nspikes[p]; n++)
        s->spiked[s->pop_gid0[p] + s->pop_spikes[p][n]] = 1;
  /* the trace rule reads traces that include this step's impulses */
  for (uint32_t p = 0; p < s->n_pops; p++) {
    bump_traces(s, p, true, true, t);
    bump_traces(s, p, false, true, t);
  }
  /* presynaptic spikes: depression (STDP) with y(t), then the x traces */
  for (uint32_t p = 0; p < s->n_pops; p++) {
    if (s->learn_side[p] & SYS_LEARN_PRE)
      for (size_t n = 0; n < s->pop_nspikes[p]; n++)
        learn_pre(s, s->pop_gid0[p] + s->pop_spikes[p][n], t);
    bump_traces(s, p, true, false, t);
  }
  /* postsynaptic spikes: potentiation with x(t), then the y traces */
  for (uint32_t p = 0; p < s->n_pops; p++) {
    size_t n_post = s->learn_side[p] & SYS_LEARN_POST ? s->pop_nspikes[p] : 0;
    for (size_t n = 0; n < n_post; n++) {
      uint32_t gid = s->pop_gid0[p] + s->pop_spikes[p][n];
      sys_core *c = &s->cores[s->loc_core[gid]];
      if (c->pin_ptr && sys_core_here(s, c->id)) learn_post(s, c, s->loc_local[gid], t);
    }
    bump_traces(s, p, false, false, t);
  }
  for (size_t p = 0; p < s->n_pops; p++)
    if (s->learn_side[p])
      for (size_t n = 0; n < s->pop_nspikes[p]; n++)
        s->spiked[s->pop_gid0[p] + s->pop_spikes[p][n]] = 0;
  nmsim_ps longest = 0;
  for (uint32_t i = 0; i < s->n_cores; i++) {
    nmsim_ps tl = (nmsim_ps)s->cores[i].learn_updates * s->chip->syn_update.time_ps;
    if (tl > longest) longest = tl;
    s->cores[i].learn_updates = 0;
  }
  return longest;
}
