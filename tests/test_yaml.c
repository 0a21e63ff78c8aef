/* test_yaml.c: the libfyaml layer (sim/load/yaml.h): located parse errors with
 * nothing printed, typed getters, strict keys, --set overrides, emission. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <inttypes.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/load/yaml.h"

/* ---- helpers --------------------------------------------------------------- */

#define EXPECT_STATUS(what, got, want, err)                                         \
  cr_assert((got) == (want), "%s: got %s (%s), expected %s", (what),                \
            nmsim_status_name(got), (err).msg, nmsim_status_name(want))

/* Assert that msg contains frag. */
#define EXPECT_HAS(msg, frag)                                                        \
  cr_assert(strstr((msg), (frag)), "message \"%s\" lacks \"%s\"", (msg), (frag))

static yml_doc *parse_ok(const char *text) {
  yml_doc *d = NULL;
  nmsim_err err = {0};
  nmsim_status rc = yml_parse("t.yaml", text, &d, &err);
  EXPECT_STATUS("yml_parse", rc, NMSIM_OK, err);
  cr_assert(d != NULL, "yml_parse returned OK but no document");
  return d;
}

/* Parse text, expect EINPUT whose message starts with want_prefix. */
static void parse_fails(const char *text, const char *want_prefix) {
  yml_doc *d = NULL;
  nmsim_err err = {0};
  nmsim_status rc = yml_parse("t.yaml", text, &d, &err);
  EXPECT_STATUS("yml_parse", rc, NMSIM_EINPUT, err);
  cr_assert(d == NULL, "failed parse left a document");
  cr_assert(strncmp(err.msg, want_prefix, strlen(want_prefix)) == 0,
            "message \"%s\": expected it to start with \"%s\"", err.msg, want_prefix);
}

/* Node at a path of mapping keys (NULL-terminated). */
static struct fy_node *at(yml_doc *d, ...) {
  va_list ap;
  va_start(ap, d);
  struct fy_node *n = yml_root(d);
  for (const char *k; n && (k = va_arg(ap, const char *));) n = yml_get(n, k);
  va_end(ap);
  return n;
}

/* ---- parsing ------------------------------------------------------------------ */

/* A syntax error is reported as "NAME:LINE:COL: message", 1-based, and
 * libfyaml prints nothing to stderr. */
Test(yaml, syntax_error_located_and_silent, .init = cr_redirect_stderr) {
  parse_fails("a: 1\nb: c: d\n", "t.yaml:2:5: ");
  parse_fails("a: 1\nb: \"x\n", "t.yaml:2:");
  parse_fails("a: 1\nb: [1, 2\nc: 3\n", "t.yaml:");
  parse_fails("a: 1\nb: {x: 1, x: 2}\n", "t.yaml:2:11: duplicate key");
  fflush(stderr);
  cr_assert_stderr_eq_str("", "libfyaml printed to stderr");
}

/* Empty text and a second document are errors, located. */
Test(yaml, empty_and_multi_document) {
  parse_fails("", "t.yaml:1:1: empty document");
  parse_fails("  # only a comment\n", "t.yaml:1:1: empty document");
  parse_fails("a: 1\n---\nb: 2\n", "t.yaml:3:1: expected a single YAML document");
}

/* Node positions are 1-based; an empty value takes its key's position. */
Test(yaml, positions) {
  yml_doc *d = parse_ok("a: 1\nbb:\n  c: [10, 20]\nempty:\n");
  int line, col;
  yml_pos(at(d, "a", NULL), &line, &col);
  cr_assert(line == 1 && col == 4, "a: got %d:%d, expected 1:4", line, col);
  yml_pos(at(d, "bb", "c", NULL), &line, &col);
  cr_assert(line == 3 && col == 6, "bb.c: got %d:%d, expected 3:6", line, col);
  yml_pos(at(d, "bb", NULL), &line, &col);
  cr_assert(line == 3 && col == 3, "bb: got %d:%d, expected 3:3", line, col);
  yml_pos(at(d, "empty", NULL), &line, &col);
  cr_assert(line == 4 && col == 1, "empty: got %d:%d, expected 4:1 (its key)", line, col);
  yml_pos(NULL, &line, &col);
  cr_assert(line == 0 && col == 0, "NULL: got %d:%d, expected 0:0", line, col);
  cr_assert(strcmp(yml_name(d), "t.yaml") == 0, "yml_name: got '%s'", yml_name(d));
  yml_free(d);
  yml_free(NULL);
}

/* Anchors and merge keys are resolved. */
Test(yaml, aliases_resolved) {
  yml_doc *d = parse_ok("base: &b {x: 1}\nuse: {<<: *b, y: 2}\n");
  nmsim_err err = {0};
  uint64_t v = 0;
  nmsim_status rc = yml_u64(d, at(d, "use", "x", NULL), "use.x", 0, 10, &v, &err);
  EXPECT_STATUS("use.x", rc, NMSIM_OK, err);
  cr_assert(v == 1, "use.x: got %" PRIu64 ", expected 1", v);
  yml_free(d);
}

/* ---- typed getters ------------------------------------------------------------ */

/* yml_u64 accepts integers in range (also written as 1e3) and reports
 * "NAME:LINE:COL: FIELD: expected an integer in [MIN, MAX], got 'TEXT'". */
Test(yaml, u64) {
  yml_doc *d = parse_ok("a: 7\nb: 1e3\nc: -1\nd: 1.5\ne: abc\nf: 11\ng: [1]\n"
                        "h: 18446744073709551615\ni: 18446744073709551616\n");
  nmsim_err err = {0};
  uint64_t v = 0;
  nmsim_status rc = yml_u64(d, at(d, "a", NULL), "a", 0, 10, &v, &err);
  EXPECT_STATUS("a", rc, NMSIM_OK, err);
  cr_assert(v == 7, "a: got %" PRIu64 ", expected 7", v);
  rc = yml_u64(d, at(d, "b", NULL), "b", 0, 5000, &v, &err);
  EXPECT_STATUS("b", rc, NMSIM_OK, err);
  cr_assert(v == 1000, "b: got %" PRIu64 ", expected 1000", v);
  rc = yml_u64(d, at(d, "h", NULL), "h", 0, UINT64_MAX, &v, &err);
  EXPECT_STATUS("h", rc, NMSIM_OK, err);
  cr_assert(v == UINT64_MAX, "h: got %" PRIu64 ", expected 2^64-1", v);

  static const struct { const char *key, *want; } bad[] = {
      {"c", "t.yaml:3:4: c: expected an integer in [0, 10], got '-1'"},
      {"d", "t.yaml:4:4: d: expected an integer in [0, 10], got '1.5'"},
      {"e", "t.yaml:5:4: e: expected an integer in [0, 10], got 'abc'"},
      {"f", "t.yaml:6:4: f: expected an integer in [0, 10], got '11'"},
      {"g", "t.yaml:7:4: g: expected an integer in [0, 10], got a sequence"},
      {"i", "t.yaml:9:4: i: expected an integer in [0, 10], got '18446744073709551616'"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    rc = yml_u64(d, at(d, bad[i].key, NULL), bad[i].key, 0, 10, &v, &err);
    EXPECT_STATUS(bad[i].key, rc, NMSIM_EINPUT, err);
    cr_assert(strcmp(err.msg, bad[i].want) == 0, "%s: got \"%s\", expected \"%s\"", bad[i].key,
              err.msg, bad[i].want);
  }
  yml_free(d);
}

/* yml_bool takes true/false; yml_str takes non-empty scalars. */
Test(yaml, bool_and_str) {
  yml_doc *d = parse_ok("t: true\nf: False\ny: yes\ns: hello world\nq: \"\"\nm: {}\nn:\n");
  nmsim_err err = {0};
  bool b = false;
  const char *s = NULL;
  nmsim_status rc = yml_bool(d, at(d, "t", NULL), "t", &b, &err);
  cr_assert(rc == NMSIM_OK && b, "t: got %s %d, expected OK true", nmsim_status_name(rc), b);
  rc = yml_bool(d, at(d, "f", NULL), "f", &b, &err);
  cr_assert(rc == NMSIM_OK && !b, "f: got %s %d, expected OK false", nmsim_status_name(rc), b);
  rc = yml_bool(d, at(d, "y", NULL), "x.y", &b, &err);
  EXPECT_STATUS("y", rc, NMSIM_EINPUT, err);
  cr_assert(strcmp(err.msg, "t.yaml:3:4: x.y: expected true or false, got 'yes'") == 0,
            "y: got \"%s\"", err.msg);
  rc = yml_str(d, at(d, "s", NULL), "s", &s, &err);
  EXPECT_STATUS("s", rc, NMSIM_OK, err);
  cr_assert(strcmp(s, "hello world") == 0, "s: got '%s', expected 'hello world'", s);
  rc = yml_str(d, at(d, "q", NULL), "q", &s, &err);
  EXPECT_STATUS("q", rc, NMSIM_EINPUT, err);
  rc = yml_str(d, at(d, "m", NULL), "m", &s, &err);
  EXPECT_STATUS("m", rc, NMSIM_EINPUT, err);
  EXPECT_HAS(err.msg, "t.yaml:6:4: m: expected a string, got a mapping");
  rc = yml_str(d, at(d, "n", NULL), "n", &s, &err);
  EXPECT_STATUS("n", rc, NMSIM_EINPUT, err);
  EXPECT_HAS(err.msg, "t.yaml:7:1: n: expected a string, got an empty value");
  yml_free(d);
}

/* yml_quantity converts to the wanted unit and checks the closed range,
 * naming it with its unit. */
Test(yaml, quantity) {
  yml_doc *d = parse_ok("a: 20 ms\nb: 2 s\nc: 5 mV\nd: -1\ne: [1]\n");
  nmsim_err err = {0};
  double v = 0;
  nmsim_status rc = yml_quantity(d, at(d, "a", NULL), "a", "ms", 0, 100, &v, &err);
  EXPECT_STATUS("a", rc, NMSIM_OK, err);
  cr_assert(v == 20, "a: got %g, expected 20", v);
  rc = yml_quantity(d, at(d, "b", NULL), "p.b", "ms", 0, 100, &v, &err);
  EXPECT_STATUS("b", rc, NMSIM_EINPUT, err);
  cr_assert(strcmp(err.msg, "t.yaml:2:4: p.b: expected a value in [0, 100] ms, got '2 s'") == 0,
            "b: got \"%s\"", err.msg);
  rc = yml_quantity(d, at(d, "c", NULL), "c", "ms", 0, 100, &v, &err);
  EXPECT_STATUS("c", rc, NMSIM_EINPUT, err);
  EXPECT_HAS(err.msg, "t.yaml:3:4: c: expected a time in ms");
  EXPECT_HAS(err.msg, "got '5 mV'");
  rc = yml_quantity(d, at(d, "d", NULL), "d", "", 0, INFINITY, &v, &err);
  EXPECT_STATUS("d", rc, NMSIM_EINPUT, err);
  EXPECT_HAS(err.msg, "d: expected a value >= 0, got '-1'");
  rc = yml_quantity(d, at(d, "e", NULL), "e", "pJ", 0, 1, &v, &err);
  EXPECT_STATUS("e", rc, NMSIM_EINPUT, err);
  EXPECT_HAS(err.msg, "e: expected a quantity in pJ, got a sequence");
  yml_free(d);
}

/* yml_check_keys accepts known keys and reports an unknown one at its own
 * position, with its dotted path and the list of allowed keys. */
Test(yaml, check_keys) {
  static const char *const top[] = {"a", "engine", NULL};
  static const char *const eng[] = {"queue", "max_events", NULL};
  yml_doc *d = parse_ok("a: 1\nengine:\n  queue: heap\n  bogus: 2\n");
  nmsim_err err = {0};
  nmsim_status rc = yml_check_keys(d, yml_root(d), "", top, &err);
  EXPECT_STATUS("top", rc, NMSIM_OK, err);
  rc = yml_check_keys(d, at(d, "engine", NULL), "engine", eng, &err);
  EXPECT_STATUS("engine", rc, NMSIM_EINPUT, err);
  cr_assert(strcmp(err.msg, "t.yaml:4:3: engine.bogus: unknown field; expected one of: queue, "
                            "max_events") == 0,
            "got \"%s\"", err.msg);
  rc = yml_check_keys(d, yml_root(d), "", eng, &err);
  EXPECT_STATUS("top/eng", rc, NMSIM_EINPUT, err);
  cr_assert(strcmp(err.msg, "t.yaml:1:1: a: unknown field; expected one of: queue, max_events") ==
                0,
            "got \"%s\"", err.msg);
  rc = yml_check_keys(d, at(d, "a", NULL), "a", eng, &err);
  EXPECT_STATUS("not a mapping", rc, NMSIM_EINPUT, err);
  EXPECT_HAS(err.msg, "t.yaml:1:4: a: expected a mapping, got '1'");
  yml_free(d);
}

/* yml_error formats "NAME:LINE:COL: FIELD: message". */
Test(yaml, error_format) {
  yml_doc *d = parse_ok("x:\n  y: 3\n");
  nmsim_err err = {0};
  nmsim_status rc = yml_error(d, at(d, "x", "y", NULL), "x.y", &err, "too %s", "big");
  EXPECT_STATUS("yml_error", rc, NMSIM_EINPUT, err);
  cr_assert(strcmp(err.msg, "t.yaml:2:6: x.y: too big") == 0, "got \"%s\"", err.msg);
  cr_assert(err.code == NMSIM_EINPUT, "code: got %s", nmsim_status_name(err.code));
  yml_free(d);
}

/* ---- overrides -------------------------------------------------------------- */

static void apply_ok(yml_doc *d, const char *key, const char *value) {
  nmsim_override o = {key, value};
  nmsim_err err = {0};
  nmsim_status rc = yml_apply_overrides(d, &o, 1, &err);
  EXPECT_STATUS(key, rc, NMSIM_OK, err);
}

static void apply_fails(const char *text, const char *key, const char *value, const char *want) {
  yml_doc *d = parse_ok(text);
  nmsim_override o = {key, value};
  nmsim_err err = {0};
  nmsim_status rc = yml_apply_overrides(d, &o, 1, &err);
  EXPECT_STATUS(key, rc, NMSIM_EINPUT, err);
  cr_assert(strcmp(err.msg, want) == 0, "--set %s=%s: got \"%s\", expected \"%s\"", key, value,
            err.msg, want);
  yml_free(d);
}

/* A scalar is replaced, a subtree is replaced, a missing last key is added,
 * a list item is replaced by index; the emitted text shows all of them. */
Test(yaml, overrides_apply) {
  yml_doc *d = parse_ok("seed: 1\npops:\n  exc: {size: 4, params: {tau: 20 ms}}\n"
                        "list: [1, 2, 3]\n");
  apply_ok(d, "seed", "42");
  apply_ok(d, "pops.exc.params.tau", "10 ms");
  apply_ok(d, "pops.exc.params.v_th", "-50 mV");
  apply_ok(d, "extra", "{a: [1, 2]}");
  apply_ok(d, "list[1]", "7");
  nmsim_err err = {0};
  uint64_t v = 0;
  double q = 0;
  nmsim_status rc = yml_u64(d, at(d, "seed", NULL), "seed", 0, 100, &v, &err);
  cr_assert(rc == NMSIM_OK && v == 42, "seed: got %s %" PRIu64 ", expected 42",
            nmsim_status_name(rc), v);
  rc = yml_quantity(d, at(d, "pops", "exc", "params", "tau", NULL), "tau", "ms", 0, 100, &q, &err);
  cr_assert(rc == NMSIM_OK && q == 10, "tau: got %s %g, expected 10", nmsim_status_name(rc), q);
  rc = yml_quantity(d, at(d, "pops", "exc", "params", "v_th", NULL), "v_th", "mV", -100, 0, &q,
                    &err);
  cr_assert(rc == NMSIM_OK && q == -50, "v_th: got %s %g, expected -50", nmsim_status_name(rc), q);
  struct fy_node *list = at(d, "list", NULL);
  rc = yml_u64(d, fy_node_sequence_get_by_index(list, 1), "list[1]", 0, 100, &v, &err);
  cr_assert(rc == NMSIM_OK && v == 7, "list[1]: got %s %" PRIu64 ", expected 7",
            nmsim_status_name(rc), v);
  cr_assert(fy_node_sequence_item_count(list) == 3, "list: got %d items, expected 3",
            fy_node_sequence_item_count(list));

  char *text = yml_emit(d);
  cr_assert(text != NULL, "yml_emit returned NULL");
  yml_doc *d2 = parse_ok(text);
  rc = yml_u64(d2, at(d2, "extra", "a", NULL) ? fy_node_sequence_get_by_index(
                                                     at(d2, "extra", "a", NULL), 1)
                                               : NULL,
               "extra.a[1]", 0, 9, &v, &err);
  cr_assert(rc == NMSIM_OK && v == 2, "emitted extra.a[1]: got %s %" PRIu64 " in:\n%s",
            nmsim_status_name(rc), v, text);
  EXPECT_HAS(text, "seed: 42");
  EXPECT_HAS(text, "tau: 10 ms");
  nm_free(text);
  yml_free(d2);
  yml_free(d);
}

/* Overrides apply in order: a later one wins over an earlier one. */
Test(yaml, overrides_in_order) {
  yml_doc *d = parse_ok("a: {b: 1}\n");
  nmsim_override ov[] = {{"a.b", "2"}, {"a", "{b: 3}"}, {"a.c", "4"}};
  nmsim_err err = {0};
  nmsim_status rc = yml_apply_overrides(d, ov, 3, &err);
  EXPECT_STATUS("apply", rc, NMSIM_OK, err);
  uint64_t v = 0;
  rc = yml_u64(d, at(d, "a", "b", NULL), "a.b", 0, 9, &v, &err);
  cr_assert(rc == NMSIM_OK && v == 3, "a.b: got %" PRIu64 ", expected 3", v);
  rc = yml_u64(d, at(d, "a", "c", NULL), "a.c", 0, 9, &v, &err);
  cr_assert(rc == NMSIM_OK && v == 4, "a.c: got %" PRIu64 ", expected 4", v);
  yml_free(d);
}

/* Missing mapping keys on the way are created as nested mappings. */
Test(yaml, overrides_create_intermediate_mappings) {
  yml_doc *d = parse_ok("a: 1\nb: {c: 2}\n");
  apply_ok(d, "b.d.e", "5");
  apply_ok(d, "x.y.z", "[1, 2]");
  nmsim_err err = {0};
  uint64_t v = 0;
  nmsim_status rc = yml_u64(d, at(d, "b", "d", "e", NULL), "b.d.e", 0, 9, &v, &err);
  cr_assert(rc == NMSIM_OK && v == 5, "b.d.e: got %" PRIu64 ", expected 5 (%s)", v, err.msg);
  struct fy_node *z = at(d, "x", "y", "z", NULL);
  cr_assert(z && fy_node_is_sequence(z) && fy_node_sequence_item_count(z) == 2,
            "x.y.z is the list [1, 2]");
  rc = yml_u64(d, at(d, "b", "c", NULL), "b.c", 0, 9, &v, &err);
  cr_assert(rc == NMSIM_OK && v == 2, "b.c kept: got %" PRIu64, v);
  yml_free(d);
}

/* A path through a scalar, an index out of range, a list index under a
 * missing key, a malformed key, an empty or unparsable value: errors naming
 * the key. */
Test(yaml, overrides_errors) {
  const char *t = "a: 1\nb: {c: 2}\nl: [1, 2]\n";
  apply_fails(t, "x[0].y", "1", "t.yaml: --set x[0].y=1: no key 'x' in the top level (keys: a, b, l)");
  apply_fails(t, "a.x", "7", "t.yaml: --set a.x=7: a is not a mapping, so it has no key 'x'");
  apply_fails(t, "l[2]", "7", "t.yaml: --set l[2]=7: l has 2 items, no item [2]");
  apply_fails(t, "b[0]", "7", "t.yaml: --set b[0]=7: b is not a list");
  apply_fails(t, "a", "", "t.yaml: --set a=: expected a value after '='");
  static const char *const malformed[] = {"", ".a", "a.", "b..c", "l[", "l[x]", "l[1", "a]"};
  for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
    yml_doc *d = parse_ok(t);
    nmsim_override o = {malformed[i], "1"};
    nmsim_err err = {0};
    nmsim_status rc = yml_apply_overrides(d, &o, 1, &err);
    EXPECT_STATUS(malformed[i], rc, NMSIM_EINPUT, err);
    EXPECT_HAS(err.msg, "malformed key");
    yml_free(d);
  }
  yml_doc *d = parse_ok(t);
  nmsim_override o = {"b.c", "[1, 2"};
  nmsim_err err = {0};
  nmsim_status rc = yml_apply_overrides(d, &o, 1, &err);
  EXPECT_STATUS("syntax", rc, NMSIM_EINPUT, err);
  EXPECT_HAS(err.msg, "t.yaml: --set b.c=[1, 2: expected a YAML value");
  yml_free(d);
}

/* An error in a value that came from --set names the override, not a
 * line of the file (which does not contain it). */
Test(yaml, error_in_override_value) {
  yml_doc *d = parse_ok("p: {tau: 20 ms}\n");
  apply_ok(d, "p", "{tau: 20 mV}");
  nmsim_err err = {0};
  double q;
  nmsim_status rc = yml_quantity(d, at(d, "p", "tau", NULL), "p.tau", "ms", 0, 100, &q, &err);
  EXPECT_STATUS("p.tau", rc, NMSIM_EINPUT, err);
  EXPECT_HAS(err.msg, "t.yaml: --set p={tau: 20 mV}: p.tau: expected a time in ms");
  int line, col;
  yml_pos(at(d, "p", "tau", NULL), &line, &col);
  cr_assert(line == 0 && col == 0, "position of an override: got %d:%d, expected 0:0", line, col);
  yml_free(d);

  /* A key added by --set is the override's too. */
  static const char *const keys[] = {"tau", NULL};
  d = parse_ok("x: 1\np: {tau: 20 ms}\n");
  apply_ok(d, "p.colour", "red");
  rc = yml_check_keys(d, at(d, "p", NULL), "p", keys, &err);
  EXPECT_STATUS("added key", rc, NMSIM_EINPUT, err);
  cr_assert(strcmp(err.msg, "t.yaml: --set p.colour=red: p.colour: unknown field; expected one "
                            "of: tau") == 0,
            "got \"%s\"", err.msg);
  /* A mapping holding an override keeps a position in the file. */
  yml_pos(at(d, "p", NULL), &line, &col);
  cr_assert(line == 2 && col == 5, "p: got %d:%d, expected 2:5 (its first key)", line, col);
  yml_pos(yml_root(d), &line, &col);
  cr_assert(line == 1 && col == 1, "root: got %d:%d, expected 1:1", line, col);
  yml_free(d);
}

/* Input limits (docs/scenario-format.md): text that is not UTF-8 is refused
 * with its line and column before libfyaml sees it (a '%' directive holding
 * a byte 0xb2 made libfyaml loop forever), in a file and in a --set value;
 * a document whose aliases expand past YML_MAX_NODES nodes, or that nests
 * deeper than YML_MAX_DEPTH, is refused before it is resolved (a 1.6 KB
 * alias bomb grew past 7 GB). */
Test(yaml, input_limits, .timeout = 60) {
  parse_fails("%\xb2", "t.yaml:1:2: not UTF-8 text (byte 0xb2)");
  parse_fails("a: 1\nb: caf\xc3\n", "t.yaml:2:7: not UTF-8 text (byte 0xc3)");
  parse_fails("a: \xc0\xaf\n", "t.yaml:1:4: not UTF-8 text"); /* overlong */
  parse_fails("a: \xed\xa0\x80\n", "t.yaml:1:4: not UTF-8 text"); /* a surrogate */
  yml_doc *d = parse_ok("a: caf\xc3\xa9 \xf0\x9f\x98\x80\n");
  nmsim_override bad = {.key = "a", .value = "%\xb2"};
  nmsim_err err = {0};
  nmsim_status rc = yml_apply_overrides(d, &bad, 1, &err);
  EXPECT_STATUS("override", rc, NMSIM_EINPUT, err);
  EXPECT_HAS(err.msg, "--set a: not UTF-8 text");
  yml_free(d);

  /* nine aliases a level, 12 levels: 9^12 nodes once expanded */
  char bomb[4096];
  size_t n = (size_t)snprintf(bomb, sizeof bomb, "a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1]\n");
  for (int i = 1; i < 12; i++) {
    n += (size_t)snprintf(bomb + n, sizeof bomb - n, "a%d: &a%d [", i, i);
    for (int k = 0; k < 9; k++)
      n += (size_t)snprintf(bomb + n, sizeof bomb - n, "%s*a%d", k ? ", " : "", i - 1);
    n += (size_t)snprintf(bomb + n, sizeof bomb - n, "]\n");
  }
  parse_fails(bomb, "t.yaml: the document holds more than 4000000 nodes once its aliases");
  /* the same shape, small: resolved as before */
  d = parse_ok("a: &x [1, 2]\nb: [*x, *x]\n");
  yml_free(d);

  /* nesting: libfyaml stops flow collections at 64 levels itself, located;
   * aliases that nest one another are measured here */
  char deep[2 * YML_MAX_DEPTH + 16];
  size_t k = 0;
  for (int i = 0; i < YML_MAX_DEPTH + 1; i++) deep[k++] = '[';
  for (int i = 0; i < YML_MAX_DEPTH + 1; i++) deep[k++] = ']';
  deep[k] = 0;
  parse_fails(deep, "t.yaml:1:");
  n = (size_t)snprintf(bomb, sizeof bomb, "a0: &a0 [1]\n");
  for (int i = 1; i < 40; i++)
    n += (size_t)snprintf(bomb + n, sizeof bomb - n, "a%d: &a%d [*a%d]\n", i, i, i - 1);
  parse_fails(bomb, "t.yaml: the document nests more than 64 levels deep");
}

/* Duplicate keys are found by nmsim (each mapping's keys sorted once; the
 * libfyaml check searched each mapping for every key, minutes for 20,000
 * populations): the repeat is located where it stands, in a large mapping,
 * nested, and in a --set value. */
Test(yaml, duplicate_keys) {
  static char big[200000];
  size_t n = (size_t)snprintf(big, sizeof big, "pops:\n");
  for (int i = 0; i < 5000; i++) n += (size_t)snprintf(big + n, sizeof big - n, "  p%d: 1\n", i);
  n += (size_t)snprintf(big + n, sizeof big - n, "  p17: 2\n");
  parse_fails(big, "t.yaml:5002:3: duplicate key 'p17'");
  parse_fails("a:\n  - {x: 1, y: 2}\n  - {x: 1, z: 2, x: 3}\n", "t.yaml:3:18: duplicate key 'x'");
  yml_doc *d = parse_ok("a: {b: 1}\n");
  nmsim_override o = {.key = "a", .value = "{c: 1, c: 2}"};
  nmsim_err err = {0};
  nmsim_status rc = yml_apply_overrides(d, &o, 1, &err);
  EXPECT_STATUS("override", rc, NMSIM_EINPUT, err);
  EXPECT_HAS(err.msg, "--set a={c: 1, c: 2}: duplicate key 'c'");
  yml_free(d);
}

/* Four quote characters in a row are refused before libfyaml reads them:
 * it reads 'x''''y' as x''' (two '' escapes in a row) and leaks memory on
 * four, which LeakSanitizer finds in this test without the check. Three in a
 * row, and escapes apart, read as YAML says. */
Test(yaml, quote_runs) {
  parse_fails("a: 1\nb: 'x''''y'\n", "t.yaml:2:6: 4 quote characters (') in a row");
  parse_fails("\r''''''''''''''''''''''''''''''''''''''''''\t\r", "t.yaml:2:1: 4 quote");
  yml_doc *d = parse_ok("a: 'x''y''z'\nb: '''x'\n");
  const char *v = NULL;
  nmsim_err err = {0};
  EXPECT_STATUS("yml_str", yml_str(d, at(d, "a", NULL), "a", &v, &err), NMSIM_OK, err);
  cr_assert_str_eq(v, "x'y'z");
  EXPECT_STATUS("yml_str", yml_str(d, at(d, "b", NULL), "b", &v, &err), NMSIM_OK, err);
  cr_assert_str_eq(v, "'x");
  yml_free(d);
  d = parse_ok("a: 1\n");
  nmsim_override bad = {.key = "a", .value = "'x''''y'"};
  nmsim_status rc = yml_apply_overrides(d, &bad, 1, &err);
  EXPECT_STATUS("override", rc, NMSIM_EINPUT, err);
  EXPECT_HAS(err.msg, "--set a: 4 quote characters (') in a row");
  yml_free(d);
}
