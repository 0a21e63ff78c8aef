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
/* A synapse made by a projection's connector (sim/system/build.c), in the order of
 * projections, then source neurons, then the connector's own order. Returns
 * NMSIM_OK or NMSIM_ENOMEM. */
typedef nmsim_status (*sys_syn_sink)(void *ctx, const sys *s, uint32_t src_gid, uint32_t dst_gid,
                                     const scn_projection *pr, int32_t wq);
nmsim_status sys_expand_projections(sys *s, const int *shift, sys_syn_sink add, void *ctx,
                                    nmsim_err *err);

#endif
