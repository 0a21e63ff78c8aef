/* test_scenario_models.c: the scenario fields that belong to the neuron models:
 * `preset:` of a population, parameter validation for every registered model,
 * and the fixed-point projection rules (8-bit integer weights, weight_exp). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/load/scenario_int.h"

#define EXPECT_HAS(msg, frag) \
  cr_assert(strstr((msg), (frag)), "message \"%s\" lacks \"%s\"", (msg), (frag))

static nmsim_scenario *load_ok(const char *text) {
  nmsim_scenario *s = NULL;
  nmsim_err err = {0};
  nmsim_status rc = nmsim_scenario_load_string("m.yaml", text, NULL, 0, &s, &err);
  cr_assert_eq(rc, NMSIM_OK, "load: %s (%s)\n%s", nmsim_status_name(rc), err.msg, text);
  return s;
}

/* The message of a load that must fail with NMSIM_EINPUT (static buffer). */
static const char *load_err(const char *text) {
  static nmsim_err err;
  nmsim_scenario *s = NULL;
  memset(&err, 0, sizeof err);
  nmsim_status rc = nmsim_scenario_load_string("m.yaml", text, NULL, 0, &s, &err);
  cr_assert_eq(rc, NMSIM_EINPUT, "expected EINPUT, got %s for\n%s", nmsim_status_name(rc), text);
  cr_assert_null(s);
  return err.msg;
}

static double param(const nmsim_scenario *s, size_t pop, const char *name) {
  int i = nmsim_model_param_index(s->pops[pop].model, name);
  cr_assert(i >= 0, "no parameter %s", name);
  return s->pops[pop].values[i];
}

/* A preset sets its values over the defaults and explicit params override it;
 * without a preset the defaults stand; the preset is remembered. */
Test(scenario_models, preset_then_params) {
  nmsim_scenario *s = load_ok(
      "chip: test\nsteps: 10\npopulations:\n"
      "  a: {size: 1, model: izhikevich, preset: FS, params: {d: 3}}\n"
      "  b: {size: 1, model: izhikevich}\n"
      "  c: {size: 1, model: adex, preset: regular_bursting, params: {b: 90 pA, i_e: 0.2 nA}}\n");
  cr_assert_str_eq(s->pops[0].preset->name, "FS");
  cr_assert_eq(param(s, 0, "a"), 0.1, "a = %g, expected the preset's 0.1", param(s, 0, "a"));
  cr_assert_eq(param(s, 0, "c"), -65, "c = %g, expected -65", param(s, 0, "c"));
  cr_assert_eq(param(s, 0, "d"), 3, "d = %g, expected the explicit 3", param(s, 0, "d"));
  cr_assert_null(s->pops[1].preset);
  cr_assert_eq(param(s, 1, "d"), 8, "default d = %g, expected 8 (RS)", param(s, 1, "d"));
  cr_assert_eq(param(s, 2, "tau_w"), 120, "tau_w = %g, expected 120", param(s, 2, "tau_w"));
  cr_assert_eq(param(s, 2, "b"), 90, "b = %g, expected 90", param(s, 2, "b"));
  cr_assert_eq(param(s, 2, "i_e"), 200, "i_e = %g pA, expected 200", param(s, 2, "i_e"));
  nmsim_scenario_destroy(s);
}

/* An unknown preset is a located error listing the model's presets; a model
 * without presets says so; a preset that is not a string is refused. */
Test(scenario_models, preset_errors) {
  const char *m = load_err("chip: test\nsteps: 10\npopulations:\n"
                           "  a: {size: 1, model: izhikevich, preset: XX}\n");
  EXPECT_HAS(m, "m.yaml:4:43: populations.a.preset: ");
  EXPECT_HAS(m, "expected one of: RS, IB, CH, FS, LTS, TC, RZ, got 'XX'");
  m = load_err("chip: test\nsteps: 10\npopulations:\n  a: {size: 1, model: lif, preset: RS}\n");
  EXPECT_HAS(m, "populations.a.preset: model 'lif' has no presets, got 'RS'");
  m = load_err("chip: test\nsteps: 10\npopulations:\n"
               "  a: {size: 1, model: two_point, preset: [TM1]}\n");
  EXPECT_HAS(m, "populations.a.preset: ");
}

/* Every parameter of every registered model: an unknown name, a value below
 * its minimum or above its maximum, and a value in a wrong unit are errors
 * naming the population and the parameter; range errors state the range. */
Test(scenario_models, bad_params_of_every_model) {
  char text[1024], field[160], range[128];
  for (size_t t = 0; nmsim_neuron_types[t]; t++) {
    const nmsim_neuron_type *m = nmsim_neuron_types[t];
    if (!m->n_params) continue;
    const char *spk = strcmp(m->name, "spike_array") == 0 ? ", spikes: [[]]" : "";
    snprintf(text, sizeof text,
             "chip: test\nsteps: 10\npopulations:\n  pop_x: {size: 1, model: %s, params: "
             "{no_such_param: 1}%s}\n",
             m->name, spk);
    const char *msg = load_err(text);
    EXPECT_HAS(msg, "populations.pop_x.params.no_such_param: unknown parameter");
    EXPECT_HAS(msg, m->params[0].name);
    for (size_t p = 0; p < m->n_params; p++) {
      const nmsim_param_desc *pd = &m->params[p];
      const char *u = pd->unit[0] ? " " : "";
      snprintf(field, sizeof field, "populations.pop_x.params.%s: ", pd->name);
      double out[2] = {pd->min - (fabs(pd->min) + 1), pd->max + (fabs(pd->max) + 1)};
      for (int k = 0; k < 2; k++) {
        snprintf(text, sizeof text,
                 "chip: test\nsteps: 10\npopulations:\n  pop_x: {size: 1, model: %s, params: "
                 "{%s: %.17g%s%s}%s}\n",
                 m->name, pd->name, out[k], u, pd->unit, spk);
        msg = load_err(text);
        EXPECT_HAS(msg, field);
        snprintf(range, sizeof range, "[%g, %g]", pd->min, pd->max);
        EXPECT_HAS(msg, range);
      }
      snprintf(text, sizeof text,
               "chip: test\nsteps: 10\npopulations:\n  pop_x: {size: 1, model: %s, params: "
               "{%s: 1 %s}%s}\n",
               m->name, pd->name, strcmp(pd->unit, "Hz") == 0 ? "mV" : "Hz", spk);
      msg = load_err(text);
      EXPECT_HAS(msg, field);
    }
  }
}

/* What the models check together with dt: non-integers where the hardware
 * takes integers (loihi_cuba, two_point, nir_lif), resets above their
 * thresholds (izhikevich, adex, l5pc); each message names the population and
 * the parameter. */
Test(scenario_models, prepare_errors_name_the_parameter) {
  static const struct { const char *model, *params, *frag; } cases[] = {
      {"loihi_cuba", "{vth: 12.5}", "vth must be an integer in [0, 131071], got 12.5"},
      {"loihi_cuba", "{bias_exp: 2.5}", "bias_exp must be an integer in [0, 7]"},
      {"two_point", "{variant: 1.5}", "variant must be an integer in [0, 4]"},
      {"two_point", "{output: 0.5}", "output must be an integer in [0, 2]"},
      {"nir_lif", "{reset_mode: 0.5}", "reset_mode must be 0 or 1"},
      {"izhikevich", "{c: 40 mV}", "c (40 mV) must be below v_peak (30 mV)"},
      {"izhikevich_paper", "{v_peak: -70 mV}", "c (-65 mV) must be below v_peak (-70 mV)"},
      {"adex", "{v_r: 5 mV}", "v_r (5 mV) must be below v_peak (0 mV)"},
      {"l5pc", "{v_reset: -40 mV}", "v_reset (-40 mV) must be below theta0 (-50 mV)"},
  };
  char text[512];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    snprintf(text, sizeof text,
             "chip: test\nsteps: 10\npopulations:\n  pop_y: {size: 1, model: %s, params: %s}\n",
             cases[i].model, cases[i].params);
    const char *msg = load_err(text);
    EXPECT_HAS(msg, "m.yaml:4:10: populations.pop_y: ");
    EXPECT_HAS(msg, cases[i].frag);
  }
}

static const char *const FIXED =
    "chip: test\n"
    "steps: 10\n"
    "populations:\n"
    "  src: {size: 4, model: spike_array, spikes: [[1], [2], [3], [4]]}\n"  /* 4 */
    "  cu: {size: 4, model: loihi_cuba}\n"                                  /* 5 */
    "  fl: {size: 4, model: lif}\n"                                         /* 6 */
    "projections:\n"
    "  - {from: src, to: cu, connector: all_to_all, weight: W0}\n"          /* 8 */
    "  - {from: src, to: cu, connector: all_to_all, weight: W1}\n";         /* 9 */

static char *fixed(const char *w0, const char *w1) {
  size_t n = strlen(FIXED) + strlen(w0) + strlen(w1) + 1;
  char *s = malloc(n), *a = strstr(FIXED, "W0"), *b = strstr(FIXED, "W1");
  snprintf(s, n, "%.*s%s%.*s%s%s", (int)(a - FIXED), FIXED, w0, (int)(b - a - 2), a + 2, w1,
           b + 2);
  return s;
}

/* Weights onto a fixed-point model are Lava's 8-bit integers, one sign per
 * projection: -255..255 integers pass, fractions and |w| > 255 fail naming the
 * projection's weight; weight_exp is an integer in [-7, 7], stored, default 0. */
Test(scenario_models, fixed_point_weights_and_weight_exp) {
  char *t = fixed("255, weight_exp: 7", "-255, weight_exp: -7");
  nmsim_scenario *s = load_ok(t);
  cr_assert(s->projs[0].weight == 255 && s->projs[0].weight_exp == 7, "proj 0: %g, exp %d",
            s->projs[0].weight, s->projs[0].weight_exp);
  cr_assert(s->projs[1].weight == -255 && s->projs[1].weight_exp == -7, "proj 1: %g, exp %d",
            s->projs[1].weight, s->projs[1].weight_exp);
  nmsim_scenario_destroy(s);
  free(t);
  t = fixed("3", "0");
  s = load_ok(t);
  cr_assert_eq(s->projs[0].weight_exp, 0, "default weight_exp %d", s->projs[0].weight_exp);
  nmsim_scenario_destroy(s);
  free(t);

  static const struct { const char *w0, *w1, *frag; } bad[] = {
      {"2.5", "1", "m.yaml:8:56: projections[0].weight: model loihi_cuba is fixed-point"},
      {"256", "1", "in [-255, 255], one sign per projection, got 256"},
      {"1", "-256", "projections[1].weight: model loihi_cuba is fixed-point"},
      {"1, weight_exp: 8", "1", "projections[0].weight_exp: expected a value in [-7, 7]"},
      {"1, weight_exp: -8", "1", "projections[0].weight_exp: expected a value in [-7, 7]"},
      {"1, weight_exp: 0.5", "1", "projections[0].weight_exp: expected an integer in [-7, 7]"},
      {"1, weight_exp: -1", "1, weight_exp: -2",
       "m.yaml:9:71: projections[1].weight_exp: at most one projection with a negative "
       "weight_exp may target a site of a population; the projection at line 8"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    t = fixed(bad[i].w0, bad[i].w1);
    EXPECT_HAS(load_err(t), bad[i].frag);
    free(t);
  }
}

/* weight_exp is refused on a floating-point target, naming its unit. */
Test(scenario_models, weight_exp_needs_a_fixed_point_target) {
  const char *m = load_err(
      "chip: test\nsteps: 10\npopulations:\n"
      "  src: {size: 1, model: spike_array, spikes: [[1]]}\n"
      "  fl: {size: 1, model: lif}\n"
      "projections:\n"
      "  - {from: src, to: fl, connector: all_to_all, weight: 1, weight_exp: 1}\n");
  EXPECT_HAS(m, "m.yaml:7:71: projections[0].weight_exp: weight_exp is only for fixed-point "
                "targets; population 'fl' (model lif) takes weights in nA");
}

/* A conv2d kernel onto a fixed-point model with both signs is Lava's mixed
 * sign mode: every weight x kernel entry must be even, in [-256, 254], or
 * (odd ones) in [-255, 255] to be split into two projections of one sign. */
Test(scenario_models, fixed_point_mixed_sign_kernel) {
  const char *base =
      "chip: test\nsteps: 10\npopulations:\n"
      "  src: {size: 4, model: spike_array, spikes: [[1], [], [], []]}\n"
      "  cu: {size: 1, model: loihi_cuba}\n"
      "projections:\n"
      "  - {from: src, to: cu, connector: {conv2d: {in: [1, 2, 2], kernel: 2, out_channels: 1, "
      "weights: [K]}}, weight: 2}\n";
  static const struct { const char *k; bool ok; } cases[] = {
      {"1, -1, 2, -128", true},  /* 2, -2, 4, -256 */
      {"1, -1, 2, 127", true},   /* 254 */
      {"1, -1, 2, 128", false},  /* 256 > 254 */
      {"1, -1, 2, 0.5", true},   /* 1: odd in mixed mode: split into two of one sign */
      {"1, -1, 2, 0.25", false}, /* 0.5: not an integer */
      {"100, 20, 2, 127", true}, /* one sign: 200, 40, 4, 254 */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char text[1024];
    const char *k = strstr(base, "K]");
    snprintf(text, sizeof text, "%.*s%s%s", (int)(k - base), base, cases[i].k, k + 1);
    if (cases[i].ok) {
      nmsim_scenario_destroy(load_ok(text));
    } else {
      const char *m = load_err(text);
      EXPECT_HAS(m, "projections[0].weight: model loihi_cuba is fixed-point: every weight x "
                    "kernel, list or matrix entry must be an 8-bit integer");
    }
  }
}
