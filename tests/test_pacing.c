/* test_pacing.c: pacing (engine.pacing, a chip file's pacing) and the time
 * base of static energy, on micro-scenarios whose figures are worked out by
 * hand from the test chip (scenarios/chips/test.yaml: static power 1 mW) and
 * the presets. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/out/h5out.h"
#include "sim/system/run_int.h"
#include "tests_util.h"

/* A feed-forward micro network: 8 Poisson inputs onto 8 LIF neurons. */
static const char *const ff =
    "name: ff\nseed: 5\nchip: %s\nsteps: %d\n%s"
    "populations:\n"
    "  in: {size: 8, model: poisson, params: {rate: 300 Hz}}\n"
    "  out: {size: 8, model: lif}\n"
    "projections:\n"
    "  - {from: in, to: out, connector: all_to_all, weight: 0.5}\n";

/* Run the micro network on chip for steps with extra scenario text; the
 * status, and the summary in *sum (cleared by the caller) when it ran. */
static nmsim_status run_ff(const char *chip, int steps, const char *extra, run_summary *sum,
                           nmsim_err *err) {
  char text[2048];
  snprintf(text, sizeof text, ff, chip, steps, extra);
  nmsim_scenario *s = NULL;
  memset(sum, 0, sizeof *sum);
  nmsim_status rc = nmsim_scenario_load_string("ff.yaml", text, NULL, 0, &s, err);
  if (rc == NMSIM_OK) {
    run_opts o = {.h5_path = NULL};
    rc = run_scenario(s, &o, sum, err);
  }
  nmsim_scenario_destroy(s);
  return rc;
}

#define RUN_OK(chip, steps, extra, sum)                                          \
  do {                                                                          \
    nmsim_err e_ = {0};                                                         \
    nmsim_status rc_ = run_ff((chip), (steps), (extra), (sum), &e_);            \
    cr_assert_eq(rc_, NMSIM_OK, "%s %s: %s", (chip), (extra), e_.msg);          \
  } while (0)

/* Fast pacing (the Loihi-like default): static power over the time the chip
 * computes. Real time at 1 ms: every step starts on its millisecond, the
 * hardware time is steps x 1 ms exactly, static energy 1 mW x 20 ms = 20 uJ,
 * and nothing else changes (same spikes, same dynamic energy, same time
 * computing). */
Test(pacing, fast_and_real_time_on_a_barrier_chip) {
  run_summary f, r;
  RUN_OK("test", 20, "", &f);
  cr_assert_str_eq(f.pacing, "fast");
  cr_assert_str_eq(f.pacing_from, "the chip's");
  cr_assert_eq(f.hw_time_ps, f.busy_ps, "fast: the chip computes all the time");
  cr_assert_float_eq(f.static_pj, 1.0 * (double)f.hw_time_ps * 1e-3, 1e-9);
  RUN_OK("test", 20, "engine: {pacing: {realtime: 1 ms}}\n", &r);
  cr_assert_str_eq(r.pacing, "realtime");
  cr_assert_str_eq(r.pacing_from, "engine.pacing");
  cr_assert_eq(r.pacing_ps, 1000000000ull);
  cr_assert_eq(r.hw_time_ps, 20ull * 1000000000ull, "hw time %llu ps",
               (unsigned long long)r.hw_time_ps);
  cr_assert_float_eq(r.static_pj, 2e7, 1e-3, "1 mW x 20 ms = 20 uJ, got %g pJ", r.static_pj);
  cr_assert_eq(r.busy_ps, f.busy_ps, "pacing changed the work: %llu vs %llu ps",
               (unsigned long long)r.busy_ps, (unsigned long long)f.busy_ps);
  cr_assert_eq(r.spikes, f.spikes);
  cr_assert_float_eq(r.dynamic_pj, f.dynamic_pj, 1e-9);
  cr_assert_eq(r.tick_overruns, 0u);
  /* a window is a millisecond: its static share is 1 mW x 1 ms = 1 uJ */
  cr_assert(r.window_max_pj >= 1e6 && r.power_max_mw >= 1.0, "window %g pJ, %g mW",
            r.window_max_pj, r.power_max_mw);
  run_summary_clear(&f);
  run_summary_clear(&r);
}

/* A period shorter than a step's work: every step overruns, and the run is
 * as long as the fast one (no step waits). */
Test(pacing, overruns_on_a_barrier_chip) {
  run_summary f, r;
  RUN_OK("test", 20, "", &f);
  RUN_OK("test", 20, "engine: {pacing: {realtime: 1 ps}}\n", &r);
  cr_assert(f.step_min_ps > 1, "a step takes %llu ps", (unsigned long long)f.step_min_ps);
  cr_assert_eq(r.tick_overruns, 20u, "overruns: %llu", (unsigned long long)r.tick_overruns);
  cr_assert_eq(r.hw_time_ps, f.hw_time_ps);
  cr_assert_eq(r.spikes, f.spikes);
  run_summary_clear(&f);
  run_summary_clear(&r);
}

/* SpiNNaker 2: real time at its 1 ms tick by default; another period is its
 * tick (50 steps of 2 ms: 100 ms of static power at 250 mW = 25 mJ); fast
 * has no barrier to run with and is refused. The largest window's energy is
 * at least its static share (it was 0 on this chip). */
Test(pacing, spinnaker2_ticks_are_its_pacing) {
  run_summary d, r;
  RUN_OK("spinnaker2", 50, "", &d);
  cr_assert_str_eq(d.pacing, "realtime");
  cr_assert_eq(d.pacing_ps, 1000000000ull);
  cr_assert_eq(d.hw_time_ps, 50ull * 1000000000ull);
  cr_assert(d.window_max_pj >= 250.0 * 1e9 * 1e-3, "window max %g pJ", d.window_max_pj);
  /* the PEs compute for part of each tick and idle the rest */
  cr_assert(d.busy_ps > 0 && d.busy_ps < d.hw_time_ps / 2, "computing %llu of %llu ps",
            (unsigned long long)d.busy_ps, (unsigned long long)d.hw_time_ps);
  cr_assert_float_eq(d.step_mean_ps, 1e9, 1e-9 * 1e9, "a step is a 1 ms tick: %g ps",
                     d.step_mean_ps);
  RUN_OK("spinnaker2", 50, "engine: {pacing: {realtime: 2 ms}}\n", &r);
  cr_assert_eq(r.hw_time_ps, 50ull * 2000000000ull, "hw %llu", (unsigned long long)r.hw_time_ps);
  cr_assert_float_eq(r.static_pj, 250.0 * 100e9 * 1e-3, 1e-3, "static %g pJ", r.static_pj);
  cr_assert_eq(r.spikes, d.spikes);
  run_summary_clear(&d);
  run_summary_clear(&r);
  nmsim_err err = {0};
  nmsim_status rc = run_ff("spinnaker2", 5, "engine: {pacing: fast}\n", &r, &err);
  cr_assert(rc == NMSIM_EINPUT && strstr(err.msg, "engine.pacing fast: chip 'spinnaker2' "
                                                  "(core_kind spinnaker2) runs on timer ticks"),
            "%s", err.msg);
  run_summary_clear(&r);
  /* a tick of 1 us is shorter than a tick's work: the PEs overrun */
  RUN_OK("spinnaker2", 20, "engine: {pacing: {realtime: 1 us}}\n", &r);
  cr_assert_gt(r.tick_overruns, 0u);
  run_summary_clear(&r);
}

/* PEs that overrun their ticks by different amounts (the EGRU case at a 1 ms
 * tick, where its busiest PEs need 1.44 ms) overlap one tick's work with the
 * next's: the chip computes for no more than the run's hardware time, each
 * instant counted once. */
Test(pacing, overlapping_ticks_count_once, .timeout = 120) {
  char cmd[1024], *out = NULL, *err = NULL;
  snprintf(cmd, sizeof cmd, "%s run %s/scenarios/cases/egru_spinnaker2/scenario.yaml --set "
           "steps=130 --set 'engine.pacing={realtime: 1 ms}' --json --quiet", NMSIM_BINARY,
           NMSIM_SOURCE_DIR);
  cr_assert_eq(tu_run(cmd, &out, &err), 0, "%s", err);
  const char *ov = strstr(out, "\"overruns\""), *pb = strstr(out, "\"busy_ns\""),
             *lt = strstr(out, "\"latency_ns\"");
  cr_assert(ov && pb && lt, "%s", out);
  double busy = strtod(strchr(pb, ':') + 1, NULL);
  double hw = strtod(strchr(strstr(lt, "\"total\""), ':') + 1, NULL);
  cr_assert(busy > 0.9 * hw && busy <= hw, "computing %.0f of %.0f ns", busy, hw);
  free(out);
  free(err);
}

/* Bad pacing values are refused, located; recording needs a recording. */
Test(pacing, bad_values) {
  static const struct {
    const char *extra, *msg;
  } bad[] = {
      {"engine: {pacing: slow}\n", "engine.pacing: expected fast, recording or {realtime: "
                                   "PERIOD}, got 'slow'"},
      {"engine: {pacing: {realtime: 0 ms}}\n", "engine.pacing.realtime: expected a period > 0"},
      {"engine: {pacing: {realtime: 2 kg}}\n", "engine.pacing.realtime"},
      {"engine: {pacing: {every: 1 ms}}\n", "every"},
      {"engine: {pacing: recording}\n", "engine.pacing recording: no population replays a "
                                        "recording"},
      {"engine: {pacing: {realtime: 1000 s}}\n", "days of hardware time"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    run_summary r;
    nmsim_err err = {0};
    nmsim_status rc = run_ff("test", i + 1 == sizeof bad / sizeof bad[0] ? 1000000 : 5,
                             bad[i].extra, &r, &err);
    cr_assert(rc == NMSIM_EINPUT && strstr(err.msg, bad[i].msg), "%s: %s (%s)", bad[i].extra,
              err.msg, nmsim_status_name(rc));
    run_summary_clear(&r);
  }
}

/* A chip file states its pacing; a chip on ticks cannot run fast or at a
 * period other than its tick. */
Test(pacing, chip_file) {
  const char *base = NMSIM_SOURCE_DIR "/scenarios/chips/";
  static const struct {
    const char *preset, *line, *msg;
  } cases[] = {
      {"test", "pacing: {realtime: 3 ms}\n", NULL},
      {"spinnaker2", "pacing: fast\n", "core_kind spinnaker2 runs on timer ticks"},
      {"spinnaker2", "pacing: {realtime: 2 ms}\n", "the real-time period of core_kind "
                                                    "spinnaker2 is its pe.tick (1 ms here)"},
      {"truenorth", "pacing: fast\n", "core_kind truenorth runs on timer ticks, with no "
                                       "barrier to run fast: its pacing is real time at its "
                                       "tick"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char src[512], *text, path[600];
    snprintf(src, sizeof src, "%s%s.yaml", base, cases[i].preset);
    size_t len;
    text = tu_read(src, &len);
    cr_assert(text, "%s", src);
    /* drop the preset's own pacing line, then add the case's */
    char *own = strstr(text, "\npacing:");
    if (own) {
      char *eol = strchr(own + 1, '\n');
      memmove(own + 1, eol ? eol + 1 : own + strlen(own), strlen(eol ? eol + 1 : "") + 1);
    }
    snprintf(path, sizeof path, "%s", tu_tmp("chip", ".yaml"));
    FILE *f = fopen(path, "w");
    fprintf(f, "%s%s", text, cases[i].line);
    fclose(f);
    free(text);
    run_summary r;
    nmsim_err err = {0};
    nmsim_status rc = run_ff(path, 3, "", &r, &err);
    if (!cases[i].msg) {
      cr_assert_eq(rc, NMSIM_OK, "%s: %s", cases[i].line, err.msg);
      cr_assert_str_eq(r.pacing, "realtime");
      cr_assert_str_eq(r.pacing_from, "the chip's");
      cr_assert_eq(r.hw_time_ps, 3u * r.pacing_ps);
    } else {
      cr_assert(rc == NMSIM_EINPUT && strstr(err.msg, cases[i].msg), "%s: %s", cases[i].line,
                err.msg);
    }
    run_summary_clear(&r);
    remove(path);
  }
}

/* Functional mode models no hardware time: no pacing, no static energy. */
Test(pacing, functional_mode_has_none) {
  run_summary r;
  RUN_OK("test", 5, "engine: {mode: functional, pacing: {realtime: 1 ms}}\n", &r);
  cr_assert(r.pacing == NULL, "pacing '%s' in functional mode", r.pacing);
  cr_assert_eq(r.hw_time_ps, 0u);
  cr_assert_float_eq(r.static_pj, 0.0, 1e-12);
  run_summary_clear(&r);
}

/* ---- what the outputs say ------------------------------------------------ */

static char *nmsim_out(const char *args, int *rc) {
  char cmd[8192], *out = NULL;
  snprintf(cmd, sizeof cmd, "%s %s", NMSIM_BINARY, args);
  *rc = tu_run(cmd, &out, NULL);
  return out;
}

/* The micro network on the test chip for steps, written to a new file. */
static void ff_file(char *path, size_t n, const char *tag, int steps) {
  char text[2048];
  snprintf(path, n, "%s", tu_tmp(tag, ".yaml"));
  snprintf(text, sizeof text, ff, "test", steps, "");
  cr_assert_eq(tu_write(path, text), 0);
}

/* The text and JSON reports say which pacing and time base a run used; in
 * functional mode the figures of hardware time read "not modelled" in the
 * text and are absent from the JSON (never 0); the database stores them as
 * NULL and compares timed runs only with timed runs. */
Test(pacing_outputs, report_json_and_database) {
  char scn[512], db[512], h5[512], args[2400];
  ff_file(scn, sizeof scn, "ff", 20);
  snprintf(db, sizeof db, "%s", tu_tmp("ff", ".sqlite"));
  snprintf(h5, sizeof h5, "%s", tu_tmp("ff", ".h5"));
  int rc;
  snprintf(args, sizeof args, "run %s --quiet -o %s --db %s --set 'engine.pacing={realtime: 1 ms}'",
           scn, h5, db);
  char *out = nmsim_out(args, &rc);
  cr_assert(rc == 0 && strstr(out, "pacing     real time: a step every 1 ms (engine.pacing)") &&
                strstr(out, "time base  20 ms of hardware time") &&
                strstr(out, "static (1 mW over 20 ms, paced)"),
            "rc %d: %s", rc, out);
  free(out);
  snprintf(args, sizeof args, "report %s --json", h5);
  out = nmsim_out(args, &rc);
  cr_assert(rc == 0 && strstr(out, "\"pacing\": {") && strstr(out, "\"mode\": \"realtime\"") &&
                strstr(out, "\"period_ns\": 1000000") && strstr(out, "\"power_mw\": {"),
            "%s", out);
  free(out);
  snprintf(args, sizeof args, "run %s --quiet -o %s --db %s --set engine.mode=functional", scn,
           h5, db);
  out = nmsim_out(args, &rc);
  cr_assert(rc == 0 && strstr(out, "pacing     not modelled (functional mode has no hardware "
                                   "time)") &&
                strstr(out, "not modelled: functional mode has no hardware time") &&
                strstr(out, "total (dynamic only)"),
            "%s", out);
  free(out);
  snprintf(args, sizeof args, "report %s --json", h5);
  out = nmsim_out(args, &rc);
  cr_assert(rc == 0 && !strstr(out, "latency_ns") && !strstr(out, "\"static\"") &&
                !strstr(out, "\"pacing\""),
            "functional JSON has figures of hardware time: %s", out);
  free(out);
  snprintf(args, sizeof args, "run %s --quiet -o %s --db %s", scn, h5, db);
  out = nmsim_out(args, &rc);
  free(out);
  snprintf(args, sizeof args, "report --db %s", db);
  out = nmsim_out(args, &rc);
  cr_assert(rc == 0 && strstr(out, "compared: the 2 timed runs (the 1 functional or network "
                                   "runs have no static energy or hardware time)"),
            "%s", out);
  free(out);
  snprintf(args, sizeof args, "report --db %s --json", db);
  out = nmsim_out(args, &rc);
  cr_assert(rc == 0, "%s", out);
  free(out);
  remove(scn), remove(h5), remove(db);
}

/* The line of text that starts with start, into buf. */
static void line_of(const char *text, const char *start, char *buf, size_t n) {
  const char *p = strstr(text, start);
  cr_assert(p, "no line '%s' in %s", start, text);
  const char *e = strchr(p, '\n');
  size_t len = e ? (size_t)(e - p) : strlen(p);
  snprintf(buf, n, "%.*s ", (int)len, p);
}

/* nmsim report A.h5 B.h5 C.h5: the runs side by side with ratios to the
 * first; the same spikes and dynamic energy read x1, the real-time run's
 * hardware time is its 20 ms against the fast run's, a functional run's
 * static energy reads "not modelled", and a note says the pacings differ. */
Test(pacing_outputs, runs_side_by_side) {
  char scn[512], h5[3][512], args[2400];
  ff_file(scn, sizeof scn, "cmp", 20);
  static const char *const sets[] = {"", "--set 'engine.pacing={realtime: 1 ms}'",
                                     "--set engine.mode=functional"};
  int rc;
  for (int k = 0; k < 3; k++) {
    snprintf(h5[k], sizeof h5[k], "%s", tu_tmp("cmp", ".h5"));
    snprintf(args, sizeof args, "run %s --quiet -o %s %s", scn, h5[k], sets[k]);
    free(nmsim_out(args, &rc));
    cr_assert_eq(rc, 0, "%s", args);
  }
  snprintf(args, sizeof args, "report %s %s %s", h5[0], h5[1], h5[2]);
  char *out = nmsim_out(args, &rc);
  cr_assert(rc == 0 && strstr(out, "nmsim comparison of 3 runs (ratios to the first)"), "%s",
            out);
  char dyn[512], st[512], sp[512];
  line_of(out, "  energy, dynamic ", dyn, sizeof dyn);
  line_of(out, "  energy, static ", st, sizeof st);
  line_of(out, "  spikes ", sp, sizeof sp);
  /* run 2 (real time) has run 1's dynamic energy and spikes: x1 */
  cr_assert(strstr(dyn, " x1 "), "dynamic energy is not x1: %s", dyn);
  cr_assert(strstr(sp, " x1 "), "spikes are not x1: %s", sp);
  cr_assert(strstr(st, "not modelled"), "functional static energy: %s", st);
  cr_assert(strstr(out, "note: the runs are paced differently"), "%s", out);
  free(out);
  /* the JSON ratios are the ratios of the runs' own figures */
  snprintf(args, sizeof args, "report %s %s --json", h5[0], h5[1]);
  out = nmsim_out(args, &rc);
  cr_assert_eq(rc, 0);
  run_summary a, b;
  nmsim_err err = {0};
  cr_assert_eq(h5o_read_summary(h5[0], &a, &err), NMSIM_OK, "%s", err.msg);
  cr_assert_eq(h5o_read_summary(h5[1], &b, &err), NMSIM_OK, "%s", err.msg);
  const char *last = NULL;
  for (const char *p = out; (p = strstr(p, "\"hw_time\": ")); p++) last = p;
  cr_assert(last, "%s", out);
  double got = strtod(last + strlen("\"hw_time\": "), NULL);
  double want = (double)b.hw_time_ps / (double)a.hw_time_ps;
  cr_assert(fabs(got - want) <= 1e-12 * want, "hw_time ratio %.17g, expected %.17g", got, want);
  cr_assert(strstr(out, "\"spikes\": 1,") || strstr(out, "\"spikes\": 1\n"), "%s", out);
  run_summary_clear(&a);
  run_summary_clear(&b);
  free(out);
  remove(scn);
  for (int k = 0; k < 3; k++) remove(h5[k]);
}

/* ---- power states ------------------------------------------------------- */

/* The test chip with static_power given as parts, in a temporary file. */
static void chip_with_static(const char *line, char *path, size_t n) {
  size_t len;
  char *text = tu_read(NMSIM_SOURCE_DIR "/scenarios/chips/test.yaml", &len);
  cr_assert(text);
  char *own = strstr(text, "\nstatic_power:");
  cr_assert(own);
  char *eol = strchr(own + 1, '\n');
  memmove(own + 1, eol + 1, strlen(eol + 1) + 1);
  snprintf(path, n, "%s", tu_tmp("gchip", ".yaml"));
  FILE *f = fopen(path, "w");
  fprintf(f, "%s%s\n", text, line);
  fclose(f);
  free(text);
}

/* static_power as parts: with gating idle only the chips, tiles and cores
 * in use leak (2 mW + 1 mW a tile + 0.5 mW a core); with none every tile
 * (4) and core (8) of the test chip does: 2 + 4 + 4 = 10 mW. Static energy
 * is that power over the hardware time. */
Test(pacing, power_states) {
  char gated[512], all[512];
  chip_with_static("static_power: {chip: 2 mW, tile: 1 mW, core: 0.5 mW, gating: idle}", gated,
                   sizeof gated);
  chip_with_static("static_power: {chip: 2 mW, tile: 1 mW, core: 0.5 mW, gating: none}", all,
                   sizeof all);
  run_summary g, a;
  RUN_OK(gated, 10, "", &g);
  RUN_OK(all, 10, "", &a);
  double want = 2.0 + 1.0 * g.tiles_used + 0.5 * g.cores_used;
  cr_assert(g.cores_used >= 1 && g.cores_used < 8, "cores used %u", g.cores_used);
  cr_assert_float_eq(g.static_power_mw, want, 1e-12, "gated %g mW, expected %g",
                     g.static_power_mw, want);
  cr_assert_float_eq(a.static_power_mw, 10.0, 1e-12, "all %g mW", a.static_power_mw);
  cr_assert_float_eq(g.static_pj, want * (double)g.hw_time_ps * 1e-3, 1e-6 * g.static_pj);
  cr_assert_float_eq(a.static_pj, 10.0 * (double)a.hw_time_ps * 1e-3, 1e-6 * a.static_pj);
  cr_assert_eq(g.static_gated, 1u);
  cr_assert_float_eq(g.static_core_mw, 0.5, 1e-12);
  run_summary_clear(&g);
  run_summary_clear(&a);
  chip_with_static("static_power: {chip: 2 mW, gating: sometimes}", gated, sizeof gated);
  nmsim_err err = {0};
  nmsim_status rc = run_ff(gated, 3, "", &g, &err);
  cr_assert(rc == NMSIM_EINPUT && strstr(err.msg, "static_power.gating: expected none"), "%s",
            err.msg);
  run_summary_clear(&g);
  remove(gated), remove(all);
}

/* report --db over a sweep of chip: one chip column (the swept parameter),
 * a pacing column, the static share, and a note when the pacings differ. */
Test(pacing_outputs, database_of_a_chip_sweep) {
  char scn[512], db[512], dir[512], args[2400];
  ff_file(scn, sizeof scn, "sw", 10);
  snprintf(db, sizeof db, "%s", tu_tmp("sw", ".sqlite"));
  snprintf(dir, sizeof dir, "%s", tu_tmp("sw", ""));
  int rc;
  snprintf(args, sizeof args, "sweep %s --set chip=test,loihi --db %s -o %s", scn, db, dir);
  free(nmsim_out(args, &rc));
  cr_assert_eq(rc, 0, "%s", args);
  snprintf(args, sizeof args, "report --db %s", db);
  char *out = nmsim_out(args, &rc);
  char head[1024];
  line_of(out, "  id ", head, sizeof head);
  int chips = 0;
  for (const char *p = head; (p = strstr(p, " chip ")); p++) chips++;
  cr_assert(rc == 0 && chips == 1, "%d chip columns: %s", chips, head);
  cr_assert(strstr(head, " pacing ") && strstr(head, " static "), "%s", head);
  cr_assert(!strstr(out, "paced differently"), "%s", out);
  free(out);
  snprintf(args, sizeof args, "run %s --quiet --db %s -o %s/rt.h5 --set 'engine.pacing={realtime: "
           "1 ms}'", scn, db, dir);
  free(nmsim_out(args, &rc));
  snprintf(args, sizeof args, "report --db %s", db);
  out = nmsim_out(args, &rc);
  cr_assert(rc == 0 && strstr(out, "real time 1 ms") && strstr(out, "note: the runs are paced "
                                                                   "differently"),
            "%s", out);
  free(out);
  char cmd[2400];
  snprintf(cmd, sizeof cmd, "rm -rf %s %s %s", dir, db, scn);
  tu_run(cmd, NULL, NULL);
}

/* nmsim chips states each preset's pacing: Loihi fast, SpiNNaker 2 and
 * TrueNorth in real time at their 1 ms tick. */
Test(pacing_outputs, chips_list_their_pacing) {
  int rc;
  char *out = nmsim_out("chips --json", &rc);
  cr_assert(rc == 0 && strstr(out, "\"name\": \"loihi\""), "%s", out);
  const char *l = strstr(out, "\"name\": \"loihi\""), *s = strstr(out, "\"name\": \"spinnaker2\"");
  cr_assert(strstr(l, "\"pacing\": \"fast\"") && strstr(l, "\"pacing\": \"fast\"") < s, "%s", out);
  cr_assert(strstr(s, "\"pacing\": \"realtime\", \"pacing_ms\": 1,"), "%s", s);
  free(out);
  out = nmsim_out("chips", &rc);
  char line[256];
  line_of(out, "spinnaker2 ", line, sizeof line);
  cr_assert(strstr(line, "real time 1 ms"), "%s", line);
  free(out);
}
