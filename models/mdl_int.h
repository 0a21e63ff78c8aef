/* mdl_int.h: the built-in model descriptors (defined in their own files). */
#ifndef NMSIM_MODELS_MDL_INT_H
#define NMSIM_MODELS_MDL_INT_H

#include "nmsim/model.h"
#include "sim/sim_int.h"

extern const nmsim_neuron_type mdl_lif_type;
extern const nmsim_neuron_type mdl_poisson_type;
extern const nmsim_neuron_type mdl_spike_array_type;
extern const nmsim_neuron_type mdl_loihi_cuba_type;
extern const nmsim_neuron_type mdl_izhikevich_type;
extern const nmsim_neuron_type mdl_izhikevich_paper_type;
extern const nmsim_neuron_type mdl_adex_type;
extern const nmsim_neuron_type mdl_l5pc_type;
extern const nmsim_neuron_type mdl_two_point_type;
extern const nmsim_neuron_type mdl_nir_lif_type;
extern const nmsim_neuron_type mdl_nir_if_type;        /* models/nir_neurons.c */
extern const nmsim_neuron_type mdl_nir_i_type;
extern const nmsim_neuron_type mdl_nir_li_type;
extern const nmsim_neuron_type mdl_nir_cubalif_type;
extern const nmsim_neuron_type mdl_nir_cubali_type;
extern const nmsim_neuron_type mdl_nir_threshold_type;
extern const nmsim_neuron_type mdl_dvs_type; /* sim/dvs_source.c */

/* Whether a model's AVX-512 update may run: the processor has AVX-512F and
 * the environment does not set NMSIM_KERNELS=portable (models/registry.c).
 * Every vector update gives the bits of its portable one. */
bool mdl_use_avx512(void);

#endif
