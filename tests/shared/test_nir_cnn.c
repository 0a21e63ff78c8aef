/* test_nir_cnn.c: real exported networks run end to end on the loihi preset:
 * cnn_sinabs.nir (tests/shared/scenarios/nir_cnn_nmnist_sinabs.yaml) fed by
 * the N-MNIST sample of ../shared/data/dvs/ through the dvs source, reporting
 * energy and latency per inference; and the braille recurrent CubaLIF networks (flat and nested-graph
 * files), in float and quantised to loihi_cuba. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "scn_run.h"
#include "sim/load/scenario_int.h"

#define NIR_DIR NMSIM_SHARED_DIR "/data/nir/"

/* Load and run path with overrides; the summary in *sum (clear it), the run
 * file's path returned. */
static const char *run(const char *path, const nmsim_override *ov, size_t n_ov, const char *tag,
                       nmsim_scenario **s, run_summary *sum) {
  nmsim_err err = {0};
  nmsim_status rc = nmsim_scenario_load(path, ov, n_ov, s, &err);
  cr_assert_eq(rc, NMSIM_OK, "load %s: %s", path, err.msg);
  const char *h5 = tu_tmp(tag, ".h5");
  run_opts o = {.h5_path = h5};
  rc = run_scenario(*s, &o, sum, &err);
  cr_assert_eq(rc, NMSIM_OK, "run %s: %s", path, err.msg);
  return h5;
}

/* Spikes per neuron of population pop (size n) from the run file. */
static void class_counts(const char *h5, const char *pop, uint64_t *count, size_t n) {
  char name[256];
  snprintf(name, sizeof name, "/populations/%s/spikes/neuron", pop);
  size_t ns;
  uint64_t *nn = sr_read(h5, name, H5T_NATIVE_UINT64, &ns);
  for (size_t i = 0; i < n; i++) count[i] = 0;
  for (size_t i = 0; i < ns; i++) {
    cr_assert(nn[i] < n, "neuron %llu of %s", (unsigned long long)nn[i], pop);
    count[nn[i]]++;
  }
  free(nn);
}

static size_t argmax(const uint64_t *c, size_t n) {
  size_t best = 0;
  for (size_t i = 1; i < n; i++)
    if (c[i] > c[best]) best = i;
  return best;
}

static uint64_t pop_spikes(const run_summary *sum, const char *name) {
  for (size_t i = 0; i < sum->n_pops; i++)
    if (!strcmp(sum->pops[i].name, name)) return sum->pops[i].spikes;
  cr_assert_fail("no population %s in the summary", name);
  return 0;
}

/* cnn_sinabs.nir on the loihi preset, quantised to loihi_cuba, fed by the
 * N-MNIST sample (2312 = 2 x 34 x 34 channels): the run completes its 312
 * steps (one inference = the sample's 311.2 ms), every layer spikes, the
 * output layer votes, energy = dynamic + static > 0 and the hardware time is
 * positive; the fixed-point network votes for the same class as the float
 * one. Prints the energy and latency per inference. */
Test(nir_cnn, nmnist_on_loihi_per_inference, .timeout = 600) {
  const char *path = NMSIM_SOURCE_DIR "/tests/shared/scenarios/nir_cnn_nmnist_sinabs.yaml";
  nmsim_scenario *s;
  run_summary sum;
  const char *h5 = run(path, NULL, 0, "nircnn", &s, &sum);
  cr_assert_str_eq(sum.status, "complete");
  cr_assert_eq(sum.steps, 312, "%llu steps, expected 312", (unsigned long long)sum.steps);
  cr_assert_str_eq(s->pops[0].model->name, "dvs");
  cr_assert_eq(s->pops[0].size, 2312);
  const char *layers[] = {"dvs", "nir.1", "nir.3", "nir.6", "nir.10", "nir.12"};
  for (size_t i = 0; i < 6; i++) {
    uint64_t n = pop_spikes(&sum, layers[i]);
    cr_assert_gt(n, 0, "layer %s never spiked", layers[i]);
  }
  for (size_t i = 1; i < s->n_pops; i++)
    cr_assert_str_eq(s->pops[i].model->name, "loihi_cuba", "%s", s->pops[i].name);
  double dyn = 0;
  for (int c = 0; c < NM_E_COUNT; c++) dyn += sum.energy_pj[c];
  cr_assert(sum.total_pj > 0 && fabs(dyn + sum.static_pj - sum.total_pj) <= 1e-6 * sum.total_pj,
            "energy: dynamic %g + static %g != total %g", dyn, sum.static_pj, sum.total_pj);
  cr_assert_gt(sum.hw_time_ps, 0);
  uint64_t fixed[10], flt[10];
  class_counts(h5, "nir.12", fixed, 10);
  printf("nir_cnn N-MNIST on loihi (loihi_cuba, reset subtract), per inference (312 steps of "
         "1 ms):\n  energy %.1f uJ (dynamic %.1f uJ, static %.1f uJ), hardware time %.3f ms "
         "(step mean %.2f us, max %.2f us)\n  %llu synaptic ops, %llu spikes, %llu packets; "
         "%u cores on %u tiles\n  output spikes per class:",
         sum.total_pj * 1e-6, dyn * 1e-6, sum.static_pj * 1e-6, sum.hw_time_ps * 1e-9,
         sum.step_mean_ps * 1e-6, sum.step_max_ps * 1e-6, (unsigned long long)sum.synaptic_ops,
         (unsigned long long)sum.spikes, (unsigned long long)sum.packets, sum.cores_used,
         sum.tiles_used);
  for (int i = 0; i < 10; i++) printf(" %llu", (unsigned long long)fixed[i]);
  printf("\n");
  run_summary_clear(&sum);
  nmsim_scenario_destroy(s);

  nmsim_override ov = {"network.target", "float"};
  h5 = run(path, &ov, 1, "nircnnf", &s, &sum);
  class_counts(h5, "nir.12", flt, 10);
  printf("  float: energy %.1f uJ, hardware time %.3f ms; output spikes per class:",
         sum.total_pj * 1e-6, sum.hw_time_ps * 1e-9);
  for (int i = 0; i < 10; i++) printf(" %llu", (unsigned long long)flt[i]);
  printf("\n");
  cr_assert_eq(argmax(fixed, 10), argmax(flt, 10), "fixed point votes %zu, float votes %zu",
               argmax(fixed, 10), argmax(flt, 10));
  run_summary_clear(&sum);
  nmsim_scenario_destroy(s);
}

/* The braille scenario: 12 taxels (a fixed pseudo-random spike array) bound
 * to the graph's Input, 256 steps of 0.1 ms (the paper's dt). */
static const char *braille_yaml(const char *file, const char *reset, const char *target) {
  static char yaml[8192];
  size_t k = (size_t)snprintf(yaml, sizeof yaml,
                              "chip: loihi\nsteps: 256\nnetwork: {nir: %s%s, dt: 0.1 ms, "
                              "reset: %s, target: %s}\npopulations:\n  taxels: {size: 12, "
                              "model: spike_array, spikes: [",
                              NIR_DIR, file, reset, target);
  unsigned seed = 12345;
  for (int i = 0; i < 12; i++) {
    k += (size_t)snprintf(yaml + k, sizeof yaml - k, "%s[", i ? ", " : "");
    bool first = true;
    for (int t = 0; t < 250; t++) {
      seed = seed * 1103515245u + 12345u;
      if ((seed >> 16) % 10 == 0) {
        k += (size_t)snprintf(yaml + k, sizeof yaml - k, "%s%d", first ? "" : ", ", t);
        first = false;
      }
    }
    k += (size_t)snprintf(yaml + k, sizeof yaml - k, "]");
  }
  snprintf(yaml + k, sizeof yaml - k,
           "]}\nprojections:\n  - {from: taxels, to: nir.input, connector: one_to_one}\n"
           "record: {spikes: all}\n");
  const char *path = tu_tmp("braille", ".yaml");
  cr_assert_eq(tu_write(path, yaml), 0);
  return path;
}

/* (step, neuron) pairs of population pop, as one array of 2n values. */
static uint64_t *spikes_of(const char *h5, const char *pop, size_t *n) {
  char a[256], b[256];
  snprintf(a, sizeof a, "/populations/%s/spikes/step", pop);
  snprintf(b, sizeof b, "/populations/%s/spikes/neuron", pop);
  size_t ns, nn;
  uint64_t *st = sr_read(h5, a, H5T_NATIVE_UINT64, &ns);
  uint64_t *ne = sr_read(h5, b, H5T_NATIVE_UINT64, &nn);
  cr_assert_eq(ns, nn);
  uint64_t *out = malloc(sizeof(uint64_t) * 2 * (ns ? ns : 1));
  for (size_t i = 0; i < ns; i++) out[2 * i] = st[i], out[2 * i + 1] = ne[i];
  free(st);
  free(ne);
  *n = ns;
  return out;
}

/* The braille recurrent CubaLIF networks run in float and in loihi_cuba:
 * the hidden layer spikes; the flat file and the nested-graph files (the
 * paper's, repaired, and Spyx's) hold the same weights and give identical
 * spike trains, hidden and output; braille.nir (NIRTorch) runs too. */
Test(nir_cnn, braille_recurrent_cubalif, .timeout = 600) {
  struct {
    const char *flat, *nested[2], *reset;
  } sets[] = {
      {"braille_noDelay_bias_zero.nir",
       {"braille_noDelay_bias_zero_subgraph.nir", "spyx/braille_noDelay_bias_zero_subgraph.nir"},
       "zero"},
      {"braille_noDelay_noBias_subtract.nir",
       {"braille_noDelay_noBias_subtract_subgraph.nir",
        "spyx/braille_noDelay_noBias_subtract_subgraph.nir"},
       "subtract"},
  };
  for (int q = 0; q < 2; q++) {
    const char *target = q ? "loihi_cuba" : "float";
    for (size_t k = 0; k < 2; k++) {
      nmsim_scenario *s;
      run_summary sum;
      const char *h5 = run(braille_yaml(sets[k].flat, sets[k].reset, target), NULL, 0, "br", &s,
                           &sum);
      size_t nh, no;
      uint64_t *hid = spikes_of(h5, "nir.lif1.lif", &nh), *out = spikes_of(h5, "nir.lif2", &no);
      cr_assert_gt(nh, 0, "%s (%s): the hidden layer never spiked", sets[k].flat, target);
      printf("%s (%s): hidden %zu spikes, output %zu spikes, energy %.2f uJ, hardware time "
             "%.2f us\n", sets[k].flat, target, nh, no, sum.total_pj * 1e-6,
             sum.hw_time_ps * 1e-6);
      run_summary_clear(&sum);
      nmsim_scenario_destroy(s);
      for (int v = 0; v < 2; v++) {
        h5 = run(braille_yaml(sets[k].nested[v], sets[k].reset, target), NULL, 0, "brs", &s, &sum);
        size_t mh, mo;
        uint64_t *hid2 = spikes_of(h5, "nir.lif1.lif1", &mh), *out2 = spikes_of(h5, "nir.lif2", &mo);
        cr_assert(mh == nh && !memcmp(hid, hid2, sizeof(uint64_t) * 2 * nh),
                  "%s (%s): hidden spikes differ from %s (%zu vs %zu)", sets[k].nested[v], target,
                  sets[k].flat, mh, nh);
        cr_assert(mo == no && !memcmp(out, out2, sizeof(uint64_t) * 2 * no),
                  "%s (%s): output spikes differ from %s (%zu vs %zu)", sets[k].nested[v], target,
                  sets[k].flat, mo, no);
        free(hid2);
        free(out2);
        run_summary_clear(&sum);
        nmsim_scenario_destroy(s);
      }
      free(hid);
      free(out);
    }
    nmsim_scenario *s;
    run_summary sum;
    const char *h5 = run(braille_yaml("braille.nir", "zero", target), NULL, 0, "brn", &s, &sum);
    size_t nh;
    uint64_t *hid = spikes_of(h5, "nir.lif1.lif", &nh);
    cr_assert_gt(nh, 0, "braille.nir (%s): the hidden layer never spiked", target);
    printf("braille.nir (%s): hidden %zu spikes, output %llu spikes\n", target, nh,
           (unsigned long long)pop_spikes(&sum, "nir.lif2"));
    free(hid);
    run_summary_clear(&sum);
    nmsim_scenario_destroy(s);
  }
}
