/* cli_validation.c: `nmsim validation TABLE.yaml`: run the scenarios of a
 * table of published silicon measurements and print, row by row, the
 * measured figure, nmsim's prediction and the error (docs/validation.md).
 *
 * A table (scenarios/validation/table.yaml) is a list of rows:
 *   rows:
 *     - workload: "..."           what ran on the chip
 *       scenario: file.yaml       relative to the table
 *       set: {steps: 100}         optional --set overrides of the scenario
 *       source: "..."             paper, table or figure of the measurement
 *       figure: energy            one of the figures below
 *       per: inference            run (default), step or inference
 *       inferences: 10            the run's inferences (per: inference)
 *       measured: 0.27 mJ         the published figure, in any unit
 *       predicted: 0.2543 mJ      nmsim's prediction when the row was written
 *       goal: 12                  largest error in percent (default 12 for
 *                                 energy and power, 25 for time)
 *       why: "..."                why a row misses its goal (required then)
 * --check fails (exit 1) when a prediction no longer matches `predicted` at
 * four significant digits, so a model change that moves a row is seen, and
 * --doc FILE when FILE's generated table differs from the one printed now. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/json.h"
#include "nmsim/scenario.h"
#include "sim/base/file.h"
#include "sim/base/units.h"
#include "sim/cli/cli.h"
#include "sim/cli/cli_opts.h"
#include "sim/load/yaml.h"
#include "sim/system/run_int.h"

static const char *usage_validation =
    "usage: nmsim validation TABLE.yaml [--markdown | --json] [--check] [--doc FILE]\n"
    "\n"
    "Run the scenarios of a table of published silicon measurements\n"
    "(scenarios/validation/table.yaml) and print each row: the workload, its\n"
    "source, the measured figure, nmsim's prediction and the error in percent\n"
    "against the row's goal (docs/validation.md says how rows are chosen).\n"
    "  --markdown   print the table as Markdown (the table of docs/validation.md)\n"
    "  --json       print the rows as a JSON array\n"
    "  --check      exit 1 if a prediction differs from the row's recorded\n"
    "               `predicted` at four significant digits, or a row misses its\n"
    "               goal without saying why\n"
    "  --doc FILE   with --check: also exit 1 if the table between FILE's markers\n"
    "               differs from the Markdown printed now\n";

/* The figures a row can compare: each from the run's summary, in the
 * canonical unit of its dimension. */
enum { VF_ENERGY, VF_DYN_ENERGY, VF_STATIC_ENERGY, VF_TIME, VF_COMPUTE_TIME, VF_POWER,
       VF_DYN_POWER, VF_STATIC_POWER, VF_CORE_POWER, VF_CORE_STATIC, VF_SYNOP_ENERGY, VF_CORES,
       VF_COUNT };
static const struct {
  const char *name, *unit, *help;
  double goal; /* default goal, percent */
} vfigures[VF_COUNT] = {
    [VF_ENERGY] = {"energy", "pJ", "dynamic plus static energy", 12},
    [VF_DYN_ENERGY] = {"dynamic_energy", "pJ", "energy of the events alone", 12},
    [VF_STATIC_ENERGY] = {"static_energy", "pJ", "static power over the run's time", 12},
    [VF_TIME] = {"time", "ns", "hardware time, pacing included", 25},
    [VF_COMPUTE_TIME] = {"compute_time", "ns", "time the chip computed (no pacing idle)", 25},
    [VF_POWER] = {"power", "mW", "mean power: energy over hardware time", 12},
    [VF_DYN_POWER] = {"dynamic_power", "mW", "dynamic energy over hardware time", 12},
    [VF_STATIC_POWER] = {"static_power", "mW", "static power charged (mean over the run)", 12},
    [VF_CORE_POWER] = {"core_power", "mW",
                       "dynamic energy plus the static energy of the cores in use, over time", 12},
    [VF_CORE_STATIC] = {"core_static_power", "mW", "static power of the cores in use", 12},
    [VF_SYNOP_ENERGY] = {"energy_per_synop", "pJ", "dynamic energy per synaptic op", 12},
    [VF_CORES] = {"cores", "", "cores the mapping uses", 12},
};

enum { PER_RUN, PER_STEP, PER_INFERENCE };

typedef struct vrow {
  const char *workload, *scenario, *source, *why, *unit; /* unit: the measured one's */
  char *path;          /* scenario's path (relative to the table's directory) */
  char *set_key[2];    /* the overrides of the run and of the baseline run as one
                          text each, to share runs between rows */
  nmsim_override *ov;  /* set, then baseline's (n_ov = all; n_set = set's) */
  size_t n_ov, n_set;
  bool relative;       /* baseline given: the figure is the change in percent */
  int figure, per, line;
  uint64_t inferences;
  double measured, predicted, goal; /* canonical units; goal in percent */
  bool has_predicted;
  double unit_scale;   /* one `unit` in canonical units */
  double value;        /* nmsim's prediction now */
  char chip[32];       /* the run's chip */
} vrow;

/* A run of a scenario with overrides, shared by the rows that name it. */
typedef struct vrun {
  const char *key;
  run_summary sum;
} vrun;

typedef struct vtable {
  yml_doc *doc;
  char *text;
  vrow *rows;
  size_t n;
  vrun *runs;
  size_t n_runs;
} vtable;

static void vtable_free(vtable *t) {
  for (size_t i = 0; i < t->n; i++) {
    nm_free(t->rows[i].path);
    nm_free(t->rows[i].set_key[0]);
    nm_free(t->rows[i].set_key[1]);
    nm_free(t->rows[i].ov);
  }
  nm_free(t->rows);
  for (size_t i = 0; i < t->n_runs; i++) run_summary_clear(&t->runs[i].sum);
  nm_free(t->runs);
  yml_free(t->doc);
  nm_free(t->text);
}

/* A quantity of the figure's dimension: *v in the canonical unit, *unit the
 * unit the text names (a pointer into a static table of names). */
static nmsim_status read_quantity(yml_doc *d, struct fy_node *n, const char *field,
                                  const char *canon, double *v, const char **unit,
                                  double *scale, nmsim_err *err) {
  const char *s;
  nmsim_status rc = yml_str(d, n, field, &s, err);
  if (rc) return rc;
  char msg[256];
  if (units_parse(s, canon, v, msg, sizeof msg) != NMSIM_OK)
    return yml_error(d, n, field, err, "%s", msg);
  if (!(*v > 0) || !isfinite(*v))
    return yml_error(d, n, field, err, "expected a positive quantity, got '%s'", s);
  static const char *const names[] = {"J", "mJ", "uJ", "nJ", "pJ", "fJ", "s",  "ms",
                                      "us", "ns", "ps", "W", "mW", "uW", NULL};
  const char *u = s + strcspn(s, " \t");
  u += strspn(u, " \t");
  *unit = canon;
  for (size_t i = 0; names[i]; i++)
    if (!strcmp(u, names[i])) *unit = names[i];
  char one[32];
  snprintf(one, sizeof one, "1 %s", *unit);
  if (units_parse(one, canon, scale, msg, sizeof msg) != NMSIM_OK) *scale = 1;
  return NMSIM_OK;
}

/* A change in percent: "-75 %", "-75%" or -75. */
static nmsim_status read_percent(yml_doc *d, struct fy_node *n, const char *field, double *v,
                                 nmsim_err *err) {
  const char *s;
  nmsim_status rc = yml_str(d, n, field, &s, err);
  if (rc) return rc;
  char *end;
  *v = strtod(s, &end);
  while (*end == ' ') end++;
  if (*end == '%') end++;
  if (end == s || *end || !isfinite(*v) || *v == 0)
    return yml_error(d, n, field, err, "expected a non-zero change in percent against the "
                     "baseline (e.g. -75 %%), got '%s'", s);
  return NMSIM_OK;
}

static nmsim_status read_row(vtable *t, struct fy_node *m, size_t i, const char *dir,
                             nmsim_err *err) {
  static const char *const keys[] = {"workload", "scenario", "set",        "baseline",
                                     "source",   "figure",   "per",        "inferences",
                                     "measured", "predicted", "goal",      "why",
                                     NULL};
  static const char *const pers[] = {"run", "step", "inference"};
  yml_doc *d = t->doc;
  vrow *r = &t->rows[i];
  char f[64], fk[160];
  nmsim_status rc;
  snprintf(f, sizeof f, "rows[%zu]", i);
  if ((rc = yml_check_keys(d, m, f, keys, err))) return rc;
  int col;
  yml_pos(m, &r->line, &col);
  const char *req[] = {"workload", "scenario", "source", "figure", "measured"};
  for (size_t k = 0; k < sizeof req / sizeof *req; k++)
    if (!yml_get(m, req[k]))
      return yml_error(d, m, f, err, "missing field '%s' (a row needs workload, scenario, "
                       "source, figure and measured)", req[k]);
#define FIELD(name) (snprintf(fk, sizeof fk, "%s.%s", f, name), fk)
  if ((rc = yml_str(d, yml_get(m, "workload"), FIELD("workload"), &r->workload, err)) ||
      (rc = yml_str(d, yml_get(m, "scenario"), FIELD("scenario"), &r->scenario, err)) ||
      (rc = yml_str(d, yml_get(m, "source"), FIELD("source"), &r->source, err)))
    return rc;
  const char *fig;
  struct fy_node *fn = yml_get(m, "figure");
  if ((rc = yml_str(d, fn, FIELD("figure"), &fig, err))) return rc;
  r->figure = -1;
  for (int k = 0; k < VF_COUNT; k++)
    if (!strcmp(fig, vfigures[k].name)) r->figure = k;
  if (r->figure < 0) {
    char list[256] = "";
    for (int k = 0; k < VF_COUNT; k++)
      snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? ", " : "",
               vfigures[k].name);
    return yml_error(d, fn, fk, err, "expected one of %s, got '%s'", list, fig);
  }
  const char *canon = vfigures[r->figure].unit;
  r->relative = yml_get(m, "baseline") != NULL;
  if (r->relative) {
    r->unit = "%";
    r->unit_scale = 1;
    if ((rc = read_percent(d, yml_get(m, "measured"), FIELD("measured"), &r->measured, err)))
      return rc;
  } else if ((rc = read_quantity(d, yml_get(m, "measured"), FIELD("measured"), canon,
                                 &r->measured, &r->unit, &r->unit_scale, err))) {
    return rc;
  }
  struct fy_node *n;
  if ((n = yml_get(m, "predicted"))) {
    const char *u;
    double sc;
    if (r->relative ? (rc = read_percent(d, n, FIELD("predicted"), &r->predicted, err))
                    : (rc = read_quantity(d, n, FIELD("predicted"), canon, &r->predicted, &u,
                                          &sc, err)))
      return rc;
    r->has_predicted = true;
  }
  r->per = PER_RUN;
  if ((n = yml_get(m, "per"))) {
    const char *p;
    if ((rc = yml_str(d, n, FIELD("per"), &p, err))) return rc;
    r->per = -1;
    for (int k = 0; k < 3; k++)
      if (!strcmp(p, pers[k])) r->per = k;
    if (r->per < 0)
      return yml_error(d, n, fk, err, "expected run, step or inference, got '%s'", p);
  }
  r->inferences = 1;
  if ((n = yml_get(m, "inferences"))) {
    if (r->per != PER_INFERENCE)
      return yml_error(d, n, FIELD("inferences"), err, "only with per: inference");
    if ((rc = yml_u64(d, n, FIELD("inferences"), 1, UINT32_MAX, &r->inferences, err)))
      return rc;
  }
  r->goal = vfigures[r->figure].goal;
  if ((n = yml_get(m, "goal")) &&
      (rc = yml_quantity(d, n, FIELD("goal"), "", 0, 1000, &r->goal, err)))
    return rc;
  if ((n = yml_get(m, "why")) && (rc = yml_str(d, n, FIELD("why"), &r->why, err))) return rc;
  /* the overrides (set, then baseline's), and one text of each run's to tell
   * which rows share a run */
  struct fy_node *sets[2] = {yml_get(m, "set"), yml_get(m, "baseline")};
  size_t cnt = 0, klen = strlen(r->scenario) + 2;
  for (int k = 0; k < 2; k++) {
    if (!sets[k]) continue;
    if (!fy_node_is_mapping(sets[k]))
      return yml_error(d, sets[k], FIELD(k ? "baseline" : "set"), err,
                       "expected a mapping {KEY: VALUE} of --set overrides");
    cnt += (size_t)fy_node_mapping_item_count(sets[k]);
  }
  if (!(r->ov = nm_calloc(cnt ? cnt : 1, sizeof *r->ov))) return NMSIM_ENOMEM_ERR(err);
  for (int k = 0; k < 2; k++) {
    void *it = NULL;
    struct fy_node_pair *pr;
    while (sets[k] && (pr = fy_node_mapping_iterate(sets[k], &it))) {
      nmsim_override *o = &r->ov[r->n_ov];
      char fs[200];
      snprintf(fs, sizeof fs, "%s.%s", f, k ? "baseline" : "set");
      if ((rc = yml_str(d, fy_node_pair_key(pr), fs, &o->key, err))) return rc;
      snprintf(fs, sizeof fs, "%s.%s.%s", f, k ? "baseline" : "set", o->key);
      if ((rc = yml_str(d, fy_node_pair_value(pr), fs, &o->value, err))) return rc;
      klen += strlen(o->key) + strlen(o->value) + 2;
      r->n_ov++;
    }
    if (k == 0) r->n_set = r->n_ov;
  }
#undef FIELD
  for (int k = 0; k < 2; k++) {
    if (!(r->set_key[k] = nm_malloc(klen))) return NMSIM_ENOMEM_ERR(err);
    size_t len = (size_t)snprintf(r->set_key[k], klen, "%s", r->scenario);
    for (size_t j = 0; j < (k ? r->n_ov : r->n_set); j++)
      len += (size_t)snprintf(r->set_key[k] + len, klen - len, "\n%s=%s", r->ov[j].key,
                              r->ov[j].value);
  }
  size_t plen = strlen(dir) + strlen(r->scenario) + 2;
  if (!(r->path = nm_malloc(plen))) return NMSIM_ENOMEM_ERR(err);
  if (r->scenario[0] == '/') snprintf(r->path, plen, "%s", r->scenario);
  else snprintf(r->path, plen, "%s/%s", dir, r->scenario);
  return NMSIM_OK;
}

static nmsim_status read_table(const char *path, vtable *t, nmsim_err *err) {
  nmsim_status rc = nm_read_text(path, NM_TEXT_MAX, &t->text, err);
  if (rc) return rc;
  if ((rc = yml_parse(path, t->text, &t->doc, err))) return rc;
  struct fy_node *root = yml_root(t->doc);
  static const char *const top[] = {"rows", NULL};
  if (!root) return NMSIM_ERR(err, NMSIM_EINPUT, "%s: empty table, expected rows:", path);
  if ((rc = yml_check_keys(t->doc, root, "", top, err))) return rc;
  struct fy_node *rows = yml_get(root, "rows");
  if (!rows || !fy_node_is_sequence(rows) || fy_node_sequence_item_count(rows) < 1)
    return yml_error(t->doc, rows ? rows : root, "rows", err, "expected a list of rows");
  t->n = (size_t)fy_node_sequence_item_count(rows);
  if (!(t->rows = nm_calloc(t->n, sizeof *t->rows))) return NMSIM_ENOMEM_ERR(err);
  char *dir = strdup(path);
  if (!dir) return NMSIM_ENOMEM_ERR(err);
  char *slash = strrchr(dir, '/');
  if (slash) *slash = 0;
  void *it = NULL;
  struct fy_node *m;
  for (size_t i = 0; (m = fy_node_sequence_iterate(rows, &it)) && rc == NMSIM_OK; i++)
    rc = read_row(t, m, i, slash ? dir : ".", err);
  free(dir);
  return rc;
}

/* The row's figure from a run's summary, in the canonical unit. */
static double row_value(const vrow *r, const run_summary *s) {
  double v = 0, hw_s = (double)s->hw_time_ps * 1e-12;
  switch (r->figure) {
  case VF_ENERGY: v = s->total_pj; break;
  case VF_DYN_ENERGY: v = s->dynamic_pj; break;
  case VF_STATIC_ENERGY: v = s->static_pj; break;
  case VF_TIME: v = (double)s->hw_time_ps / 1e3; break;
  case VF_COMPUTE_TIME: v = (double)s->busy_ps / 1e3; break;
  case VF_POWER: return hw_s > 0 ? s->total_pj * 1e-9 / hw_s : NAN;
  case VF_DYN_POWER: return hw_s > 0 ? s->dynamic_pj * 1e-9 / hw_s : NAN;
  case VF_STATIC_POWER: return hw_s > 0 ? s->static_pj * 1e-9 / hw_s : NAN;
  case VF_SYNOP_ENERGY: return s->synaptic_ops ? s->dynamic_pj / (double)s->synaptic_ops : NAN;
  case VF_CORE_POWER:
    return hw_s > 0 ? (s->dynamic_pj + s->used_static_pj) * 1e-9 / hw_s : NAN;
  case VF_CORE_STATIC: return hw_s > 0 ? s->used_static_pj * 1e-9 / hw_s : NAN;
  case VF_CORES: return (double)s->cores_used;
  }
  if (r->per == PER_STEP) return s->steps ? v / (double)s->steps : NAN;
  if (r->per == PER_INFERENCE) return v / (double)r->inferences;
  return v;
}

/* The summary of the run of row r (which 0: its own, 1: its baseline),
 * running it unless a row before shared it. */
static nmsim_status row_run(vtable *t, size_t i, int which, const run_summary **out,
                            nmsim_err *err) {
  const vrow *r = &t->rows[i];
  for (size_t k = 0; k < t->n_runs; k++)
    if (!strcmp(t->runs[k].key, r->set_key[which])) return *out = &t->runs[k].sum, NMSIM_OK;
  vrun *nr = nm_realloc(t->runs, (t->n_runs + 1) * sizeof *nr);
  if (!nr) return NMSIM_ENOMEM_ERR(err);
  t->runs = nr;
  nmsim_scenario *scn = NULL;
  nmsim_status rc =
      nmsim_scenario_load(r->path, r->ov, which ? r->n_ov : r->n_set, &scn, err);
  run_summary sum;
  run_opts o = {0};
  if (rc == NMSIM_OK) rc = run_scenario(scn, &o, &sum, err);
  nmsim_scenario_destroy(scn);
  if (rc) {
    char msg[sizeof err->msg];
    snprintf(msg, sizeof msg, "%s", err->msg);
    return NMSIM_ERR(err, rc, "row %zu (%s, line %d)%s: %s", i + 1, r->workload, r->line,
                     which ? ", its baseline" : "", msg);
  }
  t->runs[t->n_runs] = (vrun){.key = r->set_key[which], .sum = sum};
  *out = &t->runs[t->n_runs++].sum;
  return NMSIM_OK;
}

/* Run every row's scenario (rows with the same scenario and overrides share
 * one run) and set each row's value: its figure, or for a row with a
 * baseline the figure's change against the baseline's, in percent. */
static nmsim_status run_rows(vtable *t, nmsim_err *err) {
  for (size_t i = 0; i < t->n; i++) {
    vrow *r = &t->rows[i];
    const run_summary *s = NULL, *b = NULL;
    nmsim_status rc = row_run(t, i, 0, &s, err);
    if (rc) return rc;
    snprintf(r->chip, sizeof r->chip, "%s", s->chip ? s->chip : "?");
    r->value = row_value(r, s);
    if (!r->relative) continue;
    if ((rc = row_run(t, i, 1, &b, err))) return rc;
    double base = row_value(r, b);
    r->value = 100.0 * (r->value - base) / base;
  }
  return NMSIM_OK;
}

static double row_error(const vrow *r) {
  double e = 100.0 * (r->value - r->measured) / fabs(r->measured);
  return fabs(e) < 0.05 ? 0.0 : e; /* no "-0.0 %" */
}
static bool row_within(const vrow *r) { return fabs(row_error(r)) <= r->goal; }

/* "energy per inference", "time per step", "power". */
static void row_figure(const vrow *r, char *out, size_t n) {
  static const char *const per[] = {"", " per step", " per inference"};
  const char *name = vfigures[r->figure].name;
  size_t k = (size_t)snprintf(out, n, "%s", name);
  for (char *c = out; *c; c++)
    if (*c == '_') *c = ' ';
  if (r->figure != VF_POWER && r->figure != VF_DYN_POWER && r->figure != VF_SYNOP_ENERGY)
    snprintf(out + k, n - k, "%s", per[r->per]);
}

/* v (canonical) in the row's unit, four significant digits. */
static void row_fmt(const vrow *r, double v, char *out, size_t n) {
  if (!isfinite(v)) snprintf(out, n, "not modelled");
  else if (r->relative) snprintf(out, n, "%+.4g %%", v);
  else snprintf(out, n, "%.4g%s%s", v / r->unit_scale, r->unit[0] ? " " : "", r->unit);
}

/* A row's figure, measured and predicted value as text. */
typedef struct row_cells {
  char fig[64], measured[48], value[48];
} row_cells;

static row_cells cells_of(const vrow *r) {
  row_cells c;
  row_figure(r, c.fig, sizeof c.fig);
  row_fmt(r, r->measured, c.measured, sizeof c.measured);
  row_fmt(r, r->value, c.value, sizeof c.value);
  return c;
}

static void print_markdown(FILE *f, const vtable *t) {
  fprintf(f, "| # | Workload | Chip | Figure | Measured | nmsim | Error | Goal | Source |\n"
             "|---|---|---|---|---|---|---|---|---|\n");
  for (size_t i = 0; i < t->n; i++) {
    const vrow *r = &t->rows[i];
    row_cells c = cells_of(r);
    const char *fig = c.fig, *m = c.measured, *v = c.value;
    fprintf(f, "| %zu | %s | %s | %s | %s | %s | %+.1f %% | %s%.0f %% | %s |\n", i + 1,
            r->workload, r->chip, fig, m, v, row_error(r), row_within(r) ? "within " : "outside ",
            r->goal, r->source);
  }
  bool any = false;
  for (size_t i = 0; i < t->n; i++)
    if (t->rows[i].why && !row_within(&t->rows[i])) {
      if (!any) fprintf(f, "\nRows outside their goal:\n\n");
      any = true;
      fprintf(f, "- Row %zu: %s\n", i + 1, t->rows[i].why);
    }
}

static void print_text(FILE *f, const vtable *t) {
  fprintf(f, "%-3s %-40s %-10s %-24s %13s %13s %8s  %s\n", "#", "workload", "chip", "figure",
          "measured", "nmsim", "error", "goal");
  for (size_t i = 0; i < t->n; i++) {
    const vrow *r = &t->rows[i];
    row_cells c = cells_of(r);
    const char *fig = c.fig, *m = c.measured, *v = c.value;
    fprintf(f, "%-3zu %-40.40s %-10s %-24s %13s %13s %+7.1f%%  %s %.0f %%\n", i + 1, r->workload,
            r->chip, fig, m, v, row_error(r), row_within(r) ? "within" : "OUTSIDE", r->goal);
  }
  for (size_t i = 0; i < t->n; i++)
    fprintf(f, "%s[%zu] %s%s%s\n", i ? "" : "\nsources:\n", i + 1, t->rows[i].source,
            t->rows[i].why && !row_within(&t->rows[i]) ? "\n    outside its goal: " : "",
            t->rows[i].why && !row_within(&t->rows[i]) ? t->rows[i].why : "");
}

static void print_json(FILE *f, const vtable *t) {
  jw w;
  jw_init(&w, f, true);
  jw_array_begin(&w);
  for (size_t i = 0; i < t->n; i++) {
    const vrow *r = &t->rows[i];
    jw_object_begin(&w);
    jw_key_string(&w, "workload", r->workload);
    jw_key_string(&w, "scenario", r->scenario);
    jw_key_string(&w, "chip", r->chip);
    jw_key_string(&w, "source", r->source);
    jw_key_string(&w, "figure", vfigures[r->figure].name);
    jw_key_string(&w, "per", r->per == PER_RUN ? "run" : r->per == PER_STEP ? "step" : "inference");
    jw_key_string(&w, "unit", vfigures[r->figure].unit);
    jw_key_double(&w, "measured", r->measured);
    jw_key_double(&w, "nmsim", r->value);
    jw_key_double(&w, "error_percent", row_error(r));
    jw_key_double(&w, "goal_percent", r->goal);
    jw_key_bool(&w, "within_goal", row_within(r));
    if (r->why) jw_key_string(&w, "why", r->why);
    jw_object_end(&w);
  }
  jw_array_end(&w);
  jw_finish(&w);
}

/* --check: every recorded prediction still holds at four digits, and every
 * row outside its goal says why. Messages on stderr; the number of faults. */
static int check_rows(const char *table, const vtable *t) {
  int bad = 0;
  for (size_t i = 0; i < t->n; i++) {
    const vrow *r = &t->rows[i];
    char now[48], rec[48];
    row_fmt(r, r->value, now, sizeof now);
    if (!r->has_predicted) {
      fprintf(stderr, "%s:%d: row %zu (%s): no `predicted`; nmsim predicts %s\n", table, r->line,
              i + 1, r->workload, now);
      bad++;
      continue;
    }
    row_fmt(r, r->predicted, rec, sizeof rec);
    if (strcmp(now, rec)) {
      fprintf(stderr, "%s:%d: row %zu (%s, %s): nmsim now predicts %s, the table records %s; "
              "a change to the model moved it: update `predicted` and docs/validation.md, or "
              "undo the change\n",
              table, r->line, i + 1, r->workload, vfigures[r->figure].name, now, rec);
      bad++;
    }
    if (!row_within(r) && !r->why) {
      fprintf(stderr, "%s:%d: row %zu (%s): error %+.1f %% is outside its goal of %.0f %% and "
              "the row does not say why (field why)\n",
              table, r->line, i + 1, r->workload, row_error(r), r->goal);
      bad++;
    }
  }
  return bad;
}

#define DOC_BEGIN "<!-- validation table: printed by nmsim validation --markdown; do not edit -->\n"
#define DOC_END "<!-- end of validation table -->"

/* --doc: FILE holds, between its markers, the Markdown printed now. */
static int check_doc(const char *doc, const vtable *t) {
  char *text = NULL, *md = NULL;
  size_t mdlen = 0;
  nmsim_err err = {0};
  if (nm_read_text(doc, NM_TEXT_MAX, &text, &err) != NMSIM_OK) {
    fprintf(stderr, "nmsim validation: %s\n", err.msg);
    return 1;
  }
  FILE *m = open_memstream(&md, &mdlen);
  if (!m) {
    nm_free(text);
    fprintf(stderr, "nmsim validation: out of memory\n");
    return 1;
  }
  print_markdown(m, t);
  fclose(m);
  int bad = 0;
  char *b = strstr(text, DOC_BEGIN), *e = b ? strstr(b, DOC_END) : NULL;
  if (!b || !e) {
    fprintf(stderr, "%s: no generated table (expected the lines '%.*s' and '%s')\n", doc,
            (int)strlen(DOC_BEGIN) - 1, DOC_BEGIN, DOC_END);
    bad = 1;
  } else {
    b += strlen(DOC_BEGIN);
    /* the table, a blank line, the end marker */
    if ((size_t)(e - b) != mdlen + 1 || memcmp(b, md, mdlen) || b[mdlen] != '\n') {
      fprintf(stderr, "%s: its validation table differs from what nmsim prints now; replace it "
              "with the output of nmsim validation --markdown\n", doc);
      bad = 1;
    }
  }
  free(md);
  nm_free(text);
  return bad;
}

int cli_validation(int argc, char **argv) {
  const char *table = NULL, *doc = NULL;
  bool markdown = false, json = false, check = false;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      fputs(usage_validation, stdout);
      return 0;
    } else if (!strcmp(argv[i], "--markdown")) markdown = true;
    else if (!strcmp(argv[i], "--json")) json = true;
    else if (!strcmp(argv[i], "--check")) check = true;
    else if (!strcmp(argv[i], "--doc")) {
      if (i + 1 >= argc) return cli_bad_usage("validation", "%s needs a FILE", argv[i]);
      doc = argv[++i];
    } else if (argv[i][0] == '-') {
      return cli_bad_usage("validation", "unknown option '%s'", argv[i]);
    } else if (table) {
      return cli_bad_usage("validation", "unexpected argument '%s'", argv[i]);
    } else {
      table = argv[i];
    }
  }
  if (!table) return cli_bad_usage("validation", "%s", "expected a TABLE.yaml");
  if (markdown && json)
    return cli_bad_usage("validation", "%s", "give --markdown or --json, not both");
  if (doc && !check) return cli_bad_usage("validation", "%s", "--doc goes with --check");
  vtable t = {0};
  nmsim_err err = {0};
  nmsim_status rc = read_table(table, &t, &err);
  if (rc == NMSIM_OK) rc = run_rows(&t, &err);
  if (rc) {
    vtable_free(&t);
    fprintf(stderr, "nmsim: %s\n", err.msg);
    return cli_exit_code(rc);
  }
  if (markdown) print_markdown(stdout, &t);
  else if (json) print_json(stdout, &t);
  else print_text(stdout, &t);
  int bad = check ? check_rows(table, &t) + (doc ? check_doc(doc, &t) : 0) : 0;
  vtable_free(&t);
  return bad ? 1 : 0;
}
