/* test_loihi_table2.c: the published Loihi figures come out of micro-scenarios
 * on the `loihi` preset exactly (Davies et al., IEEE Micro 38(1), 2018,
 * Table 2): energy and latency of one spike within a tile and across one tile
 * hop east-west and north-south; and the barrier time for 1 and 32 tiles
 * (the calibrated sync table that replaced Table 2's). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/system/run_int.h"

/* Run: a spike array of 1024 neurons (fills core 0 of tile (0,0)) whose
 * neuron 0 fires at step 0, `pad` silent Poisson neurons, then one LIF target
 * that neuron 0 connects to. */
static void run_one_spike(unsigned pad, run_summary *sum) {
  size_t cap = 1024 * 8 + 4096;
  char *text = malloc(cap);
  int n = snprintf(text, cap,
                   "name: table2\nseed: 1\nchip: loihi\nsteps: 1\n"
                   "populations:\n  src: {size: 1024, model: spike_array, spikes: [[0]");
  for (int i = 1; i < 1024; i++) n += snprintf(text + n, cap - n, ", []");
  n += snprintf(text + n, cap - n, "]}\n");
  if (pad)
    n += snprintf(text + n, cap - n, "  pad: {size: %u, model: poisson, params: {rate: 0 Hz}}\n",
                  pad);
  snprintf(text + n, cap - n,
           "  dst: {size: 1, model: lif}\n"
           "projections:\n"
           "  - {from: src, to: dst, connector: all_to_all, weight: 0.1}\n");
  nmsim_scenario *scn = NULL;
  nmsim_err err = {0};
  cr_assert_eq(nmsim_scenario_load_string("table2.yaml", text, NULL, 0, &scn, &err), NMSIM_OK,
               "%s", err.msg);
  run_opts o = {0};
  cr_assert_eq(run_scenario(scn, &o, sum, &err), NMSIM_OK, "%s", err.msg);
  nmsim_scenario_destroy(scn);
  free(text);
}

/* Within-tile spike energy 1.7 pJ, latency 2.1 ns (target on core 1, same tile). */
Test(loihi_table2, within_tile_spike) {
  run_summary s;
  run_one_spike(0, &s);
  cr_assert_eq(s.packets, 1);
  cr_assert_float_eq(s.energy_pj[NM_E_WITHIN_TILE], 1.7, 1e-12, "energy %.6g pJ, expected 1.7",
                     s.energy_pj[NM_E_WITHIN_TILE]);
  cr_assert_float_eq(s.packet_mean_ps, 2100.0, 1e-9, "latency %g ps, expected 2100",
                     s.packet_mean_ps);
  run_summary_clear(&s);
}

/* One tile hop east-west: 3.0 pJ, 4.1 ns (target on core 4, tile (1,0)). */
Test(loihi_table2, one_hop_east_west) {
  run_summary s;
  run_one_spike(3 * 1024, &s);
  cr_assert_eq(s.hops, 1, "hops %llu", (unsigned long long)s.hops);
  cr_assert_float_eq(s.energy_pj[NM_E_LINK_HOP], 3.0, 1e-12, "energy %.6g pJ, expected 3.0",
                     s.energy_pj[NM_E_LINK_HOP]);
  cr_assert_float_eq(s.packet_mean_ps, 4100.0, 1e-9, "latency %g ps, expected 4100",
                     s.packet_mean_ps);
  run_summary_clear(&s);
}

/* One tile hop north-south: 4.0 pJ, 6.5 ns (target on core 32, tile (0,1)
 * of the 8 x 4 mesh). */
Test(loihi_table2, one_hop_north_south) {
  run_summary s;
  run_one_spike(31 * 1024, &s);
  cr_assert_eq(s.hops, 1, "hops %llu", (unsigned long long)s.hops);
  cr_assert_float_eq(s.energy_pj[NM_E_LINK_HOP], 4.0, 1e-12, "energy %.6g pJ, expected 4.0",
                     s.energy_pj[NM_E_LINK_HOP]);
  cr_assert_float_eq(s.packet_mean_ps, 6500.0, 1e-9, "latency %g ps, expected 6500",
                     s.packet_mean_ps);
  run_summary_clear(&s);
}

/* Barrier: a step with no work lasts exactly the barrier time. The preset's
 * barrier is the silicon-calibrated sync table of SANA-FE (docs/validation.md)
 * rather than Table 2's pre-silicon 113-465 ns: 0.6 us on one tile, and
 * across 32 tiles 1.848 us (extrapolated from 1.4 us at 4 and 1.8 us at 29). */
static nmsim_ps idle_step(unsigned neurons) {
  char text[512];
  snprintf(text, sizeof text,
           "name: barrier\nchip: loihi\nsteps: 1\n"
           "populations:\n  idle: {size: %u, model: poisson, params: {rate: 0 Hz}}\n",
           neurons);
  nmsim_scenario *scn = NULL;
  nmsim_err err = {0};
  cr_assert_eq(nmsim_scenario_load_string("barrier.yaml", text, NULL, 0, &scn, &err), NMSIM_OK,
               "%s", err.msg);
  run_summary s;
  run_opts o = {0};
  cr_assert_eq(run_scenario(scn, &o, &s, &err), NMSIM_OK, "%s", err.msg);
  nmsim_ps t = s.step_max_ps;
  cr_assert_eq(s.tiles_used, neurons > 4096 ? 32u : 1u, "tiles used %u", s.tiles_used);
  run_summary_clear(&s);
  nmsim_scenario_destroy(scn);
  return t;
}

Test(loihi_table2, barrier_1_and_32_tiles) {
  nmsim_ps one = idle_step(10);
  cr_assert_eq(one, 600000, "1 tile: %llu ps, expected 600000", (unsigned long long)one);
  nmsim_ps all = idle_step(31 * 4096 + 1);
  cr_assert_eq(all, 1848000, "32 tiles: %llu ps, expected 1848000", (unsigned long long)all);
}
