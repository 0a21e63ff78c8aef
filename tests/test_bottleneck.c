/* test_bottleneck.c: where the time goes. Micro-scenarios on the test chip
 * (scenarios/chips/test.yaml: 16 neurons a core, 2 cores a tile; neuron
 * update 2 ns active, 1 ns idle; synaptic op 1 ns) whose critical core is
 * known; and, on every bundled scenario, the per-core busy times and
 * critical steps of the run file add up to the per-population and per-step
 * figures, and the mapping covers every neuron once. */
#include <criterion/criterion.h>
#include <glob.h>
#include <math.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_run.h"
#include "sim/out/h5out.h"
#include "sim/system/run_int.h"
#include "tests_util.h"

static void run_text(const char *text, run_summary *sum) {
  nmsim_scenario *s = NULL;
  nmsim_err err = {0};
  memset(sum, 0, sizeof *sum);
  cr_assert_eq(nmsim_scenario_load_string("b.yaml", text, NULL, 0, &s, &err), NMSIM_OK, "%s",
               err.msg);
  run_opts o = {.h5_path = NULL};
  cr_assert_eq(run_scenario(s, &o, sum, &err), NMSIM_OK, "%s", err.msg);
  nmsim_scenario_destroy(s);
}

Test(bottleneck, an_overloaded_core_is_critical_in_every_step) {
  /* 16 idle neurons on core 0 (16 ns of updates a step) against 1 on core 4
   * (1 ns): core 0 finishes last in every step, on its own updates, and the
   * compute part of every step is its 16 ns */
  run_summary s;
  run_text("name: over\nchip: test\nsteps: 20\n"
           "populations:\n"
           "  big: {size: 16, model: lif}\n"
           "  small: {size: 1, model: lif}\n"
           "mapping:\n  place: {big: {core: 0}, small: {core: 4}}\n",
           &s);
  cr_assert_eq(s.crit_steps, 20u);
  cr_assert(s.n_top_cores >= 1 && s.top_cores[0].core == 0, "top core %u",
            s.n_top_cores ? s.top_cores[0].core : 9999);
  cr_assert_eq(s.top_cores[0].crit_steps, 20u, "critical in %llu of 20 steps",
               (unsigned long long)s.top_cores[0].crit_steps);
  cr_assert_eq(s.top_cores[0].crit_comm_steps, 0u);
  cr_assert_eq(s.split_ps[RUN_SPLIT_COMPUTE], 20u * 16000u, "compute %llu ps",
               (unsigned long long)s.split_ps[RUN_SPLIT_COMPUTE]);
  cr_assert_eq(s.split_ps[RUN_SPLIT_COMM], 0u);
  cr_assert_eq(s.top_cores[0].busy_ps[0], 20u * 16000u);
  /* the parts make the steps: compute + communication + learning + sync =
   * the sum of the step latencies */
  nmsim_ps sum = 0;
  for (int k = 0; k < 4; k++) sum += s.split_ps[k];
  cr_assert_eq(sum, (nmsim_ps)(s.step_mean_ps * 20 + 0.5), "parts %llu ps, steps %.17g ps",
               (unsigned long long)sum, s.step_mean_ps * 20);
  run_summary_clear(&s);
}

Test(bottleneck, spikes_in_flight_make_the_receiver_critical) {
  /* a source on core 0 spikes in every step into 16 synapses of 1 neuron on
   * core 6 (another tile): that core's own update takes 1-2 ns, its 16
   * synaptic events (16 ns) come after, so it finishes last, on spikes, in
   * every step after the first spikes arrive (spikes from step 0 on) */
  run_summary s;
  run_text("name: comm\nchip: test\nsteps: 10\n"
           "populations:\n"
           "  src: {size: 16, model: spike_array,\n"
           "        spikes: [[0,1,2,3,4,5,6,7,8,9], [0,1,2,3,4,5,6,7,8,9],\n"
           "                 [0,1,2,3,4,5,6,7,8,9], [0,1,2,3,4,5,6,7,8,9],\n"
           "                 [0,1,2,3,4,5,6,7,8,9], [0,1,2,3,4,5,6,7,8,9],\n"
           "                 [0,1,2,3,4,5,6,7,8,9], [0,1,2,3,4,5,6,7,8,9],\n"
           "                 [0,1,2,3,4,5,6,7,8,9], [0,1,2,3,4,5,6,7,8,9],\n"
           "                 [0,1,2,3,4,5,6,7,8,9], [0,1,2,3,4,5,6,7,8,9],\n"
           "                 [0,1,2,3,4,5,6,7,8,9], [0,1,2,3,4,5,6,7,8,9],\n"
           "                 [0,1,2,3,4,5,6,7,8,9], [0,1,2,3,4,5,6,7,8,9]]}\n"
           "  dst: {size: 1, model: lif}\n"
           "projections:\n  - {from: src, to: dst, connector: all_to_all, weight: 0.001}\n"
           "mapping:\n  place: {src: {core: 0}, dst: {core: 6}}\n",
           &s);
  cr_assert(s.n_top_cores >= 1 && s.top_cores[0].core == 6, "top core %u",
            s.n_top_cores ? s.top_cores[0].core : 9999);
  cr_assert_eq(s.top_cores[0].crit_steps, 10u);
  cr_assert_eq(s.top_cores[0].crit_comm_steps, 10u, "on spikes in %llu of 10 steps",
               (unsigned long long)s.top_cores[0].crit_comm_steps);
  cr_assert(s.split_ps[RUN_SPLIT_COMM] > 0);
  /* its synaptic work: 10 steps x 16 events x 1 ns */
  cr_assert_eq(s.top_cores[0].busy_ps[1], 160000u, "synapses %llu ps",
               (unsigned long long)s.top_cores[0].busy_ps[1]);
  run_summary_clear(&s);
}

/* Sum of a dataset's column col (of width w) of file h5. */
static double col_sum(const char *h5, const char *name, size_t w, size_t col, bool u64) {
  size_t n;
  void *v = sr_read(h5, name, u64 ? H5T_NATIVE_UINT64 : H5T_NATIVE_DOUBLE, &n);
  double sum = 0;
  for (size_t i = col; i < n; i += w)
    sum += u64 ? (double)((uint64_t *)v)[i] : ((double *)v)[i];
  free(v);
  return sum;
}

Test(bottleneck, tables_add_up_on_every_bundled_scenario) {
  /* Invariant: for every scenario in scenarios/ (timed, 20 steps): the
   * cores' busy time by kind (/cores/busy_ns) adds up to the populations'
   * core time (/summary/populations busy_ps); the cores' critical steps add
   * up to the steps with a critical core; and the mapping places every
   * neuron of every population once. */
  glob_t g;
  cr_assert_eq(glob(NMSIM_SOURCE_DIR "/scenarios/*.yaml", 0, NULL, &g), 0, "no scenarios");
  size_t checked = 0;
  for (size_t i = 0; i < g.gl_pathc; i++) {
    const char *scn = g.gl_pathv[i];
    char h5[512], cmd[2048], *err = NULL;
    snprintf(h5, sizeof h5, "%s", tu_tmp("bottleneck", ".h5"));
    snprintf(cmd, sizeof cmd, "%s run %s -o %s --set steps=20 --set engine.mode=timed --quiet",
             NMSIM_BINARY, scn, h5);
    int rc = tu_run(cmd, NULL, &err);
    if (rc == 2) { /* a scenario that refuses 20 steps (its input lies beyond) */
      cr_log_info("%s: %s", scn, err);
      free(err);
      continue;
    }
    cr_assert_eq(rc, 0, "%s: exit %d, %s", scn, rc, err);
    free(err);
    run_summary s = {0};
    nmsim_err e = {0};
    cr_assert_eq(h5o_read_summary_here(h5, &s, &e), NMSIM_OK, "%s", e.msg);
    double busy = 0, pops = 0;
    for (size_t k = 0; k < 3; k++) busy += col_sum(h5, "/cores/busy_ns", 3, k, false);
    for (size_t p = 0; p < s.n_pops; p++) pops += (double)s.pops[p].busy_ps / 1e3;
    cr_assert(busy > 0 && busy - pops <= 1e-9 * pops && pops - busy <= 1e-9 * pops,
              "%s: cores busy %.17g ns, populations %.17g ns", scn, busy, pops);
    double crit = col_sum(h5, "/cores/critical_steps", 2, 0, true);
    cr_assert_eq((uint64_t)crit, s.crit_steps, "%s: %g critical steps over cores, %llu steps",
                 scn, crit, (unsigned long long)s.crit_steps);
    cr_assert_eq(s.crit_steps, s.steps, "%s: %llu steps with a critical core of %llu", scn,
                 (unsigned long long)s.crit_steps, (unsigned long long)s.steps);
    /* per step: the parts make the step's latency, and the critical cores
     * counted step by step are the cores' critical steps */
    size_t nl, ns, nc, ncrit;
    double *lat = sr_read(h5, "/steps/latency_ns", H5T_NATIVE_DOUBLE, &nl);
    double *split = sr_read(h5, "/steps/split_ns", H5T_NATIVE_DOUBLE, &ns);
    uint64_t *cc = sr_read(h5, "/steps/critical_core", H5T_NATIVE_UINT64, &nc);
    uint64_t *cst = sr_read(h5, "/cores/critical_steps", H5T_NATIVE_UINT64, &ncrit);
    cr_assert(ns == 4 * nl && nc == nl, "%s: %zu steps, %zu parts, %zu critical cores", scn, nl,
              ns, nc);
    for (size_t k = 0; k < nl; k++) {
      double parts = split[4 * k] + split[4 * k + 1] + split[4 * k + 2] + split[4 * k + 3];
      cr_assert(parts - lat[k] <= 1e-9 * lat[k] && lat[k] - parts <= 1e-9 * lat[k],
                "%s step %zu: parts %.17g ns, latency %.17g ns", scn, k, parts, lat[k]);
      cr_assert(cc[k] < ncrit / 2 && cst[2 * cc[k]] > 0, "%s step %zu: critical core %llu",
                scn, k, (unsigned long long)cc[k]);
    }
    for (size_t c = 0; c < ncrit / 2; c++) {
      uint64_t n = 0;
      for (size_t k = 0; k < nl; k++) n += cc[k] == c;
      cr_assert_eq(n, cst[2 * c], "%s core %zu: %llu steps in /steps, %llu in /cores", scn, c,
                   (unsigned long long)n, (unsigned long long)cst[2 * c]);
    }
    free(lat);
    free(split);
    free(cc);
    free(cst);
    /* the link tables per window add up to the link totals */
    size_t nlk, nwp;
    uint64_t *pk = sr_read(h5, "/links/packets", H5T_NATIVE_UINT64, &nlk);
    uint64_t *wp = sr_read(h5, "/links/window/packets", H5T_NATIVE_UINT64, &nwp);
    double *st = sr_read(h5, "/links/stall_ns", H5T_NATIVE_DOUBLE, &nlk);
    double *ws = sr_read(h5, "/links/window/stall_ns", H5T_NATIVE_DOUBLE, &nwp);
    cr_assert(nlk && nwp % nlk == 0, "%s: %zu links, %zu window entries", scn, nlk, nwp);
    for (size_t l = 0; l < nlk; l++) {
      uint64_t sp = 0;
      double ss = 0;
      for (size_t k = 0; k < nwp / nlk; k++) sp += wp[k * nlk + l], ss += ws[k * nlk + l];
      cr_assert_eq(sp, pk[l], "%s link %zu: %llu packets in windows, %llu in all", scn, l,
                   (unsigned long long)sp, (unsigned long long)pk[l]);
      cr_assert(ss - st[l] <= 1e-9 * st[l] + 1e-9 && st[l] - ss <= 1e-9 * st[l] + 1e-9,
                "%s link %zu: stall %.17g ns in windows, %.17g in all", scn, l, ss, st[l]);
    }
    free(pk);
    free(wp);
    free(st);
    free(ws);
    for (size_t p = 0; p < s.n_pops; p++) {
      uint64_t placed = 0, next = 0;
      for (size_t m = 0; m < s.n_map; m++)
        if (!strcmp(s.map[m].pop, s.pops[p].name)) {
          cr_assert_eq(s.map[m].first, next, "%s: %s placed out of order", scn, s.pops[p].name);
          next = s.map[m].first + s.map[m].n;
          placed += s.map[m].n;
        }
      cr_assert_eq(placed, s.pops[p].size, "%s: %s has %llu of %u neurons placed", scn,
                   s.pops[p].name, (unsigned long long)placed, s.pops[p].size);
    }
    run_summary_clear(&s);
    remove(h5);
    checked++;
  }
  globfree(&g);
  cr_assert(checked >= 5, "only %zu scenarios checked", checked);
}

Test(bottleneck, a_saturated_link_stalls_as_computed_by_hand) {
  /* The test chip with one-packet buffers and credits that take 100 ns to
   * come back. 16 source neurons on core 0 (tile 0) each send one packet, 1
   * ns apart (spike_out 1 ns), to core 2 (tile 1), over link tile0/east
   * (hop 10 ns, serialization 1 ns). Packet 1 leaves at once; its buffer
   * slot at tile 1 frees when it arrives there (it goes straight to its
   * core), 10 ns later, and the credit is back 100 ns after that. So packet
   * k leaves 110 ns after packet k - 1, though the link is free 1 ns after
   * it: each of packets 2..16 waits 109 ns with the link free, 15 x 109 =
   * 1635 ns of stall in all, in the run's one window. */
  size_t n = 0;
  char *chip = tu_read(NMSIM_SOURCE_DIR "/scenarios/chips/test.yaml", &n);
  cr_assert(chip != NULL);
  const char *at = "  link_serialization: 1 ns";
  char *p = strstr(chip, at);
  cr_assert(p != NULL, "the test chip has no '%s' line", at);
  p = strchr(p, '\n');
  char text[8192];
  snprintf(text, sizeof text, "%.*s\n  buffer_depth: 1      # invented\n"
                              "  credit_latency: 100 ns   # invented%s",
           (int)(p - chip), chip, p);
  free(chip);
  const char *path = tu_tmp("credits-chip", ".yaml");
  cr_assert_eq(tu_write(path, text), 0);
  char scn[4096];
  snprintf(scn, sizeof scn,
           "name: stall\nchip: %s\nsteps: 1\n"
           "populations:\n"
           "  src: {size: 16, model: spike_array, spikes: [[0],[0],[0],[0],[0],[0],[0],[0],\n"
           "                                               [0],[0],[0],[0],[0],[0],[0],[0]]}\n"
           "  dst: {size: 1, model: lif}\n"
           "projections:\n  - {from: src, to: dst, connector: all_to_all, weight: 0.001}\n"
           "mapping:\n  place: {src: {core: 0}, dst: {core: 2}}\n"
           "record: {links: {window: 1}}\n",
           path);
  run_summary s;
  run_text(scn, &s);
  cr_assert(s.n_top_links >= 1, "no link in the summary");
  cr_assert_str_eq(s.top_links[0].name, "tile0/east");
  cr_assert_eq(s.top_links[0].packets, 16u);
  cr_assert_eq(s.top_links[0].stall_ps, 15u * 109000u, "stall %llu ps",
               (unsigned long long)s.top_links[0].stall_ps);
  cr_assert_eq(s.top_links[0].peak_stall_ps, 15u * 109000u);
  cr_assert_eq(s.stall_ps, 15u * 109000u, "all links' stall %llu ps",
               (unsigned long long)s.stall_ps);
  cr_assert_eq(s.link_window, 1u);
  cr_assert_eq(s.n_windows, 1u);
  run_summary_clear(&s);
}

Test(bottleneck, timeline_rows_agree_with_the_steps) {
  /* record.timeline on scenarios/quickstart.yaml (steps 5 to 24): every
   * core's updates end after they start and its work ends after its updates;
   * in each step the critical core's work ends last of all (barrier chip);
   * and its packets over the steps are packets the run delivered. */
  char h5[512], cmd[2048], *err = NULL;
  snprintf(h5, sizeof h5, "%s", tu_tmp("timeline", ".h5"));
  snprintf(cmd, sizeof cmd,
           "%s run %s/scenarios/quickstart.yaml -o %s --set steps=30 "
           "--set 'record.timeline={steps: [5, 25]}' --quiet",
           NMSIM_BINARY, NMSIM_SOURCE_DIR, h5);
  int rc = tu_run(cmd, NULL, &err);
  cr_assert_eq(rc, 0, "exit %d: %s", rc, err);
  free(err);
  size_t n0, n1, n2, nc, ncr, np;
  double *a = sr_read(h5, "/timeline/updates_start_ns", H5T_NATIVE_DOUBLE, &n0);
  double *b = sr_read(h5, "/timeline/updates_end_ns", H5T_NATIVE_DOUBLE, &n1);
  double *e = sr_read(h5, "/timeline/work_end_ns", H5T_NATIVE_DOUBLE, &n2);
  uint64_t *core = sr_read(h5, "/timeline/core", H5T_NATIVE_UINT64, &nc);
  uint64_t *crit = sr_read(h5, "/steps/critical_core", H5T_NATIVE_UINT64, &ncr);
  uint64_t *pk = sr_read(h5, "/timeline/packets", H5T_NATIVE_UINT64, &np);
  cr_assert(nc > 1 && n0 == 20 * nc && n1 == n0 && n2 == n0 && np == n0 && ncr == 30,
            "shapes: %zu cores, %zu rows, %zu steps", nc, n0, ncr);
  uint64_t packets = 0;
  for (size_t k = 0; k < 20; k++) {
    size_t last = 0;
    for (size_t i = 0; i < nc; i++) {
      size_t r = k * nc + i;
      cr_assert(a[r] <= b[r] && b[r] <= e[r], "step %zu core %llu: %g %g %g", k + 5,
                (unsigned long long)core[i], a[r], b[r], e[r]);
      if (e[r] > e[k * nc + last]) last = i;
      packets += pk[r];
    }
    size_t ci = nc;
    for (size_t i = 0; i < nc; i++)
      if (core[i] == crit[k + 5]) ci = i;
    cr_assert(ci < nc, "step %zu: critical core %llu is not in the timeline", k + 5,
              (unsigned long long)crit[k + 5]);
    cr_assert(e[k * nc + ci] == e[k * nc + last], "step %zu: critical core %llu ends at %g ns, "
              "core %llu at %g ns", k + 5, (unsigned long long)crit[k + 5], e[k * nc + ci],
              (unsigned long long)core[last], e[k * nc + last]);
  }
  cr_assert(packets > 0, "no packets in 20 steps of quickstart");
  free(a);
  free(b);
  free(e);
  free(core);
  free(crit);
  free(pk);
  remove(h5);
}

Test(bottleneck, busy_time_is_the_time_charged_per_category) {
  /* On the test chip every event's time in ns equals its energy in pJ
   * (neuron update 2 / 2, idle 1 / 1, spike out 1 / 1, synaptic op 1 / 1),
   * so over tests/data/outputs_tiny.yaml the cores' busy time updating
   * neurons (with sending their spikes) is, in ns, the energy of neuron
   * updates and spike generation in pJ, and their synaptic busy time the
   * energy of synaptic operations. */
  char h5[512], cmd[2048], *err = NULL;
  snprintf(h5, sizeof h5, "%s", tu_tmp("percat", ".h5"));
  snprintf(cmd, sizeof cmd, "%s run %s/tests/data/outputs_tiny.yaml -o %s --quiet", NMSIM_BINARY,
           NMSIM_SOURCE_DIR, h5);
  int rc = tu_run(cmd, NULL, &err);
  cr_assert_eq(rc, 0, "exit %d: %s", rc, err);
  free(err);
  run_summary s = {0};
  nmsim_err e = {0};
  cr_assert_eq(h5o_read_summary_here(h5, &s, &e), NMSIM_OK, "%s", e.msg);
  double neurons = col_sum(h5, "/cores/busy_ns", 3, 0, false);
  double synapses = col_sum(h5, "/cores/busy_ns", 3, 1, false);
  double want_n = s.energy_pj[NM_E_NEURON_UPDATE] + s.energy_pj[NM_E_NEURON_IDLE] +
                  s.energy_pj[NM_E_SPIKE_OUT];
  double want_s = s.energy_pj[NM_E_SYN_OP];
  cr_assert(want_s > 0 && synapses > 0, "no synaptic events");
  cr_assert(fabs(neurons - want_n) <= 1e-9 * want_n, "neurons %.17g ns, charged %.17g", neurons,
            want_n);
  cr_assert(fabs(synapses - want_s) <= 1e-9 * want_s, "synapses %.17g ns, charged %.17g",
            synapses, want_s);
  run_summary_clear(&s);
  remove(h5);
}
