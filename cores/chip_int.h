/* chip_int.h: a chip architecture as read from a chip file (scenarios/chips/).
 * Energies in pJ, times in ps. Every preset cites its sources in the file. */
#ifndef NMSIM_CORES_CHIP_INT_H
#define NMSIM_CORES_CHIP_INT_H

#include "nmsim/chip.h"
#include "sim/base/sim_int.h"

/* Cost of one occurrence of an event on the unit that performs it. */
typedef struct chip_cost {
  double energy_pj;
  nmsim_ps time_ps;
} chip_cost;

/* One DVFS performance level of a PE: its clock, supply voltage, energy per
 * busy cycle, static power (leakage and clock tree, replacing the chip's
 * static_power.core for a PE under DVFS), and the costs derived from the
 * PE's cycle counts at that clock. */
#define CHIP_MAX_LEVELS 4
typedef struct chip_pe_level {
  double clock_hz, volts, pj_per_cycle, static_mw;
  chip_cost neuron_active, neuron_idle, spike_out;
} chip_pe_level;

/* A processing element on a clocked processor (core types with CORE_CHIP_PE,
 * such as spinnaker2): software on a
 * clocked processor, so every cost is a number of cycles at the PE clock and
 * energy is cycles x energy per cycle. */
typedef struct chip_pe {
  double clock_hz;              /* PE clock */
  nmsim_ps tick_ps;             /* timer tick: the hardware time of one model step,
                                   whatever the scenario's dt (SpiNNaker's
                                   time_scale_factor is tick / dt) */
  nmsim_ps tick_offset_ps;      /* PE i's timer starts at (i * offset) mod tick */
  double pj_per_cycle;          /* energy of one busy cycle */
  uint32_t cyc_neuron;          /* cycles: update of a neuron that had input or spiked */
  uint32_t cyc_idle;            /* cycles: update of any other neuron */
  uint32_t cyc_packet;          /* cycles: a received packet (interrupt, row lookup, DMA) */
  uint32_t cyc_synapse;         /* cycles: one synapse of the row */
  uint32_t cyc_spike;           /* cycles: sending one multicast packet */
  chip_cost packet;             /* derived: cyc_packet at the clock */
  /* DVFS (pe.dvfs, optional): performance levels, slowest first, and the
   * time a PE stalls to switch between two; n_levels 0: none */
  chip_pe_level level[CHIP_MAX_LEVELS];
  uint32_t n_levels;
  nmsim_ps switch_ps;
} chip_pe;

/* One point of the barrier-time table: time of a barrier spanning `tiles`
 * tiles. Between points the time is interpolated linearly; beyond the last
 * point it is extrapolated from the last two. */
typedef struct chip_barrier_point {
  uint32_t tiles;
  nmsim_ps time_ps;
} chip_barrier_point;

struct nmsim_chip {
  char *name;
  char *path;            /* "preset:NAME" or the file path */
  char *text;            /* the chip file's text */
  char *description;
  const struct core_type *core_type; /* core_kind: its descriptor (cores/core_type.h) */

  /* Geometry: a mesh of width x height tiles, cores_per_tile cores each.
   * Core c sits in tile c / cores_per_tile; tile t at (t % width, t / width).
   * n_cores (mesh.cores, default all) may leave the last tiles with a router
   * and no cores, for chips whose grid has holes. */
  uint32_t mesh_width, mesh_height, cores_per_tile;
  uint32_t n_cores;

  /* Per-core limits. */
  uint32_t max_neurons;         /* neurons (compartments) per core */
  uint64_t synapse_memory_bytes;/* synapse memory per core */
  uint32_t synapse_bytes;       /* bytes one synapse takes in that memory */
  uint32_t max_fan_in;          /* input axons per core */
  uint32_t max_fan_out;         /* output axons (destination cores x source neurons) per core */

  /* Per-event costs on a core (core_kind spinnaker2: derived from pe). */
  chip_cost syn_op;             /* one synaptic operation (per synapse of a delivered spike) */
  chip_cost syn_update;         /* one learning update of a synapse */
  chip_cost neuron_active;      /* update of a neuron that had input or non-rest state */
  chip_cost neuron_idle;        /* update of an inactive neuron */
  chip_cost spike_out;          /* generation of one spike packet by a core */
  chip_cost spike;              /* a neuron's firing, once per spike before its
                                   packets (costs.spike; 0 when absent) */

  /* Network-on-chip: its topology and routing algorithm (noc/topology.h;
   * default mesh and dimension order) and the costs of its links. */
  const struct noc_topology *topology;
  const struct noc_routing *routing;
  chip_cost within_tile;        /* packet to a core in the same tile */
  chip_cost hop_ew;             /* one tile hop east or west */
  chip_cost hop_ns;             /* one tile hop north or south */
  nmsim_ps link_serialization_ps; /* time a packet occupies a link */
  uint32_t buffer_depth;        /* packets an input port of a router holds; 0: unlimited */
  nmsim_ps credit_latency_ps;   /* time a credit takes back to the upstream router on chip */

  /* Links between the chips of a board (the topology spans the board's grid
   * of tiles; a hop from one chip to another uses these costs). */
  bool has_chip_link;
  chip_cost chip_link;
  nmsim_ps chip_link_serialization_ps;

  /* Barrier at the end of each step: by tiles within one chip, and by chips
   * across a board (points whose `tiles` field counts chips). */
  chip_barrier_point *barrier;
  size_t n_barrier;
  chip_barrier_point *barrier_chips;
  size_t n_barrier_chips;
  double barrier_energy_pj_per_tile;

  double static_power_mw;       /* whole chip, every core and tile on */
  /* static_power as parts (static_power: {chip, tile, core, gating}): what
   * leaks besides the tiles and cores, and each tile and core; with gating
   * idle, a chip, tile or core that holds no neuron is power-gated and draws
   * nothing. A scalar static_power is the chip part alone, never gated. */
  double static_chip_mw, static_tile_mw, static_core_mw;
  bool static_gated;

  /* How the chip is run, step after step (pacing: fast or {realtime: T}):
   * a chip with a barrier, fast unless its file says otherwise; a chip on
   * ticks, in real time at its tick, the one pacing it has. */
  nm_pacing pacing;
  nmsim_ps pacing_ps;           /* the period in real time (0: fast) */

  /* Core types with CORE_CHIP_TICK (truenorth; zero otherwise): the period of
   * the global tick that starts a step on every core at once. */
  nmsim_ps tick_ps;

  /* core_kind spinnaker2 only (zero otherwise). */
  chip_pe pe;
  uint32_t router_entries;      /* key/mask entries a router's table holds */
};

/* Where a chip file's figures come from, by the comment beside them: a
 * source cited (a paper, a table, a datasheet), derived from cited figures
 * ("# derived: ..."), an estimate ("estimate" in the comment, or "invented"),
 * or nothing said. */
enum { CHIP_PROV_CITED, CHIP_PROV_DERIVED, CHIP_PROV_ESTIMATE, CHIP_PROV_NONE, CHIP_PROV_KINDS };
/* Count the figures of chip file text (each `key: number` value, a flow
 * mapping's several on one line) by the comment of their line. */
void chip_provenance(const char *text, uint32_t n[CHIP_PROV_KINDS]);

static inline uint32_t chip_n_tiles(const nmsim_chip *c) {
  return c->mesh_width * c->mesh_height;
}
static inline uint32_t chip_n_cores(const nmsim_chip *c) {
  return c->n_cores;
}
/* Barrier time for a barrier spanning `tiles` tiles (0 for a chip without a
 * barrier table, core_kind spinnaker2): linear interpolation
 * between the points, the first point's time below it, extrapolation from the
 * last two points beyond the last (its time if there is one point), never
 * negative, rounded to the nearest ps. */
nmsim_ps chip_barrier_time(const nmsim_chip *c, uint32_t tiles);
/* Barrier time across `chips` chips of a board (chips > 1): interpolated
 * between one chip with all its tiles and the file's multi_chip points. */
nmsim_ps chip_barrier_time_chips(const nmsim_chip *c, uint32_t chips);

/* Texts of the bundled presets, in the order of nmsim_chip_presets (generated
 * at build time from the files in scenarios/chips by cmake/embed_chips.cmake). */
extern const char *const chip_preset_texts[];

#endif
