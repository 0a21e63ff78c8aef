/* scn_network.c: the network section of a scenario file, a NIR graph
 * (sim/load/nir_import.c, docs/nir.md), and the projections bound to its inputs. */
#include <math.h>
#include <string.h>

#include "sim/load/scn_read.h"

/* network.dt sets the scenario's dt (the step that discretises the graph). */
nmsim_status scn_read_network_dt(scn_ctx *x, struct fy_node *root) {
  struct fy_node *net = yml_get(root, "network"), *n, *top = yml_get(root, "dt");
  double v;
  nmsim_status rc;
  if (!net || !fy_node_is_mapping(net) || !(n = yml_get(net, "dt"))) return NMSIM_OK;
  if ((rc = yml_quantity(x->d, n, "network.dt", "ms", 0.0, INFINITY, &v, x->err))) return rc;
  if (!(v > 0)) return yml_error(x->d, n, "network.dt", x->err, "expected a time > 0");
  if (top && v != x->s->dt_ms)
    return yml_error(x->d, n, "network.dt", x->err,
                     "%g ms differs from the scenario's dt (%g ms); give one of them", v,
                     x->s->dt_ms);
  x->s->dt_ms = v;
  return NMSIM_OK;
}

/* network: {nir: FILE, dt, reset: zero | subtract, target: float | loihi_cuba,
 * quantise: nmsim | lava}:
 * the graph's populations are appended after the scenario's. */
nmsim_status scn_read_network(scn_ctx *x, struct fy_node *root) {
  static const char *const keys[] = {"nir", "dt", "reset", "target", "quantise", NULL};
  struct fy_node *m = yml_get(root, "network"), *n, *fn;
  const char *str;
  nmsim_status rc;
  if (!m) return NMSIM_OK;
  if ((rc = yml_check_keys(x->d, m, "network", keys, x->err))) return rc;
  nir_net_opts o = {.dt_ms = x->s->dt_ms, .target = NIR_TARGET_FLOAT};
  int col;
  yml_pos(m, &o.line, &col);
  if ((n = yml_get(m, "reset"))) {
    if ((rc = yml_str(x->d, n, "network.reset", &str, x->err))) return rc;
    if (strcmp(str, "zero") && strcmp(str, "subtract"))
      return yml_error(x->d, n, "network.reset", x->err,
                       "expected zero (v = v_reset after a spike) or subtract (v -= "
                       "v_threshold), got '%s'", str);
    o.subtract = strcmp(str, "subtract") == 0;
  }
  if ((n = yml_get(m, "target"))) {
    if ((rc = yml_str(x->d, n, "network.target", &str, x->err))) return rc;
    if (strcmp(str, "float") && strcmp(str, "loihi_cuba"))
      return yml_error(x->d, n, "network.target", x->err,
                       "expected float (the nir_* models) or loihi_cuba (quantised to Loihi's "
                       "fixed-point compartment), got '%s'", str);
    o.target = strcmp(str, "float") ? NIR_TARGET_LOIHI_CUBA : NIR_TARGET_FLOAT;
  }
  if ((n = yml_get(m, "quantise"))) {
    if ((rc = yml_str(x->d, n, "network.quantise", &str, x->err))) return rc;
    if (strcmp(str, "nmsim") && strcmp(str, "lava"))
      return yml_error(x->d, n, "network.quantise", x->err,
                       "expected nmsim (scale each population to use Loihi's ranges) or lava "
                       "(the NIR paper's Lava converter: decays x 4095, weights x 256, "
                       "thresholds x 131071 >> 9), got '%s'", str);
    o.lava = strcmp(str, "lava") == 0;
    if (o.lava && o.target != NIR_TARGET_LOIHI_CUBA)
      return yml_error(x->d, n, "network.quantise", x->err,
                       "quantise: lava needs target: loihi_cuba (it is a fixed-point "
                       "convention)");
  }
  if (!(fn = scn_need(x, m, "network", "nir", "the path of a NIR file"))) return NMSIM_EINPUT;
  if ((rc = yml_str(x->d, fn, "network.nir", &str, x->err))) return rc;
  char *file = scn_path(x, str);
  if (!file) return NMSIM_ENOMEM_ERR(x->err);
  o.file = file;
  nmsim_err e = {0};
  rc = nir_net_add(x->s, &o, &x->nir, &e);
  nm_free(file);
  if (rc == NMSIM_ENOMEM) return NMSIM_ENOMEM_ERR(x->err);
  if (rc) {
    yml_error(x->d, fn, "network.nir", x->err, "%s", e.msg);
    if (x->err) x->err->code = rc;
    return rc;
  }
  if (!x->s->n_pops)
    return yml_error(x->d, fn, "network.nir", x->err,
                     "the graph has no neuron nodes and the scenario no populations");
  return NMSIM_OK;
}

/* A projection into a NIR Input port binds a population to the graph's input:
 * {from: POP, to: nir.input, connector: one_to_one, weight: W, delay: D}. */
nmsim_status scn_read_nir_binding(scn_ctx *x, struct fy_node *m, const char *field, long port) {
  static const char *const keys[] = {"from", "to", "connector", "weight", "delay", NULL};
  char f[320], got[80];
  nmsim_status rc;
  struct fy_node *n;
  const char *to = scn_scalar(yml_get(m, "to"));
  if ((rc = yml_check_keys(x->d, m, field, keys, x->err))) return rc;
  scn_fmt(f, sizeof f, "%s.from", field);
  if (!(n = scn_need(x, m, field, "from", "the name of a population"))) return NMSIM_EINPUT;
  long pre = scn_pop_ref(x, n, f);
  if (pre < 0) return NMSIM_EINPUT;
  uint64_t want = nir_net_port_size(x->nir, port);
  if (x->s->pops[pre].size != want)
    return yml_error(x->d, n, f, x->err,
                     "population '%s' has %u neurons; the NIR Input '%s' takes %llu (one "
                     "neuron per element, C order)", x->s->pops[pre].name, x->s->pops[pre].size,
                     to, (unsigned long long)want);
  scn_fmt(f, sizeof f, "%s.connector", field);
  n = scn_need(x, m, field, "connector", "one_to_one");
  if (!n) return NMSIM_EINPUT;
  if (!scn_scalar(n) || strcmp(scn_scalar(n), "one_to_one") != 0)
    return yml_error(x->d, n, f, x->err, "a projection into the NIR Input '%s' must be "
                     "one_to_one, got %s", to, scn_got(n, got, sizeof got));
  double w = 1.0;
  uint32_t delay = 1;
  scn_fmt(f, sizeof f, "%s.weight", field);
  if ((n = yml_get(m, "weight")) &&
      (rc = yml_quantity(x->d, n, f, "", -INFINITY, INFINITY, &w, x->err)))
    return rc;
  scn_fmt(f, sizeof f, "%s.delay", field);
  if ((n = yml_get(m, "delay")) && (rc = scn_read_delay(x, n, f, &delay))) return rc;
  return nir_net_bind(x->nir, port, (uint32_t)pre, w, delay, x->err);
}

/* The graph's projections, after the scenario's (and its bindings). */
nmsim_status scn_finish_network(scn_ctx *x, struct fy_node *root) {
  if (!x->nir) return NMSIM_OK;
  nmsim_err e = {0};
  nmsim_status rc = nir_net_finish(x->nir, x->s, &e);
  if (rc == NMSIM_ENOMEM) return NMSIM_ENOMEM_ERR(x->err);
  if (rc) {
    struct fy_node *fn = yml_get(yml_get(root, "network"), "nir");
    yml_error(x->d, fn, "network.nir", x->err, "%s", e.msg);
    if (x->err) x->err->code = rc;
    return rc;
  }
  size_t nw;
  const char *const *w = nir_net_warnings(x->nir, &nw);
  for (size_t i = 0; i < nw; i++)
    if ((rc = scn_warn(x, w[i]))) return rc;
  return NMSIM_OK;
}
