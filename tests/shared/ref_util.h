/* ref_util.h: helpers of the data-driven tests on the JSON files of ../shared/reference:
 * reading the JSON through libfyaml (a field that is missing fails the test,
 * naming it), and driving a model through its descriptor over a block, as the
 * core does (prepare, init, then update once per step with this step's input). */
#ifndef NMSIM_TESTS_SHARED_REF_UTIL_H
#define NMSIM_TESTS_SHARED_REF_UTIL_H

#include <criterion/criterion.h>
#include <libfyaml.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nmsim/model.h"

/* ---- JSON ------------------------------------------------------------------ */

/* The parsed reference file NMSIM_SHARED_DIR/reference/<name>; fails if absent. */
static inline struct fy_document *ref_load(const char *name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/reference/%s", NMSIM_SHARED_DIR, name);
  struct fy_document *d = fy_document_build_from_file(NULL, path);
  cr_assert(d != NULL, "cannot parse %s", path);
  return d;
}

static inline struct fy_node *ref_root(struct fy_document *d) {
  return fy_document_root(d);
}

/* Child `key` of mapping m, or NULL. */
static inline struct fy_node *ref_opt(struct fy_node *m, const char *key) {
  return m && fy_node_is_mapping(m) ? fy_node_mapping_lookup_by_string(m, key, FY_NT) : NULL;
}

/* Child `key` of mapping m; fails the test if missing (what names the context). */
static inline struct fy_node *ref_get(struct fy_node *m, const char *key, const char *what) {
  struct fy_node *n = ref_opt(m, key);
  cr_assert(n != NULL, "%s: field '%s' missing", what, key);
  return n;
}

static inline const char *ref_str(struct fy_node *n) {
  cr_assert(n && fy_node_is_scalar(n), "expected a scalar");
  return fy_node_get_scalar0(n);
}

static inline double ref_num(struct fy_node *n) {
  const char *s = ref_str(n);
  char *end = NULL;
  double v = strtod(s, &end);
  cr_assert(end && end != s && *end == 0, "expected a number, got '%s'", s);
  return v;
}

static inline double ref_num_at(struct fy_node *m, const char *key, const char *what) {
  return ref_num(ref_get(m, key, what));
}

static inline size_t ref_len(struct fy_node *seq) {
  cr_assert(seq && fy_node_is_sequence(seq), "expected a list");
  return (size_t)fy_node_sequence_item_count(seq);
}

static inline struct fy_node *ref_item(struct fy_node *seq, size_t i) {
  return fy_node_sequence_get_by_index(seq, (int)i);
}

/* The numbers of list seq, malloc'd (*n gets the count; never NULL). */
static inline double *ref_nums(struct fy_node *seq, size_t *n) {
  *n = ref_len(seq);
  double *v = malloc(sizeof(double) * (*n ? *n : 1));
  for (size_t i = 0; i < *n; i++) v[i] = ref_num(ref_item(seq, i));
  return v;
}

/* ---- a block of neurons driven through the descriptor ------------------------ */

#define REF_MAX_SITES 4
#define REF_MAX_PARAMS 64

typedef struct ref_blk {
  const nmsim_neuron_type *m;
  double values[REF_MAX_PARAMS];  /* parameter values, defaults until ref_set */
  void *derived;
  void **state;
  double *in[REF_MAX_SITES];      /* this step's input per site; the test writes it */
  const double *inp[REF_MAX_SITES];
  double *out_value;
  uint32_t *spikes;
  nmsim_block b;
} ref_blk;

static inline size_t ref_var_size(const nmsim_var_desc *v) {
  return v->type == NMSIM_VAR_F64 ? sizeof(double) : v->type == NMSIM_VAR_I32 ? 4 : v->bytes;
}

/* Model `name` with default parameters; set parameters with ref_set, then call
 * ref_start. */
static inline void ref_model(ref_blk *k, const char *name) {
  memset(k, 0, sizeof *k);
  k->m = nmsim_neuron_type_find(name);
  cr_assert(k->m != NULL, "model '%s' is not registered", name);
  cr_assert(k->m->n_params <= REF_MAX_PARAMS && k->m->n_sites <= REF_MAX_SITES);
  for (size_t i = 0; i < k->m->n_params; i++) k->values[i] = k->m->params[i].def;
}

static inline void ref_set(ref_blk *k, const char *param, double v) {
  int i = nmsim_model_param_index(k->m, param);
  cr_assert(i >= 0, "model %s has no parameter '%s'", k->m->name, param);
  k->values[i] = v;
}

/* Apply preset `name` of the model (as `preset:` in a scenario does). */
static inline void ref_preset(ref_blk *k, const char *name) {
  const nmsim_preset *p = nmsim_model_preset(k->m, name);
  cr_assert(p != NULL, "model %s has no preset '%s'", k->m->name, name);
  for (size_t i = 0; i < p->n_values; i++) ref_set(k, p->values[i].name, p->values[i].value);
}

/* prepare (must succeed) and init n neurons at step size dt_ms. */
static inline void ref_start(ref_blk *k, size_t n, double dt_ms) {
  const nmsim_neuron_type *m = k->m;
  char msg[256] = "";
  k->derived = calloc(1, m->derived_size + 1);
  nmsim_status rc = m->prepare(k->values, dt_ms, k->derived, msg, sizeof msg);
  cr_assert_eq(rc, NMSIM_OK, "%s: prepare: %s", m->name, msg);
  k->state = calloc(m->n_vars + 1, sizeof(void *));
  for (size_t v = 0; v < m->n_vars; v++) k->state[v] = calloc(n, ref_var_size(&m->vars[v]));
  for (int s = 0; s < REF_MAX_SITES; s++) {
    k->in[s] = calloc(n, sizeof(double));
    k->inp[s] = k->in[s];
  }
  k->out_value = calloc(n, sizeof(double));
  k->spikes = calloc(n, sizeof(uint32_t));
  k->b = (nmsim_block){.n = n, .state = k->state, .input = k->inp, .step = 0, .dt_ms = dt_ms,
                       .seed = 1, .pop_id = 0, .first = 0, .aux = NULL,
                       .out_value = (m->flags & NMSIM_MODEL_GRADED) ? k->out_value : NULL};
  m->init(k->derived, &k->b);
}

/* One step; returns the number of spikes (their local indices in k->spikes). */
static inline size_t ref_step(ref_blk *k) {
  size_t ns = 0;
  k->m->update(k->derived, &k->b, k->spikes, &ns);
  k->b.step++;
  return ns;
}

static inline void *ref_var(ref_blk *k, const char *name) {
  int i = nmsim_model_var_index(k->m, name);
  cr_assert(i >= 0, "model %s has no variable '%s'", k->m->name, name);
  return k->state[i];
}

static inline int ref_site(ref_blk *k, const char *name) {
  int i = nmsim_model_site_index(k->m, name);
  cr_assert(i >= 0, "model %s has no site '%s'", k->m->name, name);
  return i;
}

static inline void ref_free(ref_blk *k) {
  for (size_t v = 0; v < k->m->n_vars; v++) free(k->state[v]);
  free(k->state);
  for (int s = 0; s < REF_MAX_SITES; s++) free(k->in[s]);
  free(k->out_value);
  free(k->spikes);
  free(k->derived);
}

/* ---- spike-time comparisons ------------------------------------------------- */

/* Bursts with the criterion of Naud & Sprekeler 2018: spikes whose ISI is <=
 * isi_ms form one event; an event of >= 2 spikes is a burst. */
typedef struct ref_burst_stats {
  size_t n_spikes, n_events, n_bursts, n_singlets, max_per_event;
} ref_burst_stats;

static inline ref_burst_stats ref_bursts(const double *t, size_t n, double isi_ms) {
  ref_burst_stats st = {.n_spikes = n};
  size_t run = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i < n && i > 0 && t[i] - t[i - 1] <= isi_ms + 1e-9) {
      run++;
      continue;
    }
    if (i > 0) {
      st.n_events++;
      if (run >= 2) st.n_bursts++;
      else st.n_singlets++;
      if (run > st.max_per_event) st.max_per_event = run;
    }
    run = 1;
  }
  return st;
}

/* Rows (input spike, voltage, output spike) of a NIR paper LIF trace such as
 * lif_norse.csv, at most max of them; the count read. */
static inline size_t ref_read_norse_csv(const char *path, double (*rows)[3], size_t max) {
  FILE *f = fopen(path, "r");
  cr_assert(f != NULL, "cannot open %s", path);
  size_t n = 0;
  while (n < max && fscanf(f, "%lf,%lf,%lf", &rows[n][0], &rows[n][1], &rows[n][2]) == 3) n++;
  fclose(f);
  return n;
}

/* Drive the one neuron of k with the case's constant current (input type
 * constant_current from t = 0, amplitude in.amp_key set as parameter param)
 * for the case's duration_ms at dt, then free k. Returns the spike times (ms,
 * at the end of the step), *n of them; free() them. */
static inline double *ref_run_constant(ref_blk *k, struct fy_node *cs, struct fy_node *in,
                                       const char *name, const char *amp_key,
                                       const char *param, double dt, size_t *n) {
  cr_assert_str_eq(ref_str(ref_get(in, "type", name)), "constant_current", "%s input", name);
  cr_assert_eq(ref_num_at(in, "t_on_ms", name), 0.0, "%s: t_on_ms", name);
  ref_set(k, param, ref_num_at(in, amp_key, name));
  ref_start(k, 1, dt);
  size_t steps = (size_t)llround(ref_num_at(cs, "duration_ms", name) / dt);
  double *t = malloc(sizeof(double) * (steps + 1));
  *n = 0;
  for (size_t s = 0; s < steps; s++)
    if (ref_step(k)) t[(*n)++] = (double)(s + 1) * dt;
  ref_free(k);
  return t;
}

#endif
