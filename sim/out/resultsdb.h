/* resultsdb.h: the results database (SQLite): one row per run with its
 * scenario hash, parameters, seed, chip, status, timing and metrics, and its
 * populations in a child table. Safe for several processes at once (WAL mode,
 * one transaction per run, busy timeout). docs/results-db.md shows the schema.
 *
 * Schema version 1 (PRAGMA user_version):
 *   runs(id INTEGER PRIMARY KEY, scenario_hash TEXT (SHA-256 of the scenario
 *        text after --set), scenario, scenario_path, parameters (JSON object of
 *        the --set overrides), sweep_id, seed, chip, status ("complete" or
 *        "failed"), error, start_time (ISO 8601 UTC), wall_time_s,
 *        nmsim_version, run_file, then the metrics of RDB_METRIC_MAP and one
 *        energy_<category>_pj column per NMSIM_ENERGY_MAP entry)
 *   run_populations(run_id, name, model, size, spikes, rate_hz, bursts)
 * A metric or energy category added later becomes a new column when an older
 * database is opened (its earlier runs hold NULL there). */
#ifndef NMSIM_SIM_RESULTSDB_H
#define NMSIM_SIM_RESULTSDB_H

#include <stdio.h>

#include "nmsim/scenario.h"
#include "sim/base/stats.h"

#define RDB_SCHEMA_VERSION 1
#define RDB_BUSY_TIMEOUT_MS 60000

/* The scalar metrics of a run_summary as columns: X(column, SQL type, kind,
 * field). kind U64/U32: an integer field; F64: a double; PS: integer
 * picoseconds and PSF: double picoseconds, both stored as ns; STR: a string
 * (NULL or "" stored as NULL). The energy
 * categories come after these. */
#define RDB_METRIC_MAP(X)                                            \
  X(steps, INTEGER, U64, steps)                                      \
  X(dt_ms, REAL, F64, dt_ms)                                         \
  X(n_cores, INTEGER, U32, n_cores)                                  \
  X(cores_used, INTEGER, U32, cores_used)                            \
  X(tiles_used, INTEGER, U32, tiles_used)                            \
  X(energy_total_pj, REAL, F64, total_pj)                            \
  X(energy_static_pj, REAL, F64, static_pj)                          \
  X(hw_time_ns, REAL, PS, hw_time_ps)                                \
  X(step_min_ns, REAL, PS, step_min_ps)                              \
  X(step_mean_ns, REAL, PSF, step_mean_ps)                           \
  X(step_max_ns, REAL, PS, step_max_ps)                              \
  X(packet_mean_ns, REAL, PSF, packet_mean_ps)                       \
  X(packet_p99_ns, REAL, PSF, packet_p99_ps)                         \
  X(spikes, INTEGER, U64, spikes)                                    \
  X(synaptic_ops, INTEGER, U64, synaptic_ops)                        \
  X(neuron_updates, INTEGER, U64, neuron_updates)                    \
  X(packets, INTEGER, U64, packets)                                  \
  X(hops, INTEGER, U64, hops)                                        \
  X(tick_overruns, INTEGER, U64, tick_overruns)                      \
  X(late_packets, INTEGER, U64, late_packets)                        \
  X(input_events, INTEGER, U64, input_events)                        \
  X(window_mean_pj, REAL, F64, window_mean_pj)                       \
  X(window_max_pj, REAL, F64, window_max_pj)                         \
  X(util_neurons_max, REAL, F64, util_neurons_max)                   \
  X(util_synmem_max, REAL, F64, util_synmem_max)                    \
  X(mode, TEXT, STR, mode)                                           \
  X(energy_dynamic_pj, REAL, F64, dynamic_pj)                        \
  X(static_power_mw, REAL, F64, static_power_mw)                     \
  X(pacing, TEXT, STR, pacing)                                       \
  X(pacing_period_ns, REAL, PS, pacing_ps)                           \
  X(busy_time_ns, REAL, PS, busy_ps)                                 \
  X(power_peak_mw, REAL, F64, power_max_mw)                          \
  X(dvfs, TEXT, STR, dvfs)                                           \
  X(dvfs_switches, INTEGER, U64, dvfs_switches)

typedef struct rdb rdb;

/* One run to record. sum is NULL for a run that failed before it produced a
 * summary: its metric columns are then NULL, and scenario_name, chip, seed
 * describe it. */
typedef struct rdb_run {
  const char *scenario_text;    /* hashed (SHA-256) */
  const char *scenario_name;
  const char *scenario_path;
  const char *parameters_json;  /* "{}" if NULL */
  const char *sweep_id;         /* NULL for a single run */
  const char *chip;
  uint64_t seed;
  const char *status;           /* "complete", "failed", ... */
  const char *error;            /* NULL unless failed */
  const char *start_time;       /* ISO 8601 UTC */
  double wall_time_s;
  const char *run_file;         /* HDF5 path, or NULL */
  const run_summary *sum;
} rdb_run;

/* A run read back: what rdb_run recorded. */
typedef struct rdb_row {
  int64_t id;
  char *scenario_hash, *scenario_path, *parameters, *sweep_id, *error, *start_time, *run_file;
  double wall_time_s;
  bool has_metrics;             /* false for a run recorded without a summary */
  run_summary sum;              /* scenario, chip, nmsim_version, status, seed always */
  /* the parameters as key/value texts (a string value without its quotes);
   * numeric[i] says the value was a JSON number */
  size_t n_params;
  char **param_keys, **param_values;
  bool *param_numeric;
} rdb_row;

/* Open (creating it if needed) the database at path for writing: WAL mode,
 * busy timeout, schema created or checked (and migrated) in one transaction.
 * NMSIM_EIO if it cannot be opened or is not an SQLite database; NMSIM_EFORMAT
 * if it is not an nmsim results database or has a newer schema. Messages
 * name the path. */
nmsim_status rdb_open(const char *path, rdb **out, nmsim_err *err);
/* Open an existing database for reading only; same errors (a missing file is
 * NMSIM_EIO). */
nmsim_status rdb_open_readonly(const char *path, rdb **out, nmsim_err *err);
/* True when rdb_open_readonly could not open the database the usual way (a
 * WAL database in a folder this process cannot write, where SQLite cannot
 * make its -shm file) and read it as a file that nothing changes: a writer
 * at work on it is not seen. */
bool rdb_is_immutable(const rdb *db);
/* Close (accepts NULL). */
void rdb_close(rdb *db);

/* Append one run and its populations in one transaction; *id (may be NULL)
 * receives its row id. On failure nothing is recorded. */
nmsim_status rdb_insert(rdb *db, const rdb_run *r, int64_t *id, nmsim_err *err);

/* Read the runs (of one sweep if sweep_id is not NULL), oldest first, into a
 * new array *rows of *n (free with rdb_rows_free). */
nmsim_status rdb_list(rdb *db, const char *sweep_id, rdb_row **rows, size_t *n,
                      nmsim_err *err);
void rdb_rows_free(rdb_row *rows, size_t n);

/* The --set overrides as a JSON object: values that read fully as finite
 * numbers are JSON numbers, others strings; a key set twice keeps its last
 * value. New nm_malloc'd string, or NULL on out-of-memory. */
char *rdb_params_json(const nmsim_override *ov, size_t n);

/* Column name of energy category c ("energy_synaptic_op_pj") into buf. */
void rdb_energy_column(int c, char *buf, size_t n);

#endif
