/* test_l5pc_bac.c: scenarios/l5pc_bac.yaml, run through the library, shows the
 * coincidence detection of the two-compartment L5 pyramidal cell (model l5pc):
 * isolated spikes under basal drive, silence under weak apical drive, bursts
 * when both coincide. Bursts are counted here from the raster (ISI <= 16 ms,
 * the criterion of Naud & Sprekeler 2018). */
#include <math.h>
#include <string.h>

#include "scn_run.h"
#include "sim/load/scenario_int.h"

typedef struct pop_stats {
  size_t spikes, events, bursts, silent_neurons, neurons_without_burst;
} pop_stats;

/* Burst statistics of population `name` (size n) from the run file: per
 * neuron, spikes whose ISI is <= isi steps form one event, and an event of two
 * or more spikes is a burst. */
static pop_stats raster_stats(const char *h5, const char *name, uint32_t n, uint64_t isi) {
  char ds[256];
  size_t ns, nn;
  snprintf(ds, sizeof ds, "/populations/%s/spikes/step", name);
  uint64_t *step = sr_read(h5, ds, H5T_NATIVE_UINT64, &ns);
  snprintf(ds, sizeof ds, "/populations/%s/spikes/neuron", name);
  uint64_t *neuron = sr_read(h5, ds, H5T_NATIVE_UINT64, &nn);
  cr_assert_eq(ns, nn, "%s: %zu steps, %zu neurons", name, ns, nn);
  pop_stats st = {.spikes = ns};
  for (uint32_t i = 0; i < n; i++) {
    uint64_t last = 0;
    size_t run = 0, count = 0, bursts = 0;
    for (size_t k = 0; k <= ns; k++) {
      bool mine = k < ns && neuron[k] == i;
      if (mine && run && step[k] - last <= isi) {
        run++, last = step[k], count++;
        continue;
      }
      if (!mine && k < ns) continue;
      if (run) st.events++, bursts += run >= 2;
      if (mine) run = 1, last = step[k], count++;
    }
    st.bursts += bursts;
    st.silent_neurons += count == 0;
    st.neurons_without_burst += bursts == 0;
  }
  free(step);
  free(neuron);
  return st;
}

/* Over 1 s of Poisson drive (10 cells per condition), with the file's seed
 * and two others (the outcome is not a lucky draw):
 *  (a) basal_only: every cell fires, and every event is a single spike
 *      (no two spikes of a cell within 16 ms);
 *  (b) apical_only: no cell fires at all;
 *  (c) both: every cell bursts, at least half of all events are bursts, and
 *      the cells fire more spikes than under basal drive alone. */
Test(l5pc_bac, isolated_silent_bursting, .timeout = 300) {
  static const char *const seeds[] = {NULL, "2", "3"};
  for (size_t sd = 0; sd < sizeof seeds / sizeof seeds[0]; sd++) {
    nmsim_override ov = {"seed", seeds[sd]};
    nmsim_scenario *s;
    const char *h5 = sr_run_with(NMSIM_SOURCE_DIR "/scenarios/l5pc_bac.yaml", &ov,
                                 seeds[sd] ? 1 : 0, "bac", &s);
    uint64_t isi = (uint64_t)floor(16.0 / s->dt_ms + 1e-9);
    pop_stats st[3];
    const char *names[3] = {"basal_only", "apical_only", "both"};
    for (int p = 0; p < 3; p++) {
      uint32_t size = 0;
      for (size_t k = 0; k < s->n_pops; k++)
        if (strcmp(s->pops[k].name, names[p]) == 0) size = s->pops[k].size;
      cr_assert(size > 0, "population %s missing", names[p]);
      st[p] = raster_stats(h5, names[p], size, isi);
      cr_log_info("seed %llu, %s: %zu spikes, %zu events, %zu bursts, %zu silent cells, %zu "
                  "without a burst",
                  (unsigned long long)s->seed, names[p], st[p].spikes, st[p].events,
                  st[p].bursts, st[p].silent_neurons, st[p].neurons_without_burst);
    }
    unsigned long long seed = (unsigned long long)s->seed;
    cr_assert(st[0].spikes > 0 && st[0].silent_neurons == 0,
              "seed %llu, basal_only: %zu spikes, %zu silent cells; expected every cell to fire",
              seed, st[0].spikes, st[0].silent_neurons);
    cr_assert_eq(st[0].bursts, 0, "seed %llu, basal_only: %zu bursts, expected isolated spikes",
                 seed, st[0].bursts);
    cr_assert_eq(st[1].spikes, 0, "seed %llu, apical_only: %zu spikes, expected none", seed,
                 st[1].spikes);
    cr_assert_eq(st[2].neurons_without_burst, 0, "seed %llu, both: %zu cells never burst", seed,
                 st[2].neurons_without_burst);
    cr_assert(2 * st[2].bursts >= st[2].events,
              "seed %llu, both: %zu bursts in %zu events, expected at least half", seed,
              st[2].bursts, st[2].events);
    cr_assert(st[2].spikes > st[0].spikes,
              "seed %llu, both: %zu spikes, basal_only %zu; expected more", seed, st[2].spikes,
              st[0].spikes);
    nmsim_scenario_destroy(s);
  }
}
