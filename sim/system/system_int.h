/* system_int.h: a scenario mapped onto a chip and ready to run: cores with
 * their neuron blocks and synapse rows, the NoC, the step/barrier state and
 * the energy and latency counters. Built by sim/system/build.c, run by sim/system/run.c. */
#ifndef NMSIM_SIM_SYSTEM_INT_H
#define NMSIM_SIM_SYSTEM_INT_H

#include <math.h>

#include "cores/chip_int.h"
#include "noc/topology.h"
#include "sim/engine/engine.h"
#include "sim/load/scenario_int.h"
#include "sim/base/stats.h"

/* One synapse: 8 bytes. w is the weight in the target population's fixed-point
 * scale (see sys_block.inv_scale). */
typedef struct sys_syn {
  uint16_t tgt;      /* neuron index local to the core */
  uint8_t delay;     /* steps, >= 1 */
  uint8_t site;      /* input site of the target model */
  int32_t w;
} sys_syn;

/* One outgoing spike destination of a neuron: a packet to core `core`, axon
 * `axon` there (one packet per spike per destination core, as on Loihi). */
typedef struct sys_out {
  uint32_t core;
  uint32_t axon;
} sys_out;

#define SYS_MAX_SITES 4

/* The neurons of one population that live on one core. */
typedef struct sys_block {
  const scn_population *pop;
  uint32_t pop_id;
  uint32_t first;          /* index in the population of local neuron `local0` */
  uint32_t local0;         /* first local index on the core */
  uint32_t n;
  void **state;            /* model->n_vars arrays of n elements */
  void *derived;           /* model->derived_size bytes */
  double inv_scale;        /* input value = accumulator * inv_scale */
  uint32_t n_had;          /* neurons of the block with input this step */
  double *in_var[SYS_MAX_SITES]; /* the model's input_vars: site k's input is added
                                    to in_var[k][i] (the state), or NULL: to the
                                    core's input arrays */
} sys_block;

typedef struct sys_core {
  uint32_t id, tile;       /* tile: index in the board's grid, y * grid.w + x */
  uint32_t chip;
  uint32_t n_neurons;      /* local neurons, all blocks */
  sys_block *blocks;
  size_t n_blocks;

  /* input ring: acc[(slot * n_sites + site) * n_neurons + local] */
  int64_t *acc;
  uint32_t ring;           /* slots: max delay of incoming synapses + 1 */
  uint32_t ring_now;       /* the slot of step s->step: s->step % ring (sys_next_step) */
  uint32_t n_sites;
  double *input;           /* n_sites * n_neurons scratch for the models (zero but
                              for the entries of the step being updated) */
  uint64_t *had_input;     /* bit i: local i had input in the step being updated
                              (a bit, not a byte: 128 KB for 1M neurons stay in
                              the L2 cache, where the step's random tests and
                              sets of it go; sys_had) */
  uint16_t *block_of;      /* n_neurons: index of the block holding each local neuron */
  /* Touched accumulator entries of each ring slot (site * n_neurons + local),
   * appended when an entry leaves zero, so a step converts only the input it
   * received. */
  uint32_t **touched;
  uint32_t *n_touched, *cap_touched;
  uint32_t *had_list;      /* locals with input this step (scratch, n_neurons) */
  uint32_t *spikes;        /* scratch: room for the largest block */
  double *values;          /* scratch: graded spike values, room for the largest block */

  /* incoming axons: rows of synapses */
  uint32_t n_axons;
  uint32_t *row;           /* n_axons + 1 offsets into syn */
  sys_syn *syn;
  size_t n_syn;

  /* plasticity (only on cores with plastic synapses, else NULL) */
  uint16_t *syn_proj;      /* n_syn: plastic projection index + 1, 0 for static synapses */
  double *wf;              /* n_syn: weight of plastic synapses, in the input unit */
  uint32_t *axon_src;      /* n_axons: source neuron gid of each input axon */
  uint32_t *pin_ptr;       /* n_neurons + 1: plastic synapses onto each local neuron */
  uint32_t *pin_syn;       /*   ... their indices in syn */
  uint32_t *pin_axon;      /*   ... and their axons */
  uint64_t learn_updates;  /* synaptic updates this step */

  /* outgoing: for local neuron j, out[out_ptr[j] .. out_ptr[j+1]] */
  uint32_t *out_ptr;
  sys_out *out;
  size_t n_out;

  /* timing */
  nmsim_ps syn_busy;       /* synapse unit busy until */
  uint32_t pkt_seq;        /* packets sent, as event sequence numbers */
  nm_energy energy;        /* whole run */
} sys_core;

/* Whether local neuron i of c had input in the step being updated. */
static inline bool sys_had(const sys_core *c, uint32_t i) {
  return c->had_input[i >> 6] >> (i & 63) & 1;
}

/* Packets waiting at an output port: a ring of cap entries. */
typedef struct sys_fifo {
  sim_event *ev;
  size_t head, len, cap;
} sys_fifo;

/* An output port of a router and the directed link behind it. Packets that
 * cannot leave yet wait in a FIFO; a packet leaves when the link is free and
 * the downstream input buffer has a free slot (credit), as in virtual
 * cut-through with credit-based flow control. On a topology with rings, the
 * packets that enter the link's ring (from a core, or turning from another
 * ring) wait apart, in qe, and need two free slots (noc_needs_credits); those
 * going straight on along the ring wait in q and go first. */
typedef struct sys_link {
  nmsim_ps busy;           /* link occupied until */
  nmsim_ps busy_ps;        /* total time occupied, for utilisation */
  uint64_t packets;
  uint64_t packets_charged; /* of packets, those in the router's energy (noc_fold_link_energy) */
  uint32_t credits;        /* free slots downstream (ignored when buffers are unlimited) */
  bool try_pending;        /* a PORT_TRY event is scheduled, at try_at */
  nmsim_ps try_at;
  /* Credits on their way back from the downstream router (its process's own
   * links): their arrival times, in increasing order, in a ring of
   * buffer_depth entries; counted into `credits` when the port next looks at
   * them, so a credit needs no event of its own. */
  nmsim_ps *cr_at;
  uint32_t cr_head, cr_len;
  sys_fifo q;              /* waiting packets (all of them on a topology without rings) */
  sys_fifo qe;             /* waiting packets entering the ring (topologies with rings) */
  size_t q_max;            /* high-water mark of the packets waiting */
} sys_link;

/* A router: one output port per port of the topology (s->topo->n_dirs of
 * them); ports without a link are never used. */
typedef struct sys_router {
  uint32_t seq;            /* forwarded packets, as event sequence numbers */
  uint32_t next[NOC_MAX_DIRS]; /* the router behind each port, NOC_NONE: no link
                                * (the topology's neighbour, noc_init_ports) */
  uint8_t kind[NOC_MAX_DIRS];  /* what a hop from each port costs (noc_link_kind) */
  sys_link link[NOC_MAX_DIRS];
  nm_energy energy;        /* routing energy spent in this tile */
} sys_router;

/* Packet latency histogram. */
#define SYS_LAT_BIN_PS 100u
#define SYS_LAT_BINS 100000u

/* Traces of a plastic projection: presynaptic per pre neuron, postsynaptic
 * per post neuron (models/stdp.h), times in ms. */
typedef struct sys_plast {
  stdp_trace *x;           /* pre population size */
  stdp_trace *y;           /* post population size */
} sys_plast;

typedef struct sys sys;
/* Called after every completed step (recording, writers). */
typedef nmsim_status (*sys_step_hook)(void *ctx, sys *s, nmsim_err *err);

struct sys {
  const nmsim_scenario *scn;
  const nmsim_chip *chip;
  sim_engine *eng;

  uint32_t n_cores, n_tiles;  /* whole board */
  uint32_t n_chips, chips_used;
  noc_grid grid;           /* the board's tiles: chips_x * mesh width, ... */
  const noc_topology *topo; /* the chip's topology and routing algorithm */
  const noc_routing *routing;
  uint32_t unit_router0;   /* unit id of router 0; cores are units 0..n_cores-1 */
  uint32_t unit_barrier;
  sys_core *cores;
  sys_router *routers;

  /* mapping of neurons: gid = pop_gid0[pop] + index */
  uint32_t *pop_gid0;
  uint32_t n_neurons;
  uint32_t *loc_core, *loc_local;
  uint32_t *used;          /* ids of cores holding neurons, increasing */
  uint32_t n_used;
  uint32_t tiles_used;
  nmsim_ps barrier_ps;

  /* step state */
  uint64_t step;
  nmsim_ps step_start;
  uint32_t cores_done;
  uint64_t in_flight;      /* packets injected and not yet delivered */
  nmsim_ps work_end;       /* latest end of synaptic work this step */
  bool finished;
  bool oom;                /* functional mode ran out of memory */
  bool rows;               /* every local core has its row index and synapses (not
                            * the NoC traffic generator's bare cores) */
  sys_plast *plast;        /* per projection (NULL entries for static ones); NULL if none */
  uint8_t *spiked;         /* per neuron (gid): spiked this step (learning phase) */

  /* per-step results, valid in the step hook */
  nm_energy step_energy;
  uint64_t step_hops[NOC_LINK_KINDS]; /* this step's hops not yet in step_energy,
                                       * per link kind: noc_fold_step_hops */
  nmsim_ps step_latency;
  uint32_t **pop_spikes;   /* per population: neuron indices spiking this step */
  size_t *pop_nspikes;
  size_t *pop_cap;

  /* whole-run results */
  nm_energy energy;
  uint64_t *pop_total_spikes;
  double window_max_pj;    /* largest energy of one step (dynamic + static) */
  uint64_t *pop_bursts;    /* per population */
  uint64_t *last_spike;    /* per neuron (gid): step of its last spike + 1, 0 if none */
  uint8_t *in_burst;       /* per neuron: its last spike belongs to a counted burst */
  uint64_t burst_isi;      /* steps: spikes this close belong to one burst */
  uint64_t packets, hops, spikes;
  nmsim_ps step_min, step_max, hw_time;
  uint64_t *lat_hist;      /* SYS_LAT_BINS */
  uint64_t lat_overflow;
  double lat_sum_ps;
  nmsim_ps lat_max;

  /* core_kind spinnaker2 (cores/spinnaker_pe.c, noc/mcast.c); NULL otherwise */
  struct noc_mc *mc;       /* key/mask multicast routing */
  bool hop_by_hop;         /* no sending ahead (noc_port_send): the reference for tests */
  struct spin_pe *pes;     /* per core: timer and processor state */
  uint64_t tick_overruns;  /* ticks whose timer fired while the PE was still busy */
  uint64_t late_packets;   /* packets processed after their target tick started */

  sys_step_hook hook;
  void *hook_ctx;

  /* engine.mode network (sim/system/netmode.c): synapse rows per projection and
   * source neuron; NULL otherwise */
  struct sys_net *net;

  /* a run split over MPI ranks (sim/mpi/partition.h); NULL in one process */
  struct sys_part *part;
  const uint8_t *core_here;  /* per core: owned by this process; NULL: all are */
};

/* Whether core `core` runs in this process. */
static inline bool sys_core_here(const sys *s, uint32_t core) {
  return !s->core_here || s->core_here[core];
}

/* Map the scenario onto the chip and build every structure (mapper, synapse
 * rows, routes). NMSIM_ECAPACITY names the population or core and the limit
 * that is exceeded and by how much; NMSIM_ENOMEM. */
nmsim_status sys_build(const nmsim_scenario *scn, const nmsim_chip *chip, sys **out,
                       nmsim_err *err);
void sys_destroy(sys *s);
/* Run every step of the scenario on the engine (chip-timed). */
nmsim_status sys_run(sys *s, nmsim_err *err);

/* Internal to the run: handlers of the Loihi-like core and the mesh NoC. */
void core_on_step_start(void *ctx, sim_engine *e, const sim_event *ev);
void core_on_deliver(void *ctx, sim_engine *e, const sim_event *ev);
void core_on_done(void *ctx, sim_engine *e, const sim_event *ev);
void core_on_barrier_done(void *ctx, sim_engine *e, const sim_event *ev);
void noc_on_inject(void *ctx, sim_engine *e, const sim_event *ev);
void noc_on_hop(void *ctx, sim_engine *e, const sim_event *ev);
void noc_on_port_try(void *ctx, sim_engine *e, const sim_event *ev);
/* A credit that crossed a chip link back to its output port (noc/mesh.c). */
void noc_on_credit(void *ctx, sim_engine *e, const sim_event *ev);
/* SpiNNaker-like PEs (cores/spinnaker_pe.c): build the multicast routes and
 * the PEs' state after the synapse rows (NMSIM_ECAPACITY for a routing table
 * over the router's capacity); run every tick on the engine; free. */
nmsim_status pe_build(sys *s, nmsim_err *err);
nmsim_status pe_run(sys *s, nmsim_err *err);

/* A synapse made by a projection's connector (sim/system/build.c), in the order of
 * projections, then source neurons, then the connector's own order. Returns
 * NMSIM_OK or NMSIM_ENOMEM. */
typedef nmsim_status (*sys_syn_sink)(void *ctx, const sys *s, uint32_t src_gid, uint32_t dst_gid,
                                     const scn_projection *pr, int32_t wq);
nmsim_status sys_expand_projections(sys *s, const int *shift, sys_syn_sink add, void *ctx,
                                    nmsim_err *err);
/* engine.mode network (sim/system/netmode.c): one core per population, with no
 * chip limit, and the synapses straight from the connectors into rows per
 * projection and source neuron (4 bytes a synapse, or 8 with its own
 * weight); net_emit applies the rows of a spike. */
nmsim_status net_build(sys *s, const int *shift, nmsim_err *err);
void net_emit(sys *s, uint32_t pop, uint32_t i, double value);
/* Prefetch the row pointers (level 0), the first targets (level 1) or, on a
 * core of at least SYS_INPUT_FETCH_MIN neurons, the input entries (level 2)
 * of neuron i's rows: the rows of the spikes of a step lie far apart, and
 * their targets all over a large population's input. */
void net_prefetch(const sys *s, uint32_t pop, uint32_t i, int level);
void net_destroy(sys *s);
/* The pieces of pe_run for a run split over MPI ranks (sim/mpi/prun.c): set the
 * handlers and schedule the first tick of the PEs held here; the time step
 * k closes (the first PE's tick k + 1); step s->step's timing from the PEs
 * held here; close the step with its timing over all PEs, after its learning
 * phase; count the last tick's overruns of the PEs held here. */
nmsim_status pe_start(sys *s, nmsim_err *err);
nmsim_ps pe_close_time(const sys *s, uint64_t k);
void pe_step_timing(const sys *s, nmsim_ps *lat, nmsim_ps *end);
bool pe_end_step(sys *s, nmsim_ps lat, nmsim_ps end, nmsim_err *err);
void pe_last_overruns(sys *s);
void pe_destroy(sys *s);
/* Count spike `index` of population pop in this step's raster and bursts
 * (shared by every core kind; cores/loihi_core.c). */
void core_record_spike(sys *s, uint32_t pop, uint32_t index);
/* Give every output port its neighbour, link kind and credits (the chip's
 * buffer depth), from s->topo over s->grid. */
void noc_init_ports(sys *s);
/* Free the routers' wait queues. */
void noc_free_ports(sys *s);
/* The learning phase of the step that just ended: every plastic synapse of a
 * neuron that spiked is updated (pre spikes first, then post spikes) and
 * charged the chip's synaptic-update energy. Returns the longest time a core
 * spends on it (its updates x the update time). */
nmsim_ps sys_learn(sys *s);
/* Utilisation of core c against the chip's limits, as fractions:
 * u[0] neurons, u[1] synapse memory, u[2] fan-in, u[3] fan-out. */
void sys_core_utilisation(const sys *s, const sys_core *c, double u[4]);
/* Write /cores/utilisation (n_cores x 4 fractions, columns neurons,
 * synapse_memory, fan_in, fan_out) into the open run file. */
nmsim_status run_write_utilisation(int64_t file, const char *path, const sys *s,
                                   nmsim_err *err);
/* Write the weights of the plastic projections that the scenario records
 * (record.weights) into the open run file `file` (an hid_t; path names it in
 * messages), as /projections/<k>/{pre, post, weight}. */
nmsim_status run_write_weights(int64_t file, const char *path, const sys *s, nmsim_err *err);
/* How a core sends the spike of neuron i of its block bi, leaving at time t:
 * returns the time the core is done sending. */
typedef nmsim_ps (*core_emit_fn)(sys *s, sys_core *c, size_t bi, uint32_t i, nmsim_ps t,
                                 double value);
/* Update the neurons of core c for step s->step from hardware time t, in
 * order, each taking the active or idle time; every spike is recorded and
 * handed to emit (NULL: functional mode, spikes go straight to their targets'
 * input and no time passes). Returns the time the updates end. */
nmsim_ps core_update(sys *s, sys_core *c, nmsim_ps t, core_emit_fn emit);
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
/* Functional mode: run every step with spikes going straight to their
 * targets' input (no packets, no hardware time; energy of the cores' events
 * is still counted). */
nmsim_status core_run_functional(sys *s, nmsim_err *err);
/* For a run split over processes (sim/mpi/prun.c), from cores/loihi_core.c (and
 * core_update above): add the synapses of input axon `axon` of c for a spike
 * of value `value`; close step s->step, which ended at hardware time t
 * (totals, the step hook; false with err set on failure). */
void core_apply_row(sys *s, sys_core *c, uint32_t axon, double value);

/* Prefetching a row before it is applied: first its entry in the row index
 * of the destination core, then (once that has arrived) its synapses; o must
 * name an axon of a core of a system with rows (s->rows). Nothing for a
 * destination on another process. No other check: one that reads the
 * destination core's fields before the prefetch made CUBA 16k functional 30 %
 * slower. SYS_ROW_AHEAD: how many destinations ahead a spike's loop fetches
 * the synapses. Both are always inlined: GCC 12 finds a function that only
 * prefetches free of side effects and, when it is not inlined early, deletes
 * the call (the chip-timed synapse prefetch was lost that way). */
#define SYS_ROW_AHEAD 2
/* From this many neurons on, a core's input arrays (8 bytes per neuron and
 * site, per ring slot) outgrow the L2 cache: the input entries a spike's row
 * adds to, and those a step takes, are fetched ahead. Below it they stay in
 * the cache and the fetches only cost instructions (CUBA 4000 was 4 % slower
 * with them); network-mode CUBA 1M, 2000 steps, 5.2 -> 4.2 s with both. */
#define SYS_INPUT_FETCH_MIN 65536
#if defined(__GNUC__)
#define SYS_PREFETCH_FN static inline __attribute__((always_inline)) void
#else
#define SYS_PREFETCH_FN static inline void
#endif
SYS_PREFETCH_FN sys_prefetch_row_index(const sys *s, const sys_out *o) {
#if defined(__GNUC__)
  if (NMSIM_LIKELY(sys_core_here(s, o->core))) __builtin_prefetch(&s->cores[o->core].row[o->axon]);
#else
  (void)s;
  (void)o;
#endif
}
SYS_PREFETCH_FN sys_prefetch_row(const sys *s, const sys_out *o) {
#if defined(__GNUC__)
  if (NMSIM_LIKELY(sys_core_here(s, o->core))) {
    const sys_core *d = &s->cores[o->core];
    __builtin_prefetch(&d->syn[d->row[o->axon]]);
  }
#else
  (void)s;
  (void)o;
#endif
}
/* A hop costs the same energy every time on a kind of link, so ports count
 * hops and the energy is added in one go (exactly the sum of the single
 * charges): the step's, before anything reads s->step_energy at the step's
 * end; the routers', from their links' packet counts, once the run is over
 * (again after more steps: it adds only what is new). */
void noc_fold_step_hops(sys *s);
void noc_fold_link_energy(sys *s);
/* Move to step s->step + 1: the step count and every core's ring slot. */
void sys_next_step(sys *s);
bool core_close_step(sys *s, nmsim_ps t, nmsim_err *err);
/* Functional mode over processes: the spike of local neuron j of core src
 * (value `value`) has a target on core dst of another process (sim/mpi/prun.c). */
void part_defer_spike(sys *s, uint32_t src, uint32_t j, uint32_t dst, double value);
/* Release step s->step on every used core at time t. */
nmsim_status core_start_step(sys *s, nmsim_ps t);
/* Send a packet from core src to (dst core, axon) at time t (schedules its
 * injection event). value is the spike's graded value (1 for a plain spike).
 * Packet payload: u32[0] destination core, u32[1] axon, u64[1] injection
 * time, f64[2] value. */
nmsim_status noc_send(sys *s, uint32_t src_core, uint32_t dst_core, uint32_t axon, nmsim_ps t,
                      double value);

/* Charge n events of category cat to e (energy = n * per-event cost). */
static inline void sys_charge(nm_energy *e, int cat, uint64_t n, double pj_each) {
  nm_energy_add(e, cat, n, (double)n * pj_each);
}

#endif
