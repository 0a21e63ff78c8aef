/* test_noc.c: the network-on-chip under uniform random traffic against
 * interconnection-network theory (Dally & Towles, Principles and Practices of
 * Interconnection Networks, 2004): at low load the mean latency is the
 * zero-load latency T0 = H * t_hop (H the mean hop count of dimension-order
 * routing, 2(k^2-1)/(3k) over all pairs of a k x k mesh, scaled by N/(N-1) for
 * distinct pairs), and latency rises steeply as the offered load approaches
 * the bisection bound of 4/k packets per node per cycle (sec. 3.3). Also:
 * finite buffers exert backpressure. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>

#include "noc/traffic.h"
#include "sim/system/run_int.h"
#include "tests_util.h"

/* A k x k mesh of 1 ns hops; depth 0: unlimited buffers; credit: the credit
 * latency (NULL: the default). */
static nmsim_chip *mesh_chip_credit(unsigned k, unsigned depth, const char *credit) {
  char text[1400], depth_s[80] = "";
  if (depth)
    snprintf(depth_s, sizeof depth_s, ", buffer_depth: %u%s%s", depth,
             credit ? ", credit_latency: " : "", credit ? credit : "");
  snprintf(text, sizeof text,
           "name: mesh\ncore_kind: loihi\nmesh: {width: %u, height: %u, cores_per_tile: 1}\n"
           "limits: {neurons_per_core: 1, synapse_memory: 1 KiB, synapse_bytes: 1, fan_in: 1, "
           "fan_out: 1}\n"
           "costs: {synaptic_op: {energy: 0 pJ, time: 0 ns}, synaptic_update: {energy: 0 pJ, "
           "time: 0 ns}, neuron_update: {energy: 0 pJ, time: 0 ns}, neuron_idle: {energy: 0 pJ, "
           "time: 0 ns}, spike_out: {energy: 0 pJ, time: 0 ns}}\n"
           "noc: {topology: mesh, routing: xy, within_tile: {energy: 0 pJ, time: 0 ns}, hop_ew: "
           "{energy: 1 pJ, time: 1 ns}, hop_ns: {energy: 1 pJ, time: 1 ns}, link_serialization: "
           "1 ns%s}\n"
           "barrier: {times: [{tiles: 1, time: 1 ns}], energy_per_tile: 0 pJ}\n"
           "static_power: 0 mW\n",
           k, k, depth_s);
  const char *path = tu_tmp("mesh", ".yaml");
  cr_assert_eq(tu_write(path, text), 0);
  nmsim_chip *c = NULL;
  nmsim_err err = {0};
  cr_assert_eq(nmsim_chip_load(path, NULL, &c, &err), NMSIM_OK, "%s", err.msg);
  remove(path);
  return c;
}

static nmsim_chip *mesh_chip(unsigned k, unsigned depth) { return mesh_chip_credit(k, depth, NULL); }

static noc_traffic_result run(nmsim_chip *c, double rate, unsigned cycles) {
  noc_traffic_opts o = {.rate = rate, .warmup = cycles / 4, .measure = cycles, .seed = 7};
  noc_traffic_result r;
  nmsim_err err = {0};
  cr_assert_eq(noc_traffic_run(c, &o, &r, &err), NMSIM_OK, "%s", err.msg);
  return r;
}

/* At 5 % of the bisection bound the mean latency equals the zero-load latency
 * within 5 %, and the mean hop count equals the analytical one within 2 %. */
Test(noc, zero_load_latency_matches_theory, .timeout = 120) {
  const unsigned k = 8;
  nmsim_chip *c = mesh_chip(k, 4);
  double n = k * k, hops = 2.0 * (k * k - 1.0) / (3.0 * k) * n / (n - 1);
  double bound = 4.0 / k * (n - 1) / n;
  noc_traffic_result r = run(c, 0.05 * bound, 6000);
  cr_assert_gt(r.measured, 1000, "measured %llu packets", (unsigned long long)r.measured);
  cr_assert(fabs(r.mean_hops - hops) / hops < 0.02, "mean hops %.4f, theory %.4f", r.mean_hops,
            hops);
  double t0 = hops * 1000.0; /* ps */
  cr_assert(fabs(r.mean_latency_ps - t0) / t0 < 0.05, "latency %.1f ps, zero-load %.1f ps",
            r.mean_latency_ps, t0);
  nmsim_chip_destroy(c);
}

/* Latency stays near T0 at half the bound and rises steeply at the bound:
 * L(0.5) < 2 T0 and L(1.0) > 5 T0, with accepted traffic saturating below the
 * offered load. */
Test(noc, latency_rises_near_saturation, .timeout = 120) {
  const unsigned k = 8;
  nmsim_chip *c = mesh_chip(k, 4);
  double n = k * k, t0 = 2.0 * (k * k - 1.0) / (3.0 * k) * n / (n - 1) * 1000.0;
  double bound = 4.0 / k * (n - 1) / n;
  noc_traffic_result half = run(c, 0.5 * bound, 3000);
  noc_traffic_result full = run(c, 1.0 * bound, 3000);
  cr_assert_lt(half.mean_latency_ps, 2 * t0, "L(0.5 bound) = %.1f ps, T0 = %.1f ps",
               half.mean_latency_ps, t0);
  cr_assert_gt(full.mean_latency_ps, 5 * t0, "L(bound) = %.1f ps, T0 = %.1f ps",
               full.mean_latency_ps, t0);
  cr_assert_lt(full.accepted, 0.95 * bound, "accepted %.4f at offered %.4f", full.accepted,
               bound);
  nmsim_chip_destroy(c);
}

/* Finite buffers exert backpressure: past saturation, deeper buffers hold
 * more packets in the network, so the source-to-destination latency of the
 * packets that do get through is higher with depth 16 than with depth 1,
 * while unlimited buffers (no depth) accept at least as much as depth 1. */
Test(noc, buffer_depth_matters, .timeout = 120) {
  nmsim_chip *shallow = mesh_chip(4, 1), *deep = mesh_chip(4, 16), *inf = mesh_chip(4, 0);
  double rate = 0.9;
  noc_traffic_result a = run(shallow, rate, 2000), b = run(deep, rate, 2000),
                     u = run(inf, rate, 2000);
  cr_assert_neq(a.mean_latency_ps, b.mean_latency_ps, "depth changes the outcome");
  cr_assert_geq(u.accepted + 1e-9, a.accepted, "unlimited %.4f vs depth 1 %.4f", u.accepted,
                a.accepted);
  nmsim_chip_destroy(shallow);
  nmsim_chip_destroy(deep);
  nmsim_chip_destroy(inf);
}

/* Sending ahead (noc/mesh.c: a port sends a queued packet, dated at its
 * departure, as soon as that time is certain) changes no delivery: under
 * random traffic from light to saturating load, with one- to eight-packet
 * buffers and credit latencies from none to several hops, every packet
 * arrives at the same time, in the same order, as when each departure waits
 * for an event of its own (hop_by_hop); and under load the engine handles
 * fewer events. */
Test(noc, sending_ahead_changes_no_delivery, .timeout = 120) {
  const unsigned depths[] = {1, 2, 8};
  const char *credits[] = {"0 ns", "0.5 ns", "3 ns"};
  const double rates[] = {0.2, 0.6, 1.0}; /* of the bisection bound 4 / k */
  for (size_t d = 0; d < NM_ARRAY_LEN(depths); d++)
    for (size_t c = 0; c < NM_ARRAY_LEN(credits); c++) {
      nmsim_chip *chip = mesh_chip_credit(4, depths[d], credits[c]);
      for (size_t r = 0; r < NM_ARRAY_LEN(rates); r++) {
        noc_traffic_opts o = {.rate = rates[r], .warmup = 100, .measure = 600, .seed = 11};
        noc_traffic_result a, h;
        nmsim_err err = {0};
        cr_assert_eq(noc_traffic_run(chip, &o, &a, &err), NMSIM_OK, "%s", err.msg);
        o.hop_by_hop = true;
        cr_assert_eq(noc_traffic_run(chip, &o, &h, &err), NMSIM_OK, "%s", err.msg);
        cr_assert_gt(h.delivered, 1000, "depth %u, credit %s, rate %.1f: %llu packets", depths[d],
                     credits[c], rates[r], (unsigned long long)h.delivered);
        cr_assert_eq(a.delivered, h.delivered, "depth %u, credit %s, rate %.1f", depths[d],
                     credits[c], rates[r]);
        cr_assert_eq(a.digest, h.digest, "depth %u, credit %s, rate %.1f: deliveries differ",
                     depths[d], credits[c], rates[r]);
        cr_assert_eq(a.mean_latency_ps, h.mean_latency_ps);
        cr_assert_leq(a.events, h.events);
        if (rates[r] == 1.0)
          cr_assert_lt(a.events, h.events, "depth %u, credit %s: %llu events ahead, %llu not",
                       depths[d], credits[c], (unsigned long long)a.events,
                       (unsigned long long)h.events);
      }
      nmsim_chip_destroy(chip);
    }
}

/* Credits take the chip's credit latency back to the upstream router. Sixteen
 * packets leave tile 0 at once for tile 2 of a 3 x 1 line with one-packet
 * buffers, 1 ns hops and 1 ns serialization: packet k leaves tile 0 when the
 * credit for packet k - 1 is back, so the packets follow each other every
 * P = max(serialization, hop + credit latency) and packet k arrives at
 * k P + 2 hops: a mean latency of 7.5 P + 2 ns. */
static double line_mean_latency_ps(const char *credit) {
  char text[1400];
  snprintf(text, sizeof text,
           "name: line\ncore_kind: loihi\nmesh: {width: 3, height: 1, cores_per_tile: 1}\n"
           "limits: {neurons_per_core: 16, synapse_memory: 1 KiB, synapse_bytes: 1, fan_in: 64, "
           "fan_out: 64}\n"
           "costs: {synaptic_op: {energy: 0 pJ, time: 0 ns}, synaptic_update: {energy: 0 pJ, "
           "time: 0 ns}, neuron_update: {energy: 0 pJ, time: 0 ns}, neuron_idle: {energy: 0 pJ, "
           "time: 0 ns}, spike_out: {energy: 0 pJ, time: 0 ns}}\n"
           "noc: {topology: mesh, routing: xy, within_tile: {energy: 0 pJ, time: 0 ns}, hop_ew: "
           "{energy: 1 pJ, time: 1 ns}, hop_ns: {energy: 1 pJ, time: 1 ns}, link_serialization: "
           "1 ns, buffer_depth: 1, credit_latency: %s}\n"
           "barrier: {times: [{tiles: 1, time: 1 ns}], energy_per_tile: 0 pJ}\n"
           "static_power: 0 mW\n",
           credit);
  const char *path = tu_tmp("line", ".yaml");
  cr_assert_eq(tu_write(path, text), 0);
  char scn_text[1400];
  int n = snprintf(scn_text, sizeof scn_text,
                   "name: credits\nchip: %s\nsteps: 1\npopulations:\n"
                   "  src: {size: 16, model: spike_array, spikes: [",
                   path);
  for (int i = 0; i < 16; i++) n += snprintf(scn_text + n, sizeof scn_text - n, "%s[0]", i ? ", " : "");
  snprintf(scn_text + n, sizeof scn_text - n,
           "]}\n  dst: {size: 16, model: lif}\n"
           "projections:\n  - {from: src, to: dst, connector: one_to_one, weight: 0.1}\n"
           "mapping: {place: {src: {core: 0}, dst: {core: 2}}}\n");
  nmsim_scenario *scn = NULL;
  nmsim_err err = {0};
  cr_assert_eq(nmsim_scenario_load_string("credits.yaml", scn_text, NULL, 0, &scn, &err),
               NMSIM_OK, "%s", err.msg);
  run_opts o = {0};
  run_summary sum;
  cr_assert_eq(run_scenario(scn, &o, &sum, &err), NMSIM_OK, "%s", err.msg);
  cr_assert_eq(sum.packets, 16);
  cr_assert_eq(sum.hops, 32);
  double mean = sum.packet_mean_ps;
  run_summary_clear(&sum);
  nmsim_scenario_destroy(scn);
  remove(path);
  return mean;
}

Test(noc, credit_latency_paces_a_stream) {
  cr_assert_float_eq(line_mean_latency_ps("0 ns"), 7.5 * 1000 + 2000, 1e-6);
  cr_assert_float_eq(line_mean_latency_ps("2 ns"), 7.5 * 3000 + 2000, 1e-6);
  cr_assert_float_eq(line_mean_latency_ps("0.25 ns"), 7.5 * 1250 + 2000, 1e-6);
}
