/* neurocore.c: what every core type shares: the input ring (accumulated
 * synaptic input per step, in fixed point, converted once a step), applying
 * a row of synapses, updating the neurons of a core in order with their
 * active and idle times, recording spikes, and closing a step. A spike is
 * handed to the system's delivery path (s->path: NoC packets, direct
 * delivery, network-mode rows, another process), so nothing here knows the
 * run mode or the network. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cores/neurocore.h"
#include "sim/base/pool.h"


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

/* A block at least this large is updated by every thread of a pool (network
 * mode with threads); below it a job's start-up outweighs the share. */
#define SYS_PAR_MIN_NEURONS 16384

/* One update of a block cut over a pool's threads: part k updates the
 * neurons [lo_k, lo_{k+1}) as a view (like a run of per-neuron parameters)
 * and writes its spikes at spikes + lo_k, where no other part writes. */
typedef struct upd_job {
  const sys_block *b;
  const nmsim_block *whole;
  uint32_t *spikes;
  size_t cnt[256];
} upd_job;

/* The first neuron of part k of n: a multiple of 64, so the parts' state
 * never shares a cache line. */
static uint32_t part_lo(uint32_t n, unsigned k, unsigned parts) {
  if (k >= parts) return n;
  return (uint32_t)((uint64_t)n * k / parts) & ~(uint32_t)63;
}

static void upd_part(void *ctx, unsigned k, unsigned parts) {
  upd_job *j = ctx;
  uint32_t lo = part_lo(j->b->n, k, parts), hi = part_lo(j->b->n, k + 1, parts);
  j->cnt[k] = 0;
  if (lo >= hi) return;
  void *st[SYS_MAX_VARS];
  const double *in[SYS_MAX_SITES];
  sys_param_run r = {.off = lo, .n = hi - lo};
  nmsim_block v = sys_run_view(j->b, &r, j->whole, st, in);
  j->b->model->update(j->b->derived, &v, j->spikes + lo, &j->cnt[k]);
}

/* The update of block b (no per-neuron runs) on the pool's threads; the
 * spikes in increasing order at spikes[0..), as one thread gives them. */
static size_t update_parallel(nm_pool *pool, const sys_block *b, const nmsim_block *mb,
                              uint32_t *spikes) {
  upd_job j = {.b = b, .whole = mb, .spikes = spikes};
  unsigned parts = nm_pool_parts(pool);
  nm_pool_run(pool, upd_part, &j);
  size_t ns = 0;
  for (unsigned k = 0; k < parts; k++) {
    uint32_t lo = part_lo(b->n, k, parts);
    if (ns != lo) memmove(spikes + ns, spikes + lo, j.cnt[k] * sizeof *spikes);
    for (size_t i = 0; i < j.cnt[k]; i++) spikes[ns + i] += lo;
    ns += j.cnt[k];
  }
  return ns;
}

/* Counting the neurons of a block that had input up to a neuron, for the
 * time a spike leaves (timed mode): the bits of had_input from the block's
 * first neuron, a word at a time, as the spikes come in increasing order. */
typedef struct had_cursor {
  uint32_t word;  /* the next word of had_input not yet counted */
  uint64_t count; /* set bits from the block's first neuron to that word */
} had_cursor;

static inline had_cursor had_cursor_at(const sys_core *c, uint32_t first) {
  uint64_t below = ((uint64_t)1 << (first & 63)) - 1;
  had_cursor h = {.word = first >> 6};
  /* the bits below the first neuron are counted out in advance */
  h.count = -(uint64_t)__builtin_popcountll(c->had_input[h.word] & below);
  return h;
}

/* The block's neurons that had input from its first neuron through neuron
 * i (a local index; i never decreases between calls on one cursor). */
static inline uint64_t had_through(const sys_core *c, had_cursor *h, uint32_t i) {
  uint32_t w = i >> 6;
  for (; h->word < w; h->word++) h->count += (uint64_t)__builtin_popcountll(c->had_input[h->word]);
  uint64_t upto = (i & 63) == 63 ? ~(uint64_t)0 : ((uint64_t)2 << (i & 63)) - 1;
  return h->count + (uint64_t)__builtin_popcountll(c->had_input[w] & upto);
}

/* Count the spike for the step's raster and for bursts: a burst is a run of
 * two or more spikes of one neuron whose inter-spike intervals are all at
 * most burst_isi steps; it is counted at its second spike. */
void core_record_spike(sys *s, uint32_t pop, uint32_t index) {
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

void sys_charge_row(sys *s, sys_core *c, uint32_t lo, uint32_t hi, int cat, uint64_t u_syn,
                    uint64_t u_row, double pj_unit, nmsim_ps ps_syn, nmsim_ps ps_row) {
  uint64_t n = hi - lo;
  double pj = (double)(u_row + n * u_syn) * pj_unit;
  c->busy[SYS_BUSY_SYNAPSES] += ps_row + n * ps_syn;
  nm_energy_add(&c->energy, cat, n, pj);
  nm_energy_add(&s->step_energy, cat, n, pj);
  uint32_t pop = sys_local_pop(c, c->syn[lo].tgt);
  if (!c->mixed_rows) {
    nm_energy_add(&s->pop_energy[pop], cat, n, pj);
    s->pop_busy[pop] += ps_row + n * ps_syn;
    return;
  }
  /* consecutive synapses onto one population are charged together */
  nm_energy_add(&s->pop_energy[pop], cat, 0, (double)u_row * pj_unit);
  s->pop_busy[pop] += ps_row;
  for (uint32_t k = lo; k < hi;) {
    uint32_t end = k + 1;
    pop = sys_local_pop(c, c->syn[k].tgt);
    while (end < hi && sys_local_pop(c, c->syn[end].tgt) == pop) end++;
    nm_energy_add(&s->pop_energy[pop], cat, end - k, (double)((end - k) * u_syn) * pj_unit);
    s->pop_busy[pop] += (end - k) * ps_syn;
    k = end;
  }
}

/* Add the synapses of input axon `axon` of core c for a spike of graded
 * value `value` (1 for a plain spike) to the input of step s->step + delay. */
void core_apply_row(sys *s, sys_core *c, uint32_t axon, double value) {
  uint32_t lo = c->row[axon], hi = c->row[axon + 1];
  uint32_t nn = c->n_neurons;
  for (const sys_syn *y = c->syn + lo, *end = c->syn + hi; y < end; y++)
    core_acc_add(s, c, core_slot_after(c, y->delay), (uint32_t)y->site * nn + y->tgt,
                 syn_weight(y->w, value));
  if (hi > lo)
    sys_charge_row(s, c, lo, hi, NM_E_SYN_OP, 1, 0, s->chip->syn_op.energy_pj,
                   s->chip->syn_op.time_ps, 0);
}

nmsim_ps core_update(sys *s, sys_core *c, nmsim_ps t) {
  const core_emit_fn emit = s->path->emit;
  const bool timed = emit != NULL;
  c->upd_start = t;
  const nmsim_chip *ch = s->chip;
  uint32_t nh = core_take_input(c);
  const double *in_ptr[SYS_MAX_SITES];
  /* a PE under DVFS updates at its level's clock and energy per cycle */
  const chip_cost *ca = c->level ? &c->level->neuron_active : &ch->neuron_active;
  const chip_cost *ci = c->level ? &c->level->neuron_idle : &ch->neuron_idle;
  const nmsim_ps ta = ca->time_ps, ti = ci->time_ps;
  for (size_t bi = 0; bi < c->n_blocks; bi++) {
    sys_block *b = &c->blocks[bi];
    const nmsim_neuron_type *m = b->model;
    if (!b->in_var[0])
      for (uint32_t k = 0; k < SYS_MAX_SITES; k++)
        in_ptr[k] = c->input + (size_t)(k < c->n_sites ? k : 0) * c->n_neurons + b->local0;
    nmsim_block mb = {.n = b->n,
                      .state = b->state,
                      .input = b->in_var[0] ? NULL : in_ptr,
                      .step = s->step,
                      .dt_ms = s->dt_ms,
                      .seed = s->seed,
                      .pop_id = b->pop_id,
                      .first = b->first,
                      .aux = b->aux,
                      .out_value = (m->flags & NMSIM_MODEL_GRADED) ? c->values : NULL};
    size_t ns = 0;
    if (!b->n_runs && s->pool && !timed && b->n >= SYS_PAR_MIN_NEURONS) {
      ns = update_parallel(s->pool, b, &mb, c->spikes);
    } else if (!b->n_runs) {
      m->update(b->derived, &mb, c->spikes, &ns);
    } else { /* per-neuron parameters: each run with its constants */
      void *st[SYS_MAX_VARS];
      const double *in[SYS_MAX_SITES];
      for (uint32_t r = 0; r < b->n_runs; r++) {
        nmsim_block v = sys_run_view(b, &b->runs[r], &mb, st, in);
        size_t k = 0;
        m->update(b->runs[r].derived, &v, c->spikes + ns, &k);
        for (size_t j = 0; j < k; j++) c->spikes[ns + j] += b->runs[r].off;
        ns += k;
      }
    }
    const double *val = mb.out_value;
    bool source = m->flags & NMSIM_MODEL_SOURCE;
    nmsim_ps t0 = t, emit_time = 0; /* block start; time spent sending packets */
    uint32_t both = 0;
    had_cursor hc = had_cursor_at(c, b->local0);
    if (!timed) {
      /* no time passes: the block's spikes are recorded, then delivered in
       * one call (the path fetches the rows of later spikes ahead) */
      for (size_t k = 0; k < ns; k++) {
        both += sys_had(c, b->local0 + c->spikes[k]);
        core_record_spike(s, b->pop_id, b->first + c->spikes[k]);
      }
      if (ns) s->path->emit_block(s, c, bi, c->spikes, ns, val);
    }
    for (size_t k = 0; timed && k < ns; k++) {
      uint32_t i = c->spikes[k];
      both += sys_had(c, b->local0 + i);
      core_record_spike(s, b->pop_id, b->first + i);
      double v = val ? val[i] : 1.0;
      if (!source) emit_time += ch->spike.time_ps; /* the firing, before its packets */
      nmsim_ps at = t0 + emit_time;
      if (!source) {
        uint64_t active = had_through(c, &hc, b->local0 + i) + (k + 1) - both;
        at += (nmsim_ps)(i + 1) * ti + active * (ta - ti);
      }
      emit_time += emit(s, c, bi, i, at, v) - at;
    }
    if (source) {
      t = t0 + emit_time;
      s->pop_busy[b->pop_id] += emit_time;
      c->busy[SYS_BUSY_NEURONS] += emit_time;
      continue;
    }
    /* the firing's own cost (costs.spike); network mode counts no spike
     * generation, as it counts no messages */
    if (ns && ch->spike.energy_pj > 0 && !s->net)
      sys_charge_pop(s, c, b->pop_id, NM_E_SPIKE_OUT, ns, ch->spike.energy_pj);
    uint64_t n_active = b->n_had + ns - both;
    sys_charge_pop(s, c, b->pop_id, NM_E_NEURON_UPDATE, n_active, ca->energy_pj);
    sys_charge_pop(s, c, b->pop_id, NM_E_NEURON_IDLE, b->n - n_active, ci->energy_pj);
    t = t0 + (nmsim_ps)b->n * ti + n_active * (ta - ti) + emit_time;
    s->pop_busy[b->pop_id] += t - t0;
    c->busy[SYS_BUSY_NEURONS] += t - t0;
  }
  core_clear_input(c, nh);
  c->upd_end = t;
  if (t > c->work_end) c->work_end = t;
  return t;
}

void core_crit_barrier(const sys *s, uint64_t *key, nmsim_ps *compute) {
  *key = 0;
  *compute = 0;
  if (s->n_cores > 0xFFFFFu) return; /* beyond the key's core field: not tracked */
  for (uint32_t u = 0; u < s->n_used; u++) {
    const sys_core *c = &s->cores[s->used[u]];
    if (!sys_core_here(s, c->id)) continue;
    nmsim_ps rel = c->work_end > s->step_start ? c->work_end - s->step_start : 0;
    uint64_t k = sys_crit_key(rel, c->id, c->work_end > c->upd_end);
    if (k > *key) *key = k;
    if (c->upd_end > s->step_start && c->upd_end - s->step_start > *compute)
      *compute = c->upd_end - s->step_start;
  }
}

/* record.timeline: this step's row of every used core this process holds,
 * when the step lies in the window; the synapse time and packets of the
 * next step count from here. */
static void core_timeline(sys *s) {
  bool in = s->step >= s->tl_first && s->step < s->tl_end;
  uint64_t *row = in ? s->tl + (size_t)(s->step - s->tl_first) * s->n_used * TL_FIELDS : NULL;
  for (uint32_t u = 0; u < s->n_used; u++) {
    const sys_core *c = &s->cores[s->used[u]];
    if (!sys_core_here(s, c->id)) continue;
    if (row) {
      uint64_t *r = row + (size_t)u * TL_FIELDS;
      r[TL_UPD_START] = c->upd_start;
      r[TL_UPD_END] = c->upd_end;
      r[TL_WORK_END] = c->work_end > c->upd_end ? c->work_end : c->upd_end;
      r[TL_SYN_PS] = c->busy[SYS_BUSY_SYNAPSES] - s->tl_syn0[u];
      r[TL_LEARN_PS] = c->busy[SYS_BUSY_LEARNING] - s->tl_learn0[u];
      r[TL_PACKETS] = c->rx_packets - s->tl_rx0[u];
    }
    s->tl_syn0[u] = c->busy[SYS_BUSY_SYNAPSES];
    s->tl_learn0[u] = c->busy[SYS_BUSY_LEARNING];
    s->tl_rx0[u] = c->rx_packets;
  }
}

/* The step's critical path from s->crit_key, crit_compute and crit_learn
 * (set by the core type, reduced over the processes), for a step of
 * latency lat. */
static void core_crit_close(sys *s, nmsim_ps lat) {
  s->step_crit = UINT32_MAX;
  s->step_crit_comm = false;
  memset(s->step_split, 0, sizeof s->step_split);
  if (s->crit_key) {
    nmsim_ps rel = s->crit_key >> 21;
    uint32_t cc = sys_crit_core(s->crit_key);
    s->step_crit = cc;
    s->step_crit_comm = s->crit_key & 1;
    nmsim_ps comp = s->crit_compute < rel ? s->crit_compute : rel;
    s->step_split[RUN_SPLIT_COMPUTE] = comp;
    s->step_split[RUN_SPLIT_COMM] = rel - comp;
    s->step_split[RUN_SPLIT_LEARN] = s->crit_learn;
    s->step_split[RUN_SPLIT_SYNC] = lat > rel + s->crit_learn ? lat - rel - s->crit_learn : 0;
    if (cc < s->n_cores && sys_core_here(s, cc)) {
      s->cores[cc].crit_steps++;
      s->cores[cc].crit_comm_steps += s->step_crit_comm;
    }
    for (int k = 0; k < 4; k++) s->split_sum[k] += s->step_split[k];
    s->crit_tracked++;
  }
  s->crit_key = 0;
  s->crit_compute = s->crit_learn = 0;
}


bool core_end_step(sys *s, nmsim_ps from, nmsim_ps lat, nmsim_ps end, nmsim_ps work,
                   nmsim_err *err) {
  if (s->path->fold_hops) s->path->fold_hops(s);
  s->step_latency = lat;
  core_crit_close(s, lat);
  /* the step's work, [from, from + work), counted where no earlier step's was */
  nmsim_ps to = from + work;
  if (from < s->busy_until) from = s->busy_until;
  if (to > from) s->busy_ps += to - from;
  if (to > s->busy_until) s->busy_until = to;
  s->lat_steps_ps += lat;
  if (s->step == 0 || lat < s->step_min) s->step_min = lat;
  if (lat > s->step_max) s->step_max = lat;
  if (end > s->hw_time) s->hw_time = end;
  /* the window's energy: the step's dynamic energy (summed over every rank
   * when partitioned) and static power over its hardware time, in real time
   * at least the pacing period */
  nmsim_ps span = lat > s->pace_ps ? lat : s->pace_ps;
  double window = s->static_mw * (double)span * 1e-3;
  if (s->dvfs) {
    /* PEs under DVFS: each at its level's static power over the step's span
     * (the tick, or longer when the step overran) */
    const chip_pe *pc = &s->chip->pe;
    double pe_pj = 0;
    for (uint32_t l = 0; l < pc->n_levels; l++) {
      pe_pj += (double)s->step_level_ticks[l] * pc->level[l].static_mw * (double)span * 1e-3;
      s->level_ticks[l] += s->step_level_ticks[l];
      s->step_level_ticks[l] = 0;
    }
    s->dvfs_static_pj += pe_pj;
    window += pe_pj;
  }
  for (int k = 0; k < NM_E_COUNT; k++) window += s->step_energy.pj[k];
  if (window > s->window_max_pj) s->window_max_pj = window;
  /* the trial this step belongs to, if any (trials follow one another) */
  while (s->trial_cur < s->n_trials &&
         s->step >= s->trial_start[s->trial_cur] + s->trial_len[s->trial_cur])
    s->trial_cur++;
  if (s->trial_cur < s->n_trials && s->step >= s->trial_start[s->trial_cur]) {
    s->trial_pj[s->trial_cur] += window;
    s->trial_ps[s->trial_cur] += span;
    s->trial_done[s->trial_cur]++;
  }
  /* pJ / ps = W */
  if (span && window / (double)span * 1e3 > s->power_max_mw)
    s->power_max_mw = window / (double)span * 1e3;
  if (s->win_ps && s->path->fold_window) s->path->fold_window(s, span);
  if (s->tl) core_timeline(s);
  nm_energy_merge(&s->energy, &s->step_energy);
  for (size_t p = 0; p < s->n_pops; p++) s->pop_total_spikes[p] += s->pop_nspikes[p];
  if (s->hook && s->hook(s->hook_ctx, s, err) != NMSIM_OK) return false;
  memset(&s->step_energy, 0, sizeof s->step_energy);
  for (size_t p = 0; p < s->n_pops; p++) s->pop_nspikes[p] = 0;
  sys_next_step(s);
  return true;
}

bool core_close_step(sys *s, nmsim_ps t, nmsim_err *err) {
  nmsim_ps end = t;
  if (s->pace_ps) {
    nmsim_ps due = (s->step + 1) * s->pace_ps;
    if (t > due) s->tick_overruns++;
    else end = due;
  }
  return core_end_step(s, s->step_start, t - s->step_start, end, t - s->step_start, err);
}

void sys_next_step(sys *s) {
  s->step++;
  /* every core's slot of the new step (no division where rows are applied) */
  for (uint32_t i = 0; i < s->n_cores; i++) {
    sys_core *c = &s->cores[i];
    if (++c->ring_now >= c->ring) c->ring_now = 0;
  }
}




