/* connect.h: projections expanded into synapses (sim/system/connect.c). */
#ifndef NMSIM_SIM_SYSTEM_CONNECT_H
#define NMSIM_SIM_SYSTEM_CONNECT_H

#include "cores/machine.h"
#include "sim/load/scenario_int.h"

/* A synapse made by a projection's connector , in the order of
 * projections, then source neurons, then the connector's own order. Returns
 * NMSIM_OK or NMSIM_ENOMEM. */
typedef nmsim_status (*sys_syn_sink)(void *ctx, const sys *s, uint32_t src_gid, uint32_t dst_gid,
                                     const scn_projection *pr, int32_t wq, uint32_t delay);
nmsim_status sys_expand_projections(sys *s, const int *shift, sys_syn_sink add, void *ctx,
                                    nmsim_err *err);
/* The same for the projections k with only[k] != 0 (all if only is NULL):
 * each projection draws from streams keyed by its own index, so the
 * synapses of those made are the same as in a full expansion. */
nmsim_status sys_expand_some(sys *s, const int *shift, const uint8_t *only, sys_syn_sink add,
                             void *ctx, nmsim_err *err);

#endif
