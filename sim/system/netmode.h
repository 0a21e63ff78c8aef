/* netmode.h: engine.mode network (sim/system/netmode.c). */
#ifndef NMSIM_SIM_SYSTEM_NETMODE_H
#define NMSIM_SIM_SYSTEM_NETMODE_H

#include "cores/machine.h"

/* One core per population, with no chip limit, and the synapses straight
 * from the connectors into rows per projection and source neuron (4 bytes a
 * synapse, or 8 with its own weight); its delivery path (sys_network_path)
 * applies the rows of a spike. NMSIM_EINPUT for plastic projections. */
nmsim_status net_build(sys *s, const int *shift, nmsim_err *err);
void net_destroy(sys *s);
/* A spike's rows, per projection and source neuron. */
extern const sys_path sys_network_path;

#endif
