/* truenorth.c: a TrueNorth-like neurosynaptic core (Merolla et al., Science
 * 345:668, 2014, "Merolla" below; Akopyan et al., IEEE TCAD 34:1537, 2015,
 * "Akopyan"): 256 input axons, 256 neurons (model truenorth) and a binary
 * crossbar between them, on a global tick.
 *
 * CROSSBAR. A synapse from axon i to neuron j is a crossbar bit times the
 * neuron's weight for the axon's type: w_ij * s_j^{G_i}, with four types G_i
 * per core and four signed weights per neuron (Merolla S1; Akopyan III). The
 * network's weights are nmsim's per-synapse integers; build checks that
 * every core's can be written that way and refuses it otherwise, naming the
 * core and population (docs/scenario-format.md, "TrueNorth-like chips"):
 *  - every neuron of a core runs model truenorth, or is a spike source (the
 *    chip's input); no graded spikes;
 *  - a truenorth neuron sends to at most one core (one axon there): its SRAM
 *    row holds one destination (Merolla S1, S4: more need splitter neurons);
 *  - every synapse of one input axon has the same delay, 1 to 15 ticks: the
 *    delay is the packet's delivery tick (Merolla p.5; Akopyan V-C);
 *  - weights are integers in [-255, 255] (9-bit signed, Merolla S8; sign and
 *    magnitude, so -256 is refused) with no weight_exp; one synapse per
 *    (axon, neuron), the crossbar's one bit;
 *  - AXON TYPES: taking a core's input axons in order (by source neuron),
 *    each gets a type under which every one of its synapses agrees with the
 *    weight its target neuron already has for that type (or sets it),
 *    preferring a type whose axons all carried this axon's one weight, then
 *    an unused type; an axon that fits none of the 4 is refused. So a core
 *    whose axons each carry one weight, at most 4 distinct ones, always fits
 *    (a type per weight); otherwise the greedy assignment may refuse a core
 *    that another assignment would fit, never accept one that does not.
 * The mapper's limits (chip file: 256 neurons, fan-in 256 axons) do the rest.
 *
 * TIMING. A global tick of period T (chip file `tick`, 1 ms: Merolla p.4)
 * fires at k * T on every core at once; it is never late. At tick k a core
 * reads its scheduler slot of tick k (the axons active in it) and updates
 * its neurons one after another: every neuron every tick (its SRAM row is
 * read: neuron_update or neuron_idle), and each synaptic event of the tick
 * takes synaptic_op's time and is counted in the tick's time before the
 * neuron updates (an upper bound on when a spike leaves). A neuron that
 * fires sends one packet when its update ends (spike_out), through the mesh
 * with dimension-order routing (noc/mesh.c). The step lasts T, or longer
 * when a core's work of the tick runs past the next tick.
 *
 * OVERRUNS (a timing failure on the chip: "All the computation must finish in
 * the current tick", Akopyan III). When tick k fires while a core is still
 * busy with tick k - 1, the overrun is counted (tick_overruns) and the core
 * starts tick k's updates late, when its neuron circuit is free; the tick's
 * input is still what had arrived by the tick signal. A spike's delivery
 * tick is the tick in which it leaves its core plus its delay, that period
 * being (m T, (m + 1) T] (a packet leaves after its tick's signal, as
 * spike_out takes time, which build requires), so a spike sent late, after
 * the next signal, is delivered later than the network asked: an
 * overrun can change the spikes, as a missed tick on the chip can. (The
 * silicon's behaviour here is not published; this is the model's choice.)
 * LATE PACKETS. A packet that arrives after its delivery tick has fired at
 * its destination (its slot was read) is late: counted (late_packets), and
 * its input goes to the next tick not yet read. On the chip the delivery
 * tick is chosen longer than any network latency (Akopyan V-C). A run with no
 * overruns and no late packets gives the spikes of functional mode.
 *
 * LEARNING. TrueNorth has none: CORE_NO_LEARNING | CORE_NO_WEIGHT_EXP refuses plastic projections. */
#include <stdio.h>
#include <string.h>

#include "cores/core_type.h"
#include "cores/learning.h"
#include "cores/neurocore.h"

#define TN_TYPES 4      /* axon types per core (Merolla S1) */
#define TN_W_MAX 255    /* |weight|: 9-bit signed, sign and magnitude (Merolla S8) */
#define TN_DELAY_MAX 15 /* delivery tick within the next 15 ticks (Akopyan V-C) */
#define TN_UNUSED INT32_MIN     /* a type no axon has yet */
#define TN_MIXED (INT32_MIN + 1) /* a type whose axons carried several weights */

typedef struct tn_core {
  nmsim_ps busy;      /* the neuron circuit is busy until */
  uint64_t next_tick; /* ticks fired: the first tick whose slot is still open */
  uint32_t *sops;     /* per ring slot (the core's ring): synaptic events of that tick */
} tn_core;

typedef struct tn_state {
  tn_core *cores;     /* one per core of the board */
  uint32_t *sops;     /* the cores' sops arrays, end to end */
} tn_state;

static inline tn_core *tn_of(const sys *s, uint32_t core) {
  return &((tn_state *)s->core_state)->cores[core];
}

/* ---- build: the crossbar's rules ------------------------------------------------ */

/* Population and index of local neuron j of core c (for messages). */
static void tn_neuron(const sys_core *c, uint32_t j, const char **pop, uint32_t *idx) {
  const sys_block *b = &c->blocks[0];
  for (size_t k = 0; k < c->n_blocks; k++)
    if (j >= c->blocks[k].local0 && j < c->blocks[k].local0 + c->blocks[k].n) b = &c->blocks[k];
  *pop = b->name;
  *idx = b->first + (j - b->local0);
}

/* The source neuron of input axon `axon` of core `core` (for messages). */
static void tn_axon_source(const sys *s, uint32_t core, uint32_t axon, const char **pop,
                           uint32_t *idx) {
  for (uint32_t i = 0; i < s->n_cores; i++) {
    const sys_core *c = &s->cores[i];
    for (uint32_t j = 0; j < c->n_neurons; j++)
      for (uint32_t k = c->out_ptr[j]; k < c->out_ptr[j + 1]; k++)
        if (c->out[k].core == core && c->out[k].axon == axon) {
          tn_neuron(c, j, pop, idx);
          return;
        }
  }
  *pop = "?";
  *idx = 0;
}

/* What may live on a core: truenorth neurons with one destination each, or
 * spike sources sending plain spikes. */
static nmsim_status tn_check_neurons(const sys *s, const sys_core *c, nmsim_err *err) {
  for (size_t bi = 0; bi < c->n_blocks; bi++) {
    const sys_block *b = &c->blocks[bi];
    const nmsim_neuron_type *m = b->model;
    bool source = m->flags & NMSIM_MODEL_SOURCE;
    if (m->flags & NMSIM_MODEL_GRADED)
      return NMSIM_ERR(err, NMSIM_EINPUT,
                       "core %u (population '%s'): model %s sends graded spikes; a spike on "
                       "chip '%s' (core_kind truenorth) carries no value",
                       c->id, b->name, m->name, s->chip->name);
    if (!source && strcmp(m->name, "truenorth") != 0)
      return NMSIM_ERR(err, NMSIM_EINPUT,
                       "core %u (population '%s'): model %s cannot run on chip '%s' "
                       "(core_kind truenorth), whose neurons are TrueNorth neurons: use model "
                       "truenorth, or a spike source for input",
                       c->id, b->name, m->name, s->chip->name);
    for (uint32_t i = 0; !source && i < b->n; i++) {
      uint32_t j = b->local0 + i, n = c->out_ptr[j + 1] - c->out_ptr[j];
      if (n > 1)
        return NMSIM_ERR(err, NMSIM_ECAPACITY,
                         "core %u (population '%s'): neuron %u of '%s' sends to %u cores; a "
                         "TrueNorth neuron has one destination, one axon on one core (Merolla "
                         "2014, S1): give each further destination its own copy of the "
                         "population (a one_to_one 'splitter')",
                         c->id, b->name, b->first + i, b->name, n);
    }
  }
  return NMSIM_OK;
}

/* Weights, delays and axon types of core c's input axons (see CROSSBAR).
 * typew[j * TN_TYPES + g]: neuron j's weight for type g (INT32_MIN: unset);
 * last[j]: the last axon with a synapse onto j. Both have n_neurons entries
 * per neuron, set here. */
static nmsim_status tn_check_axons(const sys *s, const sys_core *c, int32_t *typew,
                                   uint32_t *last, nmsim_err *err) {
  const char *pop, *spop, *tpop;
  uint32_t idx, sidx;
  int32_t label[TN_TYPES]; /* per type: the one weight its axons carried so far */
  for (int g = 0; g < TN_TYPES; g++) label[g] = TN_UNUSED;
  for (size_t k = 0; k < (size_t)c->n_neurons * TN_TYPES; k++) typew[k] = INT32_MIN;
  for (uint32_t j = 0; j < c->n_neurons; j++) last[j] = UINT32_MAX;
  for (uint32_t a = 0; a < c->n_axons; a++) {
    uint32_t lo = c->row[a], hi = c->row[a + 1];
    for (uint32_t k = lo; k < hi; k++) {
      const sys_syn *y = &c->syn[k];
      const char *why = NULL;
      if (y->delay != c->syn[lo].delay) why = "its synapses have different delays (the delay is "
                                              "the spike's delivery tick, one per axon)";
      else if (y->delay > TN_DELAY_MAX) why = "its delay exceeds 15 ticks (a spike is delivered "
                                             "1 to 15 ticks after it is sent)";
      else if (y->w < -TN_W_MAX || y->w > TN_W_MAX)
        why = "a weight lies outside [-255, 255] (9-bit signed)";
      else if (last[y->tgt] == a)
        why = "it has two synapses onto one neuron (the crossbar holds one bit per axon and "
              "neuron)";
      if (why) {
        tn_axon_source(s, c->id, a, &spop, &sidx);
        tn_neuron(c, y->tgt, &tpop, &idx);
        return NMSIM_ERR(err, NMSIM_ECAPACITY,
                         "core %u (population '%s'): input axon %u (from neuron %u of '%s') "
                         "cannot be a TrueNorth axon: %s; at its synapse onto neuron %u of '%s' "
                         "(weight %d, delay %u)",
                         c->id, c->blocks[0].name, a, sidx, spop, why, idx, tpop,
                         (int)y->w, (unsigned)y->delay);
      }
      last[y->tgt] = a;
    }
    /* the axon's type: one that has carried only this axon's one weight,
     * else an unused one, else the first whose weights agree with every
     * synapse of the axon (bad[g]: a synapse that disagrees with type g) */
    int32_t w0 = c->syn[lo].w;
    bool uniform = true;
    for (uint32_t k = lo; k < hi; k++) uniform &= c->syn[k].w == w0;
    uint32_t bad[TN_TYPES];
    int g, pick = -1;
    for (g = 0; g < TN_TYPES; g++) {
      bad[g] = UINT32_MAX;
      for (uint32_t k = lo; k < hi && bad[g] == UINT32_MAX; k++) {
        int32_t have = typew[(size_t)c->syn[k].tgt * TN_TYPES + (size_t)g];
        if (have != INT32_MIN && have != c->syn[k].w) bad[g] = k;
      }
    }
    for (g = 0; g < TN_TYPES && pick < 0; g++)
      if (uniform && label[g] == w0) pick = g;
    for (g = 0; g < TN_TYPES && pick < 0; g++)
      if (label[g] == TN_UNUSED) pick = g;
    for (g = 0; g < TN_TYPES && pick < 0; g++)
      if (bad[g] == UINT32_MAX) pick = g;
    if (pick >= 0) {
      for (uint32_t k = lo; k < hi; k++)
        typew[(size_t)c->syn[k].tgt * TN_TYPES + (size_t)pick] = c->syn[k].w;
      label[pick] = label[pick] == TN_UNUSED && uniform ? w0
                    : label[pick] == w0 && uniform    ? w0
                                                      : TN_MIXED;
      continue;
    }
    char conf[512];
    size_t at = 0;
    for (g = 0; g < TN_TYPES && at < sizeof conf; g++) {
      const sys_syn *y = &c->syn[bad[g]];
      tn_neuron(c, y->tgt, &tpop, &idx);
      int w = snprintf(conf + at, sizeof conf - at, "%stype %d: neuron %u of '%s' has %d, this "
                       "axon %d", g ? "; " : "", g, idx, tpop,
                       (int)typew[(size_t)y->tgt * TN_TYPES + (size_t)g], (int)y->w);
      if (w < 0) break;
      at += (size_t)w;
    }
    tn_axon_source(s, c->id, a, &spop, &sidx);
    pop = c->blocks[0].name;
    return NMSIM_ERR(err, NMSIM_ECAPACITY,
                     "core %u (population '%s'): input axon %u (from neuron %u of '%s') needs "
                     "a fifth axon type: a TrueNorth core gives each axon one of 4 types and "
                     "each neuron one weight per type, and every type already holds another "
                     "weight for one of this axon's targets (%s). Types are given greedily, in "
                     "the order of the source neurons; a core whose axons each carry one "
                     "weight, at most 4 distinct ones, always fits",
                     c->id, pop, a, sidx, spop, conf);
  }
  return NMSIM_OK;
}

static nmsim_status tn_check(sys *s, nmsim_err *err) {
  const nmsim_chip *ch = s->chip;
  if (ch->spike_out.time_ps == 0)
    return NMSIM_ERR(err, NMSIM_EINPUT,
                     "chip '%s' (core_kind truenorth): costs.spike_out.time must be above 0 "
                     "(a spike's delivery tick is that of the tick period in which it leaves "
                     "its core, which must come after the tick's signal)",
                     ch->name);
  uint32_t most = 1;
  for (uint32_t u = 0; u < s->n_used; u++)
    if (s->cores[s->used[u]].n_neurons > most) most = s->cores[s->used[u]].n_neurons;
  int32_t *typew = nm_malloc(sizeof(int32_t) * TN_TYPES * most);
  uint32_t *last = nm_malloc(sizeof(uint32_t) * most);
  nmsim_status rc = typew && last ? NMSIM_OK : NMSIM_ENOMEM_ERR(err);
  for (uint32_t u = 0; u < s->n_used && rc == NMSIM_OK; u++) {
    const sys_core *c = &s->cores[s->used[u]];
    if ((rc = tn_check_neurons(s, c, err)) == NMSIM_OK) rc = tn_check_axons(s, c, typew, last, err);
  }
  nm_free(typew);
  nm_free(last);
  return rc;
}

static nmsim_status tn_build(sys *s, nmsim_err *err) {
  nmsim_status rc = tn_check(s, err);
  if (rc != NMSIM_OK) return rc;
  tn_state *st = nm_calloc(1, sizeof *st);
  if (!st) return NMSIM_ENOMEM_ERR(err);
  s->core_state = st;
  size_t slots = 0;
  for (uint32_t i = 0; i < s->n_cores; i++) slots += s->cores[i].ring;
  st->cores = nm_calloc(s->n_cores ? s->n_cores : 1, sizeof *st->cores);
  st->sops = nm_calloc(slots ? slots : 1, sizeof *st->sops);
  if (!st->cores || !st->sops) return NMSIM_ENOMEM_ERR(err);
  for (uint32_t i = 0, at = 0; i < s->n_cores; i++) {
    st->cores[i].sops = st->sops + at;
    at += s->cores[i].ring;
  }
  return NMSIM_OK;
}

static void tn_destroy(sys *s) {
  tn_state *st = s->core_state;
  if (st) {
    nm_free(st->cores);
    nm_free(st->sops);
    nm_free(st);
  }
  s->core_state = NULL;
}

/* ---- steps ---------------------------------------------------------------- */

/* Step s->step's timing from the cores this process holds: it starts at its
 * tick k * T and lasts until the next tick or until the last core's work of
 * the tick ends, if later (*lat); *end is that time. */
static void tn_step_timing(const sys *s, nmsim_ps *lat, nmsim_ps *end, nmsim_ps *work) {
  nmsim_ps t0 = s->step * s->tick_ps, next = t0 + s->tick_ps, last = t0;
  *end = next;
  for (uint32_t u = 0; u < s->n_used; u++) {
    if (!sys_core_here(s, s->used[u])) continue;
    nmsim_ps b = tn_of(s, s->used[u])->busy;
    if (b > *end) *end = b;
    if (b > last) last = b;
  }
  *lat = *end - t0;
  *work = last - t0; /* the last core's work of the tick ends there */
}

/* The critical path of step s->step over the cores this process holds: the
 * core whose work of the tick ends last, and whether synaptic events after
 * its own updates made it so. */
static void tn_critical(const sys *s, uint64_t *key, nmsim_ps *compute) {
  nmsim_ps t0 = s->step * s->tick_ps;
  *key = 0;
  *compute = 0;
  if (s->n_cores > 0xFFFFFu) return;
  for (uint32_t u = 0; u < s->n_used; u++) {
    if (!sys_core_here(s, s->used[u])) continue;
    const sys_core *c = &s->cores[s->used[u]];
    nmsim_ps b = tn_of(s, s->used[u])->busy;
    uint64_t k = sys_crit_key(b > t0 ? b - t0 : 0, c->id, b > c->upd_end);
    if (k > *key) *key = k;
    if (c->upd_end > t0 && c->upd_end - t0 > *compute) *compute = c->upd_end - t0;
  }
}

/* Close step s->step, whose learning phase has run (none: no learning), with
 * its timing over every core. Returns false on failure (err set). */
static bool tn_end_step(sys *s, nmsim_ps lat, nmsim_ps end, nmsim_ps work, nmsim_err *err) {
  /* the step's work from the start of the tick that lasted longest */
  return core_end_step(s, end > lat ? end - lat : 0, lat, end, work, err);
}

static bool tn_close_step(sys *s, nmsim_err *err) {
  nmsim_ps lat, end, work;
  tn_step_timing(s, &lat, &end, &work);
  tn_critical(s, &s->crit_key, &s->crit_compute);
  sys_learn(s); /* nothing: plastic projections are refused */
  return tn_end_step(s, lat, end, work, err);
}

/* Step k closes at tick k + 1, before any core's update of that tick. */
static nmsim_ps tn_close_time(const sys *s, uint64_t k) {
  return s->n_used ? (k + 1) * s->tick_ps : UINT64_MAX;
}

/* Tick k on one core (the event's data.u64[0]); the first core's tick k
 * closes step k - 1. */
static void tn_on_tick(void *ctx, sim_engine *e, const sim_event *ev) {
  sys *s = ctx;
  uint64_t k = ev->data.u64[0];
  if (k > s->step) {
    nmsim_err err = {0};
    if (!tn_close_step(s, &err)) {
      sim_engine_fail(e, &err);
      return;
    }
  }
  if (NEVER(k != s->step)) NMSIM_PANIC("core %u: tick %llu during step %llu", ev->dst,
                                      (unsigned long long)k, (unsigned long long)s->step);
  sys_core *c = &s->cores[ev->dst];
  tn_core *tc = tn_of(s, ev->dst);
  nmsim_ps start = ev->time;
  if (tc->busy > start) {
    s->tick_overruns++;
    start = tc->busy;
  }
  tc->next_tick = k + 1;
  /* the tick's synaptic events, then every neuron (c->ring_now is tick k's slot) */
  uint32_t *sops = &tc->sops[c->ring_now];
  start += (nmsim_ps)*sops * s->chip->syn_op.time_ps;
  *sops = 0;
  tc->busy = core_update(s, c, start);
  if (k + 1 < s->steps) {
    sim_event nx = {.time = (k + 1) * s->tick_ps, .kind = SIM_EV_PE_TICK, .dst = ev->dst,
                    .src = ev->dst, .seq = (uint32_t)(k + 1)};
    nx.data.u64[0] = k + 1;
    sim_engine_schedule(e, &nx);
  }
}

/* A spike packet reaches its core: its axon's synapses add to the input of
 * the delivery tick (see TIMING, LATE PACKETS), each a synaptic event of
 * that tick. */
static void tn_on_deliver(void *ctx, sim_engine *e, const sim_event *ev) {
  sys *s = ctx;
  (void)e;
  sys_core *c = &s->cores[ev->dst];
  tn_core *tc = tn_of(s, ev->dst);
  nmsim_ps sent = ev->data.u64[1], lat = ev->time - sent;
  sys_lat_record(s, lat);
  s->in_flight--;

  uint32_t axon = ev->data.u32[1], lo = c->row[axon], hi = c->row[axon + 1];
  c->rx_packets++;
  if (lo == hi) return;
  /* sent in the period (m T, (m + 1) T] of tick m (build: spike_out takes
   * time). m + delay stays within the ring: ticks fire on time on every
   * core, so m is at most the last tick this core fired, next_tick - 1 (a
   * tick at this very instant fires after the packet), and delay < ring. */
  uint64_t target = (sent - 1) / s->tick_ps + c->syn[lo].delay;
  if (target < tc->next_tick) {
    target = tc->next_tick;
    s->late_packets++;
  }
  uint32_t slot = (uint32_t)(target % c->ring), nn = c->n_neurons;
  double value = ev->data.f64[2];
  for (uint32_t k = lo; k < hi; k++) {
    const sys_syn *y = &c->syn[k];
    core_acc_add(s, c, slot, (uint32_t)y->site * nn + y->tgt, syn_weight(y->w, value));
  }
  tc->sops[slot] += hi - lo;
  sys_charge_row(s, c, lo, hi, NM_E_SYN_OP, 1, 0, s->chip->syn_op.energy_pj,
                 s->chip->syn_op.time_ps, 0);
}

/* ---- the run ---------------------------------------------------------------- */

static void tn_last_overruns(sys *s) {
  uint64_t steps = s->steps;
  if (!s->n_used || s->step >= steps) return;
  for (uint32_t u = 0; u < s->n_used; u++)
    if (sys_core_here(s, s->used[u]) && tn_of(s, s->used[u])->busy > steps * s->tick_ps)
      s->tick_overruns++;
}

/* After the last event: overruns of the last tick, then the last step. */
static nmsim_status tn_finish(sys *s, nmsim_err *err) {
  uint64_t steps = s->steps;
  if (NEVER(s->in_flight != 0))
    return NMSIM_ERR(err, NMSIM_EINTERNAL, "%llu packets are stuck in the network",
                     (unsigned long long)s->in_flight);
  if (s->n_used && s->step < steps && NEVER(s->step + 1 != steps))
    return NMSIM_ERR(err, NMSIM_EINTERNAL, "the ticks stopped at step %llu of %llu",
                     (unsigned long long)s->step, (unsigned long long)steps);
  tn_last_overruns(s);
  while (s->step < steps)
    if (!tn_close_step(s, err)) return err->code ? err->code : NMSIM_EINTERNAL;
  s->finished = true;
  return NMSIM_OK;
}

static nmsim_status tn_start(sys *s, nmsim_err *err) {
  (void)err;
  for (uint32_t u = 0; u < s->n_used && s->steps; u++) {
    uint32_t id = s->used[u];
    if (!sys_core_here(s, id)) continue;
    sim_event ev = {.time = 0, .kind = SIM_EV_PE_TICK, .dst = id, .src = id, .seq = 0};
    nmsim_status rc = sim_engine_schedule(s->eng, &ev);
    if (rc != NMSIM_OK) return rc;
  }
  return NMSIM_OK;
}

static const core_tick_ops tn_tick_ops = {
    .close_time = tn_close_time,
    .step_timing = tn_step_timing,
    .end_step = tn_end_step,
    .last_overruns = tn_last_overruns,
    .critical = tn_critical,
};

/* The tick is a periodic event of kind PE_TICK, as for every CORE_SYNC_TICK
 * type: a run split over processes closes a step just before it
 * (sim/system/prun.c). */
const core_type core_type_truenorth = {
    .name = "truenorth",
    .summary = "256 x 256 binary crossbar with 4 axon types, global fixed tick, one packet per "
               "spike, no learning",
    .flags = CORE_SYNC_TICK | CORE_ROUTE_UNICAST | CORE_CHIP_TICK | CORE_NO_LEARNING |
             CORE_NO_WEIGHT_EXP,
    .build = tn_build,
    .destroy = tn_destroy,
    .start = tn_start,
    .finish = tn_finish,
    .tick = &tn_tick_ops,
    .handlers = {{SIM_EV_PE_TICK, tn_on_tick}, {SIM_EV_PKT_DELIVER, tn_on_deliver}},
};
