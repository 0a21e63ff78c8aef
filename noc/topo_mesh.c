/* topo_mesh.c: the 2D mesh (each tile linked to its four neighbours, none
 * beyond the board's edges) and dimension-order routing on it. */
#include "noc/topology.h"

static const char *const mesh_dir_names[] = {"east", "west", "north", "south"};

static uint32_t mesh_neighbour(const noc_grid *g, uint32_t tile, int dir) {
  noc_pos p = g->pos[tile];
  switch (dir) {
    case NOC_EAST: return p.x + 1 < g->w ? tile + 1 : NOC_NONE;
    case NOC_WEST: return p.x > 0 ? tile - 1 : NOC_NONE;
    case NOC_NORTH: return p.y + 1 < g->h ? tile + g->w : NOC_NONE;
    case NOC_SOUTH: return p.y > 0 ? tile - g->w : NOC_NONE;
    default: return NOC_NONE;
  }
}

/* A hop between two chips takes the chip link; on chip, the hop of its axis. */
static noc_link_kind mesh_link_kind(const noc_grid *g, uint32_t tile, int dir) {
  uint32_t next = mesh_neighbour(g, tile, dir);
  if (next != NOC_NONE && noc_grid_chip(g, next) != noc_grid_chip(g, tile)) return NOC_LINK_CHIP;
  return dir == NOC_EAST || dir == NOC_WEST ? NOC_LINK_EW : NOC_LINK_NS;
}

const noc_topology noc_topology_mesh = {
    .name = "mesh",
    .help = "2D mesh: links to the four neighbours, none around the board's edges",
    .n_dirs = 4,
    .dir_names = mesh_dir_names,
    .neighbour = mesh_neighbour,
    .link_kind = mesh_link_kind,
    .opposite = {NOC_WEST, NOC_EAST, NOC_SOUTH, NOC_NORTH},
    .rings = false,
};

/* Dimension-order routing on a mesh: X first, then Y. No cycle of channel
 * dependencies, so no deadlock with any buffer depth (Dally & Towles 2004,
 * sec. 14.2). */
static int mesh_dor(const noc_grid *g, uint32_t at, uint32_t to) {
  noc_pos a = g->pos[at], t = g->pos[to];
  if (t.x > a.x) return NOC_EAST;
  if (t.x < a.x) return NOC_WEST;
  if (t.y > a.y) return NOC_NORTH;
  return NOC_SOUTH;
}

const noc_routing noc_routing_dor_mesh = {
    .name = "dor",
    .topology = &noc_topology_mesh,
    .route = mesh_dor,
    .help = "dimension order: x first, then y",
};
