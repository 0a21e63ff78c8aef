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

#include "nmsim/model.h"
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
