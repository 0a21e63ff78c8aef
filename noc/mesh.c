/* mesh.c: the 2D-mesh network-on-chip. Packets travel hop by hop as events
 * with dimension-order routing (X first, then Y). A directed link carries one
 * packet at a time: a packet that finds it busy waits, so two packets wanting
 * one link at once serialize and the second is late by the serialization
 * time. Energy of each hop is charged to the tile whose router sends it. */
#include "sim/system_int.h"

static inline void tile_xy(const sys *s, uint32_t tile, uint32_t *x, uint32_t *y) {
  *x = tile % s->grid_w;
  *y = tile / s->grid_w;
}

/* Whether the hop from `tile` in direction dir leaves its chip. */
static bool crosses_chip(const sys *s, uint32_t tile, int dir) {
  uint32_t x, y, w = s->chip->mesh_width, h = s->chip->mesh_height;
  tile_xy(s, tile, &x, &y);
  switch (dir) {
    case SYS_EAST: return (x + 1) % w == 0;
    case SYS_WEST: return x % w == 0;
    case SYS_NORTH: return (y + 1) % h == 0;
    default: return y % h == 0;
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

static uint32_t neighbour(const sys *s, uint32_t tile, int dir) {
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

/* Move the packet in ev, now at router `tile` at time `now`, one step on. */
static void noc_forward(sys *s, sim_engine *e, uint32_t tile, nmsim_ps now,
                        const sim_event *ev) {
  const nmsim_chip *ch = s->chip;
  uint32_t dst_core = ev->data.u32[0];
  uint32_t dst_tile = s->cores[dst_core].tile;
  sys_router *r = &s->routers[tile];
  sim_event out = *ev;
  out.src = s->unit_router0 + tile;
  out.seq = r->seq++;
  if (dst_tile == tile) {
    /* Ejection at the destination router: the packet reaches the core. The
     * hop latencies already include the router traversal. */
    out.kind = SIM_EV_PKT_DELIVER;
    out.dst = dst_core;
    out.time = now;
    sim_engine_schedule(e, &out);
    return;
  }
  int dir = noc_dor_xy(s, tile, dst_tile);
  bool off_chip = crosses_chip(s, tile, dir);
  const chip_cost *cost = off_chip ? &ch->chip_link
                          : (dir == SYS_EAST || dir == SYS_WEST) ? &ch->hop_ew
                                                                 : &ch->hop_ns;
  nmsim_ps ser = off_chip ? ch->chip_link_serialization_ps : ch->link_serialization_ps;
  int cat = off_chip ? NM_E_CHIP_LINK : NM_E_LINK_HOP;
  sys_link *l = &r->link[dir];
  nmsim_ps depart = now > l->busy ? now : l->busy;
  l->busy = depart + ser;
  l->busy_ps += ser;
  l->packets++;
  sys_charge(&r->energy, cat, 1, cost->energy_pj);
  sys_charge(&s->step_energy, cat, 1, cost->energy_pj);
  s->hops++;
  uint32_t next = neighbour(s, tile, dir);
  out.kind = SIM_EV_PKT_HOP;
  out.dst = s->unit_router0 + next;
  out.time = depart + cost->time_ps;
  sim_engine_schedule(e, &out);
}

void noc_on_inject(void *ctx, sim_engine *e, const sim_event *ev) {
  sys *s = ctx;
  uint32_t src_tile = s->cores[ev->src].tile;
  uint32_t dst_tile = s->cores[ev->data.u32[0]].tile;
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
