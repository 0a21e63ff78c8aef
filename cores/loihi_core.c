/* loihi_core.c: the Loihi-like time-stepped neurocore and its barrier.
 *
 * A step of the whole system, in hardware time:
 *  1. STEP_START (every core, at the barrier release): the core reads the input
 *     its synapses accumulated for this step, then updates its neurons one by
 *     one (active: had input or spiked; idle otherwise, each with its own time
 *     and energy). A neuron that spikes sends one packet per destination core
 *     at the moment its update finishes.
 *  2. Packets cross the NoC (noc/mesh.c) and are DELIVERED to the destination
 *     core, whose synapse unit processes the axon's synapses one after another
 *     (it overlaps with that core's own neuron updates, as the pipeline of a
 *     Loihi core does), adding each weight to the input of step t + delay.
 *  3. CORE_DONE marks the end of a core's neuron updates. When every core is
 *     done and every packet of the step is delivered and processed, the
 *     barrier runs; BARRIER_DONE ends the step and releases the next.
 * So the step's length follows from the work done, as on the chip. */
#include <math.h>
#include <string.h>

#include "sim/system_int.h"

static void charge(sys *s, sys_core *c, int cat, uint64_t n, double pj) {
  sys_charge(&c->energy, cat, n, pj);
  sys_charge(&s->step_energy, cat, n, pj);
}

static void check_barrier(sys *s, sim_engine *e);

/* Convert this step's ring slot into the models' input and clear it. */
static void core_take_input(sys *s, sys_core *c) {
  size_t nn = c->n_neurons;
  uint32_t slot = (uint32_t)(s->step % c->ring);
  int64_t *acc = c->acc + (size_t)slot * c->n_sites * nn;
  memset(c->had_input, 0, nn);
  for (size_t bi = 0; bi < c->n_blocks; bi++) {
    const sys_block *b = &c->blocks[bi];
    for (uint32_t k = 0; k < c->n_sites; k++) {
      int64_t *a = acc + (size_t)k * nn + b->local0;
      double *in = c->input + (size_t)k * nn + b->local0;
      uint8_t *hi = c->had_input + b->local0;
      for (uint32_t i = 0; i < b->n; i++) {
        in[i] = (double)a[i] * b->inv_scale;
        hi[i] |= a[i] != 0;
        a[i] = 0;
      }
    }
  }
}

/* Send the packets of local neuron j's spike (graded value `value`), leaving
 * the core at time t. */
static nmsim_ps core_emit(sys *s, sys_core *c, uint32_t j, nmsim_ps t, double value) {
  const chip_cost *so = &s->chip->spike_out;
  for (uint32_t k = c->out_ptr[j]; k < c->out_ptr[j + 1]; k++) {
    t += so->time_ps;
    charge(s, c, NM_E_SPIKE_OUT, 1, so->energy_pj);
    if (noc_send(s, c->id, c->out[k].core, c->out[k].axon, t, value) != NMSIM_OK) break;
  }
  return t;
}

/* Count the spike for the step's raster and for bursts: a burst is a run of
 * two or more spikes of one neuron whose inter-spike intervals are all at
 * most burst_isi steps; it is counted at its second spike. */
static void record_spike(sys *s, uint32_t pop, uint32_t index) {
  uint32_t gid = s->pop_gid0[pop] + index;
  uint64_t last = s->last_spike[gid];
  if (last && s->step + 1 - last <= s->burst_isi) {
    if (!s->in_burst[gid]) s->pop_bursts[pop]++, s->in_burst[gid] = 1;
  } else {
    s->in_burst[gid] = 0;
  }
  s->last_spike[gid] = s->step + 1;
  size_t n = s->pop_nspikes[pop];
  /* capacity is the population size: a neuron spikes at most once a step */
  s->pop_spikes[pop][n] = index;
  s->pop_nspikes[pop] = n + 1;
  s->spikes++;
}

void core_on_step_start(void *ctx, sim_engine *e, const sim_event *ev) {
  sys *s = ctx;
  sys_core *c = &s->cores[ev->dst];
  const nmsim_chip *ch = s->chip;
  core_take_input(s, c);
  nmsim_ps t = ev->time;
  const double *in_ptr[SYS_MAX_SITES];
  for (size_t bi = 0; bi < c->n_blocks; bi++) {
    sys_block *b = &c->blocks[bi];
    const nmsim_neuron_type *m = b->pop->model;
    for (uint32_t k = 0; k < SYS_MAX_SITES; k++)
      in_ptr[k] = c->input + (size_t)(k < c->n_sites ? k : 0) * c->n_neurons + b->local0;
    nmsim_block mb = {.n = b->n,
                      .state = b->state,
                      .input = in_ptr,
                      .step = s->step,
                      .dt_ms = s->scn->dt_ms,
                      .seed = s->scn->seed,
                      .pop_id = b->pop_id,
                      .first = b->first,
                      .aux = &b->pop->spikes,
                      .out_value = (m->flags & NMSIM_MODEL_GRADED) ? c->values : NULL};
    size_t ns = 0;
    m->update(b->derived, &mb, c->spikes, &ns);
    const double *val = mb.out_value;
    if (m->flags & NMSIM_MODEL_SOURCE) {
      /* Sources are not charged neuron updates: their spikes leave at once. */
      for (size_t k = 0; k < ns; k++) {
        uint32_t i = c->spikes[k];
        record_spike(s, b->pop_id, b->first + i);
        t = core_emit(s, c, b->local0 + i, t, val ? val[i] : 1.0);
      }
      continue;
    }
    uint64_t n_active = 0;
    size_t si = 0;
    const uint8_t *hi = c->had_input + b->local0;
    for (uint32_t i = 0; i < b->n; i++) {
      bool fired = si < ns && c->spikes[si] == i;
      bool active = fired || hi[i];
      n_active += active;
      t += active ? ch->neuron_active.time_ps : ch->neuron_idle.time_ps;
      if (fired) {
        si++;
        record_spike(s, b->pop_id, b->first + i);
        t = core_emit(s, c, b->local0 + i, t, val ? val[i] : 1.0);
      }
    }
    charge(s, c, NM_E_NEURON_UPDATE, n_active, ch->neuron_active.energy_pj);
    charge(s, c, NM_E_NEURON_IDLE, b->n - n_active, ch->neuron_idle.energy_pj);
  }
  sim_event done = {.time = t, .kind = SIM_EV_CORE_DONE, .dst = c->id, .src = c->id,
                    .seq = (uint32_t)s->step};
  sim_engine_schedule(e, &done);
}

void core_on_deliver(void *ctx, sim_engine *e, const sim_event *ev) {
  sys *s = ctx;
  sys_core *c = &s->cores[ev->dst];
  const chip_cost *op = &s->chip->syn_op;
  uint32_t axon = ev->data.u32[1];
  nmsim_ps lat = ev->time - ev->data.u64[1];
  if (lat / SYS_LAT_BIN_PS < SYS_LAT_BINS) s->lat_hist[lat / SYS_LAT_BIN_PS]++;
  else s->lat_overflow++;
  s->lat_sum_ps += (double)lat;
  if (lat > s->lat_max) s->lat_max = lat;

  uint32_t lo = c->row[axon], hi = c->row[axon + 1];
  nmsim_ps start = ev->time > c->syn_busy ? ev->time : c->syn_busy;
  c->syn_busy = start + (nmsim_ps)(hi - lo) * op->time_ps;
  charge(s, c, NM_E_SYN_OP, hi - lo, op->energy_pj);
  size_t nn = c->n_neurons, per_slot = (size_t)c->n_sites * nn;
  double value = ev->data.f64[2];
  if (value == 1.0) {
    for (uint32_t k = lo; k < hi; k++) {
      const sys_syn *y = &c->syn[k];
      uint32_t slot = (uint32_t)((s->step + y->delay) % c->ring);
      c->acc[slot * per_slot + (size_t)y->site * nn + y->tgt] += y->w;
    }
  } else {
    /* graded spike: each product is rounded on its own, so sums stay exact
     * and independent of arrival order */
    for (uint32_t k = lo; k < hi; k++) {
      const sys_syn *y = &c->syn[k];
      uint32_t slot = (uint32_t)((s->step + y->delay) % c->ring);
      c->acc[slot * per_slot + (size_t)y->site * nn + y->tgt] += llround((double)y->w * value);
    }
  }
  if (c->syn_busy > s->work_end) s->work_end = c->syn_busy;
  s->in_flight--;
  check_barrier(s, e);
}

void core_on_done(void *ctx, sim_engine *e, const sim_event *ev) {
  sys *s = ctx;
  s->cores_done++;
  if (ev->time > s->work_end) s->work_end = ev->time;
  check_barrier(s, e);
}

static void check_barrier(sys *s, sim_engine *e) {
  if (s->cores_done != s->n_used || s->in_flight != 0) return;
  s->cores_done++; /* the barrier of this step is on its way */
  nmsim_ps now = sim_engine_now(e);
  nmsim_ps t = (s->work_end > now ? s->work_end : now) + s->barrier_ps;
  double pj = s->chip->barrier_energy_pj_per_tile;
  sys_charge(&s->step_energy, NM_E_BARRIER, s->tiles_used, pj);
  sim_event ev = {.time = t, .kind = SIM_EV_BARRIER_DONE, .dst = s->unit_barrier,
                  .src = s->unit_barrier, .seq = (uint32_t)s->step};
  sim_engine_schedule(e, &ev);
}

void core_on_barrier_done(void *ctx, sim_engine *e, const sim_event *ev) {
  sys *s = ctx;
  nmsim_ps lat = ev->time - s->step_start;
  s->step_latency = lat;
  if (s->step == 0 || lat < s->step_min) s->step_min = lat;
  if (lat > s->step_max) s->step_max = lat;
  s->hw_time = ev->time;
  for (int k = 0; k < NM_E_COUNT; k++) {
    s->energy.n[k] += s->step_energy.n[k];
    s->energy.pj[k] += s->step_energy.pj[k];
  }
  for (size_t p = 0; p < s->scn->n_pops; p++) s->pop_total_spikes[p] += s->pop_nspikes[p];
  if (s->hook) {
    nmsim_err err = {0};
    if (s->hook(s->hook_ctx, s, &err) != NMSIM_OK) {
      sim_engine_fail(e, &err);
      return;
    }
  }
  memset(&s->step_energy, 0, sizeof s->step_energy);
  for (size_t p = 0; p < s->scn->n_pops; p++) s->pop_nspikes[p] = 0;
  s->step++;
  if (s->step >= s->scn->steps) {
    s->finished = true;
    sim_engine_stop(e);
    return;
  }
  core_start_step(s, ev->time);
}

nmsim_status core_start_step(sys *s, nmsim_ps t) {
  s->step_start = t;
  s->cores_done = 0;
  s->work_end = t;
  for (uint32_t i = 0; i < s->n_used; i++) {
    sim_event ev = {.time = t, .kind = SIM_EV_STEP_START, .dst = s->used[i],
                    .src = s->unit_barrier, .seq = (uint32_t)s->step};
    nmsim_status rc = sim_engine_schedule(s->eng, &ev);
    if (rc != NMSIM_OK) return rc;
  }
  return NMSIM_OK;
}
