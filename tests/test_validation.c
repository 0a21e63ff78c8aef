/* test_validation.c: the table of published silicon measurements
 * (scenarios/validation/table.yaml, docs/validation.md) through `nmsim
 * validation`: every row's prediction is the one the table records (a model
 * change that moves a row fails here), the document's table is the one
 * printed now, the table covers the chips the project calibrates, and a
 * moved prediction, a row outside its goal without a reason and a bad field
 * are each caught. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests_util.h"

#define TABLE NMSIM_SOURCE_DIR "/scenarios/validation/table.yaml"
#define DOC NMSIM_SOURCE_DIR "/docs/validation.md"

static int nmsim(const char *args, char **out, char **err) {
  char cmd[8192];
  snprintf(cmd, sizeof cmd, "%s %s", NMSIM_BINARY, args);
  return tu_run(cmd, out, err);
}

static size_t count(const char *hay, const char *needle) {
  size_t n = 0;
  for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle)) n++;
  return n;
}

/* Every row runs, predicts what the table records, and the document holds
 * the table as printed now. */
Test(validation, table_holds_and_document_matches, .timeout = 900) {
  char *out, *err;
  int rc = nmsim("validation " TABLE " --check --doc " DOC " --json", &out, &err);
  cr_assert_eq(rc, 0, "nmsim validation --check: exit %d\n%s", rc, err);
  /* the coverage the table has reached (docs/validation.md says what is
   * missing): at least four Loihi rows and three SpiNNaker 2 rows */
  cr_assert_geq(count(out, "\"chip\": \"loihi\""), 4, "%s", out);
  cr_assert_geq(count(out, "\"chip\": \"spinnaker2\""), 3, "%s", out);
  free(out);
  free(err);
}

/* A one-row table on the quickstart scenario, its fields given. */
static const char *one_row(const char *tag, const char *fields) {
  const char *path = tu_tmp(tag, ".yaml");
  char text[2048];
  snprintf(text, sizeof text,
           "rows:\n"
           "  - workload: quickstart\n"
           "    scenario: %s/scenarios/quickstart.yaml\n"
           "    set: {steps: 50}\n"
           "    source: a test\n"
           "%s",
           NMSIM_SOURCE_DIR, fields);
  cr_assert_eq(tu_write(path, text), 0);
  return path;
}

/* The figure nmsim predicts for a row, from its JSON. */
static double predicted(const char *table) {
  char args[1024], *out, *err;
  snprintf(args, sizeof args, "validation %s --json", table);
  cr_assert_eq(nmsim(args, &out, &err), 0, "%s", err);
  const char *p = strstr(out, "\"nmsim\": ");
  cr_assert(p, "%s", out);
  double v = strtod(p + 9, NULL);
  free(out);
  free(err);
  return v;
}

/* A recorded prediction that no longer holds fails --check, naming the row. */
Test(validation, moved_prediction_is_caught) {
  const char *t = one_row("val_probe", "    figure: dynamic_energy\n    measured: 1 nJ\n");
  double pj = predicted(t);
  cr_assert_gt(pj, 0);
  char fields[256], args[1024], *out, *err;
  /* the prediction as recorded: --check passes (goal wide enough) */
  snprintf(fields, sizeof fields,
           "    figure: dynamic_energy\n    measured: %.17g pJ\n    predicted: %.4g pJ\n", pj,
           pj);
  t = one_row("val_same", fields);
  snprintf(args, sizeof args, "validation %s --check", t);
  int rc = nmsim(args, &out, &err);
  cr_assert_eq(rc, 0, "exit %d: %s", rc, err);
  free(out), free(err);
  /* the same row, its prediction 1 % off */
  snprintf(fields, sizeof fields,
           "    figure: dynamic_energy\n    measured: %.17g pJ\n    predicted: %.4g pJ\n", pj,
           pj * 1.01);
  t = one_row("val_moved", fields);
  snprintf(args, sizeof args, "validation %s --check", t);
  rc = nmsim(args, &out, &err);
  cr_assert_eq(rc, 1, "exit %d: %s", rc, err);
  cr_assert(strstr(err, "row 1 (quickstart, dynamic_energy): nmsim now predicts"), "%s", err);
  cr_assert(strstr(err, ".yaml:2: row 1"), "the row's line: %s", err);
  free(out), free(err);
}

/* A row outside its goal must say why; with why it passes --check. */
Test(validation, outside_goal_needs_a_reason) {
  double pj = predicted(one_row("val_probe2", "    figure: dynamic_energy\n    measured: 1 nJ\n"));
  char fields[320], args[1024], *out, *err;
  snprintf(fields, sizeof fields,
           "    figure: dynamic_energy\n    measured: %.17g pJ\n    predicted: %.4g pJ\n", 2 * pj,
           pj);
  const char *t = one_row("val_goal", fields);
  snprintf(args, sizeof args, "validation %s --check", t);
  int rc = nmsim(args, &out, &err);
  cr_assert_eq(rc, 1, "exit %d", rc);
  cr_assert(strstr(err, "-50.0 % is outside its goal of 12 %"), "%s", err);
  cr_assert(strstr(out, "OUTSIDE"), "%s", out);
  free(out), free(err);
  snprintf(fields + strlen(fields), sizeof fields - strlen(fields), "    why: a test\n");
  t = one_row("val_why", fields);
  snprintf(args, sizeof args, "validation %s --check --markdown", t);
  rc = nmsim(args, &out, &err);
  cr_assert_eq(rc, 0, "exit %d: %s", rc, err);
  cr_assert(strstr(out, "| -50.0 % | outside 12 % |"), "%s", out);
  cr_assert(strstr(out, "- Row 1: a test"), "%s", out);
  free(out), free(err);
}

/* Per step and per inference divide the run's figure. */
Test(validation, per_step_and_per_inference) {
  double run = predicted(one_row("val_run", "    figure: time\n    measured: 1 ms\n"));
  double step = predicted(one_row("val_step", "    figure: time\n    per: step\n"
                                              "    measured: 1 ms\n"));
  double inf = predicted(one_row("val_inf", "    figure: time\n    per: inference\n"
                                             "    inferences: 5\n    measured: 1 ms\n"));
  cr_assert_float_eq(step * 50, run, run * 1e-12, "%g x 50 vs %g", step, run);
  cr_assert_float_eq(inf * 5, run, run * 1e-12, "%g x 5 vs %g", inf, run);
}

/* Bad fields: exit 2 with the table's name, line and the field. */
Test(validation, bad_fields_are_named) {
  static const struct {
    const char *fields, *want;
  } cases[] = {
      {"    figure: heat\n    measured: 1 mJ\n", "rows[0].figure: expected one of energy"},
      {"    figure: energy\n    measured: 1 ms\n", "rows[0].measured: expected an energy"},
      {"    figure: energy\n    measured: 1 mJ\n    per: epoch\n",
       "rows[0].per: expected run, step or inference"},
      {"    figure: energy\n    measured: 1 mJ\n    inferences: 3\n",
       "rows[0].inferences: only with per: inference"},
      {"    figure: energy\n", "missing field 'measured'"},
      {"    figure: energy\n    measured: 1 mJ\n    colour: red\n", "colour"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const char *t = one_row("val_bad", cases[i].fields);
    char args[1024], *out, *err;
    snprintf(args, sizeof args, "validation %s", t);
    int rc = nmsim(args, &out, &err);
    cr_assert_eq(rc, 2, "case %zu: exit %d: %s", i, rc, err);
    cr_assert(strstr(err, cases[i].want), "case %zu: %s", i, err);
    cr_assert(strstr(err, "val_bad"), "case %zu names the file: %s", i, err);
    free(out), free(err);
  }
}
