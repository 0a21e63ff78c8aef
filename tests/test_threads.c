/* test_threads.c: a run split over a team of threads (--threads N) gives the
 * same results as one thread, bit for bit: the JSON report and every dataset
 * and summary attribute of the run file, for the scenarios the MPI suite
 * checks (tests/mpi/test_mpi.c: multichip, board16 timed and functional, a
 * chip in tile blocks with unlimited and finite buffers, SpiNNaker 2-like
 * boards with and without DVFS by load and in tile blocks, TrueNorth-like
 * ticks with and without overruns, a torus, the language's random forms) on
 * 2 threads (blocks partition) and 3 (cyclic); network mode, where the
 * threads share the neuron update of large populations; and a bad count. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests_util.h"

static char *run_t(int threads, const char *part, const char *scn, const char *sets,
                   const char *h5) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "%s run %s/%s %s --threads %d --partition %s -o %s --json --quiet",
           NMSIM_BINARY, NMSIM_SOURCE_DIR, scn, sets, threads, part, h5);
  char *out = NULL, *err = NULL;
  int rc = tu_run(cmd, &out, &err);
  cr_assert_eq(rc, 0, "%s\nexit %d, expected 0; stderr:\n%s", cmd, rc, err ? err : "");
  free(err);
  return out;
}

/* scn on one thread is the reference; 2 and 3 threads reproduce it. */
static void check_threads(const char *tag, const char *scn, const char *sets) {
  char ref_h5[512];
  snprintf(ref_h5, sizeof ref_h5, "%s", tu_tmp(tag, "-t1.h5"));
  char *ref = run_t(1, "blocks", scn, sets, ref_h5);
  static const struct { int n; const char *part; } runs[] = {{2, "blocks"}, {3, "cyclic"}};
  for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
    char what[256], h5[512];
    snprintf(what, sizeof what, "%s %s, %d threads, %s", scn, sets, runs[i].n, runs[i].part);
    snprintf(h5, sizeof h5, "%s", tu_tmp(tag, ".h5"));
    char *got = run_t(runs[i].n, runs[i].part, scn, sets, h5);
    cr_assert_str_eq(got, ref, "%s: the reports differ", what);
    tu_same_h5(what, h5, ref_h5);
    free(got);
    remove(h5);
  }
  free(ref);
  remove(ref_h5);
}

Test(threads, language_forms, .timeout = 600) {
  check_threads("thr-lang", "tests/mpi/language_board.yaml", "");
}
Test(threads, multichip_timed, .timeout = 600) {
  check_threads("thr-mc", "scenarios/multichip.yaml",
                "--set steps=12 --set 'record.timeline={steps: [3, 10]}' "
                "--set 'record.links={window: 3}'");
}
Test(threads, board16_timed_and_functional, .timeout = 600) {
  check_threads("thr-b16t", "scenarios/board16.yaml", "--set steps=30");
  check_threads("thr-b16f", "scenarios/board16.yaml",
                "--set steps=30 --set engine.mode=functional");
}
Test(threads, tile_blocks, .timeout = 600) {
  check_threads("thr-tiles", "tests/mpi/chip1_tiles.yaml", "");
  check_threads("thr-tiles-loihi", "tests/mpi/chip1_tiles.yaml", "--set chip=loihi");
}
Test(threads, spinnaker2, .timeout = 600) {
  check_threads("thr-spin-board", "tests/mpi/spinnaker_board.yaml", "");
  check_threads("thr-spin-dvfs", "tests/mpi/spinnaker_board.yaml",
                "--set steps=20 --set 'dvfs={policy: load}'");
  check_threads("thr-spin-tiles", "scenarios/spinnaker2_demo.yaml", "--set steps=40");
}
Test(threads, truenorth_and_torus, .timeout = 600) {
  check_threads("thr-tn", "scenarios/truenorth_demo.yaml", "--set steps=40");
  check_threads("thr-tn-fast", "scenarios/truenorth_demo.yaml",
                "--set steps=40 --set chip=../tests/mpi/truenorth_fast.yaml");
  check_threads("thr-torus", "tests/mpi/torus_board.yaml", "");
}

/* Network mode: one system, each population of at least 16384 neurons updated
 * by every thread (models with and without per-neuron runs, sizes that do not
 * divide evenly); the same bits on 2 and 3 threads. */
Test(threads, network_mode, .timeout = 600) {
  check_threads("thr-net", "tests/data/net_threads.yaml", "");
}

/* A count outside 1..256 is bad usage. */
Test(threads, refusals) {
  char cmd[1024], *out = NULL, *err = NULL;
  snprintf(cmd, sizeof cmd, "%s run %s/scenarios/quickstart.yaml --threads 0", NMSIM_BINARY,
           NMSIM_SOURCE_DIR);
  cr_assert_eq(tu_run(cmd, &out, &err), 2);
  cr_assert(strstr(err, "--threads expects a whole number from 1 to 256, got '0'"), "%s", err);
  free(out);
  free(err);
}
