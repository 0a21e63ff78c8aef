/* test_bundled.c: every bundled scenario (the YAML files of scenarios/) runs from a copy of
 * the scenarios folder alone, with nothing beside it: no ../shared, no build
 * tree, no other part of the checkout (what a user who copies the folder, or a
 * fresh clone without the shared data, gets). */
#include <criterion/criterion.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests_util.h"

Test(bundled, every_scenario_runs_from_a_bare_copy, .timeout = 600) {
  char dir[] = "/tmp/nmsim-bundled-XXXXXX";
  cr_assert(mkdtemp(dir), "mkdtemp");
  char cmd[4096], *err = NULL;
  snprintf(cmd, sizeof cmd, "cp -r '%s/scenarios' '%s/'", NMSIM_SOURCE_DIR, dir);
  cr_assert_eq(tu_run(cmd, NULL, NULL), 0, "copy the scenarios folder");
  char pattern[600];
  snprintf(pattern, sizeof pattern, "%s/scenarios/*.yaml", dir);
  glob_t g;
  cr_assert_eq(glob(pattern, 0, NULL, &g), 0, "no scenarios in %s", pattern);
  for (size_t i = 0; i < g.gl_pathc; i++) {
    /* from another working directory, so a path resolved against it fails;
     * 5 steps, or the scenario's own where its input lies beyond them */
    snprintf(cmd, sizeof cmd, "cd / && %s run '%s' --set steps=5 --quiet", NMSIM_BINARY,
             g.gl_pathv[i]);
    int rc = tu_run(cmd, NULL, &err);
    if (rc == 2 && strstr(err, ".spikes[")) {
      free(err);
      snprintf(cmd, sizeof cmd, "cd / && %s run '%s' --quiet", NMSIM_BINARY, g.gl_pathv[i]);
      rc = tu_run(cmd, NULL, &err);
    }
    cr_assert_eq(rc, 0, "%s: exit %d: %s", g.gl_pathv[i], rc, err);
    free(err);
  }
  cr_assert_geq(g.gl_pathc, 9, "%zu bundled scenarios", g.gl_pathc);
  globfree(&g);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  cr_assert_eq(tu_run(cmd, NULL, NULL), 0);
}
