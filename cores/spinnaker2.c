/* spinnaker2.c: a SpiNNaker 2-like processing element: software on a
 * clocked processor, driven by its own periodic timer tick, with no barrier.
 *
 * TIMING. PE p's tick k fires at nominal time phase_p + k * tick (phase_p =
 * (p's index on its chip * pe.tick_offset) mod tick; 0 by default, as the
 * SpiNNaker tools start every core on one sync signal). The PE is a single
 * processor serving its work in arrival order: a tick's neuron updates (one
 * per neuron, pe.cycles.neuron_update or neuron_idle at the PE clock, a
 * multicast packet sent when a spiking neuron's update ends), and every
 * received packet (pe.cycles.packet for the interrupt, row lookup and DMA,
 * plus pe.cycles.synapse per synapse of the row). Energy is cycles x
 * pe.energy_per_cycle, charged to the categories of the Loihi-like core: a
 * received packet's cycles (its lookup and its synapses) to synaptic_op,
 * counted as its synapses, so synaptic_op's energy per count includes the
 * per-packet overhead. A spike goes to every PE on its block's multicast
 * tree, also to PEs where that neuron has no synapse (they pay the lookup
 * only), as on SpiNNaker, where routes cover a whole source block.
 *
 * OVERRUNS. When a tick's timer fires while the PE is still busy (with the
 * previous tick's updates or with packets that arrived before it), the tick's
 * work did not fit in its tick: the overrun is counted and the tick's update
 * starts late, when the PE becomes free, as the queued timer callback of real
 * SpiNNaker software would. Ticks are never skipped; the lag lasts until idle
 * time absorbs it. Work of the last tick that runs past the run's end counts
 * as an overrun too.
 *
 * LATE PACKETS. A packet carries its source tick k; a synapse of delay d adds
 * its weight to the input of tick k + d, exactly as the Loihi-like core does,
 * so the models and results are shared. A packet whose processing ends after
 * its target tick has started (that tick has already read its input) is late:
 * it is counted, and its weight goes to the earliest tick that has not yet
 * started, so it arrives later than the network asked. Late packets are the
 * one way the SpiNNaker-like chip's timing changes the spikes.
 *
 * STEPS. Ticks are not synchronised, but nominal tick times keep their order
 * (every phase lies within one tick), so every PE handles tick k before any
 * handles tick k + 1. Step k closes (totals, learning phase, step hook) when
 * the first PE's tick k + 1 fires, or when the last packet is processed for
 * the last step. Its latency is the longest tick among the PEs: from a PE's
 * actual start of tick k to the start of its tick k + 1 (the later of its
 * nominal time and the end of the work the PE holds when the step closes). */
#include <math.h>
#include <string.h>

#include "cores/core_type.h"
#include "cores/learning.h"
#include "cores/neurocore.h"

typedef struct spin_pe {
  nmsim_ps phase;       /* nominal start of tick 0 */
  nmsim_ps start;       /* actual start of the current tick's update */
  nmsim_ps busy;        /* the processor is busy until */
  uint64_t next_tick;   /* ticks started: the first tick whose input is still open */
  uint64_t rx_cycles;   /* DVFS load: cycles of the packets received since the last tick */
} spin_pe;

/* The PEs' state (s->core_state): one per core of the board. */
static inline spin_pe *pes_of(const sys *s) { return s->core_state; }

/* Time of n cycles at clock hz, rounded to the nearest ps. */
static nmsim_ps pe_cycles_ps(double hz, uint64_t n) {
  return (nmsim_ps)floor((double)n * 1e12 / hz + 0.5);
}

/* DVFS, policy load: the level of PE c for the tick starting now. The tick's
 * work is predicted as every neuron's update at its dearer cost plus the
 * cycles of the packets received since the last tick (spikes come in
 * bursts a tick apart); the level is the slowest that does it within
 * headroom x tick, else the fastest. */
static const chip_pe_level *pe_choose_level(const sys *s, const sys_core *c, const spin_pe *pe) {
  const chip_pe *pc = &s->chip->pe;
  uint64_t cyc = pe->rx_cycles;
  uint32_t per = pc->cyc_neuron > pc->cyc_idle ? pc->cyc_neuron : pc->cyc_idle;
  for (size_t b = 0; b < c->n_blocks; b++)
    if (!(c->blocks[b].model->flags & NMSIM_MODEL_SOURCE)) cyc += (uint64_t)c->blocks[b].n * per;
  double budget_s = s->dvfs_headroom * (double)s->tick_ps * 1e-12;
  for (uint32_t l = 0; l < pc->n_levels; l++)
    if ((double)cyc <= budget_s * pc->level[l].clock_hz) return &pc->level[l];
  return &pc->level[pc->n_levels - 1];
}

static nmsim_status pe_build(sys *s, nmsim_err *err) {
  spin_pe *pes = nm_calloc(s->n_cores ? s->n_cores : 1, sizeof *pes);
  if (!pes) return NMSIM_ENOMEM_ERR(err);
  s->core_state = pes;
  const chip_pe *pc = &s->chip->pe;
  uint32_t per_chip = chip_n_cores(s->chip);
  nmsim_ps step = pc->tick_offset_ps % s->tick_ps, phase = 0;
  for (uint32_t i = 0; i < s->n_cores; i++) {
    if (i % per_chip == 0) phase = 0;
    pes[i].phase = phase;
    phase = (phase + step) % s->tick_ps;
  }
  return NMSIM_OK;
}

static void pe_destroy(sys *s) {
  nm_free(s->core_state);
  s->core_state = NULL;
}

/* ---- a tick ---------------------------------------------------------------- */

/* Update every neuron of core c for tick s->step from time t, with the shared
 * core update (neurons in order, each its active or idle time; a spike leaves
 * when its neuron's update ends, as one multicast packet keyed by its block).
 * Returns the end of the updates. */
static nmsim_ps pe_update(sys *s, sys_core *c, nmsim_ps t) { return core_update(s, c, t); }

/* The timing of step s->step from the PEs this process holds (see STEPS
 * above): *lat the longest tick, *end the latest start of a next tick, *work
 * the longest a PE has computed in the tick (from its update's start to the
 * end of the work it holds when the step closes). */
static void pe_step_timing(const sys *s, nmsim_ps *lat, nmsim_ps *end, nmsim_ps *work) {
  uint64_t k = s->step;
  *lat = *end = *work = 0;
  for (uint32_t u = 0; u < s->n_used; u++) {
    if (!sys_core_here(s, s->used[u])) continue;
    const spin_pe *pe = &pes_of(s)[s->used[u]];
    nmsim_ps next = pe->phase + (k + 1) * s->tick_ps;
    if (pe->busy > next) next = pe->busy;
    if (next - pe->start > *lat) *lat = next - pe->start;
    if (next > *end) *end = next;
    if (pe->busy > pe->start && pe->busy - pe->start > *work) *work = pe->busy - pe->start;
  }
}

/* The critical path of step s->step over the PEs this process holds: the PE
 * whose tick's work (from its update's start to the end of the work it
 * holds) is longest, and whether packets after its updates made it so. */
static void pe_critical(const sys *s, uint64_t *key, nmsim_ps *compute) {
  *key = 0;
  *compute = 0;
  if (s->n_cores > 0xFFFFFu) return;
  for (uint32_t u = 0; u < s->n_used; u++) {
    if (!sys_core_here(s, s->used[u])) continue;
    const sys_core *c = &s->cores[s->used[u]];
    const spin_pe *pe = &pes_of(s)[s->used[u]];
    nmsim_ps work = pe->busy > pe->start ? pe->busy - pe->start : 0;
    uint64_t k = sys_crit_key(work, c->id, pe->busy > c->upd_end);
    if (k > *key) *key = k;
    if (c->upd_end > pe->start && c->upd_end - pe->start > *compute)
      *compute = c->upd_end - pe->start;
  }
}

/* Close step s->step, whose learning phase has run, with its timing over all
 * PEs. Returns false on failure (err set). */
static bool pe_end_step(sys *s, nmsim_ps lat, nmsim_ps end, nmsim_ps work, nmsim_err *err) {
  if (!s->n_used) lat = s->tick_ps, end = (s->step + 1) * s->tick_ps, work = 0;
  /* the step's work from the start of the tick that lasted longest */
  return core_end_step(s, end > lat ? end - lat : 0, lat, end, work, err);
}

/* Close step s->step in one process: its timing, the learning phase on the
 * step's spikes (its PE cycles are not modelled: the chip's synaptic update
 * cost is 0), then the totals. */
static bool pe_close_step(sys *s, nmsim_err *err) {
  nmsim_ps lat, end, work;
  pe_step_timing(s, &lat, &end, &work);
  pe_critical(s, &s->crit_key, &s->crit_compute);
  sys_learn(s);
  return pe_end_step(s, lat, end, work, err);
}

static nmsim_ps pe_close_time(const sys *s, uint64_t k) {
  nmsim_ps t = UINT64_MAX;
  for (uint32_t u = 0; u < s->n_used; u++) {
    nmsim_ps at = pes_of(s)[s->used[u]].phase + (k + 1) * s->tick_ps;
    if (at < t) t = at;
  }
  return t;
}

static void pe_on_tick(void *ctx, sim_engine *e, const sim_event *ev) {
  sys *s = ctx;
  uint64_t k = ev->data.u64[0];
  if (k > s->step) {
    nmsim_err err = {0};
    if (!pe_close_step(s, &err)) {
      sim_engine_fail(e, &err);
      return;
    }
  }
  if (NEVER(k != s->step)) NMSIM_PANIC("PE %u: tick %llu during step %llu", ev->dst,
                                      (unsigned long long)k, (unsigned long long)s->step);
  sys_core *c = &s->cores[ev->dst];
  spin_pe *pe = &pes_of(s)[ev->dst];
  nmsim_ps start = ev->time;
  if (pe->busy > start) {
    s->tick_overruns++;
    start = pe->busy;
  }
  if (c->level) {
    const chip_pe *pc = &s->chip->pe;
    if (s->dvfs == SYS_DVFS_LOAD) {
      const chip_pe_level *lv = pe_choose_level(s, c, pe);
      if (lv != c->level) {
        s->dvfs_switches++;
        start += pc->switch_ps; /* the PE stalls while its supply and clock settle */
        c->level = lv;
      }
      pe->rx_cycles = 0;
    }
    s->step_level_ticks[c->level - pc->level]++;
  }
  pe->start = start;
  pe->next_tick = k + 1;
  pe->busy = pe_update(s, c, start);
  if (k + 1 < s->steps) {
    sim_event nx = {.time = pe->phase + (k + 1) * s->tick_ps, .kind = SIM_EV_PE_TICK,
                    .dst = ev->dst, .src = ev->dst, .seq = (uint32_t)(k + 1)};
    nx.data.u64[0] = k + 1;
    sim_engine_schedule(e, &nx);
  }
}

/* ---- a received packet ----------------------------------------------------- */

/* Input axon of core c for routing key, or UINT32_MAX (no synapses here). */
static uint32_t pe_find_axon(const sys_core *c, uint32_t key) {
  const uint32_t *keys = c->rx_key;
  uint32_t lo = 0, hi = c->n_axons;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (keys[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo < c->n_axons && keys[lo] == key ? lo : UINT32_MAX;
}

static void pe_on_deliver(void *ctx, sim_engine *e, const sim_event *ev) {
  sys *s = ctx;
  (void)e;
  sys_core *c = &s->cores[ev->dst];
  spin_pe *pe = &pes_of(s)[ev->dst];
  const chip_pe *pc = &s->chip->pe;
  nmsim_ps lat = ev->time - ev->data.u64[1];
  sys_lat_record(s, lat);
  s->in_flight--;

  /* the source tick from its low 32 bits: the source is never ahead of this
   * PE's next tick, and never 2^32 ticks behind */
  uint32_t back = (uint32_t)pe->next_tick - ev->data.u32[1];
  if (NEVER(back > pe->next_tick)) return;
  uint64_t k_src = pe->next_tick - back;
  uint32_t axon = pe_find_axon(c, ev->data.u32[0]);
  uint32_t lo = 0, hi = 0;
  if (axon != UINT32_MAX) lo = c->row[axon], hi = c->row[axon + 1];
  uint64_t cycles = pc->cyc_packet + (uint64_t)(hi - lo) * pc->cyc_synapse;
  double hz = c->level ? c->level->clock_hz : pc->clock_hz;
  double pj_cycle = c->level ? c->level->pj_per_cycle : pc->pj_per_cycle;
  nmsim_ps took = pe_cycles_ps(hz, cycles);
  pe->rx_cycles += cycles;
  if (hi > lo) {
    nmsim_ps ps_syn = pe_cycles_ps(hz, pc->cyc_synapse);
    sys_charge_row(s, c, lo, hi, NM_E_SYN_OP, pc->cyc_synapse, pc->cyc_packet, pj_cycle, ps_syn,
                   took > (hi - lo) * ps_syn ? took - (hi - lo) * ps_syn : 0);
  } else {
    /* a lookup that finds no synapse here: the sender's multicast tree's cost */
    uint32_t pop = s->key_pop[ev->data.u32[0] >> s->key_bits];
    sys_charge_pop(s, c, pop, NM_E_SYN_OP, 0, (double)cycles * pj_cycle);
    s->pop_busy[pop] += took;
  }
  nmsim_ps start = ev->time > pe->busy ? ev->time : pe->busy;
  pe->busy = start + took;
  c->work_end = pe->busy;
  c->rx_packets++;

  /* The processing ends before any tick that has not started yet (the PE
   * serves its work in order), so the target tick of a synapse has started
   * exactly when it is below next_tick. */
  size_t nn = c->n_neurons;
  double value = ev->data.f64[2];
  bool late = false;
  for (uint32_t k = lo; k < hi; k++) {
    const sys_syn *y = &c->syn[k];
    uint64_t target = k_src + y->delay;
    if (target < pe->next_tick) target = pe->next_tick, late = true;
    uint32_t slot = (uint32_t)(target % c->ring), idx = (uint32_t)y->site * (uint32_t)nn + y->tgt;
    core_acc_add(s, c, slot, idx, syn_weight(y->w, value));
  }
  if (late) s->late_packets++;
}

/* ---- the run ---------------------------------------------------------------- */

static void pe_last_overruns(sys *s) {
  uint64_t steps = s->steps;
  if (!s->n_used || s->step >= steps) return;
  for (uint32_t u = 0; u < s->n_used; u++) {
    if (!sys_core_here(s, s->used[u])) continue;
    const spin_pe *pe = &pes_of(s)[s->used[u]];
    if (pe->busy > pe->phase + steps * s->tick_ps) s->tick_overruns++;
  }
}

/* After the last event: overruns of the last tick, then the last step. */
static nmsim_status pe_finish(sys *s, nmsim_err *err) {
  uint64_t steps = s->steps;
  if (NEVER(s->in_flight != 0))
    return NMSIM_ERR(err, NMSIM_EINTERNAL, "%llu packet copies are stuck in the network",
                     (unsigned long long)s->in_flight);
  if (s->n_used && s->step < steps && NEVER(s->step + 1 != steps))
    return NMSIM_ERR(err, NMSIM_EINTERNAL, "the ticks stopped at step %llu of %llu",
                     (unsigned long long)s->step, (unsigned long long)steps);
  pe_last_overruns(s);
  while (s->step < steps)
    if (!pe_close_step(s, err)) return err->code ? err->code : NMSIM_EINTERNAL;
  s->finished = true;
  return NMSIM_OK;
}

static nmsim_status pe_start(sys *s, nmsim_err *err) {
  (void)err;
  for (uint32_t u = 0; u < s->n_used && s->steps; u++) {
    uint32_t id = s->used[u];
    if (!sys_core_here(s, id)) continue;
    sim_event ev = {.time = pes_of(s)[id].phase, .kind = SIM_EV_PE_TICK, .dst = id, .src = id,
                    .seq = 0};
    nmsim_status rc = sim_engine_schedule(s->eng, &ev);
    if (rc != NMSIM_OK) return rc;
  }
  return NMSIM_OK;
}

static const core_tick_ops pe_tick_ops = {
    .close_time = pe_close_time,
    .step_timing = pe_step_timing,
    .end_step = pe_end_step,
    .last_overruns = pe_last_overruns,
    .critical = pe_critical,
};

const core_type core_type_spinnaker2 = {
    .name = "spinnaker2",
    .summary = "processing element on its own timer tick, key/mask multicast, cycles at the "
               "PE clock",
    .flags = CORE_SYNC_TICK | CORE_ROUTE_KEYED | CORE_CHIP_PE | CORE_CHIP_ROUTER,
    .build = pe_build,
    .destroy = pe_destroy,
    .start = pe_start,
    .finish = pe_finish,
    .tick = &pe_tick_ops,
    .handlers = {{SIM_EV_PE_TICK, pe_on_tick}, {SIM_EV_PKT_DELIVER, pe_on_deliver}},
};
