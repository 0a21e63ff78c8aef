/* test_outputs.c: the outputs of a real run, end to end: the run file read
 * with h5py alone against docs/hdf5-layout.md, a run killed with SIGKILL
 * (readable, "incomplete", reported), a failed run ("failed"), and the
 * progress line (on a terminal only, cleared, off with --quiet). */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/base/stats.h"
#include "tests_util.h"

/* A fresh temporary path in a local buffer (tu_tmp's own buffers are reused
 * by tu_run). */
#define TMP(var, tag, ext)   \
  char var[512];             \
  snprintf(var, sizeof var, "%s", tu_tmp(tag, ext))

#define QUICKSTART NMSIM_SOURCE_DIR "/scenarios/quickstart.yaml"
#define TINY NMSIM_SOURCE_DIR "/tests/data/outputs_tiny.yaml"
#define CHECK_PY NMSIM_SOURCE_DIR "/tests/py/check_runfile.py"

static int nmsim(const char *args, char **out, char **err) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "%s %s", NMSIM_BINARY, args);
  return tu_run(cmd, out, err);
}

/* The energy category keys, comma-separated, in NMSIM_ENERGY_MAP order. */
static void category_list(char *buf, size_t n) {
  size_t used = 0;
  buf[0] = 0;
  for (int c = 0; c < NM_E_COUNT; c++)
    used += (size_t)snprintf(buf + used, n - used, "%s%s", c ? "," : "", nm_energy_key(c));
}

/* Run check_runfile.py on path with status and extra KEY=VALUE checks; the
 * number of steps it found. */
static long check_runfile(const char *path, const char *status, const char *extra) {
  char cmd[4096], *out = NULL, *err = NULL;
  snprintf(cmd, sizeof cmd, "%s %s %s %s %s", NMSIM_PYTHON, CHECK_PY, path, status,
           extra ? extra : "");
  int rc = tu_run(cmd, &out, &err);
  cr_assert(rc == 0 && out && strncmp(out, "ok ", 3) == 0,
            "h5py check of %s (%s): exit %d, expected 0 and 'ok'; stdout [%s] stderr [%s]", path,
            status, rc, out ? out : "", err ? err : "");
  long n = atol(out + 3);
  free(out);
  free(err);
  return n;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

Test(outputs, run_file_read_by_h5py) {
  /* Invariant: a finished run file holds the documented layout, read by h5py
   * without nmsim: root metadata with status "complete", end time and the
   * --set overrides as JSON; every per-step dataset with the run's steps;
   * spikes, traces, per-core and per-tile energy, the packet histogram and
   * the links of the 2 x 2 mesh, chunked, compressed, with units; per-step,
   * per-unit and summary energies agree. */
  TMP(h5, "layout", ".h5");
  char args[2048], cats[1024], extra[2048], *err = NULL;
  snprintf(args, sizeof args, "run %s -o %s --set steps=150 --quiet", TINY, h5);
  int rc = nmsim(args, NULL, &err);
  cr_assert_eq(rc, 0, "run: exit %d, expected 0; stderr: %s", rc, err);
  free(err);
  category_list(cats, sizeof cats);
  snprintf(extra, sizeof extra,
           "steps=150 categories=%s scenario=tiny chip=test seed=3 n_cores=8 n_tiles=4 "
           "n_links=8 'overrides={\"steps\": 150}'",
           cats);
  long n = check_runfile(h5, "complete", extra);
  cr_assert_eq(n, 150, "steps: got %ld, expected 150", n);
  remove(h5);
}

/* Start `nmsim run` of the quickstart for 200000 steps writing h5, without
 * waiting; returns its pid. */
static pid_t start_long_run(const char *h5) {
  pid_t pid = fork();
  cr_assert(pid >= 0, "fork failed");
  if (pid == 0) {
    FILE *devnull = freopen("/dev/null", "w", stdout);
    (void)devnull;
    devnull = freopen("/dev/null", "w", stderr);
    (void)devnull;
    execl(NMSIM_BINARY, "nmsim", "run", QUICKSTART, "-o", h5, "--set", "steps=200000",
          "--quiet", (char *)NULL);
    _exit(127);
  }
  return pid;
}

/* Steps in the file as another reader sees it now (file locking off, since
 * the writer holds its lock); -1 if it cannot be read at this moment. */
static long steps_now(const char *h5) {
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_file_locking(fapl, false, true);
  hid_t f = H5Fopen(h5, H5F_ACC_RDONLY, fapl);
  H5Pclose(fapl);
  if (f < 0) return -1;
  long n = -1;
  hid_t d = H5Dopen2(f, "/steps/latency_ns", H5P_DEFAULT);
  if (d >= 0) {
    hid_t sp = H5Dget_space(d);
    hsize_t dims[1];
    if (sp >= 0 && H5Sget_simple_extent_dims(sp, dims, NULL) == 1) n = (long)dims[0];
    H5Sclose(sp);
    H5Dclose(d);
  }
  H5Fclose(f);
  return n;
}

Test(outputs, killed_run_is_readable_and_incomplete, .timeout = 120) {
  /* Invariant: a real run killed with SIGKILL part-way (after its file shows
   * completed steps) leaves a file that opens, says "incomplete", and whose
   * completed steps all read back consistently; `nmsim report` on it works
   * and says incomplete, with at least those steps. A finished run says
   * complete. */
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  TMP(h5, "killed", ".h5");
  pid_t pid = start_long_run(h5);
  double t0 = now_s();
  long seen = -1;
  while (now_s() - t0 < 60) {
    sleep_ms(100);
    if ((seen = steps_now(h5)) > 0) break;
  }
  cr_assert_gt(seen, 0, "the file showed no completed step within 60 s (got %ld)", seen);
  sleep_ms(400); /* kill between two flushes, with steps buffered */
  cr_assert_eq(kill(pid, SIGKILL), 0, "kill");
  int wst = 0;
  cr_assert_eq(waitpid(pid, &wst, 0), pid, "waitpid");
  cr_assert(WIFSIGNALED(wst) && WTERMSIG(wst) == SIGKILL,
            "the run ended by itself (status %d) before it was killed", wst);

  char extra[64];
  snprintf(extra, sizeof extra, "min_steps=%ld", seen);
  long n = check_runfile(h5, "incomplete", extra);
  cr_assert(n >= seen && n < 200000, "steps after the kill: got %ld, expected [%ld, 200000)", n,
            seen);

  char args[1024], *out = NULL, *err = NULL, want[64];
  snprintf(args, sizeof args, "report %s", h5);
  int rc = nmsim(args, &out, &err);
  cr_assert_eq(rc, 0, "report of the killed run: exit %d, expected 0; stderr: %s", rc, err);
  snprintf(want, sizeof want, "steps      %ld\n", n);
  cr_assert(strstr(out, "status     incomplete") && strstr(out, want) &&
                strstr(out, "did not complete"),
            "report lacks 'status incomplete' or '%s':\n%s", want, out);
  free(out);
  free(err);
  snprintf(args, sizeof args, "report %s --json", h5);
  rc = nmsim(args, &out, NULL);
  snprintf(want, sizeof want, "\"steps\": %ld,", n);
  cr_assert(rc == 0 && strstr(out, "\"status\": \"incomplete\"") && strstr(out, want),
            "report --json: exit %d, expected 0 with status incomplete and %s:\n%s", rc, want,
            out);
  free(out);
  remove(h5);

  /* a finished run says complete */
  snprintf(args, sizeof args, "run %s -o %s --set steps=30 --quiet", TINY, h5);
  cr_assert_eq(nmsim(args, NULL, NULL), 0, "tiny run");
  snprintf(args, sizeof args, "report %s", h5);
  rc = nmsim(args, &out, NULL);
  cr_assert(rc == 0 && strstr(out, "status     complete") && !strstr(out, "did not complete"),
            "report of a finished run: exit %d, expected status complete:\n%s", rc, out);
  free(out);
  check_runfile(h5, "complete", "steps=30");
  remove(h5);
}

Test(outputs, failed_run_says_failed) {
  /* Invariant: a run that stops on an error exits 1, and its file keeps the
   * steps done with status "failed" and the error message; `nmsim report`
   * says failed. */
  TMP(h5, "failed", ".h5");
  char args[1024], *out = NULL, *err = NULL;
  snprintf(args, sizeof args, "run %s -o %s --set engine.max_events=3 --quiet", TINY, h5);
  int rc = nmsim(args, NULL, &err);
  cr_assert(rc == 1 && strstr(err, "max_events"), "exit %d (expected 1), stderr: %s", rc, err);
  free(err);
  check_runfile(h5, "failed", NULL);
  snprintf(args, sizeof args, "report %s", h5);
  rc = nmsim(args, &out, NULL);
  cr_assert(rc == 0 && strstr(out, "status     failed"),
            "report: exit %d, expected 0 with status failed:\n%s", rc, out);
  free(out);
  remove(h5);
}

/* ---- the progress line ------------------------------------------------------- */

/* Seconds a run of the tiny scenario for n steps takes in this build. */
static double run_time(long n) {
  char args[1024];
  snprintf(args, sizeof args, "run %s --set steps=%ld --quiet", TINY, n);
  double t0 = now_s();
  cr_assert_eq(nmsim(args, NULL, NULL), 0, "timing run");
  return now_s() - t0;
}

/* Steps of the tiny scenario whose stepping (start-up aside) takes about
 * `seconds` in this build (sanitizer builds are much slower than release). */
static long steps_for(double seconds) {
  double per_step = (run_time(1200) - run_time(200)) / 1000.0;
  long n = per_step > 0 ? (long)(seconds / per_step) : 1000000;
  return n < 1000 ? 1000 : n > 1000000 ? 1000000 : n;
}

Test(outputs, progress_line_on_terminal_only, .timeout = 120) {
  /* Invariant: a run longer than a second shows a progress line on stderr
   * when stderr is a terminal (steps done/total, model time, events per
   * second, time left), refreshed in place with \r and cleared at the end;
   * none when stderr is not a terminal, and none with --quiet. */
  long steps = steps_for(2.0);
  char cmd[4096], *out = NULL, *err = NULL, want[64];
  int rc;
  /* script(1) gives the run a pseudo-terminal and copies what it prints. On
   * a loaded machine the estimate of steps_for can be off: a run that ended
   * before the progress delay is repeated with twice the steps, so only a
   * run longer than the delay is held to the invariant. */
  for (;;) {
    snprintf(cmd, sizeof cmd, "script -qec '%s run %s --set steps=%ld' /dev/null",
             NMSIM_BINARY, TINY, steps);
    double t0 = now_s();
    rc = tu_run(cmd, &out, NULL);
    double took = now_s() - t0;
    cr_assert_eq(rc, 0, "run under script: exit %d", rc);
    if (took > 1.5 || strstr(out, "\rstep ") || steps >= 64000000) break;
    free(out);
    out = NULL;
    steps *= 2;
  }
  snprintf(want, sizeof want, "/%ld (", steps);
  cr_assert(strstr(out, "\rstep ") && strstr(out, want) && strstr(out, "events/s") &&
                strstr(out, " left") && strstr(out, "model "),
            "no progress line ('\\rstep N%s ... events/s ... left') on the terminal:\n%s", want,
            out);
  /* cleared before the report: the last progress text is followed by the
   * erase sequence, then the report */
  const char *last = strstr(out, "\r\033[K");
  cr_assert(last != NULL, "the progress line is never cleared:\n%s", out);
  const char *report = strstr(out, "nmsim energy and latency report");
  cr_assert(report && report > strstr(out, "\rstep "), "report missing or before the progress");
  for (const char *p = strstr(out, "\rstep "); p; p = strstr(p + 1, "\rstep "))
    cr_assert(p < report, "a progress line after the report");
  free(out);

  /* not a terminal: nothing */
  snprintf(cmd, sizeof cmd, "%s run %s --set steps=%ld", NMSIM_BINARY, TINY, steps);
  rc = tu_run(cmd, &out, &err);
  cr_assert(rc == 0 && err && !strstr(err, "step ") && !strchr(err, '\r'),
            "stderr of a run into a file: exit %d, expected no progress text; got [%s]", rc,
            err ? err : "");
  free(out);
  free(err);

  /* --quiet on a terminal: nothing */
  snprintf(cmd, sizeof cmd, "script -qec '%s run %s --set steps=%ld --quiet' /dev/null",
           NMSIM_BINARY, TINY, steps);
  rc = tu_run(cmd, &out, NULL);
  cr_assert(rc == 0 && !strstr(out, "\rstep ") && !strstr(out, "events/s"),
            "--quiet: exit %d, expected no progress text; got:\n%s", rc, out);
  free(out);
}
