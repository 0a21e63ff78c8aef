/* plastic_weights.h: the learned weights into the run file
 * (sim/system/plastic_weights.c). */
#ifndef NMSIM_SIM_SYSTEM_PLASTIC_WEIGHTS_H
#define NMSIM_SIM_SYSTEM_PLASTIC_WEIGHTS_H

#include "cores/machine.h"

/* Write the weights of the plastic projections that the scenario records
 * (record.weights) into the open run file `file` (an hid_t; path names it in
 * messages), as /projections/<k>/{pre, post, weight}. */
nmsim_status run_write_weights(int64_t file, const char *path, const sys *s, nmsim_err *err);

#endif
