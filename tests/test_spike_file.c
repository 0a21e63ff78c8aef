/* test_spike_file.c: spike_array spikes from a file (population field
 * spikes_file, sim/load/spike_file.h): CSV and HDF5 files give the same spike list
 * and the same run as the equivalent inline `spikes` list; every bad file is
 * an error naming the file and its line (CSV) or dataset (HDF5). */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scn_run.h"
#include "sim/load/scenario_int.h"
#include "tests_util.h"

/* ---- helpers ---------------------------------------------------------------- */

#define EXPECT_STATUS(what, got, want, err)                                         \
  cr_assert((got) == (want), "%s: got %s (%s), expected %s", (what),                \
            nmsim_status_name(got), (err).msg, nmsim_status_name(want))
#define EXPECT_U(what, got, want)                                                    \
  cr_assert((uint64_t)(got) == (uint64_t)(want), "%s: got %" PRIu64 ", expected %" PRIu64, \
            (what), (uint64_t)(got), (uint64_t)(want))

/* The spikes of `stim` (line 6) as an inline list; every file below holds the
 * same spikes, shuffled and with repeats. */
#define INLINE "spikes: [[1, 5, 7], [], [0, 49], [3]]"
#define N_SPIKES 6

/* A scenario whose population stim (line 6) has the field `field`. */
static char *scenario(const char *field) {
  static const char *const fmt =
      "name: sf\n"                                                        /* 1 */
      "seed: 1\n"                                                         /* 2 */
      "chip: test\n"                                                      /* 3 */
      "steps: 50\n"                                                       /* 4 */
      "populations:\n"                                                    /* 5 */
      "  stim: {size: 4, model: spike_array, %s}\n"                       /* 6 */
      "  exc: {size: 4, model: lif}\n"                                    /* 7 */
      "projections:\n"                                                    /* 8 */
      "  - {from: stim, to: exc, connector: one_to_one, weight: 20}\n"   /* 9 */
      "record: {spikes: all}\n";                                          /* 10 */
  size_t n = strlen(fmt) + strlen(field) + 1;
  char *s = malloc(n);
  cr_assert(s != NULL);
  snprintf(s, n, fmt, field);
  return s;
}

/* A fresh directory under the test tmp dir; its path in dir. */
static void make_dir(char *dir, size_t len) {
  snprintf(dir, len, "%s", tu_tmp("sf", ".d"));
  cr_assert_eq(mkdir(dir, 0755), 0, "mkdir %s", dir);
}

static void join(char *out, size_t len, const char *dir, const char *name) {
  snprintf(out, len, "%s/%s", dir, name);
}

/* A dataset of an HDF5 file: name, element type, rank, dims and data. */
static void h5_ds(hid_t f, const char *name, hid_t type, int rank, const hsize_t *dims,
                  const void *data) {
  hid_t sp = H5Screate_simple(rank, dims, NULL);
  hid_t d = H5Dcreate2(f, name, type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  cr_assert(sp >= 0 && d >= 0, "create dataset %s", name);
  cr_assert(H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0, "write %s", name);
  H5Dclose(d);
  H5Sclose(sp);
}

/* The spikes of INLINE as (neuron, step) pairs: shuffled, with repeats. */
static const uint16_t PAIR_N[] = {2, 0, 3, 0, 2, 0, 0, 2};
static const int64_t PAIR_S[] = {49, 5, 3, 1, 0, 7, 5, 49};
#define N_PAIRS (sizeof PAIR_N / sizeof PAIR_N[0])

/* An HDF5 file at path with datasets neuron (uint16) and step (int64) of the
 * pairs above. */
static void write_pairs_h5(const char *path) {
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  cr_assert(f >= 0, "create %s", path);
  hsize_t n = N_PAIRS;
  h5_ds(f, "neuron", H5T_NATIVE_UINT16, 1, &n, PAIR_N);
  h5_ds(f, "step", H5T_NATIVE_INT64, 1, &n, PAIR_S);
  H5Fclose(f);
}

/* The same pairs as CSV, with a byte order mark, comments, a header, blank
 * lines, blanks around the numbers and \r\n line ends. */
static const char *const PAIRS_CSV =
    "\xEF\xBB\xBF# stim spikes, shuffled, with repeats\r\n"
    "neuron,step\r\n"
    "\r\n"
    "2,49\r\n"
    " 0 , 5 # a comment after the values\r\n"
    "3,3\r\n"
    "\t0,1\r\n"
    "   \r\n"
    "2,0\r\n"
    "0,7\r\n"
    "# another comment\r\n"
    "0,5\r\n"
    "2,49";   /* no line end at the end of the file */

static nmsim_scenario *load_file(const char *path) {
  nmsim_scenario *s = NULL;
  nmsim_err err = {0};
  nmsim_status rc = nmsim_scenario_load(path, NULL, 0, &s, &err);
  EXPECT_STATUS(path, rc, NMSIM_OK, err);
  return s;
}

/* The spike list of population 0 of got equals want's. */
static void expect_same_list(const nmsim_scenario *got, const nmsim_scenario *want,
                             const char *what) {
  const nmsim_pop_data *g = &got->pops[0].spikes, *w = &want->pops[0].spikes;
  cr_assert(g->off && g->steps, "%s: no spike list", what);
  EXPECT_U("n", g->n, w->n);
  for (uint32_t i = 0; i <= w->n; i++)
    cr_assert_eq(g->off[i], w->off[i], "%s: off[%u]: got %u, expected %u", what, i, g->off[i],
                 w->off[i]);
  for (uint32_t k = 0; k < w->off[w->n]; k++)
    cr_assert_eq(g->steps[k], w->steps[k], "%s: steps[%u]: got %u, expected %u", what, k,
                 g->steps[k], w->steps[k]);
}

/* Dataset name of run files a and b hold the same values. */
static size_t expect_same_ds(const char *a, const char *b, const char *name) {
  size_t na, nb;
  uint64_t *va = sr_read(a, name, H5T_NATIVE_UINT64, &na);
  uint64_t *vb = sr_read(b, name, H5T_NATIVE_UINT64, &nb);
  cr_assert_eq(na, nb, "%s: %zu values, expected %zu", name, na, nb);
  for (size_t i = 0; i < na; i++)
    cr_assert_eq(va[i], vb[i], "%s[%zu]: got %" PRIu64 ", expected %" PRIu64, name, i, va[i],
                 vb[i]);
  free(va);
  free(vb);
  return na;
}

/* Write scenario files file.yaml (spikes_file: name, relative) and inline.yaml
 * (INLINE) into dir; load both and run both; the spike lists and the rasters
 * of both populations must be equal. */
static void expect_same_as_inline(const char *dir, const char *name) {
  char sf[600], si[600], field[600];
  join(sf, sizeof sf, dir, "file.yaml");
  join(si, sizeof si, dir, "inline.yaml");
  snprintf(field, sizeof field, "spikes_file: %s", name);
  char *tf = scenario(field), *ti = scenario(INLINE);
  cr_assert_eq(tu_write(sf, tf), 0);
  cr_assert_eq(tu_write(si, ti), 0);
  free(tf);
  free(ti);

  nmsim_scenario *a = load_file(sf), *b = load_file(si);
  expect_same_list(a, b, name);
  nmsim_scenario_destroy(a);
  nmsim_scenario_destroy(b);

  char ha[512], hb[512];
  snprintf(ha, sizeof ha, "%s", sr_run(sf, "sf-file", &a));
  snprintf(hb, sizeof hb, "%s", sr_run(si, "sf-inline", &b));
  size_t n = expect_same_ds(ha, hb, "/populations/stim/spikes/step");
  EXPECT_U("stim spikes recorded", n, N_SPIKES);
  expect_same_ds(ha, hb, "/populations/stim/spikes/neuron");
  expect_same_ds(ha, hb, "/populations/exc/spikes/step");
  expect_same_ds(ha, hb, "/populations/exc/spikes/neuron");
  nmsim_scenario_destroy(a);
  nmsim_scenario_destroy(b);
  remove(ha), remove(hb), remove(sf), remove(si);
}

/* Load text (named t.yaml) and expect status want with a message that starts
 * "t.yaml:6:" at populations.stim.spikes_file and holds every fragment. */
static void expect_error(const char *text, nmsim_status want, const char *const *frags,
                         size_t n_frags) {
  nmsim_scenario *s = NULL;
  nmsim_err err = {0};
  nmsim_status rc = nmsim_scenario_load_string("t.yaml", text, NULL, 0, &s, &err);
  EXPECT_STATUS("load", rc, want, err);
  cr_assert(s == NULL, "a failed load returned a scenario");
  cr_assert_eq(err.code, want, "err.code: got %s, expected %s", nmsim_status_name(err.code),
               nmsim_status_name(want));
  cr_assert(strncmp(err.msg, "t.yaml:6:", 9) == 0, "message \"%s\" does not start with "
            "\"t.yaml:6:\"", err.msg);
  for (size_t i = 0; i < n_frags; i++)
    cr_assert(strstr(err.msg, frags[i]), "message \"%s\" lacks \"%s\"", err.msg, frags[i]);
}

/* spikes_file: PATH (absolute) must fail with want and the fragments; the
 * message also names the field. */
static void expect_file_error(const char *path, nmsim_status want, const char *f1,
                              const char *f2) {
  char field[600], where[700];
  snprintf(field, sizeof field, "spikes_file: \"%s\"", path);
  snprintf(where, sizeof where, "populations.stim.spikes_file: %s", path);
  const char *frags[] = {where, f1, f2};
  char *text = scenario(field);
  expect_error(text, want, frags, f2 ? 3 : 2);
  free(text);
}

/* A CSV file at a fresh path holding text; path in out. */
static void write_csv(char *out, size_t len, const char *text) {
  snprintf(out, len, "%s", tu_tmp("sf", ".csv"));
  cr_assert_eq(tu_write(out, text), 0, "write %s", out);
}

/* ---- same as inline ----------------------------------------------------------- */

Test(spike_file, csv_same_as_inline) {
  /* Invariant: a CSV file of neuron,step lines (header, comments, blank lines,
   * blanks, \r\n, shuffled, repeated), named relative to the scenario's
   * directory, gives the spike list of the equivalent inline spikes list and
   * the same raster when run. */
  char dir[512], path[600];
  make_dir(dir, sizeof dir);
  join(path, sizeof path, dir, "stim.csv");
  cr_assert_eq(tu_write(path, PAIRS_CSV), 0);
  expect_same_as_inline(dir, "stim.csv");
  remove(path);
  rmdir(dir);
}

Test(spike_file, hdf5_same_as_inline) {
  /* Invariant: an HDF5 file with 1-D integer datasets neuron and step (of any
   * integer types), recognised by its .h5 name or by its signature alone,
   * gives the spike list of the equivalent inline list and the same raster. */
  char dir[512], path[600];
  make_dir(dir, sizeof dir);
  const char *names[] = {"stim.h5", "stim.spk"};
  for (size_t i = 0; i < NM_ARRAY_LEN(names); i++) {
    join(path, sizeof path, dir, names[i]);
    write_pairs_h5(path);
    expect_same_as_inline(dir, names[i]);
    remove(path);
  }
  rmdir(dir);
}

Test(spike_file, empty_files_mean_no_spikes) {
  /* Invariant: a CSV file of only a header and comments, and an HDF5 file with
   * empty datasets, give every neuron no spikes (off all 0), as spikes: [[],
   * [], [], []] does. */
  char csv[512], h5[512];
  write_csv(csv, sizeof csv, "neuron,step\n# nothing\n\n");
  snprintf(h5, sizeof h5, "%s", tu_tmp("sf", ".h5"));
  hid_t f = H5Fcreate(h5, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t zero = 0;
  int32_t none[1] = {0};
  h5_ds(f, "neuron", H5T_NATIVE_INT32, 1, &zero, none);
  h5_ds(f, "step", H5T_NATIVE_INT32, 1, &zero, none);
  H5Fclose(f);
  const char *paths[] = {csv, h5};
  for (size_t k = 0; k < 2; k++) {
    char field[600];
    snprintf(field, sizeof field, "spikes_file: \"%s\"", paths[k]);
    char *text = scenario(field);
    nmsim_scenario *s = NULL;
    nmsim_err err = {0};
    nmsim_status rc = nmsim_scenario_load_string("t.yaml", text, NULL, 0, &s, &err);
    EXPECT_STATUS(paths[k], rc, NMSIM_OK, err);
    const nmsim_pop_data *sl = &s->pops[0].spikes;
    EXPECT_U("n", sl->n, 4);
    for (uint32_t i = 0; i <= 4; i++)
      cr_assert_eq(sl->off[i], 0, "%s: off[%u]: got %u, expected 0", paths[k], i, sl->off[i]);
    nmsim_scenario_destroy(s);
    free(text);
  }
  remove(csv), remove(h5);
}

/* ---- errors ------------------------------------------------------------------- */

Test(spike_file, csv_errors) {
  /* Invariant: a bad CSV line (not two comma-separated fields, a non-integer,
   * a neuron >= size, a step >= steps, a misplaced header) is EINPUT naming
   * the file and the line, saying what was expected and what was found. */
  static const struct {
    const char *text, *line, *what;
  } cases[] = {
      {"0,1\n1 2\n", ":2: ", "expected NEURON,STEP (two whole numbers separated by a comma), "
                             "got '1 2'"},
      {"0,1\n0,2,3\n", ":2: ", "expected NEURON,STEP (two whole numbers separated by a comma), "
                               "got '0,2,3'"},
      {"# c\n\n0,1\nx,2\n", ":4: neuron: ", "expected a neuron index, a whole number in [0, 3] "
                                            "(the population has 4 neurons), got 'x'"},
      {"0,1.5\n", ":1: step: ", "expected a step, a whole number in [0, 4294967295], got '1.5'"},
      {"0,-1\n", ":1: step: ", "got '-1'"},
      {"neuron,step\n0,\n", ":2: step: ", "got ''"},
      {"0,1\n4,2\n", ":2: neuron: ", "expected a neuron index, a whole number in [0, 3] (the "
                                     "population has 4 neurons), got '4'"},
      {"0,1\n3,4294967296\n", ":2: step: ", "got '4294967296'"},
      {"0,99999999999999999999999\n", ":1: step: ", "got '99999999999999999999999'"},
      {"0,1\nneuron,step\n", ":2: neuron: ", "got 'neuron'"},
  };
  for (size_t i = 0; i < NM_ARRAY_LEN(cases); i++) {
    char path[512], at[600];
    write_csv(path, sizeof path, cases[i].text);
    snprintf(at, sizeof at, "%s%s", path, cases[i].line);
    expect_file_error(path, NMSIM_EINPUT, at, cases[i].what);
    remove(path);
  }
}

Test(spike_file, field_errors) {
  /* Invariant: spikes and spikes_file together, spikes_file on another model,
   * or a spikes_file that is not a string are EINPUT at the field; a missing
   * file is EIO naming the resolved path. */
  const char *both[] = {"populations.stim.spikes_file: ",
                        "expected exactly one of spikes (a list of steps per neuron) or "
                        "spikes_file (a path), got both"};
  char *text = scenario("spikes: [[1], [], [], []], spikes_file: x.csv");
  expect_error(text, NMSIM_EINPUT, both, 2);
  free(text);

  text = scenario("spikes_file: [a, b]");
  const char *list[] = {"populations.stim.spikes_file: "};
  expect_error(text, NMSIM_EINPUT, list, 1);
  free(text);

  const char *neither[] = {"populations.stim.spikes: required field is missing",
                           "or spikes_file: PATH"};
  text = scenario("params: {}");
  expect_error(text, NMSIM_EINPUT, neither, 2);
  free(text);

  nmsim_scenario *s = NULL;
  nmsim_err err = {0};
  text = scenario("spikes: [[1], [], [], []]");
  char *t2 = malloc(strlen(text) + 64);
  cr_assert(t2 != NULL);
  const char *exc = strstr(text, "model: lif}");
  snprintf(t2, strlen(text) + 64, "%.*smodel: lif, spikes_file: x.csv}%s", (int)(exc - text),
           text, exc + strlen("model: lif}"));
  nmsim_status rc = nmsim_scenario_load_string("t.yaml", t2, NULL, 0, &s, &err);
  EXPECT_STATUS("spikes_file on lif", rc, NMSIM_EINPUT, err);
  cr_assert(strstr(err.msg, "t.yaml:7:") &&
                strstr(err.msg, "populations.exc.spikes_file: unexpected field: spikes_file is "
                                "only for model spike_array"),
            "message \"%s\"", err.msg);
  free(t2);
  free(text);

  /* missing: relative to the scenario file's directory */
  char dir[512], yaml[600], want[700];
  make_dir(dir, sizeof dir);
  join(yaml, sizeof yaml, dir, "s.yaml");
  text = scenario("spikes_file: nothere.csv");
  cr_assert_eq(tu_write(yaml, text), 0);
  free(text);
  rc = nmsim_scenario_load(yaml, NULL, 0, &s, &err);
  EXPECT_STATUS("missing file", rc, NMSIM_EIO, err);
  cr_assert_eq(err.code, NMSIM_EIO, "err.code: got %s", nmsim_status_name(err.code));
  snprintf(want, sizeof want, "populations.stim.spikes_file: %s/nothere.csv: No such file", dir);
  cr_assert(strstr(err.msg, want), "message \"%s\" lacks \"%s\"", err.msg, want);
  cr_assert(strncmp(err.msg, yaml, strlen(yaml)) == 0, "message \"%s\" does not start with %s",
            err.msg, yaml);
  remove(yaml);
  rmdir(dir);

  /* a directory cannot be read as a file */
  make_dir(dir, sizeof dir);
  expect_file_error(dir, NMSIM_EIO, "Is a directory", NULL);
  rmdir(dir);
}

Test(spike_file, hdf5_errors) {
  /* Invariant: an HDF5 file without dataset neuron or step, with datasets of
   * unequal lengths, of floats, of rank 2, or with a value out of range is
   * EINPUT naming the file and the dataset (and the index of a bad value);
   * a .h5 file that HDF5 cannot open is EINPUT too. */
  int32_t v[4] = {0, 1, 2, 3};
  double dv[4] = {0, 1, 2, 3};
  hsize_t four = 4, three = 3, two_by_two[2] = {2, 2};
  enum { NO_NEURON, NO_STEP, UNEQUAL, FLOATS, RANK2, NEURON_RANGE, NEGATIVE, N_CASES };
  const char *what[N_CASES][2] = {
      [NO_NEURON] = {"dataset 'neuron': missing", "expected a 1-D integer dataset 'neuron' of "
                                                  "neuron indices beside one named 'step'"},
      [NO_STEP] = {"dataset 'step': missing", "expected a 1-D integer dataset 'step' of steps"},
      [UNEQUAL] = {"datasets 'neuron' and 'step': expected equal lengths",
                   "got 4 and 3"},
      [FLOATS] = {"dataset 'step': expected integers (steps), got floating-point values", NULL},
      [RANK2] = {"dataset 'neuron': expected a 1-D dataset of neuron indices, got 2 dimensions",
                 NULL},
      [NEURON_RANGE] = {"dataset 'neuron'[3]: expected a neuron index, a whole number in [0, 3] "
                        "(the population has 4 neurons), got 7", NULL},
      [NEGATIVE] = {"dataset 'step'[0]: ", "got -5"},
  };
  for (int c = 0; c < N_CASES; c++) {
    char path[512], where[600];
    snprintf(path, sizeof path, "%s", tu_tmp("sf", ".h5"));
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(f >= 0);
    int32_t bad[4] = {0, 1, 2, 3};
    if (c == NEURON_RANGE) bad[3] = 7;
    if (c == NEGATIVE) bad[0] = -5;
    if (c == NO_NEURON) h5_ds(f, "neurons", H5T_NATIVE_INT32, 1, &four, v);
    else if (c == RANK2) h5_ds(f, "neuron", H5T_NATIVE_INT32, 2, two_by_two, v);
    else h5_ds(f, "neuron", H5T_NATIVE_INT32, 1, &four, c == NEURON_RANGE ? bad : v);
    if (c == UNEQUAL) h5_ds(f, "step", H5T_NATIVE_INT32, 1, &three, v);
    else if (c == FLOATS) h5_ds(f, "step", H5T_NATIVE_DOUBLE, 1, &four, dv);
    else if (c != NO_STEP) h5_ds(f, "step", H5T_NATIVE_INT32, 1, &four, bad);
    H5Fclose(f);
    snprintf(where, sizeof where, "%s: %s", path, what[c][0]);
    expect_file_error(path, NMSIM_EINPUT, where, what[c][1]);
    remove(path);
  }
  /* named .h5 but not HDF5 */
  char path[512];
  snprintf(path, sizeof path, "%s", tu_tmp("sf", ".h5"));
  cr_assert_eq(tu_write(path, "0,1\n"), 0);
  expect_file_error(path, NMSIM_EINPUT, "HDF5 cannot open the file", NULL);
  remove(path);
}

/* Spikes at or after the run's last step (a run shortened with --set
 * steps=N) are left out with one note naming the field, the count and the
 * run's length, from an inline list, a CSV file and an HDF5 file alike; the
 * spikes within the run are kept. */
Test(spike_file, spikes_beyond_the_run_left_out_with_a_note) {
  char csv[512], h5[512];
  write_csv(csv, sizeof csv, "0,1\n3,50\n3,70\n0,49\n");
  snprintf(h5, sizeof h5, "%s", tu_tmp("sf", ".h5"));
  hid_t f = H5Fcreate(h5, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  cr_assert(f >= 0);
  int32_t nv[4] = {0, 3, 3, 0}, sv[4] = {1, 50, 70, 49};
  hsize_t four = 4;
  h5_ds(f, "neuron", H5T_NATIVE_INT32, 1, &four, nv);
  h5_ds(f, "step", H5T_NATIVE_INT32, 1, &four, sv);
  H5Fclose(f);
  char fields[3][600];
  snprintf(fields[0], sizeof fields[0], "spikes: [[1, 49], [], [], [50, 70]]");
  snprintf(fields[1], sizeof fields[1], "spikes_file: %s", csv);
  snprintf(fields[2], sizeof fields[2], "spikes_file: %s", h5);
  for (int k = 0; k < 3; k++) {
    char *text = scenario(fields[k]);
    nmsim_err err = {0};
    nmsim_scenario *s = NULL;
    nmsim_status rc = nmsim_scenario_load_string("t.yaml", text, NULL, 0, &s, &err);
    cr_assert_eq(rc, NMSIM_OK, "%s: %s", fields[k], err.msg);
    const nmsim_pop_data *sl = &s->pops[0].spikes;
    cr_assert_eq(sl->off[1], 2, "%s: neuron 0 keeps its 2 spikes", fields[k]);
    cr_assert_eq(sl->off[4] - sl->off[3], 0, "%s: neuron 3's spikes are beyond the run",
                 fields[k]);
    cr_assert_eq(s->n_warnings, 1, "%s: %zu warnings", fields[k], s->n_warnings);
    cr_assert(strstr(s->warnings[0], ":6: populations.stim.spike") &&
              strstr(s->warnings[0], ": 2 spikes at step 50 or later (the run has 50 steps) "
                                     "are left out"),
              "%s: note '%s'", fields[k], s->warnings[0]);
    nmsim_scenario_destroy(s);
    free(text);
  }
  remove(csv);
  remove(h5);
}

/* ---- out of memory ------------------------------------------------------------ */

static long budget;  /* allocations left before failing; < 0: never fail */
static void *fail_malloc(size_t n) { return budget-- == 0 ? NULL : malloc(n); }
static void *fail_calloc(size_t a, size_t b) { return budget-- == 0 ? NULL : calloc(a, b); }
static void *fail_realloc(void *p, size_t n) { return budget-- == 0 ? NULL : realloc(p, n); }
static const nm_allocator failing = {fail_malloc, fail_realloc, fail_calloc, free};

Test(spike_file, every_allocation_failure, .timeout = 120) {
  /* Invariant: failing the Nth allocation of loading a scenario with a CSV or
   * HDF5 spikes_file, for every N until the load succeeds, gives ENOMEM and
   * leaks nothing. */
  char csv[512], h5[512];
  write_csv(csv, sizeof csv, PAIRS_CSV);
  snprintf(h5, sizeof h5, "%s", tu_tmp("sf", ".h5"));
  write_pairs_h5(h5);
  const char *paths[] = {csv, h5};
  for (size_t k = 0; k < 2; k++) {
    char field[600];
    snprintf(field, sizeof field, "spikes_file: \"%s\"", paths[k]);
    char *text = scenario(field);
    bool ok = false;
    long n;
    for (n = 0; n < 100000 && !ok; n++) {
      nmsim_set_allocator(&failing);
      budget = n;
      nmsim_scenario *s = NULL;
      nmsim_err err = {0};
      nmsim_status rc = nmsim_scenario_load_string("t.yaml", text, NULL, 0, &s, &err);
      nmsim_set_allocator(NULL);
      ok = rc == NMSIM_OK;
      if (ok) EXPECT_U("stim spikes", s->pops[0].spikes.off[4], N_SPIKES);
      else
        cr_assert_eq(rc, NMSIM_ENOMEM, "%s: failing allocation %ld: got %s (%s), expected ENOMEM",
                     paths[k], n, nmsim_status_name(rc), err.msg);
      nmsim_scenario_destroy(s);
    }
    cr_assert(ok, "%s: the load never succeeded", paths[k]);
    free(text);
  }
  cr_assert_eq(tu_leaks(), 0, "LeakSanitizer found leaks (see stderr)");
  remove(csv), remove(h5);
}
