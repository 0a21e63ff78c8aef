/* test_truenorth.c: the TrueNorth neuron (models/truenorth.c) against the
 * published equations, with expected values worked out by hand from them
 * (Cassidy et al., IJCNN 2013, deterministic modes; order of Akopyan et al.,
 * IEEE TCAD 34:1537, 2015, Fig. 1: integrate, leak, threshold), and the
 * TrueNorth-like core (cores/truenorth.c) and its preset end to end. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cores/chip_int.h"
#include "cores/core_type.h"
#include "nmsim/model.h"
#include "scn_run.h"
#include "tests_util.h"

/* ---- the neuron model ------------------------------------------------------ */

/* One neuron of model truenorth with the given parameters (others default). */
typedef struct tn1 {
  const nmsim_neuron_type *m;
  void *derived;
  int32_t v;
  void *state[1];
  double in;
  const double *inp[1];
  nmsim_block b;
} tn1;

typedef struct tn_param {
  const char *name;
  double value;
} tn_param;

/* Prepare the model with params (n of them); returns the status, msg gets
 * the message. */
static nmsim_status tn_prepare(tn1 *k, const tn_param *p, size_t n, char *msg, size_t len) {
  memset(k, 0, sizeof *k);
  k->m = nmsim_neuron_type_find("truenorth");
  cr_assert(k->m, "model truenorth is registered");
  double vals[16];
  cr_assert(k->m->n_params <= 16);
  for (size_t i = 0; i < k->m->n_params; i++) vals[i] = k->m->params[i].def;
  for (size_t i = 0; i < n; i++) {
    int at = nmsim_model_param_index(k->m, p[i].name);
    cr_assert(at >= 0, "parameter %s exists", p[i].name);
    vals[at] = p[i].value;
  }
  k->derived = calloc(1, k->m->derived_size);
  return k->m->prepare(vals, 1.0, k->derived, msg, len);
}

static void tn_new(tn1 *k, const tn_param *p, size_t n) {
  char msg[256];
  cr_assert_eq(tn_prepare(k, p, n, msg, sizeof msg), NMSIM_OK, "prepare: %s", msg);
  k->state[0] = &k->v;
  k->inp[0] = &k->in;
  k->b = (nmsim_block){.n = 1, .state = k->state, .input = k->inp, .dt_ms = 1.0};
  k->m->init(k->derived, &k->b);
  cr_assert_eq(k->v, 0, "V starts at 0");
}

/* One tick with summed synaptic input `in`; returns whether it spiked. */
static bool tn_tick(tn1 *k, double in) {
  uint32_t spk[1];
  size_t ns = 0;
  k->in = in;
  k->m->update(k->derived, &k->b, spk, &ns);
  k->b.step++;
  cr_assert(ns <= 1);
  return ns == 1;
}

/* Ticks with inputs in[0..n), expecting V and the spike after each. */
static void tn_expect(tn1 *k, const char *what, size_t n, const double *in, const int32_t *v,
                      const int *spike) {
  for (size_t t = 0; t < n; t++) {
    bool s = tn_tick(k, in[t]);
    cr_assert_eq(k->v, v[t], "%s, tick %zu (input %g): V = %d, expected %d", what, t, in[t],
                 k->v, v[t]);
    cr_assert_eq(s, spike[t] != 0, "%s, tick %zu: spike %d, expected %d", what, t, s, spike[t]);
  }
  free(k->derived);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Reset mode gamma = 0 (normal): V >= alpha fires and V becomes R.
 * alpha 10, R 3: 12 -> fire, V = 3; +6 -> 9 < 10, no spike; +1 -> 10 >= 10
 * (the comparison is >=), fire, V = 3. */
Test(truenorth_model, reset_normal) {
  tn1 k;
  tn_param p[] = {{"alpha", 10}, {"v_reset", 3}, {"gamma", 0}};
  tn_new(&k, p, N(p));
  double in[] = {12, 6, 1};
  int32_t v[] = {3, 9, 3};
  int s[] = {1, 0, 1};
  tn_expect(&k, "gamma 0", N(in), in, v, s);
}

/* Reset mode gamma = 1 (linear): V -= alpha and the remainder is kept, so a
 * large V fires on consecutive ticks, once a tick. alpha 10: 25 -> fire,
 * 15; 0 -> 15 >= 10, fire, 5; 0 -> 5, no spike. */
Test(truenorth_model, reset_linear) {
  tn1 k;
  tn_param p[] = {{"alpha", 10}, {"v_reset", 3}, {"gamma", 1}};
  tn_new(&k, p, N(p));
  double in[] = {25, 0, 0};
  int32_t v[] = {15, 5, 5};
  int s[] = {1, 1, 0};
  tn_expect(&k, "gamma 1", N(in), in, v, s);
}

/* Reset mode gamma = 2 (non-reset): V is kept, so the neuron fires every tick
 * while V >= alpha. alpha 10: 12 -> fire, 12; 0 -> fire, 12; -5 -> 7, none. */
Test(truenorth_model, reset_none) {
  tn1 k;
  tn_param p[] = {{"alpha", 10}, {"v_reset", 3}, {"gamma", 2}};
  tn_new(&k, p, N(p));
  double in[] = {12, 0, -5};
  int32_t v[] = {12, 12, 7};
  int s[] = {1, 1, 0};
  tn_expect(&k, "gamma 2", N(in), in, v, s);
}

/* Leak without reversal (epsilon 0) adds lambda every tick whatever the sign
 * of V: lambda 2, alpha 7, gamma 0, R 0: V = 2, 4, 6, 8 >= 7 fires -> 0, then
 * 2, 4 (a leak-driven oscillator of period 4). With lambda -2 from V = 7 it
 * crosses 0 and keeps going: 5, 3, 1, -1, -3 (beta 100: no negative
 * threshold). */
Test(truenorth_model, leak_monotonic) {
  tn1 k;
  tn_param p[] = {{"lambda", 2}, {"alpha", 7}, {"gamma", 0}, {"v_reset", 0}};
  tn_new(&k, p, N(p));
  double in[] = {0, 0, 0, 0, 0, 0};
  int32_t v[] = {2, 4, 6, 0, 2, 4};
  int s[] = {0, 0, 0, 1, 0, 0};
  tn_expect(&k, "lambda 2, epsilon 0", N(in), in, v, s);

  tn_param q[] = {{"lambda", -2}, {"alpha", 100}, {"beta", 100}};
  tn_new(&k, q, N(q));
  double in2[] = {7, 0, 0, 0, 0};
  int32_t v2[] = {5, 3, 1, -1, -3};
  int s2[] = {0, 0, 0, 0, 0};
  tn_expect(&k, "lambda -2, epsilon 0", N(in2), in2, v2, s2);
}

/* Leak reversal (epsilon 1): Omega = sgn(V) after integration, so lambda < 0
 * pulls V toward 0 from either side and overshoots by the remainder:
 * from 7: 7 - 2 = 5, 3, 1, then 1 - 2 = -1, then sgn(-1) = -1: -1 + 2 = 1,
 * -1, ... From -7: -7 + 2 = -5, -3, -1, 1, -1. At V = 0 there is no leak:
 * lambda -2 or +5 leaves 0 unchanged. lambda > 0 pushes away from 0:
 * from 3, lambda 5: 8, 13; from -3: -8, -13. */
Test(truenorth_model, leak_reversal) {
  tn1 k;
  tn_param p[] = {{"lambda", -2}, {"epsilon", 1}, {"alpha", 100}, {"beta", 100}};
  tn_new(&k, p, N(p));
  double in[] = {7, 0, 0, 0, 0, 0};
  int32_t v[] = {5, 3, 1, -1, 1, -1};
  int s[] = {0, 0, 0, 0, 0, 0};
  tn_expect(&k, "lambda -2, epsilon 1, from 7", N(in), in, v, s);

  tn_new(&k, p, N(p));
  double in2[] = {-7, 0, 0, 0, 0};
  int32_t v2[] = {-5, -3, -1, 1, -1};
  tn_expect(&k, "lambda -2, epsilon 1, from -7", N(in2), in2, v2, s);

  tn_new(&k, p, N(p));
  double in3[] = {0, 0, 0};
  int32_t v3[] = {0, 0, 0};
  tn_expect(&k, "lambda -2, epsilon 1, at 0", N(in3), in3, v3, s);

  tn_param q[] = {{"lambda", 5}, {"epsilon", 1}, {"alpha", 100}, {"beta", 100}};
  tn_new(&k, q, N(q));
  tn_expect(&k, "lambda 5, epsilon 1, at 0", N(in3), in3, v3, s);
  tn_new(&k, q, N(q));
  double in4[] = {3, 0}, in5[] = {-3, 0};
  int32_t v4[] = {8, 13}, v5[] = {-8, -13};
  tn_expect(&k, "lambda 5, epsilon 1, from 3", N(in4), in4, v4, s);
  tn_new(&k, q, N(q));
  tn_expect(&k, "lambda 5, epsilon 1, from -3", N(in5), in5, v5, s);
}

/* The leak comes before the threshold: alpha 10, input 9 with lambda +1
 * reaches 10 and fires in the same tick; input 10 with lambda -1 ends at 9
 * and does not. */
Test(truenorth_model, leak_before_threshold) {
  tn1 k;
  int s1[] = {1}, s0[] = {0};
  tn_param p[] = {{"lambda", 1}, {"alpha", 10}, {"v_reset", 0}};
  tn_new(&k, p, N(p));
  double in[] = {9};
  int32_t v[] = {0};
  tn_expect(&k, "9 + leak 1", 1, in, v, s1);
  tn_param q[] = {{"lambda", -1}, {"alpha", 10}};
  tn_new(&k, q, N(q));
  double in2[] = {10};
  int32_t v2[] = {9};
  tn_expect(&k, "10 + leak -1", 1, in2, v2, s0);
}

/* Negative threshold, beta 5, from an input of -20 (< -5):
 *   kappa 1 saturates at -beta = -5 whatever gamma (0 and 2 tried);
 *   kappa 0, gamma 0 resets to -R = -3; gamma 1 adds beta: -15, then -15 < -5
 *   again: -10, then -5 (not < -5: the comparison is strict) stays;
 *   gamma 2 keeps -20.
 * No spike in any case. */
Test(truenorth_model, negative_threshold) {
  tn1 k;
  int s[] = {0, 0, 0};
  double in[] = {-20, 0, 0};
  tn_param a[] = {{"beta", 5}, {"kappa", 1}, {"gamma", 0}, {"v_reset", 3}};
  tn_new(&k, a, N(a));
  int32_t va[] = {-5, -5, -5};
  tn_expect(&k, "kappa 1, gamma 0", N(in), in, va, s);
  tn_param b[] = {{"beta", 5}, {"kappa", 1}, {"gamma", 2}, {"v_reset", 3}};
  tn_new(&k, b, N(b));
  tn_expect(&k, "kappa 1, gamma 2", N(in), in, va, s);
  tn_param c[] = {{"beta", 5}, {"kappa", 0}, {"gamma", 0}, {"v_reset", 3}};
  tn_new(&k, c, N(c));
  int32_t vc[] = {-3, -3, -3};
  tn_expect(&k, "kappa 0, gamma 0", N(in), in, vc, s);
  tn_param d[] = {{"beta", 5}, {"kappa", 0}, {"gamma", 1}, {"v_reset", 3}};
  tn_new(&k, d, N(d));
  int32_t vd[] = {-15, -10, -5};
  tn_expect(&k, "kappa 0, gamma 1", N(in), in, vd, s);
  tn_param e[] = {{"beta", 5}, {"kappa", 0}, {"gamma", 2}, {"v_reset", 3}};
  tn_new(&k, e, N(e));
  int32_t ve[] = {-20, -20, -20};
  tn_expect(&k, "kappa 0, gamma 2", N(in), in, ve, s);
}

/* V is a 20-bit signed integer: it saturates at 2^19 - 1 = 524287 and
 * -2^19 = -524288, after the synaptic sum and again after the leak.
 *   +600000 -> 524287 (alpha 524287, gamma 2: fires and keeps it), +1 stays;
 *   -600000 -> -524288 (beta 524287, kappa 0, gamma 2: below -beta, kept);
 *   from 524000 (lambda -255): +1000 saturates to 524287 before the leak,
 *   so 524287 - 255 = 524032 (saturating only after the leak would give
 *   524287 and a spike at alpha 524287).
 * A leak of +5 at the top stays at the top. */
Test(truenorth_model, saturation_20_bits) {
  tn1 k;
  tn_param p[] = {{"alpha", 524287}, {"gamma", 2}, {"beta", 524287}};
  tn_new(&k, p, N(p));
  double in[] = {600000, 1};
  int32_t v[] = {524287, 524287};
  int s[] = {1, 1};
  tn_expect(&k, "top", N(in), in, v, s);
  tn_new(&k, p, N(p));
  double in2[] = {-600000, -1};
  int32_t v2[] = {-524288, -524288};
  int s0[] = {0, 0};
  tn_expect(&k, "bottom", N(in2), in2, v2, s0);

  tn_param q[] = {{"alpha", 524287}, {"gamma", 2}, {"lambda", -255}};
  tn_new(&k, q, N(q));
  /* 524255 - 255 = 524000; then 524000 + 1000 -> 524287 -> -255 -> 524032 */
  double in3[] = {524255, 1000};
  int32_t v3[] = {524000, 524032};
  tn_expect(&k, "saturate before the leak", N(in3), in3, v3, s0);

  tn_param r[] = {{"alpha", 524287}, {"gamma", 2}, {"lambda", 5}};
  tn_new(&k, r, N(r));
  double in4[] = {524282, 0};
  int32_t v4[] = {524287, 524287};
  int s4[] = {1, 1};
  tn_expect(&k, "leak at the top", N(in4), in4, v4, s4);
}

/* The stochastic modes are not modelled: a nonzero stochastic parameter is
 * refused naming it; non-integers are refused. */
Test(truenorth_model, stochastic_refused) {
  tn1 k;
  char msg[256];
  const char *names[] = {"stochastic_synapse", "stochastic_leak", "threshold_mask_bits"};
  for (size_t i = 0; i < N(names); i++) {
    tn_param p[] = {{names[i], 1}};
    cr_assert_eq(tn_prepare(&k, p, 1, msg, sizeof msg), NMSIM_EINPUT, "%s = 1 refused",
                 names[i]);
    cr_assert(strstr(msg, names[i]) && strstr(msg, "not modelled"), "message: %s", msg);
    free(k.derived);
  }
  tn_param p[] = {{"alpha", 2.5}};
  cr_assert_eq(tn_prepare(&k, p, 1, msg, sizeof msg), NMSIM_EINPUT);
  cr_assert(strstr(msg, "alpha must be an integer"), "message: %s", msg);
  free(k.derived);
}

/* ---- the core type and its preset ------------------------------------------- */

#define DEMO NMSIM_SOURCE_DIR "/scenarios/truenorth_demo.yaml"

#define EXPECT_HAS(msg, frag) \
  cr_assert(strstr((msg), (frag)), "message \"%s\" lacks \"%s\"", (msg), (frag))
#define EXPECT_U64(what, got, want)                                                \
  cr_assert_eq((unsigned long long)(got), (unsigned long long)(want),              \
               "%s: got %llu, expected %llu", (what), (unsigned long long)(got),    \
               (unsigned long long)(want))

static int nmsim(const char *args, char **out, char **err) {
  char cmd[8192];
  snprintf(cmd, sizeof cmd, "%s %s", NMSIM_BINARY, args);
  return tu_run(cmd, out, err);
}

/* The preset's text with the first `from` replaced by `to`, written to a
 * fresh chip file; returns its path (a tu_tmp slot). */
static const char *tn_chip_with(const char *from, const char *to) {
  const char *text = nmsim_chip_preset_text("truenorth");
  cr_assert(text, "preset truenorth exists");
  const char *at = strstr(text, from);
  cr_assert(at, "preset has \"%s\"", from);
  size_t n = strlen(text) + strlen(to) + 1;
  char *out = malloc(n);
  snprintf(out, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
  const char *path = tu_tmp("tn-chip", ".yaml");
  cr_assert_eq(tu_write(path, out), 0);
  free(out);
  return path;
}

/* Write scenario text to a fresh file; returns its path. */
static const char *tn_scenario(const char *text) {
  const char *path = tu_tmp("tn-scn", ".yaml");
  cr_assert_eq(tu_write(path, text), 0);
  return path;
}

/* `nmsim validate` of scenario text: the exit status, stderr in *err. */
static int tn_validate(const char *text, char **err) {
  char args[1024];
  snprintf(args, sizeof args, "validate %s", tn_scenario(text));
  return nmsim(args, NULL, err);
}

/* The preset: core_kind truenorth, 64 x 64 tiles of one core of 256 neurons,
 * fan-in 256 axons, a 1 ms tick, and `nmsim chips` lists it. */
Test(truenorth_chip, preset) {
  nmsim_chip *c = NULL;
  nmsim_err err = {0};
  cr_assert_eq(nmsim_chip_load("truenorth", NULL, &c, &err), NMSIM_OK, "%s", err.msg);
  cr_assert_str_eq(c->core_type->name, "truenorth");
  EXPECT_U64("mesh width", c->mesh_width, 64);
  EXPECT_U64("mesh height", c->mesh_height, 64);
  EXPECT_U64("cores per tile", c->cores_per_tile, 1);
  EXPECT_U64("neurons per core", c->max_neurons, 256);
  EXPECT_U64("fan-in", c->max_fan_in, 256);
  EXPECT_U64("tick, ps", c->tick_ps, 1000000000ull);
  cr_assert(c->syn_op.energy_pj > 0 && c->neuron_idle.energy_pj > 0 && c->static_power_mw > 0);
  nmsim_chip_destroy(c);
  char *out = NULL;
  cr_assert_eq(nmsim("chips", &out, NULL), 0);
  cr_assert(strstr(out, "truenorth    truenorth"), "nmsim chips: %s", out);
  free(out);
  cr_assert_eq(nmsim("chips --json", &out, NULL), 0);
  EXPECT_HAS(out, "\"core_kind\": \"truenorth\"");
  EXPECT_HAS(out, "\"tick_ms\": 1");
  free(out);
}

/* The chip file's `tick` is required by core_kind truenorth, must be > 0,
 * and is an error on a chip whose core type does not use it; a barrier is an
 * error on a truenorth chip. */
Test(truenorth_chip, tick_section) {
  nmsim_chip *c = NULL;
  nmsim_err err = {0};
  cr_assert_eq(nmsim_chip_load(tn_chip_with("\ntick: 1 ms", "\n#"), NULL, &c, &err),
               NMSIM_EINPUT);
  EXPECT_HAS(err.msg, "tick: required field is missing");
  cr_assert_eq(nmsim_chip_load(tn_chip_with("tick: 1 ms", "tick: 0 ms"), NULL, &c, &err),
               NMSIM_EINPUT);
  EXPECT_HAS(err.msg, "tick: expected a tick > 0");
  const char *barrier = tn_chip_with("tick: 1 ms", "tick: 1 ms\nbarrier: {times: [{tiles: 1, "
                                                   "time: 1 ns}], energy_per_tile: 0 pJ}");
  cr_assert_eq(nmsim_chip_load(barrier, NULL, &c, &err), NMSIM_EINPUT);
  EXPECT_HAS(err.msg, "barrier: not used by core_kind truenorth");
  const char *loihi = nmsim_chip_preset_text("loihi");
  size_t n = strlen(loihi) + 32;
  char *text = malloc(n);
  snprintf(text, n, "%stick: 1 ms\n", loihi);
  const char *path = tu_tmp("tn-loihi", ".yaml");
  cr_assert_eq(tu_write(path, text), 0);
  free(text);
  cr_assert_eq(nmsim_chip_load(path, NULL, &c, &err), NMSIM_EINPUT);
  EXPECT_HAS(err.msg, "tick: not used by core_kind loihi (it is for core_kind truenorth)");
}

/* The bundled demo runs: the report names the chip, has positive static
 * and dynamic energy, steps of exactly the 1 ms tick, spikes in every
 * population, and no overruns. */
Test(truenorth_core, demo_runs) {
  const char *h5 = tu_tmp("tn-demo", ".h5");
  char args[1024], *out = NULL;
  snprintf(args, sizeof args, "run %s -o %s --quiet", DEMO, h5);
  cr_assert_eq(nmsim(args, NULL, NULL), 0, "nmsim %s", args);
  snprintf(args, sizeof args, "report %s --json", h5);
  cr_assert_eq(nmsim(args, &out, NULL), 0);
  EXPECT_HAS(out, "\"chip\": \"truenorth\"");
  EXPECT_HAS(out, "\"status\": \"complete\"");
  EXPECT_HAS(out, "\"min\": 1000000,");
  EXPECT_HAS(out, "\"max\": 1000000\n");
  cr_assert(!strstr(out, "\"overruns\""), "no overruns expected: %s", out);
  double total = 0, stat = 0, syn = 0;
  const char *p = strstr(out, "\"total\": ");
  cr_assert(p && sscanf(p, "\"total\": %lf", &total) == 1);
  p = strstr(out, "\"static\": ");
  cr_assert(p && sscanf(p, "\"static\": %lf", &stat) == 1);
  p = strstr(out, "\"synaptic_op\": ");
  cr_assert(p && sscanf(p, "\"synaptic_op\": %lf", &syn) == 1);
  cr_assert(total > stat && stat > 0 && syn > 0, "total %g, static %g, synaptic_op %g", total,
            stat, syn);
  /* static: 43 mW over 500 ms = 21.5 mJ */
  cr_assert(fabs(stat - 21.5e9) < 1, "static %.17g pJ, expected 21.5e9", stat);
  free(out);
}

/* Run scenario file `path` with overrides into a run file and its summary. */
static const char *tn_run(const char *path, const nmsim_override *ov, size_t n_ov,
                          run_summary *sum) {
  nmsim_scenario *scn = NULL;
  nmsim_err err = {0};
  cr_assert_eq(nmsim_scenario_load(path, ov, n_ov, &scn, &err), NMSIM_OK, "load: %s", err.msg);
  const char *h5 = tu_tmp("tn-run", ".h5");
  run_opts o = {.h5_path = h5};
  cr_assert_eq(run_scenario(scn, &o, sum, &err), NMSIM_OK, "run: %s", err.msg);
  nmsim_scenario_destroy(scn);
  return h5;
}

static bool same_u64(const char *a, const char *b, const char *name) {
  size_t na, nb;
  uint64_t *x = sr_read(a, name, H5T_NATIVE_UINT64, &na);
  uint64_t *y = sr_read(b, name, H5T_NATIVE_UINT64, &nb);
  bool same = na == nb && (na == 0 || memcmp(x, y, na * 8) == 0);
  free(x);
  free(y);
  return same;
}

/* With no overruns and no late packets, chip-timed mode gives the spikes
 * and membrane traces of functional mode (the function is the equations,
 * whatever the NoC's timing). */
Test(truenorth_core, timed_equals_functional) {
  run_summary t = {0}, f = {0};
  nmsim_override ov = {"engine.mode", "functional"};
  char ta[512], fa[512];
  snprintf(ta, sizeof ta, "%s", tn_run(DEMO, NULL, 0, &t));
  snprintf(fa, sizeof fa, "%s", tn_run(DEMO, &ov, 1, &f));
  EXPECT_U64("tick overruns", t.tick_overruns, 0);
  EXPECT_U64("late packets", t.late_packets, 0);
  for (size_t p = 0; p < t.n_pops; p++) {
    cr_assert_gt(t.pops[p].spikes, 0, "%s spikes", t.pops[p].name);
    EXPECT_U64(t.pops[p].name, t.pops[p].spikes, f.pops[p].spikes);
  }
  const char *names[] = {"/populations/layer1/spikes/step", "/populations/layer1/spikes/neuron",
                         "/populations/layer2/spikes/step", "/populations/layer2/spikes/neuron"};
  for (size_t i = 0; i < N(names); i++)
    cr_assert(same_u64(ta, fa, names[i]), "%s differs between timed and functional", names[i]);
  size_t na, nb;
  double *x = sr_read(ta, "/state/layer1/v", H5T_NATIVE_DOUBLE, &na);
  double *y = sr_read(fa, "/state/layer1/v", H5T_NATIVE_DOUBLE, &nb);
  cr_assert(na == nb && na > 0 && memcmp(x, y, na * 8) == 0, "layer1 v differs");
  free(x);
  free(y);
  run_summary_clear(&t);
  run_summary_clear(&f);
}

/* Overruns, worked out by hand: 256 silent neurons on one core need
 * 256 x 14.32 ns = 3665.92 ns per tick, against a tick of 2 us. Tick 0 runs
 * from 0 to 3665.92 ns; tick k fires at 2k us while the core is busy, so it
 * overruns and starts when the core is free: tick k runs from 3665.92 k to
 * 3665.92 (k + 1) ns. 10 ticks: ticks 1..9 overrun, and tick 9's work ends
 * at 36659.2 ns, after the run's end at 20 us: 10 overruns. Step k lasts
 * from its tick, 2k us, to the end of its work: 3665.92 ns (step 0) to
 * 36659.2 - 18000 = 18659.2 ns (step 9); the run ends at 36659.2 ns. With
 * the preset's 1 ms tick: no overrun, every step 1 ms. */
Test(truenorth_core, overruns_counted) {
  char text[1024];
  snprintf(text, sizeof text,
           "chip: %s\nsteps: 10\ndt: 1 ms\npopulations:\n"
           "  a: {size: 256, model: truenorth, params: {alpha: 100}}\n",
           tn_chip_with("tick: 1 ms", "tick: 2 us"));
  const char *path = tn_scenario(text);
  run_summary s = {0};
  tn_run(path, NULL, 0, &s);
  EXPECT_U64("tick overruns", s.tick_overruns, 10);
  EXPECT_U64("step min, ps", s.step_min_ps, 3665920);
  EXPECT_U64("step max, ps", s.step_max_ps, 18659200);
  EXPECT_U64("hardware time, ps", s.hw_time_ps, 36659200);
  run_summary_clear(&s);
  snprintf(text, sizeof text,
           "chip: truenorth\nsteps: 10\ndt: 1 ms\npopulations:\n"
           "  a: {size: 256, model: truenorth, params: {alpha: 100}}\n");
  tn_run(tn_scenario(text), NULL, 0, &s);
  EXPECT_U64("tick overruns at 1 ms", s.tick_overruns, 0);
  EXPECT_U64("step max at 1 ms, ps", s.step_max_ps, 1000000000ull);
  run_summary_clear(&s);
}

/* A late packet: one spike at tick 0 from core 0 to a neuron 63 hops east
 * (core 63), with delay 1, under a 100 ns tick. It leaves at 1 ns (spike_out)
 * and arrives at 1 ns + its latency, after tick 1 fired: it is late, and
 * counts at the first tick at or after its arrival, ceil(arrival / 100 ns),
 * where the neuron (alpha 1) fires; in functional mode it fires at tick 1. */
Test(truenorth_core, late_packet) {
  char text[1024];
  snprintf(text, sizeof text,
           "chip: %s\nsteps: 8\ndt: 1 ms\npopulations:\n"
           "  src: {size: 1, model: spike_array, spikes: [[0]]}\n"
           "  post: {size: 1, model: truenorth, params: {alpha: 1}}\n"
           "mapping: {place: {post: {core: 63}}}\n"
           "projections:\n"
           "  - {from: src, to: post, connector: all_to_all, weight: 1, delay: 1}\n"
           "record: {spikes: all}\n",
           tn_chip_with("tick: 1 ms", "tick: 100 ns"));
  const char *path = tn_scenario(text);
  run_summary s = {0};
  const char *h5 = tn_run(path, NULL, 0, &s);
  EXPECT_U64("late packets", s.late_packets, 1);
  EXPECT_U64("packets", s.packets, 1);
  double arrival = 1000.0 + s.packet_mean_ps;
  uint64_t want = (uint64_t)ceil(arrival / 100000.0);
  cr_assert_gt(want, 1, "arrives at %g ps, after tick 1", arrival);
  size_t n;
  uint64_t *step = sr_read(h5, "/populations/post/spikes/step", H5T_NATIVE_UINT64, &n);
  cr_assert_eq(n, 1, "post spikes once, got %zu", n);
  EXPECT_U64("post's spike step", step[0], want);
  free(step);
  run_summary_clear(&s);
  nmsim_override ov = {"engine.mode", "functional"};
  h5 = tn_run(path, &ov, 1, &s);
  step = sr_read(h5, "/populations/post/spikes/step", H5T_NATIVE_UINT64, &n);
  cr_assert(n == 1 && step[0] == 1, "functional: post spikes at step 1");
  free(step);
  run_summary_clear(&s);
}

/* Axon types: four sources with weights 1, 2, 3, 4 onto every neuron of one
 * core take the four types; a fifth weight needs a fifth type and is refused
 * (exit 2) naming the core, the population and the axon's source. A source
 * whose weight matches a type already used shares it. */
Test(truenorth_core, axon_types) {
  static const char *base =
      "chip: truenorth\nsteps: 10\npopulations:\n"
      "  s1: {size: 4, model: poisson, params: {rate: 10 Hz}}\n"
      "  s2: {size: 4, model: poisson, params: {rate: 10 Hz}}\n"
      "  s3: {size: 4, model: poisson, params: {rate: 10 Hz}}\n"
      "  s4: {size: 4, model: poisson, params: {rate: 10 Hz}}\n"
      "  s5: {size: 4, model: poisson, params: {rate: 10 Hz}}\n"
      "  tgt: {size: 8, model: truenorth, params: {alpha: 10}}\n"
      "mapping: {place: {tgt: {core: 1}}}\n"
      "projections:\n"
      "  - {from: s1, to: tgt, connector: all_to_all, weight: 1}\n"
      "  - {from: s2, to: tgt, connector: all_to_all, weight: 2}\n"
      "  - {from: s3, to: tgt, connector: all_to_all, weight: -3}\n"
      "  - {from: s4, to: tgt, connector: all_to_all, weight: 4}\n";
  char text[2048], *err = NULL;
  snprintf(text, sizeof text, "%s  - {from: s5, to: tgt, connector: all_to_all, weight: 2}\n",
           base);
  cr_assert_eq(tn_validate(text, &err), 0, "4 distinct weights fit: %s", err);
  free(err);
  snprintf(text, sizeof text, "%s  - {from: s5, to: tgt, connector: all_to_all, weight: 5}\n",
           base);
  cr_assert_eq(tn_validate(text, &err), 2, "a fifth weight is refused");
  EXPECT_HAS(err, "core 1 (population 'tgt'): input axon 16 (from neuron 0 of 's5') needs a "
                  "fifth axon type");
  EXPECT_HAS(err, "type 3: neuron 0 of 'tgt' has 4, this axon 5");
  free(err);
}

/* Axon types, in an order that would defeat a first-fit assignment: single
 * sources x1..x7 onto neurons t0, t1 of one core with weights
 *   x1: 1 -> t0;  x2: 2 -> t1;  x3: 2 -> t0;  x4: 1 -> t1;
 *   x5: 3 -> t0, t1;  x6: 4 -> t0, t1;  x7: 1 -> t0, t1.
 * First fit puts x1 and x2 in type 0 (no common target), x3 and x4 in type
 * 1, x5 in 2, x6 in 3, and x7 (1 onto both) fits none. Every axon carries
 * one weight and there are 4 distinct ones, so a type per weight fits, and
 * nmsim finds it. */
Test(truenorth_core, axon_types_one_weight_each) {
  char *err = NULL;
  const char *text =
      "chip: truenorth\nsteps: 10\npopulations:\n"
      "  x1: {size: 1, model: poisson}\n  x2: {size: 1, model: poisson}\n"
      "  x3: {size: 1, model: poisson}\n  x4: {size: 1, model: poisson}\n"
      "  x5: {size: 1, model: poisson}\n  x6: {size: 1, model: poisson}\n"
      "  x7: {size: 1, model: poisson}\n"
      "  t0: {size: 1, model: truenorth}\n  t1: {size: 1, model: truenorth}\n"
      "mapping: {place: {t0: {core: 1}}}\n"
      "projections:\n"
      "  - {from: x1, to: t0, connector: all_to_all, weight: 1}\n"
      "  - {from: x2, to: t1, connector: all_to_all, weight: 2}\n"
      "  - {from: x3, to: t0, connector: all_to_all, weight: 2}\n"
      "  - {from: x4, to: t1, connector: all_to_all, weight: 1}\n"
      "  - {from: x5, to: t0, connector: all_to_all, weight: 3}\n"
      "  - {from: x5, to: t1, connector: all_to_all, weight: 3}\n"
      "  - {from: x6, to: t0, connector: all_to_all, weight: 4}\n"
      "  - {from: x6, to: t1, connector: all_to_all, weight: 4}\n"
      "  - {from: x7, to: t0, connector: all_to_all, weight: 1}\n"
      "  - {from: x7, to: t1, connector: all_to_all, weight: 1}\n";
  cr_assert_eq(tn_validate(text, &err), 0, "a type per weight fits: %s", err);
  free(err);
}

/* The crossbar's other rules, each refused at build (exit 2) with the core
 * and population: a truenorth neuron with two destination cores, a delay
 * beyond 15 ticks, two delays on one axon, a model other than truenorth,
 * a weight exponent, a plastic projection. */
Test(truenorth_core, crossbar_rules) {
  static const struct { const char *pops, *projs, *frag; } cases[] = {
      {"  a: {size: 2, model: truenorth}\n  b: {size: 2, model: truenorth}\n"
       "  c: {size: 2, model: truenorth}\nmapping: {place: {b: {core: 1}, c: {core: 2}}}\n",
       "  - {from: a, to: b, connector: all_to_all, weight: 1}\n"
       "  - {from: a, to: c, connector: all_to_all, weight: 1}\n",
       "neuron 0 of 'a' sends to 2 cores; a TrueNorth neuron has one destination"},
      {"  a: {size: 2, model: poisson}\n  b: {size: 2, model: truenorth}\n",
       "  - {from: a, to: b, connector: all_to_all, weight: 1, delay: 16}\n",
       "its delay exceeds 15 ticks"},
      {"  a: {size: 2, model: poisson}\n  b: {size: 2, model: truenorth}\n",
       "  - {from: a, to: b, connector: one_to_one, weight: 1, delay: 1}\n"
       "  - {from: a, to: b, connector: one_to_one, weight: 2, delay: 2}\n",
       "its synapses have different delays"},
      {"  a: {size: 2, model: poisson}\n  b: {size: 2, model: truenorth}\n",
       "  - {from: a, to: b, connector: all_to_all, weight: 1}\n"
       "  - {from: a, to: b, connector: all_to_all, weight: 2}\n",
       "it has two synapses onto one neuron"},
      {"  a: {size: 2, model: poisson}\n  b: {size: 2, model: lif}\n",
       "  - {from: a, to: b, connector: all_to_all, weight: 1 nA}\n",
       "model lif cannot run on chip 'truenorth'"},
      {"  a: {size: 2, model: poisson}\n  b: {size: 2, model: truenorth}\n",
       "  - {from: a, to: b, connector: all_to_all, weight: 1, weight_exp: 1}\n",
       "weight_exp 1: chip 'truenorth' (core_kind truenorth) adds integer weights"},
      /* the loader takes plasticity onto floating-point targets only; the
       * chip refuses it before it would refuse the model */
      {"  a: {size: 2, model: poisson}\n  b: {size: 2, model: lif}\n",
       "  - {from: a, to: b, connector: all_to_all, weight: 0.5,\n"
       "     plasticity: {a_plus: 0.005, a_minus: 0.00525, tau_plus: 20 ms, tau_minus: 20 ms, "
       "w_min: 0, w_max: 1}}\n",
       "projections[0]: chip 'truenorth' (core_kind truenorth) has no on-chip learning"},
  };
  char text[2048], *err = NULL;
  for (size_t i = 0; i < N(cases); i++) {
    snprintf(text, sizeof text, "chip: truenorth\nsteps: 10\npopulations:\n%sprojections:\n%s",
             cases[i].pops, cases[i].projs);
    int st = tn_validate(text, &err);
    cr_assert_eq(st, 2, "case %zu: exit %d, expected 2 (%s)", i, st, err);
    EXPECT_HAS(err, cases[i].frag);
    free(err);
  }
}
