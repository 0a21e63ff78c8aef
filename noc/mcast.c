/* mcast.c: SpiNNaker-style key/mask multicast routing on the chip's topology:
 * routing keys, per-router tables built from each source block's multicast
 * tree, and run-time lookup with default routing and replication at branch
 * points.
 *
 * Keys name source neurons (block number << key_bits | index in the block).
 * At mapping time each source block's tree (the merged paths of the chip's
 * routing algorithm to the tiles of its destination cores) becomes table
 * entries wherever default routing does not suffice. At run time a router looks a packet's key
 * up and replicates it to every output link and local core of the route,
 * through the output ports of noc/mesh.c (same FIFOs, links, credits and
 * energy). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "noc/mcast.h"
#include "noc/noc_int.h"

/* ---- tables ---------------------------------------------------------------- */

const mc_entry *mc_lookup(const mc_table *t, uint32_t key) {
  if (t->exact && t->n) {
    /* at most one entry matches: the one whose key is key & mask */
    uint32_t k = key & t->e[0].mask;
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (t->e[mid].key < k) lo = mid + 1;
      else hi = mid;
    }
    return lo < t->n && t->e[lo].key == k ? &t->e[lo] : NULL;
  }
  /* O(n): fine for the small hand-made tables that are not exact */
  for (size_t i = 0; i < t->n; i++)
    if ((key & t->e[i].mask) == t->e[i].key) return &t->e[i];
  return NULL;
}

nmsim_status mc_table_add(mc_table *t, uint32_t key, uint32_t mask, uint32_t links,
                          uint32_t cores) {
  if (t->n == t->cap && nm_grow((void **)&t->e, &t->cap, t->n + 1, sizeof *t->e) != NMSIM_OK)
    return NMSIM_ENOMEM;
  t->exact = t->n == 0 || (t->exact && mask == t->e[0].mask && key > t->e[t->n - 1].key);
  t->e[t->n++] = (mc_entry){.key = key, .mask = mask, .links = links, .cores = cores};
  return NMSIM_OK;
}

void mc_table_free(mc_table *t) {
  if (!t) return;
  nm_free(t->e);
  memset(t, 0, sizeof *t);
}

bool mc_route(const mc_table *t, const noc_topology *topo, uint32_t key, int in_dir,
              uint32_t *links, uint32_t *cores) {
  const mc_entry *en = mc_lookup(t, key);
  if (en) {
    *links = en->links;
    *cores = en->cores;
    return true;
  }
  if (in_dir < 0) return false;
  *links = 1u << topo->opposite[in_dir]; /* default routing: straight through */
  *cores = 0;
  return true;
}

/* ---- names ----------------------------------------------------------------- */

void mc_router_name(const sys *s, uint32_t tile, char *buf, size_t len) {
  const noc_grid *g = s->grid;
  noc_pos p = g->pos[tile];
  snprintf(buf, len, "chip%u/tile(%u,%u)/router", noc_grid_chip(g, tile), p.x % g->chip_w,
           p.y % g->chip_h);
}

/* ---- building the routes --------------------------------------------------- */

typedef struct blk_ref {
  uint32_t gid0, core, bi;
} blk_ref;

static int blk_cmp(const void *pa, const void *pb) {
  const blk_ref *a = pa, *b = pb;
  return (a->gid0 > b->gid0) - (a->gid0 < b->gid0);
}

/* Scratch of the tree walk: per tile, a stamp (block + 1) marking the tiles
 * of the current tree, their input link, output links and local cores. */
typedef struct tree {
  uint32_t *stamp, *links, *cores, *visited;
  int8_t *in;
  uint32_t n_visited, mark;
} tree;

static void tree_visit(tree *w, uint32_t tile, int in) {
  if (w->stamp[tile] == w->mark) {
    /* dimension-order paths from one source (on the mesh and the torus) enter
     * a tile from one side */
    (void)NEVER(w->in[tile] != in);
    return;
  }
  w->stamp[tile] = w->mark;
  w->in[tile] = (int8_t)in;
  w->links[tile] = 0;
  w->cores[tile] = 0;
  w->visited[w->n_visited++] = tile;
}

/* Add the path that the chip's routing algorithm gives from tile `from` to
 * the core `core` to the tree. */
static void tree_path(const sys *s, tree *w, uint32_t from, uint32_t core) {
  const noc_mc *m = s->mc;
  const noc_topology *t = s->topo;
  uint32_t to = s->cores[core].tile, cur = from;
  while (cur != to) {
    int dir = s->routing->route(s->grid, cur, to);
    w->links[cur] |= 1u << dir;
    cur = t->neighbour(s->grid, cur, dir);
    if (NEVER(cur == NOC_NONE)) return;
    tree_visit(w, cur, t->opposite[dir]);
  }
  w->cores[to] |= 1u << (core - m->tile_core0[to]);
}

/* Destination cores of block bi of core c (each once), into list; returns
 * how many. stamp marks cores already listed (value mark). */
static uint32_t block_dests(const sys *s, uint32_t c, size_t bi, uint32_t *stamp, uint32_t mark,
                            uint32_t *list) {
  const sys_core *sc = &s->cores[c];
  const sys_block *b = &sc->blocks[bi];
  uint32_t n = 0;
  for (uint32_t j = b->local0; j < b->local0 + b->n; j++)
    for (uint32_t k = sc->out_ptr[j]; k < sc->out_ptr[j + 1]; k++) {
      uint32_t d = sc->out[k].core;
      if (stamp[d] != mark) stamp[d] = mark, list[n++] = d;
    }
  return n;
}

static nmsim_status mc_alloc(sys *s, noc_mc *m, nmsim_err *err) {
  m->table = nm_calloc(s->n_tiles, sizeof *m->table);
  m->key0 = nm_calloc(s->n_cores, sizeof *m->key0);
  m->rx_key = nm_calloc(s->n_cores, sizeof *m->rx_key);
  m->tile_core0 = nm_malloc(sizeof(uint32_t) * s->n_tiles);
  m->tile_ncores = nm_calloc(s->n_tiles, sizeof(uint32_t));
  if (!m->table || !m->key0 || !m->rx_key || !m->tile_core0 || !m->tile_ncores)
    return NMSIM_ENOMEM_ERR(err);
  for (uint32_t t = 0; t < s->n_tiles; t++) m->tile_core0[t] = UINT32_MAX;
  for (uint32_t i = 0; i < s->n_cores; i++) {
    uint32_t t = s->cores[i].tile;
    if (m->tile_core0[t] == UINT32_MAX) m->tile_core0[t] = i;
    m->tile_ncores[t]++;
    const sys_core *c = &s->cores[i];
    m->key0[i] = nm_malloc(sizeof(uint32_t) * (c->n_blocks ? c->n_blocks : 1));
    m->rx_key[i] = nm_malloc(sizeof(uint32_t) * (c->n_axons ? c->n_axons : 1));
    if (!m->key0[i] || !m->rx_key[i]) return NMSIM_ENOMEM_ERR(err);
  }
  uint32_t depth = s->chip->buffer_depth;
  if (depth) {
    m->in_left = nm_calloc((size_t)s->n_tiles * NOC_MAX_DIRS * depth, sizeof(uint16_t));
    if (!m->in_left) return NMSIM_ENOMEM_ERR(err);
  }
  return NMSIM_OK;
}

/* The tree of block B (core c, block bi) into the tables. */
static nmsim_status mc_block_routes(sys *s, tree *w, uint32_t *dests, uint32_t *core_stamp,
                                    uint32_t B, uint32_t c, size_t bi, uint32_t mask,
                                    nmsim_err *err) {
  noc_mc *m = s->mc;
  uint32_t key = B << m->key_bits;
  uint32_t nd = block_dests(s, c, bi, core_stamp, B + 1, dests);
  if (!nd) {
    m->key0[c][bi] = MC_NO_ROUTE;
    return NMSIM_OK;
  }
  m->key0[c][bi] = key;
  uint32_t src = s->cores[c].tile;
  w->mark = B + 1;
  w->n_visited = 0;
  tree_visit(w, src, -1);
  for (uint32_t k = 0; k < nd; k++) tree_path(s, w, src, dests[k]);
  for (uint32_t v = 0; v < w->n_visited; v++) {
    uint32_t t = w->visited[v];
    /* an entry at the source (a packet from a core is never default-routed),
     * where the tree delivers to cores, turns or branches */
    bool straight =
        t != src && !w->cores[t] && w->links[t] == 1u << s->topo->opposite[w->in[t]];
    if (straight) continue;
    if (mc_table_add(&m->table[t], key, mask, w->links[t], w->cores[t]) != NMSIM_OK)
      return NMSIM_ENOMEM_ERR(err);
    m->entries++;
  }
  return NMSIM_OK;
}

/* Keys of the input axons of every core: axon a of core d receives from one
 * source neuron; its key comes from that neuron's block. */
static void mc_rx_keys(sys *s) {
  noc_mc *m = s->mc;
  for (uint32_t c = 0; c < s->n_cores; c++) {
    const sys_core *sc = &s->cores[c];
    for (size_t bi = 0; bi < sc->n_blocks; bi++) {
      const sys_block *b = &sc->blocks[bi];
      if (m->key0[c][bi] == MC_NO_ROUTE) continue;
      for (uint32_t j = b->local0; j < b->local0 + b->n; j++)
        for (uint32_t k = sc->out_ptr[j]; k < sc->out_ptr[j + 1]; k++)
          m->rx_key[sc->out[k].core][sc->out[k].axon] = m->key0[c][bi] + (j - b->local0);
    }
  }
  for (uint32_t d = 0; d < s->n_cores; d++) s->cores[d].rx_key = m->rx_key[d];
  /* axons are numbered by source neuron id and keys grow with it (blocks are
   * numbered in neuron-id order), so each core's keys increase */
  for (uint32_t d = 0; d < s->n_cores; d++)
    for (uint32_t a = 1; a < s->cores[d].n_axons; a++)
      if (NEVER(m->rx_key[d][a] <= m->rx_key[d][a - 1]))
        NMSIM_PANIC("core %u: receive keys not increasing at axon %u", d, a);
}

nmsim_status mc_build(sys *s, nmsim_err *err) {
  const nmsim_chip *ch = s->chip;
  if (ch->cores_per_tile > 32)
    return NMSIM_ERR(err, NMSIM_EINPUT,
                     "chip '%s': a multicast route addresses at most 32 cores per tile, the "
                     "chip has %u", ch->name, ch->cores_per_tile);
  noc_mc *m = nm_calloc(1, sizeof *m);
  if (!m) return NMSIM_ENOMEM_ERR(err);
  s->mc = m;
  nmsim_status rc = mc_alloc(s, m, err);
  if (rc != NMSIM_OK) return rc;

  /* source blocks in neuron-id order; key_bits covers the largest block */
  size_t nb = 0;
  uint32_t maxn = 1;
  for (uint32_t c = 0; c < s->n_cores; c++) nb += s->cores[c].n_blocks;
  blk_ref *blks = nm_malloc(sizeof *blks * (nb ? nb : 1));
  tree w = {0};
  uint32_t *dests = nm_malloc(sizeof(uint32_t) * (s->n_cores ? s->n_cores : 1));
  uint32_t *core_stamp = nm_calloc(s->n_cores ? s->n_cores : 1, sizeof(uint32_t));
  w.stamp = nm_calloc(s->n_tiles, sizeof(uint32_t));
  w.links = nm_malloc(sizeof(uint32_t) * s->n_tiles);
  w.cores = nm_malloc(sizeof(uint32_t) * s->n_tiles);
  w.visited = nm_malloc(sizeof(uint32_t) * s->n_tiles);
  w.in = nm_malloc(s->n_tiles);
  if (!blks || !dests || !core_stamp || !w.stamp || !w.links || !w.cores || !w.visited ||
      !w.in) {
    rc = NMSIM_ENOMEM_ERR(err);
    goto done;
  }
  nb = 0;
  for (uint32_t c = 0; c < s->n_cores; c++)
    for (size_t bi = 0; bi < s->cores[c].n_blocks; bi++) {
      const sys_block *b = &s->cores[c].blocks[bi];
      blks[nb++] = (blk_ref){s->pop_gid0[b->pop_id] + b->first, c, (uint32_t)bi};
      if (b->n > maxn) maxn = b->n;
    }
  qsort(blks, nb, sizeof *blks, blk_cmp);
  while ((1u << m->key_bits) < maxn) m->key_bits++;
  if (nb && ((uint64_t)nb << m->key_bits) - 1 >= MC_NO_ROUTE) {
    rc = NMSIM_ERR(err, NMSIM_EINPUT,
                   "chip '%s': %zu source blocks of up to %u neurons need more routing keys "
                   "than 32-bit keys hold", ch->name, nb, maxn);
    goto done;
  }
  uint32_t mask = ~((1u << m->key_bits) - 1);
  m->block_pop = nm_calloc(nb ? nb : 1, sizeof *m->block_pop);
  if (!m->block_pop) {
    rc = NMSIM_ENOMEM_ERR(err);
    goto done;
  }
  m->n_block_pop = (uint32_t)nb;
  for (size_t B = 0; B < nb; B++)
    m->block_pop[B] = s->cores[blks[B].core].blocks[blks[B].bi].pop_id;
  s->key_pop = m->block_pop;
  s->key_bits = m->key_bits;
  for (size_t B = 0; B < nb && rc == NMSIM_OK; B++)
    rc = mc_block_routes(s, &w, dests, core_stamp, (uint32_t)B, blks[B].core, blks[B].bi, mask,
                         err);
  if (rc != NMSIM_OK) goto done;
  for (uint32_t t = 0; t < s->n_tiles; t++)
    if (m->table[t].n > ch->router_entries) {
      char name[96];
      mc_router_name(s, t, name, sizeof name);
      rc = NMSIM_ERR(err, NMSIM_ECAPACITY,
                     "chip '%s': router %s needs a routing table of %zu entries; the router "
                     "holds %u (over by %zu)",
                     ch->name, name, m->table[t].n, ch->router_entries,
                     m->table[t].n - ch->router_entries);
      goto done;
    }
  mc_rx_keys(s);
done:
  nm_free(blks);
  nm_free(dests);
  nm_free(core_stamp);
  nm_free(w.stamp);
  nm_free(w.links);
  nm_free(w.cores);
  nm_free(w.visited);
  nm_free(w.in);
  return rc;
}

void mc_destroy(noc_mc *m, uint32_t n_cores, uint32_t n_tiles) {
  if (!m) return;
  for (uint32_t t = 0; m->table && t < n_tiles; t++) mc_table_free(&m->table[t]);
  for (uint32_t c = 0; c < n_cores; c++) {
    if (m->key0) nm_free(m->key0[c]);
    if (m->rx_key) nm_free(m->rx_key[c]);
  }
  nm_free(m->table);
  nm_free(m->key0);
  nm_free(m->rx_key);
  nm_free(m->block_pop);
  nm_free(m->tile_core0);
  nm_free(m->tile_ncores);
  nm_free(m->in_left);
  nm_free(m);
}

/* ---- run time -------------------------------------------------------------- */

static void mc_fail(sim_engine *e, nmsim_status code, const char *fmt, ...) NMSIM_PRINTF(3, 4);
static void mc_fail(sim_engine *e, nmsim_status code, const char *fmt, ...) {
  nmsim_err err = {0};
  va_list ap;
  va_start(ap, fmt);
  nm_vseterr(&err, code, __FILE__, __LINE__, fmt, ap);
  va_end(ap);
  sim_engine_fail(e, &err);
}

nmsim_status mc_send(sys *s, uint32_t src_core, uint32_t key, uint64_t tick, nmsim_ps t,
                     double value) {
  sys_core *c = &s->cores[src_core];
  sim_event ev = {.time = t,
                  .kind = SIM_EV_PKT_INJECT,
                  .dst = s->unit_router0 + c->tile,
                  .src = src_core,
                  .seq = c->pkt_seq++};
  ev.data.u32[0] = key;
  ev.data.u32[1] = (uint32_t)tick;
  ev.data.u64[1] = t;
  ev.data.f64[2] = value;
  s->packets++;
  s->in_flight++;
  return sim_engine_schedule(s->eng, &ev);
}

/* The spike of neuron i of block bi of core c leaves at time t as one
 * multicast packet keyed by its block (none when the block sends nowhere). */
static nmsim_ps mc_emit(sys *s, sys_core *c, size_t bi, uint32_t i, nmsim_ps t, double value) {
  uint32_t key0 = s->mc->key0[c->id][bi];
  if (key0 == MC_NO_ROUTE) return t;
  const chip_cost *so = c->level ? &c->level->spike_out : &s->chip->spike_out;
  t += so->time_ps;
  sys_charge_pop(s, c, c->blocks[bi].pop_id, NM_E_SPIKE_OUT, 1, so->energy_pj);
  mc_send(s, c->id, key0 + i, s->step, t, value);
  return t;
}

/* The packet ev is at router `tile` at time now, having come in on link
 * in_dir (-1: from a local core): route it, deliver its copies to local cores
 * and queue one copy on every output link of the route. A packet that came
 * on a link holds its input slot until its last link copy has left. */
static void mc_forward(sys *s, sim_engine *e, uint32_t tile, nmsim_ps now, const sim_event *ev,
                       int in_dir) {
  noc_mc *m = s->mc;
  uint32_t key = ev->data.u32[0], links, cores;
  char name[96];
  if (!mc_route(&m->table[tile], s->topo, key, in_dir, &links, &cores)) {
    mc_router_name(s, tile, name, sizeof name);
    mc_fail(e, NMSIM_EINTERNAL,
            "router %s: a packet with key 0x%08x from core %u matches no entry (a packet "
            "from a core is not default-routed)", name, key, ev->src);
    return;
  }
  sys_router *r = &s->routers[tile];
  /* copies in flight: this packet becomes one per output link and core */
  for (int d = 0; d < 32; d++) s->in_flight += (links >> d & 1) + (cores >> d & 1);
  s->in_flight--;
  for (int d = 0; d < 32; d++)
    if ((links >> d & 1) && (d >= s->topo->n_dirs || r->next[d] == NOC_NONE)) {
      mc_router_name(s, tile, name, sizeof name);
      mc_fail(e, NMSIM_EINTERNAL, "router %s: key 0x%08x is routed to port %d, which has no "
              "link (%s)", name, key, d, s->topo->name);
      return;
    }
  const chip_cost *wt = &s->chip->within_tile;
  for (uint32_t i = 0; cores; i++) {
    if (!(cores >> i & 1)) continue;
    cores &= ~(1u << i);
    if (i >= m->tile_ncores[tile]) {
      mc_router_name(s, tile, name, sizeof name);
      mc_fail(e, NMSIM_EINTERNAL, "router %s: key 0x%08x is routed to core %u of a tile with "
              "%u cores", name, key, i, m->tile_ncores[tile]);
      return;
    }
    sim_event out = *ev;
    out.kind = SIM_EV_PKT_DELIVER;
    out.dst = m->tile_core0[tile] + i;
    out.src = s->unit_router0 + tile;
    out.seq = r->seq++;
    out.time = now;
    if (in_dir < 0) {
      /* from a core of this tile to another: one traversal of the router per
       * copy; a packet that came over a link paid the router in its hop */
      out.time += wt->time_ps;
      sys_charge(&r->energy, NM_E_WITHIN_TILE, 1, wt->energy_pj);
      sys_charge(&s->step_energy, NM_E_WITHIN_TILE, 1, wt->energy_pj);
    }
    sim_engine_schedule(e, &out);
  }
  uint32_t depth = s->chip->buffer_depth, ref = 0;
  if (in_dir >= 0 && depth) {
    if (!links) {
      noc_release_input(s, e, tile, ev, now);
    } else {
      uint16_t *left = &m->in_left[((size_t)tile * NOC_MAX_DIRS + (size_t)in_dir) * depth];
      uint32_t slot = 0;
      while (slot < depth && left[slot]) slot++;
      /* credits bound what an input buffer holds, so a slot is free */
      if (slot == depth) NMSIM_PANIC("router %u: input buffer %d over its depth %u", tile, in_dir,
                                     depth);
      uint16_t copies = 0;
      for (int d = 0; d < s->topo->n_dirs; d++) copies += links >> d & 1;
      left[slot] = copies;
      ref = 1 + (uint32_t)in_dir * depth + slot;
    }
  }
  for (int d = 0; d < s->topo->n_dirs; d++) {
    if (!(links >> d & 1)) continue;
    sim_event cp = *ev;
    cp.dst = ref; /* while queued: the input slot this packet holds (0: none) */
    if (!noc_port_push(&r->link[d], &cp, noc_needs_credits(s->topo, in_dir, d))) {
      sim_engine_fail_oom(e);
      return;
    }
    noc_port_send(s, e, tile, d, now);
  }
}

/* A copy queued at router `tile` has left (called by noc_port_send through
 * the path): when it was the last copy of its packet, the packet's input
 * slot frees. */
static void mc_port_left(sys *s, sim_engine *e, uint32_t tile, const sim_event *ev,
                         nmsim_ps now) {
  uint32_t ref = ev->dst, depth = s->chip->buffer_depth;
  if (!ref || !depth) return;
  ref--;
  uint16_t *left =
      &s->mc->in_left[((size_t)tile * NOC_MAX_DIRS + ref / depth) * depth + ref % depth];
  if (NEVER(*left == 0)) return;
  if (--*left == 0) noc_release_input(s, e, tile, ev, now);
}

void mc_on_inject(void *ctx, sim_engine *e, const sim_event *ev) {
  sys *s = ctx;
  mc_forward(s, e, s->cores[ev->src].tile, ev->time, ev, -1);
}

void mc_on_hop(void *ctx, sim_engine *e, const sim_event *ev) {
  sys *s = ctx;
  uint32_t tile = ev->dst - s->unit_router0;
  mc_forward(s, e, tile, ev->time, ev, noc_in_dir(s, tile, ev->src));
}

const sys_path noc_multicast_path = {
    .name = "noc multicast",
    .emit = mc_emit,
    .fold_hops = noc_fold_step_hops,
    .fold_window = noc_fold_window,
    .port_left = mc_port_left,
    .handlers = {{SIM_EV_PKT_INJECT, mc_on_inject},
                 {SIM_EV_PKT_HOP, mc_on_hop},
                 {SIM_EV_PORT_TRY, noc_on_port_try},
                 {SIM_EV_CREDIT, noc_on_credit}},
};
