/* scenario.c: scenario files read, overridden (--set) and validated into
 * struct nmsim_scenario. Every error names the file, line, column and the
 * dotted field, and says what was expected (docs/scenario-format.md). */
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nmsim/chip.h"
#include "sim/dvs/dvs_replay.h"
#include "sim/load/nir_import.h"
#include "sim/nir/nir.h"
#include "models/stdp.h"
#include "sim/load/scenario_int.h"
#include "sim/load/spike_file.h"
#include "sim/base/units.h"
#include "sim/base/file.h"
#include "sim/load/yaml.h"

#define SCN_MAX_STEPS UINT64_C(1000000000)
#define SCN_MAX_SIZE (UINT64_C(1) << 31)
#define SCN_MAX_DELAY 255
#define SCN_DEFAULT_MAX_EVENTS (UINT64_C(1) << 24)

typedef struct scn_ctx {
  yml_doc *d;
  nmsim_scenario *s;
  nmsim_err *err;
  const char *dir;  /* directory of the scenario file, or NULL */
  nir_net *nir;     /* network: {nir: ...} while loading (sim/load/nir_import.c), or NULL */
} scn_ctx;

/* ---- small helpers ---------------------------------------------------------- */

/* snprintf for field paths: truncates silently (paths are for messages). */
static void scn_fmt(char *buf, size_t len, const char *fmt, ...) NMSIM_PRINTF(3, 4);
static void scn_fmt(char *buf, size_t len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, len, fmt, ap);
  va_end(ap);
}

/* What n is, for "got ...": 'text', an empty value, a mapping, a sequence. */
static const char *scn_got(struct fy_node *n, char *buf, size_t len) {
  if (!n) return "nothing";
  if (fy_node_is_mapping(n)) return "a mapping";
  if (fy_node_is_sequence(n)) return "a sequence";
  size_t sl = 0;
  const char *s = fy_node_is_scalar(n) ? fy_node_get_scalar(n, &sl) : NULL;
  if (!s || !sl) return "an empty value";
  snprintf(buf, len, "'%.*s%s'", (int)(sl > 60 ? 57 : sl), s, sl > 60 ? "..." : "");
  return buf;
}

/* Value of required key in mapping m (at field), or NULL with an error. */
static struct fy_node *scn_need(scn_ctx *x, struct fy_node *m, const char *field, const char *key,
                                const char *what) {
  struct fy_node *v = yml_get(m, key);
  if (!v) {
    char f[256];
    scn_fmt(f, sizeof f, "%s%s%s", field, field[0] ? "." : "", key);
    yml_error(x->d, m, f, x->err, "required field is missing (expected %s)", what);
  }
  return v;
}

/* Text of a non-empty plain scalar, or NULL. */
static const char *scn_scalar(struct fy_node *n) {
  if (!n || !fy_node_is_scalar(n) || fy_node_is_null(n)) return NULL;
  return fy_node_get_scalar0(n);
}

/* A plain decimal integer <= max at n, without building a field path: the
 * fast path for long lists (spike steps, neuron indices). False if n is
 * anything else; the caller then reads it with yml_u64 for the message. */
static bool scn_fast_u64(struct fy_node *n, uint64_t max, uint64_t *out) {
  size_t len = 0;
  const char *s = n && fy_node_is_scalar(n) ? fy_node_get_scalar(n, &len) : NULL;
  uint64_t v = 0;
  if (!s || len == 0 || len > 18) return false;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  if (v > max) return false;
  *out = v;
  return true;
}

/* "a, b, c" from names[0..n) (truncated to fit); "none" if n is 0. */
static void scn_join(char *buf, size_t len, const char *const *names, size_t stride, size_t n) {
  size_t k = 0;
  buf[0] = 0;
  for (size_t i = 0; i < n && k < len; i++) {
    const char *s = *(const char *const *)((const char *)names + i * stride);
    k += (size_t)snprintf(buf + k, len - k, "%s%s", i ? ", " : "", s);
  }
  if (!n) snprintf(buf, len, "none");
}

static void scn_pop_names(const nmsim_scenario *s, char *buf, size_t len) {
  scn_join(buf, len, (const char *const *)&s->pops[0].name, sizeof s->pops[0], s->n_pops);
}

/* Index of the population named by scalar n, or -1 with an error. */
static long scn_pop_ref(scn_ctx *x, struct fy_node *n, const char *field) {
  char list[512], got[80];
  const char *name = scn_scalar(n);
  for (size_t i = 0; name && i < x->s->n_pops; i++)
    if (strcmp(x->s->pops[i].name, name) == 0) return (long)i;
  long alias = name ? nir_net_alias(x->nir, name) : -1; /* nir.output */
  if (alias >= 0) return alias;
  scn_pop_names(x->s, list, sizeof list);
  yml_error(x->d, n, field, x->err, "expected the name of a population (%s), got %s", list,
            scn_got(n, got, sizeof got));
  return -1;
}

static bool scn_valid_name(const char *s) {
  if (!s || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_')) return false;
  for (s++; *s; s++)
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
          *s == '_'))
      return false;
  return true;
}

static int scn_cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* The file name of path without directory and extension, nm_malloc'd. */
static char *scn_stem(const char *path) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  const char *dot = strrchr(b, '.');
  size_t n = dot && dot != b ? (size_t)(dot - b) : strlen(b);
  char *s = nm_malloc(n + 1);
  if (s) memcpy(s, b, n), s[n] = 0;
  return s;
}

static nmsim_status scn_read_uints(scn_ctx *x, struct fy_node *n, const char *field, int want,
                                   uint64_t lo, uint64_t hi, uint32_t *out);

/* ---- top-level scalars ------------------------------------------------------- */

static nmsim_status scn_read_header(scn_ctx *x, struct fy_node *root, const char *default_name) {
  nmsim_scenario *s = x->s;
  struct fy_node *n;
  const char *str = default_name;
  nmsim_status rc;

  if ((n = yml_get(root, "name")) && (rc = yml_str(x->d, n, "name", &str, x->err))) return rc;
  if (!(s->name = nm_strdup(str))) return NMSIM_ENOMEM_ERR(x->err);

  s->seed = 1;
  if ((n = yml_get(root, "seed")) &&
      (rc = yml_u64(x->d, n, "seed", 0, UINT64_MAX, &s->seed, x->err)))
    return rc;

  if (!(n = scn_need(x, root, "", "steps", "an integer in [1, 1000000000]"))) return NMSIM_EINPUT;
  if ((rc = yml_u64(x->d, n, "steps", 1, SCN_MAX_STEPS, &s->steps, x->err))) return rc;

  s->dt_ms = 1.0;
  if ((n = yml_get(root, "dt"))) {
    char got[80];
    if ((rc = yml_quantity(x->d, n, "dt", "ms", 0.0, INFINITY, &s->dt_ms, x->err))) return rc;
    if (!(s->dt_ms > 0))
      return yml_error(x->d, n, "dt", x->err, "expected a time > 0, got %s",
                       scn_got(n, got, sizeof got));
  }

  /* engine */
  static const char *const engine_keys[] = {"queue", "max_events", "mode", NULL};
  static const char *const queues[] = {"bucket", "heap"};
  str = queues[0];
  s->max_events = SCN_DEFAULT_MAX_EVENTS;
  if ((n = yml_get(root, "engine"))) {
    struct fy_node *q;
    if ((rc = yml_check_keys(x->d, n, "engine", engine_keys, x->err))) return rc;
    if ((q = yml_get(n, "queue"))) {
      if ((rc = yml_str(x->d, q, "engine.queue", &str, x->err))) return rc;
      if (strcmp(str, queues[0]) != 0 && strcmp(str, queues[1]) != 0)
        return yml_error(x->d, q, "engine.queue", x->err, "expected bucket or heap, got '%s'",
                         str);
    }
    if ((q = yml_get(n, "max_events")) &&
        (rc = yml_u64(x->d, q, "engine.max_events", 1, UINT32_MAX, &s->max_events, x->err)))
      return rc;
    if ((q = yml_get(n, "mode"))) {
      const char *mode;
      if ((rc = yml_str(x->d, q, "engine.mode", &mode, x->err))) return rc;
      s->network = false;
      if (strcmp(mode, "timed") == 0) s->functional = false;
      else if (strcmp(mode, "functional") == 0) s->functional = true;
      else if (strcmp(mode, "network") == 0) s->functional = s->network = true;
      else
        return yml_error(x->d, q, "engine.mode", x->err,
                         "expected timed, functional or network, got '%s'", mode);
    }
  }
  if (!(s->queue = nm_strdup(str))) return NMSIM_ENOMEM_ERR(x->err);

  /* chips: [columns, rows] of a board of identical chips (default one chip) */
  s->chips_x = s->chips_y = 1;
  if ((n = yml_get(root, "chips"))) {
    uint32_t v[2];
    if ((rc = scn_read_uints(x, n, "chips", 2, 1, 1024, v))) return rc;
    s->chips_x = v[0], s->chips_y = v[1];
  }
  return NMSIM_OK;
}

/* chip: a preset name or a path (relative to the scenario's directory). The
 * chip is loaded once here so that a bad chip fails validation. */
static nmsim_status scn_read_chip(scn_ctx *x, struct fy_node *root) {
  nmsim_scenario *s = x->s;
  const char *ref;
  nmsim_status rc;
  struct fy_node *n = scn_need(x, root, "", "chip", "a chip preset name or a path to a chip file");
  if (!n) return NMSIM_EINPUT;
  if ((rc = yml_str(x->d, n, "chip", &ref, x->err))) return rc;
  size_t rl = strlen(ref);
  bool is_path = strchr(ref, '/') || (rl >= 5 && strcmp(ref + rl - 5, ".yaml") == 0);
  /* A relative chip path is taken against the scenario's directory and made
   * absolute, so that it means the same whatever base a caller passes on. */
  const char *dir = x->dir ? x->dir : "";
  if (strcmp(dir, ".") == 0) dir = "";
  while (strncmp(dir, "./", 2) == 0) dir += 2;
  char cwd[4096] = "";
  bool join = is_path && ref[0] != '/';
  if (join && dir[0] != '/' && !getcwd(cwd, sizeof cwd)) cwd[0] = 0;
  size_t len = strlen(cwd) + strlen(dir) + rl + 3;
  if (!(s->chip = nm_malloc(len))) return NMSIM_ENOMEM_ERR(x->err);
  if (!join) snprintf(s->chip, len, "%s", ref);
  else scn_fmt(s->chip, len, "%s%s%s%s%s", cwd, cwd[0] && dir[0] ? "/" : "", dir,
               cwd[0] || dir[0] ? "/" : "", ref);

  nmsim_chip *c = NULL;
  nmsim_err cerr = {0};
  rc = nmsim_chip_load(s->chip, NULL, &c, &cerr);
  nmsim_chip_destroy(c);
  if (rc == NMSIM_ENOMEM) return NMSIM_ENOMEM_ERR(x->err);
  if (rc != NMSIM_OK) {
    yml_error(x->d, n, "chip", x->err, "%s", cerr.msg);
    if (x->err) x->err->code = rc;
  }
  return rc;
}

/* ---- populations --------------------------------------------------------------- */

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
    if ((rc = yml_quantity(x->d, fy_node_pair_value(pr), f, pd->unit, pd->min, pd->max,
                           &p->values[idx], x->err)))
      return rc;
  }
  return NMSIM_OK;
}

/* spikes: one list of steps per neuron, stored sorted and unique. */
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
  uint64_t total = 0;
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
      if (!scn_fast_u64(e, x->s->steps - 1, &v)) {
        scn_fmt(f, sizeof f, "%s[%u][%d]", field, i, j);
        if ((rc = yml_u64(x->d, e, f, 0, x->s->steps - 1, &v, x->err))) return rc;
      }
      sl->steps[k++] = (uint32_t)v;
    }
    qsort(sl->steps + first, k - first, sizeof *sl->steps, scn_cmp_u32);
    uint32_t w = first;
    for (uint32_t r = first; r < k; r++)
      if (r == first || sl->steps[r] != sl->steps[w - 1]) sl->steps[w++] = sl->steps[r];
    k = w;
    sl->off[i + 1] = k;
  }
  return NMSIM_OK;
}

static char *scn_path(scn_ctx *x, const char *path);

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
  rc = spike_file_read(path, p->size, x->s->steps, &p->spikes, &e);
  nm_free(path);
  if (rc == NMSIM_ENOMEM) return NMSIM_ENOMEM_ERR(x->err);
  if (rc) {
    yml_error(x->d, n, field, x->err, "%s", e.msg);
    if (x->err) x->err->code = rc;
  }
  return rc;
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

/* ---- DVS input (model dvs) ------------------------------------------------------ */

/* A path from the scenario, taken against the scenario file's directory when
 * relative (nm_malloc'd; NULL if out of memory). */
static char *scn_path(scn_ctx *x, const char *path) {
  const char *dir = x->dir && path[0] != '/' ? x->dir : NULL;
  size_t n = (dir ? strlen(dir) + 1 : 0) + strlen(path) + 1;
  char *s = nm_malloc(n);
  if (s) snprintf(s, n, "%s%s%s", dir ? dir : "", dir ? "/" : "", path);
  return s;
}

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

/* A time in the recording's timebase (us), as a whole number of us. */
static nmsim_status scn_dvs_time(scn_ctx *x, struct fy_node *n, const char *field, int64_t *out) {
  double v;
  nmsim_status rc = yml_quantity(x->d, n, field, "us", -9.2e18, 9.2e18, &v, x->err);
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

/* init: {VAR: VALUE | {uniform: [LO, HI]} | {normal: [MEAN, SD]}}: initial
 * state set after the model's init, per neuron from the stream keyed by (seed,
 * population, neuron), so it does not depend on placement. */
static nmsim_status scn_read_init(scn_ctx *x, scn_population *p, struct fy_node *m,
                                  const char *field) {
  static const char *const dist_keys[] = {"uniform", "normal", NULL};
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
                     "expected a population name matching [A-Za-z_][A-Za-z0-9_]*, got %s",
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

  void *derived = nm_calloc(1, p->model->derived_size ? p->model->derived_size : 1);
  if (!derived) return NMSIM_ENOMEM_ERR(x->err);
  msg[0] = 0;
  rc = p->model->prepare(p->values, x->s->dt_ms, derived, msg, sizeof msg);
  nm_free(derived);
  if (rc == NMSIM_ENOMEM) return NMSIM_ENOMEM_ERR(x->err);
  if (rc != NMSIM_OK) {
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

static nmsim_status scn_read_pops(scn_ctx *x, struct fy_node *root) {
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

/* ---- projections --------------------------------------------------------------- */

/* A list of exactly n unsigned integers in [lo, hi] (a single integer is
 * accepted for n == 2 and repeated). */
static nmsim_status scn_read_uints(scn_ctx *x, struct fy_node *n, const char *field, int want,
                                   uint64_t lo, uint64_t hi, uint32_t *out) {
  char got[80];
  if (n && fy_node_is_scalar(n) && want == 2) {
    uint64_t v;
    nmsim_status rc = yml_u64(x->d, n, field, lo, hi, &v, x->err);
    if (rc) return rc;
    out[0] = out[1] = (uint32_t)v;
    return NMSIM_OK;
  }
  if (!n || !fy_node_is_sequence(n) || fy_node_sequence_item_count(n) != want)
    return yml_error(x->d, n, field, x->err, "expected a list of %d whole numbers, got %s", want,
                     scn_got(n, got, sizeof got));
  for (int i = 0; i < want; i++) {
    uint64_t v;
    char f[320];
    scn_fmt(f, sizeof f, "%s[%d]", field, i);
    nmsim_status rc = yml_u64(x->d, fy_node_sequence_get_by_index(n, i), f, lo, hi, &v, x->err);
    if (rc) return rc;
    out[i] = (uint32_t)v;
  }
  return NMSIM_OK;
}

/* {conv2d: {...}} or {pool2d: {...}}: shapes, kernel, stride, padding and
 * (conv2d) the kernel weights; checks that the populations have the sizes
 * the shapes imply. */
static nmsim_status scn_read_conv(scn_ctx *x, struct fy_node *m, const char *field,
                                  scn_projection *pj, bool pool) {
  static const char *const conv_keys[] = {"in", "kernel", "out_channels", "stride", "padding",
                                          "weights", NULL};
  static const char *const pool_keys[] = {"in", "kernel", "stride", "padding", NULL};
  char f[320];
  nmsim_status rc;
  const nmsim_scenario *s = x->s;
  if ((rc = yml_check_keys(x->d, m, field, pool ? pool_keys : conv_keys, x->err))) return rc;
  scn_conv *cv = nm_calloc(1, sizeof *cv);
  if (!cv) return NMSIM_ENOMEM_ERR(x->err);
  pj->conv = cv;
  uint32_t in[3], k[2], st[2] = {1, 1}, pad[2] = {0, 0};
  struct fy_node *n;
  scn_fmt(f, sizeof f, "%s.in", field);
  if (!(n = scn_need(x, m, field, "in", "the pre shape [channels, height, width]")))
    return NMSIM_EINPUT;
  if ((rc = scn_read_uints(x, n, f, 3, 1, 1u << 20, in))) return rc;
  if ((uint64_t)in[0] * in[1] * in[2] != s->pops[pj->pre].size)
    return yml_error(x->d, n, f, x->err,
                     "shape %u x %u x %u has %llu neurons, population '%s' has %u", in[0], in[1],
                     in[2], (unsigned long long)in[0] * in[1] * in[2], s->pops[pj->pre].name,
                     s->pops[pj->pre].size);
  scn_fmt(f, sizeof f, "%s.kernel", field);
  if (!(n = scn_need(x, m, field, "kernel", "the kernel size [height, width]"))) return NMSIM_EINPUT;
  if ((rc = scn_read_uints(x, n, f, 2, 1, 4096, k))) return rc;
  scn_fmt(f, sizeof f, "%s.stride", field);
  if ((n = yml_get(m, "stride")) && (rc = scn_read_uints(x, n, f, 2, 1, 4096, st))) return rc;
  scn_fmt(f, sizeof f, "%s.padding", field);
  if ((n = yml_get(m, "padding")) && (rc = scn_read_uints(x, n, f, 2, 0, 4096, pad))) return rc;
  if (!pool) {
    st[0] = st[0] ? st[0] : 1;
  } else if (!yml_get(m, "stride")) {
    st[0] = k[0], st[1] = k[1]; /* pooling windows tile the input by default */
  }
  cv->in_c = in[0], cv->in_h = in[1], cv->in_w = in[2];
  cv->kh = k[0], cv->kw = k[1], cv->sh = st[0], cv->sw = st[1], cv->ph = pad[0], cv->pw = pad[1];
  if (in[1] + 2 * pad[0] < k[0] || in[2] + 2 * pad[1] < k[1])
    return yml_error(x->d, m, field, x->err,
                     "kernel %u x %u is larger than the padded input %u x %u", k[0], k[1],
                     in[1] + 2 * pad[0], in[2] + 2 * pad[1]);
  cv->out_h = (in[1] + 2 * pad[0] - k[0]) / st[0] + 1;
  cv->out_w = (in[2] + 2 * pad[1] - k[1]) / st[1] + 1;
  cv->out_c = in[0];
  if (!pool) {
    uint64_t oc;
    scn_fmt(f, sizeof f, "%s.out_channels", field);
    if (!(n = scn_need(x, m, field, "out_channels", "the number of output channels")))
      return NMSIM_EINPUT;
    if ((rc = yml_u64(x->d, n, f, 1, 1u << 20, &oc, x->err))) return rc;
    cv->out_c = (uint32_t)oc;
  }
  uint64_t out_n = (uint64_t)cv->out_c * cv->out_h * cv->out_w;
  if (out_n != s->pops[pj->post].size)
    return yml_error(x->d, m, field, x->err,
                     "the output shape %u x %u x %u has %llu neurons, population '%s' has %u",
                     cv->out_c, cv->out_h, cv->out_w, (unsigned long long)out_n,
                     s->pops[pj->post].name, s->pops[pj->post].size);
  pj->conn = pool ? SCN_POOL2D : SCN_CONV2D;
  if (!pool && (n = yml_get(m, "weights"))) {
    size_t want = (size_t)cv->out_c * cv->in_c * cv->kh * cv->kw;
    scn_fmt(f, sizeof f, "%s.weights", field);
    if (!fy_node_is_sequence(n) || (size_t)fy_node_sequence_item_count(n) != want) {
      char got[80];
      return yml_error(x->d, n, f, x->err,
                       "expected a flat list of %zu numbers (out_channels x in channels x kernel "
                       "height x kernel width, row-major), got %s",
                       want, scn_got(n, got, sizeof got));
    }
    if (!(cv->kernel = nm_malloc(sizeof(double) * want))) return NMSIM_ENOMEM_ERR(x->err);
    void *it = NULL;
    struct fy_node *e;
    size_t i = 0;
    while ((e = fy_node_sequence_iterate(n, &it))) {
      char fi[340];
      scn_fmt(fi, sizeof fi, "%s[%zu]", f, i);
      if ((rc = yml_quantity(x->d, e, fi, "", -INFINITY, INFINITY, &cv->kernel[i], x->err)))
        return rc;
      i++;
    }
  }
  return NMSIM_OK;
}

static nmsim_status scn_read_connector(scn_ctx *x, struct fy_node *n, const char *field,
                                       scn_projection *pj) {
  static const char *const keys[] = {"fixed_probability", "conv2d", "pool2d", NULL};
  static const char *const what =
      "all_to_all, one_to_one, {fixed_probability: P}, {conv2d: {...}} or {pool2d: {...}}";
  char got[80], f[320];
  const nmsim_scenario *s = x->s;
  nmsim_status rc;
  const char *str = scn_scalar(n);
  if (str && strcmp(str, "all_to_all") == 0) {
    pj->conn = SCN_ALL_TO_ALL;
  } else if (str && strcmp(str, "one_to_one") == 0) {
    pj->conn = SCN_ONE_TO_ONE;
    if (s->pops[pj->pre].size != s->pops[pj->post].size)
      return yml_error(x->d, n, field, x->err,
                       "one_to_one needs populations of equal size, got %s (%u) and %s (%u)",
                       s->pops[pj->pre].name, s->pops[pj->pre].size, s->pops[pj->post].name,
                       s->pops[pj->post].size);
  } else if (n && fy_node_is_mapping(n) && fy_node_mapping_item_count(n) == 1 &&
             (yml_get(n, "conv2d") || yml_get(n, "pool2d"))) {
    bool pool = yml_get(n, "pool2d") != NULL;
    scn_fmt(f, sizeof f, "%s.%s", field, pool ? "pool2d" : "conv2d");
    struct fy_node *c = yml_get(n, pool ? "pool2d" : "conv2d");
    if (!fy_node_is_mapping(c))
      return yml_error(x->d, c, f, x->err, "expected a mapping, got %s",
                       scn_got(c, got, sizeof got));
    return scn_read_conv(x, c, f, pj, pool);
  } else if (n && fy_node_is_mapping(n)) {
    if ((rc = yml_check_keys(x->d, n, field, keys, x->err))) return rc;
    struct fy_node *p = scn_need(x, n, field, "fixed_probability", "a probability in [0, 1]");
    if (!p) return NMSIM_EINPUT;
    scn_fmt(f, sizeof f, "%s.fixed_probability", field);
    if ((rc = yml_quantity(x->d, p, f, "", 0.0, 1.0, &pj->p, x->err))) return rc;
    pj->conn = SCN_FIXED_PROBABILITY;
  } else {
    return yml_error(x->d, n, field, x->err, "expected %s, got %s", what,
                     scn_got(n, got, sizeof got));
  }
  return NMSIM_OK;
}

/* delay: whole steps in [1, 255], or a time that is a whole multiple of dt. */
static nmsim_status scn_read_delay(scn_ctx *x, struct fy_node *n, const char *field,
                                   uint32_t *out) {
  char got[80], msg[300];
  double v, dt = x->s->dt_ms;
  const char *str = scn_scalar(n);
  if (str && units_parse(str, "", &v, msg, sizeof msg) == NMSIM_OK) {
    if (v == floor(v) && v >= 1 && v <= SCN_MAX_DELAY) return *out = (uint32_t)v, NMSIM_OK;
  } else if (str && units_parse(str, "ms", &v, msg, sizeof msg) == NMSIM_OK) {
    double r = v / dt, k = floor(r + 0.5);
    if (fabs(r - k) > 1e-9 * fmax(1.0, k))
      return yml_error(x->d, n, field, x->err,
                       "expected a whole multiple of dt (%g ms), got %s (%g steps)", dt,
                       scn_got(n, got, sizeof got), r);
    if (k >= 1 && k <= SCN_MAX_DELAY) return *out = (uint32_t)k, NMSIM_OK;
  }
  return yml_error(x->d, n, field, x->err,
                   "expected a delay of 1 to %d steps, as a whole number or a time that is a "
                   "multiple of dt (%g ms), got %s",
                   SCN_MAX_DELAY, dt, scn_got(n, got, sizeof got));
}

/* Synaptic weights onto a fixed-point (Loihi) model: 8-bit integers as Lava's
 * Dense stores them for num_weight_bits = 8 (lava/utils/weightutils.py:
 * clip_weights, truncate_weights). The sign mode comes from the projection's
 * weights: all >= 0 (excitatory) allows 0..255, all <= 0 (inhibitory)
 * -255..0, both signs (mixed, e.g. a conv2d kernel) -256..254 in steps of 2,
 * because the sign takes one of the 8 bits and the weight is scaled by 2.
 * weight_exp: nengo-loihi's limit for the synapse weight exponent
 * (nengo_loihi/builder/validate.py: -7 <= weight_exp <= 7). */
#define SCN_WEIGHT_EXP_MIN (-7)
#define SCN_WEIGHT_EXP_MAX 7

static nmsim_status scn_check_fixed_weights(scn_ctx *x, struct fy_node *wn, const char *field,
                                            const scn_projection *pj) {
  const double *kernel = pj->conv ? pj->conv->kernel : NULL;
  const scn_conv *cv = pj->conv;
  size_t nk = kernel ? (size_t)cv->out_c * cv->in_c * cv->kh * cv->kw : 1;
  double lo = 0, hi = 0;
  for (size_t i = 0; i < nk; i++) {
    double w = kernel ? pj->weight * kernel[i] : pj->weight;
    lo = fmin(lo, w), hi = fmax(hi, w);
  }
  bool mixed = lo < 0 && hi > 0;
  double min = mixed ? -256 : lo < 0 ? -255 : 0, max = mixed ? 254 : lo < 0 ? 0 : 255;
  for (size_t i = 0; i < nk; i++) {
    double w = kernel ? pj->weight * kernel[i] : pj->weight;
    if (w != floor(w) || w < min || w > max || (mixed && fmod(w, 2.0) != 0))
      return yml_error(x->d, wn, field, x->err,
                       "model %s is fixed-point: %s must be an 8-bit integer (Lava Dense, "
                       "num_weight_bits 8): %s, got %.17g",
                       x->s->pops[pj->post].model->name,
                       kernel ? "every weight x kernel entry" : "the weight",
                       mixed ? "even and in [-256, 254] when the signs are mixed"
                             : "in [-255, 255], one sign per projection",
                       w);
  }
  return NMSIM_OK;
}

/* plasticity: {rule: stdp | loihi_trace, a_plus, a_minus, tau_plus, tau_minus,
 * w_min, w_max, dependence: additive | multiplicative, pairing: all_to_all |
 * nearest}; weights and bounds in the target's input unit. */
static nmsim_status scn_read_plasticity(scn_ctx *x, scn_projection *pj, struct fy_node *m,
                                        const char *field, const char *unit) {
  static const char *const keys[] = {"rule",   "a_plus", "a_minus",    "tau_plus", "tau_minus",
                                     "w_min",  "w_max",  "dependence", "pairing",  NULL};
  char f[360], got[80], msg[256];
  nmsim_status rc;
  struct fy_node *n;
  if ((rc = yml_check_keys(x->d, m, field, keys, x->err))) return rc;
  if (x->s->pops[pj->post].model->flags & NMSIM_MODEL_FIXED_POINT)
    return yml_error(x->d, m, field, x->err,
                     "plasticity needs a floating-point target model, got %s (fixed point)",
                     x->s->pops[pj->post].model->name);
  scn_plasticity *pl = nm_calloc(1, sizeof *pl);
  if (!pl) return NMSIM_ENOMEM_ERR(x->err);
  pj->plast = pl;
  stdp_params *p = &pl->p;
  *p = (stdp_params){.a_plus = 0.005, .a_minus = 0.00525, .tau_plus = 20, .tau_minus = 20,
                     .w_min = 0, .w_max = 1, .dep = STDP_ADDITIVE, .pairing = STDP_ALL_TO_ALL};
  pl->rule = stdp_rules[0];
  scn_fmt(f, sizeof f, "%s.rule", field);
  if ((n = yml_get(m, "rule"))) {
    const char *r;
    if ((rc = yml_str(x->d, n, f, &r, x->err))) return rc;
    if (!(pl->rule = stdp_rule_find(r))) {
      char names[128];
      size_t at = 0;
      for (size_t i = 0; stdp_rules[i] && at < sizeof names; i++)
        at += (size_t)snprintf(names + at, sizeof names - at, "%s%s",
                               i == 0 ? "" : stdp_rules[i + 1] ? ", " : " or ", stdp_rules[i]->name);
      return yml_error(x->d, n, f, x->err, "expected %s, got '%s'", names, r);
    }
  }
  struct { const char *key, *unit; double *out; double lo; } q[] = {
      {"a_plus", "", &p->a_plus, 0},       {"a_minus", "", &p->a_minus, 0},
      {"tau_plus", "ms", &p->tau_plus, 0}, {"tau_minus", "ms", &p->tau_minus, 0},
      {"w_min", unit, &p->w_min, -INFINITY}, {"w_max", unit, &p->w_max, -INFINITY}};
  for (size_t i = 0; i < NM_ARRAY_LEN(q); i++) {
    scn_fmt(f, sizeof f, "%s.%s", field, q[i].key);
    if ((n = yml_get(m, q[i].key)) &&
        (rc = yml_quantity(x->d, n, f, q[i].unit, q[i].lo, INFINITY, q[i].out, x->err)))
      return rc;
  }
  scn_fmt(f, sizeof f, "%s.dependence", field);
  if ((n = yml_get(m, "dependence"))) {
    const char *d;
    if ((rc = yml_str(x->d, n, f, &d, x->err))) return rc;
    if (strcmp(d, "additive") == 0) p->dep = STDP_ADDITIVE;
    else if (strcmp(d, "multiplicative") == 0) p->dep = STDP_MULTIPLICATIVE;
    else return yml_error(x->d, n, f, x->err, "expected additive or multiplicative, got '%s'", d);
  }
  scn_fmt(f, sizeof f, "%s.pairing", field);
  if ((n = yml_get(m, "pairing"))) {
    const char *d;
    if ((rc = yml_str(x->d, n, f, &d, x->err))) return rc;
    if (strcmp(d, "all_to_all") == 0) p->pairing = STDP_ALL_TO_ALL;
    else if (strcmp(d, "nearest") == 0) p->pairing = STDP_NEAREST;
    else return yml_error(x->d, n, f, x->err, "expected all_to_all or nearest, got '%s'", d);
  }
  if (stdp_check(p, msg, sizeof msg) != NMSIM_OK)
    return yml_error(x->d, m, field, x->err, "%s", msg);
  if (pj->weight < p->w_min || pj->weight > p->w_max)
    return yml_error(x->d, m, field, x->err,
                     "the initial weight %g lies outside [w_min, w_max] = [%g, %g]", pj->weight,
                     p->w_min, p->w_max);
  if (pj->conv)
    return yml_error(x->d, m, field, x->err,
                     "plasticity on shared-kernel projections (conv2d, pool2d) is not supported; "
                     "got %s", scn_got(m, got, sizeof got));
  pj->weight_max = fmax(pj->weight_max, fmax(fabs(p->w_min), fabs(p->w_max)));
  return NMSIM_OK;
}

static nmsim_status scn_read_proj(scn_ctx *x, struct fy_node *m, const char *field,
                                  scn_projection *pj) {
  static const char *const keys[] = {"from", "to", "connector", "weight", "weight_exp",
                                     "delay", "site", "allow_self", "plasticity", NULL};
  char f[320], list[256];
  nmsim_status rc;
  struct fy_node *n, *wn, *en = NULL;
  long idx;
  int col;
  yml_pos(m, &pj->line, &col);
  if ((rc = yml_check_keys(x->d, m, field, keys, x->err))) return rc;

  scn_fmt(f, sizeof f, "%s.from", field);
  if (!(n = scn_need(x, m, field, "from", "the name of a population"))) return NMSIM_EINPUT;
  if ((idx = scn_pop_ref(x, n, f)) < 0) return NMSIM_EINPUT;
  pj->pre = (uint32_t)idx;

  scn_fmt(f, sizeof f, "%s.to", field);
  if (!(n = scn_need(x, m, field, "to", "the name of a population"))) return NMSIM_EINPUT;
  if ((idx = scn_pop_ref(x, n, f)) < 0) return NMSIM_EINPUT;
  pj->post = (uint32_t)idx;
  const scn_population *post = &x->s->pops[pj->post];
  const nmsim_neuron_type *t = post->model;
  if (t->n_sites == 0)
    return yml_error(x->d, n, f, x->err,
                     "expected a population that takes synaptic input, got '%s' (model %s is a "
                     "spike source)",
                     post->name, t->name);

  scn_fmt(f, sizeof f, "%s.connector", field);
  if (!(n = scn_need(x, m, field, "connector",
                     "all_to_all, one_to_one, {fixed_probability: P}, {conv2d: ...} or "
                     "{pool2d: ...}")))
    return NMSIM_EINPUT;
  if ((rc = scn_read_connector(x, n, f, pj))) return rc;

  scn_fmt(f, sizeof f, "%s.weight", field);
  const char *unit = t->input_unit ? t->input_unit : "";
  if (!(n = scn_need(x, m, field, "weight", unit[0] ? "a number or a quantity" : "a number")))
    return NMSIM_EINPUT;
  if ((rc = yml_quantity(x->d, n, f, unit, -INFINITY, INFINITY, &pj->weight, x->err))) return rc;
  pj->weight_max = fabs(pj->weight);
  if (pj->conv && pj->conv->kernel) {
    size_t nk = (size_t)pj->conv->out_c * pj->conv->in_c * pj->conv->kh * pj->conv->kw;
    double km = 0;
    for (size_t i = 0; i < nk; i++) km = fmax(km, fabs(pj->conv->kernel[i]));
    pj->weight_max = fabs(pj->weight) * km;
  }
  wn = n;

  pj->weight_exp = 0;
  scn_fmt(f, sizeof f, "%s.weight_exp", field);
  if ((en = yml_get(m, "weight_exp"))) {
    double e;
    char got[80];
    if (!(t->flags & NMSIM_MODEL_FIXED_POINT))
      return yml_error(x->d, en, f, x->err,
                       "weight_exp is only for fixed-point targets; population '%s' (model %s) "
                       "takes weights in %s",
                       post->name, t->name, unit[0] ? unit : "plain numbers");
    if ((rc = yml_quantity(x->d, en, f, "", SCN_WEIGHT_EXP_MIN, SCN_WEIGHT_EXP_MAX, &e, x->err)))
      return rc;
    if (e != floor(e))
      return yml_error(x->d, en, f, x->err, "expected an integer in [%d, %d], got %s",
                       SCN_WEIGHT_EXP_MIN, SCN_WEIGHT_EXP_MAX, scn_got(en, got, sizeof got));
    pj->weight_exp = (int)e;
  }
  scn_fmt(f, sizeof f, "%s.weight", field);
  if ((t->flags & NMSIM_MODEL_FIXED_POINT) && (rc = scn_check_fixed_weights(x, wn, f, pj)))
    return rc;

  pj->delay = 1;
  scn_fmt(f, sizeof f, "%s.delay", field);
  if ((n = yml_get(m, "delay")) && (rc = scn_read_delay(x, n, f, &pj->delay))) return rc;

  pj->site = 0;
  scn_fmt(f, sizeof f, "%s.site", field);
  if ((n = yml_get(m, "site"))) {
    const char *site;
    if ((rc = yml_str(x->d, n, f, &site, x->err))) return rc;
    int si = nmsim_model_site_index(t, site);
    if (si < 0) {
      scn_join(list, sizeof list, (const char *const *)t->sites, sizeof t->sites[0], t->n_sites);
      return yml_error(x->d, n, f, x->err,
                       "expected an input site of model %s (%s), got '%s'", t->name, list, site);
    }
    pj->site = (uint32_t)si;
  }

  /* A negative weight_exp floors the projection's own sum; the engine hands
   * the model one sum per site, so at most one such projection per site keeps
   * it exact (docs/scenario-format.md, "Fixed-point targets"). */
  for (size_t k = 0; pj->weight_exp < 0 && &x->s->projs[k] != pj; k++) {
    const scn_projection *q = &x->s->projs[k];
    scn_fmt(f, sizeof f, "%s.weight_exp", field);
    if (q->post == pj->post && q->site == pj->site && q->weight_exp < 0)
      return yml_error(x->d, en, f, x->err,
                       "at most one projection with a negative weight_exp may target a site "
                       "of a population; the projection at line %d already targets site %s "
                       "of '%s' with weight_exp %d",
                       q->line, t->sites[pj->site], post->name, q->weight_exp);
  }

  pj->allow_self = false;
  scn_fmt(f, sizeof f, "%s.allow_self", field);
  if ((n = yml_get(m, "allow_self")) && (rc = yml_bool(x->d, n, f, &pj->allow_self, x->err)))
    return rc;
  scn_fmt(f, sizeof f, "%s.plasticity", field);
  if ((n = yml_get(m, "plasticity")) && (rc = scn_read_plasticity(x, pj, n, f, unit))) return rc;
  return NMSIM_OK;
}

static nmsim_status scn_read_nir_binding(scn_ctx *x, struct fy_node *m, const char *field,
                                         long port);

static nmsim_status scn_read_projs(scn_ctx *x, struct fy_node *root) {
  char got[80], field[64];
  nmsim_status rc;
  struct fy_node *seq = yml_get(root, "projections");
  if (!seq) return NMSIM_OK;
  if (!fy_node_is_sequence(seq))
    return yml_error(x->d, seq, "projections", x->err, "expected a list of projections, got %s",
                     scn_got(seq, got, sizeof got));
  int n = fy_node_sequence_item_count(seq);
  if (n == 0) return NMSIM_OK;
  if (!(x->s->projs = nm_calloc((size_t)n, sizeof *x->s->projs))) return NMSIM_ENOMEM_ERR(x->err);
  void *it = NULL;
  struct fy_node *m;
  for (int i = 0; (m = fy_node_sequence_iterate(seq, &it)); i++) {
    scn_fmt(field, sizeof field, "projections[%d]", i);
    long port = x->nir && fy_node_is_mapping(m) && scn_scalar(yml_get(m, "to"))
                    ? nir_net_port(x->nir, scn_scalar(yml_get(m, "to")))
                    : -1;
    if (port >= 0) { /* into a NIR graph's Input (docs/nir.md) */
      if ((rc = scn_read_nir_binding(x, m, field, port))) return rc;
      continue;
    }
    scn_projection *pj = &x->s->projs[x->s->n_projs++];
    if ((rc = scn_read_proj(x, m, field, pj))) return rc;
  }
  return NMSIM_OK;
}

/* ---- record ------------------------------------------------------------------------ */

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

static nmsim_status scn_read_record(scn_ctx *x, struct fy_node *root) {
  static const char *const keys[] = {"spikes", "state", "weights", NULL};
  nmsim_status rc;
  struct fy_node *m = yml_get(root, "record"), *n;
  if (!(x->s->rec_spikes = nm_calloc(x->s->n_pops, sizeof *x->s->rec_spikes)))
    return NMSIM_ENOMEM_ERR(x->err);
  if (!m) return NMSIM_OK;
  if ((rc = yml_check_keys(x->d, m, "record", keys, x->err))) return rc;
  if ((n = yml_get(m, "spikes")) && (rc = scn_read_rec_spikes(x, n))) return rc;
  if ((n = yml_get(m, "state")) && (rc = scn_read_rec_state(x, n))) return rc;
  if ((n = yml_get(m, "weights")) && (rc = scn_read_rec_weights(x, n))) return rc;
  return NMSIM_OK;
}

/* ---- network: a NIR graph (sim/load/nir_import.c, docs/nir.md) --------------------------- */

/* network.dt sets the scenario's dt (the step that discretises the graph). */
static nmsim_status scn_read_network_dt(scn_ctx *x, struct fy_node *root) {
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

/* network: {nir: FILE, dt, reset: zero | subtract, target: float | loihi_cuba}:
 * the graph's populations are appended after the scenario's. */
static nmsim_status scn_read_network(scn_ctx *x, struct fy_node *root) {
  static const char *const keys[] = {"nir", "dt", "reset", "target", NULL};
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
static nmsim_status scn_read_nir_binding(scn_ctx *x, struct fy_node *m, const char *field,
                                         long port) {
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
static nmsim_status scn_finish_network(scn_ctx *x, struct fy_node *root) {
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
  for (size_t i = 0; i < nw; i++) {
    if (nm_grow((void **)&x->s->warnings, &x->s->cap_warnings, x->s->n_warnings + 1,
                sizeof(char *)) ||
        !(x->s->warnings[x->s->n_warnings] = nm_strdup(w[i])))
      return NMSIM_ENOMEM_ERR(x->err);
    x->s->n_warnings++;
  }
  return NMSIM_OK;
}

/* ---- loading --------------------------------------------------------------------- */

/* mapping: {strategy: dense | round_robin, place: {POP: {core: C} | {chip: N}}} */
static nmsim_status scn_read_mapping(scn_ctx *x, struct fy_node *root) {
  static const char *const keys[] = {"strategy", "place", NULL};
  static const char *const where_keys[] = {"core", "chip", NULL};
  nmsim_scenario *s = x->s;
  nmsim_status rc;
  char f[320], got[80];
  for (size_t p = 0; p < s->n_pops; p++) s->pops[p].place_core = s->pops[p].place_chip = UINT32_MAX;
  s->mapping = SCN_MAP_DENSE;
  struct fy_node *m = yml_get(root, "mapping"), *n;
  if (!m) return NMSIM_OK;
  if ((rc = yml_check_keys(x->d, m, "mapping", keys, x->err))) return rc;
  if ((n = yml_get(m, "strategy"))) {
    const char *str;
    if ((rc = yml_str(x->d, n, "mapping.strategy", &str, x->err))) return rc;
    if (strcmp(str, "dense") == 0) s->mapping = SCN_MAP_DENSE;
    else if (strcmp(str, "round_robin") == 0) s->mapping = SCN_MAP_ROUND_ROBIN;
    else
      return yml_error(x->d, n, "mapping.strategy", x->err,
                       "expected dense or round_robin, got '%s'", str);
  }
  struct fy_node *pl = yml_get(m, "place");
  if (!pl) return NMSIM_OK;
  if (!fy_node_is_mapping(pl))
    return yml_error(x->d, pl, "mapping.place", x->err,
                     "expected a mapping {POPULATION: {core: C} or {chip: N}}, got %s",
                     scn_got(pl, got, sizeof got));
  if (s->mapping == SCN_MAP_ROUND_ROBIN)
    return yml_error(x->d, pl, "mapping.place", x->err,
                     "explicit placement needs strategy dense (round_robin spreads every "
                     "population over all cores)");
  void *it = NULL;
  struct fy_node_pair *pr;
  while ((pr = fy_node_mapping_iterate(pl, &it))) {
    struct fy_node *key = fy_node_pair_key(pr), *v = fy_node_pair_value(pr);
    scn_fmt(f, sizeof f, "mapping.place.%s", scn_scalar(key) ? scn_scalar(key) : "?");
    long pi = scn_pop_ref(x, key, f);
    if (pi < 0) return NMSIM_EINPUT;
    if ((rc = yml_check_keys(x->d, v, f, where_keys, x->err))) return rc;
    if (fy_node_mapping_item_count(v) != 1)
      return yml_error(x->d, v, f, x->err, "expected exactly one of {core: C} or {chip: N}");
    uint64_t at;
    char fk[340];
    bool chip = yml_get(v, "chip") != NULL;
    scn_fmt(fk, sizeof fk, "%s.%s", f, chip ? "chip" : "core");
    if ((rc = yml_u64(x->d, yml_get(v, chip ? "chip" : "core"), fk, 0, UINT32_MAX - 1, &at,
                      x->err)))
      return rc;
    if (chip) s->pops[pi].place_chip = (uint32_t)at;
    else s->pops[pi].place_core = (uint32_t)at;
  }
  return NMSIM_OK;
}

static nmsim_status scn_read(scn_ctx *x, const char *default_name) {
  static const char *const keys[] = {"name",        "seed",        "chip",   "chips",
                                     "steps",       "dt",          "engine", "mapping",
                                     "populations", "projections", "record", "network", NULL};
  struct fy_node *root = yml_root(x->d);
  nmsim_status rc;
  if ((rc = yml_check_keys(x->d, root, "", keys, x->err))) return rc;
  if ((rc = scn_read_header(x, root, default_name))) return rc;
  if ((rc = scn_read_network_dt(x, root))) return rc;
  if ((rc = scn_read_chip(x, root))) return rc;
  if ((rc = scn_read_pops(x, root))) return rc;
  if ((rc = scn_read_network(x, root))) return rc;
  if ((rc = scn_read_mapping(x, root))) return rc;
  if ((rc = scn_read_projs(x, root))) return rc;
  if ((rc = scn_finish_network(x, root))) return rc;
  return scn_read_record(x, root);
}

/* Load text (named name in messages) into a new scenario; path goes into
 * s->path, dir (may be NULL) resolves a relative chip path. */
static nmsim_status scn_load(const char *name, const char *path, const char *dir,
                             const char *text, const nmsim_override *ov, size_t n_ov,
                             nmsim_scenario **out, nmsim_err *err) {
  nmsim_status rc;
  yml_doc *d = NULL;
  char *stem = NULL;
  scn_ctx x = {.err = err, .dir = dir};
  nmsim_scenario *s = nm_calloc(1, sizeof *s);
  if (!s) return NMSIM_ENOMEM_ERR(err);
  if (!(s->path = nm_strdup(path)) || !(stem = scn_stem(name))) goto nomem;
  if ((rc = yml_parse(name, text, &d, err))) goto fail;
  if (n_ov && (rc = yml_apply_overrides(d, ov, n_ov, err))) goto fail;
  x.d = d;
  x.s = s;
  if ((rc = scn_read(&x, stem))) goto fail;
  if (!(s->text = yml_emit(d))) goto nomem;
  yml_free(d);
  nm_free(stem);
  nir_net_destroy(x.nir);
  /* non-fatal notes (NIR repairs): also on stderr, since they change the network */
  for (size_t i = 0; i < s->n_warnings; i++)
    fprintf(stderr, "nmsim: warning: %s\n", s->warnings[i]);
  *out = s;
  return NMSIM_OK;

nomem:
  rc = NMSIM_ENOMEM_ERR(err);
fail:
  yml_free(d);
  nm_free(stem);
  nir_net_destroy(x.nir);
  nmsim_scenario_destroy(s);
  return rc;
}

nmsim_status nmsim_scenario_load(const char *path, const nmsim_override *ov, size_t n_ov,
                                 nmsim_scenario **out, nmsim_err *err) {
  char *text = NULL, *dir = NULL;
  nmsim_status rc;
  if (!path || !out || (n_ov && !ov))
    return NMSIM_ERR(err, NMSIM_EINVAL, "nmsim_scenario_load: NULL argument");
  *out = NULL;
  const char *slash = strrchr(path, '/');
  if (slash) {
    size_t n = (size_t)(slash - path);
    if (!(dir = nm_malloc(n + 2))) return NMSIM_ENOMEM_ERR(err);
    memcpy(dir, path, n ? n : 1);  /* "/x.yaml" lives in "/" */
    dir[n ? n : 1] = 0;
  }
  if ((rc = nm_read_text(path, NM_TEXT_MAX, &text, err)) == NMSIM_OK)
    rc = scn_load(path, path, dir, text, ov, n_ov, out, err);
  nm_free(text);
  nm_free(dir);
  return rc;
}

nmsim_status nmsim_scenario_load_string(const char *name, const char *text,
                                        const nmsim_override *ov, size_t n_ov,
                                        nmsim_scenario **out, nmsim_err *err) {
  if (!text || !out || (n_ov && !ov))
    return NMSIM_ERR(err, NMSIM_EINVAL, "nmsim_scenario_load_string: NULL argument");
  *out = NULL;
  return scn_load(name ? name : "<string>", "<string>", NULL, text, ov, n_ov, out, err);
}

void nmsim_scenario_destroy(nmsim_scenario *s) {
  if (!s) return;
  for (size_t i = 0; i < s->n_pops; i++) {
    nm_free(s->pops[i].init);
    nm_free(s->pops[i].name);
    nm_free(s->pops[i].values);
    nm_free(s->pops[i].spikes.off);
    nm_free(s->pops[i].spikes.steps);
    dvs_replay_destroy(s->pops[i].dvs);
    for (size_t k = 0; s->pops[i].spikes.param && k < s->pops[i].model->n_params; k++)
      nm_free(s->pops[i].spikes.param[k]);
    nm_free(s->pops[i].spikes.param);
  }
  for (size_t i = 0; i < s->n_rec_state; i++) {
    nm_free(s->rec_state[i].vars);
    nm_free(s->rec_state[i].neurons);
  }
  for (size_t i = 0; s->projs && i < s->n_projs; i++) {
    nm_free(s->projs[i].plast);
    if (s->projs[i].conv) nm_free(s->projs[i].conv->kernel);
    nm_free(s->projs[i].conv);
    if (s->projs[i].matrix) nm_free(s->projs[i].matrix->w);
    nm_free(s->projs[i].matrix);
  }
  nm_free(s->pops);
  nm_free(s->projs);
  nm_free(s->rec_spikes);
  nm_free(s->rec_weights);
  nm_free(s->rec_state);
  for (size_t i = 0; i < s->n_warnings; i++) nm_free(s->warnings[i]);
  nm_free(s->warnings);
  nm_free(s->path);
  nm_free(s->text);
  nm_free(s->name);
  nm_free(s->chip);
  nm_free(s->queue);
  nm_free(s);
}
