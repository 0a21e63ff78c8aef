/* scenario.c: scenario files read, overridden (--set) and validated into
 * struct nmsim_scenario: the top-level scalars, chip and mapping, the order of
 * the sections (sim/load/scn_*.c), loading and destroy (docs/scenario-format.md). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nmsim/chip.h"
#include "sim/base/file.h"
#include "sim/dvs/dvs_replay.h"
#include "cores/chip_int.h"
#include "sim/load/pacing.h"
#include "sim/load/scn_read.h"
#include "sim/load/values_file.h"

#define SCN_MAX_STEPS UINT64_C(1000000000)
#define SCN_DEFAULT_MAX_EVENTS (UINT64_C(1) << 24)

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
    /* one message for every value that is not a time above 0 */
    if ((rc = yml_quantity(x->d, n, "dt", "ms", -INFINITY, INFINITY, &s->dt_ms, x->err)))
      return rc;
    if (!(s->dt_ms > 0))
      return yml_error(x->d, n, "dt", x->err, "expected a time > 0, got %s",
                       scn_got(n, got, sizeof got));
  }

  /* engine */
  static const char *const engine_keys[] = {"queue", "max_events", "mode", "pacing", NULL};
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
    if ((q = yml_get(n, "pacing"))) {
      if ((rc = pacing_read(x->d, q, "engine.pacing", true, &s->pacing, &s->pacing_ps, x->err)))
        return rc;
      int col = 0;
      yml_pos(q, &s->pacing_line, &col);
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

/* ---- loading --------------------------------------------------------------------- */

/* mapping.max_per_core: {POP: N}, a cap of neurons per core. */
static nmsim_status scn_read_caps(scn_ctx *x, struct fy_node *m) {
  char f[320], got[80];
  nmsim_status rc;
  if (!fy_node_is_mapping(m))
    return yml_error(x->d, m, "mapping.max_per_core", x->err,
                     "expected a mapping {POPULATION: neurons per core}, got %s",
                     scn_got(m, got, sizeof got));
  void *it = NULL;
  struct fy_node_pair *pr;
  while ((pr = fy_node_mapping_iterate(m, &it))) {
    struct fy_node *key = fy_node_pair_key(pr);
    scn_fmt(f, sizeof f, "mapping.max_per_core.%s", scn_scalar(key) ? scn_scalar(key) : "?");
    long pi = scn_pop_ref(x, key, f);
    if (pi < 0) return NMSIM_EINPUT;
    uint64_t cap;
    if ((rc = yml_u64(x->d, fy_node_pair_value(pr), f, 1, UINT32_MAX, &cap, x->err))) return rc;
    x->s->pops[pi].max_per_core = (uint32_t)cap;
  }
  return NMSIM_OK;
}

/* mapping.cores: {POP: [core of neuron 0, ...] | {file: PATH, dataset: NAME}}:
 * every neuron's core, inline or from a CSV, .npy or HDF5 file. */
static nmsim_status scn_read_core_maps(scn_ctx *x, struct fy_node *m) {
  char f[320], got[80], msg[512];
  nmsim_status rc;
  if (!fy_node_is_mapping(m))
    return yml_error(x->d, m, "mapping.cores", x->err,
                     "expected a mapping {POPULATION: [core of each neuron] or {file: PATH}}, "
                     "got %s", scn_got(m, got, sizeof got));
  void *it = NULL;
  struct fy_node_pair *pr;
  while ((pr = fy_node_mapping_iterate(m, &it))) {
    struct fy_node *key = fy_node_pair_key(pr), *v = fy_node_pair_value(pr);
    scn_fmt(f, sizeof f, "mapping.cores.%s", scn_scalar(key) ? scn_scalar(key) : "?");
    long pi = scn_pop_ref(x, key, f);
    if (pi < 0) return NMSIM_EINPUT;
    scn_population *p = &x->s->pops[pi];
    double *vals = nm_malloc(sizeof(double) * p->size);
    if (!vals || !(p->core_map = nm_malloc(sizeof(uint32_t) * p->size))) {
      nm_free(vals);
      return NMSIM_ENOMEM_ERR(x->err);
    }
    rc = NMSIM_OK;
    if (fy_node_is_sequence(v)) {
      if ((uint64_t)fy_node_sequence_item_count(v) != p->size)
        rc = yml_error(x->d, v, f, x->err, "expected one core per neuron (%u), got %d", p->size,
                       fy_node_sequence_item_count(v));
      void *jt = NULL;
      struct fy_node *e;
      for (uint32_t i = 0; rc == NMSIM_OK && (e = fy_node_sequence_iterate(v, &jt)); i++) {
        uint64_t c;
        char fi[340];
        scn_fmt(fi, sizeof fi, "%s[%u]", f, i);
        if ((rc = yml_u64(x->d, e, fi, 0, UINT32_MAX - 1, &c, x->err)) == NMSIM_OK)
          vals[i] = (double)c;
      }
    } else if (fy_node_is_mapping(v) && yml_get(v, "file")) {
      static const char *const fkeys[] = {"file", "dataset", NULL};
      const char *path, *ds = NULL;
      char *full = NULL;
      if ((rc = yml_check_keys(x->d, v, f, fkeys, x->err)) == NMSIM_OK &&
          (rc = yml_str(x->d, yml_get(v, "file"), f, &path, x->err)) == NMSIM_OK &&
          (!yml_get(v, "dataset") ||
           (rc = yml_str(x->d, yml_get(v, "dataset"), f, &ds, x->err)) == NMSIM_OK)) {
        if (!(full = scn_path(x, path))) rc = NMSIM_ENOMEM_ERR(x->err);
        else if ((rc = values_file_read(full, ds, p->size, vals, msg, sizeof msg))) {
          yml_error(x->d, v, f, x->err, "%s", msg);
          if (x->err) x->err->code = rc;
        }
      }
      nm_free(full);
      for (uint32_t i = 0; rc == NMSIM_OK && i < p->size; i++)
        if (!(vals[i] >= 0 && vals[i] < UINT32_MAX && vals[i] == floor(vals[i])))
          rc = yml_error(x->d, v, f, x->err, "neuron %u: core %g is not a whole number >= 0", i,
                         vals[i]);
    } else {
      rc = yml_error(x->d, v, f, x->err,
                     "expected a list of one core per neuron or {file: PATH}, got %s",
                     scn_got(v, got, sizeof got));
    }
    for (uint32_t i = 0; rc == NMSIM_OK && i < p->size; i++) p->core_map[i] = (uint32_t)vals[i];
    nm_free(vals);
    if (rc) return rc;
  }
  return NMSIM_OK;
}

/* mapping: {strategy: dense | round_robin, place: {POP: {core: C} | {chip: N},
 * cores: K}, max_per_core: {POP: N}, cores: {POP: [...] | {file: F}}} */
static nmsim_status scn_read_mapping(scn_ctx *x, struct fy_node *root) {
  static const char *const keys[] = {"strategy", "place", "max_per_core", "cores", NULL};
  static const char *const where_keys[] = {"core", "chip", "cores", NULL};
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
    else if (strcmp(str, "spatial") == 0) s->mapping = SCN_MAP_SPATIAL;
    else
      return yml_error(x->d, n, "mapping.strategy", x->err,
                       "expected dense, spatial or round_robin, got '%s'", str);
  }
  if ((n = yml_get(m, "max_per_core"))) {
    if (s->mapping == SCN_MAP_ROUND_ROBIN)
      return yml_error(x->d, n, "mapping.max_per_core", x->err,
                       "a cap of neurons per core needs strategy dense (round_robin cuts "
                       "every population into one chunk per core)");
    if ((rc = scn_read_caps(x, n))) return rc;
  }
  if ((n = yml_get(m, "cores"))) {
    if (s->mapping == SCN_MAP_ROUND_ROBIN)
      return yml_error(x->d, n, "mapping.cores", x->err,
                       "an explicit neuron-to-core map needs strategy dense");
    if ((rc = scn_read_core_maps(x, n))) return rc;
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
    bool has_core = yml_get(v, "core") != NULL, has_chip = yml_get(v, "chip") != NULL;
    if (has_core == has_chip)
      return yml_error(x->d, v, f, x->err,
                       "expected exactly one of {core: C} or {chip: N} (with cores: K, the "
                       "most cores it may take)");
    struct fy_node *kn = yml_get(v, "cores");
    if (kn) {
      uint64_t kc;
      char fk[340];
      scn_fmt(fk, sizeof fk, "%s.cores", f);
      if ((rc = yml_u64(x->d, kn, fk, 1, UINT32_MAX, &kc, x->err))) return rc;
      s->pops[pi].place_cores = (uint32_t)kc;
    }
    uint64_t at;
    char fk[340];
    bool chip = yml_get(v, "chip") != NULL;
    scn_fmt(fk, sizeof fk, "%s.%s", f, chip ? "chip" : "core");
    if ((rc = yml_u64(x->d, yml_get(v, chip ? "chip" : "core"), fk, 0, UINT32_MAX - 1, &at,
                      x->err)))
      return rc;
    if (chip) s->pops[pi].place_chip = (uint32_t)at;
    else s->pops[pi].place_core = (uint32_t)at;
    if (s->pops[pi].core_map)
      return yml_error(x->d, v, f, x->err,
                       "'%s' has its cores in mapping.cores already: give one or the other",
                       s->pops[pi].name);
  }
  return NMSIM_OK;
}

/* dvfs: {policy: fixed | load, level: N, populations: {POP: N}, headroom: F}.
 * Levels count from 1 (the slowest); whether the chip has them is checked
 * when the system is built. */
static nmsim_status scn_read_dvfs(scn_ctx *x, struct fy_node *root) {
  static const char *const keys[] = {"policy", "level", "populations", "headroom", NULL};
  nmsim_scenario *s = x->s;
  nmsim_status rc;
  char f[320], got[80];
  s->dvfs = (scn_dvfs){.policy = SCN_DVFS_OFF, .headroom = 0.8};
  struct fy_node *m = yml_get(root, "dvfs"), *n;
  if (!m) return NMSIM_OK;
  int col = 0;
  yml_pos(m, &s->dvfs.line, &col);
  if ((rc = yml_check_keys(x->d, m, "dvfs", keys, x->err))) return rc;
  n = scn_need(x, m, "dvfs", "policy", "fixed or load");
  if (!n) return NMSIM_EINPUT;
  const char *str;
  if ((rc = yml_str(x->d, n, "dvfs.policy", &str, x->err))) return rc;
  if (strcmp(str, "fixed") == 0) s->dvfs.policy = SCN_DVFS_FIXED;
  else if (strcmp(str, "load") == 0) s->dvfs.policy = SCN_DVFS_LOAD;
  else
    return yml_error(x->d, n, "dvfs.policy", x->err,
                     "expected fixed (a level per PE, from dvfs.level and dvfs.populations) or "
                     "load (each PE chooses a level every tick from its work), got '%s'", str);
  bool fixed = s->dvfs.policy == SCN_DVFS_FIXED;
  if ((n = yml_get(m, "level"))) {
    uint64_t v;
    if (!fixed)
      return yml_error(x->d, n, "dvfs.level", x->err,
                       "a level is set with policy fixed; policy load chooses it every tick");
    if ((rc = yml_u64(x->d, n, "dvfs.level", 1, CHIP_MAX_LEVELS, &v, x->err))) return rc;
    s->dvfs.level = (uint32_t)v;
  }
  if ((n = yml_get(m, "headroom"))) {
    if (fixed)
      return yml_error(x->d, n, "dvfs.headroom", x->err,
                       "headroom belongs to policy load (the share of a tick the predicted work "
                       "may fill)");
    if ((rc = yml_quantity(x->d, n, "dvfs.headroom", "", 0.01, 1.0, &s->dvfs.headroom, x->err)))
      return rc;
  }
  struct fy_node *pl = yml_get(m, "populations");
  if (!pl) return NMSIM_OK;
  if (!fixed)
    return yml_error(x->d, pl, "dvfs.populations", x->err,
                     "levels per population are set with policy fixed; policy load chooses them "
                     "every tick");
  if (!fy_node_is_mapping(pl))
    return yml_error(x->d, pl, "dvfs.populations", x->err,
                     "expected a mapping {POPULATION: level}, got %s", scn_got(pl, got, sizeof got));
  void *it = NULL;
  struct fy_node_pair *pr;
  while ((pr = fy_node_mapping_iterate(pl, &it))) {
    struct fy_node *key = fy_node_pair_key(pr);
    scn_fmt(f, sizeof f, "dvfs.populations.%s", scn_scalar(key) ? scn_scalar(key) : "?");
    long pi = scn_pop_ref(x, key, f);
    if (pi < 0) return NMSIM_EINPUT;
    uint64_t v;
    if ((rc = yml_u64(x->d, fy_node_pair_value(pr), f, 1, CHIP_MAX_LEVELS, &v, x->err))) return rc;
    s->pops[pi].dvfs_level = (uint32_t)v;
  }
  return NMSIM_OK;
}

static nmsim_status scn_read(scn_ctx *x, const char *default_name) {
  static const char *const keys[] = {"name",        "seed",        "chip",   "chips",
                                     "steps",       "dt",          "engine", "mapping",
                                     "populations", "projections", "record", "network",
                                     "dvfs",        NULL};
  struct fy_node *root = yml_root(x->d);
  nmsim_status rc;
  if ((rc = yml_check_keys(x->d, root, "", keys, x->err))) return rc;
  if ((rc = scn_read_header(x, root, default_name))) return rc;
  if ((rc = scn_read_network_dt(x, root))) return rc;
  if ((rc = scn_read_chip(x, root))) return rc;
  if ((rc = scn_read_pops(x, root))) return rc;
  if ((rc = scn_read_network(x, root))) return rc;
  if ((rc = scn_read_mapping(x, root))) return rc;
  if ((rc = scn_read_dvfs(x, root))) return rc;
  if ((rc = scn_read_projs(x, root))) return rc;
  if ((rc = scn_finish_network(x, root))) return rc;
  return scn_read_record(x, root);
}

/* Load text (named name in messages) into a new scenario; path goes into
 * s->path, dir (may be NULL) resolves a relative chip path. */
static nmsim_status scn_load(const char *name, const char *path, const char *dir,
                             const char *text, const nmsim_override *ov, size_t n_ov,
                             bool quiet, nmsim_scenario **out, nmsim_err *err) {
  nmsim_status rc;
  yml_doc *d = NULL;
  char *stem = NULL;
  scn_ctx x = {.err = err, .dir = dir};
  nmsim_scenario *s = nm_calloc(1, sizeof *s);
  if (!s) return NMSIM_ENOMEM_ERR(err);
  if (!(s->path = nm_strdup(path)) || !(stem = nm_path_stem(name))) goto nomem;
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
  for (size_t i = 0; !quiet && i < s->n_warnings; i++)
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
    rc = scn_load(path, path, dir, text, ov, n_ov, false, out, err);
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
  return scn_load(name ? name : "<string>", "<string>", NULL, text, ov, n_ov, false, out, err);
}

nmsim_status scn_reload(const nmsim_scenario *s, nmsim_scenario **out, nmsim_err *err) {
  *out = NULL;
  char *dir = NULL;
  const char *slash = s->path ? strrchr(s->path, '/') : NULL;
  if (slash) {
    size_t n = (size_t)(slash - s->path);
    if (!(dir = nm_malloc(n + 2))) return NMSIM_ENOMEM_ERR(err);
    memcpy(dir, s->path, n ? n : 1);
    dir[n ? n : 1] = 0;
  }
  nmsim_status rc = scn_load(s->path, s->path, dir, s->text, NULL, 0, true, out, err);
  nm_free(dir);
  return rc;
}

void nmsim_scenario_destroy(nmsim_scenario *s) {
  if (!s) return;
  for (size_t i = 0; i < s->n_pops; i++) {
    for (size_t k = 0; k < s->pops[i].n_init; k++) nm_free(s->pops[i].init[k].values);
    nm_free(s->pops[i].init);
    nm_free(s->pops[i].name);
    nm_free(s->pops[i].values);
    nm_free(s->pops[i].pn_values);
    nm_free(s->pops[i].core_map);
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
    if (s->projs[i].list) {
      nm_free(s->projs[i].list->off);
      nm_free(s->projs[i].list->post);
      nm_free(s->projs[i].list->w);
      nm_free(s->projs[i].list->d);
    }
    nm_free(s->projs[i].list);
    nm_free(s->projs[i].dist);
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
