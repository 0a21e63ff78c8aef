/* bench_syn.c: synaptic delivery rate in functional mode with targets that
 * fit in cache: 1000 Poisson sources at a high rate, all-to-all onto N LIF
 * targets (spread by the mapper over the Loihi cores their synapse memory
 * needs), timing the run only (not loading or connecting).
 * Usage: bench_syn [targets=1000] [rate_hz=500] [steps=2000] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sim/system/build.h"
#include "sim/system/run_int.h"

int main(int argc, char **argv) {
  unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 1000;
  double rate = argc > 2 ? atof(argv[2]) : 500;
  unsigned steps = argc > 3 ? (unsigned)atoi(argv[3]) : 2000;
  char text[1024];
  snprintf(text, sizeof text,
           "chip: loihi\nsteps: %u\ndt: 1 ms\nengine: {mode: functional}\n"
           "populations:\n  src: {size: 1000, model: poisson, params: {rate: %g Hz}}\n"
           "  dst: {size: %u, model: lif, params: {v_th: 1000 mV}}\n"
           "projections:\n  - {from: src, to: dst, connector: all_to_all, weight: 0.001}\n",
           steps, rate, n);
  nmsim_scenario *scn = NULL;
  nmsim_chip *chip = NULL;
  sys *s = NULL;
  nmsim_err err = {0};
  if (nmsim_scenario_load_string("bench_syn.yaml", text, NULL, 0, &scn, &err) ||
      nmsim_chip_load(scn->chip, NULL, &chip, &err) || sys_build(scn, chip, &s, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  if (sys_run(s, &err) != NMSIM_OK) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  double secs = (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec);
  uint64_t ev = s->energy.n[NM_E_SYN_OP];
  printf("bench_syn targets=%u sources=1000 rate=%g Hz steps=%u: %llu synaptic events in %.3f s "
         "= %.3e events/s (%.2f ns/event, neuron updates included)\n",
         n, rate, steps, (unsigned long long)ev, secs, (double)ev / secs, 1e9 * secs / (double)ev);
  sys_destroy(s);
  nmsim_chip_destroy(chip);
  nmsim_scenario_destroy(scn);
  return 0;
}
