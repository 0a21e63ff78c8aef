/* build.h: mapping a scenario onto a chip (sim/system/build.c): placing
 * neurons on cores under the chip's limits, synapse rows, routes, state. */
#ifndef NMSIM_SIM_SYSTEM_BUILD_H
#define NMSIM_SIM_SYSTEM_BUILD_H

#include "cores/machine.h"
#include "sim/load/scenario_int.h"

/* Map the scenario onto the chip and build every structure (mapper, synapse
 * rows, routes). NMSIM_ECAPACITY names the population or core and the limit
 * that is exceeded and by how much; NMSIM_ENOMEM. */
nmsim_status sys_build(const nmsim_scenario *scn, const nmsim_chip *chip, sys **out,
                       nmsim_err *err);
/* A run split over parts (MPI ranks or threads): this is part `rank` of
 * `size`, cut by `strategy` ("blocks", "cyclic" or NULL: blocks). */
typedef struct sys_split {
  int rank, size;
  const char *strategy;
} sys_split;

/* sys_build for one part of a split run (split NULL or of size 1: the whole
 * run), with its partition (s->part). Where the chip allows it (cores
 * addressed by (core, axon), no core type build hook) the part holds the
 * mapping of the whole system but the synapse rows, out lists, input rings
 * and neuron state of its own cores only (and the out-list entries that
 * reach them; a core with plastic synapses has its rows and state on every
 * part, for the weights part 0 writes), and never holds every synapse at
 * once: the sources of every neuron (4 bytes a synapse) for the mapping,
 * then the synapses of its cores. Elsewhere it builds the whole system and
 * runs its part. */
nmsim_status sys_build_split(const nmsim_scenario *scn, const nmsim_chip *chip,
                             const sys_split *split, sys **out, nmsim_err *err);
void sys_destroy(sys *s);
#endif
