/* test_ref_stdp.c: the plasticity functions of models/stdp.h against every case
 * of shared/reference/stdp.json (pair STDP and Lava's float trace; models-spec 6). */
#include "models/stdp.h"
#include "shared/ref_util.h"

/* One spike of a merged pre/post train. */
typedef struct ev { double t; bool pre; } ev;

static int ev_cmp(const void *a, const void *b) {
  const ev *x = a, *y = b;
  if (x->t != y->t) return x->t < y->t ? -1 : 1;
  return (int)y->pre - (int)x->pre; /* pre first at equal times */
}

/* Every case and every variant in it (additive/multiplicative x all/nearest):
 * replaying the merged spike trains through stdp_on_pre/stdp_on_post (traces
 * decayed in closed form to each event; pre before post at equal times) gives
 * the trajectory's weight after every spike, and the final weight, within
 * w_abs. The events of the trajectory are the file's, in its order. */
Test(ref_stdp, every_pair_case_and_variant) {
  struct fy_document *d = ref_load("stdp.json");
  struct fy_node *cases = ref_get(ref_root(d), "cases", "stdp.json");
  cr_assert(ref_len(cases) > 0, "no cases");
  for (size_t c = 0; c < ref_len(cases); c++) {
    struct fy_node *cs = ref_item(cases, c);
    const char *name = ref_str(ref_get(cs, "name", "case"));
    struct fy_node *pm = ref_get(cs, "params", name), *in = ref_get(cs, "input", name);
    double w_abs = ref_num_at(ref_get(cs, "tolerance", name), "w_abs", name);
    stdp_params p = {.a_plus = ref_num_at(pm, "A_plus", name),
                     .a_minus = ref_num_at(pm, "A_minus", name),
                     .tau_plus = ref_num_at(pm, "tau_plus_ms", name),
                     .tau_minus = ref_num_at(pm, "tau_minus_ms", name),
                     .w_min = ref_num_at(pm, "w_min", name),
                     .w_max = ref_num_at(pm, "w_max", name)};
    cr_assert_eq(fy_node_mapping_item_count(pm), 6, "%s: unknown parameters", name);
    size_t npre, npost;
    double *tpre = ref_nums(ref_get(in, "pre_spike_times_ms", name), &npre);
    double *tpost = ref_nums(ref_get(in, "post_spike_times_ms", name), &npost);
    size_t ne = npre + npost;
    ev *evs = malloc(sizeof(ev) * (ne ? ne : 1));
    for (size_t i = 0; i < npre; i++) evs[i] = (ev){tpre[i], true};
    for (size_t i = 0; i < npost; i++) evs[npre + i] = (ev){tpost[i], false};
    qsort(evs, ne, sizeof(ev), ev_cmp);

    void *it = NULL;
    struct fy_node_pair *pr;
    struct fy_node *exp = ref_get(cs, "expected", name);
    while ((pr = fy_node_mapping_iterate(exp, &it))) {
      const char *var = ref_str(fy_node_pair_key(pr));
      struct fy_node *vx = fy_node_pair_value(pr);
      char dep[32], pairing[32];
      cr_assert(sscanf(var, "%31[a-z]_%31s", dep, pairing) == 2, "%s: variant '%s'", name, var);
      cr_assert(strcmp(dep, "additive") == 0 || strcmp(dep, "multiplicative") == 0,
                "%s: weight dependence '%s'", name, dep);
      cr_assert(strcmp(pairing, "all") == 0 || strcmp(pairing, "nearest") == 0,
                "%s: pairing '%s'", name, pairing);
      p.dep = dep[0] == 'a' ? STDP_ADDITIVE : STDP_MULTIPLICATIVE;
      p.pairing = pairing[0] == 'a' ? STDP_ALL_TO_ALL : STDP_NEAREST;
      char msg[128];
      cr_assert_eq(stdp_check(&p, msg, sizeof msg), NMSIM_OK, "%s: %s", name, msg);

      double w = ref_num_at(cs, "w0", name);
      stdp_trace x = stdp_trace_init(0.0), y = stdp_trace_init(0.0);
      struct fy_node *traj = ref_get(vx, "trajectory", var);
      cr_assert_eq(ref_len(traj), ne, "%s %s: %zu trajectory entries for %zu spikes", name, var,
                   ref_len(traj), ne);
      for (size_t i = 0; i < ne; i++) {
        struct fy_node *e = ref_item(traj, i);
        double t = ref_num_at(e, "t_ms", var);
        const char *kind = ref_str(ref_get(e, "spike", var));
        cr_assert(t == evs[i].t && strcmp(kind, evs[i].pre ? "pre" : "post") == 0,
                  "%s %s: event %zu is %s at %g, the trains give %s at %g", name, var, i, kind,
                  t, evs[i].pre ? "pre" : "post", evs[i].t);
        w = evs[i].pre ? stdp_on_pre(&p, w, &x, &y, t) : stdp_on_post(&p, w, &x, &y, t);
        double want = ref_num_at(e, "w", var);
        cr_assert(fabs(w - want) <= w_abs, "%s %s: w after %s at %g ms = %.17g, expected %.17g",
                  name, var, kind, t, w, want);
      }
      double wf = ref_num_at(vx, "w_final", var);
      cr_assert(fabs(w - wf) <= w_abs, "%s %s: final w %.17g, expected %.17g", name, var, w, wf);
    }
    free(evs), free(tpre), free(tpost);
  }
  fy_document_destroy(d);
}

/* Every Lava float trace case: a trace with times and tau in steps, bumped by
 * `impulse` at each spike step (all-to-all), read after every step
 * t = 1..n_steps, equals expected[t-1] within the case's abs tolerance (Lava:
 * x <- x e^{-1/tau} each step, + impulse when the neuron spiked). */
Test(ref_stdp, every_lava_trace_case) {
  struct fy_document *d = ref_load("stdp.json");
  struct fy_node *cases = ref_get(ref_root(d), "lava_trace_cases", "stdp.json");
  cr_assert(ref_len(cases) > 0, "no Lava trace cases");
  for (size_t c = 0; c < ref_len(cases); c++) {
    struct fy_node *cs = ref_item(cases, c);
    const char *name = ref_str(ref_get(cs, "name", "case"));
    double tau = ref_num_at(cs, "tau_steps", name), imp = ref_num_at(cs, "impulse", name);
    double tl = ref_num_at(ref_get(cs, "tolerance", name), "abs", name);
    size_t n = (size_t)ref_num_at(cs, "n_steps", name), ns, ne;
    double *spk = ref_nums(ref_get(cs, "spike_steps", name), &ns);
    double *want = ref_nums(ref_get(cs, "expected", name), &ne);
    cr_assert_eq(ne, n, "%s: %zu expected values for %zu steps", name, ne, n);
    stdp_trace x = stdp_trace_init(0.0);
    size_t j = 0;
    for (size_t t = 1; t <= n; t++) {
      if (j < ns && (size_t)spk[j] == t) {
        stdp_trace_spike(&x, tau, (double)t, imp, STDP_ALL_TO_ALL);
        j++;
      }
      double got = stdp_trace_at(&x, tau, (double)t);
      cr_assert(fabs(got - want[t - 1]) <= tl, "%s step %zu: trace %.9f, expected %.9f", name, t,
                got, want[t - 1]);
    }
    free(spk), free(want);
  }
  fy_document_destroy(d);
}

/* Lava's STDPLoihi sum of products: dw = A- x0 y1 + A+ y0 x1 (A- < 0 in Lava).
 * A pre spike alone depresses by A- y1, a post spike alone potentiates by
 * A+ x1, both together add both terms, and no spike changes nothing. */
Test(ref_stdp, lava_pair_rule_terms) {
  double ap = 0.5, am = -0.25, x1 = 3.0, y1 = 2.0;
  cr_assert_eq(stdp_lava_pair_dw(ap, am, true, false, x1, y1), am * y1);
  cr_assert_eq(stdp_lava_pair_dw(ap, am, false, true, x1, y1), ap * x1);
  cr_assert_eq(stdp_lava_pair_dw(ap, am, true, true, x1, y1), am * y1 + ap * x1);
  cr_assert_eq(stdp_lava_pair_dw(ap, am, false, false, x1, y1), 0.0);
}

/* The pair window: one pre-post pair at dt > 0 changes w by A+ e^{-dt/tau+},
 * a post-pre pair by -A- e^{-dt/tau-} (additive, far from the bounds); the
 * bounds clip; stdp_check refuses a non-positive tau or w_min > w_max. */
Test(ref_stdp, window_bounds_and_check) {
  stdp_params p = {.a_plus = 0.01, .a_minus = 0.012, .tau_plus = 17, .tau_minus = 34,
                   .w_min = -1, .w_max = 1, .dep = STDP_ADDITIVE, .pairing = STDP_ALL_TO_ALL};
  for (double dt = 1; dt <= 64; dt *= 2) {
    stdp_trace x = stdp_trace_init(0), y = stdp_trace_init(0);
    double w = stdp_on_pre(&p, 0.0, &x, &y, 100.0);
    w = stdp_on_post(&p, w, &x, &y, 100.0 + dt);
    cr_assert(fabs(w - 0.01 * exp(-dt / 17)) < 1e-15, "LTP at %g: %.17g", dt, w);
    x = stdp_trace_init(0), y = stdp_trace_init(0);
    w = stdp_on_post(&p, 0.0, &x, &y, 100.0);
    w = stdp_on_pre(&p, w, &x, &y, 100.0 + dt);
    cr_assert(fabs(w + 0.012 * exp(-dt / 34)) < 1e-15, "LTD at %g: %.17g", dt, w);
  }
  cr_assert_eq(stdp_potentiate(&p, 0.999, 1.0), 1.0, "upper bound");
  cr_assert_eq(stdp_depress(&p, -0.995, 1.0), -1.0, "lower bound");
  char msg[128];
  stdp_params bad = p;
  bad.tau_minus = 0;
  cr_assert_eq(stdp_check(&bad, msg, sizeof msg), NMSIM_EINPUT);
  cr_assert(strstr(msg, "tau_minus"), "message '%s'", msg);
  bad = p;
  bad.w_min = 2;
  cr_assert_eq(stdp_check(&bad, msg, sizeof msg), NMSIM_EINPUT);
  cr_assert(strstr(msg, "w_min"), "message '%s'", msg);
}
