/* machine.h: a scenario mapped onto a chip, as the core types, the NoC and
 * the run driver see it: cores with their neuron blocks and synapse rows, the
 * routers (their layout is the NoC's, noc/noc_int.h), the step state, the
 * energy and latency counters, and the delivery path a core's spikes take.
 * The system builds it (sim/system/build.c) and runs it (sim/system/run.c). */
#ifndef NMSIM_CORES_MACHINE_H
#define NMSIM_CORES_MACHINE_H

#include <math.h>
#include "cores/chip_int.h"
#include "cores/core_type.h"
#include "models/stdp.h"
#include "nmsim/model.h"
#include "nmsim/scenario.h"
#include "sim/base/stats.h"
#include "sim/engine/engine.h"

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
/* Neurons of a block that share per-neuron parameter values (mapping of a
 * population with per-neuron params), and their derived constants. */
typedef struct sys_param_run {
  uint32_t off, n;         /* local to the block */
  void *derived;
} sys_param_run;

/* Most state variables of one model (views of a run keep one pointer each). */
#define SYS_MAX_VARS 64

typedef struct sys_block {
  const nmsim_neuron_type *model; /* the population's model */
  const nmsim_pop_data *aux;      /* the population's data for the model */
  const char *name;               /* the population's name, for messages */
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
  sys_param_run *runs;           /* per-neuron parameters: runs of equal values, each
                              with its derived constants (runs[0].derived is
                              `derived`); NULL, n_runs 0: one set for the block */
  uint32_t n_runs;
} sys_block;

/* Bytes of one element of state variable v. */
static inline size_t sys_var_bytes(const nmsim_var_desc *v) {
  return v->type == NMSIM_VAR_F64 ? sizeof(double)
         : v->type == NMSIM_VAR_I32 ? sizeof(int32_t)
                                    : v->bytes;
}

/* whole, narrowed to run r of block b: its neurons, state, input and graded
 * outputs from the run's first neuron (state and input are the caller's
 * arrays of SYS_MAX_VARS and SYS_MAX_SITES pointers). */
static inline nmsim_block sys_run_view(const sys_block *b, const sys_param_run *r,
                                       const nmsim_block *whole, void **state,
                                       const double **input) {
  nmsim_block v = *whole;
  const nmsim_neuron_type *m = b->model;
  for (size_t k = 0; k < m->n_vars; k++)
    state[k] = (char *)whole->state[k] + (size_t)r->off * sys_var_bytes(&m->vars[k]);
  v.state = state;
  if (whole->input) {
    for (size_t k = 0; k < SYS_MAX_SITES; k++)
      input[k] = whole->input[k] ? whole->input[k] + r->off : NULL;
    v.input = input;
  }
  v.n = r->n;
  v.first = whole->first + r->off;
  if (whole->out_value) v.out_value = whole->out_value + r->off;
  return v;
}

typedef struct sys_core {
  uint32_t id, tile;       /* tile: index in the board's grid, y * grid->w + x */
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
  const uint32_t *rx_key;  /* CORE_ROUTE_KEYED: routing key of each input axon, increasing
                              (owned by the multicast routes, noc/mcast.c); else NULL */
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

  const chip_pe_level *level; /* DVFS: the PE's performance level now; NULL: the
                              chip's pe.clock (no DVFS) */
  bool mixed_rows;         /* some row's synapses reach more than one population
                              (sys_charge_row then splits it by population) */

  /* where the core's time went (timed mode), over the run: updating its
   * neurons (and sending their spikes), processing synaptic events, learning
   * (SYS_BUSY_*); steps it finished last in (the step's critical core), and
   * of those the steps where packets still arriving kept it busy */
  nmsim_ps busy[3];
  uint64_t crit_steps, crit_comm_steps;
  /* this step: when its own updates ended, and its last work (updates or
   * synaptic events) */
  nmsim_ps upd_start, upd_end, work_end;
  uint64_t rx_packets;     /* packets delivered to the core, over the run */

  /* timing */
  nmsim_ps syn_busy;       /* synapse unit busy until */
  uint32_t pkt_seq;        /* packets sent, as event sequence numbers */
  nm_energy energy;        /* whole run */
} sys_core;

/* Whether local neuron i of c had input in the step being updated. */
static inline bool sys_had(const sys_core *c, uint32_t i) {
  return c->had_input[i >> 6] >> (i & 63) & 1;
}

/* Packet latency histogram: log-linear bins (HDR-histogram style) that cover
 * every nmsim_ps, in a fixed layout, so the histograms of ranks add bin by
 * bin. A latency of v = lat / SYS_LAT_BIN_PS units (100 ps) falls in bin v
 * below SYS_LAT_SUB units (12.8 ns); above, each power of two [2^e, 2^(e+1))
 * units is cut into SYS_LAT_SUB equal bins of 2^(e - 7) units. A bin is then
 * at most 1/SYS_LAT_SUB as wide as its lower edge: an upper edge (the p99)
 * exceeds any latency in its bin by less than 0.79 %, or 100 ps below 12.8 ns.
 * Every edge is a multiple of 100 ps; the edges below 12.8 ns are those of
 * the former linear bins. 2^64 ps < 2^58 units: whole octaves e = 7 .. 57,
 * of which the top 92 bins lie beyond every nmsim_ps and stay empty. */
#define SYS_LAT_BIN_PS 100u   /* the unit: width of the finest bins */
#define SYS_LAT_SUB_BITS 7u
#define SYS_LAT_SUB (1u << SYS_LAT_SUB_BITS)
#define SYS_LAT_BINS ((58u - SYS_LAT_SUB_BITS + 1u) * SYS_LAT_SUB) /* 6656 */

/* The bin of a latency: s M + (v >> s), s the octave above the linear bins. */
static inline uint32_t sys_lat_bin(nmsim_ps lat) {
  uint64_t v = lat / SYS_LAT_BIN_PS;
  if (v < SYS_LAT_SUB) return (uint32_t)v;
  uint32_t s = 63u - (uint32_t)__builtin_clzll(v) - SYS_LAT_SUB_BITS;
  return s * SYS_LAT_SUB + (uint32_t)(v >> s);
}

/* Lower edge of bin b in ps (b = SYS_LAT_BINS: the top of the last bin);
 * bin b counts [edge(b), edge(b + 1)). Exact in a double: at most 9
 * significant bits times 100. */
static inline double sys_lat_edge_ps(uint32_t b) {
  uint32_t s = b < 2 * SYS_LAT_SUB ? 0 : b / SYS_LAT_SUB - 1;
  return (double)((uint64_t)(b - s * SYS_LAT_SUB) << s) * SYS_LAT_BIN_PS;
}

/* Traces of a plastic projection: presynaptic per pre neuron, postsynaptic
 * per post neuron (models/stdp.h), times in ms. */
typedef struct sys_plast {
  const stdp_rule *rule;   /* NULL: the projection is static */
  const stdp_params *p;
  uint32_t pre, post;      /* populations */
  stdp_trace *x;           /* pre population size */
  stdp_trace *y;           /* post population size */
  bool here;               /* some of its synapses learn in this process (a core
                            * of a post neuron is here): else its traces and
                            * updates are another process's work */
} sys_plast;

enum { SYS_LEARN_PRE = 1, SYS_LEARN_POST = 2 };

typedef struct sys sys;
/* Called after every completed step (recording, writers). */
typedef nmsim_status (*sys_step_hook)(void *ctx, sys *s, nmsim_err *err);

struct sys {
  const nmsim_scenario *scn; /* read by the system (sim/system), never by cores or the NoC */
  const nmsim_chip *chip;
  sim_engine *eng;
  /* what the cores need of the scenario */
  uint64_t steps, seed;
  double dt_ms;
  uint32_t n_pops, n_projs;

  uint32_t n_cores, n_tiles;  /* whole board */
  uint32_t n_chips, chips_used;
  struct noc_grid *grid;   /* the board's tiles: chips_x * mesh width, ... (noc/topology.h) */
  const struct noc_topology *topo; /* the chip's topology and routing algorithm */
  const struct noc_routing *routing;
  uint32_t unit_router0;   /* unit id of router 0; cores are units 0..n_cores-1 */
  uint32_t unit_barrier;
  sys_core *cores;
  struct sys_router *routers; /* per tile (noc/noc_int.h) */

  /* mapping of neurons: gid = pop_gid0[pop] + index */
  uint32_t *pop_gid0;
  uint32_t n_neurons;
  uint32_t *loc_core, *loc_local;
  uint32_t *used;          /* ids of cores holding neurons, increasing */
  uint32_t n_used;
  uint32_t tiles_used;
  nmsim_ps barrier_ps;

  /* pacing (timed mode): step k starts no earlier than k x pace_ps (0: as
   * soon as step k - 1 ends); a chip on ticks ticks every tick_ps = pace_ps */
  nm_pacing pacing;
  nmsim_ps pace_ps, tick_ps;
  double static_mw;        /* the board's static power: whole chips, or with
                            * gating the chips, tiles and cores in use */
  const char *pace_from;   /* "the chip", "engine.pacing", ... */

  /* DVFS (a scenario's dvfs on a chip with pe.dvfs): how PEs choose their
   * level; PE ticks at each level this step (summed over the processes when
   * the step closes) and over the run; level switches; the PEs' static
   * energy (their level's static power over each tick; static_mw then
   * leaves out the core part of the PEs in use) */
  enum { SYS_DVFS_OFF, SYS_DVFS_FIXED, SYS_DVFS_LOAD } dvfs;
  double dvfs_headroom;
  uint64_t step_level_ticks[CHIP_MAX_LEVELS], level_ticks[CHIP_MAX_LEVELS];
  uint64_t dvfs_switches;
  double dvfs_static_pj;

  /* the step's critical path (timed mode), set before core_end_step (by the
   * core type, or reduced over the processes): crit_key names the core that
   * finished last (sys_crit_key), crit_compute the longest own updates from
   * the step's start, crit_learn the learning phase; core_end_step turns them
   * into step_crit (the core, UINT32_MAX: none), step_crit_comm (packets
   * kept it busy after its own updates) and step_split (RUN_SPLIT_*) */
  uint64_t crit_key;
  nmsim_ps crit_compute, crit_learn;
  uint32_t step_crit;
  bool step_crit_comm;
  nmsim_ps step_split[4];
  nmsim_ps split_sum[4];   /* step_split summed over the run's steps with a critical core */
  uint64_t crit_tracked;   /* ... and how many they are */

  /* Link tables per window of steps (timed runs with a NoC): link_window
   * steps a window, n_windows of them; per window its hardware time, and per
   * window and link slot (tile * NOC_MAX_DIRS + port) the packets, busy time
   * and stall time (noc_fold_window); NULL: not kept */
  uint64_t link_window, n_windows;
  nmsim_ps win_acc_ps;     /* hardware time of the window so far */
  nmsim_ps *win_ps;
  uint64_t *win_packets, *win_busy, *win_stall;

  /* record.timeline: steps [tl_first, tl_end); per step and used core (in
   * s->used order) TL_FIELDS words (sys_timeline_row); NULL: none */
  uint64_t tl_first, tl_end;
  uint64_t *tl;
  nmsim_ps *tl_syn0;       /* per used core: its synapse busy time at the step's start */
  nmsim_ps *tl_learn0;     /* ... its learning time */
  uint64_t *tl_rx0;        /* ... and its packets */

  /* step state */
  uint64_t step;
  nmsim_ps step_start;
  uint32_t cores_done;
  uint64_t in_flight;      /* packets injected and not yet delivered */
  nmsim_ps work_end;       /* latest end of synaptic work this step */
  bool finished;
  bool oom;                /* functional mode ran out of memory */
  struct nm_pool *pool;    /* network mode with threads: the neuron update of a large
                            * block is cut over the pool's threads (sim/base/pool.h) */
  bool rows;               /* every local core has its row index and synapses (not
                            * the NoC traffic generator's bare cores) */
  sys_plast *plast;        /* per projection (rule NULL for static ones); NULL if none */
  uint8_t *learn_side;     /* per population with plast: SYS_LEARN_PRE / SYS_LEARN_POST if
                            * it is the pre / post population of a plastic projection
                            * that learns here (sys_plast.here) */
  uint8_t *spiked;         /* per neuron (gid): spiked this step (learning phase) */

  /* per-step results, valid in the step hook */
  nm_energy step_energy;
  uint64_t step_hops[3];   /* this step's hops not yet in step_energy, per link kind
                            * (noc_link_kind: E-W, N-S, chip link): noc_fold_step_hops */
  nmsim_ps step_latency;
  uint32_t **pop_spikes;   /* per population: neuron indices spiking this step */
  size_t *pop_nspikes;
  size_t *pop_cap;

  /* whole-run results */
  nm_energy energy;
  uint64_t *pop_total_spikes;
  double window_max_pj;    /* largest energy of one step (dynamic + static) */
  /* Trials of a labelled recording (a dvs population's labels): each one's
   * steps, and the energy and time of its steps (n_trials 0: none) */
  size_t n_trials, trial_cur;
  int32_t *trial_label;
  uint64_t *trial_start, *trial_len, *trial_done;
  double *trial_pj;
  nmsim_ps *trial_ps;
  double power_max_mw;     /* largest mean power of one step's window */
  uint64_t *pop_bursts;    /* per population */
  /* per population: the dynamic energy of its work (its neurons' updates,
   * the synaptic events and updates of synapses onto it, its spikes leaving
   * their cores; the network's hops and the barrier are no one's), and the
   * time cores spent on that work (timed mode) */
  nm_energy *pop_energy;
  nmsim_ps *pop_busy;
  uint64_t *last_spike;    /* per neuron (gid): step of its last spike + 1, 0 if none */
  uint8_t *in_burst;       /* per neuron: its last spike belongs to a counted burst */
  uint64_t burst_isi;      /* steps: spikes this close belong to one burst */
  uint64_t packets, hops, spikes;
  nmsim_ps step_min, step_max, hw_time;
  uint64_t *lat_hist;      /* SYS_LAT_BINS packet counts (sys_lat_record) */
  uint64_t lat_overflow;   /* always 0: the bins cover every latency */
  double lat_sum_ps;
  nmsim_ps lat_max;

  const core_type *type;   /* the chip's core type (cores/core_type.h) */
  const struct sys_path *path; /* where a core's spikes go (chosen by sys_build) */
  void *core_state;        /* the core type's own state (its build), or NULL */
  /* functional mode over processes: the spike of local neuron j of core src
   * has a target on core dst of another process (set by the partition) */
  void (*defer)(struct sys *s, uint32_t src, uint32_t j, uint32_t dst, double value);
  struct noc_mc *mc;       /* CORE_ROUTE_KEYED: key/mask multicast routing; else NULL */
  const uint32_t *key_pop; /* CORE_ROUTE_KEYED: the population of each key >> key_bits
                              (owned by the multicast routes, noc/mcast.c); else NULL */
  uint32_t key_bits;
  bool hop_by_hop;         /* no sending ahead (noc_port_send): the reference for tests */
  bool noc_ahead;          /* ports send ahead (noc/mesh.c; set by noc_init_ports) */
  bool noc_rings;          /* the topology has rings: bubble flow control (noc_init_ports) */
  uint64_t tick_overruns;  /* steps whose work did not fit their real-time period
                            * (ticks that fired while their core was still busy) */
  nmsim_ps busy_ps;        /* the time the chip computes: the union of the steps' work,
                              each from its step's start (on tick chips a PE still busy
                              with one tick's packets while the next tick's work starts
                              counts that time once) */
  nmsim_ps busy_until;     /* the end of the work counted in busy_ps so far */
  nmsim_ps lat_steps_ps;   /* sum of the steps' latencies */
  uint64_t late_packets;   /* packets processed after their target tick started */

  sys_step_hook hook;
  void *hook_ctx;

  /* engine.mode network (sim/system/netmode.c): synapse rows per projection and
   * source neuron; NULL otherwise */
  struct sys_net *net;

  /* a run split over MPI ranks (sim/mpi/partition.h); NULL in one process */
  struct sys_part *part;
  const uint8_t *unit_here; /* per unit (cores, then routers): owned by this process;
                              NULL: all are */
};

/* What a core's time is spent on (sys_core.busy). */
enum { SYS_BUSY_NEURONS, SYS_BUSY_SYNAPSES, SYS_BUSY_LEARNING };

/* A core's timeline row (record.timeline): when its own updates began and
 * ended, when its last work (updates or synaptic events) ended, all in ps of
 * hardware time; its synaptic and learning work in the step (ps) and the
 * packets it took. */
enum { TL_UPD_START, TL_UPD_END, TL_WORK_END, TL_SYN_PS, TL_LEARN_PS, TL_PACKETS, TL_FIELDS };

/* The key of core `core` finishing its step's work `rel` ps after the step's
 * start (comm: synaptic events after its own updates kept it busy): the
 * largest key over the cores names the one that finished last, the lowest
 * id among ties. Steps longer than 2^43 ps (8.8 s) count as that long. */
static inline uint64_t sys_crit_key(nmsim_ps rel, uint32_t core, bool comm) {
  if (rel > ((uint64_t)1 << 43) - 1) rel = ((uint64_t)1 << 43) - 1;
  return rel << 21 | (uint64_t)(0xFFFFFu - (core & 0xFFFFFu)) << 1 | (comm ? 1u : 0u);
}
static inline uint32_t sys_crit_core(uint64_t key) {
  return 0xFFFFFu - (uint32_t)(key >> 1 & 0xFFFFFu);
}

/* Whether unit u (a core, or unit_router0 + a tile) runs in this process. */
static inline bool sys_unit_here(const sys *s, uint32_t u) {
  return !s->unit_here || s->unit_here[u];
}
/* Whether core `core` runs in this process. */
static inline bool sys_core_here(const sys *s, uint32_t core) { return sys_unit_here(s, core); }

/* Count one delivered packet of latency lat (its core type's deliver handler). */
static inline void sys_lat_record(sys *s, nmsim_ps lat) {
  s->lat_hist[sys_lat_bin(lat)]++;
  s->lat_sum_ps += (double)lat;
  if (lat > s->lat_max) s->lat_max = lat;
}

/* How a core sends the spike of neuron i of its block bi, leaving at time t:
 * returns the time the core is done sending. */
typedef nmsim_ps (*core_emit_fn)(sys *s, sys_core *c, size_t bi, uint32_t i, nmsim_ps t,
                                 double value);
/* Where the n spikes of block bi of core c go when no time passes: spk are
 * their indices in the block, val their graded values (NULL: all 1). */
typedef void (*core_emit_block_fn)(sys *s, sys_core *c, size_t bi, const uint32_t *spk,
                                   size_t n, const double *val);

/* A delivery path: where the spikes of a core go, chosen once when the
 * system is built, so a core's update calls none of the run modes. A timed
 * path (emit) sends packets through the NoC, whose events it handles; an
 * untimed one (emit_block) puts a step's spikes straight into their targets'
 * input rings, in this process or another. */
typedef struct sys_path {
  const char *name;
  core_emit_fn emit;             /* timed paths */
  core_emit_block_fn emit_block; /* untimed paths */
  void (*fold_hops)(sys *s);     /* before a step's energy is read: its hops; NULL: none */
  /* after a step of span ps: the link tables of its window (s->link_window);
   * NULL: no links */
  void (*fold_window)(sys *s, nmsim_ps span);
  /* A multicast path: a copy of ev queued at router `tile` left at time now
   * (the packet's input slot frees with its last copy); NULL: none. */
  void (*port_left)(sys *s, sim_engine *e, uint32_t tile, const sim_event *ev, nmsim_ps now);
  core_handler handlers[CORE_MAX_HANDLERS]; /* the path's events, ended by fn NULL */
} sys_path;

/* Charge n events of category cat to e (energy = n * per-event cost). */
static inline void sys_charge(nm_energy *e, int cat, uint64_t n, double pj_each) {
  nm_energy_add(e, cat, n, (double)n * pj_each);
}
/* ... to core c and to the step. */
static inline void sys_charge_core(sys *s, sys_core *c, int cat, uint64_t n, double pj_each) {
  sys_charge(&c->energy, cat, n, pj_each);
  sys_charge(&s->step_energy, cat, n, pj_each);
}
/* ... to core c, the step and population pop. */
static inline void sys_charge_pop(sys *s, sys_core *c, uint32_t pop, int cat, uint64_t n,
                                  double pj_each) {
  sys_charge_core(s, c, cat, n, pj_each);
  sys_charge(&s->pop_energy[pop], cat, n, pj_each);
}
/* The population of local neuron `local` of core c. */
static inline uint32_t sys_local_pop(const sys_core *c, uint32_t local) {
  return c->blocks[c->n_blocks == 1 ? 0 : c->block_of[local]].pop_id;
}
/* Charge the work on synapses syn[lo, hi) of core c (one row; hi > lo) to
 * category cat of the core and the step, and to the populations they reach:
 * (u_row + u_syn per synapse) units of pj_unit each, u_row to the population
 * of the first synapse; their time, ps_row and ps_syn per synapse, to the
 * populations alone. */
void sys_charge_row(sys *s, sys_core *c, uint32_t lo, uint32_t hi, int cat, uint64_t u_syn,
                    uint64_t u_row, double pj_unit, nmsim_ps ps_syn, nmsim_ps ps_row);

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

#endif
