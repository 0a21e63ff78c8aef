/* test_ref_l5pc.c: the two-compartment "l5pc" model against every case of
 * shared/reference/l5pc_two_compartment.json (BAC firing; models-spec 5b). */
#include "shared/ref_util.h"

static const struct { const char *json, *param; } l5_map[] = {
    {"EL", "e_l"},         {"Vreset", "v_reset"}, {"Vthr0", "theta0"},  {"tau_thr", "tau_thr"},
    {"dthr", "dtheta"},    {"tau_s", "tau_s"},    {"Cs", "c_s"},        {"gs", "g_s"},
    {"tau_ws", "tau_ws"},  {"b_ws", "b_ws"},      {"tau_d", "tau_d"},   {"Cd", "c_d"},
    {"gd", "g_d"},         {"tau_wd", "tau_wd"},  {"a_wd", "a_wd"},     {"c_d", "bap_amp"},
    {"K_len", "bap_len"},  {"Ed", "e_d"},         {"Dd", "d_d"},        {"wd0_mV", "wd_init"},
};

/* Current of a "none", "pulse" or "step" input description in step n. */
typedef struct l5_drive { double amp; long on, off; } l5_drive;

static l5_drive l5_input(struct fy_node *in, const char *name, double dt) {
  const char *type = ref_str(ref_get(in, "type", name));
  if (strcmp(type, "none") == 0) return (l5_drive){0, 0, 0};
  l5_drive dr = {ref_num_at(in, "I_pA", name), llround(ref_num_at(in, "t_on_ms", name) / dt),
                 -1};
  if (strcmp(type, "pulse") == 0) dr.off = llround(ref_num_at(in, "t_off_ms", name) / dt);
  else cr_assert_str_eq(type, "step", "%s: input type", name);
  return dr;
}

static double l5_at(const l5_drive *dr, long n) {
  return n >= dr->on && (dr->off < 0 || n < dr->off) ? dr->amp : 0.0;
}

/* Every case, with the file's parameters, forward Euler at its dt and the
 * input currents injected on the basal (soma) and apical (dendrite) sites:
 * the spike count equals the file's exactly, every spike lies within the
 * case's spike_times_ms tolerance (0.2 ms), and the burst statistics (ISI <=
 * 16 ms) equal stats_burst_isi_16ms field by field. The file's parameters also
 * equal the model's defaults. */
Test(ref_l5pc, every_case) {
  struct fy_document *d = ref_load("l5pc_two_compartment.json");
  struct fy_node *root = ref_root(d);
  struct fy_node *params = ref_get(root, "params", "l5pc"), *cases = ref_get(root, "cases", "l5pc");
  double dt = ref_num_at(root, "dt_ms", "l5pc");
  cr_assert(ref_len(cases) > 0, "no cases");
  for (size_t c = 0; c < ref_len(cases); c++) {
    struct fy_node *cs = ref_item(cases, c);
    const char *name = ref_str(ref_get(cs, "name", "case"));
    ref_blk k;
    ref_model(&k, "l5pc");
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(params, &it))) {
      const char *key = ref_str(fy_node_pair_key(pr)), *pn = NULL;
      for (size_t i = 0; i < sizeof l5_map / sizeof l5_map[0]; i++)
        if (strcmp(l5_map[i].json, key) == 0) pn = l5_map[i].param;
      cr_assert(pn != NULL, "parameter '%s' has no l5pc counterpart", key);
      int pi = nmsim_model_param_index(k.m, pn);
      cr_assert(pi >= 0 && k.m->params[pi].def == ref_num(fy_node_pair_value(pr)),
                "l5pc default %s = %g, file %s = %g", pn, pi >= 0 ? k.m->params[pi].def : NAN,
                key, ref_num(fy_node_pair_value(pr)));
      ref_set(&k, pn, ref_num(fy_node_pair_value(pr)));
    }
    ref_start(&k, 1, dt);
    struct fy_node *in = ref_get(cs, "input", name);
    l5_drive soma = l5_input(ref_get(in, "soma", name), name, dt);
    l5_drive dend = l5_input(ref_get(in, "dendrite", name), name, dt);
    int sb = ref_site(&k, "basal"), sa = ref_site(&k, "apical");
    long steps = llround(ref_num_at(cs, "duration_ms", name) / dt);
    double *t = malloc(sizeof(double) * (size_t)(steps + 1));
    size_t n = 0;
    for (long s = 0; s < steps; s++) {
      k.in[sb][0] = l5_at(&soma, s);
      k.in[sa][0] = l5_at(&dend, s);
      if (ref_step(&k)) t[n++] = (double)(s + 1) * dt;
    }

    struct fy_node *exp = ref_get(cs, "expected", name);
    double tl = ref_num_at(ref_get(cs, "tolerance", name), "spike_times_ms", name);
    size_t nw;
    double *want = ref_nums(ref_get(exp, "spike_times_ms", name), &nw);
    cr_assert_eq(n, nw, "%s: %zu spikes, expected %zu", name, n, nw);
    for (size_t i = 0; i < n; i++)
      cr_assert(fabs(t[i] - want[i]) <= tl + 1e-9, "%s: spike %zu at %.2f ms, expected %.2f",
                name, i, t[i], want[i]);
    ref_burst_stats st = ref_bursts(t, n, 16.0);
    struct fy_node *es = ref_get(exp, "stats_burst_isi_16ms", name);
    const struct { const char *key; double got; } stats[] = {
        {"n_spikes", (double)st.n_spikes},   {"n_events", (double)st.n_events},
        {"n_bursts", (double)st.n_bursts},   {"n_singlets", (double)st.n_singlets},
        {"max_spikes_per_event", (double)st.max_per_event},
        {"burst_fraction", st.n_events ? (double)st.n_bursts / (double)st.n_events : 0.0},
    };
    for (size_t i = 0; i < sizeof stats / sizeof stats[0]; i++) {
      double w = ref_num_at(es, stats[i].key, name);
      cr_assert(fabs(stats[i].got - w) < 1e-12, "%s: %s = %g, expected %g", name, stats[i].key,
                stats[i].got, w);
    }
    free(want);
    free(t);
    ref_free(&k);
  }
  fy_document_destroy(d);
}
