/* noc_int.h: the routers and output ports of the NoC (noc/mesh.c), shared by
 * the unicast NoC and the key/mask multicast routers (noc/mcast.c), so both
 * use the same FIFOs, links, credits, flow control and energy accounting. */
#ifndef NMSIM_NOC_NOC_INT_H
#define NMSIM_NOC_NOC_INT_H

#include "sim/system/system_int.h"

/* The port a packet from unit src_unit came in on at router `tile`: the port
 * of `tile` that leads to that upstream router, or -1 when src_unit is a core
 * (local injection). */
int noc_in_dir(const sys *s, uint32_t tile, uint32_t src_unit);
/* Queue a copy of ev on output port l (amortised growth), as a packet that
 * needs `need` credits to leave (noc_needs_credits: 2 puts it with the
 * packets entering the port's ring). false: no memory. */
bool noc_port_push(sys_link *l, const sim_event *ev, uint32_t need);
/* Send what port dir of router `tile` can send at time now: each packet pays
 * its hop (or chip link), occupies the link for the serialization time and
 * takes a credit (after finding two, when it enters a ring: noc_needs_credits);
 * one that cannot leave yet retries when the link frees or a credit returns.
 * A packet leaving frees its input slot here (multicast: mc_port_left
 * decides). */
void noc_port_send(sys *s, sim_engine *e, uint32_t tile, int dir, nmsim_ps now);
/* The packet ev leaves router `tile`: the input buffer slot it held frees and
 * the upstream port regains its credit (nothing when it came from a core or
 * buffers are unlimited). */
void noc_release_input(sys *s, sim_engine *e, uint32_t tile, const sim_event *ev,
                       nmsim_ps now);

#endif
