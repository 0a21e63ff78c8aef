/* topo_torus.c: the 2D torus (the mesh plus wrap-around links that close every
 * row and every column of the board's grid into a ring) and dimension-order
 * routing on it, each dimension the shorter way around. */
#include "noc/topology.h"

static const char *const torus_dir_names[] = {"east", "west", "north", "south"};

/* A row or column of k tiles is a ring when k >= 3. With k = 2 the wrap link
 * would duplicate the link between the two tiles, with k = 1 it would loop
 * back to the tile: such a dimension has the mesh's links only. */
static uint32_t torus_neighbour(const noc_grid *g, uint32_t tile, int dir) {
  noc_pos p = g->pos[tile];
  switch (dir) {
    case NOC_EAST: return p.x + 1 < g->w ? tile + 1 : g->w > 2 ? tile - (g->w - 1) : NOC_NONE;
    case NOC_WEST: return p.x > 0 ? tile - 1 : g->w > 2 ? tile + (g->w - 1) : NOC_NONE;
    case NOC_NORTH:
      return p.y + 1 < g->h ? tile + g->w : g->h > 2 ? tile - (g->h - 1) * g->w : NOC_NONE;
    case NOC_SOUTH: return p.y > 0 ? tile - g->w : g->h > 2 ? tile + (g->h - 1) * g->w : NOC_NONE;
    default: return NOC_NONE;
  }
}

/* A hop between two chips takes the chip link, the wrap-around hop from the
 * last chip of a row (or column) of the board to the first included; on chip,
 * the hop of its axis, the wrap-around link on a chip included (an estimate:
 * laid out folded, every link of a torus spans about two tiles, Dally &
 * Towles 2004 ch. 5, and nmsim charges them all as one tile hop). */
static noc_link_kind torus_link_kind(const noc_grid *g, uint32_t tile, int dir) {
  uint32_t next = torus_neighbour(g, tile, dir);
  if (next != NOC_NONE && noc_grid_chip(g, next) != noc_grid_chip(g, tile)) return NOC_LINK_CHIP;
  return dir == NOC_EAST || dir == NOC_WEST ? NOC_LINK_EW : NOC_LINK_NS;
}

const noc_topology noc_topology_torus = {
    .name = "torus",
    .help = "2D torus: the mesh plus wrap-around links closing every row and column of the "
            "board's grid (of 3 tiles or more) into a ring",
    .n_dirs = 4,
    .dir_names = torus_dir_names,
    .neighbour = torus_neighbour,
    .link_kind = torus_link_kind,
    .opposite = {NOC_WEST, NOC_EAST, NOC_SOUTH, NOC_NORTH},
    .rings = true,
};

/* The way from coordinate a to t (a != t) along a dimension of k tiles: up
 * (east, north) or down, the shorter way around a ring; at equal distances
 * (t - a = k / 2 for even k) always up. Without a ring (k <= 2), the direct way. */
static int ring_way(uint32_t a, uint32_t t, uint32_t k, int up, int down) {
  if (k <= 2) return t > a ? up : down;
  uint32_t d = t >= a ? t - a : t + k - a; /* hops going up */
  return 2 * d <= k ? up : down;
}

/* Dimension-order routing on a torus: X first, then Y, each the shorter way
 * (ties east and north), so every path is minimal. Deadlock freedom needs
 * bubble flow control in the rings (noc_needs_credits, noc/mesh.c). */
static int torus_dor(const noc_grid *g, uint32_t at, uint32_t to) {
  noc_pos a = g->pos[at], t = g->pos[to];
  if (t.x != a.x) return ring_way(a.x, t.x, g->w, NOC_EAST, NOC_WEST);
  return ring_way(a.y, t.y, g->h, NOC_NORTH, NOC_SOUTH);
}

const noc_routing noc_routing_dor_torus = {
    .name = "dor",
    .topology = &noc_topology_torus,
    .route = torus_dor,
    .help = "dimension order: x first, then y, each the shorter way around (ties east, north)",
};
