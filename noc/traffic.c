/* traffic.c: uniform random traffic on the NoC of a chip or a board of chips,
 * through the same routers, links, buffers and credits as a network run
 * (noc/mesh.c). */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <string.h>

#include "noc/traffic.h"
#include "sim/base/rng.h"
#include "noc/noc_int.h"

enum { RNG_PURPOSE_TRAFFIC = 101 };

typedef struct traffic {
  sys *s;
  const noc_traffic_opts *o;
  nmsim_ps cycle, t_start, t_end, t_stop;
  gsl_rng **rng;            /* per tile */
  uint64_t created, delivered_all;
  double lat_sum, hop_sum;
  uint64_t measured, measured_created, window_delivered;
  uint64_t digest;          /* FNV-1a over the deliveries */
} traffic;

/* Fold x into the FNV-1a hash h, a byte at a time. */
static uint64_t fnv_u64(uint64_t h, uint64_t x) {
  for (int i = 0; i < 8; i++) h = (h ^ (x >> (8 * i) & 0xff)) * 0x100000001b3ull;
  return h;
}

/* Next creation time of tile t after time now: Bernoulli draws per cycle. */
static nmsim_ps next_gen(traffic *tr, uint32_t t, nmsim_ps now) {
  double u = gsl_rng_uniform_pos(tr->rng[t]);
  /* cycles until the next success of a Bernoulli(rate) process, >= 1 */
  double k = tr->o->rate >= 1.0 ? 1.0 : ceil(log(u) / log1p(-tr->o->rate));
  if (k < 1) k = 1;
  return now + (nmsim_ps)k * tr->cycle;
}

static void on_gen(void *ctx, sim_engine *e, const sim_event *ev) {
  traffic *tr = ctx;
  sys *s = tr->s;
  uint32_t core = ev->dst, tile = s->cores[core].tile;
  uint32_t n = s->n_tiles;
  uint32_t dt = (uint32_t)gsl_rng_uniform_int(tr->rng[tile], n - 1);
  if (dt >= tile) dt++;
  uint32_t dst_core = dt * s->chip->cores_per_tile;
  sim_event p = {.time = ev->time, .kind = SIM_EV_PKT_INJECT,
                 .dst = s->unit_router0 + tile, .src = core,
                 .seq = s->cores[core].pkt_seq++};
  p.data.u32[0] = dst_core;
  p.data.u32[1] = ev->time >= tr->t_start && ev->time < tr->t_end; /* measured? */
  p.data.u64[1] = ev->time;
  p.data.u32[4] = core; /* the packet's name, for the digest (on_deliver) */
  p.data.u32[5] = p.seq;
  tr->created++;
  sim_engine_schedule(e, &p);
  nmsim_ps nt = next_gen(tr, tile, ev->time);
  if (nt < tr->t_end) {
    sim_event g = *ev;
    g.time = nt;
    g.seq++;
    sim_engine_schedule(e, &g);
  }
}

static void on_deliver(void *ctx, sim_engine *e, const sim_event *ev) {
  traffic *tr = ctx;
  (void)e;
  tr->delivered_all++;
  /* which packet (source core, its sequence number: the INJECT event's src
   * and seq, carried in the payload) arrived when */
  tr->digest = fnv_u64(fnv_u64(fnv_u64(tr->digest, ev->time), ev->data.u32[4]), ev->data.u32[5]);
  if (ev->time >= tr->t_start && ev->time < tr->t_end) tr->window_delivered++;
  if (!ev->data.u32[1]) return;
  tr->measured++;
  tr->lat_sum += (double)(ev->time - ev->data.u64[1]);
}

static void on_inject(void *ctx, sim_engine *e, const sim_event *ev) {
  traffic *tr = ctx;
  sys *s = tr->s;
  uint32_t a = s->cores[ev->src].tile, b = s->cores[ev->data.u32[0]].tile;
  if (ev->data.u32[1]) {
    tr->hop_sum += (double)noc_route_hops(s->routing, s->grid, a, b);
    tr->measured_created++;
  }
  noc_on_inject(s, e, ev);
}

nmsim_status noc_traffic_run(const nmsim_chip *chip, const noc_traffic_opts *o,
                             noc_traffic_result *r, nmsim_err *err) {
  memset(r, 0, sizeof *r);
  uint32_t cx = o->chips_x ? o->chips_x : 1, cy = o->chips_y ? o->chips_y : 1;
  uint64_t n_tiles = (uint64_t)chip_n_tiles(chip) * cx * cy;
  if (!(o->rate > 0 && o->rate <= 1) || !o->measure || n_tiles < 2 ||
      n_tiles * chip->cores_per_tile > UINT32_MAX / 2)
    return NMSIM_ERR(err, NMSIM_EINVAL, "traffic: rate in (0, 1], a window, 2+ tiles needed");
  if (cx * cy > 1 && !chip->has_chip_link)
    return NMSIM_ERR(err, NMSIM_EINPUT, "traffic: a board of %u x %u chips needs chip '%s' to "
                     "describe its chip_link", cx, cy, chip->name);
  nmsim_status rc = NMSIM_ENOMEM;
  traffic tr = {.o = o, .digest = 0xcbf29ce484222325ull};
  sys *s = nm_calloc(1, sizeof *s);
  if (!s) return NMSIM_ENOMEM_ERR(err);
  tr.s = s;
  s->chip = chip;
  s->topo = chip->topology;
  s->routing = chip->routing;
  s->n_chips = cx * cy;
  s->n_tiles = (uint32_t)n_tiles;
  /* every tile gets its cores here, even one that a chip file leaves with a
   * router only (mesh.cores): synthetic traffic has no neurons */
  s->n_cores = s->n_tiles * chip->cores_per_tile;
  s->hop_by_hop = o->hop_by_hop;
  s->unit_router0 = s->n_cores;
  s->unit_barrier = s->n_cores + s->n_tiles;
  s->cores = nm_calloc(s->n_cores, sizeof *s->cores);
  s->routers = nm_calloc(s->n_tiles, sizeof *s->routers);
  tr.rng = nm_calloc(s->n_tiles, sizeof *tr.rng);
  s->grid = nm_calloc(1, sizeof *s->grid);
  if (!s->cores || !s->routers || !tr.rng || !s->grid ||
      noc_grid_init(s->grid, chip->mesh_width, chip->mesh_height, cx, cy) != NMSIM_OK)
    goto fail;
  /* tiles are numbered over the board's grid, the cores of each in turn */
  for (uint32_t i = 0; i < s->n_cores; i++) {
    s->cores[i].id = i;
    s->cores[i].tile = i / chip->cores_per_tile;
    s->cores[i].chip = noc_grid_chip(s->grid, s->cores[i].tile);
  }
  for (uint32_t t = 0; t < s->n_tiles; t++) {
    if (!(tr.rng[t] = gsl_rng_alloc(gsl_rng_taus2))) goto fail;
    gsl_rng_set(tr.rng[t], rng_stream_seed(o->seed, t, 0, RNG_PURPOSE_TRAFFIC));
  }
  sim_pq_opts qo = {.max_events = 1u << 26};
  if ((rc = sim_engine_create("bucket", &qo, &s->eng, err)) != NMSIM_OK) goto done;
  sim_engine_set_handler(s->eng, SIM_EV_TRAFFIC_GEN, on_gen, &tr);
  sim_engine_set_handler(s->eng, SIM_EV_PKT_INJECT, on_inject, &tr);
  sim_engine_set_handler(s->eng, SIM_EV_PKT_HOP, noc_on_hop, s);
  sim_engine_set_handler(s->eng, SIM_EV_PORT_TRY, noc_on_port_try, s);
  sim_engine_set_handler(s->eng, SIM_EV_CREDIT, noc_on_credit, s);
  sim_engine_set_handler(s->eng, SIM_EV_PKT_DELIVER, on_deliver, &tr);
  noc_init_ports(s);
  tr.cycle = chip->link_serialization_ps ? chip->link_serialization_ps : 1000;
  tr.t_start = o->warmup * tr.cycle;
  tr.t_end = tr.t_start + o->measure * tr.cycle;
  sim_engine_set_end(s->eng, tr.t_end + 20 * o->measure * tr.cycle);
  for (uint32_t t = 0; t < s->n_tiles; t++) {
    uint32_t core = t * chip->cores_per_tile;
    sim_event g = {.time = next_gen(&tr, t, 0), .kind = SIM_EV_TRAFFIC_GEN, .dst = core,
                   .src = core, .seq = 0};
    if ((rc = sim_engine_schedule(s->eng, &g)) != NMSIM_OK) break;
  }
  if (rc == NMSIM_OK) rc = sim_engine_run(s->eng, err);
  if (rc == NMSIM_OK) {
    r->measured = tr.measured;
    r->mean_latency_ps = tr.measured ? tr.lat_sum / (double)tr.measured : 0;
    r->mean_hops = tr.measured_created ? tr.hop_sum / (double)tr.measured_created : 0;
    r->accepted = (double)tr.window_delivered / (double)s->n_tiles / (double)o->measure;
    r->undelivered = tr.measured_created - tr.measured;
    r->created = tr.created;
    r->delivered = tr.delivered_all;
    r->digest = tr.digest;
    r->events = sim_engine_get_stats(s->eng)->dispatched;
  }
  goto done;
fail:
  rc = NMSIM_ENOMEM_ERR(err);
done:
  for (uint32_t t = 0; tr.rng && t < s->n_tiles; t++)
    if (tr.rng[t]) gsl_rng_free(tr.rng[t]);
  nm_free(tr.rng);
  sim_engine_destroy(s->eng);
  noc_free_ports(s);
  nm_free(s->cores);
  nm_free(s->routers);
  noc_grid_free(s->grid);
  nm_free(s->grid);
  nm_free(s);
  return rc;
}
