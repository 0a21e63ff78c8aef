/* test_topology.c: the NoC topologies and routing algorithms registered by
 * name (noc/topology.h), and the torus: its links and wrap-around links over a
 * chip or a board, dimension-order routes of minimal length, freedom from
 * deadlock under saturating traffic with small buffers (bubble flow control,
 * noc/mesh.c), the zero-load latency of uniform traffic against the mean
 * minimal distance of the torus (Dally & Towles, Principles and Practices of
 * Interconnection Networks, 2004, ch. 5), multicast trees over wrap links,
 * and the chip file's errors. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "noc/mcast.h"
#include "noc/topology.h"
#include "noc/traffic.h"
#include "sim/mpi/partition.h"
#include "sim/system/build.h"
#include "sim/system/run_int.h"
#include "tests_util.h"

/* ---- chips ------------------------------------------------------------------ */

/* A Loihi-like chip file of w x h tiles of one core, on topology `topo`
 * (NULL: no noc.topology key), with 1 ns hops and 1 ns serialization, chip
 * links of 2 ns (serialization 1 ns); depth 0: unlimited buffers; credit:
 * the credit latency (NULL: the default). */
static char *chip_text(const char *topo, unsigned w, unsigned h, unsigned depth,
                       const char *credit) {
  char topo_s[64] = "", depth_s[96] = "";
  if (topo) snprintf(topo_s, sizeof topo_s, "topology: %s, ", topo);
  if (depth)
    snprintf(depth_s, sizeof depth_s, ", buffer_depth: %u%s%s", depth,
             credit ? ", credit_latency: " : "", credit ? credit : "");
  char *text = malloc(2048);
  cr_assert(text != NULL);
  snprintf(text, 2048,
           "name: topo\ncore_kind: loihi\nmesh: {width: %u, height: %u, cores_per_tile: 1}\n"
           "limits: {neurons_per_core: 64, synapse_memory: 64 KiB, synapse_bytes: 4, "
           "fan_in: 4096, fan_out: 4096}\n"
           "costs: {synaptic_op: {energy: 1 pJ, time: 1 ns}, synaptic_update: {energy: 0 pJ, "
           "time: 0 ns}, neuron_update: {energy: 1 pJ, time: 1 ns}, neuron_idle: {energy: 0 pJ, "
           "time: 0 ns}, spike_out: {energy: 0 pJ, time: 0 ns}}\n"
           "noc: {%swithin_tile: {energy: 0 pJ, time: 0 ns}, hop_ew: "
           "{energy: 1 pJ, time: 1 ns}, hop_ns: {energy: 1 pJ, time: 1 ns}, link_serialization: "
           "1 ns%s}\n"
           "chip_link: {energy: 10 pJ, time: 2 ns, serialization: 1 ns}\n"
           "barrier: {times: [{tiles: 1, time: 1 ns}], energy_per_tile: 0 pJ}\n"
           "static_power: 0 mW\n",
           w, h, topo_s, depth_s);
  return text;
}

/* Write text to a fresh chip file; its path (a static buffer per call slot). */
static const char *chip_file(const char *text) {
  static char path[8][512];
  static int slot;
  char *p = path[slot++ % 8];
  snprintf(p, 512, "%s", tu_tmp("topo-chip", ".yaml"));
  cr_assert_eq(tu_write(p, text), 0);
  return p;
}

static nmsim_chip *load_chip(const char *text) {
  nmsim_chip *c = NULL;
  nmsim_err err = {0};
  const char *path = chip_file(text);
  cr_assert_eq(nmsim_chip_load(path, NULL, &c, &err), NMSIM_OK, "%s\n%s", err.msg, text);
  remove(path);
  return c;
}

static nmsim_chip *torus_chip(unsigned w, unsigned h, unsigned depth, const char *credit) {
  char *text = chip_text("torus", w, h, depth, credit);
  nmsim_chip *c = load_chip(text);
  free(text);
  return c;
}

/* ---- the registry ------------------------------------------------------------ */

/* Topologies are found by name, routing algorithms by (name, topology); an
 * unknown name is NULL, and the lists of names are what errors print. */
Test(topology, registry) {
  cr_assert(noc_topology_find("mesh") == &noc_topology_mesh);
  cr_assert(noc_topology_find("torus") == &noc_topology_torus);
  cr_assert(noc_topology_find("ring") == NULL);
  cr_assert(noc_topology_find(NULL) == NULL);
  cr_assert(noc_routing_find("dor", &noc_topology_mesh) == &noc_routing_dor_mesh);
  cr_assert(noc_routing_find("xy", &noc_topology_mesh) == &noc_routing_dor_mesh,
            "xy: the mesh's older name of dor");
  cr_assert(noc_routing_find("dor", &noc_topology_torus) == &noc_routing_dor_torus);
  cr_assert(noc_routing_find("xy", &noc_topology_torus) == NULL);
  cr_assert(noc_routing_find("valiant", &noc_topology_torus) == NULL);
  for (size_t i = 0; noc_topologies[i]; i++)
    cr_assert(noc_routing_find("dor", noc_topologies[i]) != NULL,
              "every topology has dimension-order routing: %s", noc_topologies[i]->name);
  char buf[128];
  noc_topology_names(buf, sizeof buf);
  cr_assert_str_eq(buf, "mesh, torus");
  noc_routing_names(&noc_topology_torus, buf, sizeof buf);
  cr_assert_str_eq(buf, "dor");
  noc_routing_names(&noc_topology_mesh, buf, sizeof buf);
  cr_assert_str_eq(buf, "dor, xy");
}

/* ---- torus geometry and routes ---------------------------------------------- */

/* Grids: w x h tiles of one chip, or a board of chips (chip size, chips). */
typedef struct grid_case {
  unsigned cw, ch, cx, cy;
} grid_case;

static const grid_case grids[] = {
    {3, 3, 1, 1}, {4, 4, 1, 1}, {5, 3, 1, 1}, {1, 5, 1, 1}, {2, 6, 1, 1},
    {6, 2, 1, 1}, {7, 4, 1, 1}, {4, 4, 2, 2}, {3, 2, 1, 3}, {1, 1, 2, 1},
};

/* Hops along a dimension of k tiles from a to b: around the ring when k >= 3
 * (the shorter way), straight along it otherwise (no wrap link). */
static uint32_t ring_dist(uint32_t a, uint32_t b, uint32_t k, bool ring) {
  uint32_t d = a > b ? a - b : b - a;
  return ring && k >= 3 && k - d < d ? k - d : d;
}

/* Every link has its reverse across the opposite port; no two ports of a tile
 * lead to one tile; a torus dimension of k >= 3 tiles has k links each way in
 * every row (column), one each way with k = 2, none with k = 1; the mesh has
 * k - 1. */
Test(topology, links_and_reverse_links) {
  const noc_topology *tops[] = {&noc_topology_mesh, &noc_topology_torus};
  for (size_t gi = 0; gi < NM_ARRAY_LEN(grids); gi++)
    for (size_t ti = 0; ti < 2; ti++) {
      const noc_topology *t = tops[ti];
      noc_grid g;
      cr_assert_eq(noc_grid_init(&g, grids[gi].cw, grids[gi].ch, grids[gi].cx, grids[gi].cy),
                   NMSIM_OK);
      uint32_t n = g.w * g.h, links[NOC_MAX_DIRS] = {0};
      for (uint32_t a = 0; a < n; a++)
        for (int d = 0; d < t->n_dirs; d++) {
          uint32_t b = t->neighbour(&g, a, d);
          if (b == NOC_NONE) continue;
          links[d]++;
          cr_assert_lt(b, n);
          cr_assert_eq(t->neighbour(&g, b, t->opposite[d]), a,
                       "%s %ux%u: tile %u port %d leads to %u, whose opposite port does not "
                       "lead back", t->name, g.w, g.h, a, d, b);
          for (int d2 = 0; d2 < d; d2++)
            cr_assert_neq(t->neighbour(&g, a, d2), b, "%s %ux%u: tile %u: ports %d and %d both "
                          "lead to %u", t->name, g.w, g.h, a, d2, d, b);
        }
      bool ring = t->rings;
      uint32_t per_x = ring && g.w >= 3 ? g.w : g.w - 1, per_y = ring && g.h >= 3 ? g.h : g.h - 1;
      for (int d = 0; d < 4; d++) {
        uint32_t want = d < 2 ? per_x * g.h : per_y * g.w;
        cr_assert_eq(links[d], want, "%s %ux%u: %u links across port %d, expected %u", t->name,
                     g.w, g.h, links[d], d, want);
      }
      noc_grid_free(&g);
    }
}

/* Dimension-order routes on the torus reach every destination from every
 * source in exactly the minimal torus distance (each dimension the shorter
 * way around); on the mesh, the Manhattan distance. Ties go east and north. */
Test(topology, dor_routes_are_minimal) {
  const noc_routing *rs[] = {&noc_routing_dor_mesh, &noc_routing_dor_torus};
  for (size_t gi = 0; gi < NM_ARRAY_LEN(grids); gi++)
    for (size_t ri = 0; ri < 2; ri++) {
      const noc_routing *r = rs[ri];
      noc_grid g;
      cr_assert_eq(noc_grid_init(&g, grids[gi].cw, grids[gi].ch, grids[gi].cx, grids[gi].cy),
                   NMSIM_OK);
      uint32_t n = g.w * g.h;
      for (uint32_t a = 0; a < n; a++)
        for (uint32_t b = 0; b < n; b++) {
          bool ring = r->topology->rings;
          uint32_t want = ring_dist(g.pos[a].x, g.pos[b].x, g.w, ring) +
                          ring_dist(g.pos[a].y, g.pos[b].y, g.h, ring);
          uint32_t got = noc_route_hops(r, &g, a, b);
          cr_assert_eq(got, want, "%s on %ux%u: %u -> %u in %u hops, minimal %u",
                       r->topology->name, g.w, g.h, a, b, got, want);
        }
      noc_grid_free(&g);
    }
  noc_grid g;
  cr_assert_eq(noc_grid_init(&g, 4, 4, 1, 1), NMSIM_OK);
  cr_assert_eq(noc_routing_dor_torus.route(&g, 0, 2), NOC_EAST, "a tie in x goes east");
  cr_assert_eq(noc_routing_dor_torus.route(&g, 2, 0), NOC_EAST, "a tie in x goes east");
  cr_assert_eq(noc_routing_dor_torus.route(&g, 0, 3), NOC_WEST, "the shorter way: west");
  cr_assert_eq(noc_routing_dor_torus.route(&g, 0, 8), NOC_NORTH, "a tie in y goes north");
  cr_assert_eq(noc_routing_dor_torus.route(&g, 0, 12), NOC_SOUTH, "the shorter way: south");
  cr_assert_eq(noc_routing_dor_torus.route(&g, 0, 15), NOC_WEST, "x first");
  noc_grid_free(&g);
}

/* A wrap-around hop between chips of a board is a chip link; on one chip the
 * wrap-around link is an on-chip hop of its axis. */
Test(topology, torus_link_kinds) {
  const noc_topology *t = &noc_topology_torus;
  noc_grid g;
  cr_assert_eq(noc_grid_init(&g, 4, 4, 2, 2), NMSIM_OK); /* 8 x 8 tiles */
  cr_assert_eq(t->neighbour(&g, 7, NOC_EAST), 0u);
  cr_assert_eq(t->link_kind(&g, 7, NOC_EAST), NOC_LINK_CHIP, "wrap from chip 1 to chip 0");
  cr_assert_eq(t->link_kind(&g, 0, NOC_SOUTH), NOC_LINK_CHIP, "wrap from chip 0 to chip 2");
  cr_assert_eq(t->link_kind(&g, 3, NOC_EAST), NOC_LINK_CHIP, "chip 0 to chip 1");
  cr_assert_eq(t->link_kind(&g, 1, NOC_EAST), NOC_LINK_EW);
  cr_assert_eq(t->link_kind(&g, 1, NOC_NORTH), NOC_LINK_NS);
  noc_grid_free(&g);
  cr_assert_eq(noc_grid_init(&g, 4, 4, 1, 1), NMSIM_OK);
  cr_assert_eq(t->neighbour(&g, 3, NOC_EAST), 0u);
  cr_assert_eq(t->link_kind(&g, 3, NOC_EAST), NOC_LINK_EW, "wrap on one chip: on chip");
  cr_assert_eq(t->neighbour(&g, 12, NOC_NORTH), 0u);
  cr_assert_eq(t->link_kind(&g, 12, NOC_NORTH), NOC_LINK_NS, "wrap on one chip: on chip");
  noc_grid_free(&g);
  cr_assert_eq(noc_grid_init(&g, 4, 2, 1, 2), NMSIM_OK); /* two chips, one above the other */
  cr_assert_eq(t->link_kind(&g, 3, NOC_EAST), NOC_LINK_EW, "x wraps within each chip");
  cr_assert_eq(t->link_kind(&g, 0, NOC_SOUTH), NOC_LINK_CHIP, "y wraps from chip 0 to chip 1");
  noc_grid_free(&g);
}

/* ---- traffic on the torus ---------------------------------------------------- */

static noc_traffic_result traffic(const nmsim_chip *c, const noc_traffic_opts *o) {
  noc_traffic_result r;
  nmsim_err err = {0};
  cr_assert_eq(noc_traffic_run(c, o, &r, &err), NMSIM_OK, "%s", err.msg);
  return r;
}

/* Deadlock freedom: uniform random traffic offered at one packet per tile per
 * cycle, well above what the torus accepts with buffers of 2 and 4 packets
 * (credit latencies of 1 to 5 hops make the buffers, not the links, the
 * bottleneck), on 4 x 4 and 5 x 3 chips and a 2 x 2 board of 4 x 4 chips,
 * with several seeds: every packet created is delivered once the sources
 * stop. With the bubble rule off (noc_needs_credits returning 1) every one of
 * these runs deadlocks, leaving packets in the network. */
Test(torus, saturating_traffic_drains) {
  const struct {
    unsigned w, h, cx, cy;
  } cases[] = {{4, 4, 1, 1}, {5, 3, 1, 1}, {4, 4, 2, 2}};
  const struct {
    unsigned depth;
    const char *credit;
  } bufs[] = {{2, "1 ns"}, {2, "3 ns"}, {4, "5 ns"}};
  for (size_t k = 0; k < NM_ARRAY_LEN(cases); k++)
    for (size_t b = 0; b < NM_ARRAY_LEN(bufs); b++) {
      unsigned depth = bufs[b].depth;
      const char *credit = bufs[b].credit;
      nmsim_chip *c = torus_chip(cases[k].w, cases[k].h, depth, credit);
      for (uint64_t seed = 1; seed <= 3; seed++) {
        noc_traffic_opts o = {.rate = 1.0, .warmup = 100, .measure = 1000, .seed = seed,
                              .chips_x = cases[k].cx, .chips_y = cases[k].cy};
        noc_traffic_result r = traffic(c, &o);
        cr_assert_gt(r.created, 1000);
        cr_assert_eq(r.delivered, r.created,
                     "%ux%u chips of %ux%u, depth %u, credit %s, seed %llu: %llu of %llu "
                     "packets delivered", cases[k].cx, cases[k].cy, cases[k].w, cases[k].h, depth,
                     credit, (unsigned long long)seed, (unsigned long long)r.delivered,
                     (unsigned long long)r.created);
        cr_assert_eq(r.undelivered, 0);
        cr_assert_lt(r.accepted, 0.9, "%ux%u chips of %ux%u, depth %u, credit %s: accepted %.3f "
                     "of 1 offered, not saturated", cases[k].cx, cases[k].cy, cases[k].w,
                     cases[k].h, depth, credit, r.accepted);
      }
      nmsim_chip_destroy(c);
    }
}

/* At 5 % of the bisection bound (8 / k packets per tile per cycle on a k x k
 * torus, twice the mesh's) the mean hop count equals the mean minimal torus
 * distance within 2 % and the mean latency the zero-load latency within 5 %:
 * T0 = H t_hop, H = 2 E[min(d, k - d)] over d uniform in [0, k), k / 4 for
 * even k and (k^2 - 1) / (4k) for odd k, per dimension, scaled by N / (N - 1)
 * for distinct source and destination. */
Test(torus, zero_load_latency_matches_theory) {
  const unsigned ks[] = {8, 5};
  for (size_t i = 0; i < NM_ARRAY_LEN(ks); i++) {
    unsigned k = ks[i];
    nmsim_chip *c = torus_chip(k, k, 4, NULL);
    double n = k * k, ring = k % 2 ? (k * k - 1.0) / (4.0 * k) : k / 4.0;
    double hops = 2 * ring * n / (n - 1), bound = 8.0 / k * (n - 1) / n;
    noc_traffic_opts o = {.rate = 0.05 * bound, .warmup = 1500, .measure = 6000, .seed = 7};
    noc_traffic_result r = traffic(c, &o);
    cr_assert_gt(r.measured, 1000, "measured %llu packets", (unsigned long long)r.measured);
    cr_assert(fabs(r.mean_hops - hops) / hops < 0.02, "k %u: mean hops %.4f, theory %.4f", k,
              r.mean_hops, hops);
    double t0 = hops * 1000.0; /* ps */
    cr_assert(fabs(r.mean_latency_ps - t0) / t0 < 0.05, "k %u: latency %.1f ps, zero-load %.1f ps",
              k, r.mean_latency_ps, t0);
    nmsim_chip_destroy(c);
  }
}

/* Sending ahead on the torus changes no delivery: with the bubble rule (a
 * packet entering a ring waits for two credits in hand and goes after those
 * going straight on), every packet arrives at the same time, in the same
 * order, as when each departure waits for an event of its own. */
Test(torus, sending_ahead_changes_no_delivery) {
  const unsigned depths[] = {0, 2, 4};
  const char *credits[] = {"0 ns", "0.5 ns", "3 ns"};
  const double rates[] = {0.3, 1.0};
  for (size_t d = 0; d < NM_ARRAY_LEN(depths); d++)
    for (size_t c = 0; c < NM_ARRAY_LEN(credits); c++) {
      if (!depths[d] && c) continue;
      nmsim_chip *chip = torus_chip(5, 4, depths[d], credits[c]);
      for (size_t r = 0; r < NM_ARRAY_LEN(rates); r++) {
        noc_traffic_opts o = {.rate = rates[r], .warmup = 100, .measure = 600, .seed = 11};
        noc_traffic_result a = traffic(chip, &o);
        o.hop_by_hop = true;
        noc_traffic_result h = traffic(chip, &o);
        cr_assert_gt(h.delivered, 1000);
        cr_assert_eq(h.delivered, h.created, "depth %u, credit %s, rate %.1f: undelivered",
                     depths[d], credits[c], rates[r]);
        cr_assert_eq(a.delivered, h.delivered, "depth %u, credit %s, rate %.1f", depths[d],
                     credits[c], rates[r]);
        cr_assert_eq(a.digest, h.digest, "depth %u, credit %s, rate %.1f: deliveries differ",
                     depths[d], credits[c], rates[r]);
        cr_assert_leq(a.events, h.events);
      }
      nmsim_chip_destroy(chip);
    }
}

/* ---- chip files ---------------------------------------------------------------- */

/* Load chip text that must fail; the message must contain every string of want. */
static void expect_chip_error(const char *text, const char *const *want, size_t n) {
  const char *path = chip_file(text);
  nmsim_chip *c = NULL;
  nmsim_err err = {0};
  cr_assert_eq(nmsim_chip_load(path, NULL, &c, &err), NMSIM_EINPUT, "loaded:\n%s", text);
  for (size_t i = 0; i < n; i++)
    cr_assert(strstr(err.msg, want[i]), "message \"%s\" lacks \"%s\"", err.msg, want[i]);
  remove(path);
}

/* noc.topology and noc.routing are optional (mesh and dor); an unknown
 * topology is an error at its value (file, line, column, field) that lists the
 * topologies; a routing the topology lacks lists the topology's; a torus with
 * one-packet buffers is refused (bubble flow control needs two free slots). */
Test(torus, chip_file_topology_and_errors) {
  char *text = chip_text(NULL, 3, 3, 2, NULL);
  nmsim_chip *c = load_chip(text);
  cr_assert(c->topology == &noc_topology_mesh && c->routing == &noc_routing_dor_mesh,
            "default: mesh and dor");
  nmsim_chip_destroy(c);
  free(text);
  text = chip_text("torus", 3, 3, 2, NULL);
  c = load_chip(text);
  cr_assert(c->topology == &noc_topology_torus && c->routing == &noc_routing_dor_torus);
  nmsim_chip_destroy(c);
  free(text);

  text = chip_text("hypercube", 3, 3, 2, NULL);
  const char *path = chip_file(text);
  nmsim_err err = {0};
  cr_assert_eq(nmsim_chip_load(path, NULL, &c, &err), NMSIM_EINPUT);
  /* the noc line is the 6th; its value starts after "noc: {topology: " */
  char want[640];
  snprintf(want, sizeof want,
           "%s:6:17: noc.topology: expected one of: mesh, torus, got 'hypercube'", path);
  cr_assert(strstr(err.msg, want), "got \"%s\", expected \"%s\"", err.msg, want);
  remove(path);
  free(text);

  text = chip_text("torus, routing: xy", 3, 3, 2, NULL);
  const char *routing[] = {":6:", "noc.routing: expected one of: dor (the routing algorithms of "
                                  "topology torus), got 'xy'"};
  expect_chip_error(text, routing, 2);
  free(text);

  text = chip_text("torus", 3, 3, 1, NULL);
  const char *depth[] = {":6:", "noc.buffer_depth: topology torus needs buffers of at least 2 "
                                "packets"};
  expect_chip_error(text, depth, 2);
  free(text);
  text = chip_text("mesh", 3, 3, 1, NULL);
  c = load_chip(text); /* the mesh has no rings: one-packet buffers are fine */
  nmsim_chip_destroy(c);
  free(text);
}

/* ---- runs --------------------------------------------------------------------- */

/* Run scenario text on chip file `chip` (replacing %s) to a summary. */
static run_summary run_on(const char *scn_fmt, const char *chip) {
  char text[4096];
  snprintf(text, sizeof text, scn_fmt, chip);
  nmsim_scenario *scn = NULL;
  nmsim_err err = {0};
  cr_assert_eq(nmsim_scenario_load_string("topo.yaml", text, NULL, 0, &scn, &err), NMSIM_OK,
               "%s\n%s", err.msg, text);
  run_opts o = {0};
  run_summary sum;
  cr_assert_eq(run_scenario(scn, &o, &sum, &err), NMSIM_OK, "%s", err.msg);
  nmsim_scenario_destroy(scn);
  return sum;
}

/* A chip-timed network on a 2 x 2 board: on the torus the same spikes and
 * packets as on the mesh (a Loihi-like step waits for every packet), in fewer
 * hops, with wrap-around hops between chips paid as chip links. */
Test(torus, network_on_a_board_same_spikes_fewer_hops) {
  const char *scn =
      "name: topo\nchip: %s\nchips: [2, 2]\nseed: 3\nsteps: 30\n"
      "mapping: {strategy: round_robin}\n"
      "populations:\n"
      "  input: {size: 64, model: poisson, params: {rate: 200 Hz}}\n"
      "  exc: {size: 192, model: lif, params: {tau_m: 10 ms}}\n"
      "projections:\n"
      "  - {from: input, to: exc, connector: {fixed_probability: 0.2}, weight: 0.4}\n"
      "  - {from: exc, to: exc, connector: {fixed_probability: 0.05}, weight: 0.2}\n"
      "record: {spikes: all}\n";
  char *mt = chip_text("mesh", 4, 4, 2, NULL), *tt = chip_text("torus", 4, 4, 2, NULL);
  const char *mesh = chip_file(mt), *torus = chip_file(tt);
  run_summary m = run_on(scn, mesh), t = run_on(scn, torus);
  cr_assert_gt(m.packets, 1000, "packets %llu", (unsigned long long)m.packets);
  cr_assert_eq(t.packets, m.packets);
  cr_assert_eq(t.spikes, m.spikes, "spikes: torus %llu, mesh %llu", (unsigned long long)t.spikes,
               (unsigned long long)m.spikes);
  cr_assert_lt(t.hops, m.hops, "hops: torus %llu, mesh %llu", (unsigned long long)t.hops,
               (unsigned long long)m.hops);
  cr_assert_gt(t.energy_pj[NM_E_CHIP_LINK], 0);
  run_summary_clear(&m);
  run_summary_clear(&t);
  remove(mesh);
  remove(torus);
  free(mt);
  free(tt);
}

/* A spinnaker2 chip of w x h tiles of 2 cores on topology topo, depth 2. */
static const char *spin_chip(const char *topo, unsigned w, unsigned h) {
  char text[2048];
  snprintf(text, sizeof text,
           "name: spin\ncore_kind: spinnaker2\n"
           "mesh: {width: %u, height: %u, cores_per_tile: 2}\n"
           "limits: {neurons_per_core: 16, synapse_memory: 1 MiB, synapse_bytes: 4, "
           "fan_in: 4096, fan_out: 4096}\n"
           "pe: {clock: 1 GHz, tick: 1 us, energy_per_cycle: 1 pJ, cycles: {neuron_update: 10, "
           "neuron_idle: 5, packet: 20, synapse: 2, spike_out: 1}}\n"
           "router: {entries: 1024}\n"
           "noc: {topology: %s, within_tile: {energy: 1 pJ, time: 1 ns}, hop_ew: {energy: 10 pJ, "
           "time: 10 ns}, hop_ns: {energy: 20 pJ, time: 20 ns}, link_serialization: 1 ns, "
           "buffer_depth: 2}\n"
           "static_power: 1 mW\n",
           w, h, topo);
  return chip_file(text);
}

/* Multicast trees follow the torus's routes: one spike from core 0 on tile
 * (0,0) of a 4 x 4 torus to cores on tiles (3,0), (0,3) and (3,3) takes the
 * wrap-around links west and south: a tree of 3 links (west to (3,0), south
 * from there to (3,3), south from (0,0) to (0,3)) delivering 3 copies. */
Test(torus, multicast_trees_take_wrap_links) {
  const char *chip = spin_chip("torus", 4, 4);  /* default: router tables of 1024 entries */
  char text[2048];
  snprintf(text, sizeof text,
           "chip: %s\nsteps: 1\npopulations:\n"
           "  src: {size: 1, model: spike_array, spikes: [[0]]}\n"
           "  a: {size: 1, model: lif}\n  b: {size: 1, model: lif}\n  c: {size: 1, model: lif}\n"
           "mapping: {place: {src: {core: 0}, a: {core: 6}, b: {core: 24}, c: {core: 30}}}\n"
           "projections:\n"
           "  - {from: src, to: a, connector: all_to_all, weight: 0.1}\n"
           "  - {from: src, to: b, connector: all_to_all, weight: 0.1}\n"
           "  - {from: src, to: c, connector: all_to_all, weight: 0.1}\n",
           chip);
  nmsim_scenario *scn = NULL;
  nmsim_chip *ch = NULL;
  nmsim_err err = {0};
  cr_assert_eq(nmsim_scenario_load_string("mc.yaml", text, NULL, 0, &scn, &err), NMSIM_OK, "%s",
               err.msg);
  cr_assert_eq(nmsim_chip_load(scn->chip, NULL, &ch, &err), NMSIM_OK, "%s", err.msg);
  sys *s = NULL;
  cr_assert_eq(sys_build(scn, ch, &s, &err), NMSIM_OK, "%s", err.msg);
  cr_assert_eq(sys_run(s, &err), NMSIM_OK, "%s", err.msg);
  uint64_t delivered = s->lat_overflow;
  for (uint32_t b = 0; b < SYS_LAT_BINS; b++) delivered += s->lat_hist[b];
  cr_assert_eq(s->packets, 1);
  cr_assert_eq(delivered, 3, "copies delivered %llu", (unsigned long long)delivered);
  cr_assert_eq(s->hops, 3, "tree links %llu", (unsigned long long)s->hops);
  cr_assert_eq(s->routers[0].link[NOC_WEST].packets, 1, "(0,0) west wraps to (3,0)");
  cr_assert_eq(s->routers[0].link[NOC_SOUTH].packets, 1, "(0,0) south wraps to (0,3)");
  cr_assert_eq(s->routers[3].link[NOC_SOUTH].packets, 1, "(3,0) south wraps to (3,3)");
  cr_assert_eq(s->routers[0].link[NOC_EAST].packets, 0);
  sys_destroy(s);
  nmsim_chip_destroy(ch);
  nmsim_scenario_destroy(scn);
  remove(chip);
}

/* Spinnaker-like PEs on a torus under load: every copy of every packet is
 * delivered (no deadlock with two-packet buffers and multicast branching). */
Test(torus, multicast_under_load_delivers_everything) {
  const char *chip = spin_chip("torus", 5, 4);
  char text[2048];
  snprintf(text, sizeof text,
           "chip: %s\nseed: 5\nsteps: 20\ndt: 1 ms\nmapping: {strategy: round_robin}\n"
           "populations:\n"
           "  input: {size: 64, model: poisson, params: {rate: 400 Hz}}\n"
           "  exc: {size: 256, model: lif, params: {tau_m: 10 ms}}\n"
           "projections:\n"
           "  - {from: input, to: exc, connector: {fixed_probability: 0.3}, weight: 0.3}\n"
           "  - {from: exc, to: exc, connector: {fixed_probability: 0.1}, weight: 0.1}\n",
           chip);
  nmsim_scenario *scn = NULL;
  nmsim_chip *ch = NULL;
  nmsim_err err = {0};
  cr_assert_eq(nmsim_scenario_load_string("mc.yaml", text, NULL, 0, &scn, &err), NMSIM_OK, "%s",
               err.msg);
  cr_assert_eq(nmsim_chip_load(scn->chip, NULL, &ch, &err), NMSIM_OK, "%s", err.msg);
  sys *s = NULL;
  cr_assert_eq(sys_build(scn, ch, &s, &err), NMSIM_OK, "%s", err.msg);
  cr_assert_eq(sys_run(s, &err), NMSIM_OK, "%s", err.msg);
  cr_assert_gt(s->packets, 500, "packets %llu", (unsigned long long)s->packets);
  cr_assert_eq(s->in_flight, 0, "%llu copies still in the network",
               (unsigned long long)s->in_flight);
  sys_destroy(s);
  nmsim_chip_destroy(ch);
  nmsim_scenario_destroy(scn);
  remove(chip);
}

/* Split over ranks (without MPI: the bookkeeping of sim/mpi/partition.c), a
 * torus board of 3 x 1 chips makes chips 0 and 2 neighbours across the
 * wrap-around link, which the mesh does not. */
Test(torus, partition_sees_wrap_links) {
  const char *tops[] = {"mesh", "torus"};
  for (int ti = 0; ti < 2; ti++) {
    char *ct = chip_text(tops[ti], 4, 4, 2, NULL);
    const char *chip = chip_file(ct);
    char text[1024];
    snprintf(text, sizeof text,
             "chip: %s\nchips: [3, 1]\nsteps: 1\npopulations:\n  a: {size: 64, model: lif}\n",
             chip);
    nmsim_scenario *scn = NULL;
    nmsim_chip *ch = NULL;
    nmsim_err err = {0};
    cr_assert_eq(nmsim_scenario_load_string("p.yaml", text, NULL, 0, &scn, &err), NMSIM_OK,
                 "%s", err.msg);
    cr_assert_eq(nmsim_chip_load(scn->chip, NULL, &ch, &err), NMSIM_OK, "%s", err.msg);
    sys *s = NULL;
    cr_assert_eq(sys_build(scn, ch, &s, &err), NMSIM_OK, "%s", err.msg);
    sys_part *p = NULL;
    cr_assert_eq(part_create(s, 0, 3, "cyclic", &p, &err), NMSIM_OK, "%s", err.msg);
    cr_assert(p->by_chip);
    int want = ti ? 2 : 1;
    cr_assert_eq(p->n_nb, want, "%s: rank 0 has %d neighbours, expected %d", tops[ti], p->n_nb,
                 want);
    cr_assert_leq(p->lookahead, ch->chip_link.time_ps);
    s->unit_here = NULL;
    part_destroy(p);
    sys_destroy(s);
    nmsim_chip_destroy(ch);
    nmsim_scenario_destroy(scn);
    remove(chip);
    free(ct);
  }
}
