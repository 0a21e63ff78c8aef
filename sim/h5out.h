/* h5out.h: the run file (HDF5). A writer streams each step as it completes,
 * so memory stays bounded and a run killed part-way leaves readable steps
 * with /meta status "incomplete"; finishing writes the summary and sets
 * status "complete".
 *
 * Layout (all datasets chunked and deflate-compressed, units as attributes):
 *   /                         attrs: nmsim_version, scenario_name, seed, chip, steps, dt_ms,
 *                                    start_time (ISO 8601 UTC), status
 *   /meta/scenario            string: the scenario text (after overrides)
 *   /meta/chip                string: the chip file text
 *   /populations/<name>/      attrs: size, model
 *       spikes/step           uint64[n]   step of each spike
 *       spikes/neuron         uint32[n]   neuron index in the population
 *   /state/<pop>/<var>        float64[steps][k]  attrs: unit, neurons (uint32[k])
 *   /steps/latency_ns         float64[steps]     hardware length of each step
 *   /steps/energy_pj          float64[steps][NM_E_COUNT]  attr: columns (category keys)
 *   /cores/energy_pj          float64[n_cores][NM_E_COUNT] attr: columns
 *   /packets/latency_hist     uint64[bins] attrs: bin_ns, overflow
 *   /summary                  attrs: every scalar of run_summary (energy_pj.<key>, ...)
 *   /summary/populations      compound {name, model, size, spikes, rate_hz}
 */
#ifndef NMSIM_SIM_H5OUT_H
#define NMSIM_SIM_H5OUT_H

#include "sim/stats.h"

typedef struct h5o_writer h5o_writer;

typedef struct h5o_pop {
  const char *name;
  const char *model;
  uint32_t size;
  bool record_spikes;
} h5o_pop;

typedef struct h5o_state {
  uint32_t pop;                 /* index into pops */
  size_t n_vars;
  const char *const *var_names;
  const char *const *var_units;
  size_t n_neurons;
  const uint32_t *neurons;
} h5o_state;

typedef struct h5o_layout {
  const char *scenario_name;
  const char *scenario_text;
  const char *chip_name;
  const char *chip_text;
  uint64_t seed;
  uint64_t steps;               /* planned */
  double dt_ms;
  uint32_t n_cores;
  const h5o_pop *pops;
  size_t n_pops;
  const h5o_state *states;
  size_t n_states;
} h5o_layout;

/* Data of one completed step. */
typedef struct h5o_step {
  uint64_t step;
  nmsim_ps latency_ps;
  const double *energy_pj;      /* NM_E_COUNT */
  /* spikes of recorded populations: spikes[p] holds n_spikes[p] neuron
   * indices (entries of unrecorded populations are ignored) */
  const uint32_t *const *spikes;
  const size_t *n_spikes;
  /* state values: values[k] holds n_vars * n_neurons doubles for layout
   * state k, var-major (var 0 for every neuron, then var 1, ...) */
  const double *const *values;
} h5o_step;

/* Create path (truncating it) and write the metadata with status
 * "incomplete". NMSIM_EIO with the path and reason if it cannot be created. */
nmsim_status h5o_open(const char *path, const h5o_layout *lay, h5o_writer **out,
                      nmsim_err *err);
/* Append one step; data reach the file at the latest when the chunk fills or
 * at h5o_flush. */
nmsim_status h5o_step_write(h5o_writer *w, const h5o_step *st, nmsim_err *err);
/* Flush buffered steps to disk (H5Fflush), so they survive a crash. */
nmsim_status h5o_flush(h5o_writer *w, nmsim_err *err);
/* Write per-core energy (n_cores x NM_E_COUNT, row-major), the packet latency
 * histogram and the summary; set status "complete". */
nmsim_status h5o_finish(h5o_writer *w, const run_summary *sum, const double *core_energy_pj,
                        const uint64_t *lat_hist, size_t n_bins, double bin_ns,
                        uint64_t lat_overflow, nmsim_err *err);
/* Close (accepts NULL). A writer closed without h5o_finish leaves status
 * "incomplete". */
void h5o_close(h5o_writer *w);

/* Read the summary of a run file into *sum (clear it with run_summary_clear).
 * A file whose status is "incomplete" is read from its per-step datasets as
 * far as they go, with status "incomplete". NMSIM_EIO / NMSIM_EFORMAT with the
 * path and what is missing. */
nmsim_status h5o_read_summary(const char *path, run_summary *sum, nmsim_err *err);

#endif
