/* cli_sweep.c: `nmsim sweep` (every combination of the --set value lists,
 * each run recorded in the results database) and the recording of one run
 * that `nmsim run --db` shares with it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analysis/dbreport.h"
#include "sim/cli/cli.h"
#include "sim/base/interrupt.h"
#include "sim/cli/cli_opts.h"
#include "sim/system/run_int.h"

#define SWEEP_MAX_RUNS 100000u /* a product larger than this is surely a mistake */

int cli_exit_code(nmsim_status rc) {
  switch (rc) {
    case NMSIM_OK: return 0;
    case NMSIM_EINPUT:
    case NMSIM_EFORMAT:
    case NMSIM_ECAPACITY:
    case NMSIM_EIO: return 2;
    default: return 1;
  }
}




/* v (in units of unit[0]) with the unit of unit[] (steps of 1000) that keeps
 * it below 1000, as "12.345 uJ". */
static void fmt_scaled(char *buf, size_t n, double v, const char *const *unit, size_t n_units) {
  size_t u = 0;
  while (u + 1 < n_units && (v >= 1000.0 || v <= -1000.0)) v /= 1000.0, u++;
  snprintf(buf, n, "%.3f %s", v, unit[u]);
}

/* ---- value lists ------------------------------------------------------------ */

void cli_free_values(char **v, size_t n) {
  for (size_t i = 0; v && i < n; i++) nm_free(v[i]);
  nm_free(v);
}

/* Append list[a, b) without surrounding blanks to *v. */
static nmsim_status push_value(const char *key, const char *a, const char *b, char ***v,
                               size_t *n, size_t *cap, nmsim_err *err) {
  while (a < b && (*a == ' ' || *a == '\t')) a++;
  while (b > a && (b[-1] == ' ' || b[-1] == '\t')) b--;
  if (a == b) return NMSIM_ERR(err, NMSIM_EINPUT, "--set %s: an empty value in the list", key);
  if (nm_grow((void **)v, cap, *n + 1, sizeof **v)) return NMSIM_ENOMEM_ERR(err);
  char *s = nm_malloc((size_t)(b - a) + 1);
  if (!s) return NMSIM_ENOMEM_ERR(err);
  memcpy(s, a, (size_t)(b - a));
  s[b - a] = 0;
  (*v)[(*n)++] = s;
  return NMSIM_OK;
}

nmsim_status cli_split_values(const char *key, const char *list, char ***out, size_t *n,
                              nmsim_err *err) {
  char **v = NULL;
  size_t cnt = 0, cap = 0;
  int depth = 0;
  char quote = 0;
  const char *start = list;
  nmsim_status st = NMSIM_OK;
  for (const char *p = list;; p++) {
    if (*p == 0) {
      if (depth || quote) {
        st = NMSIM_ERR(err, NMSIM_EINPUT, "--set %s=%s: unbalanced %s", key, list,
                       quote ? "quote" : "brackets or braces");
        break;
      }
      st = push_value(key, start, p, &v, &cnt, &cap, err);
      break;
    }
    if (quote) {
      if (*p == quote) quote = 0;
    } else if (*p == '"' || *p == '\'') {
      quote = *p;
    } else if (*p == '[' || *p == '{') {
      depth++;
    } else if (*p == ']' || *p == '}') {
      if (--depth < 0) {
        st = NMSIM_ERR(err, NMSIM_EINPUT, "--set %s=%s: '%c' without its opening bracket", key,
                       list, *p);
        break;
      }
    } else if (*p == ',' && depth == 0) {
      if ((st = push_value(key, start, p, &v, &cnt, &cap, err))) break;
      start = p + 1;
    }
  }
  if (st) {
    cli_free_values(v, cnt);
    return st;
  }
  *out = v;
  *n = cnt;
  return NMSIM_OK;
}

/* ---- the sweep ------------------------------------------------------------------ */

static const char *usage_sweep =
    "usage: nmsim sweep SCENARIO.yaml --set KEY=V1,V2,... [--set ...] --db RESULTS.sqlite\n"
    "                   [-o DIR] [--json] [-q|--quiet]\n"
    "\n"
    "Run the scenario for every combination of the --set values (the first --set\n"
    "varies slowest) and record each run in the results database; then print the\n"
    "runs of this sweep side by side (as with nmsim report --db).\n"
    "  --set KEY=V1,V2,...   values split on commas outside [...], {...} and quotes,\n"
    "                        e.g. --set seed=1,2,3 --set 'record.spikes=[exc],[inh]'\n"
    "  --db RESULTS.sqlite   the results database (created if missing; several\n"
    "                        sweeps may write one database at once)\n"
    "  -o, --output DIR      also write each run's HDF5 file, DIR/<scenario>-<sweep>-<n>.h5\n"
    "  --json                print the sweep's runs as JSON\n"
    "  -q, --quiet           no per-run lines or progress on stderr\n"
    "Exit status: 0 if every run completed, 1 if any failed, 2 on bad usage or input.\n";

typedef struct sweep_axis {
  const char *key;
  char **values;
  size_t n;
} sweep_axis;

typedef struct sweep {
  const char *scenario, *db_path, *dir;
  bool json, quiet;
  sweep_axis *axes;
  size_t n_axes;
  nmsim_override *ov; /* one combination: n_axes entries */
  size_t total;
} sweep;

static int sweep_usage(const char *fmt, const char *arg) {
  return cli_bad_usage("sweep", fmt, arg);
}

/* Overrides of combination i (mixed radix, the last axis fastest). */
static void combination(sweep *w, size_t i) {
  for (size_t a = w->n_axes; a-- > 0;) {
    sweep_axis *x = &w->axes[a];
    w->ov[a] = (nmsim_override){.key = x->key, .value = x->values[i % x->n]};
    i /= x->n;
  }
}

/* "a=1 b=x" of the current combination. */
static void combo_text(const sweep *w, char *buf, size_t n) {
  size_t used = 0;
  buf[0] = 0;
  for (size_t a = 0; a < w->n_axes && used < n; a++)
    used += (size_t)snprintf(buf + used, n - used, "%s%s=%s", a ? " " : "", w->ov[a].key,
                             w->ov[a].value);
}

/* The scenario file name without folder and extension. */
static void stem_of(const char *path, char *buf, size_t n) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  snprintf(buf, n, "%s", b);
  char *dot = strrchr(buf, '.');
  if (dot && dot != buf) *dot = 0;
}

/* One --set KEY=V1,V2,...: an axis of the sweep. */
static int sweep_axis_add(void *ctx, char *arg) {
  sweep *w = ctx;
  char *eq = strchr(arg, '=');
  if (!eq || eq == arg) return sweep_usage("--set expects KEY=V1,V2,..., got '%s'", arg);
  *eq = 0;
  /* two lists for one key would make runs that differ in name only */
  for (size_t a = 0; a < w->n_axes; a++)
    if (strcmp(w->axes[a].key, arg) == 0)
      return sweep_usage("--set %s is given twice: give all its values in one list", arg);
  sweep_axis *na = nm_realloc(w->axes, (w->n_axes + 1) * sizeof *na);
  if (!na) return sweep_usage("%s", "out of memory");
  w->axes = na;
  sweep_axis *x = &w->axes[w->n_axes];
  *x = (sweep_axis){.key = arg};
  nmsim_err err = {0};
  nmsim_status st = cli_split_values(arg, eq + 1, &x->values, &x->n, &err);
  if (st) return sweep_usage("%s", err.msg);
  w->n_axes++;
  return 0;
}

static int parse_sweep(int argc, char **argv, sweep *w) {
  cli_opts o = {.on_set = sweep_axis_add, .set_ctx = w};
  int rc = cli_parse("sweep", usage_sweep, CLI_OUT | CLI_DB | CLI_JSON | CLI_QUIET, argc, argv,
                     &o);
  if (rc) return rc;
  w->db_path = o.db;
  w->dir = o.out;
  w->json = o.json;
  w->quiet = o.quiet;
  w->scenario = o.scenario;
  if (!w->db_path) return sweep_usage("%s", "--db RESULTS.sqlite is required");
  if (w->n_axes == 0) return sweep_usage("%s", "nothing to sweep: give --set KEY=V1,V2,...");
  w->total = 1;
  for (size_t a = 0; a < w->n_axes; a++) {
    if (w->total > SWEEP_MAX_RUNS / w->axes[a].n)
      return sweep_usage("more than %s runs: split the sweep", "100000");
    w->total *= w->axes[a].n;
  }
  w->ov = nm_calloc(w->n_axes, sizeof *w->ov);
  if (!w->ov) return sweep_usage("%s", "out of memory");
  return 0;
}

/* Every combination loads: bad input is found before any run. */
static int sweep_validate(sweep *w) {
  char combo[1024];
  for (size_t i = 0; i < w->total; i++) {
    combination(w, i);
    nmsim_err err = {0};
    nmsim_scenario *scn = NULL;
    nmsim_status st = nmsim_scenario_load(w->scenario, w->ov, w->n_axes, &scn, &err);
    nmsim_scenario_destroy(scn);
    if (st) {
      combo_text(w, combo, sizeof combo);
      fprintf(stderr, "nmsim sweep: run %zu of %zu (%s): %s\n", i + 1, w->total, combo,
              err.msg[0] ? err.msg : nmsim_strerror(st));
      return cli_exit_code(st);
    }
  }
  return 0;
}

/* Run combination i, record it, and say how it went. Returns 0, 1 (the run
 * failed, recorded) or 2 (it could not be recorded). */
/* sweep_one: the run could not be recorded (the sweep exits 1) */
#define SWEEP_NOT_RECORDED 3

static int sweep_one(sweep *w, size_t i, rdb *db, const char *sweep_id) {
  char combo[1024], file[4096], start[32], stem[256];
  combination(w, i);
  combo_text(w, combo, sizeof combo);
  nmsim_err err = {0}, rerr = {0};
  nmsim_scenario *scn = NULL;
  nmsim_status st = nmsim_scenario_load(w->scenario, w->ov, w->n_axes, &scn, &err);
  if (st) {
    fprintf(stderr, "nmsim sweep: run %zu (%s): %s\n", i + 1, combo, err.msg);
    return cli_exit_code(st);
  }
  if (w->dir) {
    int digits = snprintf(NULL, 0, "%zu", w->total);
    stem_of(w->scenario, stem, sizeof stem);
    /* the sweep's id in the name: two sweeps into one DIR, at once or one
     * after the other, never write over each other's runs */
    char id[64];
    size_t k = 0;
    for (const char *c = sweep_id; *c && k + 1 < sizeof id; c++)
      if (*c != ':') id[k++] = *c;
    id[k] = 0;
    snprintf(file, sizeof file, "%s/%s-%s-%0*zu.h5", w->dir, stem, id, digits, i + 1);
  }
  char *params = rdb_params_json(w->ov, w->n_axes);
  run_summary sum;
  memset(&sum, 0, sizeof sum);
  run_opts ro = {.h5_path = w->dir ? file : NULL,
                 .progress = !w->quiet && isatty(2),
                 .overrides_json = params};
  run_utc(start);
  double t0 = run_now();
  nmsim_status rst = params ? run_scenario(scn, &ro, &sum, &rerr) : NMSIM_ENOMEM;
  double wall = run_now() - t0;
  int64_t id = 0;
  st = params ? run_record(db, scn, params, sweep_id, ro.h5_path, start, wall, rst, &rerr, &sum,
                           &id, &err)
              : NMSIM_ERR(&err, NMSIM_ENOMEM, "out of memory");
  int rc = 0;
  if (st) {
    /* the row could not be written (a full disk): a failed write, exit 1 */
    fprintf(stderr, "nmsim sweep: run %zu (%s): %s\n", i + 1, combo, err.msg);
    rc = SWEEP_NOT_RECORDED;
  } else if (rst) {
    fprintf(stderr, "nmsim sweep: run %zu of %zu (%s) failed (recorded as run %lld): %s\n",
            i + 1, w->total, combo, (long long)id, rerr.msg[0] ? rerr.msg : nmsim_strerror(rst));
    rc = 1;
  } else if (!w->quiet) {
    static const char *const eu[] = {"pJ", "nJ", "uJ", "mJ", "J"}, *const tu[] = {"ns", "us", "ms", "s"};
    char e[32], t[32];
    fmt_scaled(e, sizeof e, sum.total_pj, eu, NM_ARRAY_LEN(eu));
    fmt_scaled(t, sizeof t, sum.step_mean_ps / NMSIM_PS_PER_NS, tu, NM_ARRAY_LEN(tu));
    fprintf(stderr, "[%zu/%zu] %s: %s, energy %s, step mean %s, %.2f s (run %lld%s%s)\n",
            i + 1, w->total, combo, sum.status, e, t, wall, (long long)id,
            ro.h5_path ? ", " : "", ro.h5_path ? ro.h5_path : "");
  }
  run_summary_clear(&sum);
  nm_free(params);
  nmsim_scenario_destroy(scn);
  return rc;
}

int cli_sweep(int argc, char **argv) {
  sweep w = {0};
  rdb *db = NULL;
  int rc = parse_sweep(argc, argv, &w);
  if (rc) goto done;
  if ((rc = sweep_validate(&w))) goto done;
  if (w.dir && mkdir(w.dir, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "nmsim sweep: %s: cannot create the output folder: %s\n", w.dir,
            strerror(errno));
    rc = 2;
    goto done;
  }
  nmsim_err err = {0};
  nmsim_status st = rdb_open(w.db_path, &db, &err);
  if (st) {
    fprintf(stderr, "nmsim sweep: %s\n", err.msg);
    rc = cli_exit_code(st);
    goto done;
  }
  /* one id for the runs of this sweep: its start time and process */
  char sweep_id[64], when[32];
  run_utc(when);
  snprintf(sweep_id, sizeof sweep_id, "%s-%ld", when, (long)getpid());
  if (!w.quiet)
    fprintf(stderr, "nmsim sweep: %zu runs into %s (sweep %s)\n", w.total, w.db_path, sweep_id);
  nm_interrupt_catch(); /* Ctrl-C ends the current run at a step, recorded */
  size_t recorded = 0;
  for (size_t i = 0; i < w.total; i++) {
    int one = sweep_one(&w, i, db, sweep_id);
    if (one == 2) {
      rc = 2;
      goto done;
    }
    recorded += one != SWEEP_NOT_RECORDED;
    if (one) rc = 1;
    if (nm_interrupted()) {
      fprintf(stderr, "nmsim sweep: interrupted by %s during run %zu of %zu; runs 1 to %zu are "
                      "recorded in %s (sweep %s)\n",
              nm_interrupt_name(nm_interrupted()), i + 1, w.total, i + 1, w.db_path, sweep_id);
      rc = 128 + nm_interrupted();
      goto done;
    }
  }
  rdb_close(db);
  db = NULL;
  if (recorded && (st = dbreport(stdout, w.db_path, sweep_id, w.json, &err))) {
    fprintf(stderr, "nmsim sweep: %s\n", err.msg);
    rc = cli_exit_code(st);
  }
  /* a failed write to stdout: main says so and exits 1 */
done:
  rdb_close(db);
  for (size_t a = 0; a < w.n_axes; a++) cli_free_values(w.axes[a].values, w.axes[a].n);
  nm_free(w.axes);
  nm_free(w.ov);
  return rc < 0 ? 0 : rc;
}
