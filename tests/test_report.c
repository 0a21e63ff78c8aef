/* test_report.c: the JSON writer (analysis/json.h), the energy category names
 * (sim/base/stats.h) and the text and JSON reports (analysis/report.h). */
#include <criterion/criterion.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/json.h"
#include "analysis/report.h"
#include "sim/base/stats.h"
#include "tests_util.h"

/* ---- helpers -------------------------------------------------------------- */

/* A FILE that collects output in memory; mem_take closes it and returns the text. */
typedef struct mem {
  char *buf;
  size_t len;
  FILE *f;
} mem;

static FILE *mem_open(mem *m) {
  memset(m, 0, sizeof *m);
  m->f = open_memstream(&m->buf, &m->len);
  cr_assert(m->f, "open_memstream failed");
  return m->f;
}

static char *mem_take(mem *m) {
  fclose(m->f);
  return m->buf;
}

#define EXPECT_STR(what, got, want)                                                 \
  cr_assert(strcmp((got), (want)) == 0, "%s:\n  got      [%s]\n  expected [%s]", (what), \
            (got), (want))

/* Output of a JSON writer fed by body, compact or pretty. */
#define JSON_OF(out, pretty, body)                                       \
  do {                                                                    \
    mem m_;                                                               \
    jw w_;                                                                \
    jw_init(&w_, mem_open(&m_), (pretty));                                \
    jw *w = &w_;                                                          \
    body;                                                                 \
    cr_assert(jw_finish(w), "jw_finish reports unbalanced output");       \
    (out) = mem_take(&m_);                                                \
  } while (0)

static char *json_string(const char *s) {
  char *out;
  JSON_OF(out, false, jw_string(w, s));
  return out;
}

static char *json_double(double v) {
  char *out;
  JSON_OF(out, false, jw_double(w, v));
  return out;
}

/* A run summary with distinct values in every field; free with
 * run_summary_clear. */
static void synthetic_summary(run_summary *s) {
  memset(s, 0, sizeof *s);
  s->scenario = nm_strdup("quick \"start\"");
  s->chip = nm_strdup("loihi");
  s->nmsim_version = nm_strdup("0.1.0");
  s->status = nm_strdup("complete");
  s->seed = UINT64_MAX;
  s->steps = 1000;
  s->dt_ms = 1.0;
  s->n_cores = 128;
  s->cores_used = 12;
  s->tiles_used = 3;
  for (int c = 0; c < NM_E_COUNT; c++) s->energy_pj[c] = 1000.0 * (c + 1) + 0.125;
  s->static_pj = 5e6;
  s->total_pj = s->static_pj;
  for (int c = 0; c < NM_E_COUNT; c++) s->total_pj += s->energy_pj[c];
  s->hw_time_ps = 12345678901ull;
  s->step_min_ps = 1000;
  s->step_max_ps = 4550000;
  s->step_mean_ps = 12345.5;
  s->packet_mean_ps = 250.25;
  s->packet_p99_ps = 1999.0;
  s->spikes = 4321;
  s->synaptic_ops = 98765;
  s->neuron_updates = 500000;
  s->packets = 3000;
  s->hops = 9000;
  s->n_pops = 2;
  s->pops = nm_calloc(2, sizeof *s->pops);
  cr_assert(s->pops);
  s->pops[0] = (run_pop_summary){.name = nm_strdup("input"), .model = nm_strdup("poisson"),
                                 .size = 100, .spikes = 2000, .bursts = 0, .rate_hz = 20.0};
  s->pops[1] = (run_pop_summary){.name = nm_strdup("excitatory_long_name"),
                                 .model = nm_strdup("lif"), .size = 400, .spikes = 2321,
                                 .bursts = 12, .rate_hz = 5.8025};
}


/* ---- categories ------------------------------------------------------------- */

Test(stats, energy_names) {
  /* Invariant: every category has a distinct key and label, matching the
   * X-macro, and out-of-range indices give NULL. */
  static const char *const keys[] = {
#define X(e, k, l) #k,
      NMSIM_ENERGY_MAP(X)
#undef X
  };
  cr_assert_eq(NM_ARRAY_LEN(keys), (size_t)NM_E_COUNT, "map has %zu keys, enum %d",
               NM_ARRAY_LEN(keys), NM_E_COUNT);
  for (int c = 0; c < NM_E_COUNT; c++) {
    cr_assert(nm_energy_key(c) && nm_energy_label(c), "category %d has no name", c);
    EXPECT_STR("key", nm_energy_key(c), keys[c]);
    for (int d = 0; d < c; d++) {
      cr_assert(strcmp(nm_energy_key(c), nm_energy_key(d)) != 0, "keys %d and %d equal", c, d);
      cr_assert(strcmp(nm_energy_label(c), nm_energy_label(d)) != 0, "labels %d, %d equal",
                c, d);
    }
  }
  EXPECT_STR("key 0", nm_energy_key(NM_E_SYN_OP), "synaptic_op");
  cr_assert_null(nm_energy_key(-1), "key(-1) is not NULL");
  cr_assert_null(nm_energy_key(NM_E_COUNT), "key(NM_E_COUNT) is not NULL");
  cr_assert_null(nm_energy_label(NM_E_COUNT), "label(NM_E_COUNT) is not NULL");
}

Test(stats, summary_clear) {
  /* Invariant: run_summary_clear frees everything (ASan checks) and zeroes
   * the struct; clearing twice, or NULL, is harmless. */
  run_summary s;
  synthetic_summary(&s);
  run_summary_clear(&s);
  cr_assert(s.pops == NULL && s.n_pops == 0 && s.scenario == NULL && s.steps == 0,
            "not zeroed: pops %p n_pops %zu steps %" PRIu64, (void *)s.pops, s.n_pops,
            s.steps);
  run_summary_clear(&s);
  run_summary_clear(NULL);
}

/* ---- JSON writer ------------------------------------------------------------ */

Test(json, string_escaping) {
  /* Invariant: quotes and backslashes are escaped, every control character
   * becomes \u00XX, valid UTF-8 passes through and invalid bytes become
   * U+FFFD, NULL is null. */
  struct {
    const char *in, *want;
  } cases[] = {
      {"", "\"\""},
      {"plain", "\"plain\""},
      {"a\"b", "\"a\\\"b\""},
      {"back\\slash", "\"back\\\\slash\""},
      {"nl\ntab\tcr\r", "\"nl\\u000atab\\u0009cr\\u000d\""},
      {"\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\""},
      {"/", "\"/\""},
      {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""},
      {"bad\xff", "\"bad\\ufffd\""},
      {"cut\xc3", "\"cut\\ufffd\""},
      {"overlong\xc0\xaf", "\"overlong\\ufffd\\ufffd\""},
      {"surrogate\xed\xa0\x80", "\"surrogate\\ufffd\\ufffd\\ufffd\""},
  };
  for (size_t i = 0; i < NM_ARRAY_LEN(cases); i++) {
    char *got = json_string(cases[i].in);
    EXPECT_STR(cases[i].in, got, cases[i].want);
    free(got);
  }
  char *got = json_string(NULL);
  EXPECT_STR("NULL", got, "null");
  free(got);
}

Test(json, integers_exact) {
  /* Invariant: 64-bit integers print exactly, including the extremes. */
  char *out;
  JSON_OF(out, false, {
    jw_array_begin(w);
    jw_uint(w, 0);
    jw_uint(w, UINT64_MAX);
    jw_uint(w, 9007199254740993ull); /* 2^53 + 1: not a double */
    jw_int(w, INT64_MIN);
    jw_int(w, -1);
    jw_array_end(w);
  });
  EXPECT_STR("integers", out,
             "[0,18446744073709551615,9007199254740993,-9223372036854775808,-1]");
  free(out);
}

Test(json, doubles_round_trip) {
  /* Invariant: a double prints in the fewest of 15, 16 or 17 significant
   * digits that read back bit for bit; non-finite values print as null. */
  const double vals[] = {0.0,    1.0,     -2.5,     0.1,     1.0 / 3.0, 2.0 / 3.0,  1e300,
                         1e-300, 5e-324,  DBL_MAX, 123456789.123456789, 6.02214076e23,
                         -0.0,   12345.5};
  for (size_t i = 0; i < NM_ARRAY_LEN(vals); i++) {
    char *out = json_double(vals[i]);
    double back = strtod(out, NULL);
    cr_assert(memcmp(&back, &vals[i], sizeof back) == 0,
              "value %zu: %.17g printed as %s, which reads back as %.17g", i, vals[i], out,
              back);
    cr_assert(strspn(out, "0123456789-+.e") == strlen(out), "value %zu printed as %s", i, out);
    free(out);
  }
  struct {
    double v;
    const char *want;
  } exact[] = {{0.1, "0.1"}, {1.0, "1"}, {-2.5, "-2.5"}, {1e300, "1e+300"},
               {1.0 / 3.0, "0.3333333333333333"}, {0.1 + 0.2, "0.30000000000000004"}, {NAN, "null"}, {INFINITY, "null"},
               {-INFINITY, "null"}};
  for (size_t i = 0; i < NM_ARRAY_LEN(exact); i++) {
    char *out = json_double(exact[i].v);
    EXPECT_STR("double", out, exact[i].want);
    free(out);
  }
}

Test(json, structure_and_commas) {
  /* Invariant: commas go between siblings only, keys get a colon, empty
   * containers stay empty, and pretty mode indents by two spaces per level. */
  char *compact, *pretty;
#define BODY                          \
  {                                   \
    jw_object_begin(w);               \
    jw_key_uint(w, "a", 1);           \
    jw_key(w, "b");                   \
    jw_array_begin(w);                \
    jw_int(w, 1);                     \
    jw_bool(w, true);                 \
    jw_object_begin(w);               \
    jw_object_end(w);                 \
    jw_array_begin(w);                \
    jw_array_end(w);                  \
    jw_array_end(w);                  \
    jw_key(w, "c\"");                 \
    jw_object_begin(w);               \
    jw_key(w, "d");                   \
    jw_null(w);                       \
    jw_key_double(w, "e", 0.5);       \
    jw_object_end(w);                 \
    jw_object_end(w);                 \
  }
  JSON_OF(compact, false, BODY);
  JSON_OF(pretty, true, BODY);
#undef BODY
  EXPECT_STR("compact", compact,
             "{\"a\":1,\"b\":[1,true,{},[]],\"c\\\"\":{\"d\":null,\"e\":0.5}}");
  EXPECT_STR("pretty", pretty,
             "{\n"
             "  \"a\": 1,\n"
             "  \"b\": [\n"
             "    1,\n"
             "    true,\n"
             "    {},\n"
             "    []\n"
             "  ],\n"
             "  \"c\\\"\": {\n"
             "    \"d\": null,\n"
             "    \"e\": 0.5\n"
             "  }\n"
             "}\n");
  free(compact);
  free(pretty);
}

Test(json, unbalanced_is_reported) {
  /* Invariant: jw_finish returns false while a container is still open. */
  mem m;
  jw w;
  jw_init(&w, mem_open(&m), false);
  jw_array_begin(&w);
  cr_assert_not(jw_finish(&w), "jw_finish accepted an open array");
  free(mem_take(&m));
}

Test(json, key_outside_object_panics, .signal = SIGABRT) {
  /* Invariant: a key inside an array is API misuse, caught by a panic. */
  jw w;
  jw_init(&w, stderr, false); /* no allocated stream: the abort would leak it */
  jw_array_begin(&w);
  jw_key(&w, "x");
}

/* ---- JSON report ------------------------------------------------------------ */

/* Keys that DESIGN.md and the brief require in `nmsim report --json`. */
static const char *const required_keys[] = {
    "\"chip\"",        "\"scenario\"",       "\"seed\"",          "\"steps\"",
    "\"dt_ms\"",       "\"status\"",         "\"nmsim_version\"", "\"energy_pj\"",
    "\"total\"",       "\"static\"",         "\"by_category\"",   "\"latency_ns\"",
    "\"step\"",        "\"min\"",            "\"mean\"",          "\"max\"",
    "\"packet\"",      "\"p99\"",            "\"counts\"",        "\"spikes\"",
    "\"synaptic_ops\"", "\"neuron_updates\"", "\"packets\"",      "\"hops\"",
    "\"populations\"", "\"size\"",           "\"model\"",         "\"rate_hz\"",
    "\"cores\"",       "\"used\"",           "\"tiles_used\"",
};

Test(report, json_has_every_key) {
  /* Invariant: the JSON report names every required key, one key per energy
   * category, every population, and prints seed and ns values exactly. */
  run_summary s;
  synthetic_summary(&s);
  mem m;
  report_print_json(mem_open(&m), &s);
  char *out = mem_take(&m);
  for (size_t i = 0; i < NM_ARRAY_LEN(required_keys); i++)
    cr_assert(strstr(out, required_keys[i]), "key %s missing from:\n%s", required_keys[i], out);
  for (int c = 0; c < NM_E_COUNT; c++) {
    char key[80];
    snprintf(key, sizeof key, "\"%s\": ", nm_energy_key(c));
    cr_assert(strstr(out, key), "category key %s missing from:\n%s", key, out);
  }
  const char *const pieces[] = {
      "\"input\": {", "\"excitatory_long_name\": {", "\"seed\": 18446744073709551615",
      "\"scenario\": \"quick \\\"start\\\"\"", "\"total\": 12345678.901", /* ns = ps / 1000 */
      "\"p99\": 1.999", "\"mean\": 0.25025", "\"tiles_used\": 3", "\"used\": 12",
      "\"total\": 128", "\"rate_hz\": 5.8025", "\"dt_ms\": 1"};
  for (size_t i = 0; i < NM_ARRAY_LEN(pieces); i++)
    cr_assert(strstr(out, pieces[i]), "%s missing from:\n%s", pieces[i], out);
  free(out);
  run_summary_clear(&s);
}

Test(report, modes_say_what_they_do_not_model) {
  /* Invariant: functional mode has no network-on-chip and network mode no
   * chip: the figures they do not model (routing, hop and barrier energy and
   * the hop count; network mode also spike generation and packets) read
   * "not modelled" in the text and are absent from the JSON, never 0; what
   * they model keeps its value. */
  static const char *const modes[] = {"timed", "functional", "network"};
  for (size_t m = 0; m < 3; m++) {
    run_summary s;
    synthetic_summary(&s);
    s.mode = nm_strdup(modes[m]);
    s.pop_cost = true;
    mem mj, mt;
    report_print_json(mem_open(&mj), &s);
    report_print_text(mem_open(&mt), &s);
    char *json = mem_take(&mj), *text = mem_take(&mt);
    for (int c = 0; c < NM_E_COUNT; c++) {
      bool want = m == 0 || (c != NM_E_WITHIN_TILE && c != NM_E_LINK_HOP && c != NM_E_CHIP_LINK &&
                             c != NM_E_BARRIER && (m == 1 || c != NM_E_SPIKE_OUT));
      cr_assert_eq(nm_energy_modelled(c, modes[m]), want, "%s: category %s", modes[m],
                   nm_energy_key(c));
      char key[80];
      snprintf(key, sizeof key, "\"%s\": ", nm_energy_key(c));
      cr_assert_eq(strstr(json, key) != NULL, want, "%s mode: JSON key %s %s", modes[m], key,
                   want ? "missing" : "present though not modelled");
      /* the text row of the category: its label, then the value or the words */
      const char *row = strstr(text, nm_energy_label(c));
      cr_assert(row, "%s mode: no row '%s'", modes[m], nm_energy_label(c));
      const char *nl = strchr(row, '\n'), *nm = strstr(row, "not modelled");
      cr_assert_eq(nm && nm < nl, !want, "%s mode: row '%.*s'", modes[m], (int)(nl - row), row);
    }
    cr_assert_eq(strstr(json, "\"packets\": 3000") != NULL, m < 2, "%s: packets", modes[m]);
    cr_assert_eq(strstr(json, "\"hops\": 9000") != NULL, m == 0, "%s: hops", modes[m]);
    cr_assert_eq(strstr(json, "energy_no_population_pj") != NULL, m == 0, "%s: no population",
                 modes[m]);
    const char *hops = strstr(text, "  hops  ");
    cr_assert(hops, "%s: no hops row in\n%s", modes[m], text);
    const char *v = hops + strlen("  hops");
    v += strspn(v, " ");
    cr_assert_eq(strncmp(v, "not modelled", 12) == 0, m > 0,
                 "%s: hops row '%.60s'", modes[m], hops);
    free(json);
    free(text);
    run_summary_clear(&s);
  }
}

Test(report, json_parses_with_python) {
  /* Invariant: the JSON report is valid JSON with the documented structure
   * and types (checked by Python's json module). */
  run_summary s;
  synthetic_summary(&s);
  s.step_mean_ps = NAN; /* a non-finite value must still give valid JSON */
  const char *path = tu_tmp("report", ".json");
  FILE *f = fopen(path, "w");
  cr_assert(f, "cannot write %s", path);
  report_print_json(f, &s);
  fclose(f);
  char cmd[1024];
  snprintf(cmd, sizeof cmd,
           "%s -c 'import json,sys\n"
           "d=json.load(open(sys.argv[1]))\n"
           "for k in [\"chip\",\"scenario\",\"seed\",\"steps\",\"dt_ms\",\"status\","
           "\"nmsim_version\",\"energy_pj\",\"latency_ns\",\"counts\",\"populations\","
           "\"cores\",\"tiles_used\"]: assert k in d, k\n"
           "e=d[\"energy_pj\"]; assert set(e) >= {\"total\",\"static\",\"by_category\"}\n"
           "assert len(e[\"by_category\"]) == %d, e\n"
           "l=d[\"latency_ns\"]; assert set(l[\"step\"]) == {\"min\",\"mean\",\"max\"}\n"
           "assert set(l[\"packet\"]) == {\"mean\",\"p99\"}\n"
           "assert l[\"step\"][\"mean\"] is None\n"
           "assert set(d[\"counts\"]) == {\"spikes\",\"synaptic_ops\",\"neuron_updates\","
           "\"packets\",\"hops\"}\n"
           "assert d[\"seed\"] == 2**64-1\n"
           "assert list(d[\"populations\"]) == [\"input\",\"excitatory_long_name\"]\n"
           "assert d[\"populations\"][\"input\"] == {\"size\":100,\"model\":\"poisson\","
           "\"spikes\":2000,\"rate_hz\":20.0,\"bursts\":0}\n"
           "assert d[\"cores\"] == {\"total\":128,\"used\":12}\n"
           "print(\"ok\")' %s",
           NMSIM_PYTHON, NM_E_COUNT, path);
  char *out = NULL, *errout = NULL;
  int rc = tu_run(cmd, &out, &errout);
  cr_assert(rc == 0 && out && strcmp(out, "ok\n") == 0,
            "python check: exit %d, expected 0; stdout [%s] stderr [%s]", rc, out ? out : "",
            errout ? errout : "");
  free(out);
  free(errout);
  remove(path);
  run_summary_clear(&s);
}

Test(report, json_of_empty_summary) {
  /* Invariant: an all-zero summary (no strings, no populations) still prints
   * valid JSON, with null for missing strings and an empty populations object. */
  run_summary s;
  memset(&s, 0, sizeof s);
  mem m;
  report_print_json(mem_open(&m), &s);
  char *out = mem_take(&m);
  cr_assert(strstr(out, "\"chip\": null") && strstr(out, "\"populations\": {}"),
            "unexpected output:\n%s", out);
  free(out);
}

/* ---- text report ------------------------------------------------------------ */

/* The lines of text that start with prefix, after two spaces of indentation. */
static size_t lines_starting(const char *text, const char *prefix, const char **found,
                             size_t max) {
  size_t n = 0;
  for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
    if (strncmp(l, "  ", 2) == 0 && strncmp(l + 2, prefix, strlen(prefix)) == 0 && n < max)
      found[n++] = l;
  return n;
}

static size_t line_len(const char *l) {
  const char *e = strchr(l, '\n');
  return e ? (size_t)(e - l) : strlen(l);
}

Test(report, text_labels_and_alignment) {
  /* Invariant: the text report shows the header, every category label with
   * static and total, units, all populations; and its table columns align
   * (the share column and right-aligned last columns end in the same column). */
  run_summary s;
  synthetic_summary(&s);
  mem m;
  report_print_text(mem_open(&m), &s);
  char *out = mem_take(&m);
  const char *const words[] = {"quick \"start\"", "loihi", "18446744073709551615", "1000",
                               "complete", "12 used of 128", "3 tiles", "energy (pJ)",
                               "share", "static", "total", "uJ", "Latency", "packet, p99",
                               "Counts", "synaptic operations", "Populations", "input",
                               "excitatory_long_name", "poisson", "rate (Hz)", "5.803"};
  for (size_t i = 0; i < NM_ARRAY_LEN(words); i++)
    cr_assert(strstr(out, words[i]), "'%s' missing from:\n%s", words[i], out);

  /* energy table: each category row, dynamic, static and total share the
   * column of '%' and the line length */
  const char *rows[NM_E_COUNT + 3];
  size_t nrows = 0;
  for (int c = 0; c < NM_E_COUNT; c++) {
    size_t n = lines_starting(out, nm_energy_label(c), rows + nrows, 1);
    cr_assert_eq(n, (size_t)1, "no row for '%s' in:\n%s", nm_energy_label(c), out);
    nrows++;
  }
  nrows += lines_starting(out, "static", rows + nrows, 1);
  nrows += lines_starting(out, "total", rows + nrows, 1);
  cr_assert_eq(nrows, (size_t)NM_E_COUNT + 2, "got %zu energy rows, expected %d", nrows,
               NM_E_COUNT + 2);
  size_t pct0 = (size_t)(strchr(rows[0], '%') - rows[0]), len0 = line_len(rows[0]);
  for (size_t i = 1; i < nrows; i++) {
    size_t pct = (size_t)(strchr(rows[i], '%') - rows[i]);
    cr_assert_eq(pct, pct0, "energy row %zu: '%%' at column %zu, expected %zu:\n%s", i, pct,
                 pct0, out);
    cr_assert_eq(line_len(rows[i]), len0, "energy row %zu: length %zu, expected %zu:\n%s", i,
                 line_len(rows[i]), len0, out);
  }
  /* total share is 100 % */
  cr_assert(strstr(rows[nrows - 1], "100.00 %"), "total row: [%.*s]", (int)line_len(rows[nrows - 1]),
            rows[nrows - 1]);

  /* populations table: header and both rows end in the same column */
  const char *pl[3];
  cr_assert_eq(lines_starting(out, "population", pl, 1), (size_t)1, "no header in:\n%s", out);
  cr_assert_eq(lines_starting(out, "input", pl + 1, 1), (size_t)1, "no input row:\n%s", out);
  cr_assert_eq(lines_starting(out, "excitatory_long_name", pl + 2, 1), (size_t)1,
               "no excitatory row:\n%s", out);
  for (int i = 1; i < 3; i++)
    cr_assert_eq(line_len(pl[i]), line_len(pl[0]),
                 "population line %d has length %zu, header %zu:\n%s", i, line_len(pl[i]),
                 line_len(pl[0]), out);
  free(out);
  run_summary_clear(&s);
}

Test(report, text_units_scale) {
  /* Invariant: energies and times are shown in a unit that keeps the value
   * readable: 5e6 pJ is 5 uJ, 12345678901 ps is 12.346 ms, 4550000 ps steps
   * are 4.55 us, packets in ns; population bursts are shown. */
  run_summary s;
  synthetic_summary(&s);
  mem m;
  report_print_text(mem_open(&m), &s);
  char *out = mem_take(&m);
  const char *const words[] = {"5.000 uJ", "12.346   ms", "4.550   us", "1.999   ns",
                               "rate (Hz)   bursts", "5.803       12"};
  for (size_t i = 0; i < NM_ARRAY_LEN(words); i++)
    cr_assert(strstr(out, words[i]), "'%s' missing from:\n%s", words[i], out);
  cr_assert(!strstr(out, "did not complete"), "a complete run is said incomplete:\n%s", out);
  free(out);
  run_summary_clear(&s);
}

Test(report, text_of_partial_run) {
  /* Invariant: the report of a run that did not finish (rebuilt from its
   * per-step data) says so with its status and step count, and shows "-"
   * for what is not stored per step (event counts other than spikes, packet
   * latencies, bursts, core use) rather than zeros. */
  run_summary s;
  synthetic_summary(&s);
  nm_free(s.status);
  s.status = nm_strdup("incomplete");
  s.synaptic_ops = s.neuron_updates = s.packets = s.hops = 0;
  mem m;
  report_print_text(mem_open(&m), &s);
  char *out = mem_take(&m);
  const char *const words[] = {"status     incomplete", "did not complete (incomplete)",
                               "the 1000 steps", "128 on the board", "4321      4.321",
                               "synaptic operations       -          -",
                               "packet, p99                 -   (not stored per step)",
                               "5.803        -"};
  for (size_t i = 0; i < NM_ARRAY_LEN(words); i++)
    cr_assert(strstr(out, words[i]), "'%s' missing from:\n%s", words[i], out);
  free(out);
  run_summary_clear(&s);
}
