/* run_int.h: running a loaded scenario end to end: chip, mapping, engine,
 * the HDF5 run file and the summary for the report. */
#ifndef NMSIM_SIM_RUN_INT_H
#define NMSIM_SIM_RUN_INT_H

#include "nmsim/chip.h"
#include "nmsim/scenario.h"
#include "cores/machine.h"
#include "sim/base/stats.h"

typedef struct run_opts {
  const char *h5_path;   /* run file to write, or NULL */
  bool progress;         /* progress line on stderr (the caller checks isatty) */
  const char *overrides_json; /* the --set overrides as JSON, stored in the run file */
  const char *partition; /* under mpirun: "blocks" (default, NULL) or "cyclic" */
  /* Without h5_path, when h5_image is set: the run file is made in memory and
   * its bytes handed back in *h5_image (nm_malloc'd) and *h5_image_len. */
  void **h5_image;
  size_t *h5_image_len;
  /* The progress line to a function instead of stderr (with progress set). */
  void (*progress_sink)(void *ctx, const char *line);
  void *progress_ctx;
  /* Network mode: the threads that share each large population's neuron
   * update (set by run_scenario_threads; 0 or 1: one). */
  int threads;
} run_opts;

/* Run scenario scn on its chip. On success *sum holds the summary (clear it
 * with run_summary_clear). On failure the run file, if any, is left with
 * status "incomplete", and err says why. */
nmsim_status run_scenario(const nmsim_scenario *scn, const run_opts *o, run_summary *sum,
                          nmsim_err *err);

/* run_scenario on a team of `threads` threads of this process, split as
 * over MPI ranks (the same conservative windows; the same bits as one
 * thread): member 0 runs with o (the run file, the progress line) and fills
 * sum, the others on their own copy of the scenario. In network mode one
 * system runs, and the threads share the neuron update of every population
 * of at least 16384 neurons (the same bits as one thread). threads <= 1 is
 * run_scenario. NMSIM_EINPUT under mpirun, with a replay
 * of HDF5 events (the HDF5 library serves one thread), or beyond 256. */
nmsim_status run_scenario_threads(const nmsim_scenario *scn, int threads, const run_opts *o,
                                  run_summary *sum, nmsim_err *err);

/* Run every step of the scenario (sim/system/run.c): on the engine through
 * the chip's NoC, straight to the targets with an untimed path, or split
 * over processes. */
nmsim_status sys_run(sys *s, nmsim_err *err);

#endif
