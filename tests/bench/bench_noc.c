/* bench_noc.c: latency against offered load for uniform random traffic on a
 * k x k mesh (one core per tile, 1 ns hops, 1 ns serialization, buffers of
 * depth B), with the zero-load latency and the bisection bound of Dally &
 * Towles, Principles and Practices of Interconnection Networks (2004), sec.
 * 3.3: for uniform traffic on a k x k mesh the bisection channels saturate at
 * an injection rate of 4/k packets per node per cycle.
 * Usage: bench_noc [k] [buffer_depth] [cycles] */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "noc/traffic.h"

int main(int argc, char **argv) {
  unsigned k = argc > 1 ? (unsigned)atoi(argv[1]) : 8;
  unsigned depth = argc > 2 ? (unsigned)atoi(argv[2]) : 4;
  unsigned cycles = argc > 3 ? (unsigned)atoi(argv[3]) : 20000;
  char text[1024];
  snprintf(text, sizeof text,
           "name: mesh%u\ncore_kind: loihi\nmesh: {width: %u, height: %u, cores_per_tile: 1}\n"
           "limits: {neurons_per_core: 1, synapse_memory: 1 KiB, synapse_bytes: 1, fan_in: 1, "
           "fan_out: 1}\n"
           "costs: {synaptic_op: {energy: 0 pJ, time: 0 ns}, synaptic_update: {energy: 0 pJ, "
           "time: 0 ns}, neuron_update: {energy: 0 pJ, time: 0 ns}, neuron_idle: {energy: 0 pJ, "
           "time: 0 ns}, spike_out: {energy: 0 pJ, time: 0 ns}}\n"
           "noc: {topology: mesh, routing: xy, within_tile: {energy: 0 pJ, time: 0 ns}, hop_ew: "
           "{energy: 1 pJ, time: 1 ns}, hop_ns: {energy: 1 pJ, time: 1 ns}, link_serialization: "
           "1 ns, buffer_depth: %u}\n"
           "barrier: {times: [{tiles: 1, time: 1 ns}], energy_per_tile: 0 pJ}\n"
           "static_power: 0 mW\n",
           k, k, k, depth);
  char path[] = "/tmp/nmsim-bench-noc-XXXXXX";
  int fd = mkstemp(path);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (!f || fputs(text, f) < 0 || fclose(f) != 0) return 1;
  nmsim_chip *chip = NULL;
  nmsim_err err = {0};
  if (nmsim_chip_load(path, NULL, &chip, &err) != NMSIM_OK) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  remove(path);
  double n = (double)k * k;
  double zero = 2.0 * (k * k - 1.0) / (3.0 * k) * n / (n - 1); /* mean hops, src != dst */
  double bound = 4.0 / k * (n - 1) / n;
  printf("# %ux%u mesh, DOR, buffer depth %u, %u cycles; zero-load %.3f ns, bisection bound "
         "%.3f pkt/node/cycle\n",
         k, k, depth, cycles, zero, bound);
  printf("# %8s %10s %12s %10s %12s\n", "offered", "of bound", "latency ns", "accepted",
         "undelivered");
  double fr[] = {0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0, 1.1};
  for (size_t i = 0; i < sizeof fr / sizeof *fr; i++) {
    noc_traffic_opts o = {.rate = fr[i] * bound, .warmup = cycles / 4, .measure = cycles,
                          .seed = 1};
    noc_traffic_result r;
    if (noc_traffic_run(chip, &o, &r, &err) != NMSIM_OK) {
      fprintf(stderr, "%s\n", err.msg);
      return 1;
    }
    printf("  %8.4f %10.2f %12.3f %10.4f %12llu\n", o.rate, fr[i], r.mean_latency_ps / 1000.0,
           r.accepted, (unsigned long long)r.undelivered);
    fflush(stdout);
  }
  nmsim_chip_destroy(chip);
  return 0;
}
