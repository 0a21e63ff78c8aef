/* scn_pops.c: the populations section of a scenario file: size, model,
 * preset, params, init, the spikes of a spike_array (inline or spikes_file)
 * and the input.dvs recording of a population of model dvs. */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/base/rng.h"
#include "sim/dvs/dvs_replay.h"
#include "sim/load/scn_read.h"
#include "sim/load/spike_file.h"
#include "sim/load/values_file.h"

#define SCN_MAX_SIZE (UINT64_C(1) << 31)

/* The longest population name: it names groups of the run file and columns
 * of reports (HDF5 refuses names over 512 bytes; NIR populations add a
 * prefix to their node's name). */
#define SCN_MAX_NAME 128

static bool scn_valid_name(const char *s) {
  if (!s || strlen(s) > SCN_MAX_NAME) return false;
  if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_')) return false;
  for (s++; *s; s++)
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
          *s == '_'))
      return false;
  return true;
}

/* The stream purpose of per-neuron parameter k (rng.h: distinct from the
 * other purposes). */
static uint64_t param_purpose(size_t k) { return (uint64_t)RNG_PURPOSE_PARAM << 32 | k; }

/* One draw of a distribution: kind 0 uniform [a, b], 1 normal (mean a, sd b),
 * 2 lognormal (mean a > 0, sd b of the value itself). */
static double draw(gsl_rng *r, int kind, double a, double b) {
  if (kind == 0) return a + (b - a) * gsl_rng_uniform(r);
  if (kind == 1) return a + gsl_ran_gaussian_ziggurat(r, b);
  double s2 = log1p(b * b / (a * a));
  return gsl_ran_lognormal(r, log(a) - s2 / 2, sqrt(s2));
}

/* Per-neuron values of a quantity in `unit` within [lo_ok, hi_ok]: a list of
 * one value per neuron, a distribution ({uniform: [LO, HI]}, {normal: [MEAN,
 * SD]}, {lognormal: [MEAN, SD]}, optionally with bounds: [LO, HI] to redraw
 * outside), or {file: PATH, dataset: NAME} (CSV, .npy or HDF5); into col[size].
 * Draws come from the stream of (seed, population, neuron, purpose), so they do
 * not depend on the mapping or the ranks. */
static nmsim_status scn_read_column(scn_ctx *x, const scn_population *p, struct fy_node *v,
                                    const char *field, const char *unit, double lo_ok,
                                    double hi_ok, uint64_t purpose, double *col) {
  static const char *const dist_keys[] = {"uniform", "normal", "lognormal", "bounds", "file",
                                          "dataset", NULL};
  const size_t pop = (size_t)(p - x->s->pops);
  char f[400], got[80], msg[512];
  nmsim_status rc;
  struct fy_node *fn = NULL;
  if (fy_node_is_sequence(v)) {
    if ((uint64_t)fy_node_sequence_item_count(v) != p->size)
      return yml_error(x->d, v, field, x->err, "expected one value per neuron (%u), got %d",
                       p->size, fy_node_sequence_item_count(v));
    void *it = NULL;
    struct fy_node *e;
    for (uint32_t i = 0; (e = fy_node_sequence_iterate(v, &it)); i++) {
      scn_fmt(f, sizeof f, "%s[%u]", field, i);
      if ((rc = yml_quantity(x->d, e, f, unit, lo_ok, hi_ok, &col[i], x->err))) return rc;
    }
    return NMSIM_OK;
  }
  if ((rc = yml_check_keys(x->d, v, field, dist_keys, x->err))) return rc;
  static const char *const kinds[3] = {"uniform", "normal", "lognormal"};
  int kind = -1;
  for (int k = 0; k < 3; k++)
    if (yml_get(v, kinds[k])) kind = kind < 0 ? k : 3;
  fn = yml_get(v, "file");
  if ((kind >= 0) == (fn != NULL) || kind == 3)
    return yml_error(x->d, v, field, x->err,
                     "expected one of {uniform: [LO, HI]}, {normal: [MEAN, SD]}, {lognormal: "
                     "[MEAN, SD]} or {file: PATH}");
  if (fn) {
    const char *path, *ds = NULL;
    if ((rc = yml_str(x->d, fn, field, &path, x->err)) ||
        (yml_get(v, "dataset") && (rc = yml_str(x->d, yml_get(v, "dataset"), field, &ds, x->err))))
      return rc;
    char *full = scn_path(x, path);
    if (!full) return NMSIM_ENOMEM_ERR(x->err);
    rc = values_file_read(full, ds, p->size, col, msg, sizeof msg);
    nm_free(full);
    if (rc == NMSIM_ENOMEM) return NMSIM_ENOMEM_ERR(x->err);
    if (rc) {
      yml_error(x->d, fn, field, x->err, "%s", msg);
      if (x->err) x->err->code = rc;
      return rc;
    }
  } else {
    struct fy_node *l = yml_get(v, kinds[kind]);
    double a, b, lo = -INFINITY, hi = INFINITY;
    scn_fmt(f, sizeof f, "%s.%s", field, kinds[kind]);
    if (!fy_node_is_sequence(l) || fy_node_sequence_item_count(l) != 2)
      return yml_error(x->d, l, f, x->err, "expected a list of two values (%s), got %s",
                       kind == 0 ? "low, high" : "mean, standard deviation",
                       scn_got(l, got, sizeof got));
    if ((rc = yml_quantity(x->d, fy_node_sequence_get_by_index(l, 0), f, unit, -INFINITY,
                           INFINITY, &a, x->err)) ||
        (rc = yml_quantity(x->d, fy_node_sequence_get_by_index(l, 1), f, unit, -INFINITY,
                           INFINITY, &b, x->err)))
      return rc;
    if (kind == 0 ? b < a : b < 0 || (kind == 2 && !(a > 0)))
      return yml_error(x->d, l, f, x->err, "expected %s",
                       kind == 0   ? "low <= high"
                       : kind == 1 ? "a standard deviation >= 0"
                                   : "a mean > 0 and a standard deviation >= 0");
    struct fy_node *bn = yml_get(v, "bounds");
    if (bn) {
      scn_fmt(f, sizeof f, "%s.bounds", field);
      if (!fy_node_is_sequence(bn) || fy_node_sequence_item_count(bn) != 2)
        return yml_error(x->d, bn, f, x->err, "expected [LOW, HIGH], got %s",
                         scn_got(bn, got, sizeof got));
      if ((rc = yml_quantity(x->d, fy_node_sequence_get_by_index(bn, 0), f, unit, -INFINITY,
                             INFINITY, &lo, x->err)) ||
          (rc = yml_quantity(x->d, fy_node_sequence_get_by_index(bn, 1), f, unit, -INFINITY,
                             INFINITY, &hi, x->err)))
        return rc;
      if (!(lo <= hi)) return yml_error(x->d, bn, f, x->err, "expected LOW <= HIGH");
    }
    gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
    if (!r) return NMSIM_ENOMEM_ERR(x->err);
    for (uint32_t i = 0; i < p->size; i++) {
      gsl_rng_set(r, rng_stream_seed(x->s->seed, pop, i, purpose));
      int tries = 0;
      do col[i] = draw(r, kind, a, b);
      while ((col[i] < lo || col[i] > hi) && ++tries < 1000);
      if (tries == 1000) {
        gsl_rng_free(r);
        return yml_error(x->d, bn, field, x->err,
                         "1000 draws in a row fell outside the bounds (neuron %u): widen them", i);
      }
    }
    gsl_rng_free(r);
  }
  for (uint32_t i = 0; i < p->size; i++)
    if (!(col[i] >= lo_ok && col[i] <= hi_ok))
      return yml_error(x->d, v, field, x->err,
                       "neuron %u: %g %s is outside the allowed range [%g, %g]%s", i, col[i],
                       unit, lo_ok, hi_ok,
                       fn ? "" : "; give bounds: [LOW, HIGH] to redraw within them");
  return NMSIM_OK;
}

/* Per-neuron values of parameter idx, into column idx of p->pn_values. */
static nmsim_status scn_read_pn_param(scn_ctx *x, scn_population *p, int idx,
                                      struct fy_node *v, const char *field) {
  const nmsim_param_desc *pd = &p->model->params[idx];
  const size_t np = p->model->n_params;
  double *col = nm_malloc(sizeof(double) * p->size);
  if (!col) return NMSIM_ENOMEM_ERR(x->err);
  nmsim_status rc = scn_read_column(x, p, v, field, pd->unit, pd->min, pd->max,
                                    param_purpose((size_t)idx), col);
  if (rc == NMSIM_OK)
    for (uint32_t i = 0; i < p->size; i++) p->pn_values[(size_t)i * np + (size_t)idx] = col[i];
  nm_free(col);
  return rc;
}

static nmsim_status scn_read_params(scn_ctx *x, scn_population *p, struct fy_node *m,
                                    const char *field) {
  const nmsim_neuron_type *t = p->model;
  char f[320], got[80], list[512];
  nmsim_status rc;
  for (size_t i = 0; i < t->n_params; i++) p->values[i] = t->params[i].def;
  /* a preset overrides the defaults; explicit params override the preset */
  for (size_t i = 0; p->preset && i < p->preset->n_values; i++) {
    int idx = nmsim_model_param_index(t, p->preset->values[i].name);
    if (idx >= 0) p->values[idx] = p->preset->values[i].value;
  }
  if (!m) return NMSIM_OK;
  if (!fy_node_is_mapping(m))
    return yml_error(x->d, m, field, x->err, "expected a mapping of parameters, got %s",
                     scn_got(m, got, sizeof got));
  void *it = NULL;
  struct fy_node_pair *pr;
  while ((pr = fy_node_mapping_iterate(m, &it))) {
    struct fy_node *k = fy_node_pair_key(pr);
    const char *name = scn_scalar(k);
    int idx = name ? nmsim_model_param_index(t, name) : -1;
    scn_fmt(f, sizeof f, "%s.%s", field, name ? name : "?");
    if (idx < 0) {
      if (!t->n_params)
        return yml_error(x->d, k, f, x->err, "unknown parameter: model '%s' has no parameters",
                         t->name);
      scn_join(list, sizeof list, &t->params[0].name, sizeof t->params[0], t->n_params);
      return yml_error(x->d, k, f, x->err,
                       "unknown parameter of model '%s'; expected one of: %s", t->name, list);
    }
    const nmsim_param_desc *pd = &t->params[idx];
    struct fy_node *v = fy_node_pair_value(pr);
    if (fy_node_is_sequence(v) || fy_node_is_mapping(v)) continue; /* per neuron: below */
    if ((rc = yml_quantity(x->d, v, f, pd->unit, pd->min, pd->max, &p->values[idx], x->err)))
      return rc;
  }
  /* per-neuron values: a row of every parameter per neuron, the scalars
   * copied in, then each per-neuron column */
  it = NULL;
  while ((pr = fy_node_mapping_iterate(m, &it))) {
    struct fy_node *v = fy_node_pair_value(pr);
    if (!fy_node_is_sequence(v) && !fy_node_is_mapping(v)) continue;
    const char *name = scn_scalar(fy_node_pair_key(pr));
    int idx = nmsim_model_param_index(t, name);
    scn_fmt(f, sizeof f, "%s.%s", field, name);
    if (!p->pn_values) {
      size_t np = t->n_params;
      if ((uint64_t)p->size * np > ((size_t)1 << 31))
        return yml_error(x->d, v, f, x->err,
                         "per-neuron values for %u neurons x %zu parameters: too many (at most "
                         "2^31 values a population)", p->size, np);
      if (!(p->pn_values = nm_malloc(sizeof(double) * p->size * np)))
        return NMSIM_ENOMEM_ERR(x->err);
      for (uint32_t i = 0; i < p->size; i++)
        memcpy(p->pn_values + (size_t)i * np, p->values, sizeof(double) * np);
    }
    if ((rc = scn_read_pn_param(x, p, idx, v, f))) return rc;
  }
  /* the population's own values: its first neuron's */
  if (p->pn_values) memcpy(p->values, p->pn_values, sizeof(double) * t->n_params);
  return NMSIM_OK;
}

/* A note for the spikes of a spike_array at or after the run's last step,
 * which are left out (a run shortened with --set steps=N replays the start). */
static nmsim_status scn_beyond_note(scn_ctx *x, const scn_population *p, const char *field,
                                    uint64_t beyond) {
  if (!beyond) return NMSIM_OK;
  char w[512];
  scn_fmt(w, sizeof w, "%s:%d: %s: %llu spike%s at step %llu or later (the run has %llu steps) "
          "%s left out", x->s->path, p->line, field, (unsigned long long)beyond,
          beyond == 1 ? "" : "s", (unsigned long long)x->s->steps,
          (unsigned long long)x->s->steps, beyond == 1 ? "is" : "are");
  return scn_warn(x, w);
}

/* spikes: one list of steps per neuron, stored sorted and unique; steps at or
 * after the run's last are left out with a note. */
static nmsim_status scn_read_spikes(scn_ctx *x, scn_population *p, struct fy_node *seq,
                                    const char *field) {
  char f[320], got[80];
  nmsim_status rc;
  if (!fy_node_is_sequence(seq))
    return yml_error(x->d, seq, field, x->err,
                     "expected a list of %u lists of steps (one per neuron), got %s", p->size,
                     scn_got(seq, got, sizeof got));
  if ((uint64_t)fy_node_sequence_item_count(seq) != p->size)
    return yml_error(x->d, seq, field, x->err,
                     "expected a list of %u lists of steps (one per neuron), got %d lists",
                     p->size, fy_node_sequence_item_count(seq));
  uint64_t total = 0, beyond = 0;
  void *it = NULL;
  struct fy_node *l;
  for (uint32_t i = 0; (l = fy_node_sequence_iterate(seq, &it)); i++) {
    if (!fy_node_is_sequence(l)) {
      scn_fmt(f, sizeof f, "%s[%u]", field, i);
      return yml_error(x->d, l, f, x->err, "expected a list of steps, got %s",
                       scn_got(l, got, sizeof got));
    }
    total += (uint64_t)fy_node_sequence_item_count(l);
  }
  if (total > UINT32_MAX)
    return yml_error(x->d, seq, field, x->err, "expected at most %u spikes in all, got %llu",
                     (unsigned)UINT32_MAX, (unsigned long long)total);
  nmsim_pop_data *sl = &p->spikes;
  sl->off = nm_calloc((size_t)p->size + 1, sizeof *sl->off);
  sl->steps = nm_calloc(total ? (size_t)total : 1, sizeof *sl->steps);
  if (!sl->off || !sl->steps) return NMSIM_ENOMEM_ERR(x->err);
  sl->n = p->size;
  uint32_t k = 0;
  it = NULL;
  for (uint32_t i = 0; (l = fy_node_sequence_iterate(seq, &it)); i++) {
    uint32_t first = k;
    void *jt = NULL;
    struct fy_node *e;
    for (int j = 0; (e = fy_node_sequence_iterate(l, &jt)); j++) {
      uint64_t v;
      if (!scn_fast_u64(e, UINT32_MAX, &v)) {
        scn_fmt(f, sizeof f, "%s[%u][%d]", field, i, j);
        if ((rc = yml_u64(x->d, e, f, 0, UINT32_MAX, &v, x->err))) return rc;
      }
      if (v >= x->s->steps)
        beyond++;
      else
        sl->steps[k++] = (uint32_t)v;
    }
    qsort(sl->steps + first, k - first, sizeof *sl->steps, scn_cmp_u32);
    uint32_t w = first;
    for (uint32_t r = first; r < k; r++)
      if (r == first || sl->steps[r] != sl->steps[w - 1]) sl->steps[w++] = sl->steps[r];
    k = w;
    sl->off[i + 1] = k;
  }
  return scn_beyond_note(x, p, field, beyond);
}

/* spikes_file: a path (relative to the scenario's directory) to a CSV or HDF5
 * file of (neuron, step) pairs (sim/load/spike_file.h), stored as spikes is. */
static nmsim_status scn_read_spike_file(scn_ctx *x, scn_population *p, struct fy_node *n,
                                        const char *field) {
  const char *str;
  nmsim_status rc;
  if ((rc = yml_str(x->d, n, field, &str, x->err))) return rc;
  char *path = scn_path(x, str);
  if (!path) return NMSIM_ENOMEM_ERR(x->err);
  nmsim_err e = {0};
  uint64_t beyond = 0;
  rc = spike_file_read(path, p->size, x->s->steps, &p->spikes, &beyond, &e);
  nm_free(path);
  if (rc == NMSIM_ENOMEM) return NMSIM_ENOMEM_ERR(x->err);
  if (rc) {
    yml_error(x->d, n, field, x->err, "%s", e.msg);
    if (x->err) x->err->code = rc;
    return rc;
  }
  return scn_beyond_note(x, p, field, beyond);
}

/* preset: the name of one of the model's parameter sets. */
static nmsim_status scn_read_preset(scn_ctx *x, scn_population *p, struct fy_node *n,
                                    const char *field) {
  const nmsim_neuron_type *t = p->model;
  char list[512];
  const char *name;
  nmsim_status rc;
  if ((rc = yml_str(x->d, n, field, &name, x->err))) return rc;
  if ((p->preset = nmsim_model_preset(t, name))) return NMSIM_OK;
  if (!t->n_presets)
    return yml_error(x->d, n, field, x->err, "model '%s' has no presets, got '%s'", t->name,
                     name);
  scn_join(list, sizeof list, &t->presets[0].name, sizeof t->presets[0], t->n_presets);
  return yml_error(x->d, n, field, x->err, "unknown preset of model '%s'; expected one of: %s, "
                   "got '%s'", t->name, list, name);
}

/* init: {VAR: VALUE | {uniform: [LO, HI]} | {normal: [MEAN, SD]} | a per-neuron
 * form of scn_read_column}: initial state set after the model's init. Uniform
 * and normal draws come from one stream per neuron keyed by (seed, population,
 * neuron), one draw per variable in the order listed; the per-neuron forms
 * from the variable's own stream, so they do not depend on placement. */
static nmsim_status scn_read_init(scn_ctx *x, scn_population *p, struct fy_node *m,
                                  const char *field) {
  static const char *const dist_keys[] = {"uniform", "normal", "lognormal", "bounds", "file",
                                          "dataset", NULL};
  char f[400], got[80], list[256];
  nmsim_status rc;
  const nmsim_neuron_type *t = p->model;
  if (!fy_node_is_mapping(m))
    return yml_error(x->d, m, field, x->err, "expected a mapping {VAR: value}, got %s",
                     scn_got(m, got, sizeof got));
  size_t n = (size_t)fy_node_mapping_item_count(m);
  if (!(p->init = nm_calloc(n ? n : 1, sizeof *p->init))) return NMSIM_ENOMEM_ERR(x->err);
  void *it = NULL;
  struct fy_node_pair *pr;
  while ((pr = fy_node_mapping_iterate(m, &it))) {
    const char *name = scn_scalar(fy_node_pair_key(pr));
    struct fy_node *v = fy_node_pair_value(pr);
    scn_fmt(f, sizeof f, "%s.%s", field, name ? name : "?");
    int var = name ? nmsim_model_var_index(t, name) : -1;
    if (var < 0 || t->vars[var].type == NMSIM_VAR_BYTES) {
      size_t k = 0;
      list[0] = 0;
      for (size_t i = 0; i < t->n_vars && k < sizeof list; i++)
        if (t->vars[i].type != NMSIM_VAR_BYTES)
          k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", k ? ", " : "", t->vars[i].name);
      return yml_error(x->d, fy_node_pair_key(pr), f, x->err,
                       "expected a state variable of model %s (%s)", t->name, list);
    }
    scn_init *in = &p->init[p->n_init++];
    in->var = (uint32_t)var;
    const char *unit = t->vars[var].unit ? t->vars[var].unit : "";
    /* a list, a file, a lognormal or bounded draw: values per neuron, from
     * the variable's own stream (the forms below keep their shared one) */
    if (fy_node_is_sequence(v) ||
        (fy_node_is_mapping(v) && (yml_get(v, "lognormal") || yml_get(v, "bounds") ||
                                   yml_get(v, "file") || yml_get(v, "dataset")))) {
      in->kind = SCN_INIT_VALUES;
      if (!(in->values = nm_malloc(sizeof(double) * p->size))) return NMSIM_ENOMEM_ERR(x->err);
      if ((rc = scn_read_column(x, p, v, f, unit, -INFINITY, INFINITY,
                                (uint64_t)RNG_PURPOSE_INIT << 32 | (uint64_t)(var + 1),
                                in->values)))
        return rc;
      continue;
    }
    if (fy_node_is_mapping(v)) {
      if ((rc = yml_check_keys(x->d, v, f, dist_keys, x->err))) return rc;
      bool uni = yml_get(v, "uniform") != NULL;
      struct fy_node *l = yml_get(v, uni ? "uniform" : "normal");
      char fd[420];
      scn_fmt(fd, sizeof fd, "%s.%s", f, uni ? "uniform" : "normal");
      if (!l || !fy_node_is_sequence(l) || fy_node_sequence_item_count(l) != 2)
      {
        if (l && fy_node_is_sequence(l))
          snprintf(got, sizeof got, "a list of %d", fy_node_sequence_item_count(l));
        else
          scn_got(l, got, sizeof got);
        return yml_error(x->d, l ? l : v, fd, x->err, "expected a list of two values (%s), got %s",
                         uni ? "low, high" : "mean, standard deviation", got);
      }
      in->kind = uni ? SCN_INIT_UNIFORM : SCN_INIT_NORMAL;
      if ((rc = yml_quantity(x->d, fy_node_sequence_get_by_index(l, 0), fd, unit, -INFINITY,
                             INFINITY, &in->a, x->err)))
        return rc;
      if ((rc = yml_quantity(x->d, fy_node_sequence_get_by_index(l, 1), fd, unit, -INFINITY,
                             INFINITY, &in->b, x->err)))
        return rc;
      if (uni ? in->b < in->a : in->b < 0)
        return yml_error(x->d, l, fd, x->err, "expected %s", uni ? "low <= high"
                                                                 : "a standard deviation >= 0");
    } else {
      in->kind = SCN_INIT_CONST;
      if ((rc = yml_quantity(x->d, v, f, unit, -INFINITY, INFINITY, &in->a, x->err))) return rc;
    }
  }
  return NMSIM_OK;
}

/* ---- DVS input (model dvs) ------------------------------------------------------ */

/* A list of exactly want whole numbers in [lo, hi]. */
static nmsim_status scn_dvs_uints(scn_ctx *x, struct fy_node *n, const char *field, int want,
                                  uint64_t lo, uint64_t hi, uint32_t *out) {
  char got[80], f[352];
  if (!fy_node_is_sequence(n) || fy_node_sequence_item_count(n) != want)
    return yml_error(x->d, n, field, x->err, "expected a list of %d whole numbers, got %s", want,
                     scn_got(n, got, sizeof got));
  for (int i = 0; i < want; i++) {
    uint64_t v;
    scn_fmt(f, sizeof f, "%s[%d]", field, i);
    nmsim_status rc = yml_u64(x->d, fy_node_sequence_get_by_index(n, i), f, lo, hi, &v, x->err);
    if (rc) return rc;
    out[i] = (uint32_t)v;
  }
  return NMSIM_OK;
}

/* A time of the recording (from, to), a whole number of us in its timebase:
 * most cameras count from 0, AEDAT 4 from the Unix epoch (1.7e15 us in
 * 2024), so up to 1e17 us (3,000 years past 1970). */
static nmsim_status scn_dvs_time(scn_ctx *x, struct fy_node *n, const char *field, int64_t *out) {
  double v;
  nmsim_status rc = yml_quantity(x->d, n, field, "us", 0.0, 1e17, &v, x->err);
  if (!rc) *out = (int64_t)llround(v);
  return rc;
}

/* The bitmap of a step of a population's recording, for model dvs. */
static const uint64_t *replay_step(void *replay, uint64_t step) {
  return dvs_replay_step(replay, step);
}

/* input: {dvs: {...}} of a population of model dvs: the recording is opened
 * and validated (sim/dvs/dvs_replay.h), and the population must have one neuron
 * per channel. */
static nmsim_status scn_read_dvs(scn_ctx *x, scn_population *p, struct fy_node *in,
                                 struct fy_node *size_node, const char *field) {
  static const char *const in_keys[] = {"dvs", NULL};
  static const char *const keys[] = {"file", "format", "sensor", "crop", "downsample",
                                     "polarity", "time_scale", "offset", "from", "to",
                                     "labels", NULL};
  char f[352], fd[320], got[80];
  const char *str;
  nmsim_status rc;
  struct fy_node *m, *n;
  scn_fmt(f, sizeof f, "%s.input", field);
  if ((rc = yml_check_keys(x->d, in, f, in_keys, x->err))) return rc;
  if (!(m = scn_need(x, in, f, "dvs", "{file: PATH, ...}"))) return NMSIM_EINPUT;
  scn_fmt(fd, sizeof fd, "%s.input.dvs", field);
  if ((rc = yml_check_keys(x->d, m, fd, keys, x->err))) return rc;
  dvs_replay_cfg c = {.format = DVS_AUTO, .downsample = 1, .split = true, .time_scale = 1.0,
                      .dt_ms = x->s->dt_ms, .steps = x->s->steps};
  if ((n = yml_get(m, "format"))) {
    scn_fmt(f, sizeof f, "%s.format", fd);
    if ((rc = yml_str(x->d, n, f, &str, x->err))) return rc;
    if (!dvs_format_parse(str, &c.format))
      return yml_error(x->d, n, f, x->err, "expected a DVS format (%s), got '%s'",
                       dvs_format_names(), str);
  }
  uint32_t v[4];
  if ((n = yml_get(m, "sensor"))) {
    scn_fmt(f, sizeof f, "%s.sensor", fd);
    if ((rc = scn_dvs_uints(x, n, f, 2, 1, 65536, v))) return rc;
    c.sensor_w = v[0], c.sensor_h = v[1];
  }
  if ((n = yml_get(m, "crop"))) {
    scn_fmt(f, sizeof f, "%s.crop", fd);
    if ((rc = scn_dvs_uints(x, n, f, 4, 0, 65536, v))) return rc;
    c.crop = true;
    c.crop_x0 = v[0], c.crop_y0 = v[1], c.crop_w = v[2], c.crop_h = v[3];
  }
  if ((n = yml_get(m, "downsample"))) {
    uint64_t ds;
    scn_fmt(f, sizeof f, "%s.downsample", fd);
    if ((rc = yml_u64(x->d, n, f, 1, 65536, &ds, x->err))) return rc;
    c.downsample = (uint32_t)ds;
  }
  if ((n = yml_get(m, "polarity"))) {
    scn_fmt(f, sizeof f, "%s.polarity", fd);
    str = scn_scalar(n);
    if (!str || (strcmp(str, "split") && strcmp(str, "merged")))
      return yml_error(x->d, n, f, x->err, "expected split or merged, got %s",
                       scn_got(n, got, sizeof got));
    c.split = !strcmp(str, "split");
  }
  if ((n = yml_get(m, "time_scale"))) {
    scn_fmt(f, sizeof f, "%s.time_scale", fd);
    if ((rc = yml_quantity(x->d, n, f, "", 0.0, 1e9, &c.time_scale, x->err))) return rc;
    if (!(c.time_scale > 0))
      return yml_error(x->d, n, f, x->err, "expected a number > 0, got %s",
                       scn_got(n, got, sizeof got));
  }
  if ((n = yml_get(m, "offset"))) {
    scn_fmt(f, sizeof f, "%s.offset", fd);
    if ((rc = yml_quantity(x->d, n, f, "us", 0.0, 1e15, &c.offset_us, x->err))) return rc;
  }
  if ((n = yml_get(m, "from"))) {
    scn_fmt(f, sizeof f, "%s.from", fd);
    if ((rc = scn_dvs_time(x, n, f, &c.from_us))) return rc;
    c.has_from = true;
  }
  if ((n = yml_get(m, "to"))) {
    scn_fmt(f, sizeof f, "%s.to", fd);
    if ((rc = scn_dvs_time(x, n, f, &c.to_us))) return rc;
    c.has_to = true;
  }
  char *file = NULL, *labels = NULL;
  if ((n = yml_get(m, "labels"))) {
    scn_fmt(f, sizeof f, "%s.labels", fd);
    if ((rc = yml_str(x->d, n, f, &str, x->err))) return rc;
    if (!(labels = scn_path(x, str))) return NMSIM_ENOMEM_ERR(x->err);
  }
  scn_fmt(f, sizeof f, "%s.file", fd);
  if (!(n = scn_need(x, m, fd, "file", "the path of a DVS recording")) ||
      (rc = yml_str(x->d, n, f, &str, x->err))) {
    nm_free(labels);
    return n ? rc : NMSIM_EINPUT;
  }
  if (!(file = scn_path(x, str))) {
    nm_free(labels);
    return NMSIM_ENOMEM_ERR(x->err);
  }
  c.file = file;
  c.labels = labels;
  const char *bad = "file";
  nmsim_err e = {0};
  rc = dvs_replay_create(&c, &p->dvs, &bad, &e);
  nm_free(file);
  nm_free(labels);
  if (rc == NMSIM_ENOMEM) return NMSIM_ENOMEM_ERR(x->err);
  if (rc) {
    scn_fmt(f, sizeof f, "%s.%s", fd, bad);
    yml_error(x->d, yml_get(m, bad) ? yml_get(m, bad) : m, f, x->err, "%s", e.msg);
    if (x->err) x->err->code = rc;
    return rc;
  }
  p->spikes.replay = p->dvs; /* what model dvs reads */
  p->spikes.replay_step = replay_step;
  uint32_t ch = dvs_replay_channels(p->dvs), cc, hh, ww;
  dvs_replay_shape(p->dvs, &cc, &hh, &ww);
  if (ch != p->size) {
    scn_fmt(f, sizeof f, "%s.size", field);
    return yml_error(x->d, size_node, f, x->err, "expected %u, one neuron per channel of "
                     "input.dvs (%u x %u x %u: %s polarity, %u x %u pixels per channel), got %u",
                     ch, cc, hh, ww, cc == 2 ? "split" : "merged", c.downsample, c.downsample,
                     p->size);
  }
  return NMSIM_OK;
}

/* ---- a population, and the populations section --------------------------------- */

static nmsim_status scn_read_pop(scn_ctx *x, struct fy_node *key, struct fy_node *m,
                                 scn_population *p) {
  static const char *const keys[] = {"size",        "model", "preset", "params", "spikes",
                                     "spikes_file", "input", "init",   NULL};
  char field[160], f[320], list[256], got[80], msg[512];
  const char *str = scn_scalar(key);
  nmsim_status rc;
  int col;
  if (!scn_valid_name(str))
    return yml_error(x->d, key, "populations", x->err,
                     "expected a population name matching [A-Za-z_][A-Za-z0-9_]* of at most %d "
                     "characters, got %s", SCN_MAX_NAME,
                     scn_got(key, got, sizeof got));
  if (!(p->name = nm_strdup(str))) return NMSIM_ENOMEM_ERR(x->err);
  yml_pos(key, &p->line, &col);
  scn_fmt(field, sizeof field, "populations.%s", str);
  if ((rc = yml_check_keys(x->d, m, field, keys, x->err))) return rc;

  struct fy_node *n = scn_need(x, m, field, "size", "an integer in [1, 2147483648]");
  uint64_t size;
  if (!n) return NMSIM_EINPUT;
  scn_fmt(f, sizeof f, "%s.size", field);
  if ((rc = yml_u64(x->d, n, f, 1, SCN_MAX_SIZE, &size, x->err))) return rc;
  p->size = (uint32_t)size;

  size_t k = 0;
  for (size_t i = 0; nmsim_neuron_types[i] && k < sizeof list; i++)
    k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", i ? ", " : "",
                          nmsim_neuron_types[i]->name);
  scn_fmt(f, sizeof f, "%s.model", field);
  if (!(n = scn_need(x, m, field, "model", list))) return NMSIM_EINPUT;
  if ((rc = yml_str(x->d, n, f, &str, x->err))) return rc;
  if (!(p->model = nmsim_neuron_type_find(str)))
    return yml_error(x->d, n, f, x->err, "unknown model; expected one of: %s, got '%s'", list, str);

  p->values = nm_calloc(p->model->n_params ? p->model->n_params : 1, sizeof *p->values);
  if (!p->values) return NMSIM_ENOMEM_ERR(x->err);
  scn_fmt(f, sizeof f, "%s.preset", field);
  if ((n = yml_get(m, "preset")) && (rc = scn_read_preset(x, p, n, f))) return rc;
  scn_fmt(f, sizeof f, "%s.params", field);
  if ((rc = scn_read_params(x, p, yml_get(m, "params"), f))) return rc;

  /* the model checks the values: the population's, or each neuron's where
   * they differ from the neuron before */
  void *derived = nm_calloc(1, p->model->derived_size ? p->model->derived_size : 1);
  if (!derived) return NMSIM_ENOMEM_ERR(x->err);
  const size_t np = p->model->n_params;
  uint32_t bad = 0;
  msg[0] = 0;
  rc = p->model->prepare(p->values, x->s->dt_ms, derived, msg, sizeof msg);
  for (uint32_t i = 1; rc == NMSIM_OK && p->pn_values && i < p->size; i++) {
    const double *row = p->pn_values + (size_t)i * np;
    if (memcmp(row, row - np, sizeof(double) * np) == 0) continue;
    bad = i;
    rc = p->model->prepare(row, x->s->dt_ms, derived, msg, sizeof msg);
  }
  nm_free(derived);
  if (rc == NMSIM_ENOMEM) return NMSIM_ENOMEM_ERR(x->err);
  if (rc != NMSIM_OK) {
    if (p->pn_values)
      yml_error(x->d, m, field, x->err, "neuron %u: %s", bad, msg[0] ? msg : "invalid parameters");
    else
      yml_error(x->d, m, field, x->err, "%s", msg[0] ? msg : "invalid parameters");
    if (x->err) x->err->code = rc;
    return rc;
  }

  scn_fmt(f, sizeof f, "%s.init", field);
  if ((n = yml_get(m, "init")) && (rc = scn_read_init(x, p, n, f))) return rc;

  /* The dvs source is the one model that reads a recording (input.dvs). */
  bool wants_input = strcmp(p->model->name, "dvs") == 0;
  scn_fmt(f, sizeof f, "%s.input", field);
  n = yml_get(m, "input");
  if (!wants_input && n)
    return yml_error(x->d, n, f, x->err, "unexpected field: input is only for model dvs");
  if (wants_input) {
    if (!(n = scn_need(x, m, field, "input", "{dvs: {file: PATH, ...}}"))) return NMSIM_EINPUT;
    if ((rc = scn_read_dvs(x, p, n, yml_get(m, "size"), field))) return rc;
  }

  /* The spike_array source is the one model that reads a per-neuron list:
   * inline (spikes) or from a file (spikes_file), exactly one of them. */
  bool wants_spikes = strcmp(p->model->name, "spike_array") == 0;
  struct fy_node *nf = yml_get(m, "spikes_file");
  n = yml_get(m, "spikes");
  scn_fmt(f, sizeof f, "%s.%s", field, n || !nf ? "spikes" : "spikes_file");
  if (!wants_spikes && (n || nf))
    return yml_error(x->d, n ? n : nf, f, x->err, "unexpected field: %s is only for model "
                     "spike_array", n ? "spikes" : "spikes_file");
  if (!wants_spikes) return NMSIM_OK;
  if (n && nf) {
    scn_fmt(f, sizeof f, "%s.spikes_file", field);
    return yml_error(x->d, nf, f, x->err, "expected exactly one of spikes (a list of steps per "
                     "neuron) or spikes_file (a path), got both");
  }
  if (nf) return scn_read_spike_file(x, p, nf, f);
  if (!(n = scn_need(x, m, field, "spikes",
                     "one list of steps per neuron, or spikes_file: PATH instead")))
    return NMSIM_EINPUT;
  return scn_read_spikes(x, p, n, f);
}

nmsim_status scn_read_pops(scn_ctx *x, struct fy_node *root) {
  char got[80];
  nmsim_status rc;
  if (!yml_get(root, "populations") && yml_get(root, "network")) return NMSIM_OK;
  struct fy_node *m = scn_need(x, root, "", "populations", "a mapping of populations");
  if (!m) return NMSIM_EINPUT;
  int n = fy_node_is_mapping(m) ? fy_node_mapping_item_count(m) : 0;
  if (n <= 0)
    return yml_error(x->d, m, "populations", x->err,
                     "expected a mapping of at least one population, got %s",
                     fy_node_is_mapping(m) ? "an empty mapping" : scn_got(m, got, sizeof got));
  if (!(x->s->pops = nm_calloc((size_t)n, sizeof *x->s->pops))) return NMSIM_ENOMEM_ERR(x->err);
  void *it = NULL;
  struct fy_node_pair *pr;
  while ((pr = fy_node_mapping_iterate(m, &it))) {
    scn_population *p = &x->s->pops[x->s->n_pops++];
    if ((rc = scn_read_pop(x, fy_node_pair_key(pr), fy_node_pair_value(pr), p))) return rc;
  }
  return NMSIM_OK;
}
