/* test_nir_lif.c: lif_norse.nir imported as a scenario's network (network:
 * {nir: ...}) and driven by the input of the NIR paper's recording
 * reference/01_lif/lif_norse.csv reproduces that recording in float, and gives
 * the same spike steps quantised to loihi_cuba on the loihi preset;
 * two_lif_neurons.nir behaves as SOURCES.md says. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ref_util.h"
#include "scn_run.h"
#include "sim/load/scenario_int.h"

#define NIR_DIR NMSIM_SHARED_DIR "/data/nir/"
#define CSV NIR_DIR "reference/01_lif/lif_norse.csv"


/* The scenario: a spike array that fires one step before each CSV input
 * spike (a projection takes one step), bound to the graph's Input. */
static const char *write_scenario(const double (*rows)[3], size_t nr, const char *target) {
  static char yaml[8192];
  size_t k = (size_t)snprintf(yaml, sizeof yaml,
                              "name: nir_lif_%s\nchip: loihi\nsteps: %zu\n"
                              "network: {nir: %slif_norse.nir, dt: 0.1 ms, reset: zero, "
                              "target: %s}\n"
                              "populations:\n  src: {size: 1, model: spike_array, spikes: [[",
                              target, nr, NIR_DIR, target);
  bool first = true;
  for (size_t r = 1; r < nr; r++)
    if (rows[r][0] != 0) {
      k += (size_t)snprintf(yaml + k, sizeof yaml - k, "%s%zu", first ? "" : ", ", r - 1);
      first = false;
    }
  snprintf(yaml + k, sizeof yaml - k,
           "]]}\nprojections:\n  - {from: src, to: nir.input, connector: one_to_one, weight: 1}\n"
           "record:\n  spikes: [nir.output]\n  state: {nir.output: {vars: [v]}}\n");
  const char *path = tu_tmp(target, ".yaml");
  cr_assert_eq(tu_write(path, yaml), 0);
  return path;
}

/* Float (the nir_lif model with the file's float32 parameters: tau
 * 0.0024999999 s, r 1, v_threshold 0.1000000015, at dt 0.1 ms): v after every
 * step equals the CSV's within 1e-6 and the output spikes are exactly the
 * CSV's (460, 510, 710, 760). */
Test(nir_lif, float_reproduces_norse_csv, .timeout = 120) {
  static double rows[2000][3];
  size_t nr = ref_read_norse_csv(CSV, rows, 2000);
  cr_assert_eq(nr, 1000, "%s: %zu rows, expected 1000", CSV, nr);
  nmsim_scenario *s;
  const char *h5 = sr_run(write_scenario(rows, nr, "float"), "nirlif", &s);
  cr_assert_str_eq(s->pops[1].name, "nir.1");
  cr_assert_str_eq(s->pops[1].model->name, "nir_lif");
  size_t nv, ns;
  double *v = sr_read(h5, "/state/nir.1/v", H5T_NATIVE_DOUBLE, &nv);
  uint64_t *sp = sr_read(h5, "/populations/nir.1/spikes/step", H5T_NATIVE_UINT64, &ns);
  cr_assert_eq(nv, nr, "v has %zu values, expected %zu", nv, nr);
  double worst = 0;
  for (size_t r = 0; r < nr; r++) {
    cr_assert(fabs(v[r] - rows[r][1]) <= 1e-6, "step %zu: v = %.9f, CSV %.9f", r, v[r], rows[r][1]);
    worst = fmax(worst, fabs(v[r] - rows[r][1]));
  }
  size_t j = 0;
  for (size_t r = 0; r < nr; r++) {
    if (rows[r][2] == 0) continue;
    cr_assert(j < ns && sp[j] == r, "CSV output spike at step %zu, run's spike %zu at %lld", r, j,
              j < ns ? (long long)sp[j] : -1LL);
    j++;
  }
  cr_assert_eq(j, ns, "%zu spikes in the run, %zu in the CSV", ns, j);
  printf("nir_lif float: %zu spikes at the CSV's steps, max |v - v_norse| = %.3g\n", ns, worst);
  free(v);
  free(sp);
  nmsim_scenario_destroy(s);
}

/* Fixed point (target loihi_cuba, docs/nir.md): the same spike steps as the
 * CSV; v scaled back by v_threshold / (vth << 6) stays within 1 % of the
 * threshold of the CSV's (quantisation: dv = 164/4096 for dt/tau = 0.04,
 * rounding toward zero of the decay). */
Test(nir_lif, loihi_cuba_same_spike_steps, .timeout = 120) {
  static double rows[2000][3];
  size_t nr = ref_read_norse_csv(CSV, rows, 2000);
  nmsim_scenario *s;
  const char *h5 = sr_run(write_scenario(rows, nr, "loihi_cuba"), "nirlifq", &s);
  const scn_population *p = &s->pops[1];
  cr_assert_str_eq(p->model->name, "loihi_cuba");
  double vth = p->values[nmsim_model_param_index(p->model, "vth")];
  double dv = p->values[nmsim_model_param_index(p->model, "dv")];
  cr_assert(vth == 1275 && dv == 164, "vth %g dv %g, expected 1275 and 164", vth, dv);
  size_t nv, ns;
  double *v = sr_read(h5, "/state/nir.1/v", H5T_NATIVE_DOUBLE, &nv);
  uint64_t *sp = sr_read(h5, "/populations/nir.1/spikes/step", H5T_NATIVE_UINT64, &ns);
  size_t j = 0;
  for (size_t r = 0; r < nr; r++) {
    if (rows[r][2] == 0) continue;
    cr_assert(j < ns && sp[j] == r, "CSV output spike at step %zu, run's spike %zu at %lld", r, j,
              j < ns ? (long long)sp[j] : -1LL);
    j++;
  }
  cr_assert_eq(j, ns, "%zu spikes in the run, %zu in the CSV", ns, j);
  double unit = 0.10000000149011612 / (vth * 64), worst = 0;
  for (size_t r = 0; r < nr; r++) worst = fmax(worst, fabs(v[r] * unit - rows[r][1]));
  cr_assert(worst <= 1e-3, "max |v x %.3g - v_norse| = %.3g, expected <= 1e-3 (1 %% of v_th)",
            unit, worst);
  printf("nir_lif loihi_cuba: spikes at %llu %llu %llu %llu (CSV 460 510 710 760), "
         "max scaled |v - v_norse| = %.3g\n", (unsigned long long)sp[0], (unsigned long long)sp[1],
         (unsigned long long)sp[2], (unsigned long long)sp[3], worst);
  free(v);
  free(sp);
  nmsim_scenario_destroy(s);
}

/* two_lif_neurons.nir (SOURCES.md): lif1 has v_leak 1.2 above its threshold
 * 1.0, so it fires on its own with no input, regularly; lif2 (v_threshold 20)
 * never fires. At dt 0.1 ms, v rises by 0.01 (1.2 - v) per step, so lif1
 * first spikes at the first step k with 1.2 (1 - 0.99^(k+1)) > 1 (k = 178)
 * and then every k + 1 steps. */
Test(nir_lif, two_lif_neurons, .timeout = 120) {
  char yaml[1024];
  snprintf(yaml, sizeof yaml,
           "chip: loihi\nsteps: 1000\nnetwork: {nir: %stwo_lif_neurons.nir, dt: 0.1 ms}\n"
           "record: {spikes: all}\n", NIR_DIR);
  const char *path = tu_tmp("twolif", ".yaml");
  cr_assert_eq(tu_write(path, yaml), 0);
  nmsim_scenario *s;
  const char *h5 = sr_run(path, "twolif", &s);
  size_t n1, n2;
  uint64_t *s1 = sr_read(h5, "/populations/nir.lif1/spikes/step", H5T_NATIVE_UINT64, &n1);
  uint64_t *s2 = sr_read(h5, "/populations/nir.lif2/spikes/step", H5T_NATIVE_UINT64, &n2);
  double v = 0;
  uint64_t want = 0;
  for (uint64_t k = 0; k < 1000; k++) {
    v += 0.01 * (1.2 - v);
    if (v > 1.0) {
      want = k;
      break;
    }
  }
  cr_assert(n1 >= 5, "lif1 fired %zu times in 1000 steps, expected >= 5", n1);
  cr_assert_eq(s1[0], want, "lif1's first spike at step %llu, expected %llu",
               (unsigned long long)s1[0], (unsigned long long)want);
  for (size_t i = 1; i < n1; i++)
    cr_assert_eq(s1[i] - s1[i - 1], want + 1, "lif1 interval %llu, expected %llu",
                 (unsigned long long)(s1[i] - s1[i - 1]), (unsigned long long)want + 1);
  cr_assert_eq(n2, 0, "lif2 fired %zu times, expected never", n2);
  free(s1);
  free(s2);
  nmsim_scenario_destroy(s);
}

#define LAVA_CSV NIR_DIR "reference/01_lif/lif_lava_cpu_fixed.csv"

/* Lava's conventions (network.quantise: lava, the NIR paper's Lava
 * converter): lif_norse.nir at dt 0.1 ms becomes du 4095, dv int(0.04 x 4095)
 * = 163, vth int(0.1 x 131071) >> 9 = 25, an input weight int(0.04 x 256) =
 * 10; driven by the CSV's input spikes (each reaches v one step later, as in
 * Lava), v and the output spikes equal Lava's fixed-point CPU run at every
 * step, bit for bit. */
Test(nir_lif, lava_conventions_bit_for_bit, .timeout = 120) {
  static double rows[2000][3];
  size_t nr = ref_read_norse_csv(LAVA_CSV, rows, 2000);
  cr_assert_eq(nr, 1000, "%s: %zu rows, expected 1000", LAVA_CSV, nr);
  static char yaml[8192];
  size_t k = (size_t)snprintf(yaml, sizeof yaml,
                              "name: nir_lif_lava\nchip: loihi\nsteps: %zu\n"
                              "network: {nir: %slif_norse.nir, dt: 0.1 ms, reset: zero, "
                              "target: loihi_cuba, quantise: lava}\n"
                              "populations:\n  src: {size: 1, model: spike_array, spikes: [[",
                              nr, NIR_DIR);
  bool first = true;
  for (size_t r = 0; r < nr; r++)
    if (rows[r][0] != 0) {
      k += (size_t)snprintf(yaml + k, sizeof yaml - k, "%s%zu", first ? "" : ", ", r);
      first = false;
    }
  snprintf(yaml + k, sizeof yaml - k,
           "]]}\nprojections:\n  - {from: src, to: nir.input, connector: one_to_one, weight: 1}\n"
           "record:\n  spikes: [nir.output]\n  state: {nir.output: {vars: [v]}}\n");
  const char *path = tu_tmp("lava", ".yaml");
  cr_assert_eq(tu_write(path, yaml), 0);
  nmsim_scenario *s;
  const char *h5 = sr_run(path, "nirlava", &s);
  const scn_population *p = &s->pops[1];
  cr_assert_str_eq(p->model->name, "loihi_cuba");
  double dv = p->values[nmsim_model_param_index(p->model, "dv")];
  double vth = p->values[nmsim_model_param_index(p->model, "vth")];
  double du = p->values[nmsim_model_param_index(p->model, "du")];
  cr_assert(dv == 163 && vth == 25 && du == 4095, "du %g dv %g vth %g, expected 4095 163 25", du,
            dv, vth);
  size_t nv, ns;
  double *v = sr_read(h5, "/state/nir.1/v", H5T_NATIVE_DOUBLE, &nv);
  uint64_t *sp = sr_read(h5, "/populations/nir.1/spikes/step", H5T_NATIVE_UINT64, &ns);
  cr_assert_eq(nv, nr);
  for (size_t r = 0; r < nr; r++)
    cr_assert(v[r] == rows[r][1], "step %zu: v = %.17g, Lava %.17g", r, v[r], rows[r][1]);
  size_t j = 0;
  for (size_t r = 0; r < nr; r++) {
    if (rows[r][2] == 0) continue;
    cr_assert(j < ns && sp[j] == r, "Lava's output spike at step %zu, run's spike %zu at %lld", r,
              j, j < ns ? (long long)sp[j] : -1LL);
    j++;
  }
  cr_assert_eq(j, ns, "%zu spikes in the run, %zu in Lava's", ns, j);
  printf("nir_lif quantise lava: %zu steps of v and %zu spikes equal Lava's fixed-point run\n", nr,
         ns);
  free(v);
  free(sp);
  nmsim_scenario_destroy(s);
}

/* quantise: lava is a fixed-point convention: with target float it is refused,
 * naming the field. */
Test(nir_lif, lava_needs_loihi_cuba) {
  char yaml[1024];
  snprintf(yaml, sizeof yaml,
           "chip: loihi\nsteps: 10\nnetwork: {nir: %slif_norse.nir, dt: 0.1 ms, target: float, "
           "quantise: lava}\n", NIR_DIR);
  nmsim_scenario *s = NULL;
  nmsim_err err = {0};
  cr_assert_neq(nmsim_scenario_load_string("q.yaml", yaml, NULL, 0, &s, &err), NMSIM_OK);
  cr_assert(strstr(err.msg, "network.quantise") && strstr(err.msg, "target: loihi_cuba"), "%s",
            err.msg);
  nmsim_scenario_destroy(s);
}
