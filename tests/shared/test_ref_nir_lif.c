/* test_ref_nir_lif.c: scenarios/nir_lif_norse.yaml (the NIR paper's single LIF,
 * lif_norse.nir, as model "nir_lif") against the Norse recording
 * shared/data/nir/reference/01_lif/lif_norse.csv. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ref_util.h"
#include "scn_run.h"
#include "sim/load/scenario_int.h"

#define CSV NMSIM_SHARED_DIR "/data/nir/reference/01_lif/lif_norse.csv"

/* Rows of the CSV (input spike, voltage, output spike); returns the count. */

/* Run through the library, the scenario reproduces the recording: its input
 * spikes reach the neuron in exactly the CSV's input steps (spike-array step +
 * delay), the recorded v after every step equals the CSV's voltage within 1e-6
 * (Norse computed in float32), and the neuron spikes in exactly the CSV's
 * output steps (460, 510, 710, 760). */
Test(ref_nir_lif, norse_trace_reproduced, .timeout = 120) {
  static double rows[2000][3];
  size_t nr = ref_read_norse_csv(CSV, rows, 2000);
  cr_assert_eq(nr, 1000, "%s: %zu rows, expected 1000", CSV, nr);
  nmsim_scenario *s;
  const char *h5 = sr_run(NMSIM_SOURCE_DIR "/scenarios/nir_lif_norse.yaml", "nirlif", &s);
  cr_assert_eq(s->steps, nr, "scenario runs %llu steps for %zu rows",
               (unsigned long long)s->steps, nr);

  /* input: arrival steps of the spike array's spikes */
  const scn_population *in = &s->pops[0];
  cr_assert_str_eq(in->model->name, "spike_array");
  cr_assert(s->n_projs == 1, "one projection");
  uint32_t delay = s->projs[0].delay, k = 0;
  for (size_t r = 0; r < nr; r++) {
    bool arrives = k < in->spikes.off[1] && in->spikes.steps[k] + delay == r;
    cr_assert_eq(arrives, rows[r][0] != 0, "step %zu: input arrives %d, CSV input %g", r, arrives,
                 rows[r][0]);
    k += arrives;
  }
  cr_assert_eq(k, in->spikes.off[1], "%u of %u input spikes inside the CSV", k, in->spikes.off[1]);

  size_t nv, ns;
  double *v = sr_read(h5, "/state/lif/v", H5T_NATIVE_DOUBLE, &nv);
  uint64_t *sp = sr_read(h5, "/populations/lif/spikes/step", H5T_NATIVE_UINT64, &ns);
  cr_assert_eq(nv, nr, "v has %zu values, expected %zu", nv, nr);
  double worst = 0;
  for (size_t r = 0; r < nr; r++) {
    cr_assert(fabs(v[r] - rows[r][1]) <= 1e-6, "step %zu: v = %.9f, CSV %.9f", r, v[r],
              rows[r][1]);
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
  cr_log_info("max |v - v_norse| = %.3g", worst);
  free(v);
  free(sp);
  nmsim_scenario_destroy(s);
}
