/* mdl_int.h: the built-in model descriptors (defined in their own files). */
#ifndef NMSIM_MODELS_MDL_INT_H
#define NMSIM_MODELS_MDL_INT_H

#include "nmsim/model.h"
#include "sim/sim_int.h"

extern const nmsim_neuron_type mdl_lif_type;
extern const nmsim_neuron_type mdl_poisson_type;
extern const nmsim_neuron_type mdl_spike_array_type;

#endif
