/* chip_int.h: a chip architecture as read from a chip file (scenarios/chips/).
 * Energies in pJ, times in ps. Every preset cites its sources in the file. */
#ifndef NMSIM_CORES_CHIP_INT_H
#define NMSIM_CORES_CHIP_INT_H

#include "nmsim/chip.h"
#include "sim/sim_int.h"

/* Cost of one occurrence of an event on the unit that performs it. */
typedef struct chip_cost {
  double energy_pj;
  nmsim_ps time_ps;
} chip_cost;

typedef enum chip_core_kind {
  CHIP_CORE_LOIHI  /* time-stepped neurocore with barrier synchronisation */
} chip_core_kind;

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
  chip_core_kind core_kind;

  /* Geometry: a mesh of width x height tiles, cores_per_tile cores each.
   * Core c sits in tile c / cores_per_tile; tile t at (t % width, t / width). */
  uint32_t mesh_width, mesh_height, cores_per_tile;

  /* Per-core limits. */
  uint32_t max_neurons;         /* neurons (compartments) per core */
  uint64_t synapse_memory_bytes;/* synapse memory per core */
  uint32_t synapse_bytes;       /* bytes one synapse takes in that memory */
  uint32_t max_fan_in;          /* input axons per core */
  uint32_t max_fan_out;         /* output axons (destination cores x source neurons) per core */

  /* Per-event costs on a core. */
  chip_cost syn_op;             /* one synaptic operation (per synapse of a delivered spike) */
  chip_cost syn_update;         /* one learning update of a synapse */
  chip_cost neuron_active;      /* update of a neuron that had input or non-rest state */
  chip_cost neuron_idle;        /* update of an inactive neuron */
  chip_cost spike_out;          /* generation of one spike packet by a core */

  /* Network-on-chip (2D mesh, dimension-order routing, X first). */
  chip_cost within_tile;        /* packet to a core in the same tile */
  chip_cost hop_ew;             /* one tile hop east or west */
  chip_cost hop_ns;             /* one tile hop north or south */
  nmsim_ps link_serialization_ps; /* time a packet occupies a link */
  uint32_t buffer_depth;        /* packets an input port of a router holds; 0: unlimited */

  /* Links between the chips of a board (the mesh continues across chips; a
   * hop that crosses a chip boundary uses these costs). */
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

  double static_power_mw;       /* whole chip */
};

static inline uint32_t chip_n_tiles(const nmsim_chip *c) {
  return c->mesh_width * c->mesh_height;
}
static inline uint32_t chip_n_cores(const nmsim_chip *c) {
  return chip_n_tiles(c) * c->cores_per_tile;
}
/* Barrier time for a barrier spanning `tiles` tiles: linear interpolation
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
