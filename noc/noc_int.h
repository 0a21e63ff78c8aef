/* noc_int.h: the mesh's routers and output ports (noc/mesh.c), shared by the
 * dimension-order unicast NoC and the key/mask multicast routers (noc/mcast.c),
 * so both use the same FIFOs, links, credits and energy accounting. */
#ifndef NMSIM_NOC_NOC_INT_H
#define NMSIM_NOC_NOC_INT_H

#include "sim/system/system_int.h"

/* The opposite of direction dir (east <-> west, north <-> south); relies on
 * the order of SYS_EAST, SYS_WEST, SYS_NORTH, SYS_SOUTH in system_int.h. */
static inline int noc_opposite(int dir) { return dir ^ 1; }

/* Handlers (ctx: the system): a packet a core injects into its router
 * (unicast), a packet arriving over a link (unicast), a port to try again
 * (both routings), a credit that crossed a chip link back to its output
 * port (both routings). */
void noc_on_inject(void *ctx, sim_engine *e, const sim_event *ev);
void noc_on_hop(void *ctx, sim_engine *e, const sim_event *ev);
void noc_on_port_try(void *ctx, sim_engine *e, const sim_event *ev);
void noc_on_credit(void *ctx, sim_engine *e, const sim_event *ev);

/* Tile next to `tile` in direction dir (the caller checks that it exists). */
uint32_t noc_neighbour(const sys *s, uint32_t tile, int dir);
/* Whether the board's grid has a tile next to `tile` in direction dir. */
bool noc_has_neighbour(const sys *s, uint32_t tile, int dir);
/* The link a packet from unit src_unit entered router `tile` on: the
 * direction of that upstream router seen from `tile`, or -1 when src_unit is
 * a core (local injection). */
int noc_in_dir(const sys *s, uint32_t tile, uint32_t src_unit);
/* Queue a copy of ev on output port l (amortised growth). false: no memory. */
bool noc_port_push(sys_link *l, const sim_event *ev);
/* Send what port dir of router `tile` can send at time now: each packet pays
 * its hop (or chip link), occupies the link for the serialization time and
 * takes a credit; one that cannot leave yet retries when the link frees or a
 * credit returns. A packet leaving frees its input slot here (multicast:
 * mc_port_left decides). */
void noc_port_send(sys *s, sim_engine *e, uint32_t tile, int dir, nmsim_ps now);
/* The packet ev leaves router `tile`: the input buffer slot it held frees and
 * the upstream port regains its credit (nothing when it came from a core or
 * buffers are unlimited). */
void noc_release_input(sys *s, sim_engine *e, uint32_t tile, const sim_event *ev,
                       nmsim_ps now);

#endif
