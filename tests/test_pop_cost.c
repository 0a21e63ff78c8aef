/* test_pop_cost.c: energy and core time per population. A micro-scenario on
 * the test chip (scenarios/chips/test.yaml: synaptic op 1 pJ / 1 ns, update
 * 2 pJ / 2 ns active, 1 pJ / 1 ns idle, spike out 1 pJ / 1 ns, learning
 * update 4 pJ) whose figures are worked out by hand, with two populations
 * on one core reached by one source neuron (so one synapse row feeds both);
 * and, on every bundled scenario in every mode, the populations' parts add up
 * to the categories they come from. */
#include <criterion/criterion.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/system/run_int.h"
#include "tests_util.h"

/* One source neuron spiking at steps 1 and 3 onto 4 + 2 LIF neurons that
 * stay below threshold, all on core 0 (dense mapping, 16 neurons a core). */
static const char *const two_targets =
    "name: cost\nseed: 1\nchip: test\nsteps: 6\n%s"
    "populations:\n"
    "  in: {size: 1, model: spike_array, spikes: [[1, 3]]}\n"
    "  a: {size: 4, model: lif}\n"
    "  b: {size: 2, model: lif}\n"
    "projections:\n"
    "  - {from: in, to: a, connector: all_to_all, weight: 0.01}\n"
    "  - {from: in, to: b, connector: all_to_all, weight: 0.01}\n";

static void run_text(const char *fmt, const char *extra, run_summary *sum) {
  char text[2048];
  snprintf(text, sizeof text, fmt, extra);
  nmsim_scenario *s = NULL;
  nmsim_err err = {0};
  memset(sum, 0, sizeof *sum);
  nmsim_status rc = nmsim_scenario_load_string("cost.yaml", text, NULL, 0, &s, &err);
  cr_assert_eq(rc, NMSIM_OK, "load: %s", err.msg);
  run_opts o = {.h5_path = NULL};
  rc = run_scenario(s, &o, sum, &err);
  cr_assert_eq(rc, NMSIM_OK, "run: %s", err.msg);
  nmsim_scenario_destroy(s);
}

static const run_pop_summary *pop(const run_summary *s, const char *name) {
  for (size_t i = 0; i < s->n_pops; i++)
    if (!strcmp(s->pops[i].name, name)) return &s->pops[i];
  cr_assert_fail("no population %s", name);
  return NULL;
}

Test(pop_cost, hand_computed_on_the_test_chip) {
  /* in's 2 spikes reach a (4 synapses) and b (2) through one row of core 0,
   * arriving in steps 2 and 4:
   *   a: synapses 2 x 4 x 1 pJ = 8 pJ; neurons 8 active x 2 pJ + 16 idle x
   *      1 pJ = 32 pJ; time 24 x 1 ns + 8 x (2 - 1) ns + 8 x 1 ns = 40 ns
   *   b: synapses 2 x 2 x 1 pJ = 4 pJ; neurons 4 x 2 + 8 x 1 = 16 pJ; time
   *      12 + 4 + 4 = 20 ns
   *   in: 2 packets x 1 pJ = 2 pJ of spikes out, 2 x 1 ns sending them */
  run_summary s;
  run_text(two_targets, "", &s);
  cr_assert_eq(s.pop_cost, 1u);
  cr_assert_eq(s.cores_used, 1u, "expected every population on core 0, got %u cores",
               s.cores_used);
  const run_pop_summary *a = pop(&s, "a"), *b = pop(&s, "b"), *in = pop(&s, "in");
  cr_assert_float_eq(a->pj_synapses, 8.0, 1e-12, "a synapses %.17g pJ", a->pj_synapses);
  cr_assert_float_eq(b->pj_synapses, 4.0, 1e-12, "b synapses %.17g pJ", b->pj_synapses);
  cr_assert_float_eq(a->pj_neurons, 32.0, 1e-12, "a neurons %.17g pJ", a->pj_neurons);
  cr_assert_float_eq(b->pj_neurons, 16.0, 1e-12, "b neurons %.17g pJ", b->pj_neurons);
  cr_assert_float_eq(in->pj_spikes, 2.0, 1e-12, "in spikes %.17g pJ", in->pj_spikes);
  cr_assert(in->pj_neurons == 0 && in->pj_synapses == 0 && a->pj_spikes == 0 &&
                b->pj_spikes == 0 && a->pj_learning == 0,
            "charges where there is no work");
  cr_assert_eq(a->busy_ps, 40000u, "a core time %llu ps", (unsigned long long)a->busy_ps);
  cr_assert_eq(b->busy_ps, 20000u, "b core time %llu ps", (unsigned long long)b->busy_ps);
  cr_assert_eq(in->busy_ps, 2000u, "in core time %llu ps", (unsigned long long)in->busy_ps);
  run_summary_clear(&s);
}

Test(pop_cost, learning_goes_to_the_postsynaptic_population) {
  /* a plastic projection onto b: every learning update (4 pJ) is b's */
  run_summary s;
  char text[2048];
  snprintf(text, sizeof text, "%s",
           "name: learn\nseed: 3\nchip: test\nsteps: 40\n"
           "populations:\n"
           "  in: {size: 4, model: poisson, params: {rate: 200 Hz}}\n"
           "  b: {size: 4, model: lif}\n"
           "projections:\n"
           "  - {from: in, to: b, connector: all_to_all, weight: 2.0,\n"
           "     plasticity: {a_plus: 0.005, a_minus: 0.00525, tau_plus: 20 ms,\n"
           "                  tau_minus: 20 ms, w_min: 0, w_max: 4}}\n");
  nmsim_scenario *sc = NULL;
  nmsim_err err = {0};
  cr_assert_eq(nmsim_scenario_load_string("learn.yaml", text, NULL, 0, &sc, &err), NMSIM_OK,
               "%s", err.msg);
  run_opts o = {.h5_path = NULL};
  memset(&s, 0, sizeof s);
  cr_assert_eq(run_scenario(sc, &o, &s, &err), NMSIM_OK, "%s", err.msg);
  nmsim_scenario_destroy(sc);
  double upd = s.energy_pj[NM_E_SYN_UPDATE];
  cr_assert(upd > 0, "no learning updates: the test needs some");
  cr_assert_float_eq(pop(&s, "b")->pj_learning, upd, 1e-9 * upd, "b learning %.17g of %.17g pJ",
                     pop(&s, "b")->pj_learning, upd);
  cr_assert_eq(pop(&s, "in")->pj_learning, 0.0);
  run_summary_clear(&s);
}

Test(pop_cost, functional_mode_has_the_energy_and_no_time) {
  /* the same events, so the same energy; core time is not modelled (the
   * report says so, the JSON has no core_time_us) */
  run_summary t, f;
  run_text(two_targets, "", &t);
  run_text(two_targets, "engine: {mode: functional}\n", &f);
  for (size_t i = 0; i < t.n_pops; i++) {
    cr_assert_float_eq(f.pops[i].pj_neurons, t.pops[i].pj_neurons, 1e-12);
    cr_assert_float_eq(f.pops[i].pj_synapses, t.pops[i].pj_synapses, 1e-12);
    cr_assert_float_eq(f.pops[i].pj_spikes, t.pops[i].pj_spikes, 1e-12);
    cr_assert_eq(f.pops[i].busy_ps, 0u);
  }
  run_summary_clear(&t);
  run_summary_clear(&f);
}

/* The value after "key": in text, from p on. */
static double json_num(const char *p, const char *key) {
  char k[64];
  snprintf(k, sizeof k, "\"%s\":", key);
  const char *q = strstr(p, k);
  cr_assert(q != NULL, "no %s in %.200s", key, p);
  return strtod(q + strlen(k), NULL);
}

/* Sum of the populations' `part` (the JSON's populations.*.energy_pj.part). */
static double pops_sum(const char *json, const char *part) {
  const char *p = strstr(json, "\"populations\":");
  cr_assert(p != NULL, "no populations");
  const char *end = strstr(p, "\"cores\":");
  double sum = 0;
  char k[64];
  snprintf(k, sizeof k, "\"%s\":", part);
  for (const char *q = strstr(p, "\"energy_pj\":"); q && (!end || q < end);
       q = strstr(q + 1, "\"energy_pj\":"))
    sum += json_num(q, part);
  return sum;
}

/* Whether any population's energy_pj object has the key part. */
static bool pops_have(const char *json, const char *part) {
  const char *p = strstr(json, "\"populations\":");
  cr_assert(p != NULL, "no populations");
  char k[64];
  snprintf(k, sizeof k, "\"%s\":", part);
  for (const char *q = strstr(p, "\"energy_pj\":"); q; q = strstr(q + 1, "\"energy_pj\":")) {
    const char *end = strchr(q, '}'), *hit = strstr(q, k);
    if (hit && end && hit < end) return true;
  }
  return false;
}

static double energy_of(const char *json, const char *cat) {
  const char *p = strstr(json, "\"energy_pj\":");
  cr_assert(p != NULL, "no energy_pj");
  return json_num(p, cat);
}

static void near(const char *what, double got, double want) {
  cr_assert(fabs(got - want) <= 1e-9 * fabs(want) + 1e-9, "%s: populations %.17g, total %.17g",
            what, got, want);
}

Test(pop_cost, parts_add_up_on_every_bundled_scenario_and_mode) {
  /* Invariant: for every scenario in scenarios/ in each mode (20 steps), the
   * populations' neurons, synapses, learning and spikes add up to the
   * report's neuron updates (active + inactive), synaptic operations,
   * synaptic updates and spike generation; with what no population owns
   * they make the dynamic total. */
  static const char *const modes[] = {"timed", "functional", "network"};
  glob_t g;
  cr_assert_eq(glob(NMSIM_SOURCE_DIR "/scenarios/*.yaml", 0, NULL, &g), 0, "no scenarios");
  size_t checked = 0;
  for (size_t i = 0; i < g.gl_pathc; i++)
    for (size_t m = 0; m < 3; m++) {
      const char *scn = g.gl_pathv[i];
      char cmd[2048], *out = NULL, *err = NULL;
      snprintf(cmd, sizeof cmd, "%s run %s --set steps=20 --set engine.mode=%s --json --quiet",
               NMSIM_BINARY, scn, modes[m]);
      int rc = tu_run(cmd, &out, &err);
      if (rc == 2) { /* a scenario this mode or step count cannot run (named in stderr) */
        cr_log_info("%s in %s mode: %s", scn, modes[m], err);
        free(out);
        free(err);
        continue;
      }
      cr_assert_eq(rc, 0, "%s: exit %d, stderr %s", cmd, rc, err);
      near("neurons", pops_sum(out, "neurons"),
           energy_of(out, "neuron_update") + energy_of(out, "neuron_idle"));
      near("synapses", pops_sum(out, "synapses"), energy_of(out, "synaptic_op"));
      near("learning", pops_sum(out, "learning"), energy_of(out, "synaptic_update"));
      /* what a mode does not model is absent: spike generation in network
       * mode, routing and barrier (no population's) in both untimed modes */
      if (m < 2) near("spikes", pops_sum(out, "spikes"), energy_of(out, "spike_out"));
      else cr_assert(!strstr(out, "\"spike_out\"") && !pops_have(out, "spikes"),
                     "%s: spike generation in network mode", scn);
      cr_assert_eq(strstr(out, "energy_no_population_pj") != NULL, m == 0,
                   "%s in %s mode: energy of no population", scn, modes[m]);
      double none = m == 0 ? json_num(out, "energy_no_population_pj") : 0.0;
      near("dynamic", pops_sum(out, "total") + none, json_num(strstr(out, "\"energy_pj\":"),
                                                               "dynamic"));
      cr_assert_eq(strstr(out, "core_time_us") != NULL, m == 0,
                   "%s in %s mode: core time %s", scn, modes[m],
                   m == 0 ? "missing" : "present though not modelled");
      free(out);
      free(err);
      checked++;
    }
  globfree(&g);
  cr_assert(checked >= 10, "only %zu runs checked", checked);
}
