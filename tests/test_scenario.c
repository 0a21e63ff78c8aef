/* test_scenario.c: scenario files (nmsim/scenario.h, sim/load/scenario_int.h):
 * every field and its default, every validation rule with its located
 * message, --set overrides, chip references, and out-of-memory. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nmsim/chip.h"
#include "sim/load/scenario_int.h"
#include "tests_util.h"

/* ---- helpers ---------------------------------------------------------------- */

#define EXPECT_STATUS(what, got, want, err)                                         \
  cr_assert((got) == (want), "%s: got %s (%s), expected %s", (what),                \
            nmsim_status_name(got), (err).msg, nmsim_status_name(want))
#define EXPECT_HAS(msg, frag)                                                        \
  cr_assert(strstr((msg), (frag)), "message \"%s\" lacks \"%s\"", (msg), (frag))
#define EXPECT_U(what, got, want)                                                    \
  cr_assert((uint64_t)(got) == (uint64_t)(want), "%s: got %" PRIu64 ", expected %" PRIu64, \
            (what), (uint64_t)(got), (uint64_t)(want))
#define EXPECT_DBL(what, got, want)                                                  \
  cr_assert((got) == (want), "%s: got %.17g, expected %.17g", (what), (double)(got),  \
            (double)(want))
#define EXPECT_STR(what, got, want)                                                  \
  cr_assert(strcmp((got), (want)) == 0, "%s: got '%s', expected '%s'", (what), (got), (want))

/* A scenario using every feature; line numbers matter to the tests below. */
static const char *const BASE =
    "name: quick\n"                                                              /* 1 */
    "seed: 7\n"                                                                  /* 2 */
    "chip: test\n"                                                               /* 3 */
    "steps: 100\n"                                                               /* 4 */
    "dt: 0.5 ms\n"                                                               /* 5 */
    "engine: {queue: heap, max_events: 1000}\n"                                  /* 6 */
    "populations:\n"                                                             /* 7 */
    "  input: {size: 10, model: poisson, params: {rate: 20 Hz}}\n"               /* 8 */
    "  stim:  {size: 2, model: spike_array, spikes: [[5, 1, 5], [3]]}\n"         /* 9 */
    "  exc:   {size: 4, model: lif, params: {tau_m: 20 ms, v_th: -50 mV}}\n"     /* 10 */
    "projections:\n"                                                             /* 11 */
    "  - {from: input, to: exc, connector: {fixed_probability: 0.1}, weight: 0.5 nA, delay: 1, "
    "site: exc}\n"                                                               /* 12 */
    "  - {from: exc, to: exc, connector: all_to_all, weight: -0.1, allow_self: true, site: inh, "
    "delay: 1 ms}\n"                                                             /* 13 */
    "  - {from: stim, to: exc, connector: all_to_all, weight: 2}\n"             /* 14 */
    "record:\n"                                                                  /* 15 */
    "  spikes: [exc, input]\n"                                                   /* 16 */
    "  state: {exc: {vars: [v, i_syn_e], neurons: [0, 2]}}\n";                  /* 17 */

/* The smallest valid scenario. */
static const char *const MINI =
    "chip: test\n"
    "steps: 10\n"
    "populations:\n"
    "  a: {size: 3, model: lif}\n";

/* text with the first `from` replaced by `to` (malloc'd). */
static char *with(const char *text, const char *from, const char *to) {
  const char *p = strstr(text, from);
  cr_assert(p != NULL, "text lacks \"%s\"", from);
  size_t n = strlen(text) - strlen(from) + strlen(to) + 1;
  char *s = malloc(n);
  cr_assert(s != NULL);
  snprintf(s, n, "%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
  return s;
}

static nmsim_scenario *load_ok(const char *text, const nmsim_override *ov, size_t n_ov) {
  nmsim_scenario *s = NULL;
  nmsim_err err = {0};
  nmsim_status rc = nmsim_scenario_load_string("t.yaml", text, ov, n_ov, &s, &err);
  EXPECT_STATUS("load", rc, NMSIM_OK, err);
  cr_assert(s != NULL, "load returned OK but no scenario");
  return s;
}

/* Load text, expect code, return the message (static buffer). */
static const char *load_err(const char *text, const nmsim_override *ov, size_t n_ov,
                            nmsim_status want) {
  static nmsim_err err;
  nmsim_scenario *s = (nmsim_scenario *)1;
  memset(&err, 0, sizeof err);
  nmsim_status rc = nmsim_scenario_load_string("t.yaml", text, ov, n_ov, &s, &err);
  EXPECT_STATUS("load", rc, want, err);
  cr_assert(s == NULL, "failed load left *out set");
  cr_assert(err.code == want, "err.code: got %s", nmsim_status_name(err.code));
  return err.msg;
}

/* BASE with from replaced by to must fail with EINPUT and a message that
 * starts with prefix and contains frag (either may be ""). */
static void bad(const char *from, const char *to, const char *prefix, const char *frag) {
  char *text = with(BASE, from, to);
  const char *msg = load_err(text, NULL, 0, NMSIM_EINPUT);
  cr_assert(strncmp(msg, prefix, strlen(prefix)) == 0,
            "[%s -> %s] got \"%s\", expected it to start with \"%s\"", from, to, msg, prefix);
  cr_assert(strstr(msg, frag), "[%s -> %s] message \"%s\" lacks \"%s\"", from, to, msg, frag);
  free(text);
}

static nmsim_scenario *load_with(const char *from, const char *to) {
  char *text = with(BASE, from, to);
  nmsim_scenario *s = load_ok(text, NULL, 0);
  free(text);
  return s;
}

/* ---- a complete scenario ---------------------------------------------------------- */

/* Every field of BASE lands in the struct, in the model's units. */
Test(scenario, loads_every_field) {
  nmsim_scenario *s = load_ok(BASE, NULL, 0);
  EXPECT_STR("path", s->path, "<string>");
  EXPECT_STR("name", s->name, "quick");
  EXPECT_U("seed", s->seed, 7);
  EXPECT_U("steps", s->steps, 100);
  EXPECT_DBL("dt_ms", s->dt_ms, 0.5);
  EXPECT_STR("chip", s->chip, "test");
  EXPECT_STR("queue", s->queue, "heap");
  EXPECT_U("max_events", s->max_events, 1000);

  EXPECT_U("n_pops", s->n_pops, 3);
  const scn_population *in = &s->pops[0], *st = &s->pops[1], *ex = &s->pops[2];
  EXPECT_STR("pops[0].name", in->name, "input");
  EXPECT_STR("pops[1].name", st->name, "stim");
  EXPECT_STR("pops[2].name", ex->name, "exc");
  EXPECT_U("input.size", in->size, 10);
  EXPECT_U("input.line", in->line, 8);
  EXPECT_U("exc.line", ex->line, 10);
  EXPECT_STR("input.model", in->model->name, "poisson");
  EXPECT_DBL("input.rate", in->values[nmsim_model_param_index(in->model, "rate")], 20);
  EXPECT_STR("exc.model", ex->model->name, "lif");
  const nmsim_neuron_type *lif = ex->model;
  EXPECT_DBL("exc.tau_m", ex->values[nmsim_model_param_index(lif, "tau_m")], 20);
  EXPECT_DBL("exc.v_th", ex->values[nmsim_model_param_index(lif, "v_th")], -50);
  int ir = nmsim_model_param_index(lif, "r_m");
  EXPECT_DBL("exc.r_m (default)", ex->values[ir], lif->params[ir].def);
  cr_assert(in->spikes.off == NULL && ex->spikes.steps == NULL, "non-spike_array has spikes");

  /* spikes [[5, 1, 5], [3]]: sorted and unique */
  EXPECT_U("stim.spikes.n", st->spikes.n, 2);
  EXPECT_U("off[0]", st->spikes.off[0], 0);
  EXPECT_U("off[1]", st->spikes.off[1], 2);
  EXPECT_U("off[2]", st->spikes.off[2], 3);
  EXPECT_U("steps[0]", st->spikes.steps[0], 1);
  EXPECT_U("steps[1]", st->spikes.steps[1], 5);
  EXPECT_U("steps[2]", st->spikes.steps[2], 3);

  EXPECT_U("n_projs", s->n_projs, 3);
  const scn_projection *p0 = &s->projs[0], *p1 = &s->projs[1], *p2 = &s->projs[2];
  EXPECT_U("p0.pre", p0->pre, 0);
  EXPECT_U("p0.post", p0->post, 2);
  cr_assert(p0->conn == SCN_FIXED_PROBABILITY, "p0.conn: got %d", (int)p0->conn);
  EXPECT_DBL("p0.p", p0->p, 0.1);
  EXPECT_DBL("p0.weight", p0->weight, 0.5);
  EXPECT_U("p0.delay", p0->delay, 1);
  EXPECT_U("p0.site", p0->site, 0);
  cr_assert(!p0->allow_self, "p0.allow_self: got true");
  EXPECT_U("p0.line", p0->line, 12);
  cr_assert(p1->conn == SCN_ALL_TO_ALL, "p1.conn: got %d", (int)p1->conn);
  EXPECT_DBL("p1.weight", p1->weight, -0.1);
  EXPECT_U("p1.delay (1 ms at dt 0.5 ms)", p1->delay, 2);
  EXPECT_U("p1.site (inh)", p1->site, 1);
  cr_assert(p1->allow_self, "p1.allow_self: got false");
  EXPECT_U("p2.pre", p2->pre, 1);
  EXPECT_DBL("p2.weight", p2->weight, 2);
  EXPECT_U("p2.delay (default)", p2->delay, 1);
  EXPECT_U("p2.site (default)", p2->site, 0);

  cr_assert(s->rec_spikes[0] && !s->rec_spikes[1] && s->rec_spikes[2],
            "rec_spikes: got %d %d %d, expected 1 0 1", s->rec_spikes[0], s->rec_spikes[1],
            s->rec_spikes[2]);
  EXPECT_U("n_rec_state", s->n_rec_state, 1);
  const scn_state_rec *r = &s->rec_state[0];
  EXPECT_U("rec.pop", r->pop, 2);
  EXPECT_U("rec.n_vars", r->n_vars, 2);
  EXPECT_U("rec.vars[0]", r->vars[0], nmsim_model_var_index(lif, "v"));
  EXPECT_U("rec.vars[1]", r->vars[1], nmsim_model_var_index(lif, "i_syn_e"));
  EXPECT_U("rec.n_neurons", r->n_neurons, 2);
  EXPECT_U("rec.neurons[0]", r->neurons[0], 0);
  EXPECT_U("rec.neurons[1]", r->neurons[1], 2);
  cr_assert(s->text && strstr(s->text, "tau_m: 20 ms"), "text: got \"%s\"", s->text);
  nmsim_scenario_destroy(s);
}

/* Optional fields take their documented defaults. */
Test(scenario, defaults) {
  nmsim_scenario *s = load_ok(MINI, NULL, 0);
  EXPECT_STR("name (from the name given)", s->name, "t");
  EXPECT_U("seed", s->seed, 1);
  EXPECT_DBL("dt_ms", s->dt_ms, 1);
  EXPECT_STR("queue", s->queue, "bucket");
  EXPECT_U("max_events", s->max_events, 1u << 24);
  EXPECT_U("n_projs", s->n_projs, 0);
  EXPECT_U("n_rec_state", s->n_rec_state, 0);
  cr_assert(s->rec_spikes && !s->rec_spikes[0], "rec_spikes: expected an array of false");
  const scn_population *p = &s->pops[0];
  for (size_t i = 0; i < p->model->n_params; i++)
    EXPECT_DBL(p->model->params[i].name, p->values[i], p->model->params[i].def);
  nmsim_scenario_destroy(s);
}

/* A scenario file loads from disk: the name defaults to its stem, path and
 * text are kept, a relative chip path is taken against its directory. */
Test(scenario, file_and_relative_chip) {
  char dir[512], spath[600], cpath[600];
  snprintf(dir, sizeof dir, "%s", tu_tmp("scndir", ""));
  cr_assert(mkdir(dir, 0755) == 0, "cannot create %s", dir);
  snprintf(spath, sizeof spath, "%s/my_run.yaml", dir);
  snprintf(cpath, sizeof cpath, "%s/mychip.yaml", dir);
  cr_assert(tu_write(cpath, nmsim_chip_preset_text("test")) == 0, "cannot write %s", cpath);
  char *text = with(MINI, "chip: test", "chip: mychip.yaml");
  cr_assert(tu_write(spath, text) == 0, "cannot write %s", spath);
  free(text);

  nmsim_scenario *s = NULL;
  nmsim_err err = {0};
  nmsim_status rc = nmsim_scenario_load(spath, NULL, 0, &s, &err);
  EXPECT_STATUS("load file", rc, NMSIM_OK, err);
  EXPECT_STR("name", s->name, "my_run");
  EXPECT_STR("path", s->path, spath);
  EXPECT_STR("chip", s->chip, cpath);
  cr_assert(strstr(s->text, "chip: mychip.yaml"), "text: got \"%s\"", s->text);
  nmsim_scenario_destroy(s);

  /* Loaded through a relative path, the chip path is still absolute. */
  char cwd[1024];
  cr_assert(getcwd(cwd, sizeof cwd) != NULL);
  cr_assert(chdir(dir) == 0, "cannot enter %s", dir);
  rc = nmsim_scenario_load("./my_run.yaml", NULL, 0, &s, &err);
  EXPECT_STATUS("load ./my_run.yaml", rc, NMSIM_OK, err);
  EXPECT_STR("chip from ./my_run.yaml", s->chip, cpath);
  nmsim_scenario_destroy(s);
  rc = nmsim_scenario_load("my_run.yaml", NULL, 0, &s, &err);
  EXPECT_STATUS("load my_run.yaml", rc, NMSIM_OK, err);
  EXPECT_STR("chip from my_run.yaml", s->chip, cpath);
  nmsim_scenario_destroy(s);
  cr_assert(chdir("..") == 0);
  char rel[600];
  snprintf(rel, sizeof rel, "%s/my_run.yaml", strrchr(dir, '/') + 1);
  rc = nmsim_scenario_load(rel, NULL, 0, &s, &err);
  EXPECT_STATUS("load relative", rc, NMSIM_OK, err);
  EXPECT_STR("chip from a relative path", s->chip, cpath);
  nmsim_scenario_destroy(s);
  cr_assert(chdir(cwd) == 0);

  /* An error in a file names the file as given. */
  text = with(MINI, "steps: 10", "steps: 0");
  cr_assert(tu_write(spath, text) == 0);
  free(text);
  rc = nmsim_scenario_load(spath, NULL, 0, &s, &err);
  EXPECT_STATUS("bad file", rc, NMSIM_EINPUT, err);
  char want[1400];
  snprintf(want, sizeof want, "%s:2:8: steps: expected an integer in [1, 1000000000], got '0'",
           spath);
  EXPECT_STR("message", err.msg, want);

  /* A chip path that does not exist fails at the chip field. */
  text = with(MINI, "chip: test", "chip: nochip.yaml");
  cr_assert(tu_write(spath, text) == 0);
  free(text);
  rc = nmsim_scenario_load(spath, NULL, 0, &s, &err);
  EXPECT_STATUS("missing chip", rc, NMSIM_EIO, err);
  snprintf(want, sizeof want, "%s:1:7: chip: %s/nochip.yaml: No such file or directory", spath, dir);
  EXPECT_STR("message", err.msg, want);
  remove(spath);
  remove(cpath);
  rmdir(dir);
}

/* The example at the top of docs/scenario-format.md loads as documented. */
Test(scenario, documented_example_loads) {
  char *doc = tu_read(NMSIM_SOURCE_DIR "/docs/scenario-format.md", NULL);
  cr_assert(doc != NULL, "cannot read docs/scenario-format.md");
  char *start = strstr(doc, "```yaml\n");
  cr_assert(start != NULL, "no yaml block in the format document");
  start += strlen("```yaml\n");
  char *end = strstr(start, "```");
  cr_assert(end != NULL, "unterminated yaml block");
  *end = 0;
  nmsim_scenario *s = load_ok(start, NULL, 0);
  EXPECT_STR("name", s->name, "quickstart");
  EXPECT_STR("chip", s->chip, "loihi");
  EXPECT_U("n_pops", s->n_pops, 3);
  EXPECT_U("n_projs", s->n_projs, 3);
  EXPECT_U("stim delay (2 ms)", s->projs[2].delay, 2);
  nmsim_scenario_destroy(s);
  free(doc);
}

/* An unreadable scenario file is EIO naming the file and the reason. */
Test(scenario, unreadable_file_is_eio) {
  nmsim_scenario *s = NULL;
  nmsim_err err = {0};
  nmsim_status rc = nmsim_scenario_load("/nonexistent/x.yaml", NULL, 0, &s, &err);
  EXPECT_STATUS("load", rc, NMSIM_EIO, err);
  EXPECT_STR("message", err.msg, "/nonexistent/x.yaml: No such file or directory");
}

/* ---- locations and unknown fields ----------------------------------------------------- */

/* A bad value on a known line is reported at that line and column with its
 * dotted field path. */
Test(scenario, error_has_file_line_col) {
  bad("  exc:   {size: 4,", "  exc:   {size: 0,", "t.yaml:10:17: populations.exc.size: ",
      "expected an integer in [1, 2147483648], got '0'");
  bad("weight: 0.5 nA", "weight: 0.5 mV", "t.yaml:12:73: projections[0].weight: ",
      "expected a current in nA");
  bad("seed: 7", "seed: -7", "t.yaml:2:7: seed: ", "expected an integer");
}

/* A YAML syntax error is located. */
Test(scenario, yaml_syntax_error) {
  bad("steps: 100\n", "steps: [100\n", "t.yaml:", "");
  bad("seed: 7\n", "seed: 7: 8\n", "t.yaml:2:8: ", "");
}

/* Unknown fields are errors everywhere, located at the key, listing the
 * allowed ones. */
Test(scenario, unknown_fields) {
  bad("seed: 7\n", "seed: 7\nsed: 8\n", "t.yaml:3:1: sed: unknown field; expected one of: name, seed",
      "");
  bad("max_events: 1000}", "max_events: 1000, threads: 4}", "t.yaml:6:41: engine.threads: ",
      "unknown field; expected one of: queue, max_events");
  bad("  exc:   {size: 4,", "  exc:   {sise: 3, size: 4,", "t.yaml:10:11: populations.exc.sise: ",
      "expected one of: size, model, preset, params, spikes");
  bad("weight: 2}", "weight: 2, wieght: 3}", "t.yaml:14:61: projections[2].wieght: ",
      "unknown field");
  bad("  spikes: [exc, input]\n", "  spikes: [exc, input]\n  traces: 1\n",
      "t.yaml:17:3: record.traces: ", "expected one of: spikes, state");
  bad("neurons: [0, 2]}", "neurons: [0, 2], every: 2}", "t.yaml:", "record.state.exc.every: ");
  bad("{fixed_probability: 0.1}", "{fixed_probability: 0.1, seed: 3}", "t.yaml:12:",
      "projections[0].connector.seed: unknown field");
}

/* Required fields missing: named with their path, located at the mapping. */
Test(scenario, missing_fields) {
  const char *msg = load_err("chip: test\npopulations:\n  a: {size: 3, model: lif}\n", NULL, 0,
                             NMSIM_EINPUT);
  EXPECT_STR("no steps", msg, "t.yaml:1:1: steps: required field is missing (expected an integer "
                              "in [1, 1000000000])");
  msg = load_err("steps: 3\npopulations:\n  a: {size: 3, model: lif}\n", NULL, 0, NMSIM_EINPUT);
  EXPECT_HAS(msg, "t.yaml:1:1: chip: required field is missing");
  msg = load_err("steps: 3\nchip: test\n", NULL, 0, NMSIM_EINPUT);
  EXPECT_HAS(msg, "t.yaml:1:1: populations: required field is missing");
  bad("{size: 10, model: poisson,", "{model: poisson,", "t.yaml:8:10: populations.input.size: ",
      "required field is missing");
  bad("{size: 2, model: spike_array, spikes: [[5, 1, 5], [3]]}", "{size: 2, model: spike_array}",
      "t.yaml:9:10: populations.stim.spikes: ", "required field is missing");
  bad("{from: stim, to: exc, ", "{from: stim, ", "t.yaml:14:5: projections[2].to: ",
      "required field is missing");
  bad(", weight: 2}", "}", "t.yaml:14:5: projections[2].weight: ", "required field is missing");
  bad("connector: all_to_all, weight: 2}", "weight: 2}", "t.yaml:14:5: projections[2].connector: ",
      "required field is missing");
  bad("{exc: {vars: [v, i_syn_e], ", "{exc: {", "t.yaml:17:",
      "record.state.exc.vars: required field is missing");
}

/* ---- top-level values ----------------------------------------------------------------- */

/* steps in [1, 1e9], seed any u64, dt a positive time, engine.queue a known
 * queue, the top level a mapping, populations non-empty. */
Test(scenario, top_level_values) {
  bad("steps: 100", "steps: 1000000001", "t.yaml:4:8: steps: ", "[1, 1000000000]");
  bad("steps: 100", "steps: 1.5", "t.yaml:4:8: steps: ", "got '1.5'");
  nmsim_scenario *s = load_with("steps: 100", "steps: 1e9");
  EXPECT_U("steps 1e9", s->steps, 1000000000);
  nmsim_scenario_destroy(s);
  s = load_with("seed: 7", "seed: 18446744073709551615");
  EXPECT_U("seed max", s->seed, UINT64_MAX);
  nmsim_scenario_destroy(s);
  s = load_with("dt: 0.5 ms", "dt: 100 us");
  EXPECT_DBL("dt 100 us", s->dt_ms, 0.1);
  nmsim_scenario_destroy(s);
  s = load_with("dt: 0.5 ms", "dt: 0.25");
  EXPECT_DBL("dt 0.25 (bare: ms)", s->dt_ms, 0.25);
  nmsim_scenario_destroy(s);
  bad("dt: 0.5 ms", "dt: 0 ms", "t.yaml:5:5: dt: ", "expected a time > 0, got '0 ms'");
  bad("dt: 0.5 ms", "dt: 0.5 mV", "t.yaml:5:5: dt: ", "expected a time in ms");
  bad("queue: heap", "queue: fifo", "t.yaml:6:17: engine.queue: ",
      "expected bucket or heap, got 'fifo'");
  bad("max_events: 1000", "max_events: 0", "t.yaml:6:35: engine.max_events: ", "got '0'");
  bad("name: quick", "name: [a]", "t.yaml:1:7: name: ", "expected a string, got a sequence");
  const char *msg = load_err("- 1\n- 2\n", NULL, 0, NMSIM_EINPUT);
  EXPECT_STR("root", msg, "t.yaml:1:1: expected a mapping, got a sequence");
  msg = load_err("chip: test\nsteps: 3\npopulations: {}\n", NULL, 0, NMSIM_EINPUT);
  EXPECT_STR("no pops", msg, "t.yaml:3:14: populations: expected a mapping of at least one "
                             "population, got an empty mapping");
}

/* ---- populations ------------------------------------------------------------------------ */

/* size is in [1, 2^31]; names match [A-Za-z_][A-Za-z0-9_]*. */
Test(scenario, population_size_and_name) {
  char *text = with(MINI, "size: 3", "size: 2147483648");
  nmsim_scenario *s = load_ok(text, NULL, 0);
  EXPECT_U("size 2^31", s->pops[0].size, UINT64_C(2147483648));
  nmsim_scenario_destroy(s);
  free(text);
  bad("{size: 10,", "{size: 2147483649,", "t.yaml:8:17: populations.input.size: ",
      "expected an integer in [1, 2147483648], got '2147483649'");
  bad("  input: {", "  9input: {", "t.yaml:8:3: populations: ",
      "expected a population name matching [A-Za-z_][A-Za-z0-9_]* of at most 128 characters, "
      "got '9input'");
  bad("  input: {", "  in-put: {", "t.yaml:8:3: populations: ", "got 'in-put'");
  /* a name too long to name the run file's group is bad input (it used to
   * pass validation and fail the run, exit 1, when writing the file) */
  char long_name[160];
  snprintf(long_name, sizeof long_name, "  %0129d: {", 0);
  long_name[2] = 'p';
  bad("  input: {", long_name, "t.yaml:8:3: populations: ", "of at most 128 characters");
  bad("  exc:   {size: 4, model: lif, params: {tau_m: 20 ms, v_th: -50 mV}}",
      "  exc:   [4, lif]", "t.yaml:10:10: populations.exc: ", "expected a mapping, got a sequence");
}

/* An unknown model lists the registered ones. */
Test(scenario, unknown_model_lists_models) {
  bad("model: lif", "model: hodgkin_huxley", "t.yaml:10:27: populations.exc.model: ",
      "unknown model; expected one of: lif, poisson, spike_array, loihi_cuba");
  /* every registered model is listed, and the bad name is quoted */
  nmsim_err err = {0};
  nmsim_scenario *s = NULL;
  char text[256];
  snprintf(text, sizeof text, "chip: loihi\nsteps: 1\npopulations: {a: {size: 1, model: zz}}\n");
  cr_assert_eq(nmsim_scenario_load_string("m.yaml", text, NULL, 0, &s, &err), NMSIM_EINPUT);
  for (size_t i = 0; nmsim_neuron_types[i]; i++)
    cr_assert(strstr(err.msg, nmsim_neuron_types[i]->name), "'%s' lists model %s", err.msg,
              nmsim_neuron_types[i]->name);
  cr_assert(strstr(err.msg, "got 'zz'"), "'%s' quotes the bad name", err.msg);
}

/* Parameters: unknown names list the valid ones; values are parsed in the
 * parameter's unit (a wrong unit names population, parameter and unit); the
 * range is checked with its unit; missing ones take the default. */
Test(scenario, params) {
  bad("tau_m: 20 ms", "tau_n: 20 ms", "t.yaml:10:41: populations.exc.params.tau_n: ",
      "unknown parameter of model 'lif'; expected one of: tau_m, e_l, v_th");
  bad("tau_m: 20 ms", "tau_m: 20 mV", "t.yaml:10:48: populations.exc.params.tau_m: ",
      "expected a time in ms (units: s, ms, us, ns, ps), got '20 mV'");
  bad("tau_m: 20 ms", "tau_m: -1 ms", "t.yaml:10:48: populations.exc.params.tau_m: ",
      "expected a value in [0.001, 1e+06] ms, got '-1 ms'");
  bad("rate: 20 Hz", "rate: 2 MHz", "t.yaml:8:52: populations.input.params.rate: ",
      "expected a value in [0, 1e+06] Hz, got '2 MHz'");
  bad("params: {rate: 20 Hz}", "params: 20 Hz", "t.yaml:8:45: populations.input.params: ",
      "expected a mapping of parameters, got '20 Hz'");
  bad("spikes: [[5, 1, 5], [3]]}", "spikes: [[5, 1, 5], [3]], params: {rate: 1}}", "t.yaml:9:",
      "populations.stim.params.rate: unknown parameter: model 'spike_array' has no parameters");
  nmsim_scenario *s = load_with("tau_m: 20 ms", "tau_m: 0.02 s");
  EXPECT_DBL("tau_m 0.02 s", s->pops[2].values[0], 20);
  nmsim_scenario_destroy(s);
}

/* The model's prepare() sees the values and dt; its message is located at
 * the population. */
Test(scenario, prepare_message_located) {
  bad("v_th: -50 mV", "v_th: -70 mV", "t.yaml:10:10: populations.exc: ",
      "v_reset (-65 mV) must be below v_th (-70 mV)");
}

/* spikes: only for spike_array, exactly size lists, steps whole numbers (those
 * at or after the run's end are left out: test_spike_file.c). */
Test(scenario, spike_arrays) {
  bad("params: {rate: 20 Hz}}", "params: {rate: 20 Hz}, spikes: [[1]]}",
      "t.yaml:8:68: populations.input.spikes: ", "only for model spike_array");
  bad("spikes: [[5, 1, 5], [3]]", "spikes: [[5, 1, 5]]", "t.yaml:9:48: populations.stim.spikes: ",
      "expected a list of 2 lists of steps (one per neuron), got 1 lists");
  bad("spikes: [[5, 1, 5], [3]]", "spikes: [[5, 1, 5], 3]", "t.yaml:9:",
      "populations.stim.spikes[1]: expected a list of steps, got '3'");
  bad("spikes: [[5, 1, 5], [3]]", "spikes: [[5, 1, 4294967296], [3]]",
      "t.yaml:9:56: populations.stim.spikes[0][2]: ", "expected an integer in [0, 4294967295], "
      "got '4294967296'");
  bad("spikes: [[5, 1, 5], [3]]", "spikes: [[5, -1], [3]]",
      "t.yaml:9:53: populations.stim.spikes[0][1]: ", "got '-1'");
  nmsim_scenario *s = load_with("spikes: [[5, 1, 5], [3]]", "spikes: [[], [99, 0, 99, 0]]");
  const nmsim_pop_data *sl = &s->pops[1].spikes;
  EXPECT_U("off[1]", sl->off[1], 0);
  EXPECT_U("off[2]", sl->off[2], 2);
  EXPECT_U("steps[0]", sl->steps[0], 0);
  EXPECT_U("steps[1]", sl->steps[1], 99);
  nmsim_scenario_destroy(s);
}

/* ---- projections -------------------------------------------------------------------------- */

/* from/to name populations (unknown: listed); a source cannot be a target. */
Test(scenario, projection_endpoints) {
  bad("{from: input, to: exc,", "{from: inptu, to: exc,", "t.yaml:12:12: projections[0].from: ",
      "expected the name of a population (input, stim, exc), got 'inptu'");
  bad("{from: input, to: exc,", "{from: input, to: stim,", "t.yaml:12:23: projections[0].to: ",
      "expected a population that takes synaptic input, got 'stim' (model spike_array is a spike "
      "source)");
  char *text = with(MINI, "steps: 10\n", "steps: 10\nprojections: {a: 1}\n");
  const char *msg = load_err(text, NULL, 0, NMSIM_EINPUT);
  EXPECT_STR("mapping", msg, "t.yaml:3:14: projections: expected a list of projections, got a "
                             "mapping");
  free(text);
}

/* connector: all_to_all, one_to_one (equal sizes) or {fixed_probability: p}
 * with p in [0, 1]. */
Test(scenario, connectors) {
  bad("connector: all_to_all, weight: 2", "connector: one_to_one, weight: 2",
      "t.yaml:14:38: projections[2].connector: ",
      "one_to_one needs populations of equal size, got stim (2) and exc (4)");
  bad("connector: all_to_all, weight: 2", "connector: random, weight: 2",
      "t.yaml:14:38: projections[2].connector: ",
      "expected all_to_all, one_to_one, {fixed_probability: P}, {fixed_in_degree: K}, "
      "{fixed_out_degree: K}, {list: ...}, {matrix: ...}, {distance: {...}}, {conv2d: {...}} "
      "or {pool2d: {...}}, got 'random'");
  bad("fixed_probability: 0.1", "fixed_probability: 1.5",
      "t.yaml:12:59: projections[0].connector.fixed_probability: ",
      "expected a value in [0, 1], got '1.5'");
  char *text = with(BASE, "{size: 2, model: spike_array, spikes: [[5, 1, 5], [3]]}",
                    "{size: 4, model: spike_array, spikes: [[5], [3], [], [1]]}");
  char *t2 = with(text, "connector: all_to_all, weight: 2", "connector: one_to_one, weight: 2");
  nmsim_scenario *s = load_ok(t2, NULL, 0);
  cr_assert(s->projs[2].conn == SCN_ONE_TO_ONE, "conn: got %d", (int)s->projs[2].conn);
  nmsim_scenario_destroy(s);
  free(t2);
  free(text);
}

/* weight: a number (in the target's input unit) or a quantity converted to
 * it. */
Test(scenario, weights) {
  nmsim_scenario *s = load_with("weight: 0.5 nA", "weight: 500 pA");
  EXPECT_DBL("500 pA", s->projs[0].weight, 0.5);
  nmsim_scenario_destroy(s);
  bad("weight: 0.5 nA", "weight: heavy", "t.yaml:12:73: projections[0].weight: ",
      "expected a current in nA");
}

/* delay: whole steps 1..255, or a time that is a whole multiple of dt. */
Test(scenario, delays) {
  nmsim_scenario *s = load_with("delay: 1,", "delay: 255,");
  EXPECT_U("255", s->projs[0].delay, 255);
  nmsim_scenario_destroy(s);
  s = load_with("delay: 1,", "delay: 2.5 ms,");
  EXPECT_U("2.5 ms at 0.5 ms", s->projs[0].delay, 5);
  nmsim_scenario_destroy(s);
  s = load_with("delay: 1,", "delay: 1500 us,");
  EXPECT_U("1500 us at 0.5 ms", s->projs[0].delay, 3);
  nmsim_scenario_destroy(s);
  bad("delay: 1,", "delay: 0,", "t.yaml:12:88: projections[0].delay: ",
      "expected a delay of 1 to 255 steps");
  bad("delay: 1,", "delay: 256,", "t.yaml:12:88: projections[0].delay: ", "got '256'");
  bad("delay: 1,", "delay: 1.5,", "t.yaml:12:88: projections[0].delay: ", "got '1.5'");
  bad("delay: 1,", "delay: 0.7 ms,", "t.yaml:12:88: projections[0].delay: ",
      "expected a whole multiple of dt (0.5 ms), got '0.7 ms' (1.4 steps)");
  bad("delay: 1,", "delay: 200 ms,", "t.yaml:12:88: projections[0].delay: ", "got '200 ms'");
  bad("delay: 1,", "delay: 1 mV,", "t.yaml:12:88: projections[0].delay: ", "got '1 mV'");
}

/* site: one of the target's sites (listed), default the first; allow_self a
 * boolean. */
Test(scenario, sites_and_allow_self) {
  bad("site: exc}", "site: apical}", "t.yaml:12:97: projections[0].site: ",
      "expected an input site of model lif (exc, inh), got 'apical'");
  bad("allow_self: true", "allow_self: maybe", "t.yaml:13:75: projections[1].allow_self: ",
      "expected true or false, got 'maybe'");
}

/* ---- record ------------------------------------------------------------------------------- */

/* record.spikes: "all" or population names; state: model variables and
 * neuron indices below size, default all neurons. */
Test(scenario, record) {
  nmsim_scenario *s = load_with("spikes: [exc, input]", "spikes: all");
  cr_assert(s->rec_spikes[0] && s->rec_spikes[1] && s->rec_spikes[2], "all: not all set");
  nmsim_scenario_destroy(s);
  s = load_with(", neurons: [0, 2]}", "}");
  EXPECT_U("n_neurons default", s->rec_state[0].n_neurons, 4);
  for (uint32_t i = 0; i < 4; i++) EXPECT_U("neurons[i]", s->rec_state[0].neurons[i], i);
  nmsim_scenario_destroy(s);
  bad("spikes: [exc, input]", "spikes: [exc, output]", "t.yaml:16:17: record.spikes[1]: ",
      "expected the name of a population (input, stim, exc), got 'output'");
  bad("spikes: [exc, input]", "spikes: some", "t.yaml:16:11: record.spikes: ",
      "expected \"all\" or a list of population names, got 'some'");
  bad("state: {exc:", "state: {exd:", "t.yaml:17:11: record.state: ",
      "expected the name of a population");
  bad("vars: [v, i_syn_e]", "vars: [v, w]", "t.yaml:17:27: record.state.exc.vars[1]: ",
      "expected a variable of model lif (v, i_syn_e, i_syn_i, refractory), got 'w'");
  bad("vars: [v, i_syn_e]", "vars: [v, v]", "t.yaml:17:27: record.state.exc.vars[1]: ",
      "expected each variable once, got 'v' twice");
  bad("vars: [v, i_syn_e]", "vars: []", "t.yaml:17:23: record.state.exc.vars: ",
      "expected a non-empty list of variables");
  bad("neurons: [0, 2]", "neurons: [0, 4]", "t.yaml:17:50: record.state.exc.neurons[1]: ",
      "expected an integer in [0, 3], got '4'");
  bad("neurons: [0, 2]", "neurons: [2, 0, 2]", "t.yaml:17:53: record.state.exc.neurons[2]: ",
      "expected each neuron once, got 2 twice");
  bad("state: {exc: {vars: [v, i_syn_e], neurons: [0, 2]}}",
      "state: {input: {vars: [rng]}}", "t.yaml:17:", "record.state.input.vars[0]: expected a "
      "variable of model poisson (none), got 'rng'");
}

/* ---- overrides ------------------------------------------------------------------------------ */

/* --set replaces the seed and a nested parameter, adds a missing last key;
 * s->text holds the result, which loads to the same scenario. */
Test(scenario, overrides) {
  nmsim_override ov[] = {{"seed", "99"},
                         {"populations.exc.params.tau_m", "10 ms"},
                         {"populations.exc.params.e_l", "-70 mV"},
                         {"projections[0].weight", "1 nA"}};
  nmsim_scenario *s = load_ok(BASE, ov, 4);
  const nmsim_neuron_type *lif = s->pops[2].model;
  EXPECT_U("seed", s->seed, 99);
  EXPECT_DBL("tau_m", s->pops[2].values[nmsim_model_param_index(lif, "tau_m")], 10);
  EXPECT_DBL("e_l", s->pops[2].values[nmsim_model_param_index(lif, "e_l")], -70);
  EXPECT_DBL("weight", s->projs[0].weight, 1);
  EXPECT_U("projs[0].line (holds an override)", s->projs[0].line, 12);
  EXPECT_U("exc.line (holds overrides)", s->pops[2].line, 10);
  cr_assert(strstr(s->text, "seed: 99") && strstr(s->text, "tau_m: 10 ms") &&
                strstr(s->text, "e_l: -70 mV"),
            "text lacks the overrides:\n%s", s->text);
  nmsim_scenario *s2 = load_ok(s->text, NULL, 0);
  EXPECT_U("reloaded seed", s2->seed, 99);
  EXPECT_DBL("reloaded tau_m", s2->pops[2].values[nmsim_model_param_index(lif, "tau_m")], 10);
  nmsim_scenario_destroy(s2);
  nmsim_scenario_destroy(s);
}

/* A missing intermediate key is created, and the loader then judges the
 * result (here a population without a model); a bad overridden value is
 * reported against the --set, not a line of the file. */
Test(scenario, override_errors) {
  nmsim_override miss = {"populations.inh.size", "3"};
  const char *msg = load_err(BASE, &miss, 1, NMSIM_EINPUT);
  EXPECT_HAS(msg, "populations.inh");
  EXPECT_HAS(msg, "model");
  nmsim_override badv = {"populations.exc.params.tau_m", "20 mV"};
  msg = load_err(BASE, &badv, 1, NMSIM_EINPUT);
  EXPECT_HAS(msg, "t.yaml: --set populations.exc.params.tau_m=20 mV: "
                  "populations.exc.params.tau_m: expected a time in ms");
  nmsim_override unk = {"populations.exc.params.tau_x", "2 ms"};
  msg = load_err(BASE, &unk, 1, NMSIM_EINPUT);
  EXPECT_HAS(msg, "populations.exc.params.tau_x: unknown parameter of model 'lif'");
  nmsim_override added = {"populations.exc.colour", "red"};
  msg = load_err(BASE, &added, 1, NMSIM_EINPUT);
  EXPECT_HAS(msg, "t.yaml: --set populations.exc.colour=red: "
                  "populations.exc.colour: unknown field; expected one of: size, model, preset, "
                  "params, spikes");
  nmsim_override malformed = {"populations..exc", "1"};
  msg = load_err(BASE, &malformed, 1, NMSIM_EINPUT);
  EXPECT_HAS(msg, "malformed key");
}

/* ---- chips ------------------------------------------------------------------------------------ */

/* An unknown chip preset is located at the chip field and lists presets. */
Test(scenario, unknown_chip_preset) {
  bad("chip: test", "chip: spinnaker", "t.yaml:3:7: chip: ",
      "unknown chip preset 'spinnaker' (presets: loihi");
}

/* ---- construction ----------------------------------------------------------------------------- */

/* Out of memory at every allocation: ENOMEM each time, nothing leaked, and
 * the load eventually succeeds. */
static int fail_after;
static void *fail_malloc(size_t n) { return fail_after-- > 0 ? malloc(n) : NULL; }
static void *fail_calloc(size_t a, size_t b) { return fail_after-- > 0 ? calloc(a, b) : NULL; }
static void *fail_realloc(void *p, size_t n) { return fail_after-- > 0 ? realloc(p, n) : NULL; }

Test(scenario, out_of_memory) {
  nm_allocator a = {fail_malloc, fail_realloc, fail_calloc, free};
  nmsim_override ov[] = {{"seed", "3"}};
  for (int n = 0;; n++) {
    fail_after = n;
    nmsim_set_allocator(&a);
    nmsim_scenario *s = NULL;
    nmsim_err err = {0};
    nmsim_status rc = nmsim_scenario_load_string("t.yaml", BASE, ov, 1, &s, &err);
    nmsim_set_allocator(NULL);
    if (rc == NMSIM_OK) {
      nmsim_scenario_destroy(s);
      cr_assert(n > 0, "load succeeded with no allocation");
      break;
    }
    cr_assert(rc == NMSIM_ENOMEM, "allocation %d failed: got %s (%s), expected ENOMEM", n,
              nmsim_status_name(rc), err.msg);
    cr_assert(s == NULL, "failed load left a scenario");
    cr_assert(n < 100000, "no success after 100000 allocations");
  }
}

/* destroy accepts NULL; NULL arguments are API misuse. */
Test(scenario, destroy_null_and_einval) {
  nmsim_scenario_destroy(NULL);
  nmsim_scenario *s = NULL;
  nmsim_err err = {0};
  nmsim_status rc = nmsim_scenario_load_string("t", NULL, NULL, 0, &s, &err);
  EXPECT_STATUS("NULL text", rc, NMSIM_EINVAL, err);
  rc = nmsim_scenario_load(NULL, NULL, 0, &s, &err);
  EXPECT_STATUS("NULL path", rc, NMSIM_EINVAL, err);
}

/* A --set key whose name has white space around it (" d.t", "foo ") makes a
 * mapping key that libfyaml reads back trimmed; the override is still found by
 * its key node, so the unknown field is reported as coming from --set.
 * Before, its position was asked of libfyaml, which crashed (found by
 * tests/fuzz/fuzz_set.c). */
Test(scenario, set_key_with_white_space_is_an_error_not_a_crash) {
  const char *keys[] = {"foo ", " d.t", " seedx", "record.x .y"};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    nmsim_override ov = {keys[i], "1"};
    const char *msg = load_err(BASE, &ov, 1, NMSIM_EINPUT);
    cr_assert(strstr(msg, "--set") && strstr(msg, "unknown field"),
              "key '%s': message \"%s\" lacks \"--set\" and \"unknown field\"", keys[i], msg);
  }
}
