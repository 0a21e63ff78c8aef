/* compare.c: runs side by side (nmsim report A.h5 B.h5 ...): one row per
 * figure, one column per run, each figure in one unit for its whole row and
 * with its ratio to the first run, so that "what does this cost on chip X
 * against chip Y" reads off one table. A figure a run does not model (static
 * energy, time and power in functional or network mode) reads "not modelled"
 * and has no ratio. */
#include "analysis/compare.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CMP_CELL 48

typedef enum { CMP_ENERGY, CMP_TIME, CMP_POWER, CMP_COUNT, CMP_TEXT } cmp_kind;

typedef struct cmp_row {
  const char *label;
  const char *key;          /* in the JSON's ratio_to_first */
  cmp_kind kind;
  bool timed_only;          /* not modelled without hardware time */
  double (*value)(const run_summary *s);
  const char *(*text)(const run_summary *s);
} cmp_row;

static bool cmp_timed(const run_summary *s) { return !s->mode || !strcmp(s->mode, "timed"); }

static const char *t_chip(const run_summary *s) { return s->chip ? s->chip : "-"; }
static const char *t_mode(const run_summary *s) { return s->mode ? s->mode : "timed"; }
static const char *t_pacing(const run_summary *s) {
  static char buf[64];
  if (!cmp_timed(s)) return "not modelled";
  if (!s->pacing || !*s->pacing) return "-";
  if (!strcmp(s->pacing, "fast")) return "fast";
  snprintf(buf, sizeof buf, "%s %g ms", s->pacing, (double)s->pacing_ps / 1e9);
  return buf;
}
static double v_total(const run_summary *s) { return s->total_pj; }
static double v_dynamic(const run_summary *s) { return s->dynamic_pj; }
static double v_static(const run_summary *s) { return s->static_pj; }
static double v_step(const run_summary *s) { return s->steps ? s->total_pj / (double)s->steps : NAN; }
static double v_sop(const run_summary *s) {
  return s->synaptic_ops ? s->total_pj / (double)s->synaptic_ops : NAN;
}
static double v_sop_dyn(const run_summary *s) {
  return s->synaptic_ops ? s->dynamic_pj / (double)s->synaptic_ops : NAN;
}
static double v_hw(const run_summary *s) { return (double)s->hw_time_ps; }
static double v_busy(const run_summary *s) { return (double)s->busy_ps; }
static double v_stepmean(const run_summary *s) { return s->step_mean_ps; }
static double v_p99(const run_summary *s) { return s->packet_p99_ps; }
static double v_pmean(const run_summary *s) {
  return s->hw_time_ps ? s->total_pj / (double)s->hw_time_ps * 1e3 : NAN;
}
static double v_ppeak(const run_summary *s) { return s->power_max_mw; }
static double v_spikes(const run_summary *s) { return (double)s->spikes; }
static double v_sops(const run_summary *s) { return (double)s->synaptic_ops; }
static double v_overruns(const run_summary *s) { return (double)s->tick_overruns; }
static double v_cores(const run_summary *s) { return (double)s->cores_used; }

static const cmp_row rows[] = {
    {"chip", "chip", CMP_TEXT, false, NULL, t_chip},
    {"mode", "mode", CMP_TEXT, false, NULL, t_mode},
    {"pacing", "pacing", CMP_TEXT, false, NULL, t_pacing},
    {"energy, total", "energy_total", CMP_ENERGY, false, v_total, NULL},
    {"energy, dynamic", "energy_dynamic", CMP_ENERGY, false, v_dynamic, NULL},
    {"energy, static", "energy_static", CMP_ENERGY, true, v_static, NULL},
    {"energy per step", "energy_per_step", CMP_ENERGY, false, v_step, NULL},
    {"energy per synaptic op", "energy_per_synaptic_op", CMP_ENERGY, false, v_sop, NULL},
    {"  dynamic only", "energy_per_synaptic_op_dynamic", CMP_ENERGY, false, v_sop_dyn, NULL},
    {"hardware time (static base)", "hw_time", CMP_TIME, true, v_hw, NULL},
    {"time computing", "busy_time", CMP_TIME, true, v_busy, NULL},
    {"step, mean", "step_mean", CMP_TIME, true, v_stepmean, NULL},
    {"packet latency, p99", "packet_p99", CMP_TIME, true, v_p99, NULL},
    {"power, mean", "power_mean", CMP_POWER, true, v_pmean, NULL},
    {"power, largest window", "power_largest_window", CMP_POWER, true, v_ppeak, NULL},
    {"cores used", "cores_used", CMP_COUNT, false, v_cores, NULL},
    {"spikes", "spikes", CMP_COUNT, false, v_spikes, NULL},
    {"synaptic operations", "synaptic_ops", CMP_COUNT, false, v_sops, NULL},
    {"overruns", "overruns", CMP_COUNT, true, v_overruns, NULL},
};
#define N_ROWS (sizeof rows / sizeof rows[0])

/* The unit for a row: the one that puts the row's largest value in
 * [1, 1000); *div divides the stored value (pJ, ps, mW). */
static const char *row_unit(cmp_kind k, double max, double *div) {
  static const char *const e[] = {"pJ", "nJ", "uJ", "mJ", "J"};
  static const char *const t[] = {"ps", "ns", "us", "ms", "s"};
  static const char *const p[] = {"mW", "W", "kW"};
  const char *const *u = k == CMP_ENERGY ? e : k == CMP_TIME ? t : p;
  size_t n = k == CMP_POWER ? 3 : 5, i = 0;
  double d = 1;
  if (k == CMP_POWER && max > 0 && max < 1) {
    *div = 1e-3;
    return "uW";
  }
  while (i + 1 < n && max / d >= 1000) d *= 1000, i++;
  *div = d;
  return u[i];
}

static bool modelled(const cmp_row *r, const run_summary *s) {
  return !(r->timed_only && !cmp_timed(s)) && !(r->value && isnan(r->value(s)));
}

/* Row r's cell for run k: value in the row's unit, and the ratio to the
 * first run. */
static void cell(const cmp_row *r, const run_summary *s, size_t k, double div,
                 const char *unit, char out[CMP_CELL]) {
  if (r->kind == CMP_TEXT) {
    snprintf(out, CMP_CELL, "%s", r->text(&s[k]));
    return;
  }
  if (!modelled(r, &s[k])) {
    snprintf(out, CMP_CELL, "%s", r->timed_only && !cmp_timed(&s[k]) ? "not modelled" : "-");
    return;
  }
  double v = r->value(&s[k]);
  char ratio[24] = "";
  if (k > 0 && modelled(r, &s[0])) {
    double v0 = r->value(&s[0]);
    if (v0 > 0) snprintf(ratio, sizeof ratio, "  x%.3g", v / v0);
    else if (v == 0) snprintf(ratio, sizeof ratio, "  x1");
  }
  if (r->kind == CMP_COUNT) snprintf(out, CMP_CELL, "%.0f%s", v, ratio);
  else snprintf(out, CMP_CELL, "%.4g %s%s", v / div, unit, ratio);
}

static size_t width(const char *s) {
  size_t n = 0;
  for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

void compare_print_text(FILE *f, const char *const *names, const run_summary *s, size_t n) {
  fprintf(f, "nmsim comparison of %zu runs (ratios to the first)\n", n);
  for (size_t k = 0; k < n; k++)
    fprintf(f, "  [%zu] %s: %s, %s, %" PRIu64 " steps of %g ms%s\n", k + 1, names[k],
            s[k].scenario ? s[k].scenario : "-", s[k].chip ? s[k].chip : "-", s[k].steps,
            s[k].dt_ms, s[k].status && strcmp(s[k].status, "complete") ? " (not complete)" : "");
  char (*cells)[CMP_CELL] = nm_calloc(N_ROWS * (n + 1), CMP_CELL);
  size_t *w = nm_calloc(n + 1, sizeof *w);
  if (!cells || !w) {
    nm_free(cells), nm_free(w);
    fprintf(f, "  (out of memory)\n");
    return;
  }
  w[0] = width("figure");
  for (size_t r = 0; r < N_ROWS; r++) {
    double max = 0, div = 1;
    const char *unit = "";
    for (size_t k = 0; k < n && rows[r].value; k++)
      if (modelled(&rows[r], &s[k])) max = fmax(max, fabs(rows[r].value(&s[k])));
    if (rows[r].kind != CMP_TEXT && rows[r].kind != CMP_COUNT)
      unit = row_unit(rows[r].kind, max, &div);
    snprintf(cells[r * (n + 1)], CMP_CELL, "%s", rows[r].label);
    w[0] = w[0] > width(rows[r].label) ? w[0] : width(rows[r].label);
    for (size_t k = 0; k < n; k++) {
      char *c = cells[r * (n + 1) + k + 1];
      cell(&rows[r], s, k, div, unit, c);
      if (width(c) > w[k + 1]) w[k + 1] = width(c);
    }
  }
  for (size_t k = 0; k < n; k++) {
    char h[24];
    snprintf(h, sizeof h, "[%zu]", k + 1);
    if (width(h) > w[k + 1]) w[k + 1] = width(h);
  }
  fprintf(f, "\n  %-*s", (int)w[0], "figure");
  for (size_t k = 0; k < n; k++) {
    char h[24];
    snprintf(h, sizeof h, "[%zu]", k + 1);
    fprintf(f, "   %*s", (int)w[k + 1], h);
  }
  fputc('\n', f);
  for (size_t r = 0; r < N_ROWS; r++) {
    const char *lab = cells[r * (n + 1)];
    fprintf(f, "  %s%*s", lab, (int)(w[0] - width(lab)), "");
    for (size_t k = 0; k < n; k++) {
      const char *c = cells[r * (n + 1) + k + 1];
      fprintf(f, "   %*s%s", (int)(w[k + 1] - width(c)), "", c);
    }
    fputc('\n', f);
  }
  bool mixed = false;
  for (size_t k = 1; k < n; k++)
    mixed |= !s[k].pacing || !s[0].pacing || strcmp(s[k].pacing, s[0].pacing) != 0 ||
             s[k].pacing_ps != s[0].pacing_ps;
  if (mixed)
    fprintf(f, "\n  note: the runs are paced differently, so their static energy is charged over "
               "different time bases;\n  give them one engine.pacing (such as {realtime: 1 ms}) "
               "to compare on the same basis\n");
  nm_free(cells);
  nm_free(w);
}

void compare_print_json(FILE *f, const char *const *names, const run_summary *s, size_t n) {
  jw w;
  jw_init(&w, f, true);
  jw_object_begin(&w);
  jw_key(&w, "runs");
  jw_array_begin(&w);
  for (size_t k = 0; k < n; k++) {
    jw_object_begin(&w);
    jw_key_string(&w, "file", names[k]);
    jw_key_string(&w, "scenario", s[k].scenario);
    jw_key_string(&w, "chip", s[k].chip);
    jw_key_string(&w, "mode", t_mode(&s[k]));
    jw_key_uint(&w, "steps", s[k].steps);
    jw_key_double(&w, "dt_ms", s[k].dt_ms);
    jw_key_string(&w, "status", s[k].status);
    report_json_metrics(&w, &s[k]);
    jw_key(&w, "ratio_to_first");
    jw_object_begin(&w);
    for (size_t r = 0; r < N_ROWS; r++) {
      if (!rows[r].value || !modelled(&rows[r], &s[k]) || !modelled(&rows[r], &s[0])) continue;
      double v0 = rows[r].value(&s[0]);
      if (!(v0 > 0)) continue;
      jw_key_double(&w, rows[r].key, rows[r].value(&s[k]) / v0);
    }
    jw_object_end(&w);
    jw_object_end(&w);
  }
  jw_array_end(&w);
  jw_object_end(&w);
  jw_finish(&w);
}
