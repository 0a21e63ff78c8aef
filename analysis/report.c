/* report.c: the energy and latency report of a run_summary, as aligned text
 * tables (for people) and as one JSON object (for scripts, see DESIGN.md). */
#include "analysis/report.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/json.h"

#define REPORT_CELL 64  /* longest cell; longer text (a long name) is cut */
#define REPORT_MAXCOL 8

static const char *str_or(const char *s, const char *dflt) { return s && *s ? s : dflt; }

/* A summary rebuilt from the per-step data of a run that did not finish:
 * counts and packet latencies are not stored per step, so they are unknown. */
static bool partial(const run_summary *s) {
  return !s->status || strcmp(s->status, "complete") != 0;
}

/* Display width of UTF-8 text: code points, not bytes (close enough for the
 * names a scenario uses). */
static size_t text_width(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80) n++;
  return n;
}

/* ---- one generic table: widths in a first pass, printing in a second ---- */

/* Fill the cells of row r (ncols of them). */
typedef void (*report_row_fn)(const run_summary *s, size_t r, char cells[][REPORT_CELL]);

typedef struct report_table {
  const char *title;
  size_t ncols;
  const char *const *headers;
  const char *align;        /* 'l' or 'r' per column */
  size_t nrows;
  size_t rule_before;       /* row preceded by a rule, or SIZE_MAX */
  report_row_fn row;
} report_table;

static void put_cell(FILE *f, const char *text, size_t width, char align) {
  size_t w = text_width(text);
  size_t pad = width > w ? width - w : 0;
  if (align == 'r')
    for (size_t i = 0; i < pad; i++) fputc(' ', f);
  fputs(text, f);
  if (align != 'r')
    for (size_t i = 0; i < pad; i++) fputc(' ', f);
}

static void put_line(FILE *f, const report_table *t, const size_t *width,
                     char cells[][REPORT_CELL]) {
  /* trailing blanks of a left-aligned last column are not printed */
  fputs("  ", f);
  for (size_t c = 0; c < t->ncols; c++) {
    if (c) fputs("   ", f);
    bool last = c + 1 == t->ncols;
    put_cell(f, cells[c], last && t->align[c] != 'r' ? 0 : width[c], t->align[c]);
  }
  fputc('\n', f);
}

static void print_table(FILE *f, const run_summary *s, const report_table *t) {
  size_t width[REPORT_MAXCOL] = {0};
  char cells[REPORT_MAXCOL][REPORT_CELL];
  for (size_t c = 0; c < t->ncols; c++) width[c] = text_width(t->headers[c]);
  for (size_t r = 0; r < t->nrows; r++) {
    t->row(s, r, cells);
    for (size_t c = 0; c < t->ncols; c++) width[c] = NM_MAX(width[c], text_width(cells[c]));
  }
  size_t total = 0;
  for (size_t c = 0; c < t->ncols; c++) total += width[c] + (c ? 3 : 0);

  fprintf(f, "\n%s\n", t->title);
  for (size_t c = 0; c < t->ncols; c++) snprintf(cells[c], REPORT_CELL, "%s", t->headers[c]);
  put_line(f, t, width, cells);
  for (size_t r = 0; r < t->nrows; r++) {
    if (r == t->rule_before) {
      fputs("  ", f);
      for (size_t i = 0; i < total; i++) fputc('-', f);
      fputc('\n', f);
    }
    t->row(s, r, cells);
    put_line(f, t, width, cells);
  }
}

/* ---- units ---------------------------------------------------------------- */

/* Energy in pJ as "<value> <unit>" with the unit that keeps value < 1000. */
static void fmt_energy(char *buf, double pj) {
  static const char *const unit[] = {"pJ", "nJ", "uJ", "mJ", "J"};
  double a = fabs(pj);
  size_t u = 0;
  while (u + 1 < NM_ARRAY_LEN(unit) && a >= 1000.0) {
    a /= 1000.0;
    u++;
  }
  snprintf(buf, REPORT_CELL, "%.3f %s", pj < 0 ? -a : a, unit[u]);
}

/* Unit for a time of ps picoseconds: ns, us, ms or s; *scale divides ps. */
static const char *time_unit(double ps, double *scale) {
  static const char *const unit[] = {"ns", "us", "ms", "s"};
  double sc = 1e3;
  size_t u = 0;
  while (u + 1 < NM_ARRAY_LEN(unit) && fabs(ps) / sc >= 1000.0) {
    sc *= 1000.0;
    u++;
  }
  *scale = sc;
  return unit[u];
}

/* ---- tables ----------------------------------------------------------------- */

/* Energy rows: one per category, then dynamic (their sum), static, total. */
#define ROW_DYNAMIC NM_E_COUNT
#define ROW_STATIC (NM_E_COUNT + 1)
#define ROW_TOTAL (NM_E_COUNT + 2)

static double dynamic_pj(const run_summary *s) {
  double d = 0;
  for (int c = 0; c < NM_E_COUNT; c++) d += s->energy_pj[c];
  return d;
}

/* Whether the run modelled hardware time (timed mode): functional and
 * network mode have none, so no static energy, latency or power. */
static bool timed(const run_summary *s) { return !s->mode || strcmp(s->mode, "timed") == 0; }

/* "200 ms", "3.100 us": a time of ps in its unit. */
static void fmt_time(char *buf, size_t n, double ps) {
  double scale;
  const char *unit = time_unit(ps, &scale);
  snprintf(buf, n, "%.4g %s", ps / scale, unit);
}

/* Why a category or count is not modelled in the run's mode. */
static const char *unmodelled_why(const run_summary *s) {
  return s->mode && strcmp(s->mode, "network") == 0 ? "(network mode: no chip)"
                                                    : "(functional mode: no NoC)";
}

static void energy_row(const run_summary *s, size_t r, char cells[][REPORT_CELL]) {
  double pj;
  const char *label;
  if (r < NM_E_COUNT) {
    pj = s->energy_pj[r];
    label = nm_energy_label((int)r);
    if (!nm_energy_modelled((int)r, s->mode)) {
      snprintf(cells[0], REPORT_CELL, "%s", label);
      snprintf(cells[1], REPORT_CELL, "not modelled");
      snprintf(cells[2], REPORT_CELL, "-");
      snprintf(cells[3], REPORT_CELL, "%s", unmodelled_why(s));
      return;
    }
  } else if (r == ROW_DYNAMIC) {
    pj = dynamic_pj(s);
    label = "dynamic (sum of the above)";
  } else if (r == ROW_STATIC) {
    pj = s->static_pj;
    label = "static (leakage over hardware time)";
    if (!timed(s)) {
      snprintf(cells[0], REPORT_CELL, "static");
      snprintf(cells[1], REPORT_CELL, "not modelled");
      snprintf(cells[2], REPORT_CELL, "-");
      snprintf(cells[3], REPORT_CELL, "(no hardware time)");
      return;
    }
    if (s->static_power_mw > 0) {
      char t[16];
      fmt_time(t, sizeof t, (double)s->hw_time_ps);
      bool paced = s->pacing && *s->pacing && strcmp(s->pacing, "fast") != 0;
      snprintf(cells[0], REPORT_CELL, "static (%.4g mW over %.15s%s)", s->static_power_mw, t,
               paced ? ", paced" : "");
      snprintf(cells[1], REPORT_CELL, "%.3f", pj);
      snprintf(cells[2], REPORT_CELL, "%.2f %%", s->total_pj > 0 ? 100.0 * pj / s->total_pj : 0);
      fmt_energy(cells[3], pj);
      return;
    }
  } else {
    pj = s->total_pj;
    label = timed(s) ? "total" : "total (dynamic only)";
  }
  snprintf(cells[0], REPORT_CELL, "%s", label);
  snprintf(cells[1], REPORT_CELL, "%.3f", pj);
  if (s->total_pj > 0)
    snprintf(cells[2], REPORT_CELL, "%.2f %%", 100.0 * pj / s->total_pj);
  else
    snprintf(cells[2], REPORT_CELL, "-");
  fmt_energy(cells[3], pj);
}

/* Latency rows: total; step min, mean, max (in one unit); packet mean, p99. */
static void latency_row(const run_summary *s, size_t r, char cells[][REPORT_CELL]) {
  static const char *const label[] = {"hardware time, total", "step, min", "step, mean",
                                      "step, max", "packet, mean", "packet, p99"};
  double v, scale;
  const char *unit;
  switch (r) {
  case 0: v = (double)s->hw_time_ps; break;
  case 1: v = (double)s->step_min_ps; break;
  case 2: v = s->step_mean_ps; break;
  case 3: v = (double)s->step_max_ps; break;
  case 4: v = s->packet_mean_ps; break;
  default: v = s->packet_p99_ps; break;
  }
  if (r >= 4 && partial(s)) {
    snprintf(cells[0], REPORT_CELL, "%s", label[r]);
    snprintf(cells[1], REPORT_CELL, "-");
    snprintf(cells[2], REPORT_CELL, "(not stored per step)");
    return;
  }
  if (r == 0) {
    unit = time_unit(v, &scale);
  } else if (r <= 3) {
    unit = time_unit(NM_MAX((double)s->step_max_ps, s->step_mean_ps), &scale);
    if (scale > 1e6) unit = "us", scale = 1e6; /* steps: ns or us */
  } else {
    unit = "ns", scale = 1e3;
  }
  snprintf(cells[0], REPORT_CELL, "%s", label[r]);
  snprintf(cells[1], REPORT_CELL, "%.3f", v / scale);
  snprintf(cells[2], REPORT_CELL, "%s", unit);
}

/* Energy per time window (one step of dt), per synaptic operation, mean and
 * peak power and, with recorded input, energy per input event. */
enum { WIN_MEAN, WIN_MAX, WIN_SOP_DYN, WIN_SOP_ALL, WIN_POWER, WIN_PEAK, WIN_EVENT, WIN_ROWS };

static void window_row(const run_summary *s, size_t r, char cells[][REPORT_CELL]) {
  static const char *const label[] = {"per window (step), mean", "per window (step), max",
                                      "per synaptic operation, dynamic",
                                      "per synaptic operation, total", "power, mean",
                                      "power, largest window", "per input event"};
  double sops = (double)s->synaptic_ops, hw = (double)s->hw_time_ps;
  snprintf(cells[0], REPORT_CELL, "%s", label[r]);
  snprintf(cells[2], REPORT_CELL, "-");
  bool per_step = r == WIN_MEAN || r == WIN_MAX || r == WIN_PEAK;
  bool needs_time = r == WIN_SOP_ALL || r == WIN_POWER || r == WIN_PEAK;
  if (partial(s) && (per_step || r == WIN_SOP_DYN || r == WIN_SOP_ALL)) {
    snprintf(cells[1], REPORT_CELL, "-");
    snprintf(cells[2], REPORT_CELL, "(not stored per step)");
    return;
  }
  if (needs_time && !timed(s)) {
    snprintf(cells[1], REPORT_CELL, "not modelled");
    snprintf(cells[2], REPORT_CELL, "(no hardware time)");
    return;
  }
  switch (r) {
  case WIN_MEAN:
  case WIN_MAX:
    fmt_energy(cells[1], r == WIN_MEAN ? s->window_mean_pj : s->window_max_pj);
    snprintf(cells[2], REPORT_CELL, "window of %g ms%s", s->dt_ms,
             timed(s) ? "" : ", dynamic only");
    return;
  case WIN_SOP_DYN:
  case WIN_SOP_ALL:
    if (!sops) {
      snprintf(cells[1], REPORT_CELL, "-");
      snprintf(cells[2], REPORT_CELL, "(no synaptic operation)");
      return;
    }
    fmt_energy(cells[1], (r == WIN_SOP_DYN ? s->dynamic_pj : s->total_pj) / sops);
    snprintf(cells[2], REPORT_CELL, "%" PRIu64 " synaptic operations", s->synaptic_ops);
    return;
  case WIN_POWER:
  case WIN_PEAK: {
    double mw = r == WIN_POWER ? (hw > 0 ? s->total_pj / hw * 1e3 : 0) : s->power_max_mw;
    snprintf(cells[1], REPORT_CELL, "%.4g mW", mw);
    char t[40];
    fmt_time(t, sizeof t, hw);
    if (r == WIN_POWER) snprintf(cells[2], REPORT_CELL, "total energy over %s", t);
    else snprintf(cells[2], REPORT_CELL, "energy of one window over its time");
    return;
  }
  default:
    fmt_energy(cells[1], s->input_events ? s->total_pj / (double)s->input_events : 0.0);
    snprintf(cells[2], REPORT_CELL, "%" PRIu64 " events replayed", s->input_events);
    return;
  }
}

/* Utilisation of the used cores against the chip's per-core limits. */
static void util_row(const run_summary *s, size_t r, char cells[][REPORT_CELL]) {
  static const char *const label[] = {"neurons", "synapse memory", "fan-in (input axons)",
                                      "fan-out (destinations)"};
  const double mean[] = {s->util_neurons_mean, s->util_synmem_mean, -1, -1};
  const double max[] = {s->util_neurons_max, s->util_synmem_max, s->util_fanin_max,
                        s->util_fanout_max};
  snprintf(cells[0], REPORT_CELL, "%s", label[r]);
  if (mean[r] >= 0) snprintf(cells[1], REPORT_CELL, "%.1f %%", 100 * mean[r]);
  else snprintf(cells[1], REPORT_CELL, "-");
  snprintf(cells[2], REPORT_CELL, "%.1f %%", 100 * max[r]);
}

static void counts_row(const run_summary *s, size_t r, char cells[][REPORT_CELL]) {
  static const char *const label[] = {"spikes", "synaptic operations", "neuron updates",
                                      "packets", "hops", "overruns (work past its period)", "late packets"};
  const uint64_t v[] = {s->spikes,  s->synaptic_ops,  s->neuron_updates, s->packets,
                        s->hops,    s->tick_overruns, s->late_packets};
  snprintf(cells[0], REPORT_CELL, "%s", label[r]);
  if (r > 0 && partial(s)) { /* spikes are counted from the file; the rest are not stored */
    snprintf(cells[1], REPORT_CELL, "-");
    snprintf(cells[2], REPORT_CELL, "-");
    return;
  }
  enum { ROW_PACKETS = 3, ROW_HOPS = 4 }; /* in label[] */
  if ((r == ROW_PACKETS && !nm_packets_modelled(s->mode)) ||
      (r == ROW_HOPS && !nm_hops_modelled(s->mode))) {
    snprintf(cells[1], REPORT_CELL, "not modelled");
    snprintf(cells[2], REPORT_CELL, "%s", unmodelled_why(s));
    return;
  }
  snprintf(cells[1], REPORT_CELL, "%" PRIu64, v[r]);
  if (s->steps)
    snprintf(cells[2], REPORT_CELL, "%.3f", (double)v[r] / (double)s->steps);
  else
    snprintf(cells[2], REPORT_CELL, "-");
}

static void pop_row(const run_summary *s, size_t r, char cells[][REPORT_CELL]) {
  const run_pop_summary *p = &s->pops[r];
  snprintf(cells[0], REPORT_CELL, "%s", str_or(p->name, "-"));
  snprintf(cells[1], REPORT_CELL, "%s", str_or(p->model, "-"));
  snprintf(cells[2], REPORT_CELL, "%" PRIu32, p->size);
  snprintf(cells[3], REPORT_CELL, "%" PRIu64, p->spikes);
  snprintf(cells[4], REPORT_CELL, "%.3f", p->rate_hz);
  if (partial(s)) snprintf(cells[5], REPORT_CELL, "-"); /* not stored per step */
  else snprintf(cells[5], REPORT_CELL, "%" PRIu64, p->bursts);
}

static double pop_pj(const run_pop_summary *p) {
  return p->pj_neurons + p->pj_synapses + p->pj_learning + p->pj_spikes;
}

/* Dynamic energy that belongs to no population: the network's routing and
 * the barrier (what the populations' rows leave of the dynamic total). */
static double unattributed_pj(const run_summary *s) {
  double d = dynamic_pj(s);
  for (size_t i = 0; i < s->n_pops; i++) d -= pop_pj(&s->pops[i]);
  return d > 0 ? d : 0.0;
}

/* Cost rows: one per population, then the energy no population owns. */
static void cost_row(const run_summary *s, size_t r, char cells[][REPORT_CELL]) {
  double dyn = dynamic_pj(s);
  if (r == s->n_pops) {
    double u = unattributed_pj(s);
    snprintf(cells[0], REPORT_CELL, "none (routing, barrier)");
    for (int k = 1; k < 5; k++) snprintf(cells[k], REPORT_CELL, "-");
    if (!nm_energy_modelled(NM_E_LINK_HOP, s->mode)) {
      snprintf(cells[5], REPORT_CELL, "not modelled");
      for (int k = 6; k < 8; k++) snprintf(cells[k], REPORT_CELL, "-");
      return;
    }
    fmt_energy(cells[5], u);
    snprintf(cells[6], REPORT_CELL, "%.2f %%", dyn > 0 ? 100.0 * u / dyn : 0.0);
    snprintf(cells[7], REPORT_CELL, "-");
    return;
  }
  const run_pop_summary *p = &s->pops[r];
  snprintf(cells[0], REPORT_CELL, "%s", str_or(p->name, "-"));
  fmt_energy(cells[1], p->pj_neurons);
  fmt_energy(cells[2], p->pj_synapses);
  fmt_energy(cells[3], p->pj_learning);
  if (nm_energy_modelled(NM_E_SPIKE_OUT, s->mode)) fmt_energy(cells[4], p->pj_spikes);
  else snprintf(cells[4], REPORT_CELL, "not modelled");
  fmt_energy(cells[5], pop_pj(p));
  snprintf(cells[6], REPORT_CELL, "%.2f %%", dyn > 0 ? 100.0 * pop_pj(p) / dyn : 0.0);
  if (timed(s)) fmt_time(cells[7], REPORT_CELL, (double)p->busy_ps);
  else snprintf(cells[7], REPORT_CELL, "not modelled");
}

/* What static power rests on: the parts of the chip file and what leaks. */
static void report_static_basis(FILE *f, const run_summary *s) {
  if (!(s->static_power_mw > 0)) return;
  if (s->dvfs && *s->dvfs) {
    fprintf(f, "  %-10s %.4g mW on average: the chip file's chip, tile and core parts, with "
               "the %" PRIu32 " PEs in use at their performance level's static power, tick "
               "by tick (DVFS)\n", "static", s->static_power_mw, s->cores_used);
    return;
  }
  uint32_t chips = s->n_chips ? s->n_chips : 1;
  if (!s->static_tile_mw && !s->static_core_mw) {
    fprintf(f, "  %-10s %.4g mW: %.4g mW per chip x %" PRIu32 " chip%s (whole chips, always "
               "on)\n", "static", s->static_power_mw, s->static_chip_mw ? s->static_chip_mw
                                                                       : s->static_power_mw / chips,
            chips, chips == 1 ? "" : "s");
    return;
  }
  bool g = s->static_gated;
  fprintf(f, "  %-10s %.4g mW: %.4g mW per chip x %" PRIu32 " + %.4g mW per tile x %" PRIu32
             " + %.4g mW per core x %" PRIu32 " (%s)\n",
          "static", s->static_power_mw, s->static_chip_mw, g ? s->chips_used : chips,
          s->static_tile_mw, g ? s->tiles_used : s->n_tiles, s->static_core_mw,
          g ? s->cores_used : s->n_cores,
          g ? "chips, tiles and cores in use; idle ones power-gated"
            : "every chip, tile and core of the board leaks");
}

/* "a-b, c, e-f": the sorted values v[0..n) as ranges, into buf. */
static void fmt_ranges(char *buf, size_t cap, const uint32_t *v, size_t n) {
  size_t len = 0;
  buf[0] = 0;
  for (size_t i = 0; i < n && len + 24 < cap;) {
    size_t j = i;
    while (j + 1 < n && v[j + 1] <= v[j] + 1) j++;
    len += (size_t)snprintf(buf + len, cap - len, "%s%u", i ? ", " : "", v[i]);
    if (v[j] != v[i]) len += (size_t)snprintf(buf + len, cap - len, "-%u", v[j]);
    i = j + 1;
  }
  if (len + 24 >= cap) snprintf(buf + (cap > 5 ? cap - 5 : 0), cap > 5 ? 5 : cap, " ...");
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* The cores, tiles or chips (what: 0, 1, 2) of population pop, sorted and
 * unique, into v (room for s->n_map); their count. */
static size_t pop_places(const run_summary *s, const char *pop, int what, uint32_t *v) {
  size_t n = 0;
  for (size_t i = 0; i < s->n_map; i++) {
    const run_map_entry *m = &s->map[i];
    if (strcmp(m->pop, pop)) continue;
    v[n++] = what == 0 ? m->core : what == 1 ? m->tile : m->chip;
  }
  qsort(v, n, sizeof *v, cmp_u32);
  size_t u = 0;
  for (size_t i = 0; i < n; i++)
    if (!u || v[u - 1] != v[i]) v[u++] = v[i];
  return u;
}

/* Mapping: where each population's neurons sit. */
static void report_mapping(FILE *f, const run_summary *s) {
  if (!s->n_map) return;
  uint32_t *v = nm_calloc(s->n_map, sizeof *v);
  if (!v) return;
  fprintf(f, "\nMapping (run file: /summary/mapping, one row per population and core)\n");
  for (size_t p = 0; p < s->n_pops; p++) {
    const char *name = s->pops[p].name ? s->pops[p].name : "";
    char cores[160], tiles[120], chips[80];
    size_t nc = pop_places(s, name, 0, v);
    if (!nc) continue;
    fmt_ranges(cores, sizeof cores, v, nc);
    fmt_ranges(tiles, sizeof tiles, v, pop_places(s, name, 1, v));
    size_t nh = pop_places(s, name, 2, v);
    fmt_ranges(chips, sizeof chips, v, nh);
    fprintf(f, "  %-12s %zu core%s %s; tile%s %s; chip%s %s\n", name, nc, nc == 1 ? "" : "s",
            cores, strchr(tiles, ',') || strchr(tiles, '-') ? "s" : "", tiles,
            nh == 1 ? "" : "s", chips);
  }
  nm_free(v);
}

/* The populations on core c, as "a, b" (cut to cap). */
static void core_pops(const run_summary *s, uint32_t c, char *buf, size_t cap) {
  size_t len = 0;
  buf[0] = 0;
  for (size_t i = 0; i < s->n_map && len + 8 < cap; i++)
    if (s->map[i].core == c)
      len += (size_t)snprintf(buf + len, cap - len, "%s%s[%u..%u]", len ? ", " : "",
                              s->map[i].pop, s->map[i].first,
                              s->map[i].first + s->map[i].n - 1);
}

static double pct(uint64_t a, uint64_t b) { return b ? 100.0 * (double)a / (double)b : 0.0; }

/* Whether the run is on a chip with ticks (no barrier): its sync part is the
 * wait for the next tick. */
static bool on_ticks(const run_summary *s) { return s->on_ticks; }

/* One line that says what bounds the run: the part that dominates the mean
 * step, and the core that finishes last most often when one does. */
static void bottleneck_hint(const run_summary *s, char *buf, size_t cap) {
  nmsim_ps total = 0;
  for (int k = 0; k < 4; k++) total += s->split_ps[k];
  const run_core_summary *t = s->n_top_cores ? &s->top_cores[0] : NULL;
  char pops[160] = "";
  if (t) core_pops(s, t->core, pops, sizeof pops);
  double share = t ? pct(t->crit_steps, s->crit_steps) : 0.0;
  double part[4];
  for (int k = 0; k < 4; k++)
    part[k] = total ? 100.0 * (double)s->split_ps[k] / (double)total : 0.0;
  const run_link_summary *l = s->n_top_links ? &s->top_links[0] : NULL;
  /* the busiest link listed: where a queue of stalled links drains */
  const run_link_summary *hot = l;
  for (uint32_t i = 1; i < s->n_top_links; i++)
    if (s->top_links[i].peak_util > hot->peak_util) hot = &s->top_links[i];
  /* back-pressure: packets at the link with the most stall waited, in all,
   * a tenth of the run or more */
  char stall[40] = "";
  if (l) fmt_time(stall, sizeof stall, (double)l->stall_ps);
  if (!t)
    snprintf(buf, cap, "no core did any work");
  else if (l && part[RUN_SPLIT_COMM] >= 25.0 && l->stall_ps * 10 >= s->hw_time_ps &&
           l->stall_ps > 0)
    snprintf(buf, cap, "%.0f %% of the mean step is spikes in flight, and packets queue at link "
             "%s (%s of waits in all, while it is at most %.2g %% busy in a window): buffers "
             "downstream are full; the busiest link listed, %s (%.2g %% busy in its peak "
             "window%s), is where such a queue drains: route less traffic through it (place "
             "the communicating populations on one chip, or side by side)",
             part[RUN_SPLIT_COMM], l->name, stall, 100.0 * l->peak_util, hot->name,
             100.0 * hot->peak_util,
             hot->peak_util < 0.5 ? ": its credits come back slowly, so it runs far below its "
                                    "bandwidth"
                                  : "");
  else if (part[RUN_SPLIT_SYNC] >= 50.0 && on_ticks(s))
    snprintf(buf, cap, "the cores wait %.0f %% of each tick for the next: the work fits with "
             "room to spare (a slower clock or DVFS level, or fewer cores, would keep up)",
             part[RUN_SPLIT_SYNC]);
  else if (part[RUN_SPLIT_SYNC] >= 50.0)
    snprintf(buf, cap, "the barrier takes %.0f %% of the mean step: the cores' work is short "
             "against it (more work per step, or fewer tiles and chips in use, shorten its "
             "share)", part[RUN_SPLIT_SYNC]);
  else if (part[RUN_SPLIT_COMM] >= 50.0 && share >= 50.0)
    snprintf(buf, cap, "%.0f %% of the mean step is spikes still in flight, most often to core "
             "%u (%s, last in %.0f %% of steps): place its sources closer to it, or spread "
             "its synapses over more cores", part[RUN_SPLIT_COMM], t->core, pops, share);
  else if (part[RUN_SPLIT_COMM] >= 50.0)
    snprintf(buf, cap, "%.0f %% of the mean step is spikes still in flight after the last "
             "updates: the network, not the cores, bounds the step (place communicating "
             "populations closer)", part[RUN_SPLIT_COMM]);
  else if (share >= 50.0)
    snprintf(buf, cap, "core %u (%s) finishes last in %.0f %% of steps: place fewer neurons "
             "or synapses on it", t->core, pops, share);
  else
    snprintf(buf, cap, "no single core dominates: the most critical, core %u (%s), finishes "
             "last in %.0f %% of steps", t->core, pops, share);
}

/* Bottlenecks (timed mode): the split of the mean step, the cores that
 * finish last most often, and a hint. */
static void report_bottlenecks(FILE *f, const run_summary *s) {
  if (!timed(s)) {
    fprintf(f, "\nBottlenecks\n  not modelled: %s mode has no hardware time\n",
            str_or(s->mode, "timed"));
    return;
  }
  if (!s->crit_steps) {
    fprintf(f, "\nBottlenecks\n  not tracked: this chip's core type does not report its "
               "critical path (or the file is from an older nmsim)\n");
    return;
  }
  nmsim_ps total = 0;
  for (int k = 0; k < 4; k++) total += s->split_ps[k];
  double mean = (double)total / (double)s->crit_steps;
  char t[40];
  fmt_time(t, sizeof t, mean);
  fprintf(f, "\nBottlenecks (critical path of %" PRIu64 " steps)\n", s->crit_steps);
  static const char *const part[] = {"compute", "communication", "learning", "sync"};
  fprintf(f, "  mean step %s:", t);
  for (int k = 0; k < 4; k++)
    fprintf(f, "%s %s %.1f %%", k ? "," : "", k == RUN_SPLIT_SYNC ? (on_ticks(s) ? "wait for the "
                                                                   "next tick" : "barrier")
                                                               : part[k],
            total ? 100.0 * (double)s->split_ps[k] / (double)total : 0.0);
  fprintf(f, "\n  (compute: the longest own updates of a core; communication: until the last "
             "core's last synaptic event)\n");
  if (s->n_top_cores) {
    fprintf(f, "  %-6s %-5s %-5s %-9s %-9s %-10s %-10s %-10s %s\n", "core", "tile", "chip",
            "critical", "on spikes", "neurons", "synapses", "learning", "populations");
    for (uint32_t i = 0; i < s->n_top_cores; i++) {
      const run_core_summary *c = &s->top_cores[i];
      char b[3][40], pops[200];
      for (int k = 0; k < 3; k++) fmt_time(b[k], sizeof b[k], (double)c->busy_ps[k]);
      core_pops(s, c->core, pops, sizeof pops);
      char cs[16], cc[16];
      snprintf(cs, sizeof cs, "%.1f %%", pct(c->crit_steps, s->crit_steps));
      snprintf(cc, sizeof cc, "%.1f %%", pct(c->crit_comm_steps, s->crit_steps));
      fprintf(f, "  %-6u %-5u %-5u %-9s %-9s %-10s %-10s %-10s %s\n", c->core, c->tile, c->chip,
              cs, cc, b[0], b[1], b[2], pops);
    }
  }
  if (s->n_top_links) {
    fprintf(f, "  links (the most back-pressure first, then the busiest others; windows of %" PRIu64
               " steps):\n", s->link_window);
    fprintf(f, "  %-16s %-9s %-8s %-12s %-10s %s\n", "link", "packets", "busy", "peak window",
            "stall", "stall per packet");
    for (uint32_t i = 0; i < s->n_top_links; i++) {
      const run_link_summary *l = &s->top_links[i];
      char st[40], per[40], busy[16], peak[40];
      fmt_time(st, sizeof st, (double)l->stall_ps);
      fmt_time(per, sizeof per, l->packets ? (double)l->stall_ps / (double)l->packets : 0.0);
      snprintf(busy, sizeof busy, "%.1f %%",
               s->hw_time_ps ? 100.0 * (double)l->busy_ps / (double)s->hw_time_ps : 0.0);
      snprintf(peak, sizeof peak, "%.1f %% (#%" PRIu64 ")", 100.0 * l->peak_util,
               l->peak_window);
      fprintf(f, "  %-16s %-9" PRIu64 " %-8s %-12s %-10s %s\n", l->name, l->packets, busy, peak,
              st, per);
    }
  }
  char hint[768];
  bottleneck_hint(s, hint, sizeof hint);
  fprintf(f, "  hint: %s\n", hint);
}

/* DVFS: the policy, the share of PE ticks at each level, the switches. */
static void report_dvfs(FILE *f, const run_summary *s) {
  if (!s->dvfs || !*s->dvfs) return;
  uint64_t all = 0;
  for (uint32_t l = 0; l < s->dvfs_levels && l < RUN_DVFS_LEVELS; l++) all += s->dvfs_ticks[l];
  if (!strcmp(s->dvfs, "load"))
    fprintf(f, "  %-10s load: each PE takes, every tick, the slowest level that does its "
               "predicted work in %.3g %% of the tick\n", "dvfs", 100.0 * s->dvfs_headroom);
  else
    fprintf(f, "  %-10s fixed: each PE at the level set for its populations\n", "dvfs");
  fprintf(f, "  %-10s PE ticks at", "");
  for (uint32_t l = 0; l < s->dvfs_levels && l < RUN_DVFS_LEVELS; l++)
    fprintf(f, "%s PL%u (%.4g MHz, %.3g V) %.1f %%", l ? "," : "", l + 1,
            s->dvfs_clock_hz[l] / 1e6, s->dvfs_volts[l],
            all ? 100.0 * (double)s->dvfs_ticks[l] / (double)all : 0.0);
  char sw[40];
  fmt_time(sw, sizeof sw, (double)s->dvfs_switch_ps);
  fprintf(f, "; %" PRIu64 " switches of %s each\n", s->dvfs_switches, sw);
}

/* The mean energy and time of the complete trials (of all, if none is
 * complete); returns how many the means are over. */
static size_t trial_means(const run_summary *s, double *e, double *tm) {
  size_t n = 0;
  *e = *tm = 0;
  for (int pass = 0; pass < 2 && !n; pass++)
    for (size_t i = 0; i < s->n_trials; i++)
      if (pass || s->trials[i].complete) {
        *e += s->trials[i].energy_pj, *tm += (double)s->trials[i].time_ps;
        n++;
      }
  if (n) *e /= (double)n, *tm /= (double)n;
  return n;
}

/* The trials of a labelled recording: energy and time per trial (one gesture,
 * one sample), and their means. */
static void report_trials(FILE *f, const run_summary *s) {
  if (!s->n_trials) return;
  bool t = timed(s);
  fprintf(f, "\nTrials (labelled segments of the recording; energy: dynamic%s)\n",
          t ? " plus static over the trial's hardware time" : " alone: no hardware time");
  fprintf(f, "  %-6s %-6s %10s %8s %14s %14s\n", "trial", "label", "first step", "steps",
          "energy", t ? "hardware time" : "");
  double e, tm;
  size_t nm = trial_means(s, &e, &tm);
  for (size_t i = 0; i < s->n_trials; i++) {
    const run_trial_summary *r = &s->trials[i];
    char eb[40], tb[40] = "";
    fmt_energy(eb, r->energy_pj);
    if (t) fmt_time(tb, sizeof tb, (double)r->time_ps);
    fprintf(f, "  %-6zu %-6d %10" PRIu64 " %8" PRIu64 " %14s %14s%s\n", i, r->label,
            r->start_step, r->steps, eb, tb, r->complete ? "" : "  (cut by the run's end)");
  }
  char eb[40], tb[40];
  fmt_energy(eb, e);
  fmt_time(tb, sizeof tb, tm);
  fprintf(f, "  per trial, mean of the %zu %s: %s%s%s\n", nm,
          nm == s->n_trials && s->trials[s->n_trials - 1].complete ? "trials" : "complete trials",
          eb, t ? ", " : "", t ? tb : "");
}

void report_print_text(FILE *f, const run_summary *s) {
  fprintf(f, "nmsim energy and latency report\n");
  fprintf(f, "  %-10s %s\n", "scenario", str_or(s->scenario, "-"));
  bool network = s->mode && !strcmp(s->mode, "network");
  fprintf(f, "  %-10s %s%s\n", "chip", str_or(s->chip, "-"),
          network ? " (its per-event energies only: network mode maps nothing onto it)" : "");
  fprintf(f, "  %-10s %s\n", "mode", str_or(s->mode, "timed"));
  fprintf(f, "  %-10s %" PRIu64 "\n", "seed", s->seed);
  fprintf(f, "  %-10s %" PRIu64 "\n", "steps", s->steps);
  fprintf(f, "  %-10s %g ms (model time %g ms)\n", "dt", s->dt_ms,
          (double)s->steps * s->dt_ms);
  fprintf(f, "  %-10s %s\n", "status", str_or(s->status, "-"));
  if (!timed(s)) {
    fprintf(f, "  %-10s not modelled (%s mode has no hardware time)\n", "pacing", s->mode);
  } else if (s->pacing && *s->pacing) {
    char pace[96], hw[40], busy[40];
    if (!strcmp(s->pacing, "fast")) snprintf(pace, sizeof pace, "fast: a step starts when "
                                             "the last one ends");
    else {
      fmt_time(hw, sizeof hw, (double)s->pacing_ps);
      snprintf(pace, sizeof pace, "real time: a step every %s%s", hw,
               !strcmp(s->pacing, "recording") ? " of the recording" : "");
    }
    fprintf(f, "  %-10s %s (%s)\n", "pacing", pace, str_or(s->pacing_from, "-"));
    fmt_time(hw, sizeof hw, (double)s->hw_time_ps);
    fmt_time(busy, sizeof busy, (double)s->busy_ps);
    report_static_basis(f, s);
    report_dvfs(f, s);
    fprintf(f, "  %-10s %s of hardware time, static power charged over it; the chip computes "
               "for %s of it (%.3g %%)\n",
            "time base", hw, busy,
            s->hw_time_ps ? 100.0 * (double)s->busy_ps / (double)s->hw_time_ps : 0.0);
  }
  if (network)
    fprintf(f, "  %-10s none: one unlimited core per population\n", "cores");
  else if (partial(s))
    fprintf(f, "  %-10s %" PRIu32 " on the board\n", "cores", s->n_cores);
  else
    fprintf(f, "  %-10s %" PRIu32 " used of %" PRIu32 ", on %" PRIu32 " tiles\n", "cores",
            s->cores_used, s->n_cores, s->tiles_used);
  if (s->n_chips > 1)
    fprintf(f, "  %-10s %" PRIu32 " used of %" PRIu32 "\n", "chips", s->chips_used, s->n_chips);
  fprintf(f, "  %-10s %s\n", "nmsim", str_or(s->nmsim_version, "-"));
  if (partial(s))
    fprintf(f, "  note: the run did not complete (%s); figures cover the %" PRIu64
               " steps in the file,\n        static energy is estimated, event counts other "
               "than spikes are unknown\n",
            str_or(s->status, "incomplete"), s->steps);

  static const char *const eh[] = {"category", "energy (pJ)", "share", "energy"};
  print_table(f, s,
              &(report_table){"Energy", 4, eh, "lrrr", NM_E_COUNT + 3, ROW_DYNAMIC,
                              energy_row});
  static const char *const lh[] = {"latency", "value", "unit"};
  if (timed(s))
    print_table(f, s, &(report_table){"Latency", 3, lh, "lrl", 6, SIZE_MAX, latency_row});
  else
    fprintf(f, "\nLatency\n  not modelled: %s mode has no hardware time\n", s->mode);
  if (!partial(s) && !network) {
    static const char *const uh[] = {"per core (used cores)", "mean", "max"};
    print_table(f, s, &(report_table){"Utilisation", 3, uh, "lrr", 4, SIZE_MAX, util_row});
  }
  static const char *const wh[] = {"energy", "value", "of"};
  print_table(f, s,
              &(report_table){"Energy per window, per operation and per input; power", 3, wh,
                              "lrl", s->input_events ? WIN_ROWS : WIN_ROWS - 1, SIZE_MAX,
                              window_row});
  static const char *const ch[] = {"event", "count", "per step"};
  /* the SpiNNaker-like rows only when something was late */
  size_t n_counts = s->tick_overruns || s->late_packets ? 7 : 5;
  print_table(f, s, &(report_table){"Counts", 3, ch, "lrr", n_counts, SIZE_MAX, counts_row});
  static const char *const ph[] = {"population", "model",     "size",
                                   "spikes",     "rate (Hz)", "bursts"};
  print_table(f, s,
              &(report_table){"Populations", 6, ph, "llrrrr", s->n_pops, SIZE_MAX, pop_row});
  if (s->pop_cost && s->n_pops) {
    static const char *const oh[] = {"population", "neurons", "synapses in", "learning",
                                     "spikes out", "dynamic",  "of dynamic",  "core time"};
    print_table(f, s,
                &(report_table){"Cost per population (dynamic energy of its work; core time "
                                "summed over cores)",
                                8, oh, "lrrrrrrr", s->n_pops + 1, s->n_pops, cost_row});
  }
  report_trials(f, s);
  report_mapping(f, s);
  report_bottlenecks(f, s);
}

/* Hardware time, pacing, power and latency: timed mode only. */
static void report_json_time(jw *w, const run_summary *s) {
  if (s->pacing && *s->pacing) {
    jw_key(w, "pacing");
    jw_object_begin(w);
    jw_key_string(w, "mode", s->pacing);
    jw_key_double(w, "period_ns", (double)s->pacing_ps / NMSIM_PS_PER_NS);
    jw_key_string(w, "from", s->pacing_from);
    jw_key_double(w, "busy_ns", (double)s->busy_ps / NMSIM_PS_PER_NS);
    jw_object_end(w);
  }
  if (s->dvfs && *s->dvfs) {
    jw_key(w, "dvfs");
    jw_object_begin(w);
    jw_key_string(w, "policy", s->dvfs);
    if (!strcmp(s->dvfs, "load")) jw_key_double(w, "headroom", s->dvfs_headroom);
    jw_key_uint(w, "switches", s->dvfs_switches);
    jw_key_double(w, "switch_ns", (double)s->dvfs_switch_ps / NMSIM_PS_PER_NS);
    jw_key(w, "levels");
    jw_array_begin(w);
    for (uint32_t l = 0; l < s->dvfs_levels && l < RUN_DVFS_LEVELS; l++) {
      jw_object_begin(w);
      jw_key_double(w, "clock_mhz", s->dvfs_clock_hz[l] / 1e6);
      jw_key_double(w, "voltage_v", s->dvfs_volts[l]);
      jw_key_uint(w, "pe_ticks", s->dvfs_ticks[l]);
      jw_object_end(w);
    }
    jw_array_end(w);
    jw_object_end(w);
  }
  jw_key(w, "power_mw");
  jw_object_begin(w);
  jw_key_double(w, "static", s->static_power_mw);
  jw_key_double(w, "mean", s->hw_time_ps ? s->total_pj / (double)s->hw_time_ps * 1e3 : 0.0);
  jw_key_double(w, "largest_window", s->power_max_mw);
  jw_object_end(w);
  jw_key(w, "latency_ns");
  jw_object_begin(w);
  jw_key_double(w, "total", (double)s->hw_time_ps / NMSIM_PS_PER_NS);
  jw_key(w, "step");
  jw_object_begin(w);
  jw_key_double(w, "min", (double)s->step_min_ps / NMSIM_PS_PER_NS);
  jw_key_double(w, "mean", s->step_mean_ps / NMSIM_PS_PER_NS);
  jw_key_double(w, "max", (double)s->step_max_ps / NMSIM_PS_PER_NS);
  jw_object_end(w);
  jw_key(w, "packet");
  jw_object_begin(w);
  jw_key_double(w, "mean", s->packet_mean_ps / NMSIM_PS_PER_NS);
  jw_key_double(w, "p99", s->packet_p99_ps / NMSIM_PS_PER_NS);
  jw_object_end(w);
  jw_object_end(w);
}

void report_json_metrics(jw *w, const run_summary *s) {
  jw_key(w, "energy_pj");
  jw_object_begin(w);
  jw_key_double(w, "total", s->total_pj);
  if (timed(s)) jw_key_double(w, "static", s->static_pj); /* absent: not modelled */
  jw_key_double(w, "dynamic", dynamic_pj(s));
  if (s->synaptic_ops) {
    jw_key(w, "per_synaptic_op");
    jw_object_begin(w);
    jw_key_double(w, "dynamic", dynamic_pj(s) / (double)s->synaptic_ops);
    if (timed(s)) jw_key_double(w, "total", s->total_pj / (double)s->synaptic_ops);
    jw_object_end(w);
  }
  jw_key(w, "by_category");
  jw_object_begin(w);
  for (int c = 0; c < NM_E_COUNT; c++) /* absent: not modelled in this mode */
    if (nm_energy_modelled(c, s->mode)) jw_key_double(w, nm_energy_key(c), s->energy_pj[c]);
  jw_object_end(w);
  jw_object_end(w);

  if (timed(s)) report_json_time(w, s);

  jw_key(w, "counts");
  jw_object_begin(w);
  jw_key_uint(w, "spikes", s->spikes);
  jw_key_uint(w, "synaptic_ops", s->synaptic_ops);
  jw_key_uint(w, "neuron_updates", s->neuron_updates);
  if (nm_packets_modelled(s->mode)) jw_key_uint(w, "packets", s->packets);
  if (nm_hops_modelled(s->mode)) jw_key_uint(w, "hops", s->hops);
  jw_object_end(w);

  if (s->input_events) {
    jw_key(w, "input");
    jw_object_begin(w);
    jw_key_uint(w, "events", s->input_events);
    jw_key_double(w, "energy_pj_per_event", s->total_pj / (double)s->input_events);
    jw_object_end(w);
  }
  jw_key(w, "utilisation");
  jw_object_begin(w);
  jw_key(w, "neurons");
  jw_object_begin(w);
  jw_key_double(w, "mean", s->util_neurons_mean);
  jw_key_double(w, "max", s->util_neurons_max);
  jw_object_end(w);
  jw_key(w, "synapse_memory");
  jw_object_begin(w);
  jw_key_double(w, "mean", s->util_synmem_mean);
  jw_key_double(w, "max", s->util_synmem_max);
  jw_object_end(w);
  jw_key_double(w, "fan_in_max", s->util_fanin_max);
  jw_key_double(w, "fan_out_max", s->util_fanout_max);
  jw_object_end(w);

  jw_key(w, "window");
  jw_object_begin(w);
  jw_key_double(w, "dt_ms", s->dt_ms);
  jw_key_double(w, "energy_pj_mean", s->window_mean_pj);
  jw_key_double(w, "energy_pj_max", s->window_max_pj);
  jw_object_end(w);

  if (s->tick_overruns || s->late_packets) {
    jw_key(w, "overruns");
    jw_object_begin(w);
    jw_key_uint(w, "ticks", s->tick_overruns);
    jw_key_uint(w, "late_packets", s->late_packets);
    jw_object_end(w);
  }

  jw_key(w, "populations");
  jw_object_begin(w);
  for (size_t i = 0; i < s->n_pops; i++) {
    const run_pop_summary *p = &s->pops[i];
    jw_key(w, p->name ? p->name : "");
    jw_object_begin(w);
    jw_key_uint(w, "size", p->size);
    jw_key_string(w, "model", p->model);
    jw_key_uint(w, "spikes", p->spikes);
    jw_key_double(w, "rate_hz", p->rate_hz);
    jw_key_uint(w, "bursts", p->bursts);
    if (s->pop_cost) {
      jw_key(w, "energy_pj");
      jw_object_begin(w);
      jw_key_double(w, "neurons", p->pj_neurons);
      jw_key_double(w, "synapses", p->pj_synapses);
      jw_key_double(w, "learning", p->pj_learning);
      if (nm_energy_modelled(NM_E_SPIKE_OUT, s->mode)) jw_key_double(w, "spikes", p->pj_spikes);
      jw_key_double(w, "total", pop_pj(p));
      jw_object_end(w);
      if (timed(s)) jw_key_double(w, "core_time_us", (double)p->busy_ps * 1e-6);
    }
    jw_object_end(w);
  }
  jw_object_end(w);
  if (s->pop_cost && nm_energy_modelled(NM_E_LINK_HOP, s->mode)) /* routing and barrier */
    jw_key_double(w, "energy_no_population_pj", unattributed_pj(s));
  if (s->n_map) {
    jw_key(w, "mapping");
    jw_array_begin(w);
    for (size_t i = 0; i < s->n_map; i++) {
      const run_map_entry *m = &s->map[i];
      jw_object_begin(w);
      jw_key_string(w, "population", m->pop);
      jw_key_uint(w, "first", m->first);
      jw_key_uint(w, "n", m->n);
      jw_key_uint(w, "core", m->core);
      jw_key_uint(w, "tile", m->tile);
      jw_key_uint(w, "chip", m->chip);
      jw_object_end(w);
    }
    jw_array_end(w);
  }
  if (timed(s) && s->crit_steps) {
    static const char *const part[] = {"compute", "communication", "learning", "sync"};
    jw_key(w, "bottlenecks");
    jw_object_begin(w);
    jw_key_uint(w, "steps", s->crit_steps);
    jw_key_string(w, "sync", on_ticks(s) ? "wait for the next tick" : "barrier");
    jw_key(w, "step_mean_ns");
    jw_object_begin(w);
    for (int k = 0; k < 4; k++)
      jw_key_double(w, part[k], (double)s->split_ps[k] / (double)s->crit_steps / 1e3);
    jw_object_end(w);
    jw_key(w, "cores");
    jw_array_begin(w);
    for (uint32_t i = 0; i < s->n_top_cores; i++) {
      const run_core_summary *c = &s->top_cores[i];
      jw_object_begin(w);
      jw_key_uint(w, "core", c->core);
      jw_key_uint(w, "tile", c->tile);
      jw_key_uint(w, "chip", c->chip);
      jw_key_uint(w, "critical_steps", c->crit_steps);
      jw_key_uint(w, "critical_on_spikes", c->crit_comm_steps);
      jw_key(w, "busy_ns");
      jw_object_begin(w);
      jw_key_double(w, "neurons", (double)c->busy_ps[0] / 1e3);
      jw_key_double(w, "synapses", (double)c->busy_ps[1] / 1e3);
      jw_key_double(w, "learning", (double)c->busy_ps[2] / 1e3);
      jw_object_end(w);
      jw_object_end(w);
    }
    jw_array_end(w);
    jw_key_uint(w, "link_window_steps", s->link_window);
    jw_key_double(w, "stall_ns", (double)s->stall_ps / 1e3);
    jw_key(w, "links");
    jw_array_begin(w);
    for (uint32_t i = 0; i < s->n_top_links; i++) {
      const run_link_summary *l = &s->top_links[i];
      jw_object_begin(w);
      jw_key_string(w, "link", l->name);
      jw_key_uint(w, "packets", l->packets);
      jw_key_double(w, "busy_ns", (double)l->busy_ps / 1e3);
      jw_key_double(w, "stall_ns", (double)l->stall_ps / 1e3);
      jw_key_double(w, "peak_utilisation", l->peak_util);
      jw_key_uint(w, "peak_window", l->peak_window);
      jw_key_double(w, "peak_stall_ns", (double)l->peak_stall_ps / 1e3);
      jw_object_end(w);
    }
    jw_array_end(w);
    char hint[768];
    bottleneck_hint(s, hint, sizeof hint);
    jw_key_string(w, "hint", hint);
    jw_object_end(w);
  }

  if (s->n_trials) { /* a labelled recording: energy and time per trial */
    jw_key(w, "trials");
    jw_array_begin(w);
    for (size_t i = 0; i < s->n_trials; i++) {
      const run_trial_summary *r = &s->trials[i];
      jw_object_begin(w);
      jw_key_int(w, "label", r->label);
      jw_key_uint(w, "start_step", r->start_step);
      jw_key_uint(w, "steps", r->steps);
      jw_key_bool(w, "complete", r->complete);
      jw_key_double(w, "energy_pj", r->energy_pj);
      if (timed(s)) jw_key_double(w, "time_us", (double)r->time_ps / 1e6);
      jw_object_end(w);
    }
    jw_array_end(w);
    double e, tm;
    size_t nm = trial_means(s, &e, &tm);
    jw_key(w, "per_trial");
    jw_object_begin(w);
    jw_key_uint(w, "trials", nm);
    jw_key_double(w, "energy_pj_mean", e);
    if (timed(s)) jw_key_double(w, "time_us_mean", tm / 1e6);
    jw_object_end(w);
  }
  jw_key(w, "cores");
  jw_object_begin(w);
  jw_key_uint(w, "total", s->n_cores);
  jw_key_uint(w, "used", s->cores_used);
  jw_object_end(w);
  jw_key_uint(w, "tiles_used", s->tiles_used);
  if (s->n_chips) {
    jw_key(w, "chips");
    jw_object_begin(w);
    jw_key_uint(w, "total", s->n_chips);
    jw_key_uint(w, "used", s->chips_used);
    jw_object_end(w);
  }
}

void report_print_json(FILE *f, const run_summary *s) {
  jw w;
  jw_init(&w, f, true);
  jw_object_begin(&w);
  jw_key_string(&w, "scenario", s->scenario);
  jw_key_string(&w, "chip", s->chip);
  jw_key_string(&w, "mode", s->mode ? s->mode : "timed");
  jw_key_uint(&w, "seed", s->seed);
  jw_key_uint(&w, "steps", s->steps);
  jw_key_double(&w, "dt_ms", s->dt_ms);
  jw_key_string(&w, "status", s->status);
  jw_key_string(&w, "nmsim_version", s->nmsim_version);
  report_json_metrics(&w, s);
  jw_object_end(&w);
  jw_finish(&w);
}
