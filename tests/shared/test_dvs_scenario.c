/* test_dvs_scenario.c: tests/shared/scenarios/dvs_replay_nmnist.yaml replays
 * the shared N-MNIST sample (4,325 events, SOURCES.md) through a convolutional
 * network on the Loihi preset; the report, from the run file, gives the input events and
 * the energy per input event and per time window consistently. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests_util.h"

static double num_after(const char *json, const char *key) {
  const char *p = strstr(json, key);
  cr_assert_not_null(p, "JSON has %s", key);
  p = strchr(p, ':');
  return strtod(p + 1, NULL);
}

Test(dvs_scenario, replay_reports_per_event_and_window, .timeout = 300) {
  const char *h5 = tu_tmp("dvs-replay", ".h5");
  char cmd[4096], *out = NULL, *err = NULL;
  snprintf(cmd, sizeof cmd, "%s run %s/tests/shared/scenarios/dvs_replay_nmnist.yaml -o %s --quiet",
           NMSIM_BINARY, NMSIM_SOURCE_DIR, h5);
  int rc = tu_run(cmd, &out, &err);
  cr_assert_eq(rc, 0, "exit %d: %s", rc, err);
  free(out);
  free(err);
  snprintf(cmd, sizeof cmd, "%s report %s --json", NMSIM_BINARY, h5);
  rc = tu_run(cmd, &out, &err);
  cr_assert_eq(rc, 0, "report exit %d: %s", rc, err);
  double events = num_after(out, "\"events\"");
  double per_event = num_after(out, "\"energy_pj_per_event\"");
  double total = num_after(out, "\"total\"");
  double mean = num_after(out, "\"energy_pj_mean\""), max = num_after(out, "\"energy_pj_max\"");
  double steps = num_after(out, "\"steps\"");
  cr_assert_eq(events, 4325, "input events %g, expected all 4325 of the sample", events);
  cr_assert(fabs(per_event - total / 4325) < 1e-6 * per_event, "per event %g, total/4325 %g",
            per_event, total / 4325);
  cr_assert(fabs(mean * steps - total) < 1e-6 * total, "mean window x steps %g, total %g",
            mean * steps, total);
  cr_assert_geq(max, mean, "max window %g >= mean %g", max, mean);
  cr_assert(strstr(out, "\"conv1\""), "populations reported");
  free(out);
  free(err);
  remove(h5);
}
