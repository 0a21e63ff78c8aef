/* test_multichip.c: boards of several chips — hops that cross a chip boundary
 * pay the chip-to-chip link (whose credits come back after its latency), the
 * barrier spans the chips in use, static power counts every chip — and the
 * mapping strategies (explicit placement by chip or core, round_robin) with
 * their errors. Uses the `test` preset (2 x 2 tiles of 2 cores of 16
 * neurons; invented round figures) unless a test names another. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/system/run_int.h"
#include "noc/noc_int.h"
#include "sim/system/build.h"
#include "tests_util.h"

static nmsim_status run_text(const char *text, run_summary *s, nmsim_err *err) {
  nmsim_scenario *scn = NULL;
  nmsim_status rc = nmsim_scenario_load_string("mc.yaml", text, NULL, 0, &scn, err);
  if (rc == NMSIM_OK) {
    run_opts o = {0};
    rc = run_scenario(scn, &o, s, err);
  }
  nmsim_scenario_destroy(scn);
  return rc;
}

static const char *spike16 = "[[0], [], [], [], [], [], [], [], [], [], [], [], [], [], [], []]";

/* A spike from chip (0,0) to a neuron placed on chip 1 (board position
 * (1,0)) travels one on-chip E-W hop (10 ns, 10 pJ) and one chip-to-chip hop
 * (50 ns, 50 pJ); the step's barrier spans 2 chips: interpolated between one
 * chip with all 4 tiles (400 ns) and 4 chips (1000 ns) = 600 ns; static power
 * is 1 mW for each of the 4 chips. */
Test(multichip, cross_chip_spike_and_barrier) {
  char text[1024];
  snprintf(text, sizeof text,
           "chip: test\nchips: [2, 2]\nsteps: 1\n"
           "populations:\n"
           "  src: {size: 16, model: spike_array, spikes: %s}\n"
           "  dst: {size: 1, model: lif}\n"
           "mapping: {place: {dst: {chip: 1}}}\n"
           "projections:\n  - {from: src, to: dst, connector: all_to_all, weight: 1}\n",
           spike16);
  run_summary s;
  nmsim_err err = {0};
  cr_assert_eq(run_text(text, &s, &err), NMSIM_OK, "%s", err.msg);
  cr_assert_eq(s.n_chips, 4);
  cr_assert_eq(s.chips_used, 2, "chips used %u", s.chips_used);
  cr_assert_eq(s.hops, 2, "hops %llu", (unsigned long long)s.hops);
  cr_assert_float_eq(s.packet_mean_ps, 60000.0, 1e-9, "latency %g ps, expected 60000",
                     s.packet_mean_ps);
  cr_assert_float_eq(s.energy_pj[NM_E_LINK_HOP], 10.0, 1e-12);
  cr_assert_float_eq(s.energy_pj[NM_E_CHIP_LINK], 50.0, 1e-12, "chip link %g pJ",
                     s.energy_pj[NM_E_CHIP_LINK]);
  /* step: spike_out 1 ns, 60 ns network, 1 ns synaptic op, then the barrier;
   * the target's idle update (1 ns) ends earlier */
  cr_assert_eq(s.step_max_ps, 62000 + 600000, "step %llu ps",
               (unsigned long long)s.step_max_ps);
  cr_assert_float_eq(s.static_pj, 4 * 1.0 * (double)s.hw_time_ps * 1e-3, 1e-9);
  run_summary_clear(&s);
}

/* Explicit placement by core: the population starts on the named core. */
Test(multichip, place_by_core) {
  char text[1024];
  snprintf(text, sizeof text,
           "chip: test\nsteps: 1\n"
           "populations:\n"
           "  src: {size: 16, model: spike_array, spikes: %s}\n"
           "  dst: {size: 1, model: lif}\n"
           "mapping: {place: {dst: {core: 6}}}\n"
           "projections:\n  - {from: src, to: dst, connector: all_to_all, weight: 1}\n",
           spike16);
  run_summary s;
  nmsim_err err = {0};
  cr_assert_eq(run_text(text, &s, &err), NMSIM_OK, "%s", err.msg);
  /* core 6 is tile (1,1): one E-W and one N-S hop */
  cr_assert_eq(s.hops, 2, "hops %llu", (unsigned long long)s.hops);
  cr_assert_float_eq(s.packet_mean_ps, 30000.0, 1e-9, "latency %g", s.packet_mean_ps);
  run_summary_clear(&s);
}

/* Placement errors name the population and the problem: a core already used
 * by earlier populations, a chip or core that does not exist, an unknown
 * population, and a board on a chip without chip_link is refused. */
Test(multichip, placement_errors) {
  struct { const char *text; const char *want; } cases[] = {
      {"chip: test\nsteps: 1\npopulations:\n  a: {size: 40, model: lif}\n  b: {size: 1, model: lif}\n"
       "mapping: {place: {b: {core: 1}}}\n", "already used"},
      {"chip: test\nsteps: 1\npopulations:\n  a: {size: 4, model: lif}\n"
       "mapping: {place: {a: {chip: 3}}}\n", "chip 3 does not exist"},
      {"chip: test\nsteps: 1\npopulations:\n  a: {size: 4, model: lif}\n"
       "mapping: {place: {a: {core: 99}}}\n", "core 99 does not exist"},
      {"chip: test\nsteps: 1\npopulations:\n  a: {size: 4, model: lif}\n"
       "mapping: {place: {zz: {core: 1}}}\n", "zz"},
      {"chip: test\nsteps: 1\npopulations:\n  a: {size: 4, model: lif}\n"
       "mapping: {strategy: scatter}\n", "dense, spatial or round_robin"},
      /* a bound on the cores of a placement: no spill */
      {"chip: test\nsteps: 1\npopulations:\n  a: {size: 40, model: lif}\n"
       "mapping: {place: {a: {core: 1, cores: 2}}}\n",
       "mapping.place.a: 'a' needs more than its 2 cores (from core 1): 8 of its 40 neurons are "
       "left, and neurons closed core 2"},
      {"chip: test\nsteps: 1\npopulations:\n  a: {size: 40, model: lif}\n"
       "mapping: {place: {a: {core: 1, chip: 0}}}\n", "expected exactly one of {core: C}"},
      {"chip: test\nsteps: 1\npopulations:\n  a: {size: 40, model: lif}\n"
       "mapping: {max_per_core: {a: 0}}\n", "mapping.max_per_core.a"},
      {"chip: test\nsteps: 1\npopulations:\n  a: {size: 4, model: lif}\n"
       "mapping: {strategy: round_robin, max_per_core: {a: 2}}\n", "needs strategy dense"},
      /* a cap too small for the chip: the capacity error names it */
      {"chip: test\nsteps: 1\npopulations:\n  a: {size: 40, model: lif}\n"
       "mapping: {max_per_core: {a: 4}}\n",
       "The limit that bound is its cap (mapping.max_per_core: 4)"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    run_summary s;
    nmsim_err err = {0};
    nmsim_status rc = run_text(cases[i].text, &s, &err);
    cr_assert(rc == NMSIM_EINPUT || rc == NMSIM_ECAPACITY, "case %zu: status %s", i,
              nmsim_status_name(rc));
    cr_assert(strstr(err.msg, cases[i].want), "case %zu: '%s' lacks '%s'", i, err.msg,
              cases[i].want);
  }
}

/* The mapping as "POP[first..last]@core" entries, in core order. */
static void map_text(const run_summary *s, char *out, size_t n) {
  size_t k = 0;
  out[0] = 0;
  for (size_t i = 0; i < s->n_map && k < n; i++)
    k += (size_t)snprintf(out + k, n - k, "%s%s[%u..%u]@%u", i ? " " : "", s->map[i].pop,
                          s->map[i].first, s->map[i].first + s->map[i].n - 1, s->map[i].core);
}

/* place names populations in any order: each placed population starts where
 * it says, and the unplaced ones after it in the file follow it; a cap of
 * neurons per core (max_per_core) spreads a population; the spikes are the
 * same whatever the placement. */
Test(multichip, place_in_any_order_and_cap_per_core) {
  const char *net =
      "chip: test\nsteps: 30\nseed: 3\npopulations:\n"
      "  a: {size: 20, model: poisson, params: {rate: 200 Hz}}\n"
      "  b: {size: 10, model: lif}\n"
      "  c: {size: 6, model: lif}\n"
      "projections:\n"
      "  - {from: a, to: b, connector: all_to_all, weight: 2 nA}\n"
      "  - {from: b, to: c, connector: all_to_all, weight: 2 nA}\n";
  struct {
    const char *mapping, *want;
  } cases[] = {
      {"", "a[0..15]@0 a[16..19]@1 b[0..9]@1 c[0..1]@1 c[2..5]@2"},
      {"mapping: {place: {c: {core: 0}, a: {core: 3, cores: 2}}}\n",
       "c[0..5]@0 a[0..15]@3 a[16..19]@4 b[0..9]@4"},
      {"mapping: {place: {c: {core: 6}, a: {core: 2, cores: 2}}, max_per_core: {b: 4}}\n",
       "a[0..15]@2 a[16..19]@3 b[0..3]@3 b[4..7]@4 b[8..9]@5 c[0..5]@6"},
  };
  uint64_t spikes = 0;
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char text[1024], got[512];
    snprintf(text, sizeof text, "%s%s", net, cases[i].mapping);
    run_summary s;
    nmsim_err err = {0};
    cr_assert_eq(run_text(text, &s, &err), NMSIM_OK, "case %zu: %s", i, err.msg);
    map_text(&s, got, sizeof got);
    cr_assert(!strcmp(got, cases[i].want), "case %zu: %s, expected %s", i, got, cases[i].want);
    cr_assert_gt(s.spikes, 0);
    if (i == 0) spikes = s.spikes;
    cr_assert_eq(s.spikes, spikes, "case %zu: %llu spikes, %llu unplaced", i,
                 (unsigned long long)s.spikes, (unsigned long long)spikes);
    run_summary_clear(&s);
  }
}

/* mapping.cores: every neuron on the core its map names (inline or from a
 * file); the other populations fill the cores no map uses; the spikes are
 * those of the packed mapping; limits and bad cores are named. */
Test(multichip, explicit_core_map) {
  const char *net =
      "chip: test\nsteps: 30\nseed: 3\npopulations:\n"
      "  a: {size: 20, model: poisson, params: {rate: 200 Hz}}\n"
      "  b: {size: 6, model: lif}\n"
      "  c: {size: 6, model: lif}\n"
      "projections:\n"
      "  - {from: a, to: b, connector: all_to_all, weight: 2 nA}\n"
      "  - {from: b, to: c, connector: all_to_all, weight: 2 nA}\n";
  const char *csv = tu_tmp("cores", ".csv");
  FILE *f = fopen(csv, "w");
  fprintf(f, "3\n3\n0\n5\n5\n3\n");
  fclose(f);
  char maps[2][256];
  snprintf(maps[0], sizeof maps[0], "mapping: {cores: {b: [3, 3, 0, 5, 5, 3]}}\n");
  snprintf(maps[1], sizeof maps[1], "mapping: {cores: {b: {file: %s}}}\n", csv);
  char text[1024], got[512];
  run_summary s;
  nmsim_err err = {0};
  snprintf(text, sizeof text, "%s", net);
  cr_assert_eq(run_text(text, &s, &err), NMSIM_OK, "%s", err.msg);
  uint64_t spikes = s.spikes;
  run_summary_clear(&s);
  for (int m = 0; m < 2; m++) {
    snprintf(text, sizeof text, "%s%s", net, maps[m]);
    cr_assert_eq(run_text(text, &s, &err), NMSIM_OK, "%s", err.msg);
    map_text(&s, got, sizeof got);
    /* a (20) fills cores 1 and 2 (0 and 3 are b's), c follows on 2 */
    const char *want = "b[2..2]@0 a[0..15]@1 a[16..19]@2 c[0..5]@2 b[0..1]@3 b[5..5]@3 "
                       "b[3..4]@5";
    cr_assert(!strcmp(got, want), "map %d: %s, expected %s", m, got, want);
    cr_assert_eq(s.spikes, spikes, "map %d: %llu spikes, packed %llu", m,
                 (unsigned long long)s.spikes, (unsigned long long)spikes);
    run_summary_clear(&s);
  }
  remove(csv);
  static const struct {
    const char *mapping, *want;
  } bad[] = {
      {"mapping: {cores: {b: [0, 1]}}\n", "mapping.cores.b: expected one core per neuron (6), got 2"},
      {"mapping: {cores: {b: [0, 1, 2, 3, 4, 99]}}\n",
       "mapping.cores.b: neuron 5: core 99 does not exist"},
      {"mapping: {cores: {a: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1]}}\n",
       "mapping.cores.a: neuron 16: core 0 runs out of neurons"},
      {"mapping: {cores: {b: [0, 0, 0, 0, 0, 0]}, place: {c: {core: 0}}}\n",
       "mapping.place.c: core 0 holds neurons of mapping.cores"},
      {"mapping: {cores: {b: [0, 0, 0, 0, 0, 0]}, place: {b: {core: 2}}}\n",
       "'b' has its cores in mapping.cores already"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    snprintf(text, sizeof text, "%s%s", net, bad[i].mapping);
    nmsim_status rc = run_text(text, &s, &err);
    cr_assert_neq(rc, NMSIM_OK, "case %zu ran", i);
    cr_assert(strstr(err.msg, bad[i].want), "case %zu: '%s' lacks '%s'", i, err.msg, bad[i].want);
  }
}

/* round_robin spreads each population in contiguous chunks over every core:
 * 16 neurons on the 8 cores of the test chip use all 8 cores (dense: 1). */
Test(multichip, round_robin_spreads) {
  const char *fmt = "chip: test\nsteps: 2\nmapping: {strategy: %s}\npopulations:\n"
                    "  a: {size: 16, model: poisson, params: {rate: 0 Hz}}\n";
  char text[512];
  run_summary s;
  nmsim_err err = {0};
  snprintf(text, sizeof text, fmt, "round_robin");
  cr_assert_eq(run_text(text, &s, &err), NMSIM_OK, "%s", err.msg);
  cr_assert_eq(s.cores_used, 8, "round_robin: %u cores", s.cores_used);
  run_summary_clear(&s);
  snprintf(text, sizeof text, fmt, "dense");
  cr_assert_eq(run_text(text, &s, &err), NMSIM_OK, "%s", err.msg);
  cr_assert_eq(s.cores_used, 1, "dense: %u cores", s.cores_used);
  run_summary_clear(&s);
}

/* Utilisation per core against the chip's limits: 20 neurons on cores of 16
 * fill core 0 (100 %) and a quarter of core 1 (25 %): mean 62.5 %, max 100 %;
 * 4 one-to-one synapses of 2 bytes on core 1 use 8 of its 4096 bytes. */
Test(multichip, utilisation_per_core) {
  const char *text =
      "chip: test\nsteps: 1\npopulations:\n"
      "  a: {size: 16, model: poisson, params: {rate: 0 Hz}}\n"
      "  b: {size: 4, model: lif}\n"
      "projections:\n  - {from: a, to: b, connector: {fixed_probability: 0}, weight: 1}\n"
      "  - {from: b, to: b, connector: one_to_one, weight: 1, allow_self: true}\n";
  run_summary s;
  nmsim_err err = {0};
  cr_assert_eq(run_text(text, &s, &err), NMSIM_OK, "%s", err.msg);
  cr_assert_float_eq(s.util_neurons_max, 1.0, 1e-12, "max %g", s.util_neurons_max);
  cr_assert_float_eq(s.util_neurons_mean, 0.625, 1e-12, "mean %g", s.util_neurons_mean);
  cr_assert_float_eq(s.util_synmem_max, 8.0 / 4096.0, 1e-12, "synapse memory %g",
                     s.util_synmem_max);
  cr_assert_float_eq(s.util_fanin_max, 4.0 / 256.0, 1e-12, "fan-in %g", s.util_fanin_max);
  run_summary_clear(&s);
}

/* Credits over a chip link come back after the link's latency: 16 packets
 * leave together for a neuron on the next chip, through a chip link whose
 * downstream buffer holds 8 (the loihi preset), so the 9th crosses only when
 * the 1st one's credit has come back: the last packet is at least two
 * chip-link latencies (there and back, 2 x 100 ns) later than the first. */
Test(multichip, chip_link_credit_round_trip) {
  char text[1024];
  snprintf(text, sizeof text,
           "chip: loihi\nchips: [2, 1]\nsteps: 1\n"
           "populations:\n"
           "  src: {size: 16, model: spike_array, spikes: %s}\n"
           "  dst: {size: 1, model: lif}\n"
           "mapping: {place: {dst: {chip: 1}}}\n"
           "projections:\n  - {from: src, to: dst, connector: all_to_all, weight: 0.001}\n",
           "[[0], [0], [0], [0], [0], [0], [0], [0], [0], [0], [0], [0], [0], [0], [0], [0]]");
  nmsim_scenario *scn = NULL;
  nmsim_chip *chip = NULL;
  sys *s = NULL;
  nmsim_err err = {0};
  cr_assert_eq(nmsim_scenario_load_string("mc.yaml", text, NULL, 0, &scn, &err), NMSIM_OK, "%s",
               err.msg);
  cr_assert_eq(nmsim_chip_load(scn->chip, NULL, &chip, &err), NMSIM_OK, "%s", err.msg);
  cr_assert_eq(chip->buffer_depth, 8);
  cr_assert_eq(sys_build(scn, chip, &s, &err), NMSIM_OK, "%s", err.msg);
  cr_assert_eq(sys_run(s, &err), NMSIM_OK, "%s", err.msg);
  uint32_t b = 0;
  while (b < SYS_LAT_BINS && !s->lat_hist[b]) b++;
  nmsim_ps first = (nmsim_ps)b * SYS_LAT_BIN_PS, spread = s->lat_max - first;
  nmsim_ps want = 2 * chip->chip_link.time_ps;
  cr_assert_geq(spread, want, "last packet %llu ps after the first, expected at least %llu",
                (unsigned long long)spread, (unsigned long long)want);
  sys_destroy(s);
  nmsim_chip_destroy(chip);
  nmsim_scenario_destroy(scn);
}
