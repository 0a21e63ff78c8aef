/* dbreport.c: `nmsim report --db`: runs of the results database as one
 * aligned table (a column per swept parameter, units in the headers) and as
 * JSON (see dbreport.h). */
#include "analysis/dbreport.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/json.h"
#include "analysis/report.h"

#define DB_CELL 48        /* longest cell; longer text is cut */
#define DB_MAX_POP_COLS 4 /* population rate columns shown; JSON has them all */

typedef struct db_table {
  size_t ncols, nrows;    /* nrows includes the header row */
  char (*cell)[DB_CELL];  /* nrows x ncols */
  char *align;            /* per column, 'l' or 'r' */
} db_table;

static char *cell(db_table *t, size_t r, size_t c) { return t->cell[r * t->ncols + c]; }

/* Display width of UTF-8 text (code points). */
static size_t text_width(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80) n++;
  return n;
}

static void print_db_table(FILE *f, const db_table *t) {
  size_t *w = nm_calloc(t->ncols, sizeof *w);
  if (!w) return;
  for (size_t r = 0; r < t->nrows; r++)
    for (size_t c = 0; c < t->ncols; c++)
      w[c] = NM_MAX(w[c], text_width(t->cell[r * t->ncols + c]));
  for (size_t r = 0; r < t->nrows; r++) {
    fputs("  ", f);
    for (size_t c = 0; c < t->ncols; c++) {
      const char *s = t->cell[r * t->ncols + c];
      size_t pad = w[c] - text_width(s);
      bool last = c + 1 == t->ncols;
      if (c) fputs("  ", f);
      if (t->align[c] == 'r')
        for (size_t i = 0; i < pad; i++) fputc(' ', f);
      fputs(s, f);
      if (t->align[c] != 'r' && !last)
        for (size_t i = 0; i < pad; i++) fputc(' ', f);
    }
    fputc('\n', f);
  }
  nm_free(w);
}

/* A unit of unit[] (steps of 1000 from base) that keeps max below 1000. */
static size_t pick_unit(double max, size_t n_units, double *scale) {
  size_t u = 0;
  *scale = 1.0;
  while (u + 1 < n_units && fabs(max) / *scale >= 1000.0) {
    *scale *= 1000.0;
    u++;
  }
  return u;
}

/* Index of key in keys[0..n), or n. */
static size_t find_key(char **keys, size_t n, const char *key) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(keys[i], key) == 0) return i;
  return n;
}

/* The value of parameter key of row r, or NULL. */
static const char *param_of(const rdb_row *r, const char *key, bool *numeric) {
  for (size_t i = 0; i < r->n_params; i++)
    if (strcmp(r->param_keys[i], key) == 0) {
      if (numeric) *numeric = r->param_numeric[i];
      return r->param_values[i] ? r->param_values[i] : "";
    }
  return NULL;
}

/* "a=1, b=x" for row r, into buf. */
static void params_text(const rdb_row *r, char *buf, size_t n) {
  size_t used = 0;
  buf[0] = 0;
  for (size_t i = 0; i < r->n_params && used < n; i++)
    used += (size_t)snprintf(buf + used, n - used, "%s%s=%s", i ? ", " : "", r->param_keys[i],
                             r->param_values[i] ? r->param_values[i] : "");
}

/* Distinct strings of rows: parameter keys (pops false) or population names. */
static size_t collect(const rdb_row *rows, size_t n, bool pops, char ***out) {
  size_t cnt = 0, cap = 0;
  char **keys = NULL;
  for (size_t i = 0; i < n; i++) {
    size_t m = pops ? rows[i].sum.n_pops : rows[i].n_params;
    for (size_t j = 0; j < m; j++) {
      char *k = pops ? rows[i].sum.pops[j].name : rows[i].param_keys[j];
      if (!k || find_key(keys, cnt, k) < cnt) continue;
      if (nm_grow((void **)&keys, &cap, cnt + 1, sizeof *keys)) break;
      keys[cnt++] = k;
    }
  }
  *out = keys;
  return cnt;
}

void dbreport_print_text(FILE *f, const char *path, const rdb_row *rows, size_t n) {
  fprintf(f, "nmsim results database %s: %zu run%s\n", path, n, n == 1 ? "" : "s");
  if (n == 0) return;
  char **keys = NULL, **pops = NULL;
  size_t nk = collect(rows, n, false, &keys), np = collect(rows, n, true, &pops);
  size_t npc = NM_MIN(np, (size_t)DB_MAX_POP_COLS);

  /* units from the largest value of each column */
  double emax = 0, epsmax = 0, smax = 0;
  for (size_t i = 0; i < n; i++) {
    const run_summary *s = &rows[i].sum;
    if (!rows[i].has_metrics) continue;
    emax = NM_MAX(emax, fabs(s->total_pj));
    if (s->steps) epsmax = NM_MAX(epsmax, fabs(s->total_pj / (double)s->steps));
    if (isfinite(s->step_mean_ps)) smax = NM_MAX(smax, s->step_mean_ps);
  }
  static const char *const eunit[] = {"pJ", "nJ", "uJ", "mJ", "J"};
  static const char *const tunit[] = {"ns", "us", "ms", "s"};
  double esc, epssc, tsc;
  const char *eu = eunit[pick_unit(emax, NM_ARRAY_LEN(eunit), &esc)];
  const char *epsu = eunit[pick_unit(epsmax, NM_ARRAY_LEN(eunit), &epssc)];
  const char *tu = tunit[pick_unit(smax / 1000.0, NM_ARRAY_LEN(tunit), &tsc)];
  tsc *= 1000.0; /* ps per displayed unit */

  /* a swept seed or steps is shown once, as its parameter column */
  bool seed_col = find_key(keys, nk, "seed") == nk, steps_col = find_key(keys, nk, "steps") == nk;
  bool chip_col = find_key(keys, nk, "chip") == nk; /* a swept chip: its parameter column */
  enum { C_ID, C_SCN, C_PARAMS };
  size_t ncols = C_PARAMS + nk + 12 + npc; /* at most */
  db_table t = {ncols, n + 1, nm_calloc((n + 1) * ncols, DB_CELL), nm_calloc(ncols + 1, 1)};
  if (!t.cell || !t.align) {
    fprintf(f, "  (out of memory)\n");
    goto done;
  }
  size_t c = 0;
#define HEAD(al, ...) (t.align[c] = (al), snprintf(cell(&t, 0, c++), DB_CELL, __VA_ARGS__))
  HEAD('r', "id");
  HEAD('l', "scenario");
  for (size_t k = 0; k < nk; k++) {
    bool all_num = true;
    for (size_t i = 0; i < n; i++) {
      bool num = true;
      if (param_of(&rows[i], keys[k], &num) && !num) all_num = false;
    }
    HEAD(all_num ? 'r' : 'l', "%s", keys[k]);
  }
  if (seed_col) HEAD('r', "seed");
  if (chip_col) HEAD('l', "chip");
  HEAD('l', "status");
  if (steps_col) HEAD('r', "steps");
  HEAD('l', "pacing");
  HEAD('r', "energy (%s)", eu);
  HEAD('r', "static");
  HEAD('r', "per step (%s)", epsu);
  HEAD('r', "step mean (%s)", tu);
  HEAD('r', "packet p99 (ns)");
  HEAD('r', "spikes");
  for (size_t p = 0; p < npc; p++) HEAD('r', "%s (Hz)", pops[p]);
  HEAD('r', "wall (s)");
#undef HEAD
  t.ncols = c;

  for (size_t i = 0; i < n; i++) {
    const rdb_row *r = &rows[i];
    const run_summary *s = &r->sum;
    size_t row = i + 1;
    c = 0;
#define CELL(...) snprintf(cell(&t, row, c++), DB_CELL, __VA_ARGS__)
    CELL("%" PRId64, r->id);
    CELL("%s", s->scenario ? s->scenario : "-");
    for (size_t k = 0; k < nk; k++) {
      const char *v = param_of(r, keys[k], NULL);
      CELL("%s", v ? v : "-");
    }
    if (seed_col) CELL("%" PRIu64, s->seed);
    if (chip_col) CELL("%s", s->chip ? s->chip : "-");
    CELL("%s", s->status ? s->status : "-");
    if (r->has_metrics) {
      bool timed = !s->mode || !strcmp(s->mode, "timed");
      if (steps_col) CELL("%" PRIu64, s->steps);
      if (!timed) CELL("not modelled");
      else if (!s->pacing || !*s->pacing) CELL("-");
      else if (!strcmp(s->pacing, "fast")) CELL("fast");
      else CELL("real time %g ms", (double)s->pacing_ps / 1e9);
      /* four significant digits: a column spans chips that differ by 1000x */
      CELL("%.4g", s->total_pj / esc);
      if (timed && s->total_pj > 0) CELL("%.1f %%", 100.0 * s->static_pj / s->total_pj);
      else CELL("-");
      if (s->steps) CELL("%.4g", s->total_pj / (double)s->steps / epssc);
      else CELL("-");
      if (isfinite(s->step_mean_ps)) CELL("%.4g", s->step_mean_ps / tsc);
      else CELL("-");
      if (isfinite(s->packet_p99_ps)) CELL("%.4g", s->packet_p99_ps / 1000.0);
      else CELL("-");
      CELL("%" PRIu64, s->spikes);
    } else {
      for (int k = steps_col ? 0 : 1; k < 8; k++) CELL("-");
    }
    for (size_t p = 0; p < npc; p++) {
      const run_pop_summary *ps = NULL;
      for (size_t j = 0; j < s->n_pops; j++)
        if (s->pops[j].name && strcmp(s->pops[j].name, pops[p]) == 0) ps = &s->pops[j];
      if (ps && r->has_metrics) CELL("%.3f", ps->rate_hz);
      else CELL("-");
    }
    CELL("%.2f", r->wall_time_s);
#undef CELL
  }
  fputc('\n', f);
  print_db_table(f, &t);
  if (np > npc)
    fprintf(f, "  (rates of %zu more populations: nmsim report --db %s --json)\n", np - npc,
            path);

  /* the comparison: best and worst on energy and on step time, over runs
   * on one basis: timed runs (static energy and hardware time) when there
   * are any, else the functional and network runs (dynamic energy only) */
  const rdb_row *elo = NULL, *ehi = NULL, *tlo = NULL, *thi = NULL;
  size_t with = 0, timed_runs = 0, untimed = 0;
  for (size_t i = 0; i < n; i++)
    if (rows[i].has_metrics) {
      bool tm = !rows[i].sum.mode || strcmp(rows[i].sum.mode, "timed") == 0;
      timed_runs += tm;
      untimed += !tm;
    }
  for (size_t i = 0; i < n; i++) {
    const rdb_row *r = &rows[i];
    if (!r->has_metrics) continue;
    bool tm = !r->sum.mode || strcmp(r->sum.mode, "timed") == 0;
    if (timed_runs && !tm) continue;
    with++;
    if (!elo || r->sum.total_pj < elo->sum.total_pj) elo = r;
    if (!ehi || r->sum.total_pj > ehi->sum.total_pj) ehi = r;
    if (!tm) continue;
    if (!tlo || r->sum.step_mean_ps < tlo->sum.step_mean_ps) tlo = r;
    if (!thi || r->sum.step_mean_ps > thi->sum.step_mean_ps) thi = r;
  }
  /* timed runs paced differently charge static power over different bases */
  bool mixed = false;
  const run_summary *first = NULL;
  for (size_t i = 0; i < n; i++) {
    const run_summary *s = &rows[i].sum;
    if (!rows[i].has_metrics || !s->pacing || !*s->pacing) continue;
    if (!first) first = s;
    else mixed |= strcmp(s->pacing, first->pacing) != 0 || s->pacing_ps != first->pacing_ps;
  }
  if (mixed)
    fprintf(f, "\n  note: the runs are paced differently, so their static energy is charged over "
               "different time bases;\n  give them one engine.pacing (such as --set "
               "'engine.pacing={realtime: 1 ms}') to compare on the same basis\n");
  if (with >= 2 && timed_runs && untimed)
    fprintf(f, "\n  compared: the %zu timed runs (the %zu functional or network runs have no "
               "static energy or hardware time)", timed_runs, untimed);
  if (with >= 2) {
    char a[256], b[256];
    params_text(elo, a, sizeof a);
    params_text(ehi, b, sizeof b);
    fprintf(f, "\n  lowest energy:     run %" PRId64 " (%s), %.4g %s; highest run %" PRId64
               " (%s), x%.3g\n",
            elo->id, a[0] ? a : "no --set", elo->sum.total_pj / esc, eu, ehi->id,
            b[0] ? b : "no --set", elo->sum.total_pj > 0 ? ehi->sum.total_pj / elo->sum.total_pj : 0.0);
    if (!tlo || tlo == thi) goto done;
    params_text(tlo, a, sizeof a);
    params_text(thi, b, sizeof b);
    fprintf(f, "  shortest step:     run %" PRId64 " (%s), %.4g %s mean; longest run %" PRId64
               " (%s), x%.3g\n",
            tlo->id, a[0] ? a : "no --set", tlo->sum.step_mean_ps / tsc, tu, thi->id,
            b[0] ? b : "no --set",
            tlo->sum.step_mean_ps > 0 ? thi->sum.step_mean_ps / tlo->sum.step_mean_ps : 0.0);
  }
done:
  nm_free(t.cell);
  nm_free(t.align);
  nm_free(keys);
  nm_free(pops);
}

void dbreport_print_json(FILE *f, const char *path, const rdb_row *rows, size_t n) {
  jw w;
  jw_init(&w, f, true);
  jw_object_begin(&w);
  jw_key_string(&w, "database", path);
  jw_key_int(&w, "schema_version", RDB_SCHEMA_VERSION);
  jw_key(&w, "runs");
  jw_array_begin(&w);
  for (size_t i = 0; i < n; i++) {
    const rdb_row *r = &rows[i];
    const run_summary *s = &r->sum;
    jw_object_begin(&w);
    jw_key_int(&w, "id", r->id);
    jw_key_string(&w, "scenario", s->scenario);
    jw_key_string(&w, "scenario_hash", r->scenario_hash);
    jw_key_string(&w, "scenario_path", r->scenario_path);
    jw_key(&w, "parameters");
    jw_object_begin(&w);
    for (size_t k = 0; k < r->n_params; k++) {
      jw_key(&w, r->param_keys[k] ? r->param_keys[k] : "");
      if (r->param_numeric[k]) jw_double(&w, r->param_values[k] ? atof(r->param_values[k]) : 0);
      else jw_string(&w, r->param_values[k]);
    }
    jw_object_end(&w);
    jw_key_string(&w, "sweep_id", r->sweep_id);
    jw_key_string(&w, "chip", s->chip);
    jw_key_uint(&w, "seed", s->seed);
    jw_key_string(&w, "status", s->status);
    jw_key_string(&w, "error", r->error);
    jw_key_string(&w, "start_time", r->start_time);
    jw_key_double(&w, "wall_time_s", r->wall_time_s);
    jw_key_string(&w, "nmsim_version", s->nmsim_version);
    jw_key_string(&w, "run_file", r->run_file);
    if (r->has_metrics) {
      jw_key_uint(&w, "steps", s->steps);
      jw_key_double(&w, "dt_ms", s->dt_ms);
      report_json_metrics(&w, s);
    }
    jw_object_end(&w);
  }
  jw_array_end(&w);
  jw_object_end(&w);
  jw_finish(&w);
}

nmsim_status dbreport(FILE *f, const char *path, const char *sweep_id, bool json,
                      nmsim_err *err) {
  rdb *db = NULL;
  rdb_row *rows = NULL;
  size_t n = 0;
  nmsim_status st = rdb_open_readonly(path, &db, err);
  if (!st) st = rdb_list(db, sweep_id, &rows, &n, err);
  /* a sweep id that names no run is a mistake, not an empty sweep */
  if (!st && sweep_id && n == 0)
    st = NMSIM_ERR(err, NMSIM_EINPUT,
                   "%s: no run of sweep '%s' (nmsim report --db DB --json gives each run's "
                   "sweep_id)", path, sweep_id);
  if (!st && rdb_is_immutable(db))
    fprintf(stderr, "nmsim: note: %s: its folder is not writable, so SQLite cannot make %s-shm "
            "beside it: read as a file that nothing changes (a run writing to it now is not "
            "seen)\n", path, path);
  if (!st) {
    if (json) dbreport_print_json(f, path, rows, n);
    else dbreport_print_text(f, path, rows, n);
  }
  rdb_rows_free(rows, n);
  rdb_close(db);
  return st;
}
