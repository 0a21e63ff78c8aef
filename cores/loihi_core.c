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
#include <stdlib.h>
#include <string.h>

#include "sim/system/system_int.h"

static void charge(sys *s, sys_core *c, int cat, uint64_t n, double pj) {
  sys_charge(&c->energy, cat, n, pj);
  sys_charge(&s->step_energy, cat, n, pj);
}

static void check_barrier(sys *s, sim_engine *e);

/* How many entries of a touched list ahead core_take_input fetches (on
 * cores of at least SYS_INPUT_FETCH_MIN neurons). */
#define TAKE_AHEAD 16

/* Start loading what core_take_input reads and writes for entry idx of the
 * accumulators acc: the entry, and the input it goes to. Both lie anywhere
 * in arrays of the core's size (tens of MB in a network-mode population of
 * 1M), and without this each entry waited for two loads from memory. */
/* The block, local neuron and site of accumulator entry idx (site *
 * n_neurons + local; few sites). A core of one block (a network-mode
 * population) needs no lookup in the block map. */
static inline sys_block *entry_block(const sys_core *c, uint32_t idx, uint32_t *local,
                                     uint32_t *site) {
  uint32_t nn = c->n_neurons, l = idx, k = 0;
  while (l >= nn) l -= nn, k++;
  *local = l, *site = k;
  return &c->blocks[c->n_blocks == 1 ? 0 : c->block_of[l]];
}

SYS_PREFETCH_FN take_prefetch(const sys_core *c, const int64_t *acc, uint32_t idx) {
  uint32_t local, site;
  const sys_block *b = entry_block(c, idx, &local, &site);
  __builtin_prefetch(&acc[idx], 1);
  if (b->in_var[site]) __builtin_prefetch(&b->in_var[site][local - b->local0], 1);
  else __builtin_prefetch(&c->input[idx], 1);
}

/* Convert the entries of this step's ring slot that received input into the
 * models' input and clear them; fills had_input/had_list. Returns how many
 * locals had input. */
static uint32_t core_take_input(sys_core *c) {
  size_t nn = c->n_neurons;
  uint32_t slot = c->ring_now;
  int64_t *acc = c->acc + (size_t)slot * c->n_sites * nn;
  const uint32_t *tl = c->touched[slot];
  uint32_t nh = 0, n = c->n_touched[slot];
  uint32_t fetch_end = nn >= SYS_INPUT_FETCH_MIN && n > TAKE_AHEAD ? n - TAKE_AHEAD : 0;
  for (uint32_t k = 0; k < n; k++) {
    if (k < fetch_end) take_prefetch(c, acc, tl[k + TAKE_AHEAD]);
    uint32_t idx = tl[k], local, site;
    if (!acc[idx]) continue; /* cancelled to zero, or listed twice */
    sys_block *b = entry_block(c, idx, &local, &site);
    double x = (double)acc[idx] * b->inv_scale;
    if (b->in_var[site]) b->in_var[site][local - b->local0] += x;
    else c->input[idx] = x;
    acc[idx] = 0;
    uint64_t *hw = &c->had_input[local >> 6], bit = (uint64_t)1 << (local & 63);
    if (!(*hw & bit)) {
      *hw |= bit;
      c->had_list[nh++] = local;
      b->n_had++;
    }
  }
  return nh;
}

/* Undo core_take_input once the models have read their input. */
static void core_clear_input(sys_core *c, uint32_t nh) {
  uint32_t slot = c->ring_now;
  const uint32_t *tl = c->touched[slot];
  if (c->input)
    for (uint32_t k = 0, n = c->n_touched[slot]; k < n; k++) c->input[tl[k]] = 0.0;
  c->n_touched[slot] = 0;
  for (uint32_t k = 0; k < nh; k++) c->had_input[c->had_list[k] >> 6] = 0;
  for (size_t b = 0; b < c->n_blocks; b++) c->blocks[b].n_had = 0;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
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

bool core_touch_reserve(sys *s, sys_core *c, uint32_t slot, uint32_t more) {
  uint64_t need = (uint64_t)c->n_touched[slot] + more;
  if (NMSIM_LIKELY(need <= c->cap_touched[slot])) return true;
  uint64_t ncap = c->cap_touched[slot] ? c->cap_touched[slot] : 64;
  while (ncap < need) ncap *= 2;
  uint32_t *nt = ncap <= UINT32_MAX ? nm_realloc(c->touched[slot], ncap * sizeof *nt) : NULL;
  if (!nt) {
    if (s->eng) sim_engine_fail_oom(s->eng);
    else s->oom = true;
    return false;
  }
  c->touched[slot] = nt;
  c->cap_touched[slot] = (uint32_t)ncap;
  return true;
}

void core_touch(sys *s, sys_core *c, uint32_t slot, uint32_t idx) {
  if (NMSIM_UNLIKELY(c->n_touched[slot] == c->cap_touched[slot]) &&
      !core_touch_reserve(s, c, slot, 1))
    return;
  c->touched[slot][c->n_touched[slot]++] = idx;
}

/* Add the synapses of input axon `axon` of core c for a spike of graded
 * value `value` (1 for a plain spike) to the input of step s->step + delay. */
void core_apply_row(sys *s, sys_core *c, uint32_t axon, double value) {
  uint32_t lo = c->row[axon], hi = c->row[axon + 1];
  uint32_t nn = c->n_neurons;
  for (const sys_syn *y = c->syn + lo, *end = c->syn + hi; y < end; y++)
    core_acc_add(s, c, core_slot_after(c, y->delay), (uint32_t)y->site * nn + y->tgt,
                 syn_weight(y->w, value));
  charge(s, c, NM_E_SYN_OP, hi - lo, s->chip->syn_op.energy_pj);
}

/* Functional mode: the spike of local neuron j goes straight to the input
 * rings of its destination cores (no packets, no time). */
static void core_emit_direct(sys *s, sys_core *c, uint32_t j, double value) {
  const chip_cost *so = &s->chip->spike_out;
  uint32_t k0 = c->out_ptr[j], k1 = c->out_ptr[j + 1];
  for (uint32_t k = k0; k < k1 && k < k0 + 2 * SYS_ROW_AHEAD; k++) sys_prefetch_row_index(s, &c->out[k]);
  for (uint32_t k = k0; k < k1; k++) {
    /* The rows of a spike's destinations are scattered over the cores: load
     * the row index of the destination 2 AHEAD on and the synapses of the one
     * AHEAD on (its index loaded by now) while this one is applied. */
    if (k + 2 * SYS_ROW_AHEAD < k1) sys_prefetch_row_index(s, &c->out[k + 2 * SYS_ROW_AHEAD]);
    if (k + SYS_ROW_AHEAD < k1) sys_prefetch_row(s, &c->out[k + SYS_ROW_AHEAD]);
    charge(s, c, NM_E_SPIKE_OUT, 1, so->energy_pj);
    s->packets++;
    uint32_t d = c->out[k].core;
    if (NMSIM_UNLIKELY(!sys_core_here(s, d))) {
      part_defer_spike(s, c->id, j, d, value); /* another process applies it */
      continue;
    }
    core_apply_row(s, &s->cores[d], c->out[k].axon, value);
  }
}

/* Update the neurons of core c for step s->step, starting at hardware time
 * t; every spike is recorded and sent (as packets when timed, straight to its
 * targets otherwise). The core updates its neurons in order, each taking the
 * active time (it had input or spikes) or the idle time, and sends a spike's
 * packets when its neuron's update ends, so spike k at index i of a block
 * leaves at t_block + (i+1) t_idle + A(i) (t_active - t_idle) + the packet
 * time so far, A(i) being the active neurons up to i. The work is the models'
 * update plus what is proportional to input and spikes. Returns the time the
 * updates end. */
/* Loihi-like emission: one packet per destination core. */
static nmsim_ps core_emit_packets(sys *s, sys_core *c, size_t bi, uint32_t i, nmsim_ps t,
                                  double value) {
  return core_emit(s, c, c->blocks[bi].local0 + i, t, value);
}

nmsim_ps core_update(sys *s, sys_core *c, nmsim_ps t, core_emit_fn emit) {
  bool timed = emit != NULL;
  const nmsim_chip *ch = s->chip;
  uint32_t nh = core_take_input(c);
  if (timed && nh > 1) qsort(c->had_list, nh, sizeof *c->had_list, cmp_u32);
  const double *in_ptr[SYS_MAX_SITES];
  const nmsim_ps ta = ch->neuron_active.time_ps, ti = ch->neuron_idle.time_ps;
  uint32_t hk = 0; /* next entry of the sorted had_list (timed mode) */
  for (size_t bi = 0; bi < c->n_blocks; bi++) {
    sys_block *b = &c->blocks[bi];
    const nmsim_neuron_type *m = b->pop->model;
    if (!b->in_var[0])
      for (uint32_t k = 0; k < SYS_MAX_SITES; k++)
        in_ptr[k] = c->input + (size_t)(k < c->n_sites ? k : 0) * c->n_neurons + b->local0;
    nmsim_block mb = {.n = b->n,
                      .state = b->state,
                      .input = b->in_var[0] ? NULL : in_ptr,
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
    bool source = m->flags & NMSIM_MODEL_SOURCE;
    nmsim_ps t0 = t, emit_time = 0; /* block start; time spent sending packets */
    uint32_t hk0 = hk, both = 0;
    for (size_t k = 0; k < ns; k++) {
      uint32_t i = c->spikes[k];
      both += sys_had(c, b->local0 + i);
      record_spike(s, b->pop_id, b->first + i);
      double v = val ? val[i] : 1.0;
      if (!timed) {
        if (s->net) {
          if (k + 8 < ns) net_prefetch(s, b->pop_id, b->first + c->spikes[k + 8], 0);
          if (k + 4 < ns) net_prefetch(s, b->pop_id, b->first + c->spikes[k + 4], 1);
          if (k + 1 < ns) net_prefetch(s, b->pop_id, b->first + c->spikes[k + 1], 2);
          net_emit(s, b->pop_id, b->first + i, v);
        }
        else {
          core_emit_direct(s, c, b->local0 + i, v);
        }
        continue;
      }
      nmsim_ps at = t0 + emit_time;
      if (!source) {
        while (hk < nh && c->had_list[hk] <= b->local0 + i) hk++;
        uint64_t active = (hk - hk0) + (k + 1) - both;
        at += (nmsim_ps)(i + 1) * ti + active * (ta - ti);
      }
      emit_time += emit(s, c, bi, i, at, v) - at;
    }
    if (source) {
      t = t0 + emit_time;
      continue;
    }
    uint64_t n_active = b->n_had + ns - both;
    charge(s, c, NM_E_NEURON_UPDATE, n_active, ch->neuron_active.energy_pj);
    charge(s, c, NM_E_NEURON_IDLE, b->n - n_active, ch->neuron_idle.energy_pj);
    t = t0 + (nmsim_ps)b->n * ti + n_active * (ta - ti) + emit_time;
    if (timed)
      while (hk < nh && c->had_list[hk] < b->local0 + b->n) hk++;
  }
  core_clear_input(c, nh);
  return t;
}

void core_on_step_start(void *ctx, sim_engine *e, const sim_event *ev) {
  sys *s = ctx;
  sys_core *c = &s->cores[ev->dst];
  nmsim_ps t = core_update(s, c, ev->time, core_emit_packets);
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
  uint32_t n = c->row[axon + 1] - c->row[axon];
  nmsim_ps start = ev->time > c->syn_busy ? ev->time : c->syn_busy;
  c->syn_busy = start + (nmsim_ps)n * op->time_ps;
  core_apply_row(s, c, axon, ev->data.f64[2]);
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
  /* split over processes, the counts are partial: sim/mpi/prun.c ends the step */
  if (s->part || s->cores_done != s->n_used || s->in_flight != 0) return;
  s->cores_done++; /* the barrier of this step is on its way */
  nmsim_ps now = sim_engine_now(e);
  /* every spike of the step is known: the learning phase, then the barrier */
  nmsim_ps learn = sys_learn(s);
  nmsim_ps t = (s->work_end > now ? s->work_end : now) + learn + s->barrier_ps;
  double pj = s->chip->barrier_energy_pj_per_tile;
  sys_charge(&s->step_energy, NM_E_BARRIER, s->tiles_used, pj);
  sim_event ev = {.time = t, .kind = SIM_EV_BARRIER_DONE, .dst = s->unit_barrier,
                  .src = s->unit_barrier, .seq = (uint32_t)s->step};
  sim_engine_schedule(e, &ev);
}

/* Close step s->step, which ended at hardware time t: its latency, totals,
 * the step hook. Returns false on failure (err set). */
bool core_close_step(sys *s, nmsim_ps t, nmsim_err *err) {
  noc_fold_step_hops(s);
  nmsim_ps lat = t - s->step_start;
  s->step_latency = lat;
  if (s->step == 0 || lat < s->step_min) s->step_min = lat;
  if (lat > s->step_max) s->step_max = lat;
  s->hw_time = t;
  /* the window's energy: the step's dynamic energy (summed over every rank
   * when partitioned) and static power over its hardware time */
  double window = s->chip->static_power_mw * s->n_chips * (double)lat * 1e-3;
  for (int k = 0; k < NM_E_COUNT; k++) window += s->step_energy.pj[k];
  if (window > s->window_max_pj) s->window_max_pj = window;
  nm_energy_merge(&s->energy, &s->step_energy);
  for (size_t p = 0; p < s->scn->n_pops; p++) s->pop_total_spikes[p] += s->pop_nspikes[p];
  if (s->hook && s->hook(s->hook_ctx, s, err) != NMSIM_OK) return false;
  memset(&s->step_energy, 0, sizeof s->step_energy);
  for (size_t p = 0; p < s->scn->n_pops; p++) s->pop_nspikes[p] = 0;
  sys_next_step(s);
  return true;
}

void sys_next_step(sys *s) {
  s->step++;
  /* every core's slot of the new step (no division where rows are applied) */
  for (uint32_t i = 0; i < s->n_cores; i++) {
    sys_core *c = &s->cores[i];
    if (++c->ring_now >= c->ring) c->ring_now = 0;
  }
}

void core_on_barrier_done(void *ctx, sim_engine *e, const sim_event *ev) {
  sys *s = ctx;
  nmsim_err err = {0};
  if (!core_close_step(s, ev->time, &err)) {
    sim_engine_fail(e, &err);
    return;
  }
  if (s->step >= s->scn->steps) {
    s->finished = true;
    sim_engine_stop(e);
    return;
  }
  core_start_step(s, ev->time);
}

nmsim_status core_run_functional(sys *s, nmsim_err *err) {
  s->step_start = 0;
  while (s->step < s->scn->steps) {
    for (uint32_t i = 0; i < s->n_used; i++) core_update(s, &s->cores[s->used[i]], 0, NULL);
    if (s->oom) return NMSIM_ENOMEM_ERR(err);
    sys_learn(s);
    if (!core_close_step(s, 0, err)) return err->code ? err->code : NMSIM_EINTERNAL;
  }
  s->finished = true;
  return NMSIM_OK;
}

void core_record_spike(sys *s, uint32_t pop, uint32_t index) { record_spike(s, pop, index); }

nmsim_status core_start_step(sys *s, nmsim_ps t) {
  s->step_start = t;
  s->cores_done = 0;
  s->work_end = t;
  for (uint32_t i = 0; i < s->n_used; i++) {
    if (!sys_core_here(s, s->used[i])) continue;
    sim_event ev = {.time = t, .kind = SIM_EV_STEP_START, .dst = s->used[i],
                    .src = s->unit_barrier, .seq = (uint32_t)s->step};
    nmsim_status rc = sim_engine_schedule(s->eng, &ev);
    if (rc != NMSIM_OK) return rc;
  }
  return NMSIM_OK;
}
