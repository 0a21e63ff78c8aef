/* topology.h: network-on-chip topologies and routing algorithms as const
 * descriptors found by name (a routing algorithm by the pair (algorithm,
 * topology), as BookSim's gRoutingFunctionMap), and the board's grid of tiles
 * that every topology is laid on. */
#ifndef NMSIM_NOC_TOPOLOGY_H
#define NMSIM_NOC_TOPOLOGY_H

#include "sim/base/sim_int.h"

/* The ports of a router of a 2D grid topology (mesh, torus) to its
 * neighbours, in this order: the opposite of port d is d ^ 1. North is +y. */
enum { NOC_EAST, NOC_WEST, NOC_NORTH, NOC_SOUTH };
/* The most ports to other routers that a registered topology has: the size
 * of a router's port arrays (sys_router.link). */
#define NOC_MAX_DIRS 4
/* No tile: the neighbour across a port that has no link. */
#define NOC_NONE UINT32_MAX

/* What a hop costs: an on-chip hop along x (the chip's noc.hop_ew) or y
 * (noc.hop_ns), or a hop between two chips (chip_link). */
typedef enum noc_link_kind {
  NOC_LINK_EW,
  NOC_LINK_NS,
  NOC_LINK_CHIP,
  NOC_LINK_KINDS
} noc_link_kind;

typedef struct noc_pos {
  uint32_t x, y;
} noc_pos;

/* The board's grid of tiles: chips_x x chips_y chips of chip_w x chip_h
 * tiles, w = chips_x * chip_w tiles wide and h = chips_y * chip_h high; tile
 * t of the board is at (t % w, t / w), and chip c at (c % chips_x, c /
 * chips_x) in chips. A topology says which tiles of the grid are linked. */
typedef struct noc_grid {
  uint32_t w, h;
  uint32_t chip_w, chip_h;
  uint32_t chips_x, chips_y;
  noc_pos *pos;            /* per tile: (x, y), looked up rather than divided out
                            * (a hop needs several, and a division costs tens of
                            * cycles) */
} noc_grid;

/* Lay out a grid of chips_x x chips_y chips of chip_w x chip_h tiles (all
 * >= 1) in g. NMSIM_ENOMEM leaves g without positions (noc_grid_free is
 * still safe); noc_grid_free releases it. */
nmsim_status noc_grid_init(noc_grid *g, uint32_t chip_w, uint32_t chip_h, uint32_t chips_x,
                           uint32_t chips_y);
/* Free g's positions (g may be zeroed or half-initialised). */
void noc_grid_free(noc_grid *g);
/* The chip that holds tile `tile` of the board. */
static inline uint32_t noc_grid_chip(const noc_grid *g, uint32_t tile) {
  noc_pos p = g->pos[tile];
  return p.y / g->chip_h * g->chips_x + p.x / g->chip_w;
}
/* The board's tile of tile `local` (row-major within its chip) of chip `chip`. */
static inline uint32_t noc_grid_tile(const noc_grid *g, uint32_t chip, uint32_t local) {
  uint32_t x = chip % g->chips_x * g->chip_w + local % g->chip_w;
  uint32_t y = chip / g->chips_x * g->chip_h + local / g->chip_w;
  return y * g->w + x;
}

/* A topology: which tiles of the grid are linked, and what each link costs.
 * Every hook is pure (depends only on its arguments). */
typedef struct noc_topology {
  const char *name;
  const char *help;        /* one line, for messages and docs */
  int n_dirs;              /* ports to other routers: 0 .. n_dirs - 1 (<= NOC_MAX_DIRS) */
  const char *const *dir_names; /* n_dirs names ("east", ...) for link names in outputs */
  /* The tile across port dir of tile `tile`, or NOC_NONE when that port has
   * no link. At most one port of a tile leads to any given tile, so the
   * port a packet came in on follows from the tile it came from. */
  uint32_t (*neighbour)(const noc_grid *g, uint32_t tile, int dir);
  /* What the hop from `tile` across port dir costs (the port has a link). */
  noc_link_kind (*link_kind)(const noc_grid *g, uint32_t tile, int dir);
  /* Per port: the port at the other end of its link (the reverse link). */
  int8_t opposite[NOC_MAX_DIRS];
  /* Whether the topology has rings, and so needs bubble flow control with
   * finite buffers (see noc_needs_credits): it then refuses buffers of one
   * packet. */
  bool rings;
} noc_topology;

/* A routing function: the output port at tile `at` of a packet going to
 * tile `to` (at != to); the path it gives reaches `to` from any tile. */
typedef int (*noc_route_fn)(const noc_grid *g, uint32_t at, uint32_t to);

/* A routing algorithm for one topology. */
typedef struct noc_routing {
  const char *name;
  const noc_topology *topology;
  noc_route_fn route;
  const char *help;
} noc_routing;

/* The registered topologies (NULL-terminated) and routing algorithms. */
extern const noc_topology noc_topology_mesh, noc_topology_torus;
extern const noc_routing noc_routing_dor_mesh, noc_routing_dor_torus;
extern const noc_topology *const noc_topologies[];

/* The topology called name, or NULL for an unknown (or NULL) name. */
const noc_topology *noc_topology_find(const char *name);
/* The routing algorithm called name on topology t, or NULL when t has none
 * of that name. */
const noc_routing *noc_routing_find(const char *name, const noc_topology *t);
/* The names of the topologies, or of the routing algorithms of t, as a list
 * "a, b" in buf (truncated to len). */
void noc_topology_names(char *buf, size_t len);
void noc_routing_names(const noc_topology *t, char *buf, size_t len);
/* Hops of routing r's path from tile a to tile b of grid g (0 when a == b),
 * walking it; NOC_NONE if it leaves the grid or does not arrive within the
 * grid's tile count. */
uint32_t noc_route_hops(const noc_routing *r, const noc_grid *g, uint32_t a, uint32_t b);

/* Credits (free slots in the next router's input buffer) that a packet needs
 * to leave on port out after coming in on port in (-1: from a core).
 *
 * Bubble flow control on a topology with rings (Carrion, Beivide, Gregorio,
 * Vallejo, "A flow control mechanism to avoid message deadlock in k-ary
 * n-cube networks", HiPC 1997, pp. 322-329; Puente et al., "Adaptive bubble
 * router: a design to improve performance in torus networks", ICPP 1999): a
 * packet entering a ring (injected, or turning from one ring into another)
 * needs 2, so that it never takes the last free slot of the ring it enters;
 * a packet going straight on along its ring needs 1. Every ring thus keeps a
 * free slot (a bubble) for the packets already in it, which can always
 * advance (the packets entering wait apart at each port, noc/mesh.c, and
 * cores take every packet that reaches them): no deadlock within a ring, and
 * dimension-order routes turn from x rings into y rings only, so none between
 * rings. Chosen over dateline virtual channels, which would need a second set
 * of buffers and credits on every link and a channel choice at every hop.
 * Without rings, 1. */
static inline uint32_t noc_needs_credits(const noc_topology *t, int in, int out) {
  return t->rings && (in < 0 || out != t->opposite[in]) ? 2 : 1;
}

#endif
