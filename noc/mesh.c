/* mesh.c: the 2D-mesh network-on-chip. Packets (one flit each) travel hop by
 * hop as events with dimension-order routing (X first, then Y). A directed
 * link carries one packet at a time, so two packets wanting one link at once
 * serialize and the second is late by the serialization time. With a finite
 * buffer depth, a packet leaves only when the next router's input buffer has
 * room (credit-based flow control), so congestion backs up hop by hop. A
 * board of chips is one mesh whose chip-boundary hops use the chip links.
 * A queued packet whose departure time is already certain is sent at once,
 * dated then (SENDING AHEAD in noc_port_send): the same hops at the same
 * times with fewer events (tests/test_noc.c compares it with hop-by-hop).
 * Energy of each hop is charged to the tile whose router sends it. The
 * ports are shared with the key/mask multicast routers (noc/noc_int.h). */
#include "noc/mcast.h"
#include "noc/noc_int.h"

/* Tile positions and chip edges are looked up, not divided out: a hop needs
 * several, and an integer division costs tens of cycles. */
static inline void tile_xy(const sys *s, uint32_t tile, uint32_t *x, uint32_t *y) {
  *x = s->routers[tile].x;
  *y = s->routers[tile].y;
}

/* Whether the hop from `tile` in direction dir leaves its chip. */
static inline bool crosses_chip(const sys *s, uint32_t tile, int dir) {
  return s->routers[tile].off_chip >> dir & 1;
}

/* Links by what a hop costs: E-W, N-S (on chip), chip links. */
enum { LINK_EW, LINK_NS, LINK_CHIP };
static inline int link_kind(int dir, bool off_chip) {
  return off_chip ? LINK_CHIP : dir == SYS_EAST || dir == SYS_WEST ? LINK_EW : LINK_NS;
}
static const chip_cost *link_cost(const nmsim_chip *ch, int kind) {
  return kind == LINK_CHIP ? &ch->chip_link : kind == LINK_EW ? &ch->hop_ew : &ch->hop_ns;
}

void noc_fold_step_hops(sys *s) {
  for (int k = 0; k < 3; k++) {
    if (!s->step_hops[k]) continue;
    nm_energy_add_each(&s->step_energy, k == LINK_CHIP ? NM_E_CHIP_LINK : NM_E_LINK_HOP,
                       s->step_hops[k], link_cost(s->chip, k)->energy_pj);
    s->step_hops[k] = 0;
  }
}

void noc_fold_link_energy(sys *s) {
  for (uint32_t t = 0; s->routers && t < s->n_tiles; t++)
    for (int d = 0; d < SYS_NDIRS; d++) {
      sys_link *l = &s->routers[t].link[d];
      uint64_t n = l->packets - l->packets_charged;
      if (!n) continue;
      int k = link_kind(d, crosses_chip(s, t, d));
      nm_energy_add_each(&s->routers[t].energy, k == LINK_CHIP ? NM_E_CHIP_LINK : NM_E_LINK_HOP, n,
                         link_cost(s->chip, k)->energy_pj);
      l->packets_charged = l->packets;
    }
}

/* Dimension-order routing on a mesh: the output direction at tile `at` for a
 * packet going to tile `to` (X first, then Y; north is +y). */
static int noc_dor_xy(const sys *s, uint32_t at, uint32_t to) {
  uint32_t ax, ay, tx, ty;
  tile_xy(s, at, &ax, &ay);
  tile_xy(s, to, &tx, &ty);
  if (tx > ax) return SYS_EAST;
  if (tx < ax) return SYS_WEST;
  if (ty > ay) return SYS_NORTH;
  return SYS_SOUTH;
}

uint32_t noc_neighbour(const sys *s, uint32_t tile, int dir) {
  uint32_t w = s->grid_w;
  switch (dir) {
    case SYS_EAST: return tile + 1;
    case SYS_WEST: return tile - 1;
    case SYS_NORTH: return tile + w;
    default: return tile - w;
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
    sys_charge_core(s, c, NM_E_SPIKE_OUT, 1, so->energy_pj);
    if (noc_send(s, c->id, c->out[k].core, c->out[k].axon, t, value) != NMSIM_OK) break;
  }
  return t;
}

/* ---- output ports: FIFO, link and credits --------------------------------- */

bool noc_has_neighbour(const sys *s, uint32_t tile, int dir) {
  uint32_t x, y;
  tile_xy(s, tile, &x, &y);
  switch (dir) {
    case SYS_EAST: return x + 1 < s->grid_w;
    case SYS_WEST: return x > 0;
    case SYS_NORTH: return y + 1 < s->grid_h;
    default: return y > 0;
  }
}

int noc_in_dir(const sys *s, uint32_t tile, uint32_t src_unit) {
  if (src_unit < s->unit_router0 || src_unit >= s->unit_barrier) return -1;
  uint32_t ux, uy, x, y;
  tile_xy(s, src_unit - s->unit_router0, &ux, &uy);
  tile_xy(s, tile, &x, &y);
  if (uy == y) return ux < x ? SYS_WEST : SYS_EAST;
  return uy < y ? SYS_SOUTH : SYS_NORTH;
}

/* Slot k places after head in a ring of n slots (head < n, k <= n): one
 * compare instead of the division a `%` would cost on every hop. */
static inline size_t ring_slot(size_t head, size_t k, size_t n) {
  size_t i = head + k;
  return i >= n ? i - n : i;
}

bool noc_port_push(sys_link *l, const sim_event *ev) {
  if (l->q_len == l->q_cap) {
    size_t ncap = l->q_cap ? l->q_cap * 2 : 8;
    sim_event *nq = nm_malloc(ncap * sizeof *nq);
    if (!nq) return false;
    for (size_t k = 0; k < l->q_len; k++) nq[k] = l->q[ring_slot(l->q_head, k, l->q_cap)];
    nm_free(l->q);
    l->q = nq, l->q_cap = ncap, l->q_head = 0;
  }
  l->q[ring_slot(l->q_head, l->q_len, l->q_cap)] = *ev;
  if (++l->q_len > l->q_max) l->q_max = l->q_len;
  return true;
}

/* Have the port look at its queue at time t: a PORT_TRY event, unless one
 * is due at t or before. A try asked for before the one pending gets its own
 * event; the later one then only looks again (see noc_on_port_try). */
static void port_try_later(sys *s, sim_engine *e, uint32_t tile, int dir, nmsim_ps t) {
  sys_link *l = &s->routers[tile].link[dir];
  if (!l->q_len || (l->try_pending && l->try_at <= t)) return;
  l->try_pending = true;
  l->try_at = t;
  sys_router *r = &s->routers[tile];
  sim_event ev = {.time = t, .kind = SIM_EV_PORT_TRY, .dst = s->unit_router0 + tile,
                  .src = s->unit_router0 + tile, .seq = r->seq++};
  ev.data.u32[0] = (uint32_t)dir;
  sim_engine_schedule(e, &ev);
}

/* A credit for port (tile, dir) was recorded, to arrive at time t: a port
 * that sends ahead (noc_port_send) sends its waiting packets with it at
 * once; a multicast port that waits for credits (`waits`: as the caller
 * knows it) looks again when it arrives and the link is free. */
static void port_credit(sys *s, sim_engine *e, uint32_t tile, int dir, nmsim_ps t, bool waits) {
  sys_link *l = &s->routers[tile].link[dir];
  if (!s->mc && !s->hop_by_hop) {
    if (l->q_len) noc_port_send(s, e, tile, dir, sim_engine_now(e));
  } else if (waits) {
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
  int dir = noc_opposite(in); /* the upstream router's output port */
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
    port_credit(s, e, up, dir, now + back, !l->credits);
    return;
  }
  if (back) {
    /* the upstream router belongs to another process: the credit is a
     * message (sim/mpi/prun.c), counted by noc_on_credit there */
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

/* noc_port_send, with `arrival` (if not NULL) a packet that joins the back of
 * the queue now: when the queue is empty and the packet can leave, it leaves
 * without being copied into the queue and out again. */
static void port_send(sys *s, sim_engine *e, uint32_t tile, int dir, nmsim_ps now,
                      const sim_event *arrival) {
  const nmsim_chip *ch = s->chip;
  sys_router *r = &s->routers[tile];
  sys_link *l = &r->link[dir];
  bool off_chip = crosses_chip(s, tile, dir);
  int kind = link_kind(dir, off_chip);
  const chip_cost *cost = link_cost(ch, kind);
  nmsim_ps ser = off_chip ? ch->chip_link_serialization_ps : ch->link_serialization_ps;
  uint32_t next = noc_neighbour(s, tile, dir);
  while (l->cr_len && l->cr_at[l->cr_head] <= now) {
    l->credits++;
    l->cr_head = (uint32_t)ring_slot(l->cr_head, 1, ch->buffer_depth);
    l->cr_len--;
  }
  /* SENDING AHEAD. The packet at the head of the queue leaves when the
   * link is free and a credit is there: if the port holds a credit, in hand
   * or on its way back (recorded with its arrival time), nothing can take it
   * first (only this port's departures spend credits) and nothing can pass
   * the packet (the queue is FIFO). So its departure time is known now, and
   * the port sends it now, dated then: the hop event, the link time and
   * energy, and the credit of its input slot (at its departure time) are
   * those it would get then, with no event to wake the port. A port whose
   * queue waits has no credit it can count on yet: the next one recorded
   * sends it (port_credit), or it looks again when the first one on its way
   * arrives. Multicast copies wait for the link and for credits in hand:
   * their input slot frees with the last copy to leave, which needs the
   * departures in time order. */
  bool ahead = !s->mc && !s->hop_by_hop;
  nmsim_ps back = off_chip ? ch->chip_link.time_ps : ch->credit_latency_ps;
  while ((l->q_len || arrival) && (ahead || l->busy <= now)) {
    nmsim_ps at = l->busy > now ? l->busy : now; /* the departure time */
    if (ch->buffer_depth) {
      if (l->credits) {
        l->credits--;
      } else if (ahead && l->cr_len && l->cr_at[l->cr_head] <= now + back) {
        /* the first credit on its way, if no credit recorded from now on can
         * arrive before it: one recorded at or after now leaves the
         * downstream router at or after now, and takes `back` to come */
        if (l->cr_at[l->cr_head] > at) at = l->cr_at[l->cr_head];
        l->cr_head = (uint32_t)ring_slot(l->cr_head, 1, ch->buffer_depth);
        l->cr_len--;
      } else {
        break;
      }
    }
    sim_event ev;
    if (l->q_len) {
      ev = l->q[l->q_head];
      l->q_head = ring_slot(l->q_head, 1, l->q_cap);
      l->q_len--;
    } else {
      ev = *arrival;
      arrival = NULL;
    }
    l->busy = at + ser;
    l->busy_ps += ser;
    l->packets++;
    s->step_hops[kind]++; /* the energy: noc_fold_step_hops, noc_fold_link_energy */
    s->hops++;
    /* a multicast copy frees its input slot only when it is the last copy */
    if (s->mc) mc_port_left(s, e, tile, &ev, at);
    else noc_release_input(s, e, tile, &ev, at);
    sim_event out = ev;
    out.kind = SIM_EV_PKT_HOP;
    out.dst = s->unit_router0 + next;
    out.src = s->unit_router0 + tile;
    out.seq = r->seq++;
    out.time = at + cost->time_ps;
    sim_engine_schedule(e, &out);
  }
  if (arrival && !noc_port_push(l, arrival)) { /* it waits */
    sim_engine_fail_oom(e);
    return;
  }
  if (!l->q_len) return;
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

void noc_port_send(sys *s, sim_engine *e, uint32_t tile, int dir, nmsim_ps now) {
  port_send(s, e, tile, dir, now, NULL);
}

/* The packet in ev is at router `tile` at time now: eject it to its core or
 * queue it on the output port that dimension-order routing picks. */
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
  int dir = noc_dor_xy(s, tile, dst_tile);
  /* The packet takes its last link: start loading the synapses of the row it
   * will be applied to (the row's index was fetched at injection), so they
   * are in the cache when it arrives a hop from now. */
  if (s->rows && noc_neighbour(s, tile, dir) == dst_tile)
    sys_prefetch_row(s, &(sys_out){.core = dst_core, .axon = ev->data.u32[1]});
  port_send(s, e, tile, dir, now, ev);
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
  uint32_t w = s->chip->mesh_width, h = s->chip->mesh_height;
  for (uint32_t t = 0; t < s->n_tiles; t++) {
    sys_router *r = &s->routers[t];
    r->x = t % s->grid_w;
    r->y = t / s->grid_w;
    /* a chip's mesh is w x h tiles: its edge is a chip boundary */
    r->off_chip = (uint32_t)((r->x + 1) % w == 0) << SYS_EAST | (uint32_t)(r->x % w == 0) << SYS_WEST |
                  (uint32_t)((r->y + 1) % h == 0) << SYS_NORTH | (uint32_t)(r->y % h == 0) << SYS_SOUTH;
    for (int d = 0; d < SYS_NDIRS; d++) {
      sys_link *l = &r->link[d];
      l->credits = s->chip->buffer_depth;
      l->cr_head = l->cr_len = 0;
    }
  }
}

void noc_free_ports(sys *s) {
  for (uint32_t t = 0; s->routers && t < s->n_tiles; t++)
    for (int d = 0; d < SYS_NDIRS; d++) {
      nm_free(s->routers[t].link[d].q);
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
    .handlers = {{SIM_EV_PKT_INJECT, noc_on_inject},
                 {SIM_EV_PKT_HOP, noc_on_hop},
                 {SIM_EV_PORT_TRY, noc_on_port_try},
                 {SIM_EV_CREDIT, noc_on_credit}},
};
