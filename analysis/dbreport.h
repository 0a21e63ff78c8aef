/* dbreport.h: `nmsim report --db`: the runs of a results database side by
 * side, one row per run with its swept parameters and key metrics (aligned
 * text with units), or as JSON. */
#ifndef NMSIM_ANALYSIS_DBREPORT_H
#define NMSIM_ANALYSIS_DBREPORT_H

#include <stdio.h>

#include "sim/out/resultsdb.h"

/* Print rows (read from the database at path) as a table, then which run is
 * best on energy and on step time. */
void dbreport_print_text(FILE *f, const char *path, const rdb_row *rows, size_t n);
/* Print {"database", "schema_version", "runs": [...]}: each run has id,
 * scenario_hash, parameters, sweep_id, status, error, start_time,
 * wall_time_s, run_file, the identifying members of the report object
 * (scenario, chip, seed, steps, dt_ms, nmsim_version) and, if it has
 * metrics, its metric members (energy_pj, latency_ns, counts, populations). */
void dbreport_print_json(FILE *f, const char *path, const rdb_row *rows, size_t n);
/* Open the database at path read-only, list its runs (of one sweep if
 * sweep_id is not NULL) and print them. Errors name the path. */
nmsim_status dbreport(FILE *f, const char *path, const char *sweep_id, bool json,
                      nmsim_err *err);

#endif
