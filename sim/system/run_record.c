/* run_record.c: a run in the results database (sim/system/run_record.h), as
 * `nmsim run --db`, `nmsim sweep` and the library API record it. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "sim/system/run_record.h"

double run_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void run_utc(char when[32]) {
  time_t now = time(NULL);
  struct tm tm;
  when[0] = 0;
  if (gmtime_r(&now, &tm)) strftime(when, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

nmsim_status run_record(rdb *db, const nmsim_scenario *scn, const char *params_json,
                        const char *sweep_id, const char *run_file, const char *start_time,
                        double wall_s, nmsim_status run_st, const nmsim_err *run_err,
                        const run_summary *sum, int64_t *id, nmsim_err *err) {
  bool ok = run_st == NMSIM_OK;
  /* the run file as an absolute path, so the row finds it from anywhere */
  char abs[4096], cwd[2048];
  const char *file = run_file;
  if (run_file && run_file[0] != '/' && getcwd(cwd, sizeof cwd) &&
      (size_t)snprintf(abs, sizeof abs, "%s/%s", cwd, run_file) < sizeof abs)
    file = abs;
  rdb_run r = {.scenario_text = scn->text,
               .scenario_name = scn->name,
               .scenario_path = scn->path,
               .parameters_json = params_json,
               .sweep_id = sweep_id,
               .chip = scn->chip,
               .seed = scn->seed,
               .status = ok ? NULL : run_st == NMSIM_EINTR ? "interrupted" : "failed",
               .error = ok ? NULL : run_err && run_err->msg[0] ? run_err->msg
                                                               : nmsim_strerror(run_st),
               .start_time = start_time,
               .wall_time_s = wall_s,
               .run_file = file,
               .sum = ok ? sum : NULL};
  return rdb_insert(db, &r, id, err);
}
