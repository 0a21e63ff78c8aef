/* test_params_per_neuron.c: per-neuron parameter values (a list, a
 * distribution, a CSV, .npy or HDF5 file): a population with per-neuron
 * values spikes exactly as one population per neuron with those values as
 * scalars; the values do not depend on the mapping (a cap of neurons per core
 * cuts the runs of equal values differently) or the mode (network mode builds
 * its own blocks); files give what the list gives;
 * draws are keyed by neuron (the same for any population size up to it) and
 * stay within their bounds; bad values are named by field and neuron. */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/load/scenario_int.h"
#include "sim/system/run_int.h"
#include "tests_util.h"

#define N 12

/* The input: every source neuron fires at a few fixed steps. */
static const char *source =
    "  in: {size: 4, model: spike_array, spikes: [[1, 5, 9, 13, 17, 21, 25], [2, 6, 10, 14, 18], "
    "[3, 7, 11, 15, 19, 23], [4, 8, 12, 16, 20, 24, 28]]}\n";

static const double tau[N] = {5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27};

static nmsim_scenario *load(const char *text, nmsim_err *err, nmsim_status *rc) {
  nmsim_scenario *s = NULL;
  *rc = nmsim_scenario_load_string("pn.yaml", text, NULL, 0, &s, err);
  return s;
}

/* Spike counts per neuron of the populations in pops (in order, their
 * neurons concatenated) into counts; returns the total. */
static uint64_t run_counts(const char *text, uint64_t *counts, size_t n) {
  nmsim_err err = {0};
  nmsim_status rc;
  nmsim_scenario *s = load(text, &err, &rc);
  cr_assert_eq(rc, NMSIM_OK, "load: %s\n%s", err.msg, text);
  const char *h5 = tu_tmp("pn", ".h5");
  run_opts o = {.h5_path = h5};
  run_summary sum;
  cr_assert_eq(run_scenario(s, &o, &sum, &err), NMSIM_OK, "run: %s", err.msg);
  run_summary_clear(&sum);
  memset(counts, 0, n * sizeof *counts);
  uint64_t total = 0;
  hid_t f = H5Fopen(h5, H5F_ACC_RDONLY, H5P_DEFAULT);
  cr_assert_geq(f, 0);
  size_t at = 0;
  for (size_t p = 1; p < s->n_pops; p++) { /* population 0 is the input */
    char name[128];
    snprintf(name, sizeof name, "/populations/%s/spikes/neuron", s->pops[p].name);
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    cr_assert_geq(d, 0, "%s", name);
    hid_t sp = H5Dget_space(d);
    hssize_t k = H5Sget_simple_extent_npoints(sp);
    uint64_t *v = malloc((size_t)(k ? k : 1) * 8);
    if (k) H5Dread(d, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    for (hssize_t j = 0; j < k; j++) {
      cr_assert_lt(at + v[j], n);
      counts[at + v[j]]++;
      total++;
    }
    free(v);
    H5Sclose(sp);
    H5Dclose(d);
    at += s->pops[p].size;
  }
  H5Fclose(f);
  nmsim_scenario_destroy(s);
  return total;
}

static void list_text(char *out, size_t n) {
  size_t k = (size_t)snprintf(out, n, "[");
  for (int i = 0; i < N; i++) k += (size_t)snprintf(out + k, n - k, "%s%g", i ? ", " : "", tau[i]);
  snprintf(out + k, n - k, "]");
}

/* A scenario with one population `exc` of N LIF neurons whose tau_m is
 * tau_spec, fed all to all by `in`; extra mapping text appended. */
static void one_pop(char *text, size_t n, const char *tau_spec, const char *extra) {
  snprintf(text, n,
           "chip: test\nsteps: 40\nseed: 9\npopulations:\n%s"
           "  exc: {size: %d, model: lif, params: {tau_m: %s, r_m: 100 MOhm, tau_syn_e: 4 ms}}\n"
           "projections:\n  - {from: in, to: exc, connector: all_to_all, weight: 0.4 nA}\n"
           "record: {spikes: all}\n%s",
           source, N, tau_spec, extra);
}

Test(params_per_neuron, list_equals_one_population_per_neuron) {
  char list[256], text[8192];
  list_text(list, sizeof list);
  one_pop(text, sizeof text, list, "");
  uint64_t a[N], b[N];
  uint64_t ta = run_counts(text, a, N);
  /* the same neurons as N populations of one, with scalar values */
  size_t k = (size_t)snprintf(text, sizeof text, "chip: test\nsteps: 40\nseed: 9\npopulations:\n%s",
                              source);
  for (int i = 0; i < N; i++)
    k += (size_t)snprintf(text + k, sizeof text - k,
                          "  n%d: {size: 1, model: lif, params: {tau_m: %g, r_m: 100 MOhm, "
                          "tau_syn_e: 4 ms}}\n", i, tau[i]);
  k += (size_t)snprintf(text + k, sizeof text - k, "projections:\n");
  for (int i = 0; i < N; i++)
    k += (size_t)snprintf(text + k, sizeof text - k,
                          "  - {from: in, to: n%d, connector: all_to_all, weight: 0.4 nA}\n", i);
  snprintf(text + k, sizeof text - k, "record: {spikes: all}\n");
  uint64_t tb = run_counts(text, b, N);
  cr_assert_gt(ta, 0);
  for (int i = 0; i < N; i++)
    cr_assert_eq(a[i], b[i], "neuron %d (tau_m %g): %llu spikes, alone %llu", i, tau[i],
                 (unsigned long long)a[i], (unsigned long long)b[i]);
  cr_assert_eq(ta, tb);
  /* heterogeneous: the slowest and the fastest neurons differ */
  cr_assert_neq(a[0], a[N - 1], "tau_m had no effect");
}

Test(params_per_neuron, mapping_and_files_do_not_change_values) {
  char list[256], text[8192];
  list_text(list, sizeof list);
  uint64_t ref[N], got[N];
  one_pop(text, sizeof text, list, "");
  run_counts(text, ref, N);
  /* a cap of 5 neurons per core: blocks and runs cut elsewhere */
  one_pop(text, sizeof text, list, "mapping: {max_per_core: {exc: 5}}\n");
  run_counts(text, got, N);
  cr_assert_arr_eq(got, ref, sizeof ref, "with max_per_core");
  /* a cap of 11: the last core holds one neuron, a block of a single run */
  one_pop(text, sizeof text, list, "mapping: {max_per_core: {exc: 11}}\n");
  run_counts(text, got, N);
  cr_assert_arr_eq(got, ref, sizeof ref, "with a block of one neuron");
  /* network mode: its own blocks, the same runs */
  one_pop(text, sizeof text, list, "engine: {mode: network}\n");
  run_counts(text, got, N);
  cr_assert_arr_eq(got, ref, sizeof ref, "in network mode");
  /* CSV, .npy and HDF5 files holding the same values */
  const char *csv = tu_tmp("tau", ".csv"), *npy = tu_tmp("tau", ".npy"),
             *h5 = tu_tmp("tau", ".h5");
  FILE *f = fopen(csv, "w");
  fprintf(f, "# tau_m in ms\n");
  for (int i = 0; i < N; i++) fprintf(f, "%g%s", tau[i], i % 4 == 3 ? "\n" : ", ");
  fclose(f);
  f = fopen(npy, "wb");
  char hdr[128];
  int hl = snprintf(hdr, sizeof hdr, "{'descr': '<f8', 'fortran_order': False, 'shape': (%d,), }", N);
  int pad = 64 - (10 + hl + 1) % 64;
  fwrite("\x93NUMPY\x01\x00", 1, 8, f);
  unsigned short len = (unsigned short)(hl + pad + 1);
  fputc(len & 0xff, f), fputc(len >> 8, f);
  fwrite(hdr, 1, (size_t)hl, f);
  for (int i = 0; i < pad; i++) fputc(' ', f);
  fputc('\n', f);
  fwrite(tau, sizeof(double), N, f);
  fclose(f);
  hid_t hf = H5Fcreate(h5, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t dims[1] = {N};
  hid_t sp = H5Screate_simple(1, dims, NULL);
  hid_t d = H5Dcreate2(hf, "taus", H5T_NATIVE_DOUBLE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, tau);
  H5Dclose(d), H5Sclose(sp), H5Fclose(hf);
  const char *specs[3][2] = {{csv, NULL}, {npy, NULL}, {h5, "taus"}};
  for (int k = 0; k < 3; k++) {
    char spec[700];
    if (specs[k][1]) snprintf(spec, sizeof spec, "{file: %s, dataset: %s}", specs[k][0], specs[k][1]);
    else snprintf(spec, sizeof spec, "{file: %s}", specs[k][0]);
    one_pop(text, sizeof text, spec, "");
    run_counts(text, got, N);
    cr_assert_arr_eq(got, ref, sizeof ref, "from %s", specs[k][0]);
  }
  remove(csv), remove(npy), remove(h5);
}

/* Draws: keyed by (seed, population, neuron, parameter): neuron i's value is
 * the same in a population of 6 and of 12; bounds are kept. */
Test(params_per_neuron, draws_keyed_by_neuron_and_bounded) {
  double v6[6], v12[12];
  for (int pass = 0; pass < 2; pass++) {
    int size = pass ? 12 : 6;
    char text[1024];
    snprintf(text, sizeof text,
             "chip: test\nsteps: 1\nseed: 5\npopulations:\n"
             "  exc: {size: %d, model: lif, params: {tau_m: {normal: [20 ms, 8 ms], bounds: [15 "
             "ms, 25 ms]}, v_th: {lognormal: [50 mV, 5 mV]}}}\n", size);
    nmsim_err err = {0};
    nmsim_status rc;
    nmsim_scenario *s = load(text, &err, &rc);
    cr_assert_eq(rc, NMSIM_OK, "%s", err.msg);
    const scn_population *p = &s->pops[0];
    int ti = nmsim_model_param_index(p->model, "tau_m");
    int vi = nmsim_model_param_index(p->model, "v_th");
    size_t np = p->model->n_params;
    cr_assert(p->pn_values);
    for (int i = 0; i < size; i++) {
      double t = p->pn_values[(size_t)i * np + (size_t)ti];
      double v = p->pn_values[(size_t)i * np + (size_t)vi];
      cr_assert(t >= 15 && t <= 25, "neuron %d: tau_m %g outside its bounds", i, t);
      cr_assert_gt(v, 0, "lognormal: positive");
      (pass ? v12 : v6)[i] = t;
    }
    nmsim_scenario_destroy(s);
  }
  for (int i = 0; i < 6; i++) cr_assert_eq(v6[i], v12[i], "neuron %d differs with the size", i);
  int distinct = 0;
  for (int i = 1; i < 12; i++) distinct += v12[i] != v12[0];
  cr_assert_gt(distinct, 0, "every neuron drew the same value");
}

Test(params_per_neuron, bad_values_named) {
  static const struct {
    const char *spec, *want;
  } cases[] = {
      {"[10, 20]", "params.tau_m: expected one value per neuron (12), got 2"},
      {"[10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, -1]", "params.tau_m[11]"},
      {"{uniform: [30 ms, 10 ms]}", "expected low <= high"},
      {"{normal: [1 ms, 20 ms]}", "outside the allowed range"},
      {"{gamma: [1, 2]}", "gamma"},
      {"{uniform: [1 ms, 2 ms], file: x.csv}", "expected one of {uniform"},
      {"{file: /nonexistent/tau.csv}", "/nonexistent/tau.csv"},
      {"{file: /nonexistent/tau.h5}", "an HDF5 file needs dataset"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char text[8192];
    one_pop(text, sizeof text, cases[i].spec, "");
    nmsim_err err = {0};
    nmsim_status rc;
    nmsim_scenario *s = load(text, &err, &rc);
    cr_assert_neq(rc, NMSIM_OK, "case %zu loaded", i);
    cr_assert(strstr(err.msg, cases[i].want), "case %zu: '%s' lacks '%s'", i, err.msg,
              cases[i].want);
    cr_assert(strstr(err.msg, "pn.yaml:"), "case %zu names the file: %s", i, err.msg);
    nmsim_scenario_destroy(s);
  }
}

/* Initial state takes the same per-neuron forms: a list (kept as given), a
 * lognormal draw within bounds; the uniform and normal forms keep their
 * shared stream (a run's results do not change with this feature). */
Test(params_per_neuron, init_per_neuron) {
  const char *text =
      "chip: test\nsteps: 1\nseed: 2\npopulations:\n"
      "  a: {size: 4, model: lif, init: {v: [-70 mV, -60 mV, -55, -52], "
      "i_syn_e: {lognormal: [1 nA, 0.2 nA], bounds: [0.8 nA, 1.2 nA]}, "
      "i_syn_i: {uniform: [0, 1]}}}\n";
  nmsim_err err = {0};
  nmsim_status rc;
  nmsim_scenario *s = load(text, &err, &rc);
  cr_assert_eq(rc, NMSIM_OK, "%s", err.msg);
  const scn_population *p = &s->pops[0];
  cr_assert_eq(p->n_init, 3);
  const double want[4] = {-70, -60, -55, -52};
  cr_assert_eq(p->init[0].kind, SCN_INIT_VALUES);
  for (int i = 0; i < 4; i++) cr_assert_eq(p->init[0].values[i], want[i], "v[%d]", i);
  cr_assert_eq(p->init[1].kind, SCN_INIT_VALUES);
  for (int i = 0; i < 4; i++)
    cr_assert(p->init[1].values[i] >= 0.8 && p->init[1].values[i] <= 1.2, "i_syn_e[%d] = %g", i,
              p->init[1].values[i]);
  cr_assert_eq(p->init[2].kind, SCN_INIT_UNIFORM);
  nmsim_scenario_destroy(s);
  s = load("chip: test\nsteps: 1\npopulations:\n  a: {size: 4, model: lif, init: {v: [1, 2]}}\n",
           &err, &rc);
  cr_assert_neq(rc, NMSIM_OK);
  cr_assert(strstr(err.msg, "init.v: expected one value per neuron (4), got 2"), "%s", err.msg);
  nmsim_scenario_destroy(s);
}
