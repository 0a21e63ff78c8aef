/* test_chip.c: chip files and presets (cores/chip_int.h, nmsim/chip.h): the
 * Loihi preset carries Davies 2018 Table 2 exactly, the barrier table
 * interpolates, and bad chip files fail with located messages. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cores/chip_int.h"
#include "cores/core_type.h"
#include "tests_util.h"

/* ---- helpers --------------------------------------------------------------- */

#define EXPECT_STATUS(what, got, want, err)                                         \
  cr_assert((got) == (want), "%s: got %s (%s), expected %s", (what),                \
            nmsim_status_name(got), (err).msg, nmsim_status_name(want))
#define EXPECT_HAS(msg, frag)                                                        \
  cr_assert(strstr((msg), (frag)), "message \"%s\" lacks \"%s\"", (msg), (frag))
#define EXPECT_PS(what, got, want)                                                   \
  cr_assert((uint64_t)(got) == (uint64_t)(want), "%s: got %" PRIu64 " ps, expected %" PRIu64 \
            " ps", (what), (uint64_t)(got), (uint64_t)(want))
#define EXPECT_DBL(what, got, want)                                                  \
  cr_assert((got) == (want), "%s: got %.17g, expected %.17g", (what), (double)(got),  \
            (double)(want))
#define EXPECT_U(what, got, want)                                                    \
  cr_assert((uint64_t)(got) == (uint64_t)(want), "%s: got %" PRIu64 ", expected %" PRIu64, \
            (what), (uint64_t)(got), (uint64_t)(want))

static nmsim_chip *load_ok(const char *ref, const char *base) {
  nmsim_chip *c = NULL;
  nmsim_err err = {0};
  nmsim_status rc = nmsim_chip_load(ref, base, &c, &err);
  EXPECT_STATUS(ref, rc, NMSIM_OK, err);
  cr_assert(c != NULL, "%s: OK but no chip", ref);
  return c;
}

/* The test preset's text with the first `from` replaced by `to` (malloc'd). */
static char *test_chip_with(const char *from, const char *to) {
  const char *t = nmsim_chip_preset_text("test");
  cr_assert(t != NULL, "no test preset");
  const char *p = strstr(t, from);
  cr_assert(p != NULL, "test.yaml lacks \"%s\"", from);
  size_t n = strlen(t) - strlen(from) + strlen(to) + 1;
  char *s = malloc(n);
  cr_assert(s != NULL);
  snprintf(s, n, "%.*s%s%s", (int)(p - t), t, to, p + strlen(from));
  return s;
}

/* 1-based line and column of the first `needle` in text. */
static void pos_of(const char *text, const char *needle, int *line, int *col) {
  const char *p = strstr(text, needle);
  cr_assert(p != NULL, "text lacks \"%s\"", needle);
  *line = 1;
  const char *bol = text;
  for (const char *q = text; q < p; q++)
    if (*q == '\n') (*line)++, bol = q + 1;
  *col = (int)(p - bol) + 1;
}

/* Write text to a fresh chip file and load it; return the status, the
 * message in err and the path in path. */
static nmsim_status load_text(const char *text, nmsim_err *err, char *path, size_t len,
                              nmsim_chip **out) {
  snprintf(path, len, "%s", tu_tmp("chip", ".yaml"));
  cr_assert(tu_write(path, text) == 0, "cannot write %s", path);
  *out = NULL;
  nmsim_status rc = nmsim_chip_load(path, NULL, out, err);
  remove(path);
  return rc;
}

/* Replace from by to in the test chip; expect EINPUT with a message that
 * starts with "PATH:LINE:COL: " where the position is that of `at` in the
 * edited text (plus `shift` columns) and contains frag. */
static void expect_bad(const char *from, const char *to, const char *at, int shift,
                       const char *frag) {
  char *text = test_chip_with(from, to);
  char path[512], want[640];
  nmsim_err err = {0};
  nmsim_chip *c;
  nmsim_status rc = load_text(text, &err, path, sizeof path, &c);
  EXPECT_STATUS(to, rc, NMSIM_EINPUT, err);
  cr_assert(c == NULL, "%s: failed load returned a chip", to);
  int line, col;
  pos_of(text, at, &line, &col);
  snprintf(want, sizeof want, "%s:%d:%d: ", path, line, col + shift);
  cr_assert(strncmp(err.msg, want, strlen(want)) == 0, "%s: got \"%s\", expected it to start "
            "with \"%s\"", to, err.msg, want);
  EXPECT_HAS(err.msg, frag);
  free(text);
}

/* ---- presets ---------------------------------------------------------------- */

/* The Loihi preset carries Davies 2018 Table 2 exactly where no silicon fit
 * replaced it: 23.6 pJ / 3.5 ns per synaptic op, 120 pJ / 6.1 ns per update,
 * 81/52 pJ and 8.4/5.3 ns per neuron update, 1.7 pJ / 2.1 ns within a tile,
 * 3.0/4.0 pJ and 4.1/6.5 ns per hop; and the figures of the calibration
 * (docs/validation.md): SANA-FE's 69.3 pJ / 30 ns per spike and 111 pJ /
 * 5.1 ns per message, its sync table (0.6 us at 1 tile to 1.8 us at 29), and
 * Frady's 104.4 mW per chip split over the 128 cores; geometry 8 x 4 x 4 = 128
 * cores of 1,024 neurons and 128 KiB. */
Test(chip, loihi_preset_is_table_2_and_calibration) {
  nmsim_chip *c = load_ok("loihi", NULL);
  cr_assert(strcmp(c->name, "loihi") == 0, "name: got '%s'", c->name);
  cr_assert(strcmp(c->path, "preset:loihi") == 0, "path: got '%s'", c->path);
  cr_assert(strcmp(c->text, nmsim_chip_preset_text("loihi")) == 0, "text differs from preset");
  cr_assert_str_eq(c->core_type->name, "loihi", "core_kind: got %s", c->core_type->name);
  EXPECT_U("mesh_width", c->mesh_width, 8);
  EXPECT_U("mesh_height", c->mesh_height, 4);
  EXPECT_U("cores_per_tile", c->cores_per_tile, 4);
  EXPECT_U("cores", chip_n_cores(c), 128);
  EXPECT_U("tiles", chip_n_tiles(c), 32);
  EXPECT_U("max_neurons", c->max_neurons, 1024);
  EXPECT_U("synapse_memory_bytes", c->synapse_memory_bytes, 131072);
  EXPECT_U("synapse_bytes", c->synapse_bytes, 2);
  EXPECT_U("max_fan_in", c->max_fan_in, 4096);
  EXPECT_U("max_fan_out", c->max_fan_out, 4096);
  EXPECT_DBL("syn_op.energy", c->syn_op.energy_pj, 23.6);
  EXPECT_PS("syn_op.time", c->syn_op.time_ps, 3500);
  EXPECT_DBL("syn_update.energy", c->syn_update.energy_pj, 120);
  EXPECT_PS("syn_update.time", c->syn_update.time_ps, 6100);
  EXPECT_DBL("neuron_active.energy", c->neuron_active.energy_pj, 81);
  EXPECT_PS("neuron_active.time", c->neuron_active.time_ps, 8400);
  EXPECT_DBL("neuron_idle.energy", c->neuron_idle.energy_pj, 52);
  EXPECT_PS("neuron_idle.time", c->neuron_idle.time_ps, 5300);
  EXPECT_DBL("spike.energy", c->spike.energy_pj, 69.3);
  EXPECT_PS("spike.time", c->spike.time_ps, 30000);
  EXPECT_DBL("spike_out.energy", c->spike_out.energy_pj, 111);
  EXPECT_PS("spike_out.time", c->spike_out.time_ps, 5100);
  EXPECT_DBL("within_tile.energy", c->within_tile.energy_pj, 1.7);
  EXPECT_PS("within_tile.time", c->within_tile.time_ps, 2100);
  EXPECT_DBL("hop_ew.energy", c->hop_ew.energy_pj, 3.0);
  EXPECT_PS("hop_ew.time", c->hop_ew.time_ps, 4100);
  EXPECT_DBL("hop_ns.energy", c->hop_ns.energy_pj, 4.0);
  EXPECT_PS("hop_ns.time", c->hop_ns.time_ps, 6500);
  EXPECT_PS("link_serialization", c->link_serialization_ps, 291);
  EXPECT_U("n_barrier", c->n_barrier, 4);
  EXPECT_U("barrier[0].tiles", c->barrier[0].tiles, 1);
  EXPECT_PS("barrier[0].time", c->barrier[0].time_ps, 600000);
  EXPECT_U("barrier[3].tiles", c->barrier[3].tiles, 29);
  EXPECT_PS("barrier[3].time", c->barrier[3].time_ps, 1800000);
  EXPECT_PS("barrier at 1 tile", chip_barrier_time(c, 1), 600000);
  EXPECT_PS("barrier at 29 tiles", chip_barrier_time(c, 29), 1800000);
  EXPECT_DBL("barrier energy", c->barrier_energy_pj_per_tile, 0);
  EXPECT_DBL("static_core_mw", c->static_core_mw, 0.8154);
  EXPECT_DBL("static_chip_mw", c->static_chip_mw, 0);
  cr_assert_float_eq(c->static_power_mw, 0.8154 * 128, 1e-9, "static_power_mw: got %.17g",
                     c->static_power_mw);
  nmsim_chip_destroy(c);
}

/* The test preset has its invented round figures. */
Test(chip, test_preset) {
  nmsim_chip *c = load_ok("test", NULL);
  EXPECT_U("cores", chip_n_cores(c), 8);
  EXPECT_U("tiles", chip_n_tiles(c), 4);
  EXPECT_U("max_neurons", c->max_neurons, 16);
  EXPECT_DBL("syn_op.energy", c->syn_op.energy_pj, 1);
  EXPECT_PS("syn_op.time", c->syn_op.time_ps, 1000);
  EXPECT_DBL("neuron_active.energy", c->neuron_active.energy_pj, 2);
  EXPECT_PS("neuron_active.time", c->neuron_active.time_ps, 2000);
  EXPECT_DBL("neuron_idle.energy", c->neuron_idle.energy_pj, 1);
  EXPECT_PS("neuron_idle.time", c->neuron_idle.time_ps, 1000);
  EXPECT_DBL("within_tile.energy", c->within_tile.energy_pj, 1);
  EXPECT_PS("within_tile.time", c->within_tile.time_ps, 1000);
  EXPECT_DBL("hop_ew.energy", c->hop_ew.energy_pj, 10);
  EXPECT_PS("hop_ew.time", c->hop_ew.time_ps, 10000);
  EXPECT_DBL("hop_ns.energy", c->hop_ns.energy_pj, 20);
  EXPECT_PS("hop_ns.time", c->hop_ns.time_ps, 20000);
  EXPECT_PS("link_serialization", c->link_serialization_ps, 1000);
  EXPECT_PS("barrier at 1", chip_barrier_time(c, 1), 100000);
  EXPECT_PS("barrier at 4", chip_barrier_time(c, 4), 400000);
  EXPECT_DBL("static_power_mw", c->static_power_mw, 1);
  nmsim_chip_destroy(c);
}

/* Every name in nmsim_chip_presets has a text and loads; unknown names have
 * no text. */
Test(chip, presets_list) {
  bool loihi = false, test = false;
  for (size_t i = 0; nmsim_chip_presets[i]; i++) {
    const char *n = nmsim_chip_presets[i];
    cr_assert(nmsim_chip_preset_text(n) != NULL, "preset %s: no text", n);
    nmsim_chip_destroy(load_ok(n, NULL));
    loihi |= strcmp(n, "loihi") == 0;
    test |= strcmp(n, "test") == 0;
  }
  cr_assert(loihi && test, "presets: loihi %d, test %d, expected both", loihi, test);
  cr_assert(nmsim_chip_preset_text("nope") == NULL, "text of unknown preset: got non-NULL");
  cr_assert(nmsim_chip_preset_text(NULL) == NULL, "text of NULL: got non-NULL");
}

/* An unknown preset is EINPUT and the message lists the presets. */
Test(chip, unknown_preset_lists_presets) {
  nmsim_chip *c = (nmsim_chip *)1;
  nmsim_err err = {0};
  nmsim_status rc = nmsim_chip_load("tianjic", NULL, &c, &err);
  EXPECT_STATUS("tianjic", rc, NMSIM_EINPUT, err);
  cr_assert(c == NULL, "failed load left *out set");
  EXPECT_HAS(err.msg, "unknown chip preset 'tianjic'");
  EXPECT_HAS(err.msg, "loihi");
  EXPECT_HAS(err.msg, "test");
}

/* ---- barrier table ------------------------------------------------------------ */

/* Linear between points, constant below the first, extrapolated from the
 * last two beyond the last, rounded to the nearest ps. */
Test(chip, barrier_interpolation) {
  nmsim_chip *c = load_ok("loihi", NULL);
  EXPECT_PS("0 tiles", chip_barrier_time(c, 0), 600000);
  /* between (2, 1.0 us) and (4, 1.4 us): 1000000 + 1 * 400000 / 2 */
  EXPECT_PS("3 tiles", chip_barrier_time(c, 3), 1200000);
  /* between (4, 1.4 us) and (29, 1.8 us): 1400000 + 12 * 400000 / 25 = 1592000 */
  EXPECT_PS("16 tiles", chip_barrier_time(c, 16), 1592000);
  /* beyond the last: 1800000 + 3 * 400000 / 25 = 1848000 */
  EXPECT_PS("32 tiles", chip_barrier_time(c, 32), 1848000);
  nmsim_chip_destroy(c);

  c = load_ok("test", NULL);
  EXPECT_PS("test 2 tiles", chip_barrier_time(c, 2), 200000);
  EXPECT_PS("test 8 tiles", chip_barrier_time(c, 8), 800000);
  nmsim_chip_destroy(c);
}

/* With three points each segment interpolates on its own; one point is a
 * constant; a falling extrapolation stops at 0. */
Test(chip, barrier_shapes) {
  chip_barrier_point three[] = {{1, 100}, {3, 300}, {5, 1300}};
  nmsim_chip c = {.barrier = three, .n_barrier = 3};
  EXPECT_PS("three @2", chip_barrier_time(&c, 2), 200);
  EXPECT_PS("three @3", chip_barrier_time(&c, 3), 300);
  EXPECT_PS("three @4", chip_barrier_time(&c, 4), 800);
  EXPECT_PS("three @7", chip_barrier_time(&c, 7), 2300);
  chip_barrier_point one[] = {{4, 777}};
  c = (nmsim_chip){.barrier = one, .n_barrier = 1};
  EXPECT_PS("one @1", chip_barrier_time(&c, 1), 777);
  EXPECT_PS("one @100", chip_barrier_time(&c, 100), 777);
  chip_barrier_point falling[] = {{1, 1000}, {2, 500}};
  c = (nmsim_chip){.barrier = falling, .n_barrier = 2};
  EXPECT_PS("falling @3", chip_barrier_time(&c, 3), 0);
  EXPECT_PS("falling @10", chip_barrier_time(&c, 10), 0);
}

/* ---- chip files ------------------------------------------------------------------ */

/* A relative path is taken against base_dir; an absolute path as is; the
 * name defaults to the file's stem when the file has none. */
Test(chip, file_by_relative_and_absolute_path) {
  char dir[512], path[600];
  snprintf(dir, sizeof dir, "%s", tu_tmp("chipdir", ""));
  cr_assert(mkdir(dir, 0755) == 0, "cannot create %s", dir);
  snprintf(path, sizeof path, "%s/mychip.yaml", dir);
  char *text = test_chip_with("name: test\n", "");
  cr_assert(tu_write(path, text) == 0, "cannot write %s", path);
  free(text);

  nmsim_chip *c = load_ok("mychip.yaml", dir);
  cr_assert(strcmp(c->path, path) == 0, "path: got '%s', expected '%s'", c->path, path);
  cr_assert(strcmp(c->name, "mychip") == 0, "name: got '%s', expected 'mychip'", c->name);
  EXPECT_U("cores", chip_n_cores(c), 8);
  nmsim_chip_destroy(c);

  c = load_ok(path, "/nonexistent");
  cr_assert(strcmp(c->path, path) == 0, "absolute path: got '%s'", c->path);
  nmsim_chip_destroy(c);
  remove(path);
  rmdir(dir);
}

/* An unreadable chip file is EIO naming the file and the system's reason. */
Test(chip, unreadable_file_is_eio) {
  nmsim_chip *c = NULL;
  nmsim_err err = {0};
  nmsim_status rc = nmsim_chip_load("/nonexistent/dir/chip.yaml", NULL, &c, &err);
  EXPECT_STATUS("missing file", rc, NMSIM_EIO, err);
  EXPECT_HAS(err.msg, "/nonexistent/dir/chip.yaml: No such file or directory");
}

/* Unknown fields are errors at the top level and nested, located at the key,
 * listing the allowed keys; a known line gives the known position. */
Test(chip, unknown_fields) {
  expect_bad("name: test\n", "name: test\nbogus: 1\n", "bogus", 0,
             "bogus: unknown field; expected one of: name, core_kind");
  char *text = test_chip_with("name: test\n", "name: test\nbogus: 1\n");
  char path[512];
  nmsim_err err = {0};
  nmsim_chip *c;
  load_text(text, &err, path, sizeof path, &c);
  char want[600];
  snprintf(want, sizeof want, "%s:5:1: bogus: unknown field", path);
  EXPECT_HAS(err.msg, want);
  free(text);
  expect_bad("  height: 2", "  depth: 3\n  height: 2", "depth", 0,
             "mesh.depth: unknown field; expected one of: width, height, cores_per_tile");
  expect_bad("    energy: 10 pJ", "    energy: 10 pJ\n    power: 1", "power", 0,
             "noc.hop_ew.power: unknown field; expected one of: energy, time");
  expect_bad("{tiles: 4, time: 400 ns}", "{tiles: 4, time: 400 ns, x: 1}", "x: 1", 0,
             "barrier.times[1].x: unknown field");
}

/* Missing fields name their dotted path at the enclosing mapping. */
Test(chip, missing_fields) {
  expect_bad("  width: 2             # invented\n", "", "  height", 2,
             "mesh.width: required field is missing");
  expect_bad("static_power: 1 mW     # invented\n", "", "name: test", 0,
             "static_power: required field is missing");
  expect_bad("  spike_out:\n    energy: 1 pJ       # invented\n    time: 1 ns         # invented\n",
             "  spike_out:\n    time: 1 ns  #X\n", "time: 1 ns  #X", 0,
             "costs.spike_out.energy: required field is missing");
}

/* Ranges: dimensions >= 1, costs >= 0, units of the right dimension, known
 * kinds and topologies, barrier points sorted and present. */
Test(chip, ranges_and_choices) {
  expect_bad("  width: 2 ", "  width: 0 ", "width: 0", 7,
             "mesh.width: expected an integer in [1, 4294967295], got '0'");
  expect_bad("  neurons_per_core: 16", "  neurons_per_core: -3", "neurons_per_core: -3", 18,
             "limits.neurons_per_core: expected an integer");
  expect_bad("    energy: 10 pJ", "    energy: -10 pJ", "energy: -10 pJ", 8,
             "noc.hop_ew.energy: expected a value in [0, 1e+09] pJ, got '-10 pJ'");
  /* no figure so large that a run's sums overflow to inf (1e300 W printed
   * inf and -nan % in the report) */
  expect_bad("    energy: 10 pJ", "    energy: 2 mJ", "energy: 2 mJ", 8,
             "noc.hop_ew.energy: expected a value in [0, 1e+09] pJ, got '2 mJ'");
  expect_bad("static_power: 1 mW", "static_power: 1e300 W", "1e300 W", 0,
             "static_power: expected a value in [0, 1e+07] mW, got '1e300 W'");
  expect_bad("    energy: 10 pJ", "    energy: 10 ns", "energy: 10 ns", 8,
             "noc.hop_ew.energy: expected an energy in pJ");
  expect_bad("    time: 10 ns", "    time: 10 pJ", "time: 10 pJ", 6,
             "noc.hop_ew.time: expected a time in ps");
  expect_bad("    time: 10 ns", "    time: -1 ns", "time: -1 ns", 6,
             "noc.hop_ew.time: expected a value in [0, 1e+15] ps");
  expect_bad("core_kind: loihi", "core_kind: spinnaker", "spinnaker", 0,
             "core_kind: expected one of: loihi, spinnaker2, truenorth, got 'spinnaker'");
  expect_bad("topology: mesh", "topology: ring", "ring", 0,
             "noc.topology: expected one of: mesh, torus, got 'ring'");
  expect_bad("routing: xy", "routing: yx", "yx", 0,
             "noc.routing: expected one of: dor, xy (the routing algorithms of topology mesh), "
             "got 'yx'");
  expect_bad("{tiles: 4, time: 400 ns}", "{tiles: 1, time: 400 ns}", "1, time: 400", 0,
             "barrier.times[1]: expected points sorted by tiles, each above 1, got 1");
  /* a barrier time that falls as tiles grow (U12: extrapolated below zero) */
  expect_bad("{tiles: 4, time: 400 ns}", "{tiles: 4, time: 51 ns}", "51 ns", 0,
             "barrier.times[1]: expected a time of at least 100 ns");
  expect_bad("    - {tiles: 1, time: 100 ns}   # invented\n    - {tiles: 4, time: 400 ns}   # invented\n",
             "    []\n", "[]", 0, "barrier.times: expected a list of at least one");
  expect_bad("  synapse_memory: 4 KiB", "  synapse_memory: 4 ms", "4 ms", 0,
             "limits.synapse_memory: expected a size in bytes in B");
  expect_bad("  synapse_bytes: 2 ", "  synapse_bytes: 1.5 ", "1.5", 0,
             "limits.synapse_bytes: expected a whole number of bytes");
  expect_bad("  synapse_bytes: 2 ", "  synapse_bytes: 8 KiB ", "8 KiB", 0,
             "limits.synapse_bytes: expected at most synapse_memory (4096 B)");
  expect_bad("  width: 2 ", "  width: 4294967295 ", "  width", 2, "mesh: expected at most");
}

/* Times round to the nearest ps; a syntax error in a chip file is located. */
Test(chip, rounding_and_syntax) {
  char *text = test_chip_with("link_serialization: 1 ns", "link_serialization: 0.0015 ns");
  char path[512];
  nmsim_err err = {0};
  nmsim_chip *c;
  nmsim_status rc = load_text(text, &err, path, sizeof path, &c);
  EXPECT_STATUS("rounding", rc, NMSIM_OK, err);
  EXPECT_PS("0.0015 ns", c->link_serialization_ps, 2);
  nmsim_chip_destroy(c);
  free(text);
  text = test_chip_with("core_kind: loihi\n", "core_kind: loihi: x\n");
  rc = load_text(text, &err, path, sizeof path, &c);
  EXPECT_STATUS("syntax", rc, NMSIM_EINPUT, err);
  char want[600];
  snprintf(want, sizeof want, "%s:6:17: ", path);
  cr_assert(strncmp(err.msg, want, strlen(want)) == 0, "got \"%s\", expected it to start with "
            "\"%s\"", err.msg, want);
  free(text);
}

/* Out of memory at every allocation of a chip load: ENOMEM each time,
 * nothing leaked, and the load eventually succeeds. */
static int fail_after;
static void *fail_malloc(size_t n) { return fail_after-- > 0 ? malloc(n) : NULL; }
static void *fail_calloc(size_t a, size_t b) { return fail_after-- > 0 ? calloc(a, b) : NULL; }
static void *fail_realloc(void *p, size_t n) { return fail_after-- > 0 ? realloc(p, n) : NULL; }

Test(chip, out_of_memory) {
  nm_allocator a = {fail_malloc, fail_realloc, fail_calloc, free};
  for (int n = 0;; n++) {
    fail_after = n;
    nmsim_set_allocator(&a);
    nmsim_chip *c = NULL;
    nmsim_err err = {0};
    nmsim_status rc = nmsim_chip_load("loihi", NULL, &c, &err);
    nmsim_set_allocator(NULL);
    if (rc == NMSIM_OK) {
      nmsim_chip_destroy(c);
      cr_assert(n > 0, "load succeeded with no allocation");
      break;
    }
    cr_assert(rc == NMSIM_ENOMEM, "allocation %d failed: got %s (%s), expected ENOMEM", n,
              nmsim_status_name(rc), err.msg);
    cr_assert(c == NULL, "failed load left a chip");
    cr_assert(n < 10000, "no success after 10000 allocations");
  }
}

/* destroy accepts NULL. */
Test(chip, destroy_null) { nmsim_chip_destroy(NULL); }

Test(chip, provenance_of_figures) {
  /* each `key: number` counts once, by the comment of its line; a quoted
   * string's colons and numbers do not count */
  uint32_t n[CHIP_PROV_KINDS];
  chip_provenance("a: 1 pJ    # Davies 2018 Table 2\n"
                  "b: 2       # estimate: chosen\n"
                  "c: {d: 3, e: -4}   # derived: from a and b\n"
                  "f: 5\n"
                  "g: \"x: 1 # not a comment\"   # a string, not a figure\n"
                  "h: fast    # no number\n"
                  "# i: 7 commented out\n"
                  "- {tiles: 1, time: 2 ns}   # invented\n",
                  n);
  cr_assert_eq(n[CHIP_PROV_CITED], 1u);
  cr_assert_eq(n[CHIP_PROV_ESTIMATE], 3u);
  cr_assert_eq(n[CHIP_PROV_DERIVED], 2u);
  cr_assert_eq(n[CHIP_PROV_NONE], 1u);
}

Test(chip, every_preset_figure_says_where_it_comes_from) {
  /* Invariant: in every bundled preset each figure's line says its source,
   * that it is derived, or that it is an estimate; `nmsim chips --json`
   * reports the same counts */
  char *out = NULL, *err = NULL;
  cr_assert_eq(tu_run(NMSIM_BINARY " chips --json", &out, &err), 0, "%s", err);
  for (size_t i = 0; nmsim_chip_presets[i]; i++) {
    uint32_t n[CHIP_PROV_KINDS];
    chip_provenance(nmsim_chip_preset_text(nmsim_chip_presets[i]), n);
    cr_assert_eq(n[CHIP_PROV_NONE], 0u, "preset %s: %u figures say nothing of their source",
                 nmsim_chip_presets[i], n[CHIP_PROV_NONE]);
    cr_assert(n[CHIP_PROV_CITED] + n[CHIP_PROV_DERIVED] + n[CHIP_PROV_ESTIMATE] >= 10,
              "preset %s: only %u figures found", nmsim_chip_presets[i],
              n[CHIP_PROV_CITED] + n[CHIP_PROV_DERIVED] + n[CHIP_PROV_ESTIMATE]);
    char want[160];
    snprintf(want, sizeof want,
             "\"figures\": {\"cited\": %u, \"derived\": %u, \"estimated\": %u, \"unsourced\": 0}",
             n[CHIP_PROV_CITED], n[CHIP_PROV_DERIVED], n[CHIP_PROV_ESTIMATE]);
    cr_assert(strstr(out, want) != NULL, "chips --json lacks %s for %s", want,
              nmsim_chip_presets[i]);
  }
  free(out);
  free(err);
}
