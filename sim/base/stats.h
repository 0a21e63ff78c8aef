/* stats.h: energy/event categories (written once, as an X-macro, so the enum,
 * the report labels and the HDF5/SQLite column names never drift apart) and
 * the summary of a finished run that the report prints. */
#ifndef NMSIM_SIM_STATS_H
#define NMSIM_SIM_STATS_H

#include "sim/base/sim_int.h"

/* X(ENUM, key, label): key is the JSON/HDF5/SQLite name, label the report's. */
#define NMSIM_ENERGY_MAP(X)                                          \
  X(SYN_OP, synaptic_op, "synaptic operations")                     \
  X(SYN_UPDATE, synaptic_update, "synaptic updates (learning)")     \
  X(NEURON_UPDATE, neuron_update, "neuron updates, active")         \
  X(NEURON_IDLE, neuron_idle, "neuron updates, inactive")           \
  X(SPIKE_OUT, spike_out, "spike generation")                       \
  X(WITHIN_TILE, within_tile, "within-tile spike routing")          \
  X(LINK_HOP, link_hop, "mesh link hops")                           \
  X(CHIP_LINK, chip_link, "chip-to-chip link hops")                 \
  X(BARRIER, barrier, "barrier synchronisation")

typedef enum nm_energy_cat {
#define X(e, k, l) NM_E_##e,
  NMSIM_ENERGY_MAP(X)
#undef X
  NM_E_COUNT
} nm_energy_cat;

/* Key ("synaptic_op") and label of a category; NULL if out of range. */
const char *nm_energy_key(int cat);
const char *nm_energy_label(int cat);

/* What a run in `mode` ("timed", "functional" or "network"; NULL is timed)
 * models. Functional mode hands spikes straight to their rows, with no
 * network-on-chip: no routing, hops or barrier, so no energy in those
 * categories and no hop count. Network mode has no chip at all: no spike
 * generation and no packets either. A figure a mode does not model is
 * reported as "not modelled" (absent from JSON, NULL in the results
 * database), never as 0. */
bool nm_energy_modelled(int cat, const char *mode);
bool nm_packets_modelled(const char *mode);
bool nm_hops_modelled(const char *mode);

/* Per-category counters of one unit or one step: events and energy. The
 * energy is summed exactly, in fixed point (fx: 64 integer and 64 fraction
 * bits of pJ, each charge truncated to 2^-64 pJ), and pj is that sum rounded
 * to double. So a sum does not depend on the order of its terms: a run split
 * over MPI ranks adds the same charges in another order and gets the same
 * bits. Add only through nm_energy_add and nm_energy_merge. */
typedef struct nm_energy {
  uint64_t n[NM_E_COUNT];     /* occurrences */
  double pj[NM_E_COUNT];      /* energy, pJ (derived from fx_hi, fx_lo) */
  uint64_t fx_hi[NM_E_COUNT]; /* exact sum: integer pJ */
  uint64_t fx_lo[NM_E_COUNT]; /*   ... and its fraction, in units of 2^-64 pJ */
} nm_energy;

/* Add n occurrences costing pj in total (pj >= 0, below 2^64) to category cat. */
static inline void nm_energy_add(nm_energy *e, int cat, uint64_t n, double pj) {
  e->n[cat] += n;
  if (!(pj > 0)) return;
  uint64_t hi = pj < 0x1p64 ? (uint64_t)pj : UINT64_MAX;
  uint64_t lo = (uint64_t)((pj - (double)hi) * 0x1p64); /* exact below 2^53 pJ */
  uint64_t l = e->fx_lo[cat] + lo;
  e->fx_hi[cat] += hi + (l < lo);
  e->fx_lo[cat] = l;
  e->pj[cat] = (double)e->fx_hi[cat] + (double)e->fx_lo[cat] * 0x1p-64;
}

/* Add n occurrences costing pj each: exactly what n calls of nm_energy_add
 * with one occurrence each would add (the same fixed-point sum), in one. */
static inline void nm_energy_add_each(nm_energy *e, int cat, uint64_t n, double pj) {
  e->n[cat] += n;
  if (!n || !(pj > 0)) return;
  uint64_t hi = pj < 0x1p64 ? (uint64_t)pj : UINT64_MAX;
  uint64_t lo = (uint64_t)((pj - (double)hi) * 0x1p64);
  __extension__ typedef unsigned __int128 u128;
  u128 l = (u128)n * lo + e->fx_lo[cat]; /* the carries of the n additions */
  e->fx_hi[cat] += n * hi + (uint64_t)(l >> 64);
  e->fx_lo[cat] = (uint64_t)l;
  e->pj[cat] = (double)e->fx_hi[cat] + (double)e->fx_lo[cat] * 0x1p-64;
}

/* Add every category of b to a (exactly). */
void nm_energy_merge(nm_energy *a, const nm_energy *b);

#define RUN_DVFS_LEVELS 4 /* CHIP_MAX_LEVELS */

typedef struct run_pop_summary {
  char *name;
  char *model;
  uint32_t size;
  uint64_t spikes;
  uint64_t bursts;            /* runs of >= 2 spikes of one neuron with ISIs <= burst ISI */
  double rate_hz;             /* spikes / size / (steps * dt) */
  /* what the population's work cost (run_summary.pop_cost): dynamic energy
   * of its neurons' updates (active and idle), of synaptic events onto it
   * (with a SpiNNaker-like PE's per-packet lookup), of learning updates of
   * synapses onto it, and of its spikes leaving their cores; and the time
   * cores spent on that work (timed mode; summed over cores, so it can
   * exceed the run's hardware time) */
  double pj_neurons, pj_synapses, pj_learning, pj_spikes;
  nmsim_ps busy_ps;
} run_pop_summary;

/* Where a population's neurons sit: neurons [first, first + n) on one core. */
typedef struct run_map_entry {
  char *pop;
  uint32_t first, n;
  uint32_t core, tile, chip;
} run_map_entry;

/* A core among those that bound the run (timed mode): the steps it finished
 * last in (of which packets after its own updates kept it busy), and its
 * busy time by kind over the run (neurons, synapses, learning). */
typedef struct run_core_summary {
  uint32_t core, tile, chip;
  uint64_t crit_steps, crit_comm_steps;
  nmsim_ps busy_ps[3];
} run_core_summary;

#define RUN_TOP_CORES 5

/* A link among those that bound the run (timed mode): totals, and its
 * busiest window of steps (run_summary.link_window steps). */
typedef struct run_link_summary {
  char name[32];              /* "tile<i>/<direction>" */
  uint64_t packets;
  nmsim_ps busy_ps, stall_ps;
  double peak_util;           /* the largest busy share of one window */
  nmsim_ps peak_stall_ps;     /* the largest stall of one window */
  uint64_t peak_window;       /* the window of peak_util */
} run_link_summary;

#define RUN_TOP_LINKS 8 /* the 5 with the most stall, then the 3 busiest others */

/* The parts of a step's time: the longest own updates of a core from the
 * step's start (compute); then until the critical core's last synaptic
 * event (communication: spikes still in flight to it); the learning phase;
 * and the rest (sync: the barrier on barrier chips, the wait for the next
 * tick on tick chips). */
enum { RUN_SPLIT_COMPUTE, RUN_SPLIT_COMM, RUN_SPLIT_LEARN, RUN_SPLIT_SYNC };

/* A trial of a labelled recording (DvsGesture-style labels of a dvs
 * population): its label, first step and steps run, and the energy (dynamic
 * plus static) and hardware time of those steps. */
typedef struct run_trial_summary {
  int32_t label;
  uint32_t complete;          /* 1: the run covered all of the trial's steps */
  uint64_t start_step, steps;
  double energy_pj;
  nmsim_ps time_ps;
} run_trial_summary;

/* Everything the energy and latency report shows. Produced by a run, stored
 * in the HDF5 file, and read back from it by `nmsim report`. */
typedef struct run_summary {
  char *scenario;             /* scenario name */
  char *chip;                 /* chip name */
  char *mode;                 /* engine mode: timed, functional or network (NULL: timed) */
  char *nmsim_version;
  char *status;               /* "complete" or "incomplete" */
  uint64_t seed;
  uint64_t steps;             /* steps completed */
  double dt_ms;
  uint32_t n_cores, cores_used, tiles_used, n_tiles;
  uint32_t n_chips, chips_used;

  double energy_pj[NM_E_COUNT];
  double dynamic_pj;          /* sum of energy_pj */
  double static_pj;
  double total_pj;            /* sum of energy_pj + static_pj */
  double static_power_mw;     /* of the whole board, charged over hw_time_ps */
  /* its parts: per chip, tile and core (a chip file's scalar static_power is
   * the chip part alone), and whether idle chips, tiles and cores were
   * power-gated (1) or all leaked (0) */
  double static_chip_mw, static_tile_mw, static_core_mw;
  uint32_t static_gated;
  /* the static energy of the cores in use alone (their static_power.core, or
   * under DVFS their levels'), for figures of the cores a network uses
   * (nmsim validation); in memory only, not stored in the run file */
  double used_static_pj;

  /* Timed mode: how steps followed one another (NULL or "" in functional and
   * network mode, and in files of older versions): "fast", "realtime" or
   * "recording"; the period (0: fast); whose pacing it was ("the chip's",
   * "engine.pacing", "the recording's"); and the time the chip computed, the
   * sum of the steps' latencies (hw_time_ps less the idle time of pacing). */
  char *pacing;
  char *pacing_from;
  /* DVFS of the PEs (timed mode, a scenario's dvfs): the policy ("fixed" or
   * "load"; NULL or "": none), load's headroom, level switches and the time
   * each takes, and per performance level (from the slowest) its clock,
   * voltage and the PE ticks run at it. static_pj then holds the PEs' static
   * energy by level, and static_power_mw is the mean over the run. */
  char *dvfs;
  double dvfs_headroom;
  uint64_t dvfs_switches;
  nmsim_ps dvfs_switch_ps;
  uint32_t dvfs_levels;
  double dvfs_clock_hz[RUN_DVFS_LEVELS], dvfs_volts[RUN_DVFS_LEVELS];
  uint64_t dvfs_ticks[RUN_DVFS_LEVELS];
  nmsim_ps pacing_ps;
  nmsim_ps busy_ps;

  nmsim_ps hw_time_ps;        /* hardware time of the whole run */
  nmsim_ps step_min_ps, step_max_ps;
  double step_mean_ps;
  double packet_mean_ps, packet_p99_ps;

  uint64_t spikes, synaptic_ops, neuron_updates, packets, hops;
  /* Chips on ticks (core_kind spinnaker2, truenorth; 0 on others): ticks
   * that fired while their core was still busy, so the tick started late; and
   * packets processed after their target tick had started, whose input then
   * counts one tick or more later (this can change the spikes). */
  uint64_t tick_overruns, late_packets;
  /* input: events replayed from recordings (dvs populations), and the energy
   * of one step (the time window of dt): mean and largest, dynamic energy
   * plus static power over the step's hardware time */
  uint64_t input_events;
  /* utilisation of the used cores against the chip's limits (fractions):
   * neurons, synapse memory, fan-in (input axons), fan-out (destinations) */
  double util_neurons_mean, util_neurons_max, util_synmem_mean, util_synmem_max;
  double util_fanin_max, util_fanout_max;
  double window_mean_pj, window_max_pj;
  double power_max_mw;        /* largest mean power of one step's window (timed mode) */

  run_pop_summary *pops;
  size_t n_pops;
  uint32_t pop_cost;          /* 1: the populations' energy and time are known
                                 (0 in files of older versions) */

  /* The board's grid of tiles (grid_w x grid_h, chips of chip_w x chip_h
   * tiles; tile t at (t % grid_w, t / grid_w)); 0 in network mode. */
  uint32_t grid_w, grid_h, chip_w, chip_h;
  /* Mapping: every (population, core) block of neurons, in core order. */
  run_map_entry *map;
  size_t n_map;
  /* Bottlenecks (timed mode; crit_steps 0: not tracked): the steps whose
   * critical core is known, the sums over them of the step's parts
   * (compute, communication, learning, sync: barrier or wait for the next
   * tick; RUN_SPLIT_*), and the cores that finished last most often. */
  uint64_t crit_steps;
  nmsim_ps split_ps[4];
  uint32_t on_ticks;          /* 1: the chip runs on ticks (sync is the wait for the next) */
  run_core_summary top_cores[RUN_TOP_CORES];
  uint32_t n_top_cores;
  /* the links with the most back-pressure (stall), then the busiest, and
   * the windows they were measured over */
  run_link_summary top_links[RUN_TOP_LINKS];
  uint32_t n_top_links;
  uint64_t link_window, n_windows;
  nmsim_ps stall_ps;          /* all links' stall time */
  /* the trials of a labelled recording that the run reached (0: none) */
  run_trial_summary *trials;
  size_t n_trials;
} run_summary;

/* Free the strings and arrays of s and zero it (s itself is not freed). */
void run_summary_clear(run_summary *s);


#endif
