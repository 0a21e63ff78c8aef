/* test_ref_loihi_cuba.c: the "loihi_cuba" model against every case of
 * shared/reference/loihi_cuba.json (Lava PyLifModelBitAcc; models-spec 2). */
#include "shared/ref_util.h"

/* Every case: with the case's parameters and a_in[k] delivered as the input of
 * step k + 1 (steps numbered from 1, as in Lava), u, v and the spike flag after
 * every step equal the expected integers exactly, and the spike steps equal
 * spike_steps. u0 and v0 must be 0 (the model's initial state). */
Test(ref_loihi_cuba, every_case_bit_exact) {
  struct fy_document *d = ref_load("loihi_cuba.json");
  struct fy_node *cases = ref_get(ref_root(d), "cases", "loihi_cuba.json");
  cr_assert(ref_len(cases) > 0, "no cases");
  for (size_t c = 0; c < ref_len(cases); c++) {
    struct fy_node *cs = ref_item(cases, c);
    const char *name = ref_str(ref_get(cs, "name", "case"));
    cr_assert_str_eq(ref_str(ref_get(cs, "tolerance", name)), "exact integer equality",
                     "%s: tolerance", name);
    struct fy_node *params = ref_get(cs, "params", name);
    ref_blk k;
    ref_model(&k, "loihi_cuba");
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(params, &it))) {
      const char *key = ref_str(fy_node_pair_key(pr));
      double v = ref_num(fy_node_pair_value(pr));
      if (strcmp(key, "u0") == 0 || strcmp(key, "v0") == 0)
        cr_assert_eq(v, 0.0, "%s: %s = %g; the model starts at 0", name, key, v);
      else
        ref_set(&k, key, v);
    }
    ref_start(&k, 1, 1.0);
    size_t n_steps = (size_t)ref_num_at(cs, "n_steps", name), n_in;
    struct fy_node *exp = ref_get(cs, "expected", name);
    double *a_in = ref_nums(ref_get(ref_get(cs, "input", name), "a_in", name), &n_in);
    size_t nu, nv, nsp, nst;
    double *eu = ref_nums(ref_get(exp, "u", name), &nu);
    double *ev = ref_nums(ref_get(exp, "v", name), &nv);
    double *es = ref_nums(ref_get(exp, "s", name), &nsp);
    double *steps = ref_nums(ref_get(exp, "spike_steps", name), &nst);
    cr_assert(nu == n_steps && nv == n_steps && nsp == n_steps && n_in >= n_steps,
              "%s: lengths u %zu v %zu s %zu a_in %zu for %zu steps", name, nu, nv, nsp, n_in,
              n_steps);
    const int32_t *u = ref_var(&k, "u"), *v = ref_var(&k, "v");
    size_t j = 0;
    for (size_t t = 0; t < n_steps; t++) {
      k.in[0][0] = a_in[t];
      size_t s = ref_step(&k);
      cr_assert_eq(u[0], (int32_t)eu[t], "%s step %zu: u = %d, expected %d", name, t + 1, u[0],
                   (int32_t)eu[t]);
      cr_assert_eq(v[0], (int32_t)ev[t], "%s step %zu: v = %d, expected %d", name, t + 1, v[0],
                   (int32_t)ev[t]);
      cr_assert_eq(s, (size_t)es[t], "%s step %zu: spiked %zu, expected %d", name, t + 1, s,
                   (int)es[t]);
      if (s) {
        cr_assert(j < nst && (size_t)steps[j] == t + 1, "%s: spike at step %zu, expected %s %g",
                  name, t + 1, j < nst ? "step" : "none, after", j < nst ? steps[j] : 0.0);
        j++;
      }
    }
    cr_assert_eq(j, nst, "%s: %zu spikes, expected %zu", name, j, nst);
    free(a_in), free(eu), free(ev), free(es), free(steps);
    ref_free(&k);
  }
  fy_document_destroy(d);
}

/* Lava Dense with a negative weight_exp floors the projection's summed input
 * (np.right_shift is arithmetic): -3 >> 1 = -2, 3 >> 1 = 1. The engine hands
 * loihi_cuba that sum scaled by 2^weight_exp as a double; the model's a_in must
 * be the floor: with du = 4095 (u cleared each step) u = a_in << 6. */
Test(ref_loihi_cuba, negative_weight_exp_floors_the_sum) {
  static const double sums[] = {3, -3, 5, -5, 1, -1, 0, 255 * 4, -256};
  static const int exps[] = {-1, -1, -2, -2, -3, -3, -1, -2, -7};
  ref_blk k;
  ref_model(&k, "loihi_cuba");
  ref_set(&k, "du", 4095);
  ref_set(&k, "vth", 131071);
  ref_start(&k, 1, 1.0);
  const int32_t *u = ref_var(&k, "u");
  for (size_t i = 0; i < sizeof sums / sizeof sums[0]; i++) {
    k.in[0][0] = ldexp(sums[i], exps[i]);
    ref_step(&k);
    int64_t want = (int64_t)floor(ldexp(sums[i], exps[i])) * 64;
    cr_assert_eq(u[0], want, "sum %g, weight_exp %d: u = %d, expected %lld (floor, then << 6)",
                 sums[i], exps[i], u[0], (long long)want);
  }
  ref_free(&k);
}

/* a_in saturates at the 16 bits of Lava's a_in port: 40000 acts as 32767 and
 * -40000 as -32768 (u cleared each step by du = 4095). */
Test(ref_loihi_cuba, a_in_saturates_to_int16) {
  ref_blk k;
  ref_model(&k, "loihi_cuba");
  ref_set(&k, "du", 4095);
  ref_set(&k, "vth", 131071);
  ref_start(&k, 1, 1.0);
  const int32_t *u = ref_var(&k, "u");
  k.in[0][0] = 40000;
  ref_step(&k);
  cr_assert_eq(u[0], 32767 * 64, "u = %d, expected %d", u[0], 32767 * 64);
  k.in[0][0] = -40000;
  ref_step(&k);
  cr_assert_eq(u[0], -32768 * 64, "u = %d, expected %d", u[0], -32768 * 64);
  ref_free(&k);
}
