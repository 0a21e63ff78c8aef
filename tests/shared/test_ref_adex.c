/* test_ref_adex.c: the "adex" model against every case of
 * shared/reference/adex.json (Naud et al. 2008 firing patterns; models-spec 4). */
#include "shared/ref_util.h"

static const struct { const char *json, *param; } adex_map[] = {
    {"C_pF", "c_m"},    {"gL_nS", "g_l"},      {"EL_mV", "e_l"}, {"VT_mV", "v_t"},
    {"DeltaT_mV", "delta_t"}, {"a_nS", "a"},   {"tau_w_ms", "tau_w"}, {"b_pA", "b"},
    {"Vr_mV", "v_r"},   {"V_peak_mV", "v_peak"},
};

static const char *adex_param(const char *key) {
  for (size_t i = 0; i < sizeof adex_map / sizeof adex_map[0]; i++)
    if (strcmp(adex_map[i].json, key) == 0) return adex_map[i].param;
  return NULL;
}

/* Spike times of "adex" with the case's parameters and constant current at dt. */
static double *adex_run(struct fy_node *cs, const char *name, double dt, size_t *n) {
  struct fy_node *p = ref_get(cs, "params", name), *in = ref_get(cs, "input", name);
  ref_blk k;
  ref_model(&k, "adex");
  void *it = NULL;
  struct fy_node_pair *pr;
  while ((pr = fy_node_mapping_iterate(p, &it))) {
    const char *key = ref_str(fy_node_pair_key(pr));
    struct fy_node *val = fy_node_pair_value(pr);
    if (strcmp(key, "v0") == 0)
      cr_assert_str_eq(ref_str(val), "EL", "%s: v0 must be EL (the model's rule)", name);
    else if (strcmp(key, "w0") == 0)
      cr_assert_eq(ref_num(val), 0.0, "%s: w0 must be 0 (the model's rule)", name);
    else {
      const char *pn = adex_param(key);
      cr_assert(pn != NULL, "%s: parameter '%s' has no adex counterpart", name, key);
      ref_set(&k, pn, ref_num(val));
    }
  }
  return ref_run_constant(&k, cs, in, name, "I_pA", "i_e", dt, n);
}

/* Every case and scheme:
 *  - forward_euler_0p1: the same count, every spike within one step of the file;
 *  - converged_reference (Euler at 0.001 ms): "adex" at that dt gives every spike
 *    within converged_vs_accurate_integrator_ms, the same count, and ISIs within
 *    twice that of isis_ms.
 * The case's parameters equal the adex preset of the same name. */
Test(ref_adex, every_case_every_scheme) {
  struct fy_document *d = ref_load("adex.json");
  struct fy_node *cases = ref_get(ref_root(d), "cases", "adex.json");
  cr_assert(ref_len(cases) > 0, "no cases");
  for (size_t c = 0; c < ref_len(cases); c++) {
    struct fy_node *cs = ref_item(cases, c);
    const char *name = ref_str(ref_get(cs, "name", "case"));
    struct fy_node *exp = ref_get(cs, "expected", name), *tol = ref_get(cs, "tolerance", name);
    struct fy_node *params = ref_get(cs, "params", name);

    const nmsim_preset *ps = nmsim_model_preset(nmsim_neuron_type_find("adex"), name);
    cr_assert(ps != NULL, "adex has no preset '%s'", name);
    void *it = NULL;
    struct fy_node_pair *pr;
    size_t matched = 0;
    while ((pr = fy_node_mapping_iterate(params, &it))) {
      const char *pn = adex_param(ref_str(fy_node_pair_key(pr)));
      for (size_t j = 0; pn && j < ps->n_values; j++)
        if (strcmp(ps->values[j].name, pn) == 0) {
          cr_assert_eq(ps->values[j].value, ref_num(fy_node_pair_value(pr)),
                       "preset %s: %s = %g, file %g", name, pn, ps->values[j].value,
                       ref_num(fy_node_pair_value(pr)));
          matched++;
        }
    }
    cr_assert_eq(matched, ps->n_values, "preset %s: %zu of its %zu values in the file", name,
                 matched, ps->n_values);

    it = NULL;
    while ((pr = fy_node_mapping_iterate(exp, &it))) {
      const char *scheme = ref_str(fy_node_pair_key(pr));
      struct fy_node *sc = fy_node_pair_value(pr);
      double dt = ref_num_at(sc, "dt_ms", scheme);
      size_t nw, ng;
      double *want = ref_nums(ref_get(sc, "spike_times_ms", scheme), &nw);
      double *got = adex_run(cs, name, dt, &ng);
      cr_assert_eq(ng, nw, "%s %s: %zu spikes, expected %zu", name, scheme, ng, nw);
      if (strcmp(scheme, "forward_euler_0p1") == 0) {
        for (size_t i = 0; i < nw; i++)
          cr_assert(fabs(got[i] - want[i]) <= dt + 1e-9,
                    "%s %s: spike %zu at %.4f ms, expected %.4f (+- 1 step)", name, scheme, i,
                    got[i], want[i]);
      } else if (strcmp(scheme, "converged_reference") == 0) {
        double tl = ref_num_at(tol, "converged_vs_accurate_integrator_ms", name);
        for (size_t i = 0; i < nw; i++)
          cr_assert(fabs(got[i] - want[i]) <= tl, "%s %s: spike %zu at %.4f, expected %.4f +- %g",
                    name, scheme, i, got[i], want[i], tl);
        size_t ni;
        double *isi = ref_nums(ref_get(sc, "isis_ms", scheme), &ni);
        cr_assert_eq(ni + 1, nw, "%s: %zu ISIs for %zu spikes", name, ni, nw);
        for (size_t i = 0; i < ni; i++)
          cr_assert(fabs((got[i + 1] - got[i]) - isi[i]) <= 2 * tl,
                    "%s: ISI %zu = %.4f ms, expected %.4f", name, i, got[i + 1] - got[i], isi[i]);
        free(isi);
      } else {
        cr_assert_fail("%s: unknown scheme '%s'", name, scheme);
      }
      free(got);
      free(want);
    }
  }
  fy_document_destroy(d);
}

/* The eight Naud et al. 2008 (Table 1) patterns are presets; each fires under
 * its table current (given in the preset's help) within 500 ms and stays
 * silent without input. */
Test(ref_adex, presets_fire_under_their_table_current) {
  static const struct { const char *name; double I; } tbl[] = {
      {"tonic", 500}, {"adapting", 500}, {"initial_burst", 400}, {"regular_bursting", 210},
      {"delayed_accelerating", 300}, {"delayed_regular_bursting", 110}, {"transient", 180},
      {"irregular", 160},
  };
  const nmsim_neuron_type *m = nmsim_neuron_type_find("adex");
  cr_assert_eq(m->n_presets, 8, "%zu presets, expected 8", m->n_presets);
  for (size_t i = 0; i < 8; i++) {
    char want[32];
    snprintf(want, sizeof want, "I = %g pA", tbl[i].I);
    const nmsim_preset *ps = nmsim_model_preset(m, tbl[i].name);
    cr_assert(ps && strstr(ps->help, want), "preset %s help '%s' lacks '%s'", tbl[i].name,
              ps ? ps->help : "(none)", want);
    for (int drive = 0; drive < 2; drive++) {
      ref_blk k;
      ref_model(&k, "adex");
      ref_preset(&k, tbl[i].name);
      ref_set(&k, "i_e", drive ? tbl[i].I : 0.0);
      ref_start(&k, 1, 0.1);
      size_t n = 0;
      for (int s = 0; s < 5000; s++) n += ref_step(&k);
      if (drive)
        cr_assert(n >= 1, "%s under %g pA: no spike in 500 ms", tbl[i].name, tbl[i].I);
      else
        cr_assert_eq(n, 0, "%s without input: %zu spikes", tbl[i].name, n);
      ref_free(&k);
    }
  }
}
