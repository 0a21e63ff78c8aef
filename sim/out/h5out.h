/* h5out.h: the run file (HDF5). A writer streams each step as it completes,
 * so memory stays bounded; it flushes every few steps or about once a second,
 * so a run killed part-way leaves its completed steps readable with status
 * "incomplete". Finishing writes the end-of-run tables and status "complete".
 *
 * Layout (docs/hdf5-layout.md is the full reference; every dataset is chunked
 * and deflate-compressed, with units as attributes):
 *   /                         attrs: nmsim_version, scenario_name, seed, chip, steps, dt_ms,
 *                                    n_cores, n_tiles, static_power_mw, overrides (JSON),
 *                                    start_time (ISO 8601 UTC), status, and at the end
 *                                    end_time, wall_time_s; error if status is "failed"
 *   /meta/scenario            string: the scenario text (after overrides)
 *   /meta/chip                string: the chip file text
 *   /populations/<name>/      attrs: size, model, record_spikes
 *       spikes/step           uint64[n]   step of each spike
 *       spikes/neuron         uint32[n]   neuron index in the population
 *   /state/<pop>/<var>        float64[steps][k]  attrs: unit, neurons (uint32[k]), population
 *   /steps/latency_ns         float64[steps]     hardware length of each step
 *   /steps/energy_pj          float64[steps][NM_E_COUNT]  attr: columns (category keys)
 *   /cores/energy_pj          float64[n_cores][NM_E_COUNT] attr: columns        (at finish)
 *   /tiles/energy_pj          float64[n_tiles][NM_E_COUNT] attr: columns        (at finish)
 *   /packets/latency_hist     uint64[bins] attrs: max_ps, overflow               (at finish)
 *   /packets/latency_edges_ps float64[bins + 1]  bin b: [edges[b], edges[b + 1]) (at finish)
 *   /links/{name,src_xy,dst_xy,packets,busy_ns,utilisation}  one row per directed
 *                             NoC link                                          (at finish)
 *   /summary                  attrs: every scalar of run_summary (energy_pj.<key>, ...)
 *   /summary/populations      compound {name, model, size, spikes, rate_hz, bursts}
 * Other modules hand their tables to h5o_add as plain data (h5o_items), so
 * this file is the only writer of run files: /cores/utilisation
 * (sim/system/utilisation.c), /projections/<k> (plastic weights,
 * sim/system/plastic_weights.c) and /populations/<name>/input (DVS replay,
 * sim/dvs/dvs_replay.c).
 */
#ifndef NMSIM_SIM_H5OUT_H
#define NMSIM_SIM_H5OUT_H

#include "sim/base/stats.h"

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
  uint32_t n_tiles;
  double static_power_mw;       /* lets a reader estimate static energy of a partial run */
  const char *overrides_json;   /* the --set overrides as a JSON object, or NULL ("{}") */
  bool timed;                   /* hardware time: /steps/critical_core and split_ns too */
  /* Durability: buffered steps are written and the file flushed (H5Fflush)
   * after flush_steps steps (0: no step rule) or flush_s seconds of wall time
   * (0: H5O_FLUSH_S_DEFAULT) since the last flush, whichever comes first. In
   * long runs the time interval grows to 1 % of the time elapsed, at most a
   * minute. */
  uint64_t flush_steps;
  double flush_s;
  /* In memory (HDF5's core driver, nothing on disk; path only names it in
   * messages) when image is set: when the writer is closed, *image receives
   * the file's bytes (nm_malloc'd, the caller frees them) and *image_len
   * their number: an image that h5py (h5py.File(io.BytesIO(...))) or
   * H5LTopen_file_image opens. */
  void **image;
  size_t *image_len;
} h5o_layout;

#define H5O_FLUSH_S_DEFAULT 1.0

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
  /* timed runs: the core that finished last (UINT32_MAX: none), and the
   * step's parts in ps (compute, communication, learning, sync) */
  uint32_t critical_core;
  const nmsim_ps *split_ps;
} h5o_step;

/* Directed links of the network-on-chip, one entry each (arrays of n).
 * Written to /links at finish; utilisation = busy_ns / hardware time of the
 * run. The engine fills this from its link counters (sim/system/run_tables.c). */
typedef struct h5o_links {
  size_t n;
  const char *const *names;     /* hierarchical names, e.g. "tile3/east"; may be NULL */
  const int32_t *src_xy;        /* n x 2: (x, y) of the sending tile */
  const int32_t *dst_xy;        /* n x 2: (x, y) of the receiving tile */
  const uint64_t *packets;      /* packets carried */
  const double *busy_ns;        /* time the link was occupied */
  const double *stall_ns;       /* time packets waited with the link free (back-pressure) */
  /* per window of window_steps steps (n_windows of them; 0: none): its
   * hardware time, and per window and link (row-major, n_windows x n) the
   * packets, busy and stall time */
  size_t n_windows;
  uint64_t window_steps;
  const double *win_time_ns;
  const uint64_t *win_packets;
  const double *win_busy_ns, *win_stall_ns;
} h5o_links;

/* What h5o_finish writes besides the summary. Every pointer may be NULL: its
 * dataset is then left out (a reader says it is absent). */
typedef struct h5o_final {
  const run_summary *sum;       /* required */
  const double *core_energy_pj; /* n_cores x NM_E_COUNT, row-major */
  const double *tile_energy_pj; /* n_tiles x NM_E_COUNT: routing energy per tile */
  /* timed runs (NULL otherwise): per core, its busy time (n_cores x 3: neurons,
   * synapses, learning, in ns) and the steps it finished last in (n_cores x 2:
   * all, and those where synaptic events after its updates kept it busy) */
  const double *core_busy_ns;
  const uint64_t *core_critical;
  /* record.timeline (NULL: none): tl_steps steps from tl_first, tl_cores
   * cores (their ids in tl_core); per field (updates start, updates end,
   * work end, synaptic work, learning: ns; packets) a tl_steps x tl_cores
   * table */
  size_t tl_steps, tl_cores;
  uint64_t tl_first;
  const uint32_t *tl_core;
  const double *tl_ns[5];
  const uint64_t *tl_packets;
  const uint64_t *lat_hist;     /* n_bins packet counts */
  size_t n_bins;
  const double *lat_edges_ps;   /* n_bins + 1 increasing edges: bin b counts latencies in
                                 * [edges[b], edges[b + 1]); NULL: bins of bin_ns from 0 */
  double bin_ns;
  uint64_t lat_overflow;        /* packets slower than the last bin */
  uint64_t lat_max_ps;          /* the largest latency (the p99 is capped at it) */
  const h5o_links *links;
} h5o_final;

/* Create path and write the metadata with status "incomplete". An earlier
 * run file at path is replaced; anything else there is kept and refused
 * with NMSIM_EINPUT naming it. NMSIM_EIO with the path and reason if it
 * cannot be created. */
nmsim_status h5o_open(const char *path, const h5o_layout *lay, h5o_writer **out,
                      nmsim_err *err);
/* Append one step. Data reach the file when the buffer fills, at the flush
 * cadence of the layout (flush_steps / flush_s), or at h5o_flush. */
nmsim_status h5o_step_write(h5o_writer *w, const h5o_step *st, nmsim_err *err);
/* Flush buffered steps to disk (H5Fflush), so they survive a crash. */
nmsim_status h5o_flush(h5o_writer *w, nmsim_err *err);
/* Write the buffered steps, the tables of f and the summary; set end_time,
 * wall_time_s and status "complete". On failure the status stays
 * "incomplete" and err says why. */
nmsim_status h5o_finish(h5o_writer *w, const h5o_final *f, nmsim_err *err);
/* Mark a run that stopped on an error: write the buffered steps, set status
 * "failed" and attribute "error" to msg. The writer may then only be closed. */
nmsim_status h5o_fail_run(h5o_writer *w, const char *msg, nmsim_err *err);
/* h5o_fail_run with another status: "interrupted" for a run stopped by a
 * signal (its steps so far, end time, and msg saying where it stopped). */
nmsim_status h5o_end_run(h5o_writer *w, const char *status, const char *msg, nmsim_err *err);
/* ---- tables other modules hand over ------------------------------------- */

/* Element types of what h5o_add writes (little-endian in the file). */
typedef enum h5o_kind { H5O_U32, H5O_I32, H5O_U64, H5O_I64, H5O_F64, H5O_STR } h5o_kind;

/* An attribute: n values of kind (one value: a scalar attribute); H5O_STR
 * values are const char * (variable-length UTF-8, what h5py reads as str). */
typedef struct h5o_attr {
  const char *name;
  h5o_kind kind;
  size_t n;
  const void *v;
} h5o_attr;

/* A group (data NULL and rank 0) or a dataset of rank 1 or 2 at an absolute
 * path; missing parent groups are made, and an object already at path is
 * replaced. chunk: rows per chunk, deflate-compressed; 0: contiguous. */
typedef struct h5o_item {
  const char *path;
  h5o_kind kind;
  unsigned rank;
  size_t dims[2];
  const void *data;
  size_t chunk;
  const h5o_attr *attrs;
  size_t n_attrs;
} h5o_item;

/* A list of items and the memory they point to, which it owns. */
typedef struct h5o_items {
  h5o_item *v;
  size_t n, cap;
  void **owned;
  size_t n_owned, cap_owned;
} h5o_items;

/* A new zeroed item at the end of b, or NULL when out of memory. */
h5o_item *h5o_items_add(h5o_items *b);
/* Hand p (nm_malloc'd) to b, freed by h5o_items_free; returns p, or NULL
 * after freeing p when out of memory (p NULL: returns NULL). */
void *h5o_items_keep(h5o_items *b, void *p);
/* A copy of the printf-formatted string kept by b, or NULL. */
char *h5o_items_printf(h5o_items *b, const char *fmt, ...) NMSIM_PRINTF(2, 3);
/* Free what b holds (accepts a zeroed b). */
void h5o_items_free(h5o_items *b);
/* Write every item of b, in order, before h5o_finish. NMSIM_EHDF5 naming the
 * file and the item's path. */
nmsim_status h5o_add(h5o_writer *w, const h5o_items *b, nmsim_err *err);
/* Shut the HDF5 library down at the end of the process (the CLI turns off
 * libhdf5's own exit handler with H5dont_atexit): skipped after a failed
 * write, whose file libhdf5 1.10 would close again and crash on. */
void h5o_shutdown(void);
/* Another writer of HDF5 files (dvs convert) had a write fail: h5o_shutdown
 * skips the library's shutdown as for a run file. */
void h5o_note_write_failure(void);
/* The reason of libhdf5's last error, on one line (the operation and the OS
 * reason), into buf; the error stack is cleared. */
void h5o_last_error(char *buf, size_t n);
/* Close (accepts NULL). A writer closed without h5o_finish or h5o_fail_run
 * leaves status "incomplete". */
void h5o_close(h5o_writer *w);

/* Read the summary of a run file into *sum (clear it with run_summary_clear).
 * A file whose status is not "complete" is read from its per-step datasets as
 * far as they go (counts it does not store are 0; static energy is estimated
 * from static_power_mw), with the file's status ("incomplete" or "failed").
 * NMSIM_EIO / NMSIM_EFORMAT with the path and what is missing. */
nmsim_status h5o_read_summary(const char *path, run_summary *sum, nmsim_err *err);
/* The same read, in this process only; h5o_read_summary reads the file in a
 * child process first (sim/base/guard.h), so that a damaged file that makes
 * libhdf5 crash, hang or ask for gigabytes is reported, not suffered. */
nmsim_status h5o_read_summary_here(const char *path, run_summary *sum, nmsim_err *err);

#endif
