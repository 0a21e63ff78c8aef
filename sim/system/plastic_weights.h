/* plastic_weights.h: the learned weights into the run file
 * (sim/system/plastic_weights.c). */
#ifndef NMSIM_SIM_SYSTEM_PLASTIC_WEIGHTS_H
#define NMSIM_SIM_SYSTEM_PLASTIC_WEIGHTS_H

#include "cores/machine.h"
#include "sim/out/h5out.h"

/* Add the weights of the plastic projections that the scenario records
 * (record.weights) to the run file's items, as /projections/<k>/{pre, post,
 * weight}. NMSIM_ENOMEM. */
nmsim_status sys_weight_items(const sys *s, h5o_items *b, nmsim_err *err);

#endif
