/* noc_int.h: the routers and output ports of the NoC (noc/mesh.c), shared by
 * the unicast NoC and the key/mask multicast routers (noc/mcast.c), so both
 * use the same FIFOs, links, credits, flow control and energy accounting; and
 * the functions of noc/mesh.c. */
#ifndef NMSIM_NOC_NOC_INT_H
#define NMSIM_NOC_NOC_INT_H

#include "cores/machine.h"
#include "noc/topology.h"

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
  /* back-pressure: time packets waited at this port with the link free (for
   * a credit from a full downstream buffer, or, on rings, behind packets
   * going straight on), and the values of packets, busy_ps and stall_ps
   * when the current window of steps began (noc_fold_window) */
  nmsim_ps stall_ps;
  uint64_t w0_packets;
  nmsim_ps w0_busy, w0_stall;
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

/* Give every output port its neighbour, link kind and credits (the chip's
 * buffer depth), from s->topo over s->grid-> */
void noc_init_ports(sys *s);
/* Free the routers' wait queues. */
void noc_free_ports(sys *s);
/* A hop costs the same energy every time on a kind of link, so ports count
 * hops and the energy is added in one go (exactly the sum of the single
 * charges): the step's, before anything reads s->step_energy at the step's
 * end; the routers', from their links' packet counts, once the run is over
 * (again after more steps: it adds only what is new). */
void noc_fold_step_hops(sys *s);
/* After step s->step of hardware span `span`: at the end of a window of
 * s->link_window steps (or of the run), each link's packets, busy and stall
 * time in the window into s->win_* (the links this process holds). */
void noc_fold_window(sys *s, nmsim_ps span);
void noc_fold_link_energy(sys *s);
/* Send a packet from core src to (dst core, axon) at time t (schedules its
 * injection event). value is the spike's graded value (1 for a plain spike).
 * Packet payload: u32[0] destination core, u32[1] axon, u64[1] injection
 * time, f64[2] value. */
nmsim_status noc_send(sys *s, uint32_t src_core, uint32_t dst_core, uint32_t axon, nmsim_ps t,
                      double value);
/* The unicast delivery path: one packet per destination core, routed by
 * the topology (its emit and handlers are here). */
extern const sys_path noc_unicast_path;

/* Handlers (ctx: the system): a packet a core injects into its router
 * (unicast), a packet arriving over a link (unicast), a port to try again
 * (both routings), a credit that crossed a chip link back to its output
 * port (both routings). */
void noc_on_inject(void *ctx, sim_engine *e, const sim_event *ev);
void noc_on_hop(void *ctx, sim_engine *e, const sim_event *ev);
void noc_on_port_try(void *ctx, sim_engine *e, const sim_event *ev);
void noc_on_credit(void *ctx, sim_engine *e, const sim_event *ev);

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
 * A packet leaving frees its input slot here (multicast: the path's port_left
 * decides). */
void noc_port_send(sys *s, sim_engine *e, uint32_t tile, int dir, nmsim_ps now);
/* The packet ev leaves router `tile`: the input buffer slot it held frees and
 * the upstream port regains its credit (nothing when it came from a core or
 * buffers are unlimited). */
void noc_release_input(sys *s, sim_engine *e, uint32_t tile, const sim_event *ev,
                       nmsim_ps now);

#endif
