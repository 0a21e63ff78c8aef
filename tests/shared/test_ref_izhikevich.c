/* test_ref_izhikevich.c: "izhikevich" (forward Euler) and "izhikevich_paper"
 * (the 2003 code's two half steps) against every case of
 * shared/reference/izhikevich.json (models-spec section 3). */
#include "shared/ref_util.h"

/* Spike times of model `model` with the case's parameters and constant input
 * I at step dt, over the case's duration; malloc'd, count in *n. */
static double *izh_run(const char *model, struct fy_node *cs, const char *name, double dt,
                       size_t *n) {
  struct fy_node *p = ref_get(cs, "params", name), *in = ref_get(cs, "input", name);
  ref_blk k;
  ref_model(&k, model);
  void *it = NULL;
  struct fy_node_pair *pr;
  while ((pr = fy_node_mapping_iterate(p, &it))) {
    const char *key = ref_str(fy_node_pair_key(pr));
    struct fy_node *val = fy_node_pair_value(pr);
    if (strcmp(key, "u0") == 0)
      cr_assert_str_eq(ref_str(val), "b*v0", "%s: u0 must be b*v0 (the model's rule)", name);
    else if (strcmp(key, "v0") == 0)
      ref_set(&k, "v_init", ref_num(val));
    else
      ref_set(&k, key, ref_num(val));
  }
  return ref_run_constant(&k, cs, in, name, "I", "i_bias", dt, n);
}

/* Every case and every scheme in it:
 *  - paper_scheme (dt 1 ms) with "izhikevich_paper", forward_euler_0p1 with
 *    "izhikevich": the first robust_prefix_len spike times equal the file's to
 *    1e-9 ms, and the spike count is within +-1 (later spikes are
 *    ill-conditioned for the scheme, as the file says);
 *  - converged_reference (forward Euler at dt 0.001 ms): "izhikevich" at that dt
 *    is such an integrator; every spike within
 *    converged_vs_any_accurate_integrator_ms and the same count.
 * The case's a, b, c, d equal the model's preset of the same name. */
Test(ref_izhikevich, every_case_every_scheme) {
  struct fy_document *d = ref_load("izhikevich.json");
  struct fy_node *cases = ref_get(ref_root(d), "cases", "izhikevich.json");
  cr_assert(ref_len(cases) > 0, "no cases");
  for (size_t c = 0; c < ref_len(cases); c++) {
    struct fy_node *cs = ref_item(cases, c);
    const char *name = ref_str(ref_get(cs, "name", "case"));
    struct fy_node *exp = ref_get(cs, "expected", name), *tol = ref_get(cs, "tolerance", name);

    const nmsim_neuron_type *m = nmsim_neuron_type_find("izhikevich");
    const nmsim_preset *ps = nmsim_model_preset(m, name);
    cr_assert(ps != NULL, "izhikevich has no preset %s", name);
    for (size_t j = 0; j < ps->n_values; j++) {
      double want = ref_num_at(ref_get(cs, "params", name), ps->values[j].name, name);
      cr_assert_eq(ps->values[j].value, want, "preset %s: %s = %g, file %g", name,
                   ps->values[j].name, ps->values[j].value, want);
    }

    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(exp, &it))) {
      const char *scheme = ref_str(fy_node_pair_key(pr));
      struct fy_node *sc = fy_node_pair_value(pr);
      double dt = ref_num_at(sc, "dt_ms", name);
      size_t nw, ng;
      double *want = ref_nums(ref_get(sc, "spike_times_ms", scheme), &nw);
      if (strcmp(scheme, "converged_reference") == 0) {
        double tl = ref_num_at(tol, "converged_vs_any_accurate_integrator_ms", name);
        double *got = izh_run("izhikevich", cs, name, dt, &ng);
        cr_assert_eq(ng, nw, "%s %s: %zu spikes, expected %zu", name, scheme, ng, nw);
        for (size_t i = 0; i < nw; i++)
          cr_assert(fabs(got[i] - want[i]) <= tl, "%s %s: spike %zu at %.4f, expected %.4f +- %g",
                    name, scheme, i, got[i], want[i], tl);
        free(got);
      } else {
        const char *model = strcmp(scheme, "paper_scheme") == 0        ? "izhikevich_paper"
                            : strcmp(scheme, "forward_euler_0p1") == 0 ? "izhikevich"
                                                                       : NULL;
        cr_assert(model != NULL, "%s: unknown scheme '%s'", name, scheme);
        size_t robust = (size_t)ref_num_at(sc, "robust_prefix_len", scheme);
        double *got = izh_run(model, cs, name, dt, &ng);
        cr_assert(ng + 1 >= nw && ng <= nw + 1, "%s %s: %zu spikes, expected %zu +- 1", name,
                  scheme, ng, nw);
        cr_assert(robust <= nw && robust <= ng, "%s %s: robust prefix %zu of %zu/%zu", name,
                  scheme, robust, nw, ng);
        for (size_t i = 0; i < robust; i++)
          cr_assert(fabs(got[i] - want[i]) <= 1e-9, "%s %s: spike %zu at %.4f, expected %.4f",
                    name, scheme, i, got[i], want[i]);
        free(got);
      }
      free(want);
    }
  }
  fy_document_destroy(d);
}

/* Every preset of Izhikevich 2003 Fig. 2 is there with the paper's values
 * (TC and RZ are not in the JSON file). */
Test(ref_izhikevich, presets_of_the_paper) {
  static const struct { const char *name; double a, b, c, d; } fig2[] = {
      {"RS", 0.02, 0.2, -65, 8},  {"IB", 0.02, 0.2, -55, 4},   {"CH", 0.02, 0.2, -50, 2},
      {"FS", 0.1, 0.2, -65, 2},   {"LTS", 0.02, 0.25, -65, 2}, {"TC", 0.02, 0.25, -65, 0.05},
      {"RZ", 0.1, 0.26, -65, 2},
  };
  for (int v = 0; v < 2; v++) {
    const nmsim_neuron_type *m = nmsim_neuron_type_find(v ? "izhikevich_paper" : "izhikevich");
    cr_assert_eq(m->n_presets, 7, "%s: %zu presets, expected 7", m->name, m->n_presets);
    for (size_t i = 0; i < 7; i++) {
      ref_blk k;
      ref_model(&k, m->name);
      ref_preset(&k, fig2[i].name);
      double want[4] = {fig2[i].a, fig2[i].b, fig2[i].c, fig2[i].d};
      const char *pn[4] = {"a", "b", "c", "d"};
      for (int j = 0; j < 4; j++) {
        double got = k.values[nmsim_model_param_index(m, pn[j])];
        cr_assert_eq(got, want[j], "%s %s: %s = %g, expected %g", m->name, fig2[i].name, pn[j],
                     got, want[j]);
      }
    }
  }
}
