/* test_system.c: the Loihi-like core, the mesh NoC and the barrier, measured
 * end to end on micro-scenarios over a chip file written by the test (round
 * figures, so every expected time and energy is exact arithmetic). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/system/run_int.h"
#include "tests_util.h"

/* 2 x 2 tiles of 2 cores of 16 neurons. Core c is in tile c/2; tile t at
 * (t % 2, t / 2): cores 0,1 tile (0,0); 2,3 tile (1,0); 4,5 tile (0,1). */
static const char *chip_yaml =
    "name: micro\n"
    "description: round figures for tests\n"
    "core_kind: loihi\n"
    "mesh: {width: 2, height: 2, cores_per_tile: 2}\n"
    "limits: {neurons_per_core: 16, synapse_memory: 1 MiB, synapse_bytes: 2, fan_in: 4096, "
    "fan_out: 4096}\n"
    "costs:\n"
    "  synaptic_op: {energy: 1 pJ, time: 1 ns}\n"
    "  synaptic_update: {energy: 5 pJ, time: 5 ns}\n"
    "  neuron_update: {energy: 2 pJ, time: 2 ns}\n"
    "  neuron_idle: {energy: 1 pJ, time: 1 ns}\n"
    "  spike_out: {energy: 0 pJ, time: 0 ns}\n"
    "noc:\n"
    "  topology: mesh\n"
    "  routing: xy\n"
    "  within_tile: {energy: 1 pJ, time: 1 ns}\n"
    "  hop_ew: {energy: 10 pJ, time: 10 ns}\n"
    "  hop_ns: {energy: 20 pJ, time: 20 ns}\n"
    "  link_serialization: 1 ns\n"
    "barrier:\n"
    "  times: [{tiles: 1, time: 100 ns}, {tiles: 4, time: 400 ns}]\n"
    "  energy_per_tile: 0.5 pJ\n"
    "static_power: 1 mW\n";

static char chip_path[512];

static void write_chip(void) {
  snprintf(chip_path, sizeof chip_path, "%s", tu_tmp("micro-chip", ".yaml"));
  cr_assert_eq(tu_write(chip_path, chip_yaml), 0);
}

/* A source population of 16 (filling core 0) whose neurons listed in `fire`
 * spike at step 0, `pad` silent neurons, then one LIF target neuron; every
 * source connects one-to-all onto the target. */
static void run_micro(const char *fire_lists, unsigned pad, unsigned steps, run_summary *sum) {
  write_chip();
  char padline[4096] = "";
  if (pad) {
    int n = snprintf(padline, sizeof padline, "  pad: {size: %u, model: spike_array, spikes: [",
                     pad);
    for (unsigned i = 0; i < pad; i++) n += snprintf(padline + n, sizeof padline - n, i ? ", []" : "[]");
    snprintf(padline + n, sizeof padline - n, "]}\n");
  }
  char text[8192];
  snprintf(text, sizeof text,
           "name: micro\nseed: 1\nchip: %s\nsteps: %u\ndt: 1 ms\n"
           "populations:\n"
           "  src: {size: 16, model: spike_array, spikes: %s}\n"
           "%s"
           "  dst: {size: 1, model: lif}\n"
           "projections:\n"
           "  - {from: src, to: dst, connector: all_to_all, weight: 0.1, delay: 1}\n",
           chip_path, steps, fire_lists, padline);
  nmsim_scenario *scn = NULL;
  nmsim_err err = {0};
  cr_assert_eq(nmsim_scenario_load_string("micro.yaml", text, NULL, 0, &scn, &err), NMSIM_OK,
               "load: %s\n%s", err.msg, text);
  run_opts o = {0};
  cr_assert_eq(run_scenario(scn, &o, sum, &err), NMSIM_OK, "run: %s", err.msg);
  nmsim_scenario_destroy(scn);
}

static const char *one_spike =
    "[[0], [], [], [], [], [], [], [], [], [], [], [], [], [], [], []]";
static const char *two_spikes =
    "[[0], [0], [], [], [], [], [], [], [], [], [], [], [], [], [], []]";

/* A spike to a core of the same tile costs the within-tile figures: latency
 * 1 ns, 1 pJ, no link hop. */
Test(system, within_tile_spike) {
  run_summary s;
  run_micro(one_spike, 0, 1, &s);
  cr_assert_eq(s.packets, 1, "packets %llu", (unsigned long long)s.packets);
  cr_assert_eq(s.hops, 0, "hops %llu", (unsigned long long)s.hops);
  cr_assert_float_eq(s.packet_mean_ps, 1000.0, 1e-9, "latency %g ps, expected 1000",
                     s.packet_mean_ps);
  cr_assert_float_eq(s.energy_pj[NM_E_WITHIN_TILE], 1.0, 1e-12, "within-tile energy %g",
                     s.energy_pj[NM_E_WITHIN_TILE]);
  cr_assert_float_eq(s.energy_pj[NM_E_LINK_HOP], 0.0, 1e-12);
  run_summary_clear(&s);
}

/* One hop east-west: latency and energy of exactly one E-W hop (10 ns, 10 pJ). */
Test(system, one_hop_east_west) {
  run_summary s;
  run_micro(one_spike, 16, 1, &s); /* pad fills core 1; dst on core 2, tile (1,0) */
  cr_assert_eq(s.hops, 1, "hops %llu", (unsigned long long)s.hops);
  cr_assert_float_eq(s.packet_mean_ps, 10000.0, 1e-9, "latency %g ps", s.packet_mean_ps);
  cr_assert_float_eq(s.energy_pj[NM_E_LINK_HOP], 10.0, 1e-12, "hop energy %g",
                     s.energy_pj[NM_E_LINK_HOP]);
  run_summary_clear(&s);
}

/* One hop north-south: 20 ns, 20 pJ (dst on core 4, tile (0,1)). */
Test(system, one_hop_north_south) {
  run_summary s;
  run_micro(one_spike, 48, 1, &s);
  cr_assert_eq(s.hops, 1, "hops %llu", (unsigned long long)s.hops);
  cr_assert_float_eq(s.packet_mean_ps, 20000.0, 1e-9, "latency %g ps", s.packet_mean_ps);
  cr_assert_float_eq(s.energy_pj[NM_E_LINK_HOP], 20.0, 1e-12);
  run_summary_clear(&s);
}

/* Dimension-order routing: to the diagonal tile (1,1) a packet takes one E-W
 * and one N-S hop: 30 ns, 30 pJ. */
Test(system, diagonal_two_hops) {
  run_summary s;
  run_micro(one_spike, 80, 1, &s); /* dst on core 6, tile (1,1) */
  cr_assert_eq(s.hops, 2, "hops %llu", (unsigned long long)s.hops);
  cr_assert_float_eq(s.packet_mean_ps, 30000.0, 1e-9, "latency %g ps", s.packet_mean_ps);
  cr_assert_float_eq(s.energy_pj[NM_E_LINK_HOP], 30.0, 1e-12);
  run_summary_clear(&s);
}

/* Two packets that want one link at once serialize: the second is late by
 * the serialization time (1 ns): latencies 10 and 11 ns. */
Test(system, link_contention_serializes) {
  run_summary s;
  run_micro(two_spikes, 16, 1, &s);
  cr_assert_eq(s.packets, 2, "packets %llu", (unsigned long long)s.packets);
  cr_assert_float_eq(s.packet_mean_ps, 10500.0, 1e-9, "mean %g ps, expected 10500",
                     s.packet_mean_ps);
  cr_assert_float_eq(s.packet_p99_ps, 11000.0, 1e-9, "p99 %g ps, expected 11000",
                     s.packet_p99_ps);
  run_summary_clear(&s);
}

/* The step lasts until the last core is done and the last packet is
 * processed, then the barrier (interpolated to 200 ns for 2 tiles):
 * step 0 = 10 ns hop + 1 ns synaptic op + 200 ns = 211 ns; step 1 = the
 * target's active update 2 ns + 200 ns = 202 ns. Energy by category follows
 * from the counts, static power from the hardware time. */
Test(system, step_length_follows_work) {
  run_summary s;
  run_micro(one_spike, 16, 2, &s);
  cr_assert_eq(s.steps, 2);
  cr_assert_eq(s.step_max_ps, 211000, "step 0: %llu ps", (unsigned long long)s.step_max_ps);
  cr_assert_eq(s.step_min_ps, 202000, "step 1: %llu ps", (unsigned long long)s.step_min_ps);
  cr_assert_eq(s.hw_time_ps, 413000, "run: %llu ps", (unsigned long long)s.hw_time_ps);
  cr_assert_float_eq(s.energy_pj[NM_E_SYN_OP], 1.0, 1e-12);
  cr_assert_float_eq(s.energy_pj[NM_E_NEURON_IDLE], 1.0, 1e-12, "idle %g",
                     s.energy_pj[NM_E_NEURON_IDLE]);
  cr_assert_float_eq(s.energy_pj[NM_E_NEURON_UPDATE], 2.0, 1e-12, "active %g",
                     s.energy_pj[NM_E_NEURON_UPDATE]);
  cr_assert_float_eq(s.energy_pj[NM_E_BARRIER], 2 * 2 * 0.5, 1e-12, "barrier %g",
                     s.energy_pj[NM_E_BARRIER]);
  cr_assert_float_eq(s.static_pj, 413.0, 1e-9, "static %g pJ", s.static_pj);
  double sum = s.static_pj;
  for (int k = 0; k < NM_E_COUNT; k++) sum += s.energy_pj[k];
  cr_assert_float_eq(s.total_pj, sum, 1e-9);
  cr_assert_eq(s.synaptic_ops, 1);
  cr_assert_eq(s.neuron_updates, 2, "only the LIF target is charged updates");
  cr_assert_eq(s.cores_used, 3);
  cr_assert_eq(s.tiles_used, 2);
  run_summary_clear(&s);
}

/* Same seed, same results; a network that cannot fit fails with a message
 * naming the population and the overflow. */
Test(system, capacity_error_names_population) {
  write_chip();
  char text[1024];
  snprintf(text, sizeof text,
           "chip: %s\nsteps: 1\npopulations:\n  big: {size: 200, model: lif}\n", chip_path);
  nmsim_scenario *scn = NULL;
  nmsim_err err = {0};
  cr_assert_eq(nmsim_scenario_load_string("cap.yaml", text, NULL, 0, &scn, &err), NMSIM_OK,
               "%s", err.msg);
  run_summary s;
  run_opts o = {0};
  cr_assert_eq(run_scenario(scn, &o, &s, &err), NMSIM_ECAPACITY, "%s", err.msg);
  cr_assert(strstr(err.msg, "'big'") && strstr(err.msg, "72 neurons are left"),
            "names population and the 72 neurons left: '%s'", err.msg);
  cr_assert(strstr(err.msg, ":4: population 'big'"), "the population's line: '%s'", err.msg);
  cr_assert(strstr(err.msg, "The limit that bound is neurons (16 per core): the 8 cores hold "
                            "128"), "the limit: '%s'", err.msg);
  cr_assert(strstr(err.msg, "Ways out: a board of more chips"), "a way out: '%s'", err.msg);
  nmsim_scenario_destroy(scn);
  /* fan-in: 8 source neurons per core, and one-to-one from 64 sources: each
   * neuron has one source, a core's 16 would have 16 */
  char chip[2048];
  snprintf(chip, sizeof chip, "%s", chip_yaml);
  char *f = strstr(chip, "fan_in: 4096");
  cr_assert(f);
  memcpy(f, "fan_in:    8", 12);
  const char *path = tu_tmp("fanin-chip", ".yaml");
  cr_assert_eq(tu_write(path, chip), 0);
  snprintf(text, sizeof text,
           "chip: %s\nsteps: 1\npopulations:\n  src: {size: 64, model: poisson}\n"
           "  dst: {size: 64, model: lif}\n"
           "projections:\n  - {from: src, to: dst, connector: one_to_one, weight: 1 nA}\n",
           path);
  cr_assert_eq(nmsim_scenario_load_string("fanin.yaml", text, NULL, 0, &scn, &err), NMSIM_OK,
               "%s", err.msg);
  cr_assert_eq(run_scenario(scn, &o, &s, &err), NMSIM_ECAPACITY, "%s", err.msg);
  cr_assert(strstr(err.msg, ":5: population 'dst'"), "'%s'", err.msg);
  cr_assert(strstr(err.msg, "The limit that bound is fan-in (8 source neurons per core): it "
                            "closed 4 of the 4 cores 'dst' filled"), "'%s'", err.msg);
  cr_assert(strstr(err.msg, "cores closed by each limit in all: neurons 4, fan-in 4"), "'%s'",
            err.msg);
  nmsim_scenario_destroy(scn);
}

/* costs.spike: a firing neuron pays it once, then spike_out per message (one
 * per core its targets sit on); a source population's spikes pay spike_out
 * alone; network mode charges neither. mid (LIF, core 1) fires on the input of
 * src (core 0) and reaches d1 on core 2 and d2 on core 4: two messages a spike. */
Test(system, spike_cost_once_per_firing_then_per_message) {
  char chip[2048], *p;
  snprintf(chip, sizeof chip, "%s", chip_yaml);
  p = strstr(chip, "  spike_out: {energy: 0 pJ, time: 0 ns}\n");
  cr_assert(p);
  const char *costs = "  spike: {energy: 7 pJ, time: 3 ns}\n  spike_out: {energy: 5 pJ, time: 1 ns}\n";
  char rest[2048];
  snprintf(rest, sizeof rest, "%s", p + strlen("  spike_out: {energy: 0 pJ, time: 0 ns}\n"));
  snprintf(p, sizeof chip - (size_t)(p - chip), "%s%s", costs, rest);
  const char *path = tu_tmp("spike-chip", ".yaml");
  cr_assert_eq(tu_write(path, chip), 0);
  for (int net = 0; net < 2; net++) {
    char text[2048];
    snprintf(text, sizeof text,
             "name: spikecost\nseed: 1\nchip: %s\nsteps: 20\ndt: 1 ms\n%s"
             "populations:\n"
             "  src: {size: 16, model: spike_array, spikes: [[0, 5, 10], [], [], [], [], [], [], "
             "[], [], [], [], [], [], [], [], []]}\n"
             "  mid: {size: 1, model: lif}\n"
             "  d1: {size: 1, model: lif}\n"
             "  d2: {size: 1, model: lif}\n"
             "mapping: {place: {mid: {core: 1}, d1: {core: 2}, d2: {core: 4}}}\n"
             "projections:\n"
             "  - {from: src, to: mid, connector: all_to_all, weight: 20 nA, delay: 1}\n"
             "  - {from: mid, to: d1, connector: all_to_all, weight: 0.1 nA, delay: 1}\n"
             "  - {from: mid, to: d2, connector: all_to_all, weight: 0.1 nA, delay: 1}\n",
             path, net ? "engine: {mode: network}\n" : "");
    nmsim_scenario *scn = NULL;
    nmsim_err err = {0};
    cr_assert_eq(nmsim_scenario_load_string("spikecost.yaml", text, NULL, 0, &scn, &err),
                 NMSIM_OK, "%s", err.msg);
    run_summary s;
    run_opts o = {0};
    cr_assert_eq(run_scenario(scn, &o, &s, &err), NMSIM_OK, "%s", err.msg);
    uint64_t src = s.pops[0].spikes, mid = s.pops[1].spikes;
    cr_assert_eq(src, 3);
    cr_assert_geq(mid, 1, "mid fired %llu times", (unsigned long long)mid);
    double want = net ? 0.0 : (double)src * 5 + (double)mid * (7 + 2 * 5);
    cr_assert_float_eq(s.energy_pj[NM_E_SPIKE_OUT], want, 1e-9,
                       "%s: spike generation %.17g pJ, expected %g (%llu source spikes, %llu "
                       "firings)", net ? "network" : "timed", s.energy_pj[NM_E_SPIKE_OUT], want,
                       (unsigned long long)src, (unsigned long long)mid);
    if (!net) cr_assert_eq(s.packets, src + 2 * mid, "packets %llu", (unsigned long long)s.packets);
    run_summary_clear(&s);
    nmsim_scenario_destroy(scn);
  }
}
