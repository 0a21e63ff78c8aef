/* test_e2e.c: the nmsim binary end to end — the quickstart run and its HDF5
 * file (checked through the HDF5 C API), the report from the file, bad input
 * and bad flags (exit 2 with file:line), and determinism across runs. */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cores/core_type.h"
#include "noc/topology.h"
#include "sim/base/stats.h"
#include "tests_util.h"

#define QUICKSTART NMSIM_SOURCE_DIR "/scenarios/quickstart.yaml"

static int nmsim(const char *args, char **out, char **err) {
  char cmd[8192];
  snprintf(cmd, sizeof cmd, "%s %s", NMSIM_BINARY, args);
  return tu_run(cmd, out, err);
}

/* Read a whole dataset as doubles (or uint64 when as_u64); returns count. */
static size_t read_all(hid_t f, const char *path, void **buf, bool as_u64) {
  hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
  cr_assert_geq(d, 0, "dataset %s exists", path);
  hid_t sp = H5Dget_space(d);
  hssize_t n = H5Sget_simple_extent_npoints(sp);
  *buf = malloc((size_t)(n ? n : 1) * 8);
  cr_assert_geq(H5Dread(d, as_u64 ? H5T_NATIVE_UINT64 : H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                        H5P_DEFAULT, *buf), 0, "read %s", path);
  H5Sclose(sp);
  H5Dclose(d);
  return (size_t)n;
}

static char *read_str_attr(hid_t obj, const char *name) {
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  cr_assert_geq(a, 0, "attribute %s exists", name);
  hid_t t = H5Aget_type(a);
  char *out = NULL;
  if (H5Tis_variable_str(t) > 0) {
    char *v = NULL;
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, H5T_VARIABLE);
    H5Tset_cset(mt, H5T_CSET_UTF8);
    cr_assert_geq(H5Aread(a, mt, &v), 0);
    out = strdup(v);
    H5free_memory(v);
    H5Tclose(mt);
  } else {
    size_t n = H5Tget_size(t);
    out = calloc(n + 1, 1);
    cr_assert_geq(H5Aread(a, t, out), 0);
  }
  H5Tclose(t);
  H5Aclose(a);
  return out;
}

static bool same_dataset(hid_t a, hid_t b, const char *path) {
  void *x, *y;
  size_t n = read_all(a, path, &x, false), m = read_all(b, path, &y, false);
  bool same = n == m && memcmp(x, y, n * 8) == 0;
  free(x);
  free(y);
  return same;
}

/* The quickstart runs, prints the report, and writes an HDF5 file holding
 * spikes per population, per-step energy by category and step latency, the
 * scenario text, the seed, the nmsim version and status "complete"; `nmsim
 * report --json` prints the DESIGN.md object from that file. */
Test(e2e, quickstart_run_and_file, .timeout = 300) {
  const char *h5 = tu_tmp("quick", ".h5");
  char args[4096], *out = NULL, *err = NULL;
  snprintf(args, sizeof args, "run %s -o %s --set steps=200", QUICKSTART, h5);
  int rc = nmsim(args, &out, &err);
  cr_assert_eq(rc, 0, "exit %d, stderr: %s", rc, err);
  cr_assert(strstr(out, "synaptic operations") && strstr(out, "loihi"), "report: %s", out);
  free(out);
  free(err);

  hid_t f = H5Fopen(h5, H5F_ACC_RDONLY, H5P_DEFAULT);
  cr_assert_geq(f, 0, "open %s", h5);
  char *status = read_str_attr(f, "status");
  cr_assert_str_eq(status, "complete");
  free(status);
  char *ver = read_str_attr(f, "nmsim_version");
  cr_assert_str_eq(ver, NMSIM_VERSION_STRING);
  free(ver);
  uint64_t seed = 0;
  hid_t a = H5Aopen(f, "seed", H5P_DEFAULT);
  cr_assert_geq(a, 0);
  H5Aread(a, H5T_NATIVE_UINT64, &seed);
  H5Aclose(a);
  cr_assert_eq(seed, 1);

  void *buf;
  size_t n = read_all(f, "/steps/latency_ns", &buf, false);
  cr_assert_eq(n, 200, "latency_ns has %zu steps, expected 200", n);
  for (size_t i = 0; i < n; i++)
    cr_assert_gt(((double *)buf)[i], 0.0, "step %zu latency positive", i);
  free(buf);
  n = read_all(f, "/steps/energy_pj", &buf, false);
  cr_assert_eq(n, 200 * NM_E_COUNT, "energy_pj has %zu values", n);
  double syn = 0;
  for (size_t i = 0; i < 200; i++) syn += ((double *)buf)[i * NM_E_COUNT + NM_E_SYN_OP];
  cr_assert_gt(syn, 0.0, "synaptic energy recorded");
  free(buf);
  n = read_all(f, "/populations/exc/spikes/step", &buf, true);
  cr_assert_gt(n, 100, "exc spikes: %zu", n);
  for (size_t i = 1; i < n; i++)
    cr_assert_geq(((uint64_t *)buf)[i], ((uint64_t *)buf)[i - 1], "spike steps sorted");
  free(buf);
  n = read_all(f, "/populations/exc/spikes/neuron", &buf, true);
  for (size_t i = 0; i < n; i++) cr_assert_lt(((uint64_t *)buf)[i], 3200);
  free(buf);
  n = read_all(f, "/state/exc/v", &buf, false);
  cr_assert_eq(n, 200 * 4, "v trace: %zu values", n);
  free(buf);
  /* the scenario text is stored */
  hid_t d = H5Dopen2(f, "/meta/scenario", H5P_DEFAULT);
  cr_assert_geq(d, 0);
  hid_t t = H5Dget_type(d);
  char *text = NULL;
  if (H5Tis_variable_str(t) > 0) {
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, H5T_VARIABLE);
    H5Tset_cset(mt, H5T_CSET_UTF8);
    cr_assert_geq(H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, &text), 0);
    cr_assert(strstr(text, "quickstart") != NULL);
    H5free_memory(text);
    H5Tclose(mt);
  } else {
    size_t sz = H5Tget_size(t);
    text = calloc(sz + 1, 1);
    H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, text);
    cr_assert(strstr(text, "quickstart") != NULL);
    free(text);
  }
  H5Tclose(t);
  H5Dclose(d);
  H5Fclose(f);

  snprintf(args, sizeof args, "report %s --json", h5);
  rc = nmsim(args, &out, &err);
  cr_assert_eq(rc, 0, "report exit %d: %s", rc, err);
  const char *keys[] = {"\"chip\"", "\"steps\"", "\"seed\"", "\"energy_pj\"", "\"total\"",
                        "\"static\"", "\"by_category\"", "\"latency_ns\"", "\"step\"",
                        "\"packet\"", "\"p99\"", "\"counts\"", "\"synaptic_ops\"",
                        "\"populations\"", "\"rate_hz\"", "\"loihi\""};
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
    cr_assert(strstr(out, keys[i]) != NULL, "JSON has %s: %s", keys[i], out);
  free(out);
  free(err);
  remove(h5);
}

/* The same seed twice gives identical datasets; another seed gives other
 * spikes. */
Test(e2e, determinism_by_seed, .timeout = 300) {
  const char *p[3];
  char paths[3][512];
  for (int i = 0; i < 3; i++) {
    snprintf(paths[i], sizeof paths[i], "%s", tu_tmp("det", ".h5"));
    p[i] = paths[i];
    char args[4096], *err = NULL;
    snprintf(args, sizeof args, "run %s -o %s --set steps=100 --set seed=%d --quiet", QUICKSTART,
             p[i], i == 2 ? 2 : 7);
    int rc = nmsim(args, NULL, &err);
    cr_assert_eq(rc, 0, "run %d: exit %d: %s", i, rc, err);
    free(err);
  }
  hid_t a = H5Fopen(p[0], H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t b = H5Fopen(p[1], H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t c = H5Fopen(p[2], H5F_ACC_RDONLY, H5P_DEFAULT);
  const char *sets[] = {"/populations/exc/spikes/step", "/populations/exc/spikes/neuron",
                        "/populations/input/spikes/neuron", "/steps/energy_pj",
                        "/steps/latency_ns", "/state/exc/v"};
  for (size_t i = 0; i < sizeof sets / sizeof *sets; i++)
    cr_assert(same_dataset(a, b, sets[i]), "%s identical for the same seed", sets[i]);
  cr_assert(!same_dataset(a, c, "/populations/input/spikes/neuron"),
            "another seed gives other input spikes");
  cr_assert(!same_dataset(a, c, "/populations/exc/spikes/neuron"),
            "another seed gives other exc spikes");
  H5Fclose(a);
  H5Fclose(b);
  H5Fclose(c);
  for (int i = 0; i < 3; i++) remove(p[i]);
}

/* The two event-queue implementations give bit-identical runs: the heap is
 * the reference for the bucket ring on a whole network. */
Test(e2e, queue_implementations_agree, .timeout = 300) {
  char paths[2][512];
  const char *impl[2] = {"heap", "bucket"};
  for (int i = 0; i < 2; i++) {
    snprintf(paths[i], sizeof paths[i], "%s", tu_tmp("queue", ".h5"));
    char args[4096], *err = NULL;
    snprintf(args, sizeof args, "run %s -o %s --set steps=50 --set engine.queue=%s --quiet",
             QUICKSTART, paths[i], impl[i]);
    int rc = nmsim(args, NULL, &err);
    cr_assert_eq(rc, 0, "%s: exit %d: %s", impl[i], rc, err);
    free(err);
  }
  hid_t a = H5Fopen(paths[0], H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t b = H5Fopen(paths[1], H5F_ACC_RDONLY, H5P_DEFAULT);
  const char *sets[] = {"/populations/exc/spikes/step", "/populations/exc/spikes/neuron",
                        "/populations/inh/spikes/neuron", "/steps/energy_pj",
                        "/steps/latency_ns", "/state/exc/v", "/cores/energy_pj",
                        "/packets/latency_hist"};
  for (size_t i = 0; i < sizeof sets / sizeof *sets; i++)
    cr_assert(same_dataset(a, b, sets[i]), "%s identical for heap and bucket", sets[i]);
  H5Fclose(a);
  H5Fclose(b);
  remove(paths[0]);
  remove(paths[1]);
}

/* A malformed scenario exits 2 with FILE:LINE in the message and writes no
 * run file presented as complete. */
Test(e2e, malformed_scenario_exit_2) {
  const char *path = tu_tmp("bad", ".yaml");
  cr_assert_eq(tu_write(path, "name: bad\n"
                              "chip: loihi\n"
                              "steps: 10\n"
                              "populations:\n"
                              "  exc: {size: 10, model: lif, params: {tau_m: 20 mV}}\n"), 0);
  char args[4096], *err = NULL;
  const char *h5 = tu_tmp("bad", ".h5");
  snprintf(args, sizeof args, "run %s -o %s", path, h5);
  int rc = nmsim(args, NULL, &err);
  cr_assert_eq(rc, 2, "exit %d, expected 2", rc);
  char want[600];
  snprintf(want, sizeof want, "%s:5:", path);
  cr_assert(strstr(err, want) != NULL, "stderr names %s: '%s'", want, err);
  cr_assert(strstr(err, "tau_m") != NULL, "stderr names the field: '%s'", err);
  free(err);
  FILE *f = fopen(h5, "rb");
  cr_assert_null(f, "no run file was written");

  /* an unknown field, with its line */
  cr_assert_eq(tu_write(path, "chip: loihi\nsteps: 10\nstpes: 3\npopulations:\n"
                              "  a: {size: 1, model: lif}\n"), 0);
  snprintf(args, sizeof args, "validate %s", path);
  rc = nmsim(args, NULL, &err);
  cr_assert_eq(rc, 2, "exit %d", rc);
  snprintf(want, sizeof want, "%s:3:", path);
  cr_assert(strstr(err, want) && strstr(err, "stpes"), "stderr: '%s'", err);
  free(err);
  remove(path);
}

/* A scenario or chip "file" without end (/dev/zero) is refused once it
 * passes the size limit of sim/base/file.h: exit 2 and a message naming it,
 * not a machine filling its memory. */
Test(e2e, endless_input_file_refused, .timeout = 300) {
  char *err = NULL;
  int rc = nmsim("validate /dev/zero", NULL, &err);
  cr_assert_eq(rc, 2, "scenario /dev/zero: exit %d, expected 2", rc);
  cr_assert(strstr(err, "/dev/zero: larger than 64 MiB"), "stderr: '%s'", err);
  free(err);
  err = NULL;
  rc = nmsim("validate " QUICKSTART " --set chip=/dev/zero", NULL, &err);
  cr_assert_eq(rc, 2, "chip /dev/zero: exit %d, expected 2", rc);
  cr_assert(strstr(err, "chip: /dev/zero: larger than 64 MiB"), "stderr: '%s'", err);
  free(err);
}

/* Output that cannot be written (a full disk: /dev/full) is a failure, exit 1
 * with the reason, for every command that prints; it used to exit 0. */
Test(e2e, failed_stdout_write_exits_1, .timeout = 300) {
  const char *cmds[] = {"chips", "chips --json", "--help", "validate " QUICKSTART,
                        "run " QUICKSTART " --set steps=3 --quiet"};
  for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
    char cmd[1200], *err = NULL;
    snprintf(cmd, sizeof cmd, "sh -c '%s %s > /dev/full'", NMSIM_BINARY, cmds[i]);
    int rc = tu_run(cmd, NULL, &err);
    cr_assert_eq(rc, 1, "'%s > /dev/full': exit %d, expected 1 (%s)", cmds[i], rc, err);
    cr_assert(err && strstr(err, "nmsim: cannot write the output: No space left on device"),
              "'%s': stderr '%s'", cmds[i], err);
    free(err);
  }
}

/* -o replaces an earlier run file, and nothing else: a file that is not an
 * nmsim run file (here a note, and the results database itself given as
 * -o) is kept and the run refused, exit 2 (-o X --db X used to turn the
 * database into a run file). */
Test(e2e, output_replaces_only_run_files, .timeout = 300) {
  const char *note = tu_tmp("note", ".txt"), *db = tu_tmp("keep", ".sqlite");
  cr_assert_eq(tu_write(note, "my notes\n"), 0);
  char args[2048], *err = NULL;
  snprintf(args, sizeof args, "run " QUICKSTART " --set steps=3 --quiet -o %s", note);
  int rc = nmsim(args, NULL, &err);
  cr_assert_eq(rc, 2, "exit %d, expected 2: %s", rc, err);
  cr_assert(strstr(err, "exists and is not an nmsim run file: it is kept"), "stderr: %s", err);
  free(err);
  char *kept = tu_read(note, NULL);
  cr_assert(kept && strcmp(kept, "my notes\n") == 0, "the note was changed");
  free(kept);
  snprintf(args, sizeof args, "run " QUICKSTART " --set steps=3 --quiet --db %s", db);
  cr_assert_eq(nmsim(args, NULL, NULL), 0);
  snprintf(args, sizeof args, "run " QUICKSTART " --set steps=3 --quiet --db %s -o %s", db, db);
  cr_assert_neq(nmsim(args, NULL, NULL), 0, "-o naming the database is refused");
  char *out = NULL;
  snprintf(args, sizeof args, "report --db %s", db);
  cr_assert_eq(nmsim(args, &out, NULL), 0, "the database is still a database");
  cr_assert(strstr(out, "quickstart"), "report: %s", out);
  free(out);
  /* an earlier run file is replaced */
  const char *h5 = tu_tmp("again", ".h5");
  snprintf(args, sizeof args, "run " QUICKSTART " --set steps=3 --quiet -o %s", h5);
  cr_assert_eq(nmsim(args, NULL, NULL), 0);
  cr_assert_eq(nmsim(args, NULL, NULL), 0, "a run file is replaced by the next run");
  remove(note), remove(db), remove(h5);
}

/* A network the board cannot hold is refused before anything is made per
 * neuron: 2^31 neurons on quickstart's chip answer at once, exit 2 (the
 * mapper used to allocate per neuron first: gigabytes, tens of seconds). */
Test(e2e, network_too_big_refused_early, .timeout = 300) {
  char *err = NULL;
  int rc = nmsim("validate " QUICKSTART " --set populations.exc.size=2147483648", NULL, &err);
  cr_assert_eq(rc, 2, "exit %d, expected 2: %s", rc, err);
  cr_assert(strstr(err, "quickstart.yaml:") &&
                strstr(err, "population 'exc' does not fit on chip 'loihi' (1 chip, 128 cores)"),
            "stderr: %s",
            err);
  free(err);
}

/* SIGINT and SIGTERM end a run between two steps: exit 130 / 143, a message
 * saying where it stopped, the run file marked "interrupted" with its end
 * time and steps so far, and the database row recorded as "interrupted"
 * (the process used to die with no message, no end time and no row). */
Test(e2e, signals_end_the_run_cleanly, .timeout = 300) {
  const int sigs[2] = {2, 15};
  for (int k = 0; k < 2; k++) {
    const char *h5 = tu_tmp("sig", ".h5"), *db = tu_tmp("sig", ".sqlite");
    char cmd[2048], *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd,
             "sh -c '%s run " QUICKSTART " --set steps=1000000000 --quiet -o %s --db %s & "
             "p=$!; sleep 1; kill -%d $p; wait $p; echo exit=$?'",
             NMSIM_BINARY, h5, db, sigs[k]);
    cr_assert_eq(tu_run(cmd, &out, &err), 0);
    char want[32];
    snprintf(want, sizeof want, "exit=%d", 128 + sigs[k]);
    cr_assert(out && strstr(out, want), "signal %d: '%s' (stderr %s)", sigs[k], out, err);
    cr_assert(err && strstr(err, k ? "interrupted by SIGTERM at step" : "interrupted by SIGINT "
                                                                           "at step"),
              "stderr: %s", err);
    free(out);
    free(err);
    char args[1200];
    snprintf(args, sizeof args, "report %s --json", h5);
    cr_assert_eq(nmsim(args, &out, NULL), 0);
    cr_assert(strstr(out, "\"status\": \"interrupted\""), "run file: %s", out);
    free(out);
    snprintf(args, sizeof args, "report --db %s --json", db);
    cr_assert_eq(nmsim(args, &out, NULL), 0);
    cr_assert(strstr(out, "\"status\": \"interrupted\""), "database: %s", out);
    free(out);
    remove(h5), remove(db);
  }
}

/* A run file that cannot grow (a full disk; here the file size limit of
 * ulimit -f) fails the run with exit 1 and the reason, the process ending
 * normally (libhdf5 used to crash at exit closing the broken file again;
 * SIGXFSZ used to kill it). Whether the file then opens depends on where
 * the write failed: see the run-file page. */
Test(e2e, failed_run_file_write, .timeout = 300) {
  const char *scn = tu_tmp("big", ".yaml"), *h5 = tu_tmp("big", ".h5");
  cr_assert_eq(tu_write(scn, "chip: loihi\nsteps: 5000\npopulations:\n"
                             "  inp: {size: 200, model: poisson, params: {rate: 200 Hz}}\n"
                             "  exc: {size: 300, model: lif}\n"
                             "projections:\n"
                             "  - {from: inp, to: exc, connector: {fixed_probability: 0.2}, "
                             "weight: 2, delay: 1}\n"
                             "record: {spikes: all, state: {exc: {vars: [v, i_syn_e]}}}\n"),
               0);
  char cmd[2048], *out = NULL, *err = NULL;
  snprintf(cmd, sizeof cmd, "sh -c 'ulimit -f 2000; %s run %s -o %s --quiet; echo exit=$?'",
           NMSIM_BINARY, scn, h5);
  cr_assert_eq(tu_run(cmd, &out, &err), 0);
  cr_assert(out && strstr(out, "exit=1"), "exit: '%s' (stderr %s)", out, err);
  /* the first write to fail is an append or a flush, as the flush cadence
   * (by wall time) falls */
  cr_assert(err && (strstr(err, "cannot append to") || strstr(err, "cannot flush the run file")),
            "stderr: %s", err);
  cr_assert(strstr(err, "File too large"), "stderr gives the OS reason: %s", err);
  free(out);
  free(err);
  remove(scn), remove(h5);
}

/* report on a run file that a running run holds says how to read it (U5:
 * only libhdf5's "unable to lock file"). */
Test(e2e, report_of_a_file_being_written, .timeout = 300) {
  const char *h5 = tu_tmp("locked", ".h5");
  char cmd[2048], *out = NULL;
  snprintf(cmd, sizeof cmd,
           "sh -c '%s run " QUICKSTART " --set steps=1000000000 --quiet -o %s & p=$!; "
           "sleep 2; %s report %s 2>&1; kill -TERM $p; wait $p'",
           NMSIM_BINARY, h5, NMSIM_BINARY, h5);
  tu_run(cmd, &out, NULL);
  cr_assert(out && strstr(out, "a run may still be writing it: read it with "
                               "HDF5_USE_FILE_LOCKING=FALSE"),
            "report: %s", out);
  free(out);
  remove(h5);
}

/* A NUL byte in a scenario is refused at its line and column (it used to end
 * the text there, silently dropping the rest). */
Test(e2e, nul_byte_refused) {
  const char *path = tu_tmp("nul", ".yaml");
  static const char text[] = "name: nul\nchip: test\0seed: 2\nsteps: 5\n";
  FILE *f = fopen(path, "wb");
  cr_assert(f != NULL);
  cr_assert_eq(fwrite(text, 1, sizeof text - 1, f), sizeof text - 1);
  fclose(f);
  char args[600], *err = NULL, want[600];
  snprintf(args, sizeof args, "validate %s", path);
  int rc = nmsim(args, NULL, &err);
  cr_assert_eq(rc, 2, "exit %d, expected 2: %s", rc, err);
  snprintf(want, sizeof want, "%s:2:11: a NUL byte: not a text file", path);
  cr_assert(strstr(err, want), "stderr '%s' lacks '%s'", err, want);
  free(err);
  remove(path);
}

/* engine.mode: a wrong value names the field and the choices; network mode
 * refuses a plastic projection, naming its line and what to use instead. */
Test(e2e, network_mode_errors) {
  const char *path = tu_tmp("mode", ".yaml");
  cr_assert_eq(tu_write(path, "chip: loihi\nsteps: 10\nengine: {mode: fast}\npopulations:\n"
                              "  a: {size: 1, model: lif}\n"), 0);
  char args[4096], *err = NULL;
  snprintf(args, sizeof args, "run %s --quiet", path);
  int rc = nmsim(args, NULL, &err);
  cr_assert_eq(rc, 2, "exit %d", rc);
  cr_assert(strstr(err, "engine.mode") && strstr(err, "network") && strstr(err, "'fast'"),
            "stderr: '%s'", err);
  free(err);
  cr_assert_eq(tu_write(path, "chip: loihi\nsteps: 10\nengine: {mode: network}\npopulations:\n"
                              "  a: {size: 4, model: poisson, params: {rate: 50 Hz}}\n"
                              "  b: {size: 4, model: lif}\n"
                              "projections:\n"
                              "  - {from: a, to: b, connector: all_to_all, weight: 0.5,\n"
                              "     plasticity: {a_plus: 0.01, a_minus: 0.01, tau_plus: 20 ms, tau_minus: 20 ms}}\n"), 0);
  rc = nmsim(args, NULL, &err);
  cr_assert_eq(rc, 2, "exit %d", rc);
  cr_assert(strstr(err, ":8:") && strstr(err, "plasticity") && strstr(err, "functional"),
            "stderr: '%s'", err);
  free(err);
  /* without plasticity it runs, and the report names the mode */
  cr_assert_eq(tu_write(path, "chip: loihi\nsteps: 10\nengine: {mode: network}\npopulations:\n"
                              "  a: {size: 4, model: poisson, params: {rate: 500 Hz}}\n"
                              "  b: {size: 4, model: lif}\n"
                              "projections:\n"
                              "  - {from: a, to: b, connector: all_to_all, weight: 0.5}\n"), 0);
  char *out = NULL;
  snprintf(args, sizeof args, "run %s --quiet --json", path);
  rc = nmsim(args, &out, NULL);
  cr_assert_eq(rc, 0, "exit %d", rc);
  /* no chip: no packets or hops to count (absent, not 0) */
  cr_assert(strstr(out, "\"mode\": \"network\"") && !strstr(out, "\"packets\"") &&
                !strstr(out, "\"hops\"") && !strstr(out, "\"spike_out\""),
            "%s", out);
  free(out);
  remove(path);
}

/* validate accepts the quickstart without running it. */
Test(e2e, validate_quickstart) {
  char *out = NULL;
  int rc = nmsim("validate " QUICKSTART, &out, NULL);
  cr_assert_eq(rc, 0, "exit %d", rc);
  cr_assert(strstr(out, "valid") && strstr(out, "loihi"), "stdout: %s", out);
  free(out);
}

/* Bad usage: unknown command, unknown flag, missing argument, bad --set,
 * missing file: exit 2 with a message; --help exits 0. */
Test(e2e, bad_usage) {
  struct { const char *args; int code; const char *msg; } cases[] = {
      {"frobnicate", 2, "unknown command"},
      {"run --frob " QUICKSTART, 2, "--frob"},
      {"run", 2, "SCENARIO"},
      {"run " QUICKSTART " --set nokey", 2, "KEY=VALUE"},
      {"run /nonexistent/x.yaml", 2, "/nonexistent/x.yaml"},
      {"report /nonexistent/x.h5", 2, "/nonexistent/x.h5"},
      {"report " QUICKSTART, 2, "quickstart.yaml"},
      /* one option parser for run, validate and sweep: each refuses what it
       * does not take, by the option's name */
      {"validate -o x.h5 " QUICKSTART, 2, "nmsim validate: unknown option '-o'"},
      {"validate --db x.sqlite " QUICKSTART, 2, "nmsim validate: unknown option '--db'"},
      {"sweep --partition blocks " QUICKSTART, 2, "nmsim sweep: unknown option '--partition'"},
      {"run --partition rows " QUICKSTART, 2, "--partition expects blocks or cyclic, got 'rows'"},
      {"sweep " QUICKSTART " " QUICKSTART " --db x", 2, "expected exactly one SCENARIO file"},
      {"sweep " QUICKSTART " --set seed --db x", 2, "--set expects KEY=V1,V2,..., got 'seed'"},
      {"sweep " QUICKSTART " --set seed=1,2", 2, "--db RESULTS.sqlite is required"},
      {"sweep " QUICKSTART " --set seed=1,2 --set seed=3,4 --db x", 2,
       "--set seed is given twice: give all its values in one list"},
      /* one message for every dt that is not above 0 (a negative one used to
       * invite ">= 0", which 0 then did not satisfy) */
      {"validate " QUICKSTART " --set dt=-1", 2, "dt: expected a time > 0, got '-1'"},
      {"validate " QUICKSTART " --set dt=0", 2, "dt: expected a time > 0, got '0'"},
      /* a directory as a run file: the operation and the reason, on one line
       * (the raw HDF5 record ran over two lines with a time stamp and a
       * buffer address) */
      {"report " NMSIM_TEST_TMP, 2, "cannot read the file (HDF5: file read failed: Is a directory)"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char *err = NULL;
    int rc = nmsim(cases[i].args, NULL, &err);
    cr_assert_eq(rc, cases[i].code, "'%s': exit %d, expected %d (%s)", cases[i].args, rc,
                 cases[i].code, err);
    cr_assert(err && strstr(err, cases[i].msg), "'%s': stderr '%s' lacks '%s'", cases[i].args,
              err, cases[i].msg);
    free(err);
  }
  const char *helps[] = {"--help", "run --help", "report --help", "validate --help",
                         "chips --help", "sweep --help"};
  for (size_t i = 0; i < sizeof helps / sizeof *helps; i++) {
    char *out = NULL;
    cr_assert_eq(nmsim(helps[i], &out, NULL), 0, "%s exits 0", helps[i]);
    cr_assert(strstr(out, "usage"), "%s prints usage", helps[i]);
    free(out);
  }
}

/* `nmsim chips --json` lists the presets with Table 2's synaptic-op energy
 * and each chip's NoC topology and routing algorithm. */
Test(e2e, chips_json) {
  char *out = NULL;
  cr_assert_eq(nmsim("chips --json", &out, NULL), 0);
  cr_assert(strstr(out, "\"loihi\"") && strstr(out, "23.6"), "chips: %s", out);
  cr_assert(strstr(out, "\"topology\": \"mesh\", \"routing\": \"dor\""), "chips: %s", out);
  cr_assert(strstr(out, "\"core_type\": {\"name\": \"spinnaker2\", ") &&
                strstr(out, "\"sync\": \"tick\", \"routing\": \"multicast by key\""),
            "each chip names its core type and what it does: %s", out);
  free(out);
}

/* `nmsim chips --types` lists every registered core type and topology, from
 * the registries (a type or topology left out of the listing fails). */
Test(e2e, chips_types) {
  char *out = NULL, want[160];
  cr_assert_eq(nmsim("chips --types --json", &out, NULL), 0);
  size_t n = 0;
  for (size_t i = 0; core_types[i]; i++, n++) {
    snprintf(want, sizeof want, "{\"name\": \"%s\", \"summary\": \"%s\"", core_types[i]->name,
             core_types[i]->summary);
    cr_assert(strstr(out, want), "core type %s missing: %s", core_types[i]->name, out);
  }
  cr_assert_geq(n, 3, "loihi, spinnaker2 and truenorth registered");
  for (size_t i = 0; noc_topologies[i]; i++) {
    snprintf(want, sizeof want, "{\"name\": \"%s\"", noc_topologies[i]->name);
    cr_assert(strstr(out, want), "topology %s missing: %s", noc_topologies[i]->name, out);
  }
  free(out);
  cr_assert_eq(nmsim("chips --types", &out, NULL), 0);
  cr_assert(strstr(out, "core types (core_kind):") && strstr(out, "  truenorth ") &&
                strstr(out, "  torus "),
            "text listing: %s", out);
  free(out);
}
