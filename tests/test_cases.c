/* test_cases.c: each case study (scenarios/cases/NAME/scenario.yaml) runs in a
 * shortened form and produces its headline figures: the report's JSON has the
 * cores it used and, for a case on a labelled recording, the energy and
 * latency per trial (per gesture sample); the two-point network emits fewer
 * events and costs less than the point network on the same input; the EGRU
 * language model runs at its activity sparsity within its tick. */
#include <criterion/criterion.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests_util.h"

static double num_after(const char *json, const char *key) {
  const char *p = strstr(json, key);
  cr_assert(p, "JSON lacks %s", key);
  p = strchr(p, ':');
  return strtod(p + 1, NULL);
}

/* The number after key within population name's object of the JSON report. */
static double pop_num(const char *json, const char *name, const char *key) {
  char k[64];
  snprintf(k, sizeof k, "\"%s\": {", name);
  const char *p = strstr(json, k);
  cr_assert(p, "JSON lacks population %s", name);
  return num_after(p, key);
}

Test(cases, every_case_runs_and_reports_its_figures, .timeout = 900) {
  glob_t g;
  cr_assert_eq(glob(NMSIM_SOURCE_DIR "/scenarios/cases/*/*.yaml", 0, NULL, &g), 0, "no cases");
  for (size_t i = 0; i < g.gl_pathc; i++) {
    char cmd[2048], *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd, "%s run %s --set steps=130 --json --quiet", NMSIM_BINARY,
             g.gl_pathv[i]);
    int rc = tu_run(cmd, &out, &err);
    cr_assert_eq(rc, 0, "%s: exit %d: %s", g.gl_pathv[i], rc, err);
    cr_assert_gt(num_after(out, "\"used\""), 0, "%s: cores used", g.gl_pathv[i]);
    cr_assert_gt(num_after(out, "\"total\""), 0, "%s: total energy", g.gl_pathv[i]);
    if (strstr(g.gl_pathv[i], "dvs_gesture")) {
      /* 130 steps: the first gesture (120 steps) and 10 of the second */
      const char *pt = strstr(out, "\"per_trial\"");
      cr_assert(pt, "%s: no per_trial figures", g.gl_pathv[i]);
      cr_assert_eq(num_after(pt, "\"trials\""), 1, "%s: one complete trial", g.gl_pathv[i]);
      cr_assert_gt(num_after(pt, "\"energy_pj_mean\""), 0);
      cr_assert_gt(num_after(pt, "\"time_us_mean\""), 0);
      cr_assert_geq(num_after(out, "\"used\""), 37, "fewer cores than the paper's 37?");
    }
    if (strstr(g.gl_pathv[i], "two_point_vs_point")) {
      /* context gating: the two-point network emits fewer events and costs less */
      double tp = pop_num(out, "tp1", "\"spikes\"") + pop_num(out, "tp2", "\"spikes\"");
      double pt = pop_num(out, "pt1", "\"spikes\"") + pop_num(out, "pt2", "\"spikes\"");
      cr_assert(tp > 0 && tp < pt, "two-point %g events, point %g", tp, pt);
      double etp = pop_num(out, "tp1", "\"total\"") + pop_num(out, "tp2", "\"total\"");
      double ept = pop_num(out, "pt1", "\"total\"") + pop_num(out, "pt2", "\"total\"");
      cr_assert(etp > 0 && etp < ept, "two-point %g pJ, point %g pJ", etp, ept);
    }
    if (strstr(g.gl_pathv[i], "egru_spinnaker2/gesture.yaml")) {
      /* 130 frames: two complete gestures of 48; one EGRU layer at 75-92 %
       * activity sparsity; a gesture's energy covers its 1.2 s of frames */
      const char *pt = strstr(out, "\"per_trial\"");
      cr_assert(pt, "%s: no per_trial figures", g.gl_pathv[i]);
      cr_assert_eq(num_after(pt, "\"trials\""), 2, "%s: two complete trials", g.gl_pathv[i]);
      cr_assert_float_eq(num_after(pt, "\"time_us_mean\""), 1.2e6, 1, "%s", g.gl_pathv[i]);
      cr_assert_gt(num_after(pt, "\"energy_pj_mean\""), 250.0 * 1.2e9, "%s: static alone is "
                   "250 mW x 1.2 s", g.gl_pathv[i]);
      double act = pop_num(out, "h", "\"spikes\"") / (512.0 * 130);
      cr_assert(act > 0.08 && act < 0.25, "%s: h active in %.1f %% of unit steps",
                g.gl_pathv[i], 100 * act);
    }
    if (strstr(g.gl_pathv[i], "egru_spinnaker2/scenario.yaml")) {
      /* every EGRU layer at 70-90 % activity sparsity, the token's energy and
       * the chip's power reported, and every token within its tick */
      static const char *layers[] = {"h1", "h2", "h3"};
      for (int l = 0; l < 3; l++) {
        double act = pop_num(out, layers[l], "\"spikes\"") /
                     (pop_num(out, layers[l], "\"size\"") * 130);
        cr_assert(act > 0.1 && act < 0.3, "%s: %s active in %.1f %% of unit steps",
                  g.gl_pathv[i], layers[l], 100 * act);
      }
      cr_assert_gt(num_after(strstr(out, "\"window\""), "\"energy_pj_mean\""), 0);
      const char *pw = strstr(out, "\"power_mw\"");
      cr_assert(pw && num_after(pw, "\"mean\"") > num_after(pw, "\"static\""),
                "%s: mean power above the static", g.gl_pathv[i]);
      cr_assert(!strstr(out, "\"overruns\""), "%s: a token overran its tick", g.gl_pathv[i]);
    }
    free(out);
    free(err);
  }
  cr_assert_geq(g.gl_pathc, 4);
  globfree(&g);
}
