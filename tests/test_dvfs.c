/* test_dvfs.c: DVFS of SpiNNaker 2-like PEs (a chip's pe.dvfs, a scenario's
 * dvfs). Micro-scenarios on a two-PE test chip with round invented figures:
 * 1000 cycles a neuron update, 5000 a received packet, a 1 ms tick; level
 * PL1 at 10 MHz, 1 pJ a cycle, 1 mW static; PL2 at 100 MHz, 4 pJ a cycle,
 * 2 mW static; a switch takes 100 ns; 5 mW of static power per core when no
 * level replaces it. Every figure below is worked out by hand. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cores/chip_int.h"
#include "sim/system/run_int.h"
#include "tests_util.h"

static const char *const pe_chip =
    "name: pe_test\n"
    "description: \"two PEs, round invented figures for DVFS tests\"   # invented\n"
    "core_kind: spinnaker2\n"
    "mesh: {width: 2, height: 1, cores_per_tile: 1}\n"
    "limits: {neurons_per_core: 64, synapse_memory: 4 KiB, synapse_bytes: 4, fan_in: 64,\n"
    "         fan_out: 64}\n"
    "pe:\n"
    "  clock: 100 MHz\n"
    "  tick: 1 ms\n"
    "  energy_per_cycle: 1 pJ\n"
    "  cycles: {neuron_update: 1000, neuron_idle: 1000, packet: 5000, synapse: 0,\n"
    "           spike_out: 0}\n"
    "%s"
    "router: {entries: 64}\n"
    "noc:\n"
    "  topology: mesh\n"
    "  routing: xy\n"
    "  within_tile: {energy: 0 pJ, time: 1 ns}\n"
    "  hop_ew: {energy: 0 pJ, time: 1 ns}\n"
    "  hop_ns: {energy: 0 pJ, time: 1 ns}\n"
    "  link_serialization: 1 ns\n"
    "static_power: {chip: 0 mW, core: 5 mW, gating: none}\n";

static const char *const two_levels =
    "  dvfs:\n"
    "    switch_time: 100 ns\n"
    "    levels:\n"
    "      - {clock: 10 MHz, voltage: 0.5 V, energy_per_cycle: 1 pJ, static: 1 mW}\n"
    "      - {clock: 100 MHz, voltage: 1 V, energy_per_cycle: 4 pJ, static: 2 mW}\n";

/* Write the test chip with dvfs text `levels` and return its path. */
static const char *chip_file(const char *levels) {
  char text[4096];
  snprintf(text, sizeof text, pe_chip, levels);
  const char *path = tu_tmp("dvfs-chip", ".yaml");
  cr_assert_eq(tu_write(path, text), 0, "write %s", path);
  return path;
}

/* Load scenario text (%s: the chip path) and run it; the status, the
 * summary in *sum when it ran (clear it), the message in err. */
static nmsim_status run_text(const char *fmt, const char *chip, run_summary *sum, nmsim_err *err) {
  char text[4096];
  snprintf(text, sizeof text, fmt, chip);
  nmsim_scenario *s = NULL;
  memset(sum, 0, sizeof *sum);
  nmsim_status rc = nmsim_scenario_load_string("dvfs.yaml", text, NULL, 0, &s, err);
  if (rc == NMSIM_OK) {
    run_opts o = {.h5_path = NULL};
    rc = run_scenario(s, &o, sum, err);
  }
  nmsim_scenario_destroy(s);
  return rc;
}

#define RUN_OK(fmt, chip, sum)                                                  \
  do {                                                                          \
    nmsim_err e_ = {0};                                                         \
    cr_assert_eq(run_text((fmt), (chip), (sum), &e_), NMSIM_OK, "%s", e_.msg);  \
  } while (0)

/* 20 neurons without input on one PE for 10 ticks: 20 x 1000 = 20000 cycles
 * a tick, 2 ms at PL1 (over the 1 ms tick), 0.2 ms at PL2. */
static const char *const busy_pe = "name: busy\nchip: %s\nsteps: 10\n%s"
                                   "populations:\n  n: {size: 20, model: lif}\n";

static void run_busy(const char *dvfs, run_summary *sum) {
  char fmt[1024];
  snprintf(fmt, sizeof fmt, busy_pe, "%s", dvfs);
  RUN_OK(fmt, chip_file(two_levels), sum);
}

Test(dvfs, fixed_slow_level_overruns_and_saves_energy) {
  /* PL1: neurons 10 x 20000 cycles x 1 pJ = 200 nJ; every tick takes 2 ms,
   * so every tick overruns (9 fire while the PE is busy, the last runs past
   * the end) and the run lasts 20 ms. Static: the idle PE's 5 mW over 20 ms
   * = 100 uJ, and the busy PE at PL1's 1 mW over each 2 ms step = 20 uJ. */
  run_summary s;
  run_busy("dvfs: {policy: fixed, level: 1}\n", &s);
  double neurons = s.energy_pj[NM_E_NEURON_UPDATE] + s.energy_pj[NM_E_NEURON_IDLE];
  cr_assert_float_eq(neurons, 2e5, 1e-6, "neurons %.17g pJ", neurons);
  cr_assert_eq(s.tick_overruns, 10u, "overruns %llu", (unsigned long long)s.tick_overruns);
  cr_assert_eq(s.hw_time_ps, 20000000000ull, "hw time %llu ps",
               (unsigned long long)s.hw_time_ps);
  cr_assert_float_eq(s.static_pj, 1.2e8, 1e-2, "static %.17g pJ", s.static_pj);
  cr_assert_str_eq(s.dvfs, "fixed");
  cr_assert(s.dvfs_levels == 2 && s.dvfs_ticks[0] == 10 && s.dvfs_ticks[1] == 0,
            "ticks %llu %llu", (unsigned long long)s.dvfs_ticks[0],
            (unsigned long long)s.dvfs_ticks[1]);
  run_summary_clear(&s);
}

Test(dvfs, fixed_fast_level_fits_the_tick) {
  /* PL2: neurons 10 x 20000 x 4 pJ = 800 nJ, 0.2 ms a tick, no overrun, a
   * 10 ms run. Static: 5 mW x 10 ms = 50 uJ, and 2 mW x 10 ms = 20 uJ. */
  run_summary s;
  run_busy("dvfs: {policy: fixed, level: 2}\n", &s);
  double neurons = s.energy_pj[NM_E_NEURON_UPDATE] + s.energy_pj[NM_E_NEURON_IDLE];
  cr_assert_float_eq(neurons, 8e5, 1e-6, "neurons %.17g pJ", neurons);
  cr_assert_eq(s.tick_overruns, 0u);
  cr_assert_eq(s.hw_time_ps, 10000000000ull);
  cr_assert_float_eq(s.static_pj, 7e7, 1e-2, "static %.17g pJ", s.static_pj);
  cr_assert_eq(s.dvfs_switches, 0u);
  run_summary_clear(&s);
}

Test(dvfs, off_runs_at_the_chip_clock) {
  /* no dvfs: 100 MHz and 1 pJ a cycle, 5 mW per core: 200 nJ of neurons,
   * 0.2 ms a tick; static 10 mW x 10 ms = 100 uJ; no DVFS in the summary */
  run_summary s;
  run_busy("", &s);
  double neurons = s.energy_pj[NM_E_NEURON_UPDATE] + s.energy_pj[NM_E_NEURON_IDLE];
  cr_assert_float_eq(neurons, 2e5, 1e-6);
  cr_assert_float_eq(s.static_pj, 1e8, 1e-2, "static %.17g pJ", s.static_pj);
  cr_assert_null(s.dvfs);
  run_summary_clear(&s);
}

Test(dvfs, load_takes_the_level_that_fits) {
  /* 20000 predicted cycles; 80 % of a 1 ms tick holds 8000 at PL1, 80000 at
   * PL2: PL2 from the first tick (one switch up from PL1, where a PE under
   * policy load starts), so the energy and time of fixed PL2 */
  run_summary s;
  run_busy("dvfs: {policy: load}\n", &s);
  double neurons = s.energy_pj[NM_E_NEURON_UPDATE] + s.energy_pj[NM_E_NEURON_IDLE];
  cr_assert_float_eq(neurons, 8e5, 1e-6, "neurons %.17g pJ", neurons);
  cr_assert_eq(s.dvfs_switches, 1u);
  cr_assert_eq(s.tick_overruns, 0u);
  cr_assert(s.dvfs_ticks[0] == 0 && s.dvfs_ticks[1] == 10);
  cr_assert_float_eq(s.dvfs_headroom, 0.8, 1e-12);
  run_summary_clear(&s);
}

Test(dvfs, load_follows_packets_tick_by_tick) {
  /* A source on PE 0 spikes in ticks 3 and 6 into 2 neurons on PE 1; the
   * packet (5000 cycles) comes in during the tick it is sent. Headroom 0.5:
   * 5000 cycles fit at PL1. PE 1 predicts 2 x 1000 cycles a tick, and
   * 2000 + 5000 after a packet: PL2 for ticks 4 and 7, PL1 otherwise, so 4
   * switches; PE 0 (a source: no neuron cycles) stays at PL1. Energy:
   * neurons 8 x 2000 x 1 pJ + 2 x 2000 x 4 pJ = 32 nJ; packets, processed
   * at PL1, 2 x 5000 x 1 pJ = 10 nJ. Core time of `out`: 8 x 200 us +
   * 2 x 20 us + 2 x 500 us = 2.64 ms. Static: no core part left (both PEs
   * are in use), 18 PE ticks x 1 mW x 1 ms + 2 x 2 mW x 1 ms = 22 uJ. */
  static const char *const fmt =
      "name: packets\nchip: %s\nsteps: 10\n"
      "populations:\n"
      "  in: {size: 1, model: spike_array, spikes: [[3, 6]]}\n"
      "  out: {size: 2, model: lif}\n"
      "projections:\n"
      "  - {from: in, to: out, connector: all_to_all, weight: 0.01}\n"
      "mapping:\n"
      "  place: {in: {core: 0}, out: {core: 1}}\n"
      "dvfs: {policy: load, headroom: 0.5}\n";
  run_summary s;
  RUN_OK(fmt, chip_file(two_levels), &s);
  cr_assert_eq(s.dvfs_switches, 4u, "switches %llu", (unsigned long long)s.dvfs_switches);
  cr_assert(s.dvfs_ticks[0] == 18 && s.dvfs_ticks[1] == 2, "ticks %llu %llu",
            (unsigned long long)s.dvfs_ticks[0], (unsigned long long)s.dvfs_ticks[1]);
  double neurons = s.energy_pj[NM_E_NEURON_UPDATE] + s.energy_pj[NM_E_NEURON_IDLE];
  cr_assert_float_eq(neurons, 32000.0, 1e-9, "neurons %.17g pJ", neurons);
  cr_assert_float_eq(s.energy_pj[NM_E_SYN_OP], 10000.0, 1e-9, "packets %.17g pJ",
                     s.energy_pj[NM_E_SYN_OP]);
  cr_assert_eq(s.pops[1].busy_ps, 2640000000ull, "out's core time %llu ps",
               (unsigned long long)s.pops[1].busy_ps);
  cr_assert_float_eq(s.static_pj, 2.2e7, 1e-2, "static %.17g pJ", s.static_pj);
  cr_assert_eq(s.tick_overruns, 0u);
  run_summary_clear(&s);
}

/* The message of a scenario that must be refused, with `want` in it. */
static void refused(const char *fmt, const char *chip, const char *want) {
  run_summary s;
  nmsim_err e = {0};
  nmsim_status rc = run_text(fmt, chip, &s, &e);
  cr_assert_neq(rc, NMSIM_OK, "accepted, expected an error with '%s'", want);
  cr_assert(strstr(e.msg, want) != NULL, "message '%s' lacks '%s'", e.msg, want);
  run_summary_clear(&s);
}

Test(dvfs, refused_with_a_reason) {
  const char *chip = chip_file(two_levels);
  char fmt[1024];
  snprintf(fmt, sizeof fmt, busy_pe, "%s", "dvfs: {policy: fixed, level: 3}\n");
  refused(fmt, chip, "has levels 1 to 2, got 3");
  snprintf(fmt, sizeof fmt, busy_pe, "%s",
           "engine: {mode: functional}\ndvfs: {policy: load}\n");
  refused(fmt, chip, "dvfs needs engine.mode timed");
  snprintf(fmt, sizeof fmt, busy_pe, "%s", "dvfs: {policy: load, level: 1}\n");
  refused(fmt, chip, "policy load chooses it every tick");
  snprintf(fmt, sizeof fmt, busy_pe, "%s", "dvfs: {policy: fast}\n");
  refused(fmt, chip, "expected fixed");
  snprintf(fmt, sizeof fmt, busy_pe, "%s", "dvfs: {policy: fixed, populations: {m: 1}}\n");
  refused(fmt, chip, "dvfs.populations.m");
  /* a chip without levels, and one whose levels do not rise */
  refused("name: x\nchip: %s\nsteps: 2\npopulations:\n  n: {size: 2, model: lif}\n"
          "dvfs: {policy: load}\n",
          chip_file(""), "has no performance levels");
  refused("name: x\nchip: %s\nsteps: 2\npopulations:\n  n: {size: 2, model: lif}\n",
          chip_file("  dvfs:\n    switch_time: 1 ns\n    levels:\n"
                    "      - {clock: 10 MHz, voltage: 1 V, energy_per_cycle: 1 pJ, static: 0 mW}\n"
                    "      - {clock: 5 MHz, voltage: 1 V, energy_per_cycle: 1 pJ, static: 0 mW}\n"),
          "pe.dvfs.levels[1]");
  refused("name: x\nchip: loihi\nsteps: 2\npopulations:\n  n: {size: 2, model: lif}\n"
          "dvfs: {policy: load}\n%s",
          "", "chip 'loihi' (core kind loihi) has no performance levels");
}

Test(dvfs, preset_levels_follow_the_cited_ratio) {
  /* the spinnaker2 preset's PL1 / PL3 energy per cycle is (0.70 / 1.00)^2,
   * about the halving of energy per neuron and synapse computation that
   * Hoeppner et al. 2019 measure: its demo at fixed PL1 spends 0.49 of the
   * dynamic PE energy of fixed PL3 (the same events, no NoC energy change) */
  run_summary a, b;
  nmsim_err e = {0};
  nmsim_scenario *s = NULL;
  nmsim_override o1[] = {{"dvfs", "{policy: fixed, level: 1}"}, {"steps", "50"}};
  nmsim_override o3[] = {{"dvfs", "{policy: fixed, level: 3}"}, {"steps", "50"}};
  run_opts ro = {.h5_path = NULL};
  cr_assert_eq(nmsim_scenario_load(NMSIM_SOURCE_DIR "/scenarios/spinnaker2_demo.yaml", o1, 2, &s,
                                   &e), NMSIM_OK, "%s", e.msg);
  cr_assert_eq(run_scenario(s, &ro, &a, &e), NMSIM_OK, "%s", e.msg);
  nmsim_scenario_destroy(s);
  cr_assert_eq(nmsim_scenario_load(NMSIM_SOURCE_DIR "/scenarios/spinnaker2_demo.yaml", o3, 2, &s,
                                   &e), NMSIM_OK, "%s", e.msg);
  cr_assert_eq(run_scenario(s, &ro, &b, &e), NMSIM_OK, "%s", e.msg);
  nmsim_scenario_destroy(s);
  cr_assert_eq(a.spikes, b.spikes, "a level changed the spikes (late packets?)");
  double pa = a.energy_pj[NM_E_NEURON_UPDATE] + a.energy_pj[NM_E_NEURON_IDLE] +
              a.energy_pj[NM_E_SYN_OP];
  double pb = b.energy_pj[NM_E_NEURON_UPDATE] + b.energy_pj[NM_E_NEURON_IDLE] +
              b.energy_pj[NM_E_SYN_OP];
  cr_assert_float_eq(pa / pb, 13.9 / 28.3, 1e-9, "PL1 / PL3 = %.6f", pa / pb);
  run_summary_clear(&a);
  run_summary_clear(&b);
}

Test(dvfs, chips_lists_the_levels) {
  /* `nmsim chips --json` gives each level of a chip with pe.dvfs as its
   * chip file says; the text listing names their count and clock range */
  nmsim_chip *c = NULL;
  nmsim_err e = {0};
  cr_assert_eq(nmsim_chip_load("spinnaker2", NULL, &c, &e), NMSIM_OK, "%s", e.msg);
  cr_assert(c->pe.n_levels >= 2, "the preset has %u levels", c->pe.n_levels);
  char *out = NULL, *err = NULL, want[256];
  cr_assert_eq(tu_run(NMSIM_BINARY " chips --json", &out, &err), 0, "%s", err);
  for (uint32_t l = 0; l < c->pe.n_levels; l++) {
    snprintf(want, sizeof want, "{\"clock_mhz\": %.17g, \"voltage_v\": %.17g",
             c->pe.level[l].clock_hz / 1e6, c->pe.level[l].volts);
    cr_assert(strstr(out, want) != NULL, "chips --json lacks %s", want);
  }
  free(out);
  free(err);
  cr_assert_eq(tu_run(NMSIM_BINARY " chips", &out, &err), 0, "%s", err);
  snprintf(want, sizeof want, "DVFS %u levels %g-%g MHz", c->pe.n_levels,
           c->pe.level[0].clock_hz / 1e6, c->pe.level[c->pe.n_levels - 1].clock_hz / 1e6);
  cr_assert(strstr(out, want) != NULL, "chips lacks '%s':\n%s", want, out);
  free(out);
  free(err);
  nmsim_chip_destroy(c);
}
