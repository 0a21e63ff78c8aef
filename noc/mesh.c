/* mesh.c: the routers and links of the network-on-chip, on the chip's
 * topology (noc/topology.h: mesh, torus) with its routing algorithm. Packets
 * (one flit each) travel hop by hop as events. A directed link carries one
 * packet at a time, so two packets wanting one link at once serialize and
 * the second is late by the serialization time. With a finite buffer depth,
 * a packet leaves only when the next router's input buffer has room
 * (credit-based flow control), so congestion backs up hop by hop; on a
 * topology with rings, bubble flow control keeps that free of deadlock
 * (noc_needs_credits, port_send). A board of chips is one topology over the
 * board's grid whose hops between chips use the chip links.
 * A queued packet whose departure time is already certain is sent at once,
 * dated then (SENDING AHEAD in noc_port_send): the same hops at the same
 * times with fewer events (tests/test_noc.c compares it with hop-by-hop).
 * Energy of each hop is charged to the tile whose router sends it. The
 * ports are shared with the key/mask multicast routers (noc/noc_int.h). */
#include "noc/mcast.h"
#include "noc/noc_int.h"

/* Whether the hop from `tile` across port dir leaves its chip. */
static inline bool crosses_chip(const sys *s, uint32_t tile, int dir) {
  return s->routers[tile].kind[dir] == NOC_LINK_CHIP;
}

static const chip_cost *link_cost(const nmsim_chip *ch, int kind) {
  return kind == NOC_LINK_CHIP ? &ch->chip_link : kind == NOC_LINK_EW ? &ch->hop_ew : &ch->hop_ns;
}

void noc_fold_step_hops(sys *s) {
  for (int k = 0; k < NOC_LINK_KINDS; k++) {
    if (!s->step_hops[k]) continue;
    nm_energy_add_each(&s->step_energy, k == NOC_LINK_CHIP ? NM_E_CHIP_LINK : NM_E_LINK_HOP,
                       s->step_hops[k], link_cost(s->chip, k)->energy_pj);
    s->step_hops[k] = 0;
  }
}

void noc_fold_window(sys *s, nmsim_ps span) {
  s->win_acc_ps += span;
  uint64_t k = s->step / s->link_window;
  if ((s->step + 1) % s->link_window && s->step + 1 != s->steps) return;
  if (!ALWAYS(k < s->n_windows)) return;
  s->win_ps[k] = s->win_acc_ps;
  s->win_acc_ps = 0;
  size_t row = (size_t)k * s->n_tiles * NOC_MAX_DIRS;
  for (uint32_t t = 0; t < s->n_tiles; t++) {
    if (!sys_unit_here(s, s->unit_router0 + t)) continue;
    for (int d = 0; d < s->topo->n_dirs; d++) {
      sys_link *l = &s->routers[t].link[d];
      size_t i = row + (size_t)t * NOC_MAX_DIRS + (size_t)d;
      s->win_packets[i] = l->packets - l->w0_packets;
      s->win_busy[i] = l->busy_ps - l->w0_busy;
      s->win_stall[i] = l->stall_ps - l->w0_stall;
      l->w0_packets = l->packets, l->w0_busy = l->busy_ps, l->w0_stall = l->stall_ps;
    }
  }
}

void noc_fold_link_energy(sys *s) {
  for (uint32_t t = 0; s->routers && t < s->n_tiles; t++)
    for (int d = 0; d < s->topo->n_dirs; d++) {
      sys_link *l = &s->routers[t].link[d];
      uint64_t n = l->packets - l->packets_charged;
      if (!n) continue;
      int k = s->routers[t].kind[d];
      nm_energy_add_each(&s->routers[t].energy, k == NOC_LINK_CHIP ? NM_E_CHIP_LINK : NM_E_LINK_HOP,
                         n, link_cost(s->chip, k)->energy_pj);
      l->packets_charged = l->packets;
    }
}

nmsim_status noc_send(sys *s, uint32_t src_core, uint32_t dst_core, uint32_t axon,
                      nmsim_ps t, double value) {
  sys_core *c = &s->cores[src_core];
  sim_event ev = {.time = t,
                  .kind = SIM_EV_PKT_INJECT,
                  .dst = s->unit_router0 + c->tile,
                  .src = src_core,
                  .seq = c->pkt_seq++};
  ev.data.u32[0] = dst_core;
  ev.data.u32[1] = axon;
  ev.data.u64[1] = t;
  ev.data.f64[2] = value;
  s->in_flight++;
  s->packets++;
  return sim_engine_schedule(s->eng, &ev);
}

/* The spike of neuron i of block bi of core c leaves at time t as one packet
 * per destination core of the neuron, one after another; returns the time
 * the last one leaves. */
static nmsim_ps noc_emit_unicast(sys *s, sys_core *c, size_t bi, uint32_t i, nmsim_ps t,
                                 double value) {
  const chip_cost *so = &s->chip->spike_out;
  uint32_t j = c->blocks[bi].local0 + i;
  for (uint32_t k = c->out_ptr[j]; k < c->out_ptr[j + 1]; k++) {
    t += so->time_ps;
    sys_charge_pop(s, c, c->blocks[bi].pop_id, NM_E_SPIKE_OUT, 1, so->energy_pj);
    if (noc_send(s, c->id, c->out[k].core, c->out[k].axon, t, value) != NMSIM_OK) break;
  }
  return t;
}

/* ---- output ports: FIFO, link and credits --------------------------------- */

int noc_in_dir(const sys *s, uint32_t tile, uint32_t src_unit) {
  if (src_unit < s->unit_router0 || src_unit >= s->unit_barrier) return -1;
  uint32_t up = src_unit - s->unit_router0;
  const sys_router *r = &s->routers[tile];
  /* at most one port leads to any tile (noc_topology.neighbour); the ports
   * beyond the topology's lead nowhere (NOC_NONE) */
  for (int d = 0; d < NOC_MAX_DIRS; d++)
    if (r->next[d] == up) return d;
  NMSIM_PANIC("router %u: a packet from router %u, which is not a neighbour", tile, up);
}

/* Slot k places after head in a ring of n slots (head < n, k <= n): one
 * compare instead of the division a `%` would cost on every hop. */
static inline size_t ring_slot(size_t head, size_t k, size_t n) {
  size_t i = head + k;
  return i >= n ? i - n : i;
}

/* Append a copy of ev to f (amortised growth). false: no memory. */
static bool fifo_push(sys_fifo *f, const sim_event *ev) {
  if (f->len == f->cap) {
    size_t ncap = f->cap ? f->cap * 2 : 8;
    sim_event *nq = nm_malloc(ncap * sizeof *nq);
    if (!nq) return false;
    for (size_t k = 0; k < f->len; k++) nq[k] = f->ev[ring_slot(f->head, k, f->cap)];
    nm_free(f->ev);
    f->ev = nq, f->cap = ncap, f->head = 0;
  }
  f->ev[ring_slot(f->head, f->len, f->cap)] = *ev;
  f->len++;
  return true;
}

/* The packet at the head of f, removed. */
static sim_event fifo_pop(sys_fifo *f) {
  sim_event ev = f->ev[f->head];
  f->head = ring_slot(f->head, 1, f->cap);
  f->len--;
  return ev;
}

/* Packets waiting at port l. */
static inline size_t port_waiting(const sys_link *l) { return l->q.len + l->qe.len; }

/* Credits the packet that port l sends next needs (noc_needs_credits): those
 * going straight on go first. */
static inline uint32_t port_need(const sys_link *l) { return !l->q.len && l->qe.len ? 2 : 1; }

bool noc_port_push(sys_link *l, const sim_event *ev, uint32_t need) {
  if (!fifo_push(need > 1 ? &l->qe : &l->q, ev)) return false;
  if (port_waiting(l) > l->q_max) l->q_max = port_waiting(l);
  return true;
}

/* Have the port look at its queue at time t: a PORT_TRY event, unless one
 * is due at t or before. A try asked for before the one pending gets its own
 * event; the later one then only looks again (see noc_on_port_try). */
static void port_try_later(sys *s, sim_engine *e, uint32_t tile, int dir, nmsim_ps t) {
  sys_link *l = &s->routers[tile].link[dir];
  if (!port_waiting(l) || (l->try_pending && l->try_at <= t)) return;
  l->try_pending = true;
  l->try_at = t;
  sys_router *r = &s->routers[tile];
  sim_event ev = {.time = t, .kind = SIM_EV_PORT_TRY, .dst = s->unit_router0 + tile,
                  .src = s->unit_router0 + tile, .seq = r->seq++};
  ev.data.u32[0] = (uint32_t)dir;
  sim_engine_schedule(e, &ev);
}

/* Whether ports send ahead (SENDING AHEAD in port_send). Not the multicast
 * ports (their input slots free with the last copy, which needs departures in
 * time order), not the reference run (hop_by_hop), and not on a topology with
 * rings whose credits return at once (noc.credit_latency 0): there a credit
 * freed during time t counts from t on, for the events of t that follow it
 * only, and whether a packet entering a ring finds its two credits before a
 * packet going straight on arrives at t depends on that order, which a
 * departure sent ahead cannot know. With any credit latency a credit is
 * recorded before the time it counts from, and sending ahead is exact. */
static inline bool sends_ahead(const sys *s) { return s->noc_ahead; }

/* A credit for port (tile, dir) was recorded, to arrive at time t: a port
 * that sends ahead (noc_port_send) sends the packets waiting to go straight
 * on with it at once; a port that does not (multicast), and packets
 * entering a ring (which are never sent ahead), look again when it arrives
 * and the link is free, if they wait for it. `counted`: the credit is in
 * l->credits already (the port waited for it if it waits at all); else the
 * port waits for it when those in hand are too few for its next packet. */
static void port_credit(sys *s, sim_engine *e, uint32_t tile, int dir, nmsim_ps t, bool counted) {
  sys_link *l = &s->routers[tile].link[dir];
  bool ahead = sends_ahead(s);
  if (ahead && l->q.len) {
    noc_port_send(s, e, tile, dir, sim_engine_now(e));
  } else if ((!ahead || l->qe.len) && (counted || l->credits < port_need(l))) {
    port_try_later(s, e, tile, dir, t > l->busy ? t : l->busy);
  }
}

/* Record a credit arriving at time t at port l, keeping the ring in time
 * order: a port that sends ahead (noc_port_send) frees its input slots at
 * their departure times, which may come before credits recorded earlier. */
static void credit_at(sys_link *l, uint32_t depth, nmsim_ps t) {
  if (l->cr_len >= depth) NMSIM_PANIC("more credits in flight than buffer slots");
  uint32_t k = l->cr_len++;
  for (; k > 0; k--) {
    uint32_t prev = (uint32_t)ring_slot(l->cr_head, k - 1, depth);
    if (l->cr_at[prev] <= t) break;
    l->cr_at[ring_slot(l->cr_head, k, depth)] = l->cr_at[prev];
  }
  l->cr_at[ring_slot(l->cr_head, k, depth)] = t;
}

/* A packet leaves router `tile` at time now (the event being processed, or
 * a later departure the port has already scheduled): the slot it held in
 * this router's input buffer frees, and the upstream router's output port
 * regains a credit. The packet came from a router when ev->src is a router
 * unit (from a core, the local injection port has no limit). */
void noc_release_input(sys *s, sim_engine *e, uint32_t tile, const sim_event *ev,
                       nmsim_ps now) {
  int in = noc_in_dir(s, tile, ev->src);
  if (!s->chip->buffer_depth || in < 0) return;
  uint32_t up = ev->src - s->unit_router0;
  int dir = s->topo->opposite[in]; /* the upstream router's output port */
  /* the credit travels back to the upstream router: over a chip link it takes
   * the link's latency, on chip the chip's credit latency. These latencies
   * are also what lets a run split over MPI ranks treat a credit as a message
   * (they bound the lookahead of a cut link) */
  nmsim_ps back = crosses_chip(s, up, dir) ? s->chip->chip_link.time_ps
                                           : s->chip->credit_latency_ps;
  uint32_t up_unit = s->unit_router0 + up;
  bool local = sys_unit_here(s, up_unit);
  /* a credit with no latency is counted at once, unless its departure is
   * still to come: then it waits in the ring like any other */
  if ((back || now > sim_engine_now(e)) && local) {
    /* the upstream port counts it when it looks at its credits at or after
     * now + back; if it waits for one, it tries again then */
    sys_link *l = &s->routers[up].link[dir];
    uint32_t depth = s->chip->buffer_depth;
    if (!l->cr_at && !(l->cr_at = nm_malloc(depth * sizeof *l->cr_at))) {
      sim_engine_fail_oom(e);
      return;
    }
    /* credits + credits on their way + occupied slots = depth */
    credit_at(l, depth, now + back);
    port_credit(s, e, up, dir, now + back, false);
    return;
  }
  if (back) {
    /* the upstream router belongs to another process: the credit is a
     * message (sim/system/prun.c), counted by noc_on_credit there */
    sys_router *r = &s->routers[tile];
    sim_event cr = {.time = now + back, .kind = SIM_EV_CREDIT,
                    .dst = s->unit_router0 + up, .src = s->unit_router0 + tile,
                    .seq = r->seq++};
    cr.data.u32[0] = (uint32_t)dir;
    sim_engine_schedule(e, &cr);
    return;
  }
  s->routers[up].link[dir].credits++;
  port_credit(s, e, up, dir, now, true);
}

void noc_on_credit(void *ctx, sim_engine *e, const sim_event *ev) {
  sys *s = ctx;
  uint32_t up = ev->dst - s->unit_router0;
  int dir = (int)ev->data.u32[0];
  s->routers[up].link[dir].credits++;
  port_credit(s, e, up, dir, ev->time, true);
}

/* An output port's link as a departure sees it. */
typedef struct port_link {
  uint32_t tile, next;     /* the router of the port, the one behind the link */
  int kind;                /* noc_link_kind */
  nmsim_ps ser, hop;       /* serialization time, hop time */
} port_link;

/* The packet ev leaves port dir of router pl->tile at time `at`: it occupies
 * the link for the serialization time, pays its hop, frees the input slot it
 * held (multicast: the path's port_left decides) and arrives at the next router a
 * hop later. */
static inline void port_depart(sys *s, sim_engine *e, sys_link *l, const port_link *pl,
                               const sim_event *ev, nmsim_ps at) {
  /* it came at ev->time and could have gone when the link was free */
  nmsim_ps free_at = l->busy > ev->time ? l->busy : ev->time;
  if (at > free_at) l->stall_ps += at - free_at;
  l->busy = at + pl->ser;
  l->busy_ps += pl->ser;
  l->packets++;
  s->step_hops[pl->kind]++; /* the energy: noc_fold_step_hops, noc_fold_link_energy */
  s->hops++;
  /* a multicast copy frees its input slot only when it is the last copy */
  if (s->mc) s->path->port_left(s, e, pl->tile, ev, at);
  else noc_release_input(s, e, pl->tile, ev, at);
  sim_event out = *ev;
  out.kind = SIM_EV_PKT_HOP;
  out.dst = s->unit_router0 + pl->next;
  out.src = s->unit_router0 + pl->tile;
  out.seq = s->routers[pl->tile].seq++;
  out.time = at + pl->hop;
  sim_engine_schedule(e, &out);
}

#if defined(__GNUC__)
#define MESH_INLINE static inline __attribute__((always_inline))
#else
#define MESH_INLINE static inline
#endif

/* noc_port_send, with `arrival` (if not NULL) a packet that joins the back of
 * the queue now, needing `need` credits (noc_needs_credits): when the queue
 * is empty and the packet can leave, it leaves without being copied into the
 * queue and out again. `rings`: the topology has rings (s->noc_rings), a
 * constant in each of the two copies port_send makes, so a topology without
 * rings runs none of the bubble code (it cost a chip-timed run 4 % more
 * instructions when it was only skipped). */
MESH_INLINE void port_send_in(sys *s, sim_engine *e, uint32_t tile, int dir, nmsim_ps now,
                              const sim_event *arrival, uint32_t need, bool rings) {
  const nmsim_chip *ch = s->chip;
  sys_router *r = &s->routers[tile];
  sys_link *l = &r->link[dir];
  bool off_chip = crosses_chip(s, tile, dir);
  const port_link pl = {
      .tile = tile, .next = r->next[dir], .kind = r->kind[dir],
      .ser = off_chip ? ch->chip_link_serialization_ps : ch->link_serialization_ps,
      .hop = link_cost(ch, r->kind[dir])->time_ps};
  uint32_t depth = ch->buffer_depth;
  while (l->cr_len && l->cr_at[l->cr_head] <= now) {
    l->credits++;
    l->cr_head = (uint32_t)ring_slot(l->cr_head, 1, depth);
    l->cr_len--;
  }
  /* the arrival goes straight on (it would wait in q) or enters the ring (qe) */
  const sim_event *straight = need > 1 ? NULL : arrival, *entering = need > 1 ? arrival : NULL;
  /* SENDING AHEAD. The packet at the head of the queue leaves when the
   * link is free and a credit is there: if the port holds a credit, in hand
   * or on its way back (recorded with its arrival time), nothing can take it
   * first (only this port's departures spend credits) and nothing can pass
   * the packet (the queue is FIFO, and packets entering a ring, in qe, go
   * only when nothing waits in q). So its departure time is known now, and
   * the port sends it now, dated then: the hop event, the link time and
   * energy, and the credit of its input slot (at its departure time) are
   * those it would get then, with no event to wake the port. A port whose
   * queue waits has no credit it can count on yet: the next one recorded
   * sends it (port_credit), or it looks again when the first one on its way
   * arrives. Multicast copies wait for the link and for credits in hand:
   * their input slot frees with the last copy to leave, which needs the
   * departures in time order. */
  bool ahead = sends_ahead(s);
  nmsim_ps back = off_chip ? ch->chip_link.time_ps : ch->credit_latency_ps;
  while ((l->q.len || straight) && (ahead || l->busy <= now)) {
    nmsim_ps at = l->busy > now ? l->busy : now; /* the departure time */
    if (depth) {
      if (l->credits) {
        l->credits--;
      } else if (ahead && l->cr_len && l->cr_at[l->cr_head] <= now + back) {
        /* the first credit on its way, if no credit recorded from now on can
         * arrive before it: one recorded at or after now leaves the
         * downstream router at or after now, and takes `back` to come */
        if (l->cr_at[l->cr_head] > at) at = l->cr_at[l->cr_head];
        l->cr_head = (uint32_t)ring_slot(l->cr_head, 1, depth);
        l->cr_len--;
      } else {
        break;
      }
    }
    sim_event ev;
    if (l->q.len) {
      ev = fifo_pop(&l->q);
    } else {
      ev = *straight;
      straight = NULL;
    }
    port_depart(s, e, l, &pl, &ev, at);
  }
  /* BUBBLE FLOW CONTROL (topologies with rings). A packet entering the ring
   * leaves only when nothing waits to go straight on, the link is free and
   * two credits are in hand (noc_needs_credits): never sent ahead, since a
   * packet going straight on that arrives before its departure would go
   * first. */
  while (rings && (l->qe.len || entering) && !l->q.len && !straight && l->busy <= now &&
         (!depth || l->credits >= 2)) {
    if (depth) l->credits--;
    sim_event ev;
    if (l->qe.len) {
      ev = fifo_pop(&l->qe);
    } else {
      ev = *entering;
      entering = NULL;
    }
    port_depart(s, e, l, &pl, &ev, now);
  }
  if ((arrival = straight ? straight : entering) && !noc_port_push(l, arrival, need)) {
    /* it waits, and there is no memory for it */
    sim_engine_fail_oom(e);
    return;
  }
  if (!port_waiting(l)) return;
  if (!l->q.len) {
    /* packets entering the ring wait for the link and for two credits in
     * hand: look again when both are there, if the credits are on their way;
     * a credit recorded later asks for a look itself (port_credit) */
    nmsim_ps t = l->busy > now ? l->busy : now;
    if (depth && l->credits < 2) {
      uint32_t k = 2 - l->credits; /* credits still to come */
      if (l->cr_len < k) return;
      nmsim_ps c = l->cr_at[ring_slot(l->cr_head, k - 1, depth)];
      if (c > t) t = c;
    }
    port_try_later(s, e, tile, dir, t);
    return;
  }
  if (!ahead) {
    /* blocked by the link: retry when it frees; blocked by credits: the
     * credit return schedules the retry */
    if (l->busy > now) port_try_later(s, e, tile, dir, l->busy);
    else if (l->cr_len) port_try_later(s, e, tile, dir, l->cr_at[l->cr_head]);
    return;
  }
  /* out of credits that are sure to come first: look again when the next
   * one on its way arrives (and the link is free); a credit recorded later
   * sends or asks for an earlier look itself (port_credit) */
  if (l->cr_len)
    port_try_later(s, e, tile, dir, l->cr_at[l->cr_head] > l->busy ? l->cr_at[l->cr_head] : l->busy);
}

static void port_send_flat(sys *s, sim_engine *e, uint32_t tile, int dir, nmsim_ps now,
                           const sim_event *arrival) {
  port_send_in(s, e, tile, dir, now, arrival, 1, false);
}
static void port_send_rings(sys *s, sim_engine *e, uint32_t tile, int dir, nmsim_ps now,
                            const sim_event *arrival, uint32_t need) {
  port_send_in(s, e, tile, dir, now, arrival, need, true);
}
static inline void port_send(sys *s, sim_engine *e, uint32_t tile, int dir, nmsim_ps now,
                             const sim_event *arrival, uint32_t need) {
  if (s->noc_rings) port_send_rings(s, e, tile, dir, now, arrival, need);
  else port_send_flat(s, e, tile, dir, now, arrival);
}

void noc_port_send(sys *s, sim_engine *e, uint32_t tile, int dir, nmsim_ps now) {
  port_send(s, e, tile, dir, now, NULL, 1);
}

/* The packet in ev is at router `tile` at time now: eject it to its core or
 * queue it on the output port that the routing algorithm picks. */
static void noc_forward(sys *s, sim_engine *e, uint32_t tile, nmsim_ps now,
                        const sim_event *ev) {
  uint32_t dst_core = ev->data.u32[0];
  uint32_t dst_tile = s->cores[dst_core].tile;
  sys_router *r = &s->routers[tile];
  if (dst_tile == tile) {
    /* Ejection at the destination router: the packet reaches the core. The
     * hop latencies already include the router traversal. */
    noc_release_input(s, e, tile, ev, now);
    sim_event out = *ev;
    out.src = s->unit_router0 + tile;
    out.seq = r->seq++;
    out.kind = SIM_EV_PKT_DELIVER;
    out.dst = dst_core;
    out.time = now;
    sim_engine_schedule_now(e, &out); /* usually the next event: run at once */
    return;
  }
  int dir = s->routing->route(s->grid, tile, dst_tile);
  /* The packet takes its last link: start loading the synapses of the row it
   * will be applied to (the row's index was fetched at injection), so they
   * are in the cache when it arrives a hop from now. */
  if (s->rows && r->next[dir] == dst_tile)
    sys_prefetch_row(s, &(sys_out){.core = dst_core, .axon = ev->data.u32[1]});
  uint32_t need =
      s->noc_rings ? noc_needs_credits(s->topo, noc_in_dir(s, tile, ev->src), dir) : 1;
  port_send(s, e, tile, dir, now, ev, need);
}

void noc_on_port_try(void *ctx, sim_engine *e, const sim_event *ev) {
  sys *s = ctx;
  uint32_t tile = ev->dst - s->unit_router0;
  int dir = (int)ev->data.u32[0];
  sys_link *l = &s->routers[tile].link[dir];
  /* a try left behind by an earlier one (port_try_later) only looks */
  if (l->try_at == ev->time) l->try_pending = false;
  noc_port_send(s, e, tile, dir, ev->time);
}

void noc_init_ports(sys *s) {
  const noc_topology *t = s->topo;
  s->noc_rings = t->rings;
  s->noc_ahead = !s->mc && !s->hop_by_hop &&
                 !(t->rings && s->chip->buffer_depth && !s->chip->credit_latency_ps);
  for (uint32_t tile = 0; tile < s->n_tiles; tile++) {
    sys_router *r = &s->routers[tile];
    for (int d = 0; d < NOC_MAX_DIRS; d++) {
      r->next[d] = d < t->n_dirs ? t->neighbour(s->grid, tile, d) : NOC_NONE;
      r->kind[d] = (uint8_t)(r->next[d] != NOC_NONE ? t->link_kind(s->grid, tile, d) : 0);
      sys_link *l = &r->link[d];
      l->credits = s->chip->buffer_depth;
      l->cr_head = l->cr_len = 0;
    }
  }
}

void noc_free_ports(sys *s) {
  for (uint32_t t = 0; s->routers && t < s->n_tiles; t++)
    for (int d = 0; d < NOC_MAX_DIRS; d++) {
      nm_free(s->routers[t].link[d].q.ev);
      nm_free(s->routers[t].link[d].qe.ev);
      nm_free(s->routers[t].link[d].cr_at);
    }
}

void noc_on_inject(void *ctx, sim_engine *e, const sim_event *ev) {
  sys *s = ctx;
  uint32_t src_tile = s->cores[ev->src].tile;
  uint32_t dst_tile = s->cores[ev->data.u32[0]].tile;
  /* The row the packet will be applied to is on another core, cold in the
   * cache: fetch its index now, while the packet crosses the mesh. */
  if (s->rows) sys_prefetch_row_index(s, &(sys_out){.core = ev->data.u32[0], .axon = ev->data.u32[1]});
  if (src_tile == dst_tile) {
    /* Within a tile: one traversal of the tile's router. */
    const chip_cost *c = &s->chip->within_tile;
    sys_router *r = &s->routers[src_tile];
    sys_charge(&r->energy, NM_E_WITHIN_TILE, 1, c->energy_pj);
    sys_charge(&s->step_energy, NM_E_WITHIN_TILE, 1, c->energy_pj);
    sim_event out = *ev;
    out.kind = SIM_EV_PKT_DELIVER;
    out.dst = ev->data.u32[0];
    out.src = s->unit_router0 + src_tile;
    out.seq = r->seq++;
    out.time = ev->time + c->time_ps;
    sim_engine_schedule(e, &out);
    return;
  }
  noc_forward(s, e, src_tile, ev->time, ev);
}

void noc_on_hop(void *ctx, sim_engine *e, const sim_event *ev) {
  sys *s = ctx;
  noc_forward(s, e, ev->dst - s->unit_router0, ev->time, ev);
}

const sys_path noc_unicast_path = {
    .name = "noc unicast",
    .emit = noc_emit_unicast,
    .fold_hops = noc_fold_step_hops,
    .fold_window = noc_fold_window,
    .handlers = {{SIM_EV_PKT_INJECT, noc_on_inject},
                 {SIM_EV_PKT_HOP, noc_on_hop},
                 {SIM_EV_PORT_TRY, noc_on_port_try},
                 {SIM_EV_CREDIT, noc_on_credit}},
};
