/* test_plot.c: analysis/plot.py on real outputs: every kind of plot of a
 * small run as a valid PNG, the message when a run file lacks /links, and
 * the metric-against-parameter plot of a sweep's database. */
#include <criterion/criterion.h>
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
   * latency and the state traces of a finished run, each a valid PNG, and
   * lists them on stdout. */
  TMP(h5, "plot", ".h5");
  TMP(dir, "plots", "");
  char args[2048], *out = NULL, *err = NULL;
  snprintf(args, sizeof args, "run %s -o %s --quiet", TINY, h5);
  cr_assert_eq(nmsim(args, NULL, NULL), 0, "run");
  snprintf(args, sizeof args, "%s %s %s -o %s", NMSIM_PYTHON, PLOT, h5, dir);
  int rc = tu_run(args, &out, &err);
  cr_assert_eq(rc, 0, "plot.py: exit %d, expected 0; stderr: %s", rc, err);
  static const char *const kinds[] = {"raster", "energy_category", "energy_core", "links",
                                      "step_latency", "packet_latency", "traces"};
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
