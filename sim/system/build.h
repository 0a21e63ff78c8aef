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
void sys_destroy(sys *s);
#endif
