/* test_mpi.c: a run split over MPI ranks gives the same results as one
 * process, bit for bit, for any number of ranks and any partition: the JSON
 * report (energy and latency), and every dataset and summary attribute of the
 * run file (spike rasters, per-step energy and latency, per-core and per-tile
 * energy, link counters, latency histogram, state traces, plastic weights),
 * for scenarios/multichip.yaml, the 16-chip scenarios/board16.yaml (timed and
 * functional), a chip split into blocks of tiles (unlimited and finite
 * buffers), SpiNNaker 2-like chips (a board, with and without DVFS by load,
 * and one chip in tile blocks) and
 * a torus (a board, and one chip in tile blocks),
 * on 1, 2 and 4 ranks
 * (4 oversubscribed) with the blocks and cyclic partitions, and on ranks of
 * several threads each (--threads under mpirun). Registered when
 * the build has -DNMSIM_MPI=ON. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests_util.h"

/* Open MPI refuses root unless told; yield when oversubscribed. */
#define MPI_ENV                                                                   \
  "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "                    \
  "OMPI_MCA_mpi_yield_when_idle=1 OMPI_MCA_rmaps_base_oversubscribe=1 "          \
  "ASAN_OPTIONS=detect_leaks=0 "

/* Run scn with `sets` on np ranks of `threads` threads each (partition part)
 * into h5; returns the JSON report (malloc'd). */
static char *run_npt(int np, int threads, const char *part, const char *scn, const char *sets,
                     const char *h5) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd,
           MPI_ENV "%s --oversubscribe -np %d %s run %s/%s %s --partition %s --threads %d "
                   "-o %s --json --quiet",
           NMSIM_MPIEXEC, np, NMSIM_BINARY, NMSIM_SOURCE_DIR, scn, sets, part, threads, h5);
  char *out = NULL, *err = NULL;
  int rc = tu_run(cmd, &out, &err);
  cr_assert_eq(rc, 0, "%s\nexit %d, expected 0; stderr:\n%s", cmd, rc, err ? err : "");
  free(err);
  return out;
}

static char *run_np(int np, const char *part, const char *scn, const char *sets,
                    const char *h5) {
  return run_npt(np, 1, part, scn, sets, h5);
}

/* The first line where got and want differ, both printed. */
static void same_text(const char *what, const char *got, const char *want) {
  if (!strcmp(got, want)) return;
  int line = 1;
  const char *g = got, *w = want;
  while (*g && *g == *w) {
    if (*g == '\n') line++;
    g++, w++;
  }
  const char *gl = g, *wl = w;
  while (gl > got && gl[-1] != '\n') gl--;
  while (wl > want && wl[-1] != '\n') wl--;
  cr_assert_fail("%s: reports differ at line %d:\n  actual:   %.*s\n  expected: %.*s", what,
                 line, (int)strcspn(gl, "\n"), gl, (int)strcspn(wl, "\n"), wl);
}

/* A split of a run: ranks, threads per rank, partition. */
typedef struct split {
  int np, threads;
  const char *part;
} split;

/* scn on 1 rank is the reference; each of the n splits must reproduce it. */
static void check_splits(const char *tag, const char *scn, const char *sets, const split *sp,
                         size_t n) {
  char ref_h5[512];
  snprintf(ref_h5, sizeof ref_h5, "%s", tu_tmp(tag, "-np1.h5"));
  char *ref = run_np(1, "blocks", scn, sets, ref_h5);
  for (size_t i = 0; i < n; i++) {
    char what[256], h5[512];
    snprintf(what, sizeof what, "%s, %d ranks of %d threads, %s", scn, sp[i].np, sp[i].threads,
             sp[i].part);
    snprintf(h5, sizeof h5, "%s", tu_tmp(tag, ".h5"));
    char *got = run_npt(sp[i].np, sp[i].threads, sp[i].part, scn, sets, h5);
    same_text(what, got, ref);
    tu_same_h5(what, h5, ref_h5);
    free(got);
    remove(h5);
  }
  free(ref);
  remove(ref_h5);
}

/* 2 and 4 ranks with both partitions. */
static void check_ranks(const char *tag, const char *scn, const char *sets) {
  static const split sp[] = {{2, 1, "blocks"}, {2, 1, "cyclic"}, {4, 1, "blocks"},
                             {4, 1, "cyclic"}};
  check_splits(tag, scn, sets, sp, 4);
}

/* The same, and ranks and threads together: 2 ranks of 2 threads (4 parts,
 * blocks) and 2 ranks of 3 threads (6 parts, cyclic): the parts of a rank
 * meet over shared memory, those of two ranks by a message per pair. */
static void check_ranks_threads(const char *tag, const char *scn, const char *sets) {
  static const split sp[] = {{2, 1, "blocks"}, {2, 1, "cyclic"}, {4, 1, "blocks"},
                             {4, 1, "cyclic"}, {2, 2, "blocks"}, {2, 3, "cyclic"}};
  check_splits(tag, scn, sets, sp, 6);
}

/* The scenario language's per-neuron and random forms (drawn parameters and
 * state, fixed degrees, distance, lists with delays, drawn weights and
 * delays): keyed streams give the same network and spikes on any rank count. */
Test(mpi, language_forms, .timeout = 600) {
  check_ranks("mpi-lang", "tests/mpi/language_board.yaml", "");
}

/* multichip timed, with the detailed tables: a timeline of steps and link
 * tables per window of 3 steps, each row written by the process that holds
 * its core or link. Whole chips on 2 and 4 ranks and on 2 ranks of 2 threads,
 * both partitions; then 2 ranks of 3 threads, whose 6 parts cut the 4 chips
 * into tile blocks that meet every hop (0.291 ns: about 30 times the windows
 * of whole chips), on fewer steps. */
Test(mpi, multichip_timed_timeline_and_windows, .timeout = 600) {
  static const split whole[] = {{2, 1, "blocks"}, {2, 1, "cyclic"}, {4, 1, "blocks"},
                                {4, 1, "cyclic"}, {2, 2, "blocks"}, {2, 2, "cyclic"}};
  check_splits("mpi-timeline", "scenarios/multichip.yaml",
               "--set steps=12 --set 'record.timeline={steps: [3, 10]}' "
               "--set 'record.links={window: 3}'",
               whole, sizeof whole / sizeof whole[0]);
  static const split tiles[] = {{2, 3, "cyclic"}};
  check_splits("mpi-timeline-tiles", "scenarios/multichip.yaml",
               "--set steps=4 --set 'record.timeline={steps: [1, 4]}' "
               "--set 'record.links={window: 2}'",
               tiles, sizeof tiles / sizeof tiles[0]);
}

Test(mpi, board16_timed, .timeout = 600) {
  check_ranks_threads("mpi-b16t", "scenarios/board16.yaml", "--set steps=30");
}

Test(mpi, board16_functional, .timeout = 600) {
  check_ranks_threads("mpi-b16f", "scenarios/board16.yaml", "--set steps=30 --set engine.mode=functional");
}

/* Fewer chips than ranks: the chip is cut into blocks of tiles and the
 * lookahead is one on-chip hop. */
Test(mpi, tile_blocks_timed, .timeout = 600) {
  check_ranks("mpi-tiles", "tests/mpi/chip1_tiles.yaml", "");
}

/* The same cut on the loihi preset, whose routers have finite buffers: the
 * credits that cross the cut take the chip's credit latency, which is the
 * lookahead. */
Test(mpi, tile_blocks_timed_finite_buffers, .timeout = 600) {
  check_ranks_threads("mpi-tiles-loihi", "tests/mpi/chip1_tiles.yaml", "--set chip=loihi");
}

/* SpiNNaker 2-like chips: no barrier; a step closes at the first PE's next
 * tick, at the same point of the total order on every rank. Whole chips of a
 * 2 x 2 board (lookahead: the chip link) with tick overruns, and one chip cut
 * into tile blocks (lookahead: a hop or a credit). */
Test(mpi, spinnaker_board, .timeout = 600) {
  check_ranks("mpi-spin-board", "tests/mpi/spinnaker_board.yaml", "");
}

/* DVFS by load: levels chosen per PE and tick, PE ticks per level and
 * switches summed over the ranks, the PEs' static energy by level. */
Test(mpi, spinnaker_board_dvfs, .timeout = 600) {
  check_ranks_threads("mpi-spin-dvfs", "tests/mpi/spinnaker_board.yaml",
              "--set steps=20 --set 'dvfs={policy: load}'");
}

Test(mpi, spinnaker_tile_blocks, .timeout = 600) {
  check_ranks("mpi-spin-tiles", "scenarios/spinnaker2_demo.yaml", "--set steps=40");
}

/* TrueNorth-like chips: a global tick, no barrier; split as the SpiNNaker
 * 2-like chips are (tile blocks of the one chip). At the preset's 1 ms tick,
 * and at a 3 us tick where every core overruns and packets arrive late. */
Test(mpi, truenorth_tile_blocks, .timeout = 600) {
  check_ranks("mpi-tn", "scenarios/truenorth_demo.yaml", "--set steps=40");
}

Test(mpi, truenorth_overruns, .timeout = 600) {
  check_ranks("mpi-tn-fast", "scenarios/truenorth_demo.yaml",
              "--set steps=40 --set chip=../tests/mpi/truenorth_fast.yaml");
}

/* A torus (tests/mpi/torus_chip.yaml, two-packet buffers, bubble flow
 * control) wrapping around a 2 x 2 board: the wrap-around chip links are cut
 * links too (whole chips per rank); and one torus chip cut into tile blocks,
 * its on-chip wrap-around links crossing the cut. */
Test(mpi, torus_board, .timeout = 600) {
  check_ranks("mpi-torus-board", "tests/mpi/torus_board.yaml", "");
}

Test(mpi, torus_tile_blocks, .timeout = 600) {
  check_ranks("mpi-torus-tiles", "tests/mpi/torus_board.yaml", "--set chips=[1,1]");
}

/* One report and one row in the results database for the whole run. */
Test(mpi, one_row_in_db, .timeout = 300) {
  const char *db = tu_tmp("mpi-db", ".sqlite");
  char cmd[2048], *out = NULL, *err = NULL;
  snprintf(cmd, sizeof cmd,
           MPI_ENV "%s --oversubscribe -np 2 %s run %s/scenarios/board16.yaml --set steps=5 "
                   "--db %s --quiet",
           NMSIM_MPIEXEC, NMSIM_BINARY, NMSIM_SOURCE_DIR, db);
  int rc = tu_run(cmd, &out, &err);
  cr_assert_eq(rc, 0, "exit %d, expected 0: %s", rc, err ? err : "");
  size_t reports = 0;
  for (const char *p = out; (p = strstr(p, "nmsim energy and latency report")) != NULL; p++)
    reports++;
  cr_assert_eq(reports, 1, "reports printed: %zu, expected 1\n%s", reports, out);
  free(out);
  free(err);
  snprintf(cmd, sizeof cmd, "%s report --db %s --json", NMSIM_BINARY, db);
  rc = tu_run(cmd, &out, NULL);
  cr_assert_eq(rc, 0, "report --db: exit %d", rc);
  size_t rows = 0;
  for (const char *p = out; (p = strstr(p, "\"scenario\"")) != NULL; p++) rows++;
  cr_assert_eq(rows, 1, "rows in the results database: %zu, expected 1\n%s", rows, out);
  free(out);
  remove(db);
}
