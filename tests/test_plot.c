/* test_plot.c: analysis/plot.py on real outputs: every kind of plot of a
 * small run as a valid PNG, the message when a run file lacks /links, the
 * packet p99 as the report has it, and the metric-against-parameter plot of
 * a sweep's database (numeric or categorical x, mean and spread over seeds). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests_util.h"

/* A fresh temporary path in a local buffer (tu_tmp's own buffers are reused
 * by tu_run). */
#define TMP(var, tag, ext)   \
  char var[512];             \
  snprintf(var, sizeof var, "%s", tu_tmp(tag, ext))

#define TINY NMSIM_SOURCE_DIR "/tests/data/outputs_tiny.yaml"
#define PLOT NMSIM_SOURCE_DIR "/analysis/plot.py"

static int nmsim(const char *args, char **out, char **err) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "%s %s", NMSIM_BINARY, args);
  return tu_run(cmd, out, err);
}

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* path is a PNG: the signature, an IHDR chunk first with a plausible size,
 * and an IEND chunk last. */
static void expect_png(const char *path) {
  size_t n = 0;
  unsigned char *b = (unsigned char *)tu_read(path, &n);
  cr_assert(b != NULL, "%s was not written", path);
  static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  cr_assert(n > 33 && memcmp(b, sig, 8) == 0, "%s: no PNG signature (%zu bytes)", path, n);
  cr_assert(memcmp(b + 12, "IHDR", 4) == 0, "%s: first chunk is not IHDR", path);
  uint32_t w = be32(b + 16), h = be32(b + 20);
  cr_assert(w >= 200 && w <= 4000 && h >= 150 && h <= 4000, "%s: %u x %u pixels", path, w, h);
  cr_assert(n >= 12 && memcmp(b + n - 8, "IEND", 4) == 0, "%s: does not end with IEND", path);
  free(b);
}

Test(plot, every_kind_from_a_run) {
  /* Invariant: `plot.py RUN.h5 -o DIR` writes the raster, the energy by
   * category and by core, the NoC link heatmap, the step latency, the packet
   * latency, the state traces, the bottlenecks (step parts, critical cores),
   * the links per window, the mapping and (recorded) the timeline of a
   * finished run, each a valid PNG, and lists them on stdout. */
  TMP(h5, "plot", ".h5");
  TMP(dir, "plots", "");
  char args[2048], *out = NULL, *err = NULL;
  snprintf(args, sizeof args, "run %s -o %s --quiet --set 'record.timeline={steps: [10, 14]}'",
           TINY, h5);
  cr_assert_eq(nmsim(args, NULL, NULL), 0, "run");
  snprintf(args, sizeof args, "%s %s %s -o %s", NMSIM_PYTHON, PLOT, h5, dir);
  int rc = tu_run(args, &out, &err);
  cr_assert_eq(rc, 0, "plot.py: exit %d, expected 0; stderr: %s", rc, err);
  static const char *const kinds[] = {"raster",       "energy_category", "energy_core",
                                      "links",        "step_latency",    "packet_latency",
                                      "traces",       "bottlenecks",     "links_window",
                                      "mapping",      "timeline"};
  for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
    char p[700];
    snprintf(p, sizeof p, "%s/%s.png", dir, kinds[i]);
    cr_assert(strstr(out, p), "stdout does not list %s:\n%s", p, out);
    expect_png(p);
    remove(p);
  }
  free(out);
  free(err);
  remove(dir);
  remove(h5);
}

Test(plot, missing_links_are_reported) {
  /* Invariant: for a run file without /links (here: a run that failed, so
   * its end-of-run tables were never written), plot.py says that the link
   * heatmap and the per-core energy are absent, and still plots the rest. */
  TMP(h5, "plotf", ".h5");
  TMP(dir, "plotsf", "");
  char args[2048], *out = NULL, *err = NULL;
  snprintf(args, sizeof args, "run %s -o %s --set engine.max_events=40 --quiet", TINY, h5);
  cr_assert_eq(nmsim(args, NULL, NULL), 1, "the run fails");
  snprintf(args, sizeof args, "%s %s %s -o %s", NMSIM_PYTHON, PLOT, h5, dir);
  int rc = tu_run(args, &out, &err);
  cr_assert(rc == 0 && strstr(err, "no /links") && strstr(err, "links.png skipped") &&
                strstr(err, "energy_core.png skipped"),
            "plot.py: exit %d, stderr [%s]", rc, err);
  char p[700];
  snprintf(p, sizeof p, "%s/links.png", dir);
  cr_assert_null(fopen(p, "rb"), "links.png written without /links");
  snprintf(p, sizeof p, "%s/step_latency.png", dir);
  expect_png(p);
  remove(p);
  for (const char *k = "raster\0energy_category\0traces\0"; *k; k += strlen(k) + 1) {
    snprintf(p, sizeof p, "%s/%s.png", dir, k);
    remove(p);
  }
  free(out);
  free(err);
  remove(dir);
  remove(h5);
}

Test(plot, metric_against_parameter_from_db) {
  /* Invariant: `plot.py --db DB --x PARAM --y METRIC -o FILE.png` plots a
   * metric (a runs column, or rate_hz.<population>) against a swept
   * parameter as a valid PNG; an unknown metric or parameter exits non-zero
   * and says what it could not find. */
  TMP(db, "plotdb", ".sqlite");
  TMP(png, "sweep", ".png");
  char args[2048], *out = NULL, *err = NULL;
  snprintf(args, sizeof args,
           "sweep %s --set 'populations.input.params.rate=50 Hz,100 Hz,200 Hz' --set seed=1,2 "
           "--set steps=50 --db %s --quiet",
           TINY, db);
  cr_assert_eq(nmsim(args, NULL, NULL), 0, "sweep");
  static const char *const metrics[] = {"energy_total_pj", "rate_hz.exc", "step_mean_ns"};
  for (size_t i = 0; i < sizeof metrics / sizeof *metrics; i++) {
    snprintf(args, sizeof args, "%s %s --db %s --x populations.input.params.rate --y %s -o %s",
             NMSIM_PYTHON, PLOT, db, metrics[i], png);
    int rc = tu_run(args, &out, &err);
    cr_assert_eq(rc, 0, "--y %s: exit %d, stderr: %s", metrics[i], rc, err);
    expect_png(png);
    remove(png);
    free(out);
    free(err);
  }
  snprintf(args, sizeof args, "%s %s --db %s --x seed --y no_such_metric -o %s", NMSIM_PYTHON,
           PLOT, db, png);
  int rc = tu_run(args, NULL, &err);
  cr_assert(rc != 0 && strstr(err, "no_such_metric") && strstr(err, "energy_total_pj"),
            "unknown metric: exit %d, stderr %s", rc, err);
  free(err);
  snprintf(args, sizeof args, "%s %s --db %s --x no_such_param --y spikes -o %s", NMSIM_PYTHON,
           PLOT, db, png);
  rc = tu_run(args, NULL, &err);
  cr_assert(rc != 0 && strstr(err, "no_such_param"), "unknown parameter: exit %d, stderr %s",
            rc, err);
  free(err);
  char p[600];
  remove(db);
  snprintf(p, sizeof p, "%s-wal", db);
  remove(p);
  snprintf(p, sizeof p, "%s-shm", db);
  remove(p);
}

/* Remove a results database and its WAL files. */
static void remove_db(const char *db) {
  char p[600];
  remove(db);
  snprintf(p, sizeof p, "%s-wal", db);
  remove(p);
  snprintf(p, sizeof p, "%s-shm", db);
  remove(p);
}

/* One point of a --csv file: series, x, runs, mean, low, high. */
typedef struct csv_point {
  char series[128], x[128];
  int runs;
  double mean, low, high;
} csv_point;

/* Read the points of the --csv file path (after its header) into p[max];
 * returns how many. Fields hold no commas here (one series, plain x). */
static int read_points(const char *path, const char *header, csv_point *p, int max) {
  char *t = tu_read(path, NULL);
  cr_assert(t != NULL, "%s was not written", path);
  cr_assert(strncmp(t, header, strlen(header)) == 0, "%s: header is not '%s':\n%s", path, header,
            t);
  int n = 0;
  for (char *line = strtok(t + strlen(header), "\r\n"); line && n < max;
       line = strtok(NULL, "\r\n"), n++) {
    csv_point *q = &p[n];
    memset(q, 0, sizeof *q);
    char *f[6] = {0};
    int k = 0;
    for (char *c = line; k < 6; k++) {
      f[k] = c;
      char *e = strchr(c, ',');
      if (!e) break;
      *e = 0;
      c = e + 1;
    }
    cr_assert(k == 5, "%s: line %d has %d fields", path, n + 1, k + 1);
    snprintf(q->series, sizeof q->series, "%s", f[0]);
    snprintf(q->x, sizeof q->x, "%s", f[1]);
    q->runs = atoi(f[2]);
    q->mean = strtod(f[3], NULL);
    q->low = strtod(f[4], NULL);
    q->high = strtod(f[5], NULL);
  }
  free(t);
  return n;
}

Test(plot, categorical_x_logy_mean_and_spread_over_seeds) {
  /* Invariant: `plot.py --db DB --x chip --y METRIC --logy` takes a text
   * column as a categorical x and draws, for each chip, the mean of the runs
   * over the seeds with their spread (not one line per seed): a valid PNG,
   * and --csv lists one point per chip in the order of the runs, each over
   * both seeds, low <= mean <= high; min-max by default (with two seeds the
   * mean is midway), one standard deviation about the mean with --spread std. */
  TMP(db, "plotcat", ".sqlite");
  TMP(png, "chips", ".png");
  TMP(csv, "chips", ".csv");
  char args[2048], *err = NULL;
  snprintf(args, sizeof args,
           "sweep %s --set chip=test,loihi --set seed=1,2 --set steps=20 --db %s --quiet", TINY,
           db);
  cr_assert_eq(nmsim(args, NULL, NULL), 0, "sweep");
  for (int std = 0; std <= 1; std++) {
    snprintf(args, sizeof args,
             "%s %s --db %s --x chip --y energy_total_pj --logy%s -o %s --csv %s", NMSIM_PYTHON,
             PLOT, db, std ? " --spread std" : "", png, csv);
    int rc = tu_run(args, NULL, &err);
    cr_assert_eq(rc, 0, "--x chip --logy%s: exit %d, stderr: %s", std ? " --spread std" : "", rc,
                 err);
    free(err);
    expect_png(png);
    csv_point p[8];
    int n = read_points(csv, "series,chip,runs,mean,low,high", p, 8);
    cr_assert_eq(n, 2, "%d points, expected one per chip (test, loihi)", n);
    cr_assert(strcmp(p[0].x, "test") == 0 && strcmp(p[1].x, "loihi") == 0,
              "chips '%s', '%s', expected 'test', 'loihi'", p[0].x, p[1].x);
    for (int i = 0; i < n; i++) {
      cr_assert_eq(p[i].runs, 2, "%s: mean over %d runs, expected the 2 seeds", p[i].x,
                   p[i].runs);
      cr_assert(p[i].low <= p[i].mean && p[i].mean <= p[i].high && p[i].mean > 0,
                "%s: mean %g, spread %g to %g", p[i].x, p[i].mean, p[i].low, p[i].high);
      double mid = (p[i].low + p[i].high) / 2, tol = 1e-9 * p[i].mean;
      if (!std)
        cr_assert(fabs(p[i].mean - mid) <= tol, "%s: mean %.17g, min-max midpoint %.17g",
                  p[i].x, p[i].mean, mid);
      else
        cr_assert(fabs(p[i].mean - mid) <= tol && p[i].high > p[i].low,
                  "%s: mean %.17g, band %.17g to %.17g is not one deviation either side",
                  p[i].x, p[i].mean, p[i].low, p[i].high);
    }
    cr_assert(p[1].mean > p[0].mean, "loihi %g pJ, test chip %g pJ", p[1].mean, p[0].mean);
    remove(png);
    remove(csv);
  }
  remove_db(db);
}

Test(plot, numeric_x_mean_and_band_over_seeds) {
  /* Invariant: with a numeric swept parameter as x, the runs of each value
   * over the seeds become one point (their mean, with a band), one series in
   * all rather than a line per seed, in increasing x. */
  TMP(db, "plotnum", ".sqlite");
  TMP(png, "rates", ".png");
  TMP(csv, "rates", ".csv");
  char args[2048], *err = NULL;
  snprintf(args, sizeof args,
           "sweep %s --set 'populations.input.params.rate=200 Hz,50 Hz' --set seed=1,2,3 "
           "--set steps=20 --db %s --quiet",
           TINY, db);
  cr_assert_eq(nmsim(args, NULL, NULL), 0, "sweep");
  snprintf(args, sizeof args,
           "%s %s --db %s --x populations.input.params.rate --y spikes -o %s --csv %s",
           NMSIM_PYTHON, PLOT, db, png, csv);
  int rc = tu_run(args, NULL, &err);
  cr_assert_eq(rc, 0, "exit %d, stderr: %s", rc, err);
  free(err);
  expect_png(png);
  csv_point p[8];
  int n = read_points(csv, "series,populations.input.params.rate,runs,mean,low,high", p, 8);
  cr_assert_eq(n, 2, "%d points, expected one per rate", n);
  cr_assert(strtod(p[0].x, NULL) == 50 && strtod(p[1].x, NULL) == 200, "x %s, %s", p[0].x,
            p[1].x);
  for (int i = 0; i < n; i++)
    cr_assert(p[i].series[0] == 0 && p[i].runs == 3 && p[i].low <= p[i].mean &&
                  p[i].mean <= p[i].high,
              "rate %s: series '%s', %d runs, mean %g, %g to %g", p[i].x, p[i].series, p[i].runs,
              p[i].mean, p[i].low, p[i].high);
  remove(png);
  remove(csv);
  remove_db(db);
}

Test(plot, packet_p99_as_the_report) {
  /* Invariant: the p99 that plot.py marks on the packet latency histogram is
   * the report's packet p99 exactly (`nmsim report --json`), also when
   * latencies span 100 ns to tens of us, and the histogram is drawn. */
  TMP(yaml, "congested", ".yaml");
  TMP(h5, "congested", ".h5");
  TMP(dir, "congplots", "");
  cr_assert_eq(tu_write(yaml, tu_congested), 0);
  char args[2048], *out = NULL, *err = NULL;
  snprintf(args, sizeof args, "run %s -o %s --quiet", yaml, h5);
  cr_assert_eq(nmsim(args, NULL, NULL), 0, "run");
  snprintf(args, sizeof args, "report %s --json", h5);
  cr_assert_eq(nmsim(args, &out, NULL), 0, "report");
  const char *q = strstr(out, "\"latency_ns\"");
  q = q ? strstr(q, "\"packet\"") : NULL;
  q = q ? strstr(q, "\"p99\"") : NULL;
  q = q ? strchr(q, ':') : NULL;
  cr_assert(q != NULL, "no latency_ns.packet.p99 in:\n%s", out);
  double report_ns = strtod(q + 1, NULL);
  free(out);
  snprintf(args, sizeof args,
           "%s -c 'import sys; sys.path.insert(0, \"%s/analysis\"); import h5py, plot; "
           "print(repr(float(plot.packet_p99_ps(*plot.packet_latency(h5py.File(sys.argv[1]))))))' "
           "%s",
           NMSIM_PYTHON, NMSIM_SOURCE_DIR, h5);
  int rc = tu_run(args, &out, &err);
  cr_assert_eq(rc, 0, "plot.packet_p99_ps: exit %d, stderr: %s", rc, err);
  double plot_ps = strtod(out, NULL);
  cr_assert(report_ns > 10000 && plot_ps / 1000 == report_ns,
            "plot.py p99 %.17g ns, report %.17g ns", plot_ps / 1000, report_ns);
  free(out);
  free(err);
  snprintf(args, sizeof args, "%s %s %s -o %s", NMSIM_PYTHON, PLOT, h5, dir);
  rc = tu_run(args, &out, &err);
  cr_assert_eq(rc, 0, "plot.py: exit %d, stderr: %s", rc, err);
  char p[700];
  snprintf(p, sizeof p, "%s/packet_latency.png", dir);
  expect_png(p);
  static const char kinds[] = "packet_latency\0energy_category\0energy_core\0links\0"
                              "step_latency\0raster\0";
  for (const char *k = kinds; *k; k += strlen(k) + 1) {
    snprintf(p, sizeof p, "%s/%s.png", dir, k);
    remove(p);
  }
  free(out);
  free(err);
  remove(dir);
  remove(h5);
  remove(yaml);
}
