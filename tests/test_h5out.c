/* test_h5out.c: the HDF5 run file (sim/out/h5out.h): layout, values, chunking and
 * compression, units, status, summary round trip, reconstruction of killed
 * runs, bounded buffers, errors and out-of-memory. Checked through the HDF5 C API. */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/out/h5out.h"
#include "tests_util.h"

/* ---- the synthetic run ------------------------------------------------------ */

#define N_STEPS 50
#define N_CORES 4
#define N_TILES 2
#define N_BINS 5
#define N_LINKS 2
#define STATIC_MW 2.0

static const h5o_pop pops[] = {
    {"input", "poisson", 10, false},
    {"exc", "lif", 20, true},
};
static const char *const var_names[] = {"v", "i_syn"};
static const char *const var_units[] = {"mV", "nA"};
static const uint32_t rec_neurons[] = {0, 3, 7};
static const h5o_state states[] = {{1, 2, var_names, var_units, 3, rec_neurons}};

static h5o_layout layout(void) {
  return (h5o_layout){.scenario_name = "test_run",
                      .scenario_text = "name: test_run\nseed: 7\n",
                      .chip_name = "loihi",
                      .chip_text = "name: loihi\n",
                      .seed = 7,
                      .steps = N_STEPS,
                      .dt_ms = 0.5,
                      .n_cores = N_CORES,
                      .pops = pops,
                      .n_pops = 2,
                      .states = states,
                      .n_states = 1,
                      .n_tiles = N_TILES,
                      .static_power_mw = STATIC_MW,
                      .overrides_json = "{\"seed\": 7}"};
}

/* Two tiles side by side, a link each way. */
static const char *const link_names[N_LINKS] = {"tile0/east", "tile1/west"};
static const int32_t link_src[2 * N_LINKS] = {0, 0, 1, 0};
static const int32_t link_dst[2 * N_LINKS] = {1, 0, 0, 0};
static const uint64_t link_packets[N_LINKS] = {10, 3};
static const double link_busy_ns[N_LINKS] = {20.0, 6.0};

/* Values of step s: latency, energy of category c, state var v of neuron j,
 * and the spikes of "exc" (one or two per step). */
static nmsim_ps step_latency_ps(uint64_t s) { return 100500 + 1000 * s; }
static double step_energy(uint64_t s, int c) { return (double)s + 0.25 * c; }
static double state_value(uint64_t s, size_t v, size_t j) {
  return v == 0 ? -65.0 + (double)s + 0.5 * (double)j : (double)s * 0.125 - (double)j;
}
static size_t step_spikes(uint64_t s, uint32_t out[2]) {
  out[0] = (uint32_t)(s % 20);
  out[1] = (uint32_t)((s + 1) % 20);
  return s % 2 == 0 ? 2 : 1;
}

static nmsim_status write_step(h5o_writer *w, uint64_t s, nmsim_err *err) {
  double e[NM_E_COUNT], vals[2 * 3];
  uint32_t exc[2];
  uint32_t junk = 99;
  for (int c = 0; c < NM_E_COUNT; c++) e[c] = step_energy(s, c);
  for (size_t v = 0; v < 2; v++)
    for (size_t j = 0; j < 3; j++) vals[v * 3 + j] = state_value(s, v, j);
  const uint32_t *spikes[2] = {&junk, exc}; /* "input" is not recorded: ignored */
  size_t n_spikes[2] = {1, step_spikes(s, exc)};
  const double *values[1] = {vals};
  h5o_step st = {s, step_latency_ps(s), e, spikes, n_spikes, values, UINT32_MAX, NULL};
  return h5o_step_write(w, &st, err);
}

static uint64_t spikes_upto(uint64_t steps) {
  uint64_t n = 0;
  uint32_t tmp[2];
  for (uint64_t s = 0; s < steps; s++) n += step_spikes(s, tmp);
  return n;
}

static void make_summary(run_summary *s) {
  memset(s, 0, sizeof *s);
  s->scenario = nm_strdup("test_run");
  s->chip = nm_strdup("loihi");
  s->nmsim_version = nm_strdup(nmsim_version());
  s->status = nm_strdup("complete");
  s->seed = 7;
  s->steps = N_STEPS;
  s->dt_ms = 0.5;
  s->n_cores = N_CORES;
  s->cores_used = 3;
  s->tiles_used = 1;
  for (int c = 0; c < NM_E_COUNT; c++) s->energy_pj[c] = 1.5 * (c + 1);
  s->static_pj = 1e-3;
  s->total_pj = 12345.0625;
  s->hw_time_ps = 0xFFFFFFFFFFull;
  s->step_min_ps = 100500;
  s->step_max_ps = 149500;
  s->step_mean_ps = 125000.25;
  s->packet_mean_ps = 333.3;
  s->packet_p99_ps = 999.9;
  s->spikes = spikes_upto(N_STEPS);
  s->synaptic_ops = 111;
  s->neuron_updates = 222;
  s->packets = 333;
  s->hops = 444;
  s->n_pops = 2;
  s->pops = nm_calloc(2, sizeof *s->pops);
  s->pops[0] = (run_pop_summary){.name = nm_strdup("input"), .model = nm_strdup("poisson"),
                                 .size = 10, .spikes = 17, .bursts = 0, .rate_hz = 3.25};
  s->pops[1] = (run_pop_summary){.name = nm_strdup("exc"), .model = nm_strdup("lif"), .size = 20,
                                 .spikes = s->spikes, .bursts = 3, .rate_hz = 7.5};
}

#define OK(call)                                                                       \
  do {                                                                                 \
    nmsim_err err_ = {0};                                                              \
    nmsim_status st_ = (call);                                                         \
    cr_assert(st_ == NMSIM_OK, "%s: got %s (%s), expected OK", #call,                 \
              nmsim_status_name(st_), err_.msg);                                       \
  } while (0)
#define E (&err_)

/* Write the synthetic run to path; finish it unless finish is false. */
static void write_run(const char *path, uint64_t steps, bool finish) {
  h5o_layout lay = layout();
  h5o_writer *w = NULL;
  OK(h5o_open(path, &lay, &w, E));
  for (uint64_t s = 0; s < steps; s++) OK(write_step(w, s, E));
  if (finish) {
    run_summary sum;
    make_summary(&sum);
    double core[N_CORES * NM_E_COUNT], tile[N_TILES * NM_E_COUNT];
    for (size_t i = 0; i < NM_ARRAY_LEN(core); i++) core[i] = 0.5 * (double)i;
    for (size_t i = 0; i < NM_ARRAY_LEN(tile); i++) tile[i] = 0.25 * (double)i;
    uint64_t hist[N_BINS] = {5, 4, 3, 2, 1};
    h5o_links links = {.n = N_LINKS, .names = link_names, .src_xy = link_src, .dst_xy = link_dst,
                       .packets = link_packets, .busy_ns = link_busy_ns};
    h5o_final fin = {.sum = &sum, .core_energy_pj = core, .tile_energy_pj = tile,
                     .lat_hist = hist, .n_bins = N_BINS, .bin_ns = 2.5, .lat_overflow = 42,
                     .links = &links};
    OK(h5o_finish(w, &fin, E));
    run_summary_clear(&sum);
  }
  h5o_close(w);
}

/* ---- HDF5 readers for the checks ------------------------------------------- */

static hid_t open_file(const char *path) {
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  cr_assert(f >= 0, "H5Fopen(%s) failed", path);
  return f;
}

/* String attribute name of object obj (vlen or fixed), malloc'd. */
static char *attr_str(hid_t f, const char *obj, const char *name) {
  cr_assert(H5Aexists_by_name(f, obj, name, H5P_DEFAULT) > 0, "%s has no attribute %s", obj,
            name);
  hid_t a = H5Aopen_by_name(f, obj, name, H5P_DEFAULT, H5P_DEFAULT);
  hid_t t = H5Aget_type(a);
  cr_assert(H5Tget_class(t) == H5T_STRING, "%s@%s is not a string", obj, name);
  cr_assert(H5Tget_cset(t) == H5T_CSET_UTF8, "%s@%s is not UTF-8", obj, name);
  char *v = NULL, *out;
  if (H5Tis_variable_str(t) > 0) {
    cr_assert(H5Aread(a, t, &v) >= 0, "reading %s@%s", obj, name);
    out = strdup(v);
    H5free_memory(v);
  } else {
    size_t n = H5Tget_size(t);
    out = calloc(n + 1, 1);
    cr_assert(H5Aread(a, t, out) >= 0, "reading %s@%s", obj, name);
  }
  H5Tclose(t);
  H5Aclose(a);
  return out;
}

static void expect_attr_str(hid_t f, const char *obj, const char *name, const char *want) {
  char *got = attr_str(f, obj, name);
  cr_assert(strcmp(got, want) == 0, "%s@%s: got '%s', expected '%s'", obj, name, got, want);
  free(got);
}

static double attr_f64(hid_t f, const char *obj, const char *name) {
  double v = NAN;
  hid_t a = H5Aopen_by_name(f, obj, name, H5P_DEFAULT, H5P_DEFAULT);
  cr_assert(a >= 0 && H5Aread(a, H5T_NATIVE_DOUBLE, &v) >= 0, "reading %s@%s", obj, name);
  H5Aclose(a);
  return v;
}

static uint64_t attr_u64(hid_t f, const char *obj, const char *name) {
  uint64_t v = 0;
  hid_t a = H5Aopen_by_name(f, obj, name, H5P_DEFAULT, H5P_DEFAULT);
  cr_assert(a >= 0 && H5Aread(a, H5T_NATIVE_UINT64, &v) >= 0, "reading %s@%s", obj, name);
  H5Aclose(a);
  return v;
}

/* Shape of dataset name; returns its rank. */
static int dset_shape(hid_t f, const char *name, hsize_t dims[2], hsize_t maxd[2]) {
  cr_assert(H5Lexists(f, name, H5P_DEFAULT) > 0, "dataset %s missing", name);
  hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
  hid_t sp = H5Dget_space(ds);
  int rank = H5Sget_simple_extent_ndims(sp);
  dims[0] = dims[1] = maxd[0] = maxd[1] = 0;
  H5Sget_simple_extent_dims(sp, dims, maxd);
  H5Sclose(sp);
  H5Dclose(ds);
  return rank;
}

static void expect_shape(hid_t f, const char *name, int rank, hsize_t d0, hsize_t d1) {
  hsize_t dims[2], maxd[2];
  int r = dset_shape(f, name, dims, maxd);
  cr_assert(r == rank && dims[0] == d0 && (rank == 1 || dims[1] == d1),
            "%s: shape rank %d [%llu][%llu], expected rank %d [%llu][%llu]", name, r,
            (unsigned long long)dims[0], (unsigned long long)dims[1], rank,
            (unsigned long long)d0, (unsigned long long)d1);
  cr_assert(maxd[0] == H5S_UNLIMITED, "%s: dimension 0 is not extendible", name);
}

/* Read a whole dataset as type mt into a malloc'd buffer of n elements of size sz. */
static void *read_all(hid_t f, const char *name, hid_t mt, size_t n, size_t sz) {
  void *buf = calloc(n ? n : 1, sz);
  hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
  cr_assert(ds >= 0 && H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0,
            "reading %s", name);
  H5Dclose(ds);
  return buf;
}

/* The dataset is chunked and has the deflate filter at level 4. */
static void expect_chunked_deflate(hid_t f, const char *name) {
  hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
  hid_t dcpl = H5Dget_create_plist(ds);
  cr_assert_eq(H5Pget_layout(dcpl), H5D_CHUNKED, "%s: layout %d, expected chunked", name,
               (int)H5Pget_layout(dcpl));
  hsize_t chunk[2] = {0, 0};
  int rank = H5Pget_chunk(dcpl, 2, chunk);
  cr_assert(rank >= 1 && chunk[0] > 0, "%s: chunk rank %d dims %llu", name, rank,
            (unsigned long long)chunk[0]);
  bool deflate = false;
  int nf = H5Pget_nfilters(dcpl);
  for (int i = 0; i < nf; i++) {
    unsigned flags, cd[4];
    size_t ncd = 4;
    char fname[64];
    unsigned conf;
    H5Z_filter_t id = H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, cd, sizeof fname, fname,
                                     &conf);
    if (id == H5Z_FILTER_DEFLATE) {
      deflate = true;
      cr_assert(ncd >= 1 && cd[0] == 4, "%s: deflate level %u, expected 4", name, cd[0]);
    }
  }
  cr_assert(deflate, "%s: no deflate filter among %d filters", name, nf);
  H5Pclose(dcpl);
  H5Dclose(ds);
}

/* ---- the layout ------------------------------------------------------------- */

Test(h5out, layout_values_and_storage) {
  /* Invariant: a finished run file holds the documented layout: root
   * attributes with status "complete", the scenario text, populations with
   * spikes only where recorded, state, per-step series, per-core energy and
   * the packet histogram, with the values written, chunked and deflate-
   * compressed, extendible, and with units as attributes. */
  const char *path = tu_tmp("layout", ".h5");
  write_run(path, N_STEPS, true);
  hid_t f = open_file(path);

  expect_attr_str(f, "/", "status", "complete");
  expect_attr_str(f, "/", "scenario_name", "test_run");
  expect_attr_str(f, "/", "chip", "loihi");
  expect_attr_str(f, "/", "nmsim_version", nmsim_version());
  cr_assert_eq(attr_u64(f, "/", "seed"), 7, "seed");
  cr_assert_eq(attr_u64(f, "/", "steps"), N_STEPS, "steps");
  cr_assert_eq(attr_f64(f, "/", "dt_ms"), 0.5, "dt_ms");
  char *when = attr_str(f, "/", "start_time");
  cr_assert(strlen(when) == 20 && when[10] == 'T' && when[19] == 'Z',
            "start_time '%s' is not ISO 8601 UTC", when);
  free(when);
  when = attr_str(f, "/", "end_time");
  cr_assert(strlen(when) == 20 && when[10] == 'T' && when[19] == 'Z',
            "end_time '%s' is not ISO 8601 UTC", when);
  free(when);
  double wall = attr_f64(f, "/", "wall_time_s");
  cr_assert(wall >= 0 && wall < 60, "wall_time_s: got %g, expected [0, 60)", wall);
  cr_assert_eq(attr_u64(f, "/", "n_cores"), N_CORES, "n_cores");
  cr_assert_eq(attr_u64(f, "/", "n_tiles"), N_TILES, "n_tiles");
  cr_assert_eq(attr_f64(f, "/", "static_power_mw"), STATIC_MW, "static_power_mw");
  expect_attr_str(f, "/", "overrides", "{\"seed\": 7}");
  cr_assert(H5Aexists(f, "error") == 0, "a complete run has an error attribute");

  /* /meta texts */
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  char *text = NULL;
  hid_t ds = H5Dopen2(f, "/meta/scenario", H5P_DEFAULT);
  cr_assert(ds >= 0 && H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &text) >= 0,
            "/meta/scenario unreadable");
  cr_assert(strcmp(text, "name: test_run\nseed: 7\n") == 0, "/meta/scenario: got '%s'", text);
  H5free_memory(text);
  H5Dclose(ds);
  H5Tclose(t);
  cr_assert(H5Lexists(f, "/meta/chip", H5P_DEFAULT) > 0, "/meta/chip missing");

  /* populations */
  expect_attr_str(f, "/populations/input", "model", "poisson");
  expect_attr_str(f, "/populations/exc", "model", "lif");
  cr_assert_eq(attr_u64(f, "/populations/exc", "size"), 20, "exc size");
  cr_assert(H5Lexists(f, "/populations/input/spikes", H5P_DEFAULT) == 0,
            "unrecorded population has spikes");
  uint64_t nsp = spikes_upto(N_STEPS);
  expect_shape(f, "/populations/exc/spikes/step", 1, nsp, 0);
  expect_shape(f, "/populations/exc/spikes/neuron", 1, nsp, 0);
  expect_attr_str(f, "/populations/exc/spikes/step", "unit", "step");
  uint64_t *sstep = read_all(f, "/populations/exc/spikes/step", H5T_NATIVE_UINT64, nsp, 8);
  uint32_t *sneu = read_all(f, "/populations/exc/spikes/neuron", H5T_NATIVE_UINT32, nsp, 4);
  size_t k = 0;
  for (uint64_t s = 0; s < N_STEPS; s++) {
    uint32_t want[2];
    size_t n = step_spikes(s, want);
    for (size_t i = 0; i < n; i++, k++)
      cr_assert(sstep[k] == s && sneu[k] == want[i],
                "spike %zu: got (step %" PRIu64 ", neuron %u), expected (%" PRIu64 ", %u)", k,
                sstep[k], sneu[k], s, want[i]);
  }
  free(sstep);
  free(sneu);

  /* per-step series */
  expect_shape(f, "/steps/latency_ns", 1, N_STEPS, 0);
  expect_attr_str(f, "/steps/latency_ns", "unit", "ns");
  double *lat = read_all(f, "/steps/latency_ns", H5T_NATIVE_DOUBLE, N_STEPS, 8);
  for (uint64_t s = 0; s < N_STEPS; s++)
    cr_assert(lat[s] == (double)step_latency_ps(s) / 1000.0,
              "latency_ns[%" PRIu64 "]: got %.17g, expected %.17g", s, lat[s],
              (double)step_latency_ps(s) / 1000.0);
  free(lat);
  expect_shape(f, "/steps/energy_pj", 2, N_STEPS, NM_E_COUNT);
  expect_attr_str(f, "/steps/energy_pj", "unit", "pJ");
  double *en = read_all(f, "/steps/energy_pj", H5T_NATIVE_DOUBLE, N_STEPS * NM_E_COUNT, 8);
  for (uint64_t s = 0; s < N_STEPS; s++)
    for (int c = 0; c < NM_E_COUNT; c++)
      cr_assert(en[s * NM_E_COUNT + c] == step_energy(s, c),
                "energy_pj[%" PRIu64 "][%d]: got %g, expected %g", s, c,
                en[s * NM_E_COUNT + c], step_energy(s, c));
  free(en);

  /* columns: the category keys, in order */
  hid_t a = H5Aopen_by_name(f, "/steps/energy_pj", "columns", H5P_DEFAULT, H5P_DEFAULT);
  hid_t asp = H5Aget_space(a);
  cr_assert_eq(H5Sget_simple_extent_npoints(asp), NM_E_COUNT, "columns has %d entries",
               (int)H5Sget_simple_extent_npoints(asp));
  char *cols[NM_E_COUNT];
  hid_t st = H5Tcopy(H5T_C_S1);
  H5Tset_size(st, H5T_VARIABLE);
  cr_assert(H5Aread(a, st, cols) >= 0, "columns unreadable");
  for (int c = 0; c < NM_E_COUNT; c++)
    cr_assert(strcmp(cols[c], nm_energy_key(c)) == 0, "columns[%d]: got '%s', expected '%s'",
              c, cols[c], nm_energy_key(c));
  H5Dvlen_reclaim(st, asp, H5P_DEFAULT, cols);
  H5Tclose(st);
  H5Sclose(asp);
  H5Aclose(a);

  /* state */
  expect_shape(f, "/state/exc/v", 2, N_STEPS, 3);
  expect_shape(f, "/state/exc/i_syn", 2, N_STEPS, 3);
  expect_attr_str(f, "/state/exc/v", "unit", "mV");
  expect_attr_str(f, "/state/exc/i_syn", "unit", "nA");
  uint32_t neu[3] = {0};
  a = H5Aopen_by_name(f, "/state/exc/v", "neurons", H5P_DEFAULT, H5P_DEFAULT);
  cr_assert(a >= 0 && H5Aread(a, H5T_NATIVE_UINT32, neu) >= 0, "neurons unreadable");
  H5Aclose(a);
  cr_assert(neu[0] == 0 && neu[1] == 3 && neu[2] == 7, "neurons: got %u %u %u, expected 0 3 7",
            neu[0], neu[1], neu[2]);
  for (size_t v = 0; v < 2; v++) {
    char name[64];
    snprintf(name, sizeof name, "/state/exc/%s", var_names[v]);
    double *vals = read_all(f, name, H5T_NATIVE_DOUBLE, N_STEPS * 3, 8);
    for (uint64_t s = 0; s < N_STEPS; s++)
      for (size_t j = 0; j < 3; j++)
        cr_assert(vals[s * 3 + j] == state_value(s, v, j),
                  "%s[%" PRIu64 "][%zu]: got %g, expected %g", name, s, j, vals[s * 3 + j],
                  state_value(s, v, j));
    free(vals);
  }

  /* per-core energy and packet histogram */
  expect_shape(f, "/cores/energy_pj", 2, N_CORES, NM_E_COUNT);
  expect_attr_str(f, "/cores/energy_pj", "unit", "pJ");
  double *core = read_all(f, "/cores/energy_pj", H5T_NATIVE_DOUBLE, N_CORES * NM_E_COUNT, 8);
  for (size_t i = 0; i < N_CORES * NM_E_COUNT; i++)
    cr_assert(core[i] == 0.5 * (double)i, "cores/energy_pj flat %zu: got %g, expected %g", i,
              core[i], 0.5 * (double)i);
  free(core);
  expect_shape(f, "/packets/latency_hist", 1, N_BINS, 0);
  cr_assert_eq(attr_f64(f, "/packets/latency_hist", "bin_ns"), 2.5, "bin_ns");
  cr_assert_eq(attr_u64(f, "/packets/latency_hist", "overflow"), 42, "overflow");
  uint64_t *hist = read_all(f, "/packets/latency_hist", H5T_NATIVE_UINT64, N_BINS, 8);
  for (int i = 0; i < N_BINS; i++)
    cr_assert_eq(hist[i], (uint64_t)(5 - i), "hist[%d]: got %" PRIu64 ", expected %d", i,
                 hist[i], 5 - i);
  free(hist);

  /* per-tile energy and links */
  expect_shape(f, "/tiles/energy_pj", 2, N_TILES, NM_E_COUNT);
  expect_attr_str(f, "/tiles/energy_pj", "unit", "pJ");
  double *tile = read_all(f, "/tiles/energy_pj", H5T_NATIVE_DOUBLE, N_TILES * NM_E_COUNT, 8);
  for (size_t i = 0; i < N_TILES * NM_E_COUNT; i++)
    cr_assert(tile[i] == 0.25 * (double)i, "tiles/energy_pj flat %zu: got %g, expected %g", i,
              tile[i], 0.25 * (double)i);
  free(tile);
  cr_assert_eq(attr_u64(f, "/links", "n_links"), N_LINKS, "n_links");
  expect_shape(f, "/links/name", 1, N_LINKS, 0);
  expect_shape(f, "/links/src_xy", 2, N_LINKS, 2);
  expect_shape(f, "/links/dst_xy", 2, N_LINKS, 2);
  expect_shape(f, "/links/packets", 1, N_LINKS, 0);
  expect_shape(f, "/links/busy_ns", 1, N_LINKS, 0);
  expect_shape(f, "/links/utilisation", 1, N_LINKS, 0);
  expect_attr_str(f, "/links/busy_ns", "unit", "ns");
  expect_attr_str(f, "/links/utilisation", "unit", "1");
  int32_t *lxy = read_all(f, "/links/dst_xy", H5T_NATIVE_INT32, 2 * N_LINKS, 4);
  for (size_t i = 0; i < 2 * N_LINKS; i++)
    cr_assert_eq(lxy[i], link_dst[i], "dst_xy flat %zu: got %d, expected %d", i, lxy[i],
                 link_dst[i]);
  free(lxy);
  double *util = read_all(f, "/links/utilisation", H5T_NATIVE_DOUBLE, N_LINKS, 8);
  /* the summary's hardware time is 0xFFFFFFFFFF ps */
  for (size_t i = 0; i < N_LINKS; i++) {
    double want = link_busy_ns[i] / ((double)0xFFFFFFFFFFull / 1000.0);
    cr_assert(fabs(util[i] - want) <= 1e-12 * want, "utilisation[%zu]: got %.17g, expected %.17g",
              i, util[i], want);
  }
  free(util);
  hid_t nt = H5Tcopy(H5T_C_S1);
  H5Tset_size(nt, H5T_VARIABLE);
  char *lnames[N_LINKS] = {0};
  hid_t lds = H5Dopen2(f, "/links/name", H5P_DEFAULT);
  cr_assert(lds >= 0 && H5Dread(lds, nt, H5S_ALL, H5S_ALL, H5P_DEFAULT, lnames) >= 0,
            "/links/name unreadable");
  for (size_t i = 0; i < N_LINKS; i++)
    cr_assert(strcmp(lnames[i], link_names[i]) == 0, "link name %zu: got '%s', expected '%s'",
              i, lnames[i], link_names[i]);
  for (size_t i = 0; i < N_LINKS; i++) H5free_memory(lnames[i]);
  H5Dclose(lds);
  H5Tclose(nt);

  /* storage: every array dataset chunked and deflate-compressed */
  const char *const arrays[] = {"/steps/latency_ns",         "/steps/energy_pj",
                                "/state/exc/v",              "/state/exc/i_syn",
                                "/populations/exc/spikes/step",
                                "/populations/exc/spikes/neuron",
                                "/cores/energy_pj",          "/packets/latency_hist",
                                "/tiles/energy_pj",          "/links/name",
                                "/links/src_xy",             "/links/utilisation",
                                "/summary/populations"};
  for (size_t i = 0; i < NM_ARRAY_LEN(arrays); i++) expect_chunked_deflate(f, arrays[i]);

  H5Fclose(f);
  remove(path);
}

/* ---- the summary -------------------------------------------------------------- */

#define EXPECT_FIELD_U(f)                                                                 \
  cr_assert(got.f == want.f, #f ": got %" PRIu64 ", expected %" PRIu64, (uint64_t)got.f, \
            (uint64_t)want.f)
#define EXPECT_FIELD_D(f) \
  cr_assert(got.f == want.f, #f ": got %.17g, expected %.17g", got.f, want.f)
#define EXPECT_FIELD_S(f) \
  cr_assert(strcmp(got.f, want.f) == 0, #f ": got '%s', expected '%s'", got.f, want.f)

Test(h5out, summary_round_trip) {
  /* Invariant: h5o_read_summary gives back every field of the summary that
   * h5o_finish wrote, bit for bit, populations in order. */
  const char *path = tu_tmp("summary", ".h5");
  write_run(path, N_STEPS, true);
  run_summary want, got;
  make_summary(&want);
  OK(h5o_read_summary(path, &got, E));
  EXPECT_FIELD_S(scenario);
  EXPECT_FIELD_S(chip);
  EXPECT_FIELD_S(nmsim_version);
  EXPECT_FIELD_S(status);
  EXPECT_FIELD_U(seed);
  EXPECT_FIELD_U(steps);
  EXPECT_FIELD_D(dt_ms);
  EXPECT_FIELD_U(n_cores);
  EXPECT_FIELD_U(cores_used);
  EXPECT_FIELD_U(tiles_used);
  for (int c = 0; c < NM_E_COUNT; c++)
    cr_assert(got.energy_pj[c] == want.energy_pj[c], "energy_pj[%s]: got %.17g, expected %.17g",
              nm_energy_key(c), got.energy_pj[c], want.energy_pj[c]);
  EXPECT_FIELD_D(static_pj);
  EXPECT_FIELD_D(total_pj);
  EXPECT_FIELD_U(hw_time_ps);
  EXPECT_FIELD_U(step_min_ps);
  EXPECT_FIELD_U(step_max_ps);
  EXPECT_FIELD_D(step_mean_ps);
  EXPECT_FIELD_D(packet_mean_ps);
  EXPECT_FIELD_D(packet_p99_ps);
  EXPECT_FIELD_U(spikes);
  EXPECT_FIELD_U(synaptic_ops);
  EXPECT_FIELD_U(neuron_updates);
  EXPECT_FIELD_U(packets);
  EXPECT_FIELD_U(hops);
  cr_assert_eq(got.n_pops, want.n_pops, "n_pops: got %zu, expected %zu", got.n_pops,
               want.n_pops);
  for (size_t i = 0; i < want.n_pops; i++) {
    run_pop_summary *g = &got.pops[i], *w = &want.pops[i];
    cr_assert(strcmp(g->name, w->name) == 0 && strcmp(g->model, w->model) == 0 &&
                  g->size == w->size && g->spikes == w->spikes && g->rate_hz == w->rate_hz,
              "pop %zu: got {%s, %s, %u, %" PRIu64 ", %.17g}, expected {%s, %s, %u, %" PRIu64
              ", %.17g}",
              i, g->name, g->model, g->size, g->spikes, g->rate_hz, w->name, w->model, w->size,
              w->spikes, w->rate_hz);
  }
  run_summary_clear(&got);
  run_summary_clear(&want);
  remove(path);
}

Test(h5out, unfinished_run_is_reconstructed) {
  /* Invariant: a writer closed without h5o_finish leaves status "incomplete"
   * and every step written; h5o_read_summary then rebuilds steps, energies,
   * hardware time, step latencies and spike counts from the per-step data. */
  const char *path = tu_tmp("killed", ".h5");
  const uint64_t steps = 30;
  write_run(path, steps, false);
  hid_t f = open_file(path);
  expect_attr_str(f, "/", "status", "incomplete");
  cr_assert(H5Lexists(f, "/summary", H5P_DEFAULT) == 0, "an unfinished run has /summary");
  H5Fclose(f);

  run_summary got;
  OK(h5o_read_summary(path, &got, E));
  cr_assert(strcmp(got.status, "incomplete") == 0, "status: got '%s', expected 'incomplete'",
            got.status);
  cr_assert(strcmp(got.scenario, "test_run") == 0 && strcmp(got.chip, "loihi") == 0,
            "names: got '%s' on '%s'", got.scenario, got.chip);
  cr_assert_eq(got.seed, 7, "seed %" PRIu64, got.seed);
  cr_assert_eq(got.steps, steps, "steps: got %" PRIu64 ", expected %" PRIu64, got.steps, steps);
  cr_assert_eq(got.n_cores, N_CORES, "n_cores: got %u", got.n_cores);
  double total = 0;
  for (int c = 0; c < NM_E_COUNT; c++) {
    double want = 0;
    for (uint64_t s = 0; s < steps; s++) want += step_energy(s, c);
    cr_assert(fabs(got.energy_pj[c] - want) <= 1e-9 * want,
              "energy_pj[%s]: got %.17g, expected %.17g", nm_energy_key(c), got.energy_pj[c],
              want);
    total += want;
  }
  nmsim_ps hw = 0;
  for (uint64_t s = 0; s < steps; s++) hw += step_latency_ps(s);
  /* static energy: static_power_mw over the hardware time of the steps */
  double stat = STATIC_MW * (double)hw * 1e-3;
  cr_assert(fabs(got.static_pj - stat) <= 1e-9 * stat, "static_pj: got %.17g, expected %.17g",
            got.static_pj, stat);
  total += stat;
  cr_assert(fabs(got.total_pj - total) <= 1e-9 * total, "total_pj: got %.17g, expected %.17g",
            got.total_pj, total);
  cr_assert_eq(got.hw_time_ps, hw, "hw_time_ps: got %" PRIu64 ", expected %" PRIu64,
               got.hw_time_ps, hw);
  cr_assert_eq(got.step_min_ps, step_latency_ps(0), "step_min_ps: got %" PRIu64,
               got.step_min_ps);
  cr_assert_eq(got.step_max_ps, step_latency_ps(steps - 1), "step_max_ps: got %" PRIu64,
               got.step_max_ps);
  cr_assert(got.step_mean_ps == (double)hw / steps, "step_mean_ps: got %g, expected %g",
            got.step_mean_ps, (double)hw / steps);
  cr_assert_eq(got.n_pops, 2, "n_pops: got %zu", got.n_pops);
  cr_assert(strcmp(got.pops[0].name, "input") == 0 && strcmp(got.pops[1].name, "exc") == 0,
            "pop order: got %s, %s; expected input, exc", got.pops[0].name, got.pops[1].name);
  cr_assert(strcmp(got.pops[1].model, "lif") == 0 && got.pops[1].size == 20,
            "exc: got model %s size %u", got.pops[1].model, got.pops[1].size);
  cr_assert_eq(got.pops[0].spikes, 0, "input spikes: got %" PRIu64, got.pops[0].spikes);
  cr_assert_eq(got.pops[1].spikes, spikes_upto(steps), "exc spikes: got %" PRIu64
               ", expected %" PRIu64, got.pops[1].spikes, spikes_upto(steps));
  cr_assert_eq(got.spikes, spikes_upto(steps), "spikes: got %" PRIu64, got.spikes);
  double rate = (double)spikes_upto(steps) / 20 / (steps * 0.5e-3);
  cr_assert(fabs(got.pops[1].rate_hz - rate) < 1e-9, "exc rate: got %g, expected %g",
            got.pops[1].rate_hz, rate);
  run_summary_clear(&got);
  remove(path);
}

Test(h5out, flush_makes_steps_readable) {
  /* Invariant: after h5o_flush, another reader sees every step written so
   * far, with status still "incomplete". */
  const char *path = tu_tmp("flush", ".h5");
  h5o_layout lay = layout();
  h5o_writer *w = NULL;
  OK(h5o_open(path, &lay, &w, E));
  for (uint64_t s = 0; s < 7; s++) OK(write_step(w, s, E));
  OK(h5o_flush(w, E));
  run_summary got;
  OK(h5o_read_summary(path, &got, E));
  cr_assert(got.steps == 7 && strcmp(got.status, "incomplete") == 0,
            "got %" PRIu64 " steps, status %s; expected 7, incomplete", got.steps, got.status);
  cr_assert_eq(got.pops[1].spikes, spikes_upto(7), "spikes: got %" PRIu64, got.pops[1].spikes);
  run_summary_clear(&got);
  h5o_close(w);
  remove(path);
}

Test(h5out, flush_cadence_by_steps_and_time) {
  /* Invariant: without any explicit h5o_flush, the writer flushes after
   * flush_steps steps, and after flush_s of wall time, so another reader sees
   * those steps while the run goes on. */
  const char *path = tu_tmp("cadence", ".h5");
  h5o_layout lay = layout();
  lay.flush_steps = 5;
  lay.flush_s = 3600; /* by steps only */
  h5o_writer *w = NULL;
  OK(h5o_open(path, &lay, &w, E));
  for (uint64_t s = 0; s < 12; s++) OK(write_step(w, s, E));
  run_summary got;
  OK(h5o_read_summary(path, &got, E));
  cr_assert(got.steps == 10 && strcmp(got.status, "incomplete") == 0,
            "by steps: got %" PRIu64 " steps (%s), expected 10 (incomplete)", got.steps,
            got.status);
  run_summary_clear(&got);
  h5o_close(w);

  lay.flush_steps = 1000000;
  lay.flush_s = 1e-9; /* every step is "a second later" */
  OK(h5o_open(path, &lay, &w, E));
  for (uint64_t s = 0; s < 3; s++) OK(write_step(w, s, E));
  OK(h5o_read_summary(path, &got, E));
  cr_assert_eq(got.steps, 3, "by time: got %" PRIu64 " steps, expected 3", got.steps);
  run_summary_clear(&got);
  h5o_close(w);
  remove(path);
}

Test(h5out, failed_run_says_failed) {
  /* Invariant: h5o_fail_run keeps the steps written, sets status "failed"
   * and attribute "error" to the message; the summary reads back with status
   * "failed" and the steps; no step may be written after it. */
  const char *path = tu_tmp("failed", ".h5");
  h5o_layout lay = layout();
  h5o_writer *w = NULL;
  OK(h5o_open(path, &lay, &w, E));
  for (uint64_t s = 0; s < 4; s++) OK(write_step(w, s, E));
  OK(h5o_fail_run(w, "event pool exhausted at step 4", E));
  nmsim_err err = {0};
  nmsim_status st = write_step(w, 4, &err);
  cr_assert(st == NMSIM_EINVAL, "step after fail_run: got %s, expected EINVAL",
            nmsim_status_name(st));
  h5o_close(w);
  hid_t f = open_file(path);
  expect_attr_str(f, "/", "status", "failed");
  expect_attr_str(f, "/", "error", "event pool exhausted at step 4");
  H5Fclose(f);
  run_summary got;
  OK(h5o_read_summary(path, &got, E));
  cr_assert(got.steps == 4 && strcmp(got.status, "failed") == 0,
            "got %" PRIu64 " steps (%s), expected 4 (failed)", got.steps, got.status);
  run_summary_clear(&got);
  remove(path);
}

Test(h5out, optional_tables_left_out) {
  /* Invariant: h5o_finish without per-core, per-tile or link data writes no
   * such dataset (so a reader can say it is absent), and still completes. */
  const char *path = tu_tmp("bare", ".h5");
  h5o_layout lay = layout();
  h5o_writer *w = NULL;
  OK(h5o_open(path, &lay, &w, E));
  OK(write_step(w, 0, E));
  run_summary sum;
  make_summary(&sum);
  h5o_final fin = {.sum = &sum, .bin_ns = 1.0};
  OK(h5o_finish(w, &fin, E));
  h5o_close(w);
  run_summary_clear(&sum);
  hid_t f = open_file(path);
  expect_attr_str(f, "/", "status", "complete");
  const char *absent[] = {"/links", "/tiles", "/cores/energy_pj"};
  for (size_t i = 0; i < NM_ARRAY_LEN(absent); i++)
    cr_assert(H5Lexists(f, absent[i], H5P_DEFAULT) == 0, "%s exists, expected absent",
              absent[i]);
  H5Fclose(f);
  remove(path);
}

Test(h5out, buffers_overflow_in_order) {
  /* Invariant: more steps than one buffer holds, and a single step with more
   * spikes than the spike buffer, reach the file complete and in order. */
  const char *path = tu_tmp("big", ".h5");
  h5o_layout lay = layout();
  h5o_writer *w = NULL;
  OK(h5o_open(path, &lay, &w, E));
  const uint64_t steps = 2500, big_step = 1234;
  const size_t big_n = 150000;
  uint32_t *big = malloc(big_n * sizeof *big);
  for (size_t i = 0; i < big_n; i++) big[i] = (uint32_t)(i % 20);
  uint64_t want_spikes = 0;
  for (uint64_t s = 0; s < steps; s++) {
    if (s == big_step) {
      double e[NM_E_COUNT] = {0};
      const uint32_t *sp[2] = {NULL, big};
      size_t ns[2] = {0, big_n};
      h5o_step st = {s, step_latency_ps(s), e, sp, ns, NULL, UINT32_MAX, NULL};
      OK(h5o_step_write(w, &st, E));
      want_spikes += big_n;
    } else {
      OK(write_step(w, s, E));
      uint32_t tmp[2];
      want_spikes += step_spikes(s, tmp);
    }
  }
  free(big);
  h5o_close(w);

  hid_t f = open_file(path);
  expect_shape(f, "/steps/latency_ns", 1, steps, 0);
  expect_shape(f, "/populations/exc/spikes/step", 1, want_spikes, 0);
  double *lat = read_all(f, "/steps/latency_ns", H5T_NATIVE_DOUBLE, steps, 8);
  for (uint64_t s = 0; s < steps; s++)
    cr_assert(lat[s] == (double)step_latency_ps(s) / 1000.0, "latency_ns[%" PRIu64 "] = %g",
              s, lat[s]);
  free(lat);
  uint64_t *ss = read_all(f, "/populations/exc/spikes/step", H5T_NATIVE_UINT64, want_spikes, 8);
  for (uint64_t i = 1; i < want_spikes; i++)
    cr_assert(ss[i] >= ss[i - 1], "spike steps out of order at %" PRIu64 ": %" PRIu64
              " after %" PRIu64, i, ss[i], ss[i - 1]);
  free(ss);
  /* a state recording without values is NaN for the big step */
  double *v = read_all(f, "/state/exc/v", H5T_NATIVE_DOUBLE, steps * 3, 8);
  cr_assert(isnan(v[big_step * 3]), "state of a step without values: got %g, expected NaN",
            v[big_step * 3]);
  free(v);
  H5Fclose(f);
  remove(path);
}

/* ---- errors ----------------------------------------------------------------- */

Test(h5out, not_hdf5_is_eformat) {
  /* Invariant: reading a file that is not HDF5 is NMSIM_EFORMAT naming the path. */
  const char *path = tu_tmp("text", ".h5");
  cr_assert_eq(tu_write(path, "this is not HDF5\n"), 0, "cannot write %s", path);
  run_summary got;
  nmsim_err err = {0};
  nmsim_status st = h5o_read_summary(path, &got, &err);
  cr_assert(st == NMSIM_EFORMAT, "got %s, expected EFORMAT", nmsim_status_name(st));
  cr_assert(strstr(err.msg, path), "message '%s' does not name %s", err.msg, path);
  cr_assert(got.pops == NULL && got.scenario == NULL, "summary not left empty");
  remove(path);
}

Test(h5out, foreign_hdf5_is_eformat) {
  /* Invariant: an HDF5 file that nmsim did not write is NMSIM_EFORMAT naming
   * the path and the missing object. */
  const char *path = tu_tmp("foreign", ".h5");
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  cr_assert(f >= 0, "cannot create %s", path);
  H5Fclose(f);
  run_summary got;
  nmsim_err err = {0};
  nmsim_status st = h5o_read_summary(path, &got, &err);
  cr_assert(st == NMSIM_EFORMAT, "got %s, expected EFORMAT", nmsim_status_name(st));
  cr_assert(strstr(err.msg, path) && strstr(err.msg, "nmsim_version"),
            "message '%s' does not name %s and nmsim_version", err.msg, path);
  remove(path);
}

/* A string attribute of the run file holding several strings (a damaged or
 * foreign file) is NMSIM_EFORMAT naming it, vlen or fixed-length (reading
 * it used to write every element into room for one). */
Test(h5out, string_attribute_arrays_refused) {
  for (int vlen = 0; vlen < 2; vlen++) {
    const char *path = tu_tmp(vlen ? "status-vlen3" : "status-fixed3", ".h5");
    write_run(path, 4, true);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    cr_assert_geq(f, 0);
    H5Adelete(f, "status");
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, vlen ? H5T_VARIABLE : 9);
    hsize_t n = 3;
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t a = H5Acreate2(f, "status", t, sp, H5P_DEFAULT, H5P_DEFAULT);
    const char *v[3] = {"complete", "complete", "complete"};
    char fixed[27] = "complete\0complete\0complete";
    cr_assert_geq(H5Awrite(a, t, vlen ? (const void *)v : (const void *)fixed), 0);
    H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    H5Fclose(f);
    run_summary got;
    nmsim_err err = {0};
    nmsim_status st = h5o_read_summary(path, &got, &err);
    cr_assert(st == NMSIM_EFORMAT, "got %s, expected EFORMAT (%s)", nmsim_status_name(st),
              err.msg);
    cr_assert(strstr(err.msg, "attribute status on / is not one string"), "message: %s",
              err.msg);
    remove(path);
  }
}

/* An unfinished run file whose step datasets disagree with the run's steps
 * or with each other is damaged, NMSIM_EFORMAT (U11: a dataset extended to
 * 1e9 rows was reported as 1e9 steps). */
Test(h5out, damaged_step_lengths_refused) {
  for (int k = 0; k < 2; k++) {
    const char *path = tu_tmp(k ? "steps-mismatch" : "steps-too-many", ".h5");
    write_run(path, 4, false);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    cr_assert_geq(f, 0);
    hid_t d = H5Dopen2(f, "/steps/latency_ns", H5P_DEFAULT);
    hsize_t n[1] = {k ? 3 : 1000000000};
    cr_assert_geq(H5Dset_extent(d, n), 0);
    H5Dclose(d);
    H5Fclose(f);
    run_summary got;
    nmsim_err err = {0};
    nmsim_status st = h5o_read_summary(path, &got, &err);
    cr_assert(st == NMSIM_EFORMAT, "got %s, expected EFORMAT (%s)", nmsim_status_name(st),
              err.msg);
    cr_assert(strstr(err.msg, "the file is damaged"), "message: %s", err.msg);
    remove(path);
  }
}

Test(h5out, missing_file_is_eio) {
  /* Invariant: reading a file that does not exist is NMSIM_EIO naming it. */
  const char *path = tu_tmp("absent", ".h5");
  run_summary got;
  nmsim_err err = {0};
  nmsim_status st = h5o_read_summary(path, &got, &err);
  cr_assert(st == NMSIM_EIO, "got %s, expected EIO", nmsim_status_name(st));
  cr_assert(strstr(err.msg, path), "message '%s' does not name %s", err.msg, path);
}

Test(h5out, unwritable_path_names_it) {
  /* Invariant: a run file that cannot be created is NMSIM_EIO naming the
   * path, with no HDF5 error stack printed, and no writer returned. */
  char path[600];
  snprintf(path, sizeof path, "%s/run.h5", tu_tmp("no-such-dir", ""));
  h5o_layout lay = layout();
  h5o_writer *w = (h5o_writer *)&lay; /* must be reset to NULL */
  nmsim_err err = {0};
  nmsim_status st = h5o_open(path, &lay, &w, &err);
  cr_assert(st == NMSIM_EIO, "got %s, expected EIO", nmsim_status_name(st));
  cr_assert(strstr(err.msg, path), "message '%s' does not name %s", err.msg, path);
  cr_assert_null(w, "a writer was returned on failure");
}

Test(h5out, bad_names_are_einval) {
  /* Invariant: a population name that cannot name an HDF5 group is
   * NMSIM_EINVAL before any file is created. */
  const char *path = tu_tmp("badname", ".h5");
  h5o_pop bad[] = {{"a/b", "lif", 1, true}};
  h5o_layout lay = layout();
  lay.pops = bad;
  lay.n_pops = 1;
  lay.n_states = 0;
  h5o_writer *w = NULL;
  nmsim_err err = {0};
  nmsim_status st = h5o_open(path, &lay, &w, &err);
  cr_assert(st == NMSIM_EINVAL && strstr(err.msg, "a/b"), "got %s (%s), expected EINVAL",
            nmsim_status_name(st), err.msg);
  cr_assert(fopen(path, "r") == NULL, "%s was created", path);
}

Test(h5out, write_after_finish_is_einval) {
  /* Invariant: steps after h5o_finish, or a second finish, are API misuse. */
  const char *path = tu_tmp("after", ".h5");
  h5o_layout lay = layout();
  h5o_writer *w = NULL;
  OK(h5o_open(path, &lay, &w, E));
  run_summary sum;
  make_summary(&sum);
  h5o_final fin = {.sum = &sum, .bin_ns = 1.0};
  OK(h5o_finish(w, &fin, E));
  nmsim_err err = {0};
  nmsim_status st = write_step(w, 0, &err);
  cr_assert(st == NMSIM_EINVAL, "step after finish: got %s, expected EINVAL",
            nmsim_status_name(st));
  st = h5o_finish(w, &fin, &err);
  cr_assert(st == NMSIM_EINVAL, "second finish: got %s, expected EINVAL",
            nmsim_status_name(st));
  run_summary_clear(&sum);
  h5o_close(w);
  h5o_close(NULL);
  remove(path);
}

/* ---- out of memory ---------------------------------------------------------- */

static long fail_after = -1; /* allocations left before failing; -1: never */
static bool oom_ok(void) {
  if (fail_after == 0) return false;
  if (fail_after > 0) fail_after--;
  return true;
}
static void *oom_malloc(size_t n) { return oom_ok() ? malloc(n) : NULL; }
static void *oom_realloc(void *p, size_t n) { return oom_ok() ? realloc(p, n) : NULL; }
static void *oom_calloc(size_t c, size_t n) { return oom_ok() ? calloc(c, n) : NULL; }
static const nm_allocator oom_alloc = {oom_malloc, oom_realloc, oom_calloc, free};

Test(h5out, out_of_memory) {
  /* Invariant: failing the Nth allocation of h5o_open, of writing steps and of
   * h5o_read_summary, for every N until success, gives NMSIM_ENOMEM and leaks
   * nothing (ASan checks). */
  const char *path = tu_tmp("oom", ".h5");
  nmsim_set_allocator(&oom_alloc);
  long n;
  for (n = 0;; n++) {
    fail_after = n;
    h5o_layout lay = layout();
    h5o_writer *w = NULL;
    nmsim_err err = {0};
    nmsim_status st = h5o_open(path, &lay, &w, &err);
    if (st == NMSIM_OK) {
      for (uint64_t s = 0; s < 3 && st == NMSIM_OK; s++) st = write_step(w, s, &err);
      h5o_close(w);
      if (st == NMSIM_OK) break;
    }
    cr_assert(st == NMSIM_ENOMEM, "open+write with allocation %ld failing: got %s (%s)", n,
              nmsim_status_name(st), err.msg);
    cr_assert(n < 1000, "never succeeded");
  }
  fail_after = -1;
  nmsim_set_allocator(NULL);
  write_run(path, 5, true);
  nmsim_set_allocator(&oom_alloc);
  for (n = 0;; n++) {
    fail_after = n;
    run_summary got;
    nmsim_err err = {0};
    nmsim_status st = h5o_read_summary(path, &got, &err);
    if (st == NMSIM_OK) {
      run_summary_clear(&got);
      break;
    }
    cr_assert(st == NMSIM_ENOMEM, "read with allocation %ld failing: got %s (%s)", n,
              nmsim_status_name(st), err.msg);
    cr_assert(n < 1000, "never succeeded");
  }
  fail_after = -1;
  nmsim_set_allocator(NULL);
  remove(path);
  cr_assert_eq(tu_leaks(), 0, "LeakSanitizer found leaks (see stderr)");
}
