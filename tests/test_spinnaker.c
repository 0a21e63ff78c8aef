/* test_spinnaker.c: the SpiNNaker 2-like PE (cores/spinnaker2.c) and its
 * key/mask multicast routers (noc/mcast.c), measured on micro-scenarios over
 * chip files written by the test (round figures: a 1 GHz clock, so a cycle is
 * 1 ns and, at 1 pJ per cycle, 1 pJ), plus the spinnaker2 preset end to end. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cores/core_type.h"
#include "noc/mcast.h"
#include "sim/system/build.h"
#include "sim/system/run_int.h"
#include "tests_util.h"

/* ---- chips and runs ---------------------------------------------------------- */

typedef struct spin_opts {
  unsigned w, h;          /* mesh of tiles of 2 cores of 16 neurons */
  unsigned entries;       /* router table capacity */
  unsigned hop_ew_ns;     /* E-W hop latency */
  const char *tick;       /* timer tick */
  unsigned idle;          /* cycles of an idle neuron update */
  unsigned depth;         /* router input buffer depth; 0: unlimited */
} spin_opts;

static const spin_opts spin_default = {2, 2, 64, 10, "1 us", 5, 2};

/* Write a spinnaker2 chip file: clock 1 GHz, 1 pJ per cycle; cycles: active
 * neuron 10, idle neuron o.idle, packet 20, synapse 2, spike out 1; within
 * tile 1 ns / 1 pJ, E-W hop o.hop_ew_ns / 10 pJ, N-S hop 20 ns / 20 pJ,
 * chip link 50 ns / 50 pJ. */
static const char *spin_chip(spin_opts o) {
  static char path[8][512];
  static int slot;
  char *p = path[slot++ % 8];
  char text[2048], depth[64] = "";
  if (o.depth) snprintf(depth, sizeof depth, "  buffer_depth: %u\n", o.depth);
  snprintf(text, sizeof text,
           "name: spin\n"
           "description: round figures for tests\n"
           "core_kind: spinnaker2\n"
           "mesh: {width: %u, height: %u, cores_per_tile: 2}\n"
           "limits: {neurons_per_core: 16, synapse_memory: 1 MiB, synapse_bytes: 4, "
           "fan_in: 4096, fan_out: 4096}\n"
           "pe:\n"
           "  clock: 1 GHz\n"
           "  tick: %s\n"
           "  energy_per_cycle: 1 pJ\n"
           "  cycles: {neuron_update: 10, neuron_idle: %u, packet: 20, synapse: 2, "
           "spike_out: 1}\n"
           "router: {entries: %u}\n"
           "noc:\n"
           "  topology: mesh\n"
           "  routing: xy\n"
           "  within_tile: {energy: 1 pJ, time: 1 ns}\n"
           "  hop_ew: {energy: 10 pJ, time: %u ns}\n"
           "  hop_ns: {energy: 20 pJ, time: 20 ns}\n"
           "  link_serialization: 1 ns\n"
           "%s"
           "chip_link: {energy: 50 pJ, time: 50 ns, serialization: 5 ns}\n"
           "static_power: 1 mW\n",
           o.w, o.h, o.tick, o.idle, o.entries, o.hop_ew_ns, depth);
  snprintf(p, 512, "%s", tu_tmp("spin-chip", ".yaml"));
  cr_assert_eq(tu_write(p, text), 0);
  return p;
}

/* Run scenario text (chip given inside) to a summary; returns the status. */
static nmsim_status run_text(const char *text, run_summary *s, nmsim_err *err) {
  nmsim_scenario *scn = NULL;
  nmsim_status rc = nmsim_scenario_load_string("spin.yaml", text, NULL, 0, &scn, err);
  cr_assert_eq(rc, NMSIM_OK, "load: %s\n%s", err->msg, text);
  run_opts o = {0};
  rc = run_scenario(scn, &o, s, err);
  nmsim_scenario_destroy(scn);
  return rc;
}

static void run_ok(const char *text, run_summary *s) {
  nmsim_err err = {0};
  cr_assert_eq(run_text(text, s, &err), NMSIM_OK, "run: %s\n%s", err.msg, text);
}

/* A spike raster recorded by a step hook: (step, population, neuron) rows. */
typedef struct raster {
  uint64_t (*row)[3];
  size_t n, cap;
} raster;

static nmsim_status rec_hook(void *ctx, sys *s, nmsim_err *err) {
  (void)err;
  raster *r = ctx;
  for (size_t p = 0; p < s->scn->n_pops; p++)
    for (size_t k = 0; k < s->pop_nspikes[p]; k++) {
      if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 256;
        r->row = realloc(r->row, r->cap * sizeof *r->row);
        cr_assert(r->row != NULL);
      }
      r->row[r->n][0] = s->step;
      r->row[r->n][1] = p;
      r->row[r->n][2] = s->pop_spikes[p][k];
      r->n++;
    }
  return NMSIM_OK;
}

static int row_cmp(const void *a, const void *b) {
  const uint64_t *x = a, *y = b;
  for (int i = 0; i < 3; i++)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

/* Build and run scenario text on its chip through sys_build/sys_run with a
 * raster hook; *out gets the system (destroy it with sys_destroy, then the
 * chip and scenario in *chip and *scn). */
static void run_sys(const char *text, raster *r, sys **out, nmsim_chip **chip,
                    nmsim_scenario **scn) {
  nmsim_err err = {0};
  cr_assert_eq(nmsim_scenario_load_string("spin.yaml", text, NULL, 0, scn, &err), NMSIM_OK,
               "load: %s", err.msg);
  const char *ref = strstr(text, "chip: ") + 6;
  char name[512];
  size_t n = strcspn(ref, "\n");
  snprintf(name, sizeof name, "%.*s", (int)n, ref);
  cr_assert_eq(nmsim_chip_load(name, NULL, chip, &err), NMSIM_OK, "chip: %s", err.msg);
  cr_assert_eq(sys_build(*scn, *chip, out, &err), NMSIM_OK, "build: %s", err.msg);
  (*out)->hook = rec_hook;
  (*out)->hook_ctx = r;
  cr_assert_eq(sys_run(*out, &err), NMSIM_OK, "run: %s", err.msg);
  qsort(r->row, r->n, sizeof *r->row, row_cmp);
}

static void free_sys(sys *s, nmsim_chip *chip, nmsim_scenario *scn, raster *r) {
  sys_destroy(s);
  nmsim_chip_destroy(chip);
  nmsim_scenario_destroy(scn);
  free(r->row);
}

static const char *spike16 = "[[0], [], [], [], [], [], [], [], [], [], [], [], [], [], [], []]";
static const char *silent16 = "[[], [], [], [], [], [], [], [], [], [], [], [], [], [], [], []]";

#define EXPECT_U64(what, got, want)                                                      \
  cr_assert_eq((unsigned long long)(got), (unsigned long long)(want),                    \
               "%s: got %llu, expected %llu", (what), (unsigned long long)(got),          \
               (unsigned long long)(want))
#define EXPECT_PJ(what, got, want)                                                       \
  cr_assert_float_eq((double)(got), (double)(want), 1e-9, "%s: got %.12g, expected %.12g", \
                     (what), (double)(got), (double)(want))

/* ---- timing and energy ---------------------------------------------------------- */

/* Tick timing and energy on PE 0 -> PE 1 (same tile): at tick 0 (t = 0) the
 * source sends one packet after its 1-cycle spike-out (1 ns, 1 pJ); the QPE
 * router delivers it to PE 1 in 1 ns (1 pJ), at 2 ns, while PE 1 is still
 * busy with its idle update (5 cycles, to 5 ns), so it is processed from 5 to
 * 27 ns (20 + 2 x 1 cycles = 22 pJ). At tick 1 (t = 1 us) the target had
 * input: an active update (10 pJ). No barrier: every step lasts exactly the
 * 1 us tick, the run 2 us, static energy 1 mW x 2 us = 2000 pJ. */
Test(spinnaker, tick_timing_and_energy) {
  char text[2048];
  snprintf(text, sizeof text,
           "chip: %s\nsteps: 2\npopulations:\n"
           "  src: {size: 16, model: spike_array, spikes: %s}\n"
           "  dst: {size: 1, model: lif}\n"
           "projections:\n  - {from: src, to: dst, connector: all_to_all, weight: 0.1, delay: 1}\n",
           spin_chip(spin_default), spike16);
  run_summary s;
  run_ok(text, &s);
  EXPECT_U64("packets", s.packets, 1);
  EXPECT_U64("hops", s.hops, 0);
  EXPECT_U64("synaptic ops", s.synaptic_ops, 1);
  EXPECT_U64("neuron updates", s.neuron_updates, 2);
  EXPECT_PJ("packet latency, ps", s.packet_mean_ps, 1000.0);
  EXPECT_PJ("spike_out pJ", s.energy_pj[NM_E_SPIKE_OUT], 1.0);
  EXPECT_PJ("within_tile pJ", s.energy_pj[NM_E_WITHIN_TILE], 1.0);
  EXPECT_PJ("synaptic_op pJ (packet + 1 synapse)", s.energy_pj[NM_E_SYN_OP], 22.0);
  EXPECT_PJ("neuron_idle pJ", s.energy_pj[NM_E_NEURON_IDLE], 5.0);
  EXPECT_PJ("neuron_update pJ", s.energy_pj[NM_E_NEURON_UPDATE], 10.0);
  EXPECT_PJ("barrier pJ", s.energy_pj[NM_E_BARRIER], 0.0);
  EXPECT_U64("step min, ps", s.step_min_ps, 1000000);
  EXPECT_U64("step max, ps", s.step_max_ps, 1000000);
  EXPECT_U64("hardware time, ps", s.hw_time_ps, 2000000);
  EXPECT_PJ("static pJ", s.static_pj, 2000.0);
  EXPECT_U64("tick overruns", s.tick_overruns, 0);
  EXPECT_U64("late packets", s.late_packets, 0);
  double sum = s.static_pj;
  for (int k = 0; k < NM_E_COUNT; k++) sum += s.energy_pj[k];
  EXPECT_PJ("total pJ", s.total_pj, sum);
  run_summary_clear(&s);
}

/* Overrun: 16 neurons x 100 idle cycles = 1.6 us of work in a 1 us tick.
 * Every tick overruns (3 of 3, the last one at the end of the run), each
 * starts when the previous one ends (0, 1.6, 3.2 us), so every step lasts
 * 1.6 us and the run 4.8 us. With 8 neurons (0.8 us) nothing overruns. */
Test(spinnaker, overrun_is_counted_and_delays_the_next_tick) {
  spin_opts o = spin_default;
  o.idle = 100;
  char text[1024];
  snprintf(text, sizeof text, "chip: %s\nsteps: 3\npopulations:\n  big: {size: 16, model: lif}\n",
           spin_chip(o));
  run_summary s;
  run_ok(text, &s);
  EXPECT_U64("tick overruns", s.tick_overruns, 3);
  EXPECT_U64("step min, ps", s.step_min_ps, 1600000);
  EXPECT_U64("step max, ps", s.step_max_ps, 1600000);
  EXPECT_U64("hardware time, ps", s.hw_time_ps, 4800000);
  EXPECT_U64("late packets", s.late_packets, 0);
  run_summary_clear(&s);

  snprintf(text, sizeof text, "chip: %s\nsteps: 3\npopulations:\n  half: {size: 8, model: lif}\n",
           spin_chip(o));
  run_ok(text, &s);
  EXPECT_U64("tick overruns with 8 neurons", s.tick_overruns, 0);
  EXPECT_U64("hardware time with 8 neurons, ps", s.hw_time_ps, 3000000);
  run_summary_clear(&s);
}

/* Late packet: one E-W hop takes 1.5 us, longer than the 1 us tick. The spike
 * of tick 0 (delay 1, meant for tick 1) reaches PE 2 at 1.501 us, after its
 * tick 1 started: it is counted late and its input counts at tick 2, so the
 * threshold neuron fires at step 2, where the Loihi-like chip fires it at
 * step 1: late packets change behaviour, and the report says how many. */
Test(spinnaker, late_packet_is_counted_and_shifts_its_input) {
  spin_opts o = spin_default;
  o.hop_ew_ns = 1500;
  const char *net =
      "steps: 4\npopulations:\n"
      "  src: {size: 16, model: spike_array, spikes: %s}\n"
      "  pad: {size: 16, model: spike_array, spikes: %s}\n"
      "  dst: {size: 1, model: nir_threshold, params: {threshold: 0.5}}\n"
      "projections:\n  - {from: src, to: dst, connector: all_to_all, weight: 1, delay: 1}\n";
  char body[1024], text[2048];
  snprintf(body, sizeof body, net, spike16, silent16);
  snprintf(text, sizeof text, "chip: %s\n%s", spin_chip(o), body);
  run_summary s;
  run_ok(text, &s);
  EXPECT_U64("late packets", s.late_packets, 1);
  EXPECT_U64("tick overruns", s.tick_overruns, 0);
  EXPECT_U64("hops", s.hops, 1);
  run_summary_clear(&s);

  raster rs = {0}, rl = {0};
  sys *ss, *sl;
  nmsim_chip *cs, *cl;
  nmsim_scenario *ns, *nl;
  run_sys(text, &rs, &ss, &cs, &ns);
  snprintf(text, sizeof text, "chip: test\n%s", body);
  run_sys(text, &rl, &sl, &cl, &nl);
  /* rows: src neuron 0 at step 0, then dst neuron 0 */
  cr_assert_eq(rs.n, 2, "spinnaker raster rows: %zu, expected 2", rs.n);
  cr_assert_eq(rl.n, 2, "loihi raster rows: %zu, expected 2", rl.n);
  EXPECT_U64("dst spike step on the SpiNNaker-like chip (late)", rs.row[1][0], 2);
  EXPECT_U64("dst spike step on the Loihi-like chip", rl.row[1][0], 1);
  free_sys(ss, cs, ns, &rs);
  free_sys(sl, cl, nl, &rl);
}

/* ---- routing ---------------------------------------------------------------------- */

/* Key/mask lookup: an entry matches when (key & mask) == entry key, the first
 * match wins (a later, more specific entry is shadowed), a key matching no
 * entry that came in on a link leaves on the opposite link (default routing,
 * straight through) and one from a core has no route. An exact table (equal
 * masks, increasing keys: the kind mc_build makes) is searched by bisection
 * and agrees with the first-match rule on every key. */
Test(spinnaker, key_mask_lookup_semantics) {
  mc_table t = {0};
  cr_assert_eq(mc_table_add(&t, 0x100, 0xF00, 1u << NOC_EAST, 0), NMSIM_OK);
  cr_assert_eq(mc_table_add(&t, 0x120, 0xFF0, 1u << NOC_NORTH, 1), NMSIM_OK);
  cr_assert_eq(mc_table_add(&t, 0x200, 0xFFF, 0, 3), NMSIM_OK);
  cr_assert(!t.exact, "masks differ: not exact");
  const mc_entry *e = mc_lookup(&t, 0x123);
  cr_assert(e == &t.e[0], "0x123: first match wins, got entry %td, expected 0",
            e ? e - t.e : -1);
  e = mc_lookup(&t, 0x1FF);
  cr_assert(e == &t.e[0], "0x1FF: masked by 0xF00, got entry %td, expected 0", e ? e - t.e : -1);
  e = mc_lookup(&t, 0x200);
  cr_assert(e == &t.e[2], "0x200: got entry %td, expected 2", e ? e - t.e : -1);
  cr_assert(mc_lookup(&t, 0x201) == NULL, "0x201: mask 0xFFF must not match");
  uint32_t links, cores;
  cr_assert(mc_route(&t, &noc_topology_mesh, 0x200, NOC_WEST, &links, &cores));
  cr_assert(links == 0 && cores == 3, "0x200: links %#x cores %#x, expected 0 and 0x3", links,
            cores);
  cr_assert(mc_route(&t, &noc_topology_mesh, 0x300, NOC_WEST, &links, &cores),
            "default route from the west");
  cr_assert(links == 1u << NOC_EAST && cores == 0,
            "came in from the west: links %#x (expected east %#x), cores %#x", links,
            1u << NOC_EAST, cores);
  cr_assert(mc_route(&t, &noc_topology_mesh, 0x300, NOC_NORTH, &links, &cores));
  cr_assert(links == 1u << NOC_SOUTH, "came in from the north: links %#x, expected south %#x",
            links, 1u << NOC_SOUTH);
  cr_assert(!mc_route(&t, &noc_topology_mesh, 0x300, -1, &links, &cores),
            "from a core: no default route");
  mc_table_free(&t);

  for (uint32_t b = 0; b < 64; b += 3)
    cr_assert_eq(mc_table_add(&t, b << 4, ~0xFu, b & 15, 0), NMSIM_OK);
  cr_assert(t.exact, "equal masks and increasing keys: exact");
  for (uint32_t key = 0; key < 64 << 4; key++) {
    const mc_entry *want = NULL;
    for (size_t i = 0; i < t.n && !want; i++)
      if ((key & t.e[i].mask) == t.e[i].key) want = &t.e[i];
    cr_assert(mc_lookup(&t, key) == want, "key %#x: bisection and first match disagree", key);
  }
  mc_table_free(&t);
}

/* Replication at a branch: src on PE 0 (tile (0,0)) feeds PE 2 (tile (1,0))
 * and PE 6 (tile (1,1)). One packet leaves the PE; the tree goes east to
 * (1,0), which delivers it to PE 2 and sends a copy north to (1,1): two PEs
 * receive it, over one E-W hop (10 ns, 10 pJ) and one N-S hop (20 ns,
 * 20 pJ); latencies 10 and 30 ns. Tables: one entry at each of the three
 * routers of the tree, none at (0,1). */
Test(spinnaker, replication_at_a_branch) {
  char text[2048];
  snprintf(text, sizeof text,
           "chip: %s\nsteps: 1\npopulations:\n"
           "  src: {size: 16, model: spike_array, spikes: %s}\n"
           "  a: {size: 1, model: lif}\n"
           "  b: {size: 1, model: lif}\n"
           "mapping: {place: {a: {core: 2}, b: {core: 6}}}\n"
           "projections:\n"
           "  - {from: src, to: a, connector: all_to_all, weight: 0.1}\n"
           "  - {from: src, to: b, connector: all_to_all, weight: 0.1}\n",
           spin_chip(spin_default), spike16);
  run_summary s;
  run_ok(text, &s);
  EXPECT_U64("packets sent", s.packets, 1);
  EXPECT_U64("link hops", s.hops, 2);
  EXPECT_U64("synaptic ops (one per receiving PE)", s.synaptic_ops, 2);
  EXPECT_PJ("link hop pJ", s.energy_pj[NM_E_LINK_HOP], 30.0);
  EXPECT_PJ("mean latency, ps", s.packet_mean_ps, 20000.0);
  EXPECT_PJ("p99 latency, ps", s.packet_p99_ps, 30000.0);
  run_summary_clear(&s);

  raster r = {0};
  sys *sy;
  nmsim_chip *ch;
  nmsim_scenario *scn;
  run_sys(text, &r, &sy, &ch, &scn);
  uint64_t delivered = sy->lat_overflow;
  for (uint32_t b = 0; b < SYS_LAT_BINS; b++) delivered += sy->lat_hist[b];
  EXPECT_U64("copies delivered", delivered, 2);
  EXPECT_U64("entries at (0,0)", sy->mc->table[0].n, 1);
  EXPECT_U64("entries at (1,0)", sy->mc->table[1].n, 1);
  EXPECT_U64("entries at (0,1)", sy->mc->table[2].n, 0);
  EXPECT_U64("entries at (1,1)", sy->mc->table[3].n, 1);
  EXPECT_U64("(0,0) routes east only", sy->mc->table[0].e[0].links, 1u << NOC_EAST);
  EXPECT_U64("(1,0) routes north", sy->mc->table[1].e[0].links, 1u << NOC_NORTH);
  EXPECT_U64("(1,0) delivers to its core 0", sy->mc->table[1].e[0].cores, 1);
  EXPECT_U64("packets on (0,0) east", sy->routers[0].link[NOC_EAST].packets, 1);
  EXPECT_U64("packets on (1,0) north", sy->routers[1].link[NOC_NORTH].packets, 1);
  free_sys(sy, ch, scn, &r);
}

/* Default routing: on a 3 x 1 mesh, src on tile 0 and its target on tile 2;
 * the middle router passes the packet straight through with no entry (2
 * entries in all, 2 hops, delivered once). */
Test(spinnaker, straight_run_needs_no_entry) {
  spin_opts o = spin_default;
  o.w = 3, o.h = 1;
  char text[2048];
  snprintf(text, sizeof text,
           "chip: %s\nsteps: 1\npopulations:\n"
           "  src: {size: 16, model: spike_array, spikes: %s}\n"
           "  dst: {size: 1, model: lif}\n"
           "mapping: {place: {dst: {core: 4}}}\n"
           "projections:\n  - {from: src, to: dst, connector: all_to_all, weight: 0.1}\n",
           spin_chip(o), spike16);
  raster r = {0};
  sys *sy;
  nmsim_chip *ch;
  nmsim_scenario *scn;
  run_sys(text, &r, &sy, &ch, &scn);
  EXPECT_U64("entries at tile 0", sy->mc->table[0].n, 1);
  EXPECT_U64("entries at tile 1 (default routing)", sy->mc->table[1].n, 0);
  EXPECT_U64("entries at tile 2", sy->mc->table[2].n, 1);
  EXPECT_U64("entries in all", sy->mc->entries, 2);
  EXPECT_U64("hops", sy->hops, 2);
  EXPECT_U64("synaptic ops", sy->energy.n[NM_E_SYN_OP], 1);
  free_sys(sy, ch, scn, &r);
}

/* A routing table over the router's capacity is an error at mapping time
 * naming the chip, the router and the table size: two source blocks on PE 0
 * whose packets leave east need 2 entries at router (0,0), which holds 1. */
Test(spinnaker, table_capacity_error_names_chip_router_and_size) {
  spin_opts o = spin_default;
  o.entries = 1;
  char text[2048];
  snprintf(text, sizeof text,
           "chip: %s\nsteps: 1\npopulations:\n"
           "  s1: {size: 8, model: spike_array, spikes: [[0], [], [], [], [], [], [], []]}\n"
           "  s2: {size: 8, model: spike_array, spikes: [[0], [], [], [], [], [], [], []]}\n"
           "  dst: {size: 1, model: lif}\n"
           "mapping: {place: {dst: {core: 2}}}\n"
           "projections:\n"
           "  - {from: s1, to: dst, connector: all_to_all, weight: 0.1}\n"
           "  - {from: s2, to: dst, connector: all_to_all, weight: 0.1}\n",
           spin_chip(o));
  run_summary s;
  nmsim_err err = {0};
  nmsim_status rc = run_text(text, &s, &err);
  cr_assert_eq(rc, NMSIM_ECAPACITY, "status %s (%s), expected ECAPACITY", nmsim_status_name(rc),
               err.msg);
  const char *want[] = {"chip 'spin'", "chip0/tile(0,0)/router", "2 entries", "holds 1",
                        "over by 1"};
  for (size_t i = 0; i < NM_ARRAY_LEN(want); i++)
    cr_assert(strstr(err.msg, want[i]), "message \"%s\" lacks \"%s\"", err.msg, want[i]);
}

/* A board of 2 x 1 chips: src on chip 0's tile (0,0), its target on chip 1's
 * tile (0,0) (board tile (2,0)): the packet takes one on-chip E-W hop (10 ns,
 * 10 pJ) and one chip-to-chip hop (50 ns, 50 pJ), 60 ns in all; the entries
 * sit at the source router and at chip 1's router, named as such. */
Test(spinnaker, multicast_across_chips) {
  char text[2048];
  snprintf(text, sizeof text,
           "chip: %s\nchips: [2, 1]\nsteps: 1\npopulations:\n"
           "  src: {size: 16, model: spike_array, spikes: %s}\n"
           "  dst: {size: 1, model: lif}\n"
           "mapping: {place: {dst: {chip: 1}}}\n"
           "projections:\n  - {from: src, to: dst, connector: all_to_all, weight: 0.1}\n",
           spin_chip(spin_default), spike16);
  raster r = {0};
  sys *sy;
  nmsim_chip *ch;
  nmsim_scenario *scn;
  run_sys(text, &r, &sy, &ch, &scn);
  EXPECT_U64("hops", sy->hops, 2);
  EXPECT_PJ("link hop pJ", sy->energy.pj[NM_E_LINK_HOP], 10.0);
  EXPECT_PJ("chip link pJ", sy->energy.pj[NM_E_CHIP_LINK], 50.0);
  EXPECT_PJ("latency, ps", sy->lat_sum_ps, 60000.0);
  EXPECT_U64("entries at board tile (0,0)", sy->mc->table[0].n, 1);
  EXPECT_U64("entries at board tile (2,0)", sy->mc->table[2].n, 1);
  EXPECT_U64("entries in all", sy->mc->entries, 2);
  char name[96];
  mc_router_name(sy, 2, name, sizeof name);
  cr_assert_str_eq(name, "chip1/tile(0,0)/router");
  free_sys(sy, ch, scn, &r);
}

/* ---- functional equivalence ----------------------------------------------------- */

/* The same recurrent network (Poisson input, excitatory and inhibitory LIF,
 * delays 1-3) gives the same spikes, neuron by neuron and step by step, on
 * the Loihi-like `test` chip and on the SpiNNaker-like chip when nothing is
 * late (DESIGN.md: functional equivalence where timing does not change
 * behaviour); the synaptic operations agree too. */
Test(spinnaker, same_spikes_as_loihi_when_nothing_is_late) {
  spin_opts o = spin_default;
  o.tick = "1 ms";
  const char *net =
      "seed: 5\nsteps: 150\npopulations:\n"
      "  input: {size: 24, model: poisson, params: {rate: 80 Hz}}\n"
      "  exc: {size: 40, model: lif, params: {tau_m: 10 ms, t_ref: 2 ms}}\n"
      "  inh: {size: 16, model: lif, params: {tau_m: 10 ms, t_ref: 1 ms}}\n"
      "projections:\n"
      "  - {from: input, to: exc, connector: {fixed_probability: 0.4}, weight: 0.25 nA, delay: 1}\n"
      "  - {from: input, to: inh, connector: {fixed_probability: 0.3}, weight: 0.2 nA, delay: 2}\n"
      "  - {from: exc, to: exc, connector: {fixed_probability: 0.2}, weight: 0.1 nA, delay: 3}\n"
      "  - {from: exc, to: inh, connector: {fixed_probability: 0.3}, weight: 0.15 nA, delay: 1}\n"
      "  - {from: inh, to: exc, connector: {fixed_probability: 0.3}, weight: -0.2 nA, delay: 2, "
      "site: inh}\n";
  char text[4096];
  raster rs = {0}, rl = {0};
  sys *ss, *sl;
  nmsim_chip *cs, *cl;
  nmsim_scenario *ns, *nl;
  snprintf(text, sizeof text, "chip: %s\n%s", spin_chip(o), net);
  run_sys(text, &rs, &ss, &cs, &ns);
  snprintf(text, sizeof text, "chip: test\n%s", net);
  run_sys(text, &rl, &sl, &cl, &nl);
  EXPECT_U64("late packets", ss->late_packets, 0);
  EXPECT_U64("tick overruns", ss->tick_overruns, 0);
  cr_assert_gt(rs.n, 200, "a network that spikes: %zu spikes", rs.n);
  cr_assert_eq(rs.n, rl.n, "spikes: SpiNNaker-like %zu, Loihi-like %zu", rs.n, rl.n);
  for (size_t i = 0; i < rs.n; i++)
    cr_assert(row_cmp(rs.row[i], rl.row[i]) == 0,
              "spike %zu: SpiNNaker-like (step %llu, pop %llu, neuron %llu), Loihi-like (step "
              "%llu, pop %llu, neuron %llu)", i, (unsigned long long)rs.row[i][0],
              (unsigned long long)rs.row[i][1], (unsigned long long)rs.row[i][2],
              (unsigned long long)rl.row[i][0], (unsigned long long)rl.row[i][1],
              (unsigned long long)rl.row[i][2]);
  EXPECT_U64("synaptic ops, SpiNNaker-like against Loihi-like", ss->energy.n[NM_E_SYN_OP],
             sl->energy.n[NM_E_SYN_OP]);
  cr_assert_lt(ss->packets, sl->packets,
               "one multicast packet per spike (%llu) against one per destination core (%llu)",
               (unsigned long long)ss->packets, (unsigned long long)sl->packets);
  free_sys(ss, cs, ns, &rs);
  free_sys(sl, cl, nl, &rl);
}

/* ---- out of memory ---------------------------------------------------------------- */

static long budget; /* allocations left before failing */
static void *fail_malloc(size_t n) { return budget-- == 0 ? NULL : malloc(n); }
static void *fail_calloc(size_t a, size_t b) { return budget-- == 0 ? NULL : calloc(a, b); }
static void *fail_realloc(void *p, size_t n) { return budget-- == 0 ? NULL : realloc(p, n); }

/* Failing the Nth allocation (N = 0, 1, ...) of loading, mapping (keys,
 * tables) and running on the SpiNNaker-like chip returns NMSIM_ENOMEM every
 * time and leaks nothing, until the run succeeds. */
Test(spinnaker, out_of_memory_at_every_allocation, .timeout = 300) {
  char text[2048];
  snprintf(text, sizeof text,
           "name: oom\nseed: 3\nchip: %s\nsteps: 5\npopulations:\n"
           "  src: {size: 20, model: poisson, params: {rate: 300 Hz}}\n"
           "  dst: {size: 20, model: lif}\n"
           "mapping: {place: {dst: {core: 6, cores: 2}}}\n"
           "projections:\n"
           "  - {from: src, to: dst, connector: {fixed_probability: 0.5}, weight: 0.5}\n",
           spin_chip(spin_default));
  const nm_allocator failing = {fail_malloc, fail_realloc, fail_calloc, free};
  bool ok = false;
  long n;
  for (n = 0; n < 100000 && !ok; n++) {
    nmsim_set_allocator(&failing);
    budget = n;
    nmsim_scenario *scn = NULL;
    nmsim_err err = {0};
    nmsim_status rc = nmsim_scenario_load_string("oom.yaml", text, NULL, 0, &scn, &err);
    run_summary sum;
    if (rc == NMSIM_OK) {
      run_opts o = {0};
      rc = run_scenario(scn, &o, &sum, &err);
      if (rc == NMSIM_OK) {
        run_summary_clear(&sum);
        ok = true;
      }
    }
    nmsim_scenario_destroy(scn);
    nmsim_set_allocator(NULL);
    if (!ok)
      cr_assert(rc == NMSIM_ENOMEM, "failing allocation %ld: status %s (%s), expected ENOMEM", n,
                nmsim_status_name(rc), err.msg);
  }
  cr_assert(ok, "the run never succeeded");
  cr_assert_eq(tu_leaks(), 0, "LeakSanitizer found leaks (see stderr)");
  cr_assert_gt(n, 20, "expected many allocation points, saw %ld", n);
}

/* Finite buffers with multicast: with one-packet input buffers, a packet
 * holds its slot until its last copy has left the router, so traffic backs
 * up (waiting copies) and arrives later than with unlimited buffers, but
 * every copy is delivered and, with nothing late, the spikes are the same. */
Test(spinnaker, finite_buffers_hold_multicast_packets) {
  const char *net =
      "seed: 9\nsteps: 60\npopulations:\n"
      "  input: {size: 32, model: poisson, params: {rate: 400 Hz}}\n"
      "  a: {size: 16, model: lif, params: {tau_m: 10 ms}}\n"
      "  b: {size: 16, model: lif, params: {tau_m: 10 ms}}\n"
      "  c: {size: 16, model: lif, params: {tau_m: 10 ms}}\n"
      "mapping: {place: {a: {core: 3}, b: {core: 5}, c: {core: 7}}}\n"
      "projections:\n"
      "  - {from: input, to: a, connector: {fixed_probability: 0.5}, weight: 0.2 nA}\n"
      "  - {from: input, to: b, connector: {fixed_probability: 0.5}, weight: 0.2 nA}\n"
      "  - {from: input, to: c, connector: {fixed_probability: 0.5}, weight: 0.2 nA}\n"
      "  - {from: a, to: c, connector: {fixed_probability: 0.5}, weight: 0.1 nA}\n";
  spin_opts o = spin_default;
  o.tick = "1 ms";
  o.depth = 1;
  char text[4096];
  raster r1 = {0}, ru = {0};
  sys *s1, *su;
  nmsim_chip *c1, *cu;
  nmsim_scenario *n1, *nu;
  snprintf(text, sizeof text, "chip: %s\n%s", spin_chip(o), net);
  run_sys(text, &r1, &s1, &c1, &n1);
  o.depth = 0;
  snprintf(text, sizeof text, "chip: %s\n%s", spin_chip(o), net);
  run_sys(text, &ru, &su, &cu, &nu);
  size_t waited = 0;
  for (uint32_t t = 0; t < s1->n_tiles; t++)
    for (int d = 0; d < NOC_MAX_DIRS; d++) waited += s1->routers[t].link[d].q_max > 1;
  cr_assert_gt(waited, 0, "no output port ever held more than one packet");
  EXPECT_U64("copies in flight at the end", s1->in_flight, 0);
  EXPECT_U64("late packets", s1->late_packets, 0);
  cr_assert_gt(s1->lat_sum_ps, su->lat_sum_ps, "latency sum %g ps (depth 1) vs %g ps (unlimited)",
               s1->lat_sum_ps, su->lat_sum_ps);
  cr_assert_eq(r1.n, ru.n, "spikes: %zu with depth 1, %zu unlimited", r1.n, ru.n);
  for (size_t i = 0; i < r1.n; i++)
    cr_assert(row_cmp(r1.row[i], ru.row[i]) == 0, "spike %zu differs", i);
  free_sys(s1, c1, n1, &r1);
  free_sys(su, cu, nu, &ru);
}

/* ---- chip files and the preset ------------------------------------------------- */

/* The spinnaker2 preset: 152 PEs in QPEs of 4 on a 7 x 6 grid (the last 4
 * tiles router-only), 300 MHz, 1 ms ticks, 16,384 router entries, and
 * per-event costs derived from cycles x energy per cycle. */
Test(spinnaker, preset_figures) {
  nmsim_chip *c = NULL;
  nmsim_err err = {0};
  cr_assert_eq(nmsim_chip_load("spinnaker2", NULL, &c, &err), NMSIM_OK, "%s", err.msg);
  cr_assert_str_eq(c->core_type->name, "spinnaker2");
  EXPECT_U64("cores", chip_n_cores(c), 152);
  EXPECT_U64("tiles", chip_n_tiles(c), 42);
  EXPECT_U64("cores per tile", c->cores_per_tile, 4);
  EXPECT_PJ("clock, MHz", c->pe.clock_hz / 1e6, 300.0);
  EXPECT_U64("tick, ps", c->pe.tick_ps, 1000000000);
  EXPECT_U64("router entries", c->router_entries, 16384);
  EXPECT_PJ("synaptic op pJ = synapse cycles x pJ per cycle", c->syn_op.energy_pj,
            c->pe.cyc_synapse * c->pe.pj_per_cycle);
  EXPECT_U64("synaptic op time, ps (20 cycles at 300 MHz)", c->syn_op.time_ps, 66667);
  nmsim_chip_destroy(c);
  cr_assert_eq(nmsim_chip_load("loihi2", NULL, &c, &err), NMSIM_OK, "%s", err.msg);
  EXPECT_U64("loihi2 cores", chip_n_cores(c), 128);
  EXPECT_U64("loihi2 neurons per core", c->max_neurons, 8192);
  nmsim_chip_destroy(c);
}

/* Chip files of core_kind spinnaker2 are strict: a section of the other kind
 * (costs, barrier) and an unknown cycle key are located errors; so is a
 * mesh.cores above tiles x cores_per_tile. */
Test(spinnaker, chip_file_errors) {
  const char *base = nmsim_chip_preset_text("spinnaker2");
  cr_assert(base);
  struct {
    const char *from, *to, *want;
  } cases[] = {
      {"static_power:", "costs: {}\nstatic_power:", "costs: not used by core_kind spinnaker2"},
      {"    spike_out: 20", "    spike_out: 20\n    tick: 3",
       "pe.cycles.tick: unknown field; expected one of: neuron_update"},
      {"  cores: 152", "  cores: 169", "mesh.cores: expected at most 168"},
      {"  entries: 16384", "  entries: 0", "router.entries: expected an integer in [1,"},
  };
  for (size_t i = 0; i < NM_ARRAY_LEN(cases); i++) {
    const char *p = strstr(base, cases[i].from);
    cr_assert(p, "preset lacks \"%s\"", cases[i].from);
    size_t n = strlen(base) + strlen(cases[i].to) + 1;
    char *text = malloc(n);
    snprintf(text, n, "%.*s%s%s", (int)(p - base), base, cases[i].to, p + strlen(cases[i].from));
    const char *path = tu_tmp("spin-bad", ".yaml");
    cr_assert_eq(tu_write(path, text), 0);
    nmsim_chip *c = NULL;
    nmsim_err err = {0};
    nmsim_status rc = nmsim_chip_load(path, NULL, &c, &err);
    cr_assert_eq(rc, NMSIM_EINPUT, "case %zu: status %s, expected EINPUT", i,
                 nmsim_status_name(rc));
    cr_assert(strstr(err.msg, cases[i].want) && strstr(err.msg, path),
              "case %zu: message \"%s\" lacks the path or \"%s\"", i, err.msg, cases[i].want);
    free(text);
  }
}

/* End to end: scenarios/spinnaker2_demo.yaml runs on the spinnaker2 preset
 * with nothing late and no overrun (light load): the run lasts its 200 ticks
 * of 1 ms exactly, packets cross several QPE routers (hops > packets), and
 * every population spikes as often as the same scenario on the loihi preset.
 * The CLI runs it and its report names the chip. */
Test(spinnaker, demo_scenario_end_to_end) {
  const char *path = NMSIM_SOURCE_DIR "/scenarios/spinnaker2_demo.yaml";
  run_summary s, l;
  nmsim_scenario *scn = NULL;
  nmsim_err err = {0};
  cr_assert_eq(nmsim_scenario_load(path, NULL, 0, &scn, &err), NMSIM_OK, "%s", err.msg);
  run_opts o = {0};
  cr_assert_eq(run_scenario(scn, &o, &s, &err), NMSIM_OK, "%s", err.msg);
  nmsim_scenario_destroy(scn);
  nmsim_override ov = {"chip", "loihi"};
  cr_assert_eq(nmsim_scenario_load(path, &ov, 1, &scn, &err), NMSIM_OK, "%s", err.msg);
  cr_assert_eq(run_scenario(scn, &o, &l, &err), NMSIM_OK, "%s", err.msg);
  nmsim_scenario_destroy(scn);
  cr_assert_str_eq(s.chip, "spinnaker2");
  cr_assert_str_eq(s.status, "complete");
  EXPECT_U64("late packets", s.late_packets, 0);
  EXPECT_U64("tick overruns", s.tick_overruns, 0);
  EXPECT_U64("hardware time, ps", s.hw_time_ps, 200ull * 1000000000ull);
  cr_assert_gt(s.packets, 0);
  cr_assert_gt(s.hops, s.packets, "multi-hop trees: hops %llu, packets %llu",
               (unsigned long long)s.hops, (unsigned long long)s.packets);
  for (size_t p = 0; p < s.n_pops; p++)
    cr_assert_eq(s.pops[p].spikes, l.pops[p].spikes, "%s: %llu spikes on spinnaker2, %llu on loihi",
                 s.pops[p].name, (unsigned long long)s.pops[p].spikes,
                 (unsigned long long)l.pops[p].spikes);
  run_summary_clear(&s);
  run_summary_clear(&l);

  const char *h5 = tu_tmp("spin-demo", ".h5");
  char cmd[2048], *out = NULL;
  snprintf(cmd, sizeof cmd, "%s run %s -o %s --quiet >/dev/null && %s report %s --json",
           NMSIM_BINARY, path, h5, NMSIM_BINARY, h5);
  int st = tu_run(cmd, &out, NULL);
  cr_assert_eq(st, 0, "exit %d: %s", st, out ? out : "");
  cr_assert(strstr(out, "\"chip\": \"spinnaker2\"") && strstr(out, "\"status\": \"complete\""),
            "report: %s", out);
  free(out);
}
