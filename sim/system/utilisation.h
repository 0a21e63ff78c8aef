/* utilisation.h: how full each core is (sim/system/utilisation.c). */
#ifndef NMSIM_SIM_SYSTEM_UTILISATION_H
#define NMSIM_SIM_SYSTEM_UTILISATION_H

#include "cores/machine.h"
#include "sim/out/h5out.h"

/* Utilisation of core c against the chip's limits, as fractions:
 * u[0] neurons, u[1] synapse memory, u[2] fan-in, u[3] fan-out. */
void sys_core_utilisation(const sys *s, const sys_core *c, double u[4]);
/* Add /cores/utilisation (n_cores x 4 fractions, columns neurons,
 * synapse_memory, fan_in, fan_out) to the run file's items. NMSIM_ENOMEM. */
nmsim_status sys_utilisation_items(const sys *s, h5o_items *b, nmsim_err *err);

#endif
