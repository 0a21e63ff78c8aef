/* scn_record.c: the record section of a scenario file: which populations'
 * spikes, which state variables of which neurons, which plastic weights. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/load/scn_read.h"

static nmsim_status scn_read_rec_spikes(scn_ctx *x, struct fy_node *n) {
  char got[80], f[64];
  const char *str = scn_scalar(n);
  if (str && strcmp(str, "all") == 0) {
    for (size_t i = 0; i < x->s->n_pops; i++) x->s->rec_spikes[i] = true;
    return NMSIM_OK;
  }
  if (!fy_node_is_sequence(n))
    return yml_error(x->d, n, "record.spikes", x->err,
                     "expected \"all\" or a list of population names, got %s",
                     scn_got(n, got, sizeof got));
  void *it = NULL;
  struct fy_node *e;
  for (int i = 0; (e = fy_node_sequence_iterate(n, &it)); i++) {
    scn_fmt(f, sizeof f, "record.spikes[%d]", i);
    long idx = scn_pop_ref(x, e, f);
    if (idx < 0) return NMSIM_EINPUT;
    x->s->rec_spikes[idx] = true;
  }
  return NMSIM_OK;
}

/* vars of one state recording: recordable variables of the model, no repeats. */
static nmsim_status scn_read_rec_vars(scn_ctx *x, scn_state_rec *r, struct fy_node *seq,
                                      const char *field) {
  const nmsim_neuron_type *t = x->s->pops[r->pop].model;
  char got[80], f[320], list[256];
  size_t k = 0;
  for (size_t i = 0; i < t->n_vars && k < sizeof list; i++)
    if (t->vars[i].type != NMSIM_VAR_BYTES)
      k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", k ? ", " : "", t->vars[i].name);
  if (!k) snprintf(list, sizeof list, "none");
  int n = fy_node_is_sequence(seq) ? fy_node_sequence_item_count(seq) : 0;
  if (n <= 0)
    return yml_error(x->d, seq, field, x->err,
                     "expected a non-empty list of variables of model %s (%s), got %s", t->name,
                     list, fy_node_is_sequence(seq) ? "an empty list" : scn_got(seq, got, sizeof got));
  if (!(r->vars = nm_calloc((size_t)n, sizeof *r->vars))) return NMSIM_ENOMEM_ERR(x->err);
  void *it = NULL;
  struct fy_node *v;
  for (int i = 0; (v = fy_node_sequence_iterate(seq, &it)); i++) {
    const char *name = scn_scalar(v);
    int idx = name ? nmsim_model_var_index(t, name) : -1;
    scn_fmt(f, sizeof f, "%s[%d]", field, i);
    if (idx < 0 || t->vars[idx].type == NMSIM_VAR_BYTES)
      return yml_error(x->d, v, f, x->err, "expected a variable of model %s (%s), got %s",
                       t->name, list, scn_got(v, got, sizeof got));
    for (size_t j = 0; j < r->n_vars; j++)
      if (r->vars[j] == (uint32_t)idx)
        return yml_error(x->d, v, f, x->err, "expected each variable once, got '%s' twice", name);
    r->vars[r->n_vars++] = (uint32_t)idx;
  }
  return NMSIM_OK;
}

/* neurons of one state recording: indices < size, no repeats; all if absent. */
static nmsim_status scn_read_rec_neurons(scn_ctx *x, scn_state_rec *r, struct fy_node *seq,
                                         const char *field) {
  uint32_t size = x->s->pops[r->pop].size;
  char got[80], f[320];
  nmsim_status rc;
  if (!seq) {
    if (!(r->neurons = nm_malloc((size_t)size * sizeof *r->neurons)))
      return NMSIM_ENOMEM_ERR(x->err);
    for (uint32_t i = 0; i < size; i++) r->neurons[i] = i;
    r->n_neurons = size;
    return NMSIM_OK;
  }
  int n = fy_node_is_sequence(seq) ? fy_node_sequence_item_count(seq) : 0;
  if (n <= 0)
    return yml_error(x->d, seq, field, x->err,
                     "expected a non-empty list of neuron indices below %u, got %s", size,
                     fy_node_is_sequence(seq) ? "an empty list" : scn_got(seq, got, sizeof got));
  uint32_t *sorted = nm_malloc((size_t)n * sizeof *sorted);
  if (!(r->neurons = nm_malloc((size_t)n * sizeof *r->neurons)) || !sorted) {
    nm_free(sorted);
    return NMSIM_ENOMEM_ERR(x->err);
  }
  void *it = NULL;
  struct fy_node *e;
  for (int i = 0; (e = fy_node_sequence_iterate(seq, &it)); i++) {
    uint64_t v;
    if (!scn_fast_u64(e, size - 1, &v)) {
      scn_fmt(f, sizeof f, "%s[%d]", field, i);
      if ((rc = yml_u64(x->d, e, f, 0, size - 1, &v, x->err))) {
        nm_free(sorted);
        return rc;
      }
    }
    r->neurons[r->n_neurons++] = sorted[i] = (uint32_t)v;
  }
  qsort(sorted, (size_t)n, sizeof *sorted, scn_cmp_u32);
  for (int i = 1; i < n; i++) {
    if (sorted[i] != sorted[i - 1]) continue;
    uint32_t dup = sorted[i];
    int second = -1;
    for (int j = 0, seen = 0; j < n && second < 0; j++)
      if (r->neurons[j] == dup && seen++) second = j;
    nm_free(sorted);
    scn_fmt(f, sizeof f, "%s[%d]", field, second);
    return yml_error(x->d, fy_node_sequence_get_by_index(seq, second), f, x->err,
                     "expected each neuron once, got %u twice", dup);
  }
  nm_free(sorted);
  return NMSIM_OK;
}

static nmsim_status scn_read_rec_state(scn_ctx *x, struct fy_node *m) {
  static const char *const keys[] = {"vars", "neurons", NULL};
  char got[80], field[160], f[320];
  nmsim_status rc;
  if (!fy_node_is_mapping(m))
    return yml_error(x->d, m, "record.state", x->err,
                     "expected a mapping from population names to {vars, neurons}, got %s",
                     scn_got(m, got, sizeof got));
  int n = fy_node_mapping_item_count(m);
  if (n == 0) return NMSIM_OK;
  if (!(x->s->rec_state = nm_calloc((size_t)n, sizeof *x->s->rec_state)))
    return NMSIM_ENOMEM_ERR(x->err);
  void *it = NULL;
  struct fy_node_pair *pr;
  while ((pr = fy_node_mapping_iterate(m, &it))) {
    struct fy_node *k = fy_node_pair_key(pr), *v = fy_node_pair_value(pr);
    long idx = scn_pop_ref(x, k, "record.state");
    if (idx < 0) return NMSIM_EINPUT;
    scn_state_rec *r = &x->s->rec_state[x->s->n_rec_state++];
    r->pop = (uint32_t)idx;
    scn_fmt(field, sizeof field, "record.state.%s", x->s->pops[idx].name);
    if ((rc = yml_check_keys(x->d, v, field, keys, x->err))) return rc;
    struct fy_node *vars = scn_need(x, v, field, "vars", "a list of variable names");
    if (!vars) return NMSIM_EINPUT;
    scn_fmt(f, sizeof f, "%s.vars", field);
    if ((rc = scn_read_rec_vars(x, r, vars, f))) return rc;
    scn_fmt(f, sizeof f, "%s.neurons", field);
    if ((rc = scn_read_rec_neurons(x, r, yml_get(v, "neurons"), f))) return rc;
  }
  return NMSIM_OK;
}

/* record.weights: a list of projection indices (plastic projections), or
 * "all" for every plastic projection. */
static nmsim_status scn_read_rec_weights(scn_ctx *x, struct fy_node *n) {
  nmsim_scenario *s = x->s;
  char got[80], f[64];
  const char *str = scn_scalar(n);
  if (!(s->rec_weights = nm_calloc(s->n_projs ? s->n_projs : 1, sizeof(bool))))
    return NMSIM_ENOMEM_ERR(x->err);
  if (str && strcmp(str, "all") == 0) {
    for (size_t k = 0; k < s->n_projs; k++) s->rec_weights[k] = s->projs[k].plast != NULL;
    return NMSIM_OK;
  }
  if (!fy_node_is_sequence(n))
    return yml_error(x->d, n, "record.weights", x->err,
                     "expected \"all\" or a list of projection indices, got %s",
                     scn_got(n, got, sizeof got));
  void *it = NULL;
  struct fy_node *e;
  for (int i = 0; (e = fy_node_sequence_iterate(n, &it)); i++) {
    uint64_t k;
    nmsim_status rc;
    scn_fmt(f, sizeof f, "record.weights[%d]", i);
    if ((rc = yml_u64(x->d, e, f, 0, s->n_projs ? s->n_projs - 1 : 0, &k, x->err))) return rc;
    if (!s->n_projs || !s->projs[k].plast)
      return yml_error(x->d, e, f, x->err,
                       "expected a plastic projection (one with plasticity:), got projections[%llu]",
                       (unsigned long long)k);
    s->rec_weights[k] = true;
  }
  return NMSIM_OK;
}

nmsim_status scn_read_record(scn_ctx *x, struct fy_node *root) {
  static const char *const keys[] = {"spikes", "state", "weights", "links", "timeline", NULL};
  nmsim_status rc;
  struct fy_node *m = yml_get(root, "record"), *n;
  if (!(x->s->rec_spikes = nm_calloc(x->s->n_pops, sizeof *x->s->rec_spikes)))
    return NMSIM_ENOMEM_ERR(x->err);
  if (!m) return NMSIM_OK;
  if ((rc = yml_check_keys(x->d, m, "record", keys, x->err))) return rc;
  if ((n = yml_get(m, "spikes")) && (rc = scn_read_rec_spikes(x, n))) return rc;
  if ((n = yml_get(m, "state")) && (rc = scn_read_rec_state(x, n))) return rc;
  if ((n = yml_get(m, "weights")) && (rc = scn_read_rec_weights(x, n))) return rc;
  if ((n = yml_get(m, "timeline"))) {
    /* timeline: {steps: [A, B]}: every used core's timing in steps A..B-1 */
    static const char *const tkeys[] = {"steps", NULL};
    if ((rc = yml_check_keys(x->d, n, "record.timeline", tkeys, x->err))) return rc;
    struct fy_node *st = yml_get(n, "steps"), *a, *b;
    if (!st || !fy_node_is_sequence(st) || fy_node_sequence_item_count(st) != 2)
      return yml_error(x->d, st ? st : n, "record.timeline.steps", x->err,
                       "expected [A, B], the steps A to B - 1 (at most %d of them)",
                       SCN_TIMELINE_MAX);
    a = fy_node_sequence_get_by_index(st, 0);
    b = fy_node_sequence_get_by_index(st, 1);
    uint64_t va, vb;
    if ((rc = yml_u64(x->d, a, "record.timeline.steps[0]", 0, x->s->steps - 1, &va, x->err)) ||
        (rc = yml_u64(x->d, b, "record.timeline.steps[1]", va + 1,
                      NM_MIN(x->s->steps, va + SCN_TIMELINE_MAX), &vb, x->err)))
      return rc;
    x->s->tl_first = va, x->s->tl_end = vb;
  }
  if ((n = yml_get(m, "links"))) {
    /* links: {window: N}: the link tables per window of N steps */
    static const char *const lkeys[] = {"window", NULL};
    if ((rc = yml_check_keys(x->d, n, "record.links", lkeys, x->err))) return rc;
    struct fy_node *w = yml_get(n, "window");
    if (!w)
      return yml_error(x->d, n, "record.links", x->err,
                       "expected {window: N}, the steps of a window of the link tables");
    if ((rc = yml_u64(x->d, w, "record.links.window", 1, x->s->steps, &x->s->link_window,
                      x->err)))
      return rc;
  }
  return NMSIM_OK;
}
