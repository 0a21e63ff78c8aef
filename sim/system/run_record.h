/* run_record.h: recording a run in the results database (sim/out/resultsdb.h),
 * shared by the command line (run --db, sweep) and the library API. */
#ifndef NMSIM_SIM_SYSTEM_RUN_RECORD_H
#define NMSIM_SIM_SYSTEM_RUN_RECORD_H

#include "sim/load/scenario_int.h"
#include "sim/out/resultsdb.h"

/* Monotonic seconds, and the current UTC time as ISO 8601 into when[32]. */
double run_now(void);
void run_utc(char when[32]);

/* Record in db one run of scn (loaded with the overrides whose JSON is
 * params_json) that started at start_time and took wall_s: its summary sum
 * if run_st is NMSIM_OK, else status "failed" with run_err's message. *id
 * (may be NULL) receives the row id. */
nmsim_status run_record(rdb *db, const nmsim_scenario *scn, const char *params_json,
                        const char *sweep_id, const char *run_file, const char *start_time,
                        double wall_s, nmsim_status run_st, const nmsim_err *run_err,
                        const run_summary *sum, int64_t *id, nmsim_err *err);

#endif
