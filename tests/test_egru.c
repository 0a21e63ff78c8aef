/* test_egru.c: the `egru` model against the NumPy reference vectors of
 * tests/data/egru (made by make_vectors.py from the paper's equations; every
 * JSON file there is a case, whatever its name):
 * - unit cases drive each unit through the model's descriptor with the
 *   case's per-step site inputs and compare every state variable and every
 *   event (and the value it carries);
 * - network cases run the case's populations and projections as a scenario
 *   (graded events through weighted projections onto the gates, recurrence,
 *   stacked layers) and compare c and y of every unit at every step, in timed
 *   mode on the test chip with at most 3 units a core, in functional mode,
 *   and in network mode. */
#include <glob.h>
#include <hdf5.h>

#include "shared/ref_util.h"
#include "sim/load/scenario_int.h"
#include "sim/system/run_int.h"
#include "tests_util.h"

static struct fy_document *load_case(const char *path) {
  struct fy_document *d = fy_document_build_from_file(NULL, path);
  cr_assert(d != NULL, "cannot parse %s", path);
  return d;
}

static bool close_to(double got, double want, struct fy_node *tol, const char *what) {
  double a = ref_num_at(tol, "abs", what), r = ref_num_at(tol, "rel", what);
  return fabs(got - want) <= a || fabs(got - want) <= r * fabs(want);
}

/* A unit case: unit i alone, with its parameters, driven step by step. */
static size_t run_unit_case(const char *path, struct fy_node *root) {
  size_t n = (size_t)ref_num_at(root, "units", path), steps = (size_t)ref_num_at(root, "steps", path);
  struct fy_node *params = ref_get(root, "params", path), *in = ref_get(root, "inputs", path);
  struct fy_node *exp = ref_get(root, "expected", path), *tol = ref_get(root, "tolerance", path);
  static const char *vars[] = {"c", "u", "r", "z", "y"};
  size_t events = 0;
  for (size_t i = 0; i < n; i++) {
    ref_blk k;
    ref_model(&k, "egru");
    struct fy_node_pair *it = NULL, *pp;
    size_t np = 0;
    while ((pp = fy_node_mapping_iterate(params, (void **)&it)) != NULL) {
      const char *pname = fy_node_get_scalar0(fy_node_pair_key(pp));
      ref_set(&k, pname, ref_num(ref_item(fy_node_pair_value(pp), i)));
      np++;
    }
    cr_assert_eq(np, k.m->n_params - 1, "%s: %zu parameters given (all but c_init)", path, np);
    ref_start(&k, 1, 1.0);
    for (size_t t = 0; t < steps; t++) {
      for (size_t s = 0; s < k.m->n_sites; s++)
        k.in[s][0] = ref_num(ref_item(ref_item(ref_get(in, k.m->sites[s], path), t), i));
      size_t ns = ref_step(&k);
      for (size_t v = 0; v < 5; v++) {
        double want = ref_num(ref_item(ref_item(ref_get(exp, vars[v], path), t), i));
        double got = ((double *)ref_var(&k, vars[v]))[0];
        cr_assert(close_to(got, want, tol, path), "%s: unit %zu step %zu: %s = %.17g, expected "
                  "%.17g", path, i, t, vars[v], got, want);
      }
      double y = ((double *)ref_var(&k, "y"))[0];
      cr_assert_eq(ns, y != 0.0 ? 1u : 0u, "%s: unit %zu step %zu: %zu events, y %g", path, i, t,
                   ns, y);
      if (ns) cr_assert_eq(k.out_value[0], y, "%s: the event carries %.17g, y is %.17g", path,
                           k.out_value[0], y);
      events += ns;
    }
    ref_free(&k);
  }
  return events;
}

/* The scenario of a network case: its populations (spike sources, then egru
 * layers with per-unit parameter lists) and projections (weighted lists). */
static char *network_text(const char *path, struct fy_node *root, const char *mode,
                          bool spread) {
  size_t cap = 1 << 20, len = 0;
  char *t = malloc(cap);
#define PUT(...) len += (size_t)snprintf(t + len, cap - len, __VA_ARGS__)
  PUT("chip: test\nseed: 1\nsteps: %zu\nengine: {mode: %s}\npopulations:\n",
      (size_t)ref_num_at(root, "steps", path), mode);
  struct fy_node *pops = ref_get(root, "populations", path);
  for (size_t p = 0; p < ref_len(pops); p++) {
    struct fy_node *pn = ref_item(pops, p), *sp = ref_opt(pn, "spikes");
    const char *name = ref_str(ref_get(pn, "name", path));
    PUT("  %s: {size: %zu, ", name, (size_t)ref_num_at(pn, "size", path));
    if (sp) {
      PUT("model: spike_array, spikes: [");
      for (size_t i = 0; i < ref_len(sp); i++) {
        struct fy_node *l = ref_item(sp, i);
        PUT("%s[", i ? ", " : "");
        for (size_t j = 0; j < ref_len(l); j++) PUT("%s%.0f", j ? ", " : "", ref_num(ref_item(l, j)));
        PUT("]");
      }
      PUT("]}\n");
      continue;
    }
    PUT("model: egru, params: {");
    struct fy_node_pair *it = NULL, *pp;
    bool first = true;
    while ((pp = fy_node_mapping_iterate(ref_get(pn, "params", path), (void **)&it)) != NULL) {
      struct fy_node *vals = fy_node_pair_value(pp);
      PUT("%s%s: [", first ? "" : ", ", fy_node_get_scalar0(fy_node_pair_key(pp)));
      for (size_t i = 0; i < ref_len(vals); i++)
        PUT("%s%.17g", i ? ", " : "", ref_num(ref_item(vals, i)));
      PUT("]");
      first = false;
    }
    PUT("}}\n");
  }
  PUT("projections:\n");
  struct fy_node *projs = ref_get(root, "projections", path);
  for (size_t p = 0; p < ref_len(projs); p++) {
    struct fy_node *pj = ref_item(projs, p), *pairs = ref_get(pj, "pairs", path);
    PUT("  - {from: %s, to: %s, site: %s, allow_self: true, connector: {list: [",
        ref_str(ref_get(pj, "from", path)), ref_str(ref_get(pj, "to", path)),
        ref_str(ref_get(pj, "site", path)));
    for (size_t i = 0; i < ref_len(pairs); i++) {
      struct fy_node *q = ref_item(pairs, i);
      PUT("%s[%.0f, %.0f, %.17g]", i ? ", " : "", ref_num(ref_item(q, 0)), ref_num(ref_item(q, 1)),
          ref_num(ref_item(q, 2)));
    }
    PUT("]}}\n");
    cr_assert_lt(len, cap - 4096, "%s: scenario text too long", path);
  }
  PUT("record:\n  state:\n");
  for (size_t p = 0; p < ref_len(pops); p++) {
    struct fy_node *pn = ref_item(pops, p);
    if (!ref_opt(pn, "spikes")) PUT("    %s: {vars: [c, y]}\n", ref_str(ref_get(pn, "name", path)));
  }
  if (spread) { /* at most 3 units a core: events between layers and units cross the NoC */
    PUT("mapping:\n  max_per_core:\n");
    for (size_t p = 0; p < ref_len(pops); p++) {
      struct fy_node *pn = ref_item(pops, p);
      if (!ref_opt(pn, "spikes")) PUT("    %s: 3\n", ref_str(ref_get(pn, "name", path)));
    }
  }
#undef PUT
  return t;
}

/* /state/POP/VAR of a run file: steps x units values. */
static double *read_state(const char *h5, const char *pop, const char *var, size_t steps,
                          size_t n) {
  char name[256];
  snprintf(name, sizeof name, "/state/%s/%s", pop, var);
  hid_t f = H5Fopen(h5, H5F_ACC_RDONLY, H5P_DEFAULT);
  cr_assert_geq(f, 0, "%s", h5);
  hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
  cr_assert_geq(d, 0, "%s: no %s", h5, name);
  hid_t sp = H5Dget_space(d);
  cr_assert_eq((size_t)H5Sget_simple_extent_npoints(sp), steps * n, "%s: %s has %lld values",
               h5, name, (long long)H5Sget_simple_extent_npoints(sp));
  double *v = malloc(steps * n * sizeof *v);
  cr_assert_geq(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), 0);
  H5Sclose(sp);
  H5Dclose(d);
  H5Fclose(f);
  return v;
}

/* Run a network case in one mode and compare c and y; returns the events. */
static size_t run_network_case(const char *path, struct fy_node *root, const char *mode,
                               bool spread) {
  char *text = network_text(path, root, mode, spread);
  nmsim_err err = {0};
  nmsim_scenario *s = NULL;
  cr_assert_eq(nmsim_scenario_load_string("egru.yaml", text, NULL, 0, &s, &err), NMSIM_OK,
               "%s: load: %s", path, err.msg);
  const char *h5 = tu_tmp("egru", ".h5");
  run_opts o = {.h5_path = h5};
  run_summary sum;
  cr_assert_eq(run_scenario(s, &o, &sum, &err), NMSIM_OK, "%s (%s): run: %s", path, mode, err.msg);
  run_summary_clear(&sum);
  size_t steps = (size_t)ref_num_at(root, "steps", path), events = 0;
  struct fy_node *pops = ref_get(root, "populations", path), *tol = ref_get(root, "tolerance", path);
  struct fy_node *exp = ref_get(root, "expected", path);
  size_t layers = 0;
  for (size_t p = 0; p < ref_len(pops); p++) {
    struct fy_node *pn = ref_item(pops, p);
    if (ref_opt(pn, "spikes")) continue;
    layers++;
    const char *name = ref_str(ref_get(pn, "name", path));
    size_t n = (size_t)ref_num_at(pn, "size", path);
    struct fy_node *pe = ref_get(exp, name, path);
    static const char *vars[] = {"c", "y"};
    for (int v = 0; v < 2; v++) {
      double *got = read_state(h5, name, vars[v], steps, n);
      struct fy_node *want = ref_get(pe, vars[v], path);
      cr_assert_eq(ref_len(want), steps);
      for (size_t t = 0; t < steps; t++)
        for (size_t i = 0; i < n; i++) {
          double w = ref_num(ref_item(ref_item(want, t), i)), g = got[t * n + i];
          cr_assert(close_to(g, w, tol, path), "%s (%s): %s unit %zu step %zu: %s = %.17g, "
                    "expected %.17g", path, mode, name, i, t, vars[v], g, w);
          if (v == 1) {
            cr_assert_eq(g != 0.0, w != 0.0, "%s (%s): %s unit %zu step %zu: event %d, "
                         "expected %d", path, mode, name, i, t, g != 0.0, w != 0.0);
            events += g != 0.0;
          }
        }
      free(got);
    }
  }
  cr_assert_gt(layers, 0, "%s: no egru population", path);
  nmsim_scenario_destroy(s);
  free(text);
  return events;
}

Test(egru, reference_vectors, .timeout = 300) {
  glob_t g;
  cr_assert_eq(glob(NMSIM_SOURCE_DIR "/tests/data/egru/*.json", 0, NULL, &g), 0, "no cases");
  size_t units = 0, networks = 0;
  for (size_t c = 0; c < g.gl_pathc; c++) {
    const char *path = g.gl_pathv[c];
    struct fy_document *d = load_case(path);
    struct fy_node *root = ref_root(d);
    const char *kind = ref_str(ref_get(root, "kind", path));
    if (strcmp(kind, "unit") == 0) {
      size_t ev = run_unit_case(path, root);
      cr_assert_gt(ev, 0, "%s: no event in the whole case", path);
      units++;
    } else if (strcmp(kind, "network") == 0) {
      size_t ev = run_network_case(path, root, "timed", true);
      cr_assert_gt(ev, 0, "%s: no event in the whole case", path);
      cr_assert_eq(run_network_case(path, root, "functional", false), ev, "%s: functional", path);
      cr_assert_eq(run_network_case(path, root, "network", false), ev, "%s: network mode", path);
      networks++;
    } else {
      cr_assert_fail("%s: unknown kind '%s'", path, kind);
    }
    fy_document_destroy(d);
  }
  cr_assert(units >= 1 && networks >= 1, "%zu unit and %zu network cases", units, networks);
  globfree(&g);
}

/* The reset modes differ after an event: with reset 0 the state drops by
 * theta in the event's step; with reset 1 it keeps its value until the next
 * step subtracts it. A reset other than 0 or 1 is refused. */
Test(egru, reset_modes_and_bad_reset) {
  for (int mode = 0; mode <= 1; mode++) {
    ref_blk k;
    ref_model(&k, "egru");
    ref_set(&k, "theta", 0.3);
    ref_set(&k, "reset", mode);
    ref_start(&k, 1, 1.0);
    k.in[ref_site(&k, "u")][0] = 50.0;   /* u = 1: c takes the candidate */
    k.in[ref_site(&k, "z_in")][0] = 0.5; /* z = tanh(0.5) */
    cr_assert_eq(ref_step(&k), 1u);
    double z = tanh(0.5), c = ((double *)ref_var(&k, "c"))[0];
    cr_assert_eq(k.out_value[0], z, "event carries %.17g, expected c = %.17g", k.out_value[0], z);
    cr_assert_float_eq(c, mode == 0 ? z - 0.3 : z, 1e-15, "reset %d: c = %.17g", mode, c);
    k.in[ref_site(&k, "u")][0] = -50.0; /* u = 0: c keeps its value */
    size_t ns = ref_step(&k);
    c = ((double *)ref_var(&k, "c"))[0];
    double want = mode == 0 ? z - 0.3 : 0.0; /* reset 1: z - z */
    cr_assert_float_eq(c, want, 1e-12, "reset %d, second step: c = %.17g", mode, c);
    cr_assert_eq(ns, 0u, "reset %d: %zu events in the second step", mode, ns);
    ref_free(&k);
  }
  const nmsim_neuron_type *m = nmsim_neuron_type_find("egru");
  double v[16];
  for (size_t i = 0; i < m->n_params; i++) v[i] = m->params[i].def;
  v[nmsim_model_param_index(m, "reset")] = 0.5;
  char msg[256] = "", derived[256];
  cr_assert_eq(m->prepare(v, 1.0, derived, msg, sizeof msg), NMSIM_EINPUT);
  cr_assert(strstr(msg, "reset must be 0 or 1"), "%s", msg);
}
