/* test_plasticity.c: plastic projections in the engine — pair-based STDP and
 * the Loihi trace rule applied at the end of each step from the spikes of the
 * step, in model time, the same in timed and functional runs, with every
 * synaptic update charged the chip's learning energy. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <hdf5.h>

#include "sim/system/run_int.h"
#include "sim/system/build.h"
#include "tests_util.h"

/* pre: one spike_array neuron firing at step tp; post: a LIF neuron forced to
 * spike at step tq by a kick at tq - 1 through a fast synapse; the plastic
 * projection pre -> post starts at weight 0.5 (too weak to matter). */
static sys *run_pair(unsigned tp, unsigned tq, const char *rule_extra, const char *mode,
                     double *w_out, run_summary *unused) {
  (void)unused;
  char text[2048];
  snprintf(text, sizeof text,
           "chip: test\nsteps: 40\ndt: 1 ms\nengine: {mode: %s}\n"
           "populations:\n"
           "  pre: {size: 1, model: spike_array, spikes: [[%u]]}\n"
           "  kick: {size: 1, model: spike_array, spikes: [[%u]]}\n"
           "  post: {size: 1, model: lif, params: {tau_syn_e: 0.1 ms, t_ref: 2 ms}}\n"
           "projections:\n"
           "  - {from: kick, to: post, connector: all_to_all, weight: 50}\n"
           "  - {from: pre, to: post, connector: all_to_all, weight: 0.5,\n"
           "     plasticity: {a_plus: 0.005, a_minus: 0.00525, tau_plus: 20 ms,\n"
           "                  tau_minus: 20 ms, w_min: 0, w_max: 1%s}}\n",
           mode, tp, tq - 1, rule_extra);
  nmsim_scenario *scn = NULL;
  nmsim_chip *chip = NULL;
  nmsim_err err = {0};
  cr_assert_eq(nmsim_scenario_load_string("p.yaml", text, NULL, 0, &scn, &err), NMSIM_OK, "%s",
               err.msg);
  cr_assert_eq(nmsim_chip_load(scn->chip, NULL, &chip, &err), NMSIM_OK, "%s", err.msg);
  sys *s = NULL;
  cr_assert_eq(sys_build(scn, chip, &s, &err), NMSIM_OK, "%s", err.msg);
  cr_assert_eq(sys_run(s, &err), NMSIM_OK, "%s", err.msg);
  *w_out = NAN;
  for (uint32_t c = 0; c < s->n_cores; c++)
    for (size_t k = 0; s->cores[c].syn_proj && k < s->cores[c].n_syn; k++)
      if (s->cores[c].syn_proj[k]) *w_out = s->cores[c].wf[k];
  return s;
}

static void done(sys *s) {
  nmsim_scenario *scn = (nmsim_scenario *)s->scn;
  nmsim_chip *chip = (nmsim_chip *)s->chip;
  sys_destroy(s);
  nmsim_chip_destroy(chip);
  nmsim_scenario_destroy(scn);
}

/* Pre at 10 ms, post at 15 ms: one potentiation, w = 0.5 + A+ e^{-5/20}; the
 * post spike happens exactly at step 15 (checked through its raster count). */
Test(plasticity, stdp_pre_before_post) {
  const char *modes[] = {"timed", "functional"};
  for (int m = 0; m < 2; m++) {
    double w;
    sys *s = run_pair(10, 15, "", modes[m], &w, NULL);
    double want = 0.5 + 0.005 * exp(-5.0 / 20.0);
    cr_assert(fabs(w - want) < 1e-12, "%s: w = %.15g, expected %.15g", modes[m], w, want);
    cr_assert_eq(s->pop_total_spikes[2], 1, "post spiked %llu times",
                 (unsigned long long)s->pop_total_spikes[2]);
    cr_assert_eq(s->energy.n[NM_E_SYN_UPDATE], 2, "%s: %llu updates (one at each spike)",
                 modes[m], (unsigned long long)s->energy.n[NM_E_SYN_UPDATE]);
    cr_assert_float_eq(s->energy.pj[NM_E_SYN_UPDATE], 2 * s->chip->syn_update.energy_pj, 1e-12);
    done(s);
  }
}

/* Post at 10 ms, pre at 15 ms: one depression, w = 0.5 - A- e^{-5/20}. */
Test(plasticity, stdp_post_before_pre) {
  double w;
  sys *s = run_pair(15, 10, "", "timed", &w, NULL);
  double want = 0.5 - 0.00525 * exp(-5.0 / 20.0);
  cr_assert(fabs(w - want) < 1e-12, "w = %.15g, expected %.15g", w, want);
  done(s);
}

/* Multiplicative dependence scales the change by the distance to the bound. */
Test(plasticity, stdp_multiplicative) {
  double w;
  sys *s = run_pair(10, 15, ", dependence: multiplicative", "timed", &w, NULL);
  double want = 0.5 + 0.005 * (1.0 - 0.5) * exp(-5.0 / 20.0);
  cr_assert(fabs(w - want) < 1e-12, "w = %.15g, expected %.15g", w, want);
  done(s);
}

/* The learning phase lengthens the step by the updates' time (timed mode):
 * the step holding the post spike lasts exactly one synaptic-update time
 * longer than the same run with no plasticity on the projection. */
Test(plasticity, learning_time_in_step) {
  double w;
  sys *s = run_pair(10, 15, "", "timed", &w, NULL);
  nmsim_ps with = s->hw_time;
  nmsim_ps upd = s->chip->syn_update.time_ps;
  done(s);
  /* same network, static projection */
  char text[1024];
  snprintf(text, sizeof text,
           "chip: test\nsteps: 40\ndt: 1 ms\n"
           "populations:\n"
           "  pre: {size: 1, model: spike_array, spikes: [[10]]}\n"
           "  kick: {size: 1, model: spike_array, spikes: [[14]]}\n"
           "  post: {size: 1, model: lif, params: {tau_syn_e: 0.1 ms, t_ref: 2 ms}}\n"
           "projections:\n"
           "  - {from: kick, to: post, connector: all_to_all, weight: 50}\n"
           "  - {from: pre, to: post, connector: all_to_all, weight: 0.5}\n");
  nmsim_scenario *scn = NULL;
  nmsim_chip *chip = NULL;
  nmsim_err err = {0};
  cr_assert_eq(nmsim_scenario_load_string("p.yaml", text, NULL, 0, &scn, &err), NMSIM_OK);
  cr_assert_eq(nmsim_chip_load(scn->chip, NULL, &chip, &err), NMSIM_OK);
  cr_assert_eq(sys_build(scn, chip, &s, &err), NMSIM_OK, "%s", err.msg);
  cr_assert_eq(sys_run(s, &err), NMSIM_OK, "%s", err.msg);
  nmsim_ps without = s->hw_time;
  done(s);
  cr_assert_eq(with, without + 2 * upd, "hardware time %llu ps with learning, %llu without "
               "(+2 updates of %llu ps expected)", (unsigned long long)with,
               (unsigned long long)without, (unsigned long long)upd);
}

/* The Loihi trace rule: dw = A- x0 y1 + A+ y0 x1 at the steps where pre or
 * post spike (a_minus enters with a minus sign), traces including the step's
 * impulse: pre at 10, post at 15 gives two updates, the first with y1 = 0. */
Test(plasticity, loihi_trace_rule) {
  double w;
  sys *s = run_pair(10, 15, ", rule: loihi_trace", "timed", &w, NULL);
  double x15 = exp(-5.0 / 20.0); /* pre trace at the post spike */
  double want = 0.5 + stdp_lava_pair_dw(0.005, 0.00525, true, false, 1.0, 0.0) +
                stdp_lava_pair_dw(0.005, 0.00525, false, true, x15, 1.0);
  cr_assert(fabs(w - want) < 1e-12, "w = %.15g, expected %.15g", w, want);
  done(s);
}

/* Bad plasticity fields are located errors naming the field. */
Test(plasticity, bad_fields) {
  const char *base =
      "chip: test\nsteps: 4\npopulations:\n  a: {size: 2, model: poisson}\n"
      "  b: {size: 2, model: lif}\nprojections:\n"
      "  - {from: a, to: b, connector: all_to_all, weight: 0.5, plasticity: %s}\n";
  struct { const char *pl, *want; } cases[] = {
      {"{rule: bcm}", "expected stdp or loihi_trace"},
      {"{tau_plus: 20 mV}", "plasticity.tau_plus"},
      {"{w_max: 0.1}", "outside [w_min, w_max]"},
      {"{pairing: some}", "all_to_all or nearest"},
      {"{colour: red}", "unknown field"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char text[1024];
    snprintf(text, sizeof text, base, cases[i].pl);
    nmsim_scenario *scn = NULL;
    nmsim_err err = {0};
    cr_assert_eq(nmsim_scenario_load_string("p.yaml", text, NULL, 0, &scn, &err), NMSIM_EINPUT,
                 "case %zu", i);
    cr_assert(strstr(err.msg, "p.yaml:7:") && strstr(err.msg, cases[i].want),
              "case %zu: '%s' lacks '%s'", i, err.msg, cases[i].want);
  }
}

/* record.weights writes the learned weights into the run file:
 * /projections/1/{pre, post, weight} with the potentiated weight. */
Test(plasticity, weights_recorded_to_hdf5) {
  const char *h5 = tu_tmp("weights", ".h5");
  char text[1024];
  snprintf(text, sizeof text,
           "chip: test\nsteps: 40\ndt: 1 ms\n"
           "populations:\n"
           "  pre: {size: 1, model: spike_array, spikes: [[10]]}\n"
           "  kick: {size: 1, model: spike_array, spikes: [[14]]}\n"
           "  post: {size: 1, model: lif, params: {tau_syn_e: 0.1 ms, t_ref: 2 ms}}\n"
           "projections:\n"
           "  - {from: kick, to: post, connector: all_to_all, weight: 50}\n"
           "  - {from: pre, to: post, connector: all_to_all, weight: 0.5, plasticity: {}}\n"
           "record: {weights: all}\n");
  nmsim_scenario *scn = NULL;
  nmsim_err err = {0};
  cr_assert_eq(nmsim_scenario_load_string("w.yaml", text, NULL, 0, &scn, &err), NMSIM_OK, "%s",
               err.msg);
  run_summary sum;
  run_opts o = {.h5_path = h5};
  cr_assert_eq(run_scenario(scn, &o, &sum, &err), NMSIM_OK, "%s", err.msg);
  run_summary_clear(&sum);
  nmsim_scenario_destroy(scn);
  hid_t f = H5Fopen(h5, H5F_ACC_RDONLY, H5P_DEFAULT);
  cr_assert_geq(f, 0);
  double w = 0;
  uint32_t pre = 9, post = 9;
  hid_t d = H5Dopen2(f, "/projections/1/weight", H5P_DEFAULT);
  cr_assert_geq(d, 0, "/projections/1/weight exists");
  cr_assert_geq(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &w), 0);
  H5Dclose(d);
  d = H5Dopen2(f, "/projections/1/pre", H5P_DEFAULT);
  H5Dread(d, H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, &pre);
  H5Dclose(d);
  d = H5Dopen2(f, "/projections/1/post", H5P_DEFAULT);
  H5Dread(d, H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, &post);
  H5Dclose(d);
  cr_assert_eq(H5Lexists(f, "/projections/0", H5P_DEFAULT), 0, "static projection not recorded");
  H5Fclose(f);
  double want = 0.5 + 0.005 * exp(-5.0 / 20.0);
  cr_assert(fabs(w - want) < 1e-12, "recorded w = %.15g, expected %.15g", w, want);
  cr_assert_eq(pre, 0);
  cr_assert_eq(post, 0);
  remove(h5);
}

/* Every registered learning rule is found by its name, keeps a weight within
 * [w_min, w_max] (clips), gives the same weight for the same arguments, leaves
 * a synapse it skips untouched, and changes nothing when both amplitudes are
 * zero. (What each rule computes is tested above and against ../shared.) */
Test(learning_rules, contract_over_every_rule) {
  size_t n_rules = 0;
  for (size_t i = 0; stdp_rules[i]; i++, n_rules++) {
    const stdp_rule *r = stdp_rules[i];
    cr_assert_eq(stdp_rule_find(r->name), r, "%s found by name", r->name);
    uint64_t z = 0x9e3779b97f4a7c15ull * (i + 1);
    for (int k = 0; k < 2000; k++) {
      z = z * 6364136223846793005ull + 1442695040888963407ull;
      double u = (double)(z >> 11) * 0x1p-53;
      bool still = k % 3 == 0, other_spiked = k & 4;
      double amp = still ? 0.0 : 0.5 + 3 * u; /* large: pushes past the bounds */
      stdp_params p = {.a_plus = amp, .a_minus = amp * (1 - u), .tau_plus = 5 + 20 * u,
                       .tau_minus = 30 - 20 * u, .w_min = -0.5, .w_max = 1.5,
                       .dep = (k & 2) ? STDP_MULTIPLICATIVE : STDP_ADDITIVE,
                       .pairing = STDP_ALL_TO_ALL};
      stdp_trace x = {.x = 0.1 + 3 * u, .t = 1.0}, y = {.x = 2.1 - u, .t = 0.5};
      double w0 = -0.4 + 1.8 * u, t = 2.0 + u; /* interior */
      double wpre = r->on_pre(&p, w0, &x, &y, t, other_spiked);
      cr_assert(wpre >= p.w_min && wpre <= p.w_max, "%s: pre update %g outside bounds", r->name,
                wpre);
      cr_assert(wpre == r->on_pre(&p, w0, &x, &y, t, other_spiked),
                "%s: pre update not repeatable", r->name);
      double wpost = w0;
      bool did = r->on_post(&p, &wpost, &x, &y, t, other_spiked);
      if (!did) cr_assert(wpost == w0, "%s: a skipped post update changed w", r->name);
      cr_assert(wpost >= p.w_min && wpost <= p.w_max, "%s: post update %g outside bounds",
                r->name, wpost);
      if (still)
        cr_assert(wpre == w0 && wpost == w0, "%s: zero amplitudes changed w: %g -> %g / %g",
                  r->name, w0, wpre, wpost);
    }
  }
  cr_assert_geq(n_rules, 2, "stdp and loihi_trace registered, got %zu rules", n_rules);
  cr_assert_null(stdp_rule_find("bcm"));
}
